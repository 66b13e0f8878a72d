"""The figures layer on hand-built figures (no demo data): Measure, Score, recentred funnels."""

from __future__ import annotations

import pandas as pd
import pytest

from heenb import funnel
from heenb.figures.kpis import recentred
from heenb.figures.measure import Direction, Kind, Measure, of_kind
from heenb.figures.score import Score
from heenb.report import findings, scorecard


def kpi_row(**fields) -> pd.Series:
    row = {
        "kpi_id": "k", "short_name": "Learners rating training good", "unit": "%",
        "rule": "row_share", "improvement": "higher", "target": "", "target_kind": "",
        "baseline_period": "", "periodicity": "annual", "source": "NETS",
        "numerator": "answer=good", "denominator": "", "denominator_label": "Learners",
    }  # fmt: skip
    return pd.Series(row | fields)


def trend(values, counts=None, withheld=()) -> pd.DataFrame:
    periods = [str(2020 + i) for i in range(len(values))]
    counts = counts or [(round(v * 1000), 1000) for v in values]
    return pd.DataFrame({
        "period": periods,
        "numerator": pd.array([k for k, _ in counts], dtype="Int64"),
        "denominator": pd.array([n for _, n in counts], dtype="Int64"),
        "value": values,
        "lower": values, "upper": values,
        "withheld": [p in withheld for p in periods],
        "no_data": [False] * len(values),
        "not_applicable": [False] * len(values),
    })  # fmt: skip


def peers(code: str, outlier: str, value: float = 0.9) -> pd.DataFrame:
    table = pd.DataFrame({"area_code": [code], "area": ["Here"], "value": [value],
                          "outlier": [outlier]})  # fmt: skip
    table.attrs["centre"] = 0.8
    return table


def test_a_measure_knows_its_kind_direction_and_what_a_change_means():
    staff = Measure(kpi_row(rule="staff_fte", unit="FTE"))
    share = Measure(kpi_row(improvement="lower"))
    assert staff.kind is Kind.STAFF and share.kind is Kind.PROPORTION
    assert share.direction is Direction.LOWER
    assert share.meaning(-0.1) == "better" and share.meaning(0.1) == "worse"
    assert Measure(kpi_row(improvement="neither")).meaning(0.1) == ""
    table = pd.DataFrame([kpi_row(kpi_id="a", rule="staff_fte"), kpi_row(kpi_id="b")])
    assert list(of_kind(table, Kind.STAFF)["kpi_id"]) == ["a"]


def test_a_target_reads_in_the_unit_of_the_values():
    assert Measure(kpi_row(target="85", target_kind="level")).target_value() == 0.85
    rise = Measure(kpi_row(unit="FTE", target="100", target_kind="increase_from_baseline"))
    assert rise.target_value(1000.0) == 1100.0 and rise.target_value() is None


def test_a_score_decides_the_change_once_for_the_cell_and_the_main_point():
    judged = Score(Measure(kpi_row()), "X", trend([0.70, 0.72, 0.80]), peers("X", ""), None)
    assert judged.change_verdict == "better"
    assert scorecard.change_cell(judged).endswith(": better")
    assert findings.change_point(judged, "Here").startswith("Learners rating training good: ")
    worse = Score(Measure(kpi_row(improvement="lower")), "X", trend([0.70, 0.72, 0.80]),
                  None, None)  # fmt: skip
    assert worse.change_verdict == "worse" and scorecard.change_cell(worse).endswith(": worse")


def test_a_withheld_latest_figure_gives_no_change_and_says_why():
    judged = Score(Measure(kpi_row()), "X", trend([0.7, 0.8], withheld={"2021"}), None, None)
    assert judged.change is None and judged.change_verdict == ""
    assert scorecard.change_cell(judged) == "not assessed: latest figure [c]"


@pytest.mark.parametrize(("improvement", "outlier", "verdict"), [
    ("higher", "high", "better"), ("higher", "low", "worse"),
    ("lower", "high", "worse"), ("neither", "low", "outside limits"),
    ("higher", "", "within limits"), ("higher", "withheld", "withheld"),
])  # fmt: skip
def test_standing_reads_the_direction_of_the_measure(improvement, outlier, verdict):
    judged = Score(Measure(kpi_row(improvement=improvement)), "X", trend([0.8, 0.9]),
                   peers("X", outlier), None, "2021")  # fmt: skip
    assert judged.standing_verdict == verdict


def test_worse_comes_before_better_and_untested_kpis_are_never_called_within_limits():
    better = Score(Measure(kpi_row(kpi_id="a")), "X", trend([0.8, 0.8]), peers("X", "high"),
                   None, "2021")  # fmt: skip
    worse = Score(Measure(kpi_row(kpi_id="b", short_name="Other")), "X", trend([0.8, 0.8]),
                  peers("X", "low"), None, "2021")  # fmt: skip
    points = findings.area_points([better, worse], "Here", "regions")
    assert "worse than other regions that year" in points[0]
    assert "better than other regions that year" in points[1]
    untested = Score(Measure(kpi_row()), "X", trend([0.8, 0.8]), peers("X", "withheld"), None)
    within = Score(Measure(kpi_row()), "X", trend([0.8, 0.8]), peers("X", ""), None)
    summary = findings.standing_summary([within, untested], "Here", "regions")
    assert summary.startswith(
        "1 of the 2 KPIs could be compared for Here with other regions, and it does not stand out"
    )
    assert "the other 1 could not be compared" in summary
    assert findings.standing_summary([untested], "Here", "regions").startswith(
        "The KPI could not be compared"
    )


@pytest.mark.parametrize(("k", "n", "centre", "expected"), [
    (0, 190, 0.02, ""), (0, 2000, 0.02, "low"), (25, 25, 0.835, ""), (60, 60, 0.835, "high"),
])  # fmt: skip
def test_a_recentred_funnel_flags_only_what_exact_binomial_tails_support(k, n, centre, expected):
    """Fails with the arcsine z: 0 of 190 at 2% (z = -3.91) would be flagged "low"."""
    limits = funnel.proportion_limits([k, 40, 80], [n, 500, 1000], labels=["unit", "b", "c"])
    limits.attrs["tau2"] = 0.0
    assert recentred(limits, centre).loc["unit", "outlier"] == expected


@pytest.mark.parametrize(("rags", "missed", "expected"), [
    (["green", "green"], 0, "P: all 2 projects on track (rated green, no milestone missed)."),
    (["green", "amber", "amber"], 0, "P: of 3 projects, 2 rated amber; no milestone missed."),
    (["red", "amber", "green"], 2,
     "P: of 3 projects, 1 rated red, 1 rated amber; 2 with the latest milestone missed."),
    (["green", "no update"], 0, "P: of 2 projects, 1 not yet rated; no milestone missed."),
])  # fmt: skip
def test_projects_are_on_track_only_when_every_one_is_green(rags, missed, expected):
    """Failed before: "all 3 projects on track" when 2 of 3 were amber."""
    status = ["missed"] * missed + ["met"] * (len(rags) - missed)
    projects = pd.DataFrame({"rag": rags, "milestone_status": status})
    assert findings.projects_point("P", projects) == expected


def test_providers_not_compared_are_never_said_to_lie_within_limits():
    """Failed before: 11 STP pages said "None of this STP's providers lies outside the 99.8%
    limits" above an empty table, when none of them had figures to compare."""
    from heenb.report import providers

    limits = funnel.proportion_limits([40, 80], [500, 1000], labels=["Elsewhere", "Other"])
    words = providers.outliers_in_words(limits, ["Mine"], "across England")
    assert "could be compared" in words and "lies outside" not in words
    some = providers.outliers_in_words(limits, ["Elsewhere", "Mine"], "across England")
    assert some.startswith("None of this STP's providers lies outside") and "1 of 2" in some
