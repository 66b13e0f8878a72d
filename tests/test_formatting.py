"""One formatting module: a value reads the same on a chart, in a table and in a sentence."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from heenb import formatting
from heenb.charts.format import format_change, format_value
from heenb.report.area import area_report
from heenb.report.breakdowns import commitment
from heenb.report.objective import objective_report


@pytest.mark.parametrize(
    ("value", "unit", "table"),
    [
        (0.8419, "%", formatting.percent),
        (21636.0, "FTE", formatting.fte),
        (21636.44, "FTE", formatting.fte),
        (0.871, "ratio", formatting.ratio),
        (3460, "", formatting.count),
    ],
)
def test_a_chart_label_and_a_table_cell_show_a_value_the_same_way(value, unit, table):
    shown = table(value)
    assert format_value(value, unit) == (
        f"{shown} {unit}" if unit not in ("%", "ratio", "") else shown
    )


@pytest.mark.parametrize("change", [0.028, -0.01, 0.0001, -0.2])
def test_a_change_reads_the_same_on_a_chart_and_in_a_sentence(change):
    assert format_change(change, "%") == formatting.change(change, "%")


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA])
def test_a_withheld_value_is_the_marker_and_missing_data_says_so(missing):
    assert formatting.percent(missing) == formatting.count(missing) == "[c]"
    assert formatting.percent(missing, missing=formatting.NO_DATA) == "no data"
    assert format_value(missing, "%") == "no data"


@pytest.mark.slow
def test_england_reads_the_same_in_the_summary_the_chart_and_the_scorecard(mart):
    report = objective_report("learner-voice")
    latest = report.national.iloc[-1]
    shown = formatting.percent(latest["value"])
    sentence = report.findings()[0]  # the headline KPI's main point
    assert f"{shown} in England" in sentence
    chart = report.comparison().markup
    assert f"The England value is {shown}" in chart  # the region chart's alt text
    scorecard = area_report("Y60").scorecard_table.set_index("kpi_id")
    assert scorecard.loc["nets-overall-satisfaction", "England"] == shown


def test_the_latest_change_reads_as_the_chart_writes_it(mart):
    from heenb.figures import kpis

    report = objective_report("learner-voice")
    change = kpis.change(report.national)
    assert format_change(change["change"], "%") in report.findings()[0]


def test_an_fte_reads_the_same_in_the_sentence_and_on_the_chart(mart, catalogue):
    kpi = catalogue.kpis_of("maternity").query("rule == 'staff_fte'").iloc[0]
    block = commitment(catalogue, mart, kpi)
    england = mart.workforce.query("area_code == 'ENG' and staff_group == 'midwives'")
    latest = england.sort_values("month").iloc[-1]
    shown = format_value(latest["fte"], "FTE")
    assert f"{shown} in {latest['month']}" in block.text  # the sentence
    assert f"to {shown} in {latest['month']}" in block.markup  # the level chart's alt text
