"""The measure registry: a KPI is one row of kpis.csv, checked like raw data, used in full."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from heenb.cli import main
from heenb.data.catalogue import load_catalogue
from heenb.errors import DataValidationError
from heenb.paths import PROJECT_ROOT, REFERENCE_DIR

KPIS = pd.read_csv(REFERENCE_DIR / "kpis.csv", dtype=str, keep_default_na=False)


def spreadsheet_row(kpi_id: str) -> int:
    """The row of a KPI in kpis.csv as a spreadsheet shows it (header = row 1)."""
    return int(KPIS.index[KPIS["kpi_id"] == kpi_id][0]) + 2


@pytest.fixture
def reference(tmp_path) -> Path:
    """A writable copy of data/reference."""
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def edit(reference: Path, kpi_id: str, **values) -> None:
    """Change fields of one KPI row in the copy."""
    table = pd.read_csv(reference / "kpis.csv", dtype=str, keep_default_na=False)
    for column, value in values.items():
        table.loc[table["kpi_id"] == kpi_id, column] = value
    table.to_csv(reference / "kpis.csv", index=False)


def append(reference: Path, name: str, row: dict) -> None:
    table = pd.read_csv(reference / name, dtype=str, keep_default_na=False)
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True).fillna("")
    table.to_csv(reference / name, index=False)


# --------------------------------------------------------------------------- one home per KPI


def test_no_kpi_id_is_named_in_the_package_code_or_the_notebooks():
    files = [*(PROJECT_ROOT / "heenb").rglob("*"), *(PROJECT_ROOT / "notebooks").glob("*")]
    text = (".py", ".ipynb", ".j2", ".json", ".css")
    code = {p: p.read_text() for p in files if p.is_file() and p.suffix in text}
    assert len([p for p in code if p.suffix == ".py"]) > 30
    named = {
        kpi_id: sorted(
            str(p.relative_to(PROJECT_ROOT)) for p, text in code.items() if kpi_id in text
        )
        for kpi_id in KPIS["kpi_id"]
    }
    assert {k: v for k, v in named.items() if v} == {}


def test_every_kpi_declares_a_known_counting_rule(catalogue):
    from heenb.data.rules import RULES

    assert set(catalogue.kpis["rule"]) <= set(RULES)


# --------------------------------------------------------------------------- validation

BAD_FIELDS = [
    ("arcp-covid-share", "improvement", "up", "higher, lower, neither"),
    ("arcp-covid-share", "target", "abc", "not a number"),
    ("arcp-covid-share", "target", "120", "0 to 100"),
    ("midwife-fte", "target_kind", "more", "level, increase_from_baseline, parity"),
    ("arcp-covid-share", "kind", "share", "proportion, count, ratio, rate, narrative"),
    ("arcp-covid-share", "rule", "arcp_magic", "row_share"),
    ("arcp-covid-share", "source_file", "arcp.csv", "arcp_outcomes"),
    ("arcp-covid-share", "unit", "per cent", "'%'"),
    ("arcp-covid-share", "numerator", "outcome=10.3", "10.1"),
    ("arcp-covid-share", "numerator", "grade=10.1", "outcome"),
    ("arcp-covid-share", "numerator", "outcome", "column=code;code"),
    ("nets-overall-satisfaction", "numerator", "answer=4", "must be empty"),
    ("arcp-covid-share", "breakdowns", "trust", "specialty_group"),
    ("arcp-covid-share", "periodicity", "monthly", "annual"),
    ("arcp-covid-share", "periodicity", "yearly", "annual, quarterly, monthly"),
    ("arcp-covid-share", "objective_id", "recovery", "restoration-recovery"),
    ("arcp-covid-share", "role", "main", "headline, supporting"),
    ("arcp-covid-share", "compare_with", "arcp-covid", "arcp-extension-share"),
    ("arcp-covid-share", "compare_with", "midwife-fte", "(proportions)"),
    ("arcp-covid-share", "denominator_label", "", "is empty"),
    ("arcp-covid-share", "short_name", " ", "is empty"),
    ("midwife-fte", "baseline_period", "March 2021", "YYYY-MM"),
    ("midwife-fte", "baseline_period", "", "needs one"),
    ("arcp-covid-share", "target_kind", "level", "needs a target"),
]


@pytest.mark.parametrize(("kpi_id", "column", "value", "valid"), BAD_FIELDS)
def test_a_bad_kpi_field_is_named_with_its_row_column_and_valid_values(
    reference, kpi_id, column, value, valid
):
    edit(reference, kpi_id, **{column: value})
    with pytest.raises(DataValidationError) as caught:
        load_catalogue(directory=reference)
    message = str(caught.value)
    where = f"kpis.csv, row {spreadsheet_row(kpi_id)}, column '{column}'"
    assert where in message
    assert valid in message


def test_a_duplicate_kpi_id_is_refused(reference):
    row = KPIS[KPIS["kpi_id"] == "arcp-covid-share"].iloc[0].to_dict()
    append(reference, "kpis.csv", row)
    with pytest.raises(DataValidationError, match=r"column 'kpi_id': 'arcp-covid-share' is decl"):
        load_catalogue(directory=reference)


def test_every_bad_field_is_listed_at_once(reference):
    edit(reference, "arcp-covid-share", improvement="up", target="abc")
    with pytest.raises(DataValidationError) as caught:
        load_catalogue(directory=reference)
    assert {p.column for p in caught.value.problems} == {"improvement", "target", "target_kind"}


@pytest.mark.parametrize(
    ("row", "column", "valid"),
    [
        ({"kpi_id": "arcp-covid", "period": "2021", "reason": "x"}, "kpi_id", "arcp-covid-share"),
        ({"kpi_id": "arcp-covid-share", "period": "2021-04", "reason": "x"}, "period", "year"),
        ({"kpi_id": "arcp-covid-share", "period": "2021", "reason": ""}, "reason", "is empty"),
    ],
)
def test_a_bad_change_point_is_named(reference, row, column, valid):
    appended = len(pd.read_csv(reference / "kpi_change_points.csv")) + 2  # the spreadsheet row
    append(reference, "kpi_change_points.csv", row)
    with pytest.raises(DataValidationError) as caught:
        load_catalogue(directory=reference)
    assert f"kpi_change_points.csv, row {appended}, column '{column}'" in str(caught.value)
    assert valid in str(caught.value)


def test_heenb_validate_prints_a_bad_catalogue_as_one_message(reference, monkeypatch, capsys):
    edit(reference, "arcp-covid-share", improvement="up")
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("heenb: ") and "Traceback" not in err
    assert f"kpis.csv, row {spreadsheet_row('arcp-covid-share')}, column 'improvement'" in err


def test_heenb_build_refuses_a_bad_catalogue_before_any_work(reference, monkeypatch, tmp_path,
                                                              capsys):  # fmt: skip
    edit(reference, "nets-overall-satisfaction", target="abc", target_kind="level")
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    out = tmp_path / "reports"
    assert main(["build", "--out", str(out), "--workers", "1"]) == 2  # refused: nothing built
    err = capsys.readouterr().err
    assert "column 'target': 'abc' is not a number" in err and "Traceback" not in err
    assert not out.exists() or not list(out.rglob("*.html"))


def test_the_shipped_catalogue_is_valid():
    load_catalogue(directory=REFERENCE_DIR)


# --------------------------------------------------------------------------- every field used


@pytest.mark.slow
def test_a_target_on_a_proportion_gives_an_assurance_verdict_where_it_is_charted(
    reference, monkeypatch
):
    from heenb.report import scorecard
    from heenb.report.area import area_report
    from heenb.report.objective import objective_report

    edit(reference, "nets-overall-satisfaction", target="80", target_kind="level")
    edit(reference, "nets-theme-satisfaction", target="99", target_kind="level")
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    report = objective_report("learner-voice")
    assert report.national_spc.target == pytest.approx(0.80)
    trend = repr(report.trend())
    assert "Assurance:" in trend and "no target set" not in trend
    measures = repr(report.breakdown())
    assert "99.0%" in measures and "no target set" not in measures
    untargeted = []
    for region in ("Y56", "Y58", "Y59", "Y60"):  # a small region's series may be withheld
        scores = area_report(region).scores
        cells = {k: scorecard.spc_cells(scores[k])["Assurance"][1] for k in scores}
        assert "no target set" not in cells["nets-overall-satisfaction"]
        untargeted.append(cells["arcp-extension-share"])
    assert all("no target set" in s or "withheld" in s for s in untargeted), untargeted
    assert any("no target set" in s for s in untargeted), untargeted


def test_without_a_target_the_trend_says_none_is_set(mart, monkeypatch):
    from heenb.report.objective import objective_report

    assert "no target set" in repr(objective_report("learner-voice").trend())


@pytest.mark.slow
def test_a_change_point_recalculates_the_limits_and_says_why(reference, monkeypatch):
    from heenb.report.objective import objective_report

    point = {"kpi_id": "arcp-covid-share", "period": "2021", "reason": "COVID-19 outcomes began"}
    append(reference, "kpi_change_points.csv", point)
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    from heenb.figures.kpis import applicable

    report = objective_report("restoration-recovery")
    periods = list(applicable(report.national)["period"])  # SPC points: years the KPI applies
    sections = report.national_spc.points["section"].to_numpy()
    assert sections[periods.index("2020")] != sections[periods.index("2021")]
    assert "Limits recalculated from 2021: COVID-19 outcomes began." in repr(report.trend())


def test_the_parity_target_is_the_reference_line_of_representation(reference, monkeypatch):
    from heenb.report.objective import objective_report

    edit(reference, "learner-representation", target="0.9", target_kind="level")
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    section = repr(objective_report("cross-cutting").comparison())
    assert "0.90 = target" in section


@pytest.mark.slow
def test_the_data_notes_define_each_kpi_from_its_row(reference, monkeypatch):
    from heenb.report.objective import objective_report

    edit(reference, "arcp-extension-share", source="Gold Guide, 9th edition",
         target="12.5", target_kind="level", periodicity="annual")  # fmt: skip
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    notes = repr(objective_report("restoration-recovery").notes())
    assert (
        "ARCP outcomes 2 and 3: outcome 2 or 3 among all ARCP outcomes; annual; target 12.5%; "
        "source: Gold Guide, 9th edition." in notes
    )


def test_an_increase_target_is_defined_against_its_baseline(mart):
    from heenb.report.objective import objective_report

    notes = repr(objective_report("maternity").notes())
    assert "staff group midwives; monthly; target 1,200 FTE more than in 2021-03;" in notes


# --------------------------------------------------------------------------- one row adds a KPI

NEW_KPIS = [
    {"kpi_id": "arcp-release-share", "objective_id": "restoration-recovery", "role": "supporting",
     "descriptor": "Share of ARCP outcomes 4 (released from the training programme)",
     "short_name": "ARCP outcome 4", "kind": "proportion", "source_file": "arcp_outcomes",
     "rule": "row_share", "numerator": "outcome=4", "breakdowns": "specialty_group",
     "periodicity": "annual", "improvement": "lower", "unit": "%",
     "denominator_label": "ARCP outcomes", "source": "test"},
    {"kpi_id": "nets-induction-satisfaction", "objective_id": "learner-voice",
     "role": "supporting", "descriptor": "Share of learners answering positively on induction",
     "short_name": "Positive answers on induction", "kind": "proportion",
     "source_file": "nets_responses", "rule": "positive_answer_share",
     "denominator": "item=induction", "breakdowns": "learner_group", "periodicity": "annual",
     "improvement": "higher", "unit": "%", "target": "80", "target_kind": "level",
     "denominator_label": "Answers on induction", "source": "test"},
]  # fmt: skip


def test_a_new_kpi_row_is_counted_by_its_rule(reference, demo_dir):
    from heenb.data.mart import derive
    from heenb.data.validate import read_raw

    append(reference, "kpis.csv", NEW_KPIS[0])
    catalogue = load_catalogue(directory=reference)
    proportions = derive(read_raw(demo_dir, catalogue), catalogue)["proportions"]
    england = proportions[(proportions["measure"] == "arcp-release-share")
                          & (proportions["level"] == "national")
                          & (proportions["breakdown"] == "all")]  # fmt: skip
    arcp = pd.read_csv(demo_dir / "arcp_outcomes.csv", dtype=str)
    expected = arcp.groupby("year")["outcome"].agg(lambda s: ((s == "4").sum(), len(s)))
    got = england.set_index("period")[["numerator", "denominator"]].apply(tuple, axis=1)
    assert got.to_dict() == {year: tuple(map(int, v)) for year, v in expected.items()}


@pytest.fixture
def new_kpi_reports(reference, demo_dir, tmp_path, monkeypatch) -> Path:
    """Reports built by the real build engine from a catalogue with two KPI rows added."""
    import yaml

    from heenb.publish.engine import build

    for row in NEW_KPIS:
        append(reference, "kpis.csv", row)
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "objective", "title": "Objective reports",
         "notebook": str(PROJECT_ROOT / "notebooks/objective.ipynb"), "parameter": "objective",
         "values": ["restoration-recovery", "learner-voice"],
         "output": "objective/{objective}.html"},
        {"name": "area", "title": "Area reports",
         "notebook": str(PROJECT_ROOT / "notebooks/region.ipynb"), "parameter": "area",
         "values": ["EM"], "output": "area/{area}.html"},
    ]}))  # fmt: skip
    out = tmp_path / "reports"
    outcomes = build(data=demo_dir, out=out, workers=2, plan_file=plan, progress=lambda *_: None)
    assert [o for o in outcomes if o.status == "failed"] == []
    return out


@pytest.mark.slow
def test_a_kpi_added_as_one_row_appears_on_the_objective_area_and_index_pages(new_kpi_reports):
    def text(page: str) -> str:
        return re.sub(r"\s+", " ", (new_kpi_reports / page).read_text())

    for kpi in NEW_KPIS:
        objective = text(f"objective/{kpi['objective_id']}.html")
        assert kpi["descriptor"] in objective, kpi["kpi_id"]
        # An area page names every KPI by its short name, in each of its tables.
        assert html.escape(kpi["short_name"]) in text("area/EM.html"), kpi["kpi_id"]
        assert kpi["descriptor"] in text("index.html"), kpi["kpi_id"]
    induction = text("objective/learner-voice.html")
    assert "Positive answers on induction by learner group" in induction
    assert "80.0%" in induction  # its target, in the supporting measures table


# --------------------------------------------------------------------------- unreadable files


def unreadable(reference: Path, how: str) -> int:
    """Spoil kpis.csv in the copy ``how``; the spreadsheet row named, or 0 for the file."""
    path = reference / "kpis.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if how == "extra field":
        lines[5] += ",one too many"
        path.write_text("\n".join(lines) + "\n")
        return 6
    if how == "empty":
        path.write_text("")
        return 0
    if how == "latin-1":
        path.write_bytes(text.encode("latin-1"))  # the £ of the midwives' commitment
        return next(n for n, line in enumerate(lines, 1) if "£" in line)
    lines[0] += ",unit"  # a duplicated header, which pandas would rename unit.1
    lines[1:] = [line + "," for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n")
    return 1


@pytest.mark.parametrize("how", ["extra field", "empty", "latin-1", "duplicated header"])
def test_an_unreadable_kpis_csv_is_one_line_naming_the_file_and_row(reference, monkeypatch,
                                                                     capsys, how):  # fmt: skip
    row = unreadable(reference, how)
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))

    assert main(["list"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("heenb: ") and "Traceback" not in err
    (problem,) = [line for line in err.splitlines() if line.startswith("  - ")]
    where = f"{reference / 'kpis.csv'}" + (f", row {row}" if row else "")
    assert problem.startswith(f"  - {where}: "), problem
    expected = {"extra field": "has 21 fields but the header names 20 columns",
                "empty": "is empty; it needs a header row",
                "latin-1": "is not UTF-8 text (byte 0xa3); save the file as UTF-8",
                "duplicated header": "the header names the column 'unit' twice"}  # fmt: skip
    assert expected[how] in problem
