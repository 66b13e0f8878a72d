"""Main points: every page opens with findings a reader can act on, generated from the
figures; the build status is a status line, not a finding."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from heenb import formatting
from heenb.figures import kpis
from heenb.report.area import area_report
from heenb.report.findings import ADVERSE, MOST_POINTS, change_words, history_words
from heenb.report.hee_region import hee_region_report
from heenb.report.ics import ics_report
from heenb.report.national import index_report
from heenb.report.objective import objective_report
from heenb.report.programme import programme_report
from heenb.report.stp import stp_report


def bullets(block) -> list[str]:
    """The bullets of the first list on a block's markup."""
    items = re.search(r"<ul>(.*?)</ul>", block.markup, re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", items, re.S)


def first_heading_after_title(block) -> str:
    return re.findall(r"<h2[^>]*>(.*?)</h2>", block.markup)[0]


def test_a_value_still_below_its_earlier_years_says_which_years_and_their_levels():
    trend = pd.DataFrame(
        {
            "period": [str(y) for y in range(2018, 2025)],
            "value": [0.857, 0.856, 0.859, 0.808, 0.812, 0.811, 0.837],
        }
    )
    assert history_words(trend) == "still below 2018 to 2020 (85.6% to 85.9%)"


def test_a_record_value_is_called_one():
    trend = pd.DataFrame({"period": ["2021", "2022", "2023"], "value": [0.5, 0.6, 0.7]})
    assert history_words(trend) == "the highest of the 3 periods since 2021"


def test_a_change_says_its_direction_and_what_it_means_for_a_lower_is_better_kpi():
    kpi = pd.Series({"unit": "%", "improvement": "lower"})
    change = {"change": -0.041, "from_period": "2023", "significant": True}
    assert change_words(change, kpi) == (
        "improved since 2023 (down 4.1 points, a statistically significant change)"
    )
    change["significant"] = False
    assert (
        change_words(change, kpi) == "down 4.1 points since 2023, within what chance alone "
        "could explain"
    )


#: A report of each page type of the plan, made as its notebook makes it.
PAGE_TYPES = {
    "objective": lambda value: objective_report(value),
    "area": lambda value: area_report(value),
    "stp": lambda value: stp_report(value),
    "hee_region": lambda value: hee_region_report(value),
    "programme": lambda value: programme_report(value),
    "ics": lambda value: ics_report(value),
}


def _every_page_type() -> list[tuple[str, str]]:
    from heenb.plan import load_plan

    firsts = {}
    for job in load_plan():
        firsts.setdefault(job.group, next(iter(job.parameters.values())))
    return sorted(firsts.items())


def test_every_page_type_of_the_plan_is_covered_below():
    assert {group for group, _ in _every_page_type()} == set(PAGE_TYPES)


@pytest.mark.parametrize(("group", "value"), _every_page_type())
def test_every_page_type_opens_with_main_points(group, value):
    headline = PAGE_TYPES[group](value).headline()
    assert first_heading_after_title(headline) == "Main points"
    points = bullets(headline)
    assert 1 <= len(points) <= MOST_POINTS
    assert not any(p.startswith("0 ") or " 0 stand out" in p for p in points)


@pytest.mark.parametrize(
    "make",
    [
        lambda: objective_report("quality-framework"),
        lambda: area_report("EM"),
        lambda: area_report("Y56"),
    ],
)
def test_other_pages_open_with_main_points_too(make):
    headline = make().headline()
    assert first_heading_after_title(headline) == "Main points"
    assert 1 <= len(bullets(headline)) <= MOST_POINTS


def test_the_objective_main_points_place_the_latest_value_in_its_own_history(mart):
    report = objective_report("maternity")
    first = bullets(report.headline())[0]
    latest = report.national.iloc[-1]
    assert formatting.percent(latest["value"]) in first
    assert history_words(report.national) in first
    change = kpis.change(report.national)
    assert formatting.change(change["change"]) in first


@pytest.mark.slow
def test_the_index_opens_with_findings_and_keeps_build_status_to_a_status_line(tmp_path):
    headline = index_report(str(tmp_path)).headline()
    assert first_heading_after_title(headline) == "Main points"
    points = bullets(headline)
    assert not any("up to date" in p for p in points)
    assert re.search(r'class="heenb-status"[^>]*>Status: \d+ of \d+ reports', headline.markup)


def test_a_programme_says_most_projects_only_when_more_than_half_are_at_that_stage():
    report = programme_report("em-innovation")
    updated = report.projects[report.projects["rag"] != "no update"]
    counts = updated["stage"].value_counts()
    summary = report.summary()
    stage = counts.index[0].replace("-", " ")
    assert f"({counts.iloc[0]} of {len(updated)})" in summary
    assert ("Most projects are" in summary) == (counts.iloc[0] > len(updated) / 2)
    assert stage in summary


def test_a_project_past_implementation_without_an_approved_pid_is_a_data_quality_note():
    report = programme_report("em-innovation")
    projects = report.projects
    late = projects["stage"].isin(["implementation", "embedded", "spread"])
    flagged = projects[late & (projects["pid_status"] != "approved")]
    notes = report.data_quality_notes().text
    for name in flagged["project"]:
        assert name in notes
    assert len(report.data_quality()) == len(flagged)


def test_a_value_level_with_an_earlier_extreme_is_called_level_with_it():
    trend = pd.DataFrame({"period": ["2021", "2022", "2023"], "value": [0.7, 0.5, 0.7]})
    assert history_words(trend) == "level with the highest of the 3 periods since 2021"


def test_years_before_an_outcome_code_existed_are_not_applicable_not_zero(mart):
    from heenb.figures.kpis import not_applicable, trend

    start, _ = not_applicable("arcp-covid-share")
    table = trend(mart, "arcp-covid-share")
    before = table[table["period"] < start]
    assert len(before) and before["not_applicable"].all() and before["value"].isna().all()
    report = objective_report("restoration-recovery")
    assert report.national_spc.points.shape[0] == (table["period"] >= start).sum()
    breakdown = report.breakdown()
    assert "[z]" in breakdown.markup
    assert "0.0%" not in report.trend().text
    # The data behind its chart has no rows for those years (a spreadsheet wrote them [x]).
    chart_data = next(d for c, d in breakdown.data.items() if c.startswith("Data for the chart"))
    drawn = chart_data[chart_data["Line"].str.contains("10.1")]
    assert drawn["Period"].astype(str).min() == start and drawn["Value"].notna().all()


def test_the_area_scorecard_says_whether_a_significant_change_is_better_or_worse():
    from heenb.report import scorecard

    for judged in area_report("EM").scores.values():
        text = scorecard.change_cell(judged)
        if judged.change is None:
            assert text.startswith("not assessed: ")
            continue
        verdict = judged.measure.meaning(judged.change["change"])
        expected = (verdict or "significant") if judged.change["significant"] else (
            "no significant change")  # fmt: skip
        assert text.endswith(f": {expected}")


def test_what_is_adverse_leads_the_main_points():
    from heenb.report.findings import adverse_first

    points = ["Learners: up 2 points, better.", "", "Projects: 5 red, 3 amber.",
              "Thames Valley worse than other local offices.",
              "Staff in post: on track."]  # fmt: skip
    assert adverse_first(points) == [
        "Projects: 5 red, 3 amber.",
        "Thames Valley worse than other local offices.",
        "Learners: up 2 points, better.",
        "Staff in post: on track.",
    ]
    made = objective_report("restoration-recovery").findings()
    adverse = [bool(ADVERSE.search(p)) for p in made[1:]]  # after the objective's own KPI
    assert adverse == sorted(adverse, reverse=True)  # every adverse point before the rest
