"""The mart: counts by local office, rolled up to regions and England by summing counts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from heenb import paths
from heenb.data import mart as mart_module
from heenb.data.catalogue import load_catalogue
from heenb.data.mart import build_mart, load_mart, mart_key
from heenb.errors import DataValidationError
from heenb.paths import REFERENCE_DIR

KEYS = ["measure", "period", "breakdown", "group"]
COUNTS = ["numerator", "denominator"]


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A private, empty mart cache for one test."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("HEENB_CACHE", str(cache))
    return paths.mart_root()


def _offices(proportions):
    return proportions[proportions["level"] == "local_office"]


# --------------------------------------------------------------------------- roll-up


def test_a_region_is_the_sum_of_its_local_offices(mart, catalogue):
    proportions = mart.proportions
    offices = _offices(proportions).assign(region=lambda t: t["area_code"].map(catalogue.region_of))
    expected = offices.groupby(["region", *KEYS])[COUNTS].sum()
    regions = proportions[proportions["level"] == "region"]
    found = regions.rename(columns={"area_code": "region"}).set_index(["region", *KEYS])[COUNTS]
    pd.testing.assert_frame_equal(found.sort_index(), expected.sort_index())


def test_england_is_the_sum_of_all_local_offices(mart):
    proportions = mart.proportions
    expected = _offices(proportions).groupby(KEYS)[COUNTS].sum()
    england = proportions[proportions["level"] == "national"]
    assert set(england["area_code"]) == {"ENG"}
    found = england.set_index(KEYS)[COUNTS]
    pd.testing.assert_frame_equal(found.sort_index(), expected.sort_index())


def test_every_area_appears_once_per_measure_period_and_group(mart):
    proportions = mart.proportions
    assert not proportions.duplicated(["level", "area_code", *KEYS]).any()
    assert set(proportions["level"]) == {
        "national", "region", "hee_region", "local_office", "stp", "provider",
    }  # fmt: skip
    assert not proportions.duplicated(["area_code", *KEYS]).any()  # an area code names one area


# --------------------------------------------------------------------------- geography

#: Each level above a provider and how a provider's (or lower level's) code maps into it.
PROVIDER_MEASURES = ["arcp-covid-share", "nets-overall-satisfaction"]


def _parent(catalogue, level):
    """(child level, mapping from a child code to the area code at ``level``)."""
    return {
        "stp": ("provider", catalogue.stp_of),
        "local_office": ("stp", catalogue.office_of_stp),
        "region": ("local_office", catalogue.region_of),
        "hee_region": ("local_office", catalogue.regions_in("hee-2017-regions")),
    }[level]


def _sum_into(rows, mapping, keys, counts):
    mapped = rows.assign(area_code=rows["area_code"].map(mapping))
    return mapped.groupby(["area_code", *keys])[counts].sum().sort_index()


def _level(table, level, keys, counts):
    rows = table[table["level"] == level]
    return rows.set_index(["area_code", *keys])[counts].sort_index()


@pytest.mark.parametrize("level", ["stp", "local_office", "region", "hee_region"])
def test_each_level_is_the_sum_of_the_level_below_for_every_measure(mart, catalogue, level):
    child, mapping = _parent(catalogue, level)
    proportions = mart.proportions
    children = proportions[proportions["level"] == child]
    assert set(PROVIDER_MEASURES) <= set(children["measure"])
    expected = _sum_into(children, mapping, KEYS, COUNTS)
    found = _level(proportions, level, KEYS, COUNTS)
    found = found[found.index.get_level_values("measure").isin(set(children["measure"]))]
    pd.testing.assert_frame_equal(found, expected)


def test_provider_counts_sum_to_every_level_and_england_for_every_measure(mart, catalogue):
    proportions = mart.proportions
    providers = proportions[proportions["level"] == "provider"]
    counted = set(providers["measure"])
    assert counted == set(
        catalogue.kpis.loc[catalogue.kpis["source_file"].isin(["nets_responses", "arcp_outcomes"])
                           & (catalogue.kpis["kind"] == "proportion"), "kpi_id"]
    )  # fmt: skip
    mine = proportions[proportions["measure"].isin(counted)]
    to_office = catalogue.office_of_provider
    maps = {
        "stp": catalogue.stp_of,
        "local_office": to_office,
        "region": to_office.map(catalogue.region_of),
        "hee_region": to_office.map(catalogue.regions_in("hee-2017-regions")),
        "national": to_office.map(lambda _: "ENG"),
    }
    for level, mapping in maps.items():
        expected = _sum_into(providers, mapping, KEYS, COUNTS)
        pd.testing.assert_frame_equal(_level(mine, level, KEYS, COUNTS), expected, obj=level)


def test_provider_counts_match_the_raw_rows(mart, demo_dir):
    raw = pd.read_csv(demo_dir / "arcp_outcomes.csv", dtype=str)
    raw["covid"] = raw["outcome"].isin(["10.1", "10.2"])
    by_provider = raw.groupby(["provider", "year"]).agg(
        numerator=("covid", "sum"), denominator=("outcome", "size")
    )
    rows = mart.proportions[(mart.proportions["measure"] == "arcp-covid-share")
                            & (mart.proportions["breakdown"] == "all")
                            & (mart.proportions["level"] == "provider")]  # fmt: skip
    found = rows.set_index(["area_code", "period"])[COUNTS]
    found.index.names = ["provider", "year"]
    pd.testing.assert_frame_equal(found.sort_index(), by_provider.sort_index(), check_dtype=False)


@pytest.mark.parametrize("table", ["workforce", "representation"])
def test_hee_regions_sum_their_local_offices_in_every_table(
    mart, catalogue, table, level="hee_region"
):
    frame = getattr(mart, table)
    keys = {"workforce": ["staff_group", "month"], "representation": ["year", "ethnic_group"]}[
        table
    ]
    counts = {"workforce": ["fte"], "representation": ["learners", "population"]}[table]
    offices = frame[frame["level"] == "local_office"]
    expected = _sum_into(offices, catalogue.regions_in("hee-2017-regions"), keys, counts)
    found = _level(frame, "hee_region", keys, counts)
    assert sorted(set(found.index.get_level_values(0))) == ["HEE-LSE", "HEE-ME", "HEE-N", "HEE-S"]
    pd.testing.assert_frame_equal(found, expected, atol=0.1 * 13, check_dtype=False)


def test_workforce_rolls_up_to_regions_and_england(mart, catalogue):
    workforce = mart.workforce
    offices = workforce[workforce["level"] == "local_office"]
    midwives = offices[(offices["staff_group"] == "midwives") & (offices["month"] == "2023-09")]
    england = workforce[
        (workforce["level"] == "national")
        & (workforce["staff_group"] == "midwives")
        & (workforce["month"] == "2023-09")
    ]
    assert england["fte"].item() == pytest.approx(midwives["fte"].sum(), abs=0.1)
    midlands = workforce[
        (workforce["area_code"] == "Y60")
        & (workforce["staff_group"] == "midwives")
        & (workforce["month"] == "2023-09")
    ]
    in_midlands = midwives[midwives["area_code"].isin(catalogue.offices_in("Y60"))]
    assert midlands["fte"].item() == pytest.approx(in_midlands["fte"].sum(), abs=0.1)


def test_the_mart_knows_it_was_built_from_demo_data(mart):
    assert mart.is_demo


# --------------------------------------------------------------------------- measures


def test_arcp_10_x_share_is_computed_over_all_outcomes_of_the_year(mart, demo_dir):
    raw = pd.read_csv(demo_dir / "arcp_outcomes.csv", dtype=str)
    raw["covid"] = raw["outcome"].isin(["10.1", "10.2"])
    by_office = raw.groupby(["local_office", "year"]).agg(
        numerator=("covid", "sum"), denominator=("outcome", "size")
    )
    rows = mart.proportions[
        (mart.proportions["measure"] == "arcp-covid-share")
        & (mart.proportions["breakdown"] == "all")
    ]
    offices = _offices(rows).set_index(["area_code", "period"])[COUNTS]
    offices.index.names = ["local_office", "year"]
    pd.testing.assert_frame_equal(offices.sort_index(), by_office.sort_index(), check_dtype=False)
    england = rows[rows["level"] == "national"].set_index("period")[COUNTS]
    national = raw.groupby("year").agg(numerator=("covid", "sum"), denominator=("outcome", "size"))
    assert england.loc["2021"].tolist() == national.loc["2021"].tolist()


def test_nets_overall_satisfaction_counts_good_or_outstanding_answers(mart, demo_dir):
    raw = pd.read_csv(demo_dir / "nets_responses.csv")
    overall = raw[(raw["item"] == "overall") & (raw["year"] == 2023)]
    row = mart.proportions[
        (mart.proportions["measure"] == "nets-overall-satisfaction")
        & (mart.proportions["breakdown"] == "all")
        & (mart.proportions["level"] == "national")
        & (mart.proportions["period"] == "2023")
    ]
    assert row[COUNTS].iloc[0].tolist() == [(overall["answer"] >= 4).sum(), len(overall)]


# --------------------------------------------------------------------------- caching


def test_the_mart_is_reused_when_nothing_changed(data_copy, own_cache, monkeypatch):
    first = build_mart(data_copy)

    def must_not_read(*args, **kwargs):
        raise AssertionError("the raw files were read again although nothing changed")

    monkeypatch.setattr(mart_module, "read_raw_hashed", must_not_read)
    assert build_mart(data_copy) == first
    assert [p.name for p in own_cache.iterdir()] == [first.name]


@pytest.mark.slow
def test_the_mart_is_rebuilt_when_a_raw_file_changes(data_copy, own_cache):
    before = load_mart(data_copy)
    nets = pd.read_csv(data_copy / "nets_responses.csv", dtype=str, keep_default_na=False)
    positive_overall = (nets["item"] == "overall") & (nets["answer"].isin(["4", "5"]))
    changed = positive_overall.idxmax()
    year = nets.loc[changed, "year"]
    nets.loc[changed, "answer"] = "1"
    nets.to_csv(data_copy / "nets_responses.csv", index=False)

    after = load_mart(data_copy)
    assert after.meta["data_hash"] != before.meta["data_hash"]
    assert len(list(own_cache.iterdir())) == 2

    def england(m):
        p = m.proportions
        row = p[(p["measure"] == "nets-overall-satisfaction") & (p["level"] == "national")
                & (p["breakdown"] == "all") & (p["period"] == year)]  # fmt: skip
        return row["numerator"].item()

    assert england(after) == england(before) - 1


def test_the_mart_key_changes_with_the_content_of_a_raw_file(data_copy):
    key = mart_key(data_copy)
    assert mart_key(data_copy) == key
    path = data_copy / "kpi_updates.csv"
    path.write_text(path.read_text().replace("Quality", "Quality ", 1))
    assert mart_key(data_copy) != key


def test_a_bad_data_folder_raises_and_writes_no_mart(data_copy, own_cache):
    path = data_copy / "nets_responses.csv"
    rows = path.read_text().splitlines()
    rows[2] = rows[2].rsplit(",", 1)[0] + ",four"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataValidationError, match="nets_responses.csv, row 3"):
        load_mart(data_copy)
    assert not own_cache.exists() or list(own_cache.iterdir()) == []


@pytest.mark.slow
def test_a_mart_built_for_another_regional_structure_uses_that_structure(
    demo_dir, own_cache, tmp_path
):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    offices = load_catalogue().local_offices["local_office_code"]
    with (reference / "regional_structures.csv").open("a") as handle:
        handle.write("test-one-region,One region,test_region,derived,a test\n")
    with (reference / "regions.csv").open("a") as handle:
        handle.write("R1,Region one,test-one-region,,\n")
    with (reference / "region_mappings.csv").open("a") as handle:
        for office in offices:
            handle.write(f"test-one-region,{office},R1,derived\n")
    build_mart(demo_dir)  # the default structure first, as reports do
    other = load_catalogue(structure="test-one-region", directory=reference)
    folder = build_mart(demo_dir, other)
    proportions = pd.read_csv(folder / "proportions.csv", dtype=str)
    assert set(proportions.loc[proportions["level"] == "region", "area_code"]) == {"R1"}
