"""The reference catalogue holds the facts of the seed documents and the NHS geography.

Expected facts are written here as literals (from the HEE goals and objectives
pages, seeds 002 and 003, and the NHS England and ONS region codes), so a
wrong edit to ``data/reference`` is caught by a test, not by a reader.
"""

from __future__ import annotations

import shutil

import pytest

from heenb.data.catalogue import LOOKUPS, VALUE_SETS, load_catalogue
from heenb.errors import ParameterError
from heenb.paths import REFERENCE_DIR

# --------------------------------------------------------------------------- facts

#: Objective id -> (executive lead, BAF opportunities supported), seeds 002 and 003.
OBJECTIVES = {
    "quality-framework": ("Wendy Reid", ["1", "3"]),
    "maternity": ("Wendy Reid", ["2", "3"]),
    "learner-voice": ("Wendy Reid", ["1", "3"]),
    "cross-cutting": ("Navina Evans", ["1", "2", "3", "4"]),
    "restoration-recovery": ("Wendy Reid", ["2", "3"]),
}

#: Objective id -> the headline KPI descriptor, verbatim from the seeds.
SEED_KPI_DESCRIPTORS = {
    "quality-framework": (
        "Qualitative update that demonstrates the embedding of the Quality Strategy and "
        "Framework and its impact on quality improvement"
    ),
    "maternity": "Improved satisfaction with the overall quality of training received by midwives",
    "learner-voice": "Overall learner satisfaction with training",
    "cross-cutting": (
        "Qualitative update reflecting HEE\u2019s endeavour, with partners, to reduce health "
        "inequalities"
    ),
    "restoration-recovery": (
        "% of ARCP outcomes 10.1 and 10.2 (training impacted by COVID-19) compared to "
        "outcomes 2 and 3 (pre-COVID-19)"
    ),
}

#: NHS England region code -> (name, ONS code, ONS code before July 2022).
REGIONS = {
    "Y56": ("London", "E40000003", "E40000003"),
    "Y58": ("South West", "E40000006", "E40000006"),
    "Y59": ("South East", "E40000005", "E40000005"),
    "Y60": ("Midlands", "E40000011", "E40000008"),
    "Y61": ("East of England", "E40000007", "E40000007"),
    "Y62": ("North West", "E40000010", "E40000010"),
    "Y63": ("North East and Yorkshire", "E40000012", "E40000009"),
}

#: HEE local office (former LETB) name -> the NHS England region it sits in.
LOCAL_OFFICE_REGIONS = {
    "North East": "North East and Yorkshire",
    "Yorkshire and the Humber": "North East and Yorkshire",
    "North West": "North West",
    "East Midlands": "Midlands",
    "West Midlands": "Midlands",
    "East of England": "East of England",
    "North Central and East London": "London",
    "North West London": "London",
    "South London": "London",
    "Kent, Surrey and Sussex": "South East",
    "Thames Valley": "South East",
    "Wessex": "South East",
    "South West": "South West",
}

GOAL_STATEMENTS = {
    "Future workforce": (
        "Reform clinical education to produce the highest quality new clinical professionals "
        "ever in the right number."
    ),
    "Current workforce": (
        "Transform today's workforce to work in a co-operative, flexible, multi-professional, "
        "digitally enabled system."
    ),
    "Quality and patient safety": (
        "Deliver and quality assure with partners, education and training that is rigorous, "
        "highly sought after and future focused."
    ),
}


def _plain(text: str) -> str:
    """Text with typographic apostrophes made plain, as the catalogue stores them."""
    return text.replace("\u2019", "'")


def _row(table, column, value):
    rows = table[table[column] == value]
    assert len(rows) == 1, f"expected one row with {column} = {value!r}, found {len(rows)}"
    return rows.iloc[0]


# --------------------------------------------------------------------------- objectives


def test_there_are_five_objectives(catalogue):
    assert sorted(catalogue.objectives["objective_id"]) == sorted(OBJECTIVES)


@pytest.mark.parametrize("objective_id", list(OBJECTIVES))
def test_each_objective_has_its_executive_lead_from_the_seeds(catalogue, objective_id):
    lead, _ = OBJECTIVES[objective_id]
    assert catalogue.objective(objective_id)["executive_lead"] == lead


@pytest.mark.parametrize("objective_id", list(OBJECTIVES))
def test_each_objective_supports_the_baf_opportunities_in_the_seeds(catalogue, objective_id):
    _, baf = OBJECTIVES[objective_id]
    assert catalogue.objective(objective_id)["baf_opportunities"] == baf


def test_baf_opportunities_are_read_from_a_semicolon_list(catalogue):
    # objectives.csv writes quality-framework's opportunities as "1;3"
    assert catalogue.objective("quality-framework")["baf_opportunities"] == ["1", "3"]


@pytest.mark.parametrize("objective_id", list(SEED_KPI_DESCRIPTORS))
def test_headline_kpi_descriptor_is_the_seed_text(catalogue, objective_id):
    kpi = catalogue.kpi(catalogue.objective(objective_id)["headline_kpi"])
    assert kpi["descriptor"] == _plain(SEED_KPI_DESCRIPTORS[objective_id])


def test_each_headline_kpi_belongs_to_its_objective_and_is_a_headline(catalogue):
    for objective in catalogue.objectives.itertuples():
        kpi = catalogue.kpi(objective.headline_kpi)
        assert kpi["objective_id"] == objective.objective_id
        assert kpi["role"] == "headline"


def test_maternity_is_about_1200_midwives_and_100_consultant_obstetricians(catalogue):
    targets = catalogue.kpis.set_index("kpi_id")["target"]
    assert targets["midwife-fte"] == "1200"
    assert targets["consultant-obstetrician-fte"] == "100"


# --------------------------------------------------------------------------- goals


def test_the_three_strategic_goals_of_2022_23_have_the_seed_statements(catalogue):
    for name, statement in GOAL_STATEMENTS.items():
        assert _row(catalogue.goals, "name", name)["statement"] == statement


def test_restoration_and_recovery_and_cross_cutting_are_goals_too(catalogue):
    names = set(catalogue.goals["name"])
    assert {"Restoration and recovery of NHS services", "Cross-cutting"} <= names
    assert len(catalogue.goals) == 5


def test_the_three_quality_objectives_serve_the_quality_and_patient_safety_goal(catalogue):
    goal = _row(catalogue.goals, "name", "Quality and patient safety")["goal_id"]
    for objective_id in ("quality-framework", "maternity", "learner-voice"):
        assert catalogue.objective(objective_id)["goal_id"] == goal


def test_every_objective_serves_a_known_goal(catalogue):
    assert set(catalogue.objectives["goal_id"]) <= set(catalogue.goals["goal_id"])


# --------------------------------------------------------------------------- KPIs


@pytest.mark.parametrize(
    ("kpi_id", "kind", "improvement"),
    [
        ("arcp-covid-share", "proportion", "lower"),
        ("arcp-extension-share", "proportion", "lower"),
        ("nets-overall-satisfaction", "proportion", "higher"),
        ("midwife-training-satisfaction", "proportion", "higher"),
        ("quality-framework-update", "narrative", "neither"),
        ("health-inequalities-update", "narrative", "neither"),
    ],
)
def test_kpi_kind_and_direction_of_improvement(catalogue, kpi_id, kind, improvement):
    kpi = catalogue.kpi(kpi_id)
    assert (kpi["kind"], kpi["improvement"]) == (kind, improvement)


def test_a_smaller_share_of_arcp_10_x_outcomes_is_better(catalogue):
    assert catalogue.kpi("arcp-covid-share")["improvement"] == "lower"


def test_every_kpi_belongs_to_a_known_objective(catalogue):
    assert set(catalogue.kpis["objective_id"]) <= set(catalogue.objectives["objective_id"])


def test_arcp_outcomes_10_1_and_10_2_are_the_covid_group(catalogue):
    outcomes = catalogue.codes["arcp_outcomes"].set_index("outcome")["group"]
    assert sorted(outcomes[outcomes == "covid"].index) == ["10.1", "10.2"]
    assert sorted(outcomes[outcomes == "extension_comparator"].index) == ["2", "3"]


def test_good_and_outstanding_nets_answers_count_as_positive(catalogue):
    scale = catalogue.codes["nets_scale"].set_index("answer")["positive"]
    assert scale.to_dict() == {"1": "False", "2": "False", "3": "False", "4": "True", "5": "True"}


def test_unknown_kpi_raises_a_parameter_error(catalogue):
    with pytest.raises(ParameterError, match="Unknown kpi 'no-such-kpi'"):
        catalogue.kpi("no-such-kpi")


# --------------------------------------------------------------------------- programmes


@pytest.mark.parametrize(
    ("programme_id", "name", "objective"),
    [
        ("em-innovation", "East Midlands innovation and service improvement programme",
         "quality-framework"),
        ("putting-people-first", "Putting People First", "cross-cutting"),
        ("pgme-recovery", "Postgraduate Medical Education Recovery Programme",
         "restoration-recovery"),
        ("maternity-transformation", "Maternity Transformation", "maternity"),
        ("elective-care-repository", "Elective Care Recovery Innovative Practice Repository",
         "restoration-recovery"),
    ],
)  # fmt: skip
def test_programme_from_the_seeds_serves_its_objective(catalogue, programme_id, name, objective):
    programme = catalogue.programme(programme_id)
    assert programme["name"] == name
    assert objective in programme["objective_ids"]


def test_east_midlands_innovation_programme_has_ten_strands(catalogue):
    strands = catalogue.strands[catalogue.strands["programme_id"] == "em-innovation"]
    assert len(strands) == 10
    assert strands["strand_id"].is_unique


def test_east_midlands_programmes_run_in_the_east_midlands_local_office(catalogue):
    for programme_id in ("em-innovation", "putting-people-first"):
        assert catalogue.programme(programme_id)["local_office_code"] == "EM"
    assert catalogue.area_name("EM") == "East Midlands"


def test_every_programme_serves_known_objectives(catalogue):
    known = set(catalogue.objectives["objective_id"])
    for ids in catalogue.programmes["objective_ids"]:
        assert ids and set(ids) <= known


# --------------------------------------------------------------------------- geography


def test_there_are_seven_nhs_england_regions_with_their_codes(catalogue):
    regions = catalogue.regions.set_index("region_code")
    found = {
        code: (row["name"], row["ons_code"], row["ons_code_before_2022_07"])
        for code, row in regions.iterrows()
    }
    assert found == REGIONS


def test_midlands_ons_code_changed_in_july_2022(catalogue):
    midlands = _row(catalogue.regions, "region_code", "Y60")
    assert (midlands["ons_code"], midlands["ons_code_before_2022_07"]) == (
        "E40000011",
        "E40000008",
    )


def test_north_east_and_yorkshire_ons_code_changed_in_july_2022(catalogue):
    ney = _row(catalogue.regions, "region_code", "Y63")
    assert (ney["ons_code"], ney["ons_code_before_2022_07"]) == ("E40000012", "E40000009")


def test_there_are_thirteen_local_offices(catalogue):
    assert sorted(catalogue.local_offices["name"]) == sorted(LOCAL_OFFICE_REGIONS)
    assert catalogue.local_offices["local_office_code"].is_unique


@pytest.mark.parametrize(("office", "region"), list(LOCAL_OFFICE_REGIONS.items()))
def test_each_local_office_rolls_up_to_its_region(catalogue, office, region):
    code = _row(catalogue.local_offices, "name", office)["local_office_code"]
    region_code = catalogue.region_of[code]
    assert catalogue.area_name(region_code) == region


def test_london_has_three_local_offices(catalogue):
    assert catalogue.offices_in("Y56") == ["NCEL", "NWL", "SL"]


def test_areas_are_seven_regions_and_thirteen_local_offices(catalogue):
    areas = catalogue.areas
    assert len(areas) == 20
    assert areas["area_code"].is_unique
    assert (areas["level"] == "region").sum() == 7
    assert (areas["level"] == "local_office").sum() == 13


def test_a_region_area_is_its_own_region(catalogue):
    area = catalogue.area("Y60")
    assert (area["name"], area["level"], area["region_code"]) == ("Midlands", "region", "Y60")


def test_england_is_named_england(catalogue):
    assert catalogue.area_name("ENG") == "England"


def test_unknown_area_lists_valid_codes_and_suggests_a_close_one(catalogue):
    with pytest.raises(ParameterError) as caught:
        catalogue.area("Y99")
    message = str(caught.value)
    assert "Unknown area 'Y99'" in message
    for code in [*REGIONS, "EM", "NCEL", "WX"]:
        assert code in message
    assert "London" in message  # codes are listed with their names
    suggestion = message.split("Did you mean '", 1)[1].split("'", 1)[0]
    assert suggestion in REGIONS


def test_area_in_the_wrong_case_suggests_the_right_code(catalogue):
    with pytest.raises(ParameterError, match="Did you mean 'Y60'"):
        catalogue.area("y60")


def test_unknown_objective_lists_the_valid_objectives(catalogue):
    with pytest.raises(ParameterError) as caught:
        catalogue.objective("maternity-services")
    assert "Did you mean 'maternity'" in str(caught.value)
    for objective_id in OBJECTIVES:
        assert objective_id in str(caught.value)


# --------------------------------------------------------------------------- value sets


@pytest.mark.parametrize("name", list(VALUE_SETS))
def test_every_value_of_a_value_set_passes_its_lookup_and_has_a_name(catalogue, name):
    """A set's records, its code column, lookup and name field agree, so a plan entry or
    ``heenb new-report`` over any set can check and label every value."""
    value_set = VALUE_SETS[name]
    codes = list(catalogue.set_records(name)[value_set.column])
    assert codes and len(set(codes)) == len(codes)
    lookup = getattr(catalogue, value_set.lookup)
    assert all(str(lookup(code)[value_set.name_field]) for code in codes)


def test_the_value_sets_are_the_ones_reports_yml_names():
    assert list(VALUE_SETS) == ["objectives", "areas", "regions", "local_offices",
                                "programmes", "stps", "ics"]  # fmt: skip
    assert set(LOOKUPS) == {"objective", "area", "programme", "kpi", "ics"}


def test_an_unknown_value_set_names_the_valid_ones(catalogue):
    with pytest.raises(ParameterError) as caught:
        catalogue.set_records("trusts")
    assert str(caught.value) == (
        "Unknown value set 'trusts'; valid value sets: objectives, areas, regions, "
        "local_offices, programmes, stps, ics."
    )


def test_unknown_regional_structure_raises_and_names_the_known_ones():
    with pytest.raises(ParameterError, match="nhse-7-regions") as caught:
        load_catalogue(structure="nhse-9-regions")
    assert "Unknown regional structure 'nhse-9-regions'" in str(caught.value)


# --------------------------------------------------------------------------- structures

#: A made-up four-region structure (which office sat where in 2017 is not confirmed).
FOUR_REGIONS = {
    "NE": "R-N", "YH": "R-N", "NW": "R-N", "EM": "R-ME", "WM": "R-ME", "EOE": "R-ME",
    "NCEL": "R-LSE", "NWL": "R-LSE", "SL": "R-LSE", "KSS": "R-LSE", "TV": "R-S", "WX": "R-S",
    "SW": "R-S",
}  # fmt: skip


@pytest.fixture
def four_region_reference(tmp_path):
    """A copy of data/reference with a second structure appended to region_mappings.csv."""
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    add_structure(directory, "test-4-regions", FOUR_REGIONS)
    return directory


def add_structure(directory, structure, regions, level="test_region"):
    """Append a regional structure (its row, its regions, its mapping rows) to a reference copy."""
    with (directory / "regional_structures.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{structure},A test structure,{level},derived,a test\n")
    with (directory / "regions.csv").open("a", encoding="utf-8") as handle:
        for region in dict.fromkeys(regions.values()):
            handle.write(f"{region},Region {region},{structure},,\n")
    with (directory / "region_mappings.csv").open("a", encoding="utf-8") as handle:
        for office, region in regions.items():
            handle.write(f"{structure},{office},{region},derived\n")


def test_a_second_regional_structure_is_added_as_mapping_rows(four_region_reference):
    catalogue = load_catalogue(structure="test-4-regions", directory=four_region_reference)
    assert catalogue.structure == "test-4-regions"
    assert catalogue.region_of.to_dict() == FOUR_REGIONS
    assert catalogue.offices_in("R-LSE") == ["NCEL", "NWL", "SL", "KSS"]


def test_adding_a_structure_leaves_the_default_one_unchanged(four_region_reference):
    catalogue = load_catalogue(directory=four_region_reference)
    assert catalogue.structure == "nhse-7-regions"
    assert catalogue.region_of["EM"] == "Y60"
    assert len(catalogue.region_of) == 13
