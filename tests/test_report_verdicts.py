"""One verdict per question, one England figure per page: the funnel plot decides
whether an area stands out, and every sentence, table and chart on a page says the same."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from heenb import formatting
from heenb.report.objective import objective_report


def _chart_alts(markup: str) -> list[str]:
    return re.findall(r'<img\b[^>]*alt="([^"]*)"', markup)


def _table_verdicts(markup: str) -> dict[str, str]:
    """Area -> its "Funnel plot" cell, from the comparison table."""
    table = re.findall(r"<table.*?</table>", markup, re.S)[-1]
    headers = [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    ]
    column = headers.index("Funnel plot")
    verdicts = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        if len(cells) > column and cells[0] != "Area":
            verdicts[cells[0]] = cells[column]
    return verdicts


@pytest.mark.parametrize("objective", ["restoration-recovery", "learner-voice", "maternity"])
def test_chart_text_table_and_sentence_agree_for_every_region(objective):
    report = objective_report(objective)
    block = report.comparison()
    markup = block.markup
    regions = report.comparison_table("region")
    dot_alt = next(a for a in _chart_alts(markup) if a.startswith("Dot chart"))
    table = _table_verdicts(markup)
    paragraph = re.findall(r"<p>(.*?)</p>", markup, re.S)[0]
    sentence = paragraph[paragraph.index("Regions") :]
    assert "99.8% funnel limits" in dot_alt
    for region in regions.itertuples():
        beyond = region.outlier in ("high", "low")
        assert (table[region.area] in ("above the 99.8% limit", "below the 99.8% limit")) == beyond
        for status, side in (("high", "above"), ("low", "below")):
            assert (f"{region.area} ({side})" in dot_alt) == (region.outlier == status)
            assert (f"{region.area} ({side})" in sentence) == (region.outlier == status)


def test_overdispersion_is_stated_in_words_where_the_limits_were_widened():
    report = objective_report("restoration-recovery")
    markup = report.comparison().markup
    for level in ("local_office", "region"):
        table = report.comparison_table(level)
        if table.attrs.get("overdispersion"):
            phi = f"{table.attrs['phi']:.1f}"
            assert f"limits widened because the areas vary {phi} times as much as chance" in markup
            assert "phi = " not in markup


@pytest.mark.parametrize("objective", ["maternity", "learner-voice", "restoration-recovery"])
def test_the_england_figure_is_the_same_on_every_chart_and_sentence(objective):
    report = objective_report(objective)
    england = formatting.percent(report.national.iloc[-1]["value"])
    markup = report.comparison().markup
    for funnel_alt in (a for a in _chart_alts(markup) if a.startswith("Funnel plot")):
        assert f"against the England rate of {england}" in funnel_alt
    assert f"England rate ({england})" in markup
    assert any(f"{england} in England" in point for point in report.findings())
    assert f"England&#x27;s {england}" in report.headline().markup or (
        f"England's {england}" in report.headline().text
    )


@pytest.mark.parametrize("objective", ["maternity", "learner-voice", "restoration-recovery"])
def test_a_note_says_how_many_region_counts_differ_from_the_sum_of_their_offices(
    catalogue, objective
):
    report = objective_report(objective)
    regions = report.comparison_table("region").set_index("area_code")
    offices = report.comparison_table("local_office").set_index("area_code")
    differ = compared = 0
    for code, region in regions.iterrows():
        parts = offices.loc[catalogue.offices_in(code)]
        if len(parts) < 2:
            continue
        for column in ("numerator", "denominator"):
            if parts[column].isna().any() or region[column] is pd.NA:
                continue
            compared += 1
            differ += int(parts[column].sum() != region[column])
    markup = report.comparison().markup
    if compared:
        assert f"({differ} of {compared} region counts here do)" in markup
    else:  # every region has a withheld office: nothing to count
        assert "the sum of its local offices&#x27;." in markup or "local offices'." in markup
