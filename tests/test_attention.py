"""What needs attention: exceptions first, each with its reason and evidence, then a matrix
whose cells say good, bad or no signal in words and a symbol as well as colour."""

from __future__ import annotations

import re

import pytest
from test_figures import kpi_row, peers, trend

from heenb.data.catalogue import load_catalogue
from heenb.figures.measure import Measure
from heenb.figures.score import Score
from heenb.report import attention


def judged(outlier: str, values=(0.8, 0.8), improvement="higher", name="KPI A") -> Score:
    measure = Measure(kpi_row(short_name=name, improvement=improvement))
    return Score(measure, "X", trend(list(values)), peers("X", outlier), load_catalogue(), "2021")


def test_an_area_worse_than_its_peers_is_listed_first_with_its_reason_and_evidence():
    block = attention.area_attention(
        [judged(""), judged("low", name="KPI B")], "Here", "regions",
        {"standing": "#scorecard"},
    )  # fmt: skip
    first = re.search(r"<ul>(.*?)</ul>", block.markup, re.S).group(1)
    assert "KPI B: worse than other regions; 90.0% in 2021 against England&#x27;s 80.0%" in first
    assert 'href="#scorecard"' in first
    assert re.search(r'<td class="heenb-bad"><span[^>]*>\u26a0</span> worse', block.markup)


def test_a_cell_says_its_verdict_in_words_not_colour_alone():
    better = attention.standing(judged("high"), "regions")
    assert (better.tone, better.words) == ("good", "better than other regions")
    lower_better = attention.standing(judged("high", improvement="lower"), "regions")
    assert lower_better.tone == "bad"
    assert "better than other regions" in attention.cell(better)


def test_a_significant_worsening_is_an_exception_and_no_change_is_no_signal():
    worse = attention.change(judged("", values=(0.80, 0.60), improvement="higher"))
    assert (worse.tone, worse.words) == ("bad", "worsened since 2020 (down 20.0 points)")
    steady = attention.change(judged("", values=(0.80, 0.80)))
    assert (steady.tone, steady.words) == ("none", "no significant change")


def test_a_column_nobody_could_assess_becomes_one_sentence():
    block = attention.area_attention([judged(""), judged("")], "Here", "regions", {})
    assert "Variation (Making Data Count) is not assessed for any KPI" in block.text
    assert '<th scope="col">Variation' not in block.markup


def test_nothing_adverse_is_said_plainly():
    block = attention.area_attention([judged("")], "Here", "regions", {})
    assert "No KPI needs attention" in block.text


@pytest.mark.parametrize(("make", "value"), [
    ("area", "TV"), ("stp", "E54000008"), ("hee_region", "HEE-S"),
])  # fmt: skip
def test_area_pages_show_what_needs_attention_right_after_the_main_points(make, value):
    from test_report_main_points import PAGE_TYPES

    headline = PAGE_TYPES[make](value).headline()
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", headline.markup)
    assert headings[:2] == ["Main points", "What needs attention"]


def test_a_column_nobody_could_assess_gives_every_reason_once_not_the_first_rows():
    """East Midlands read "Variation (Making Data Count) is not assessed for any KPI (too few
    points (7))" though its KPIs had 5, 7 and 8 points."""
    few = judged("", values=(0.8, 0.8, 0.81), name="KPI A")
    withheld = Score(Measure(kpi_row(short_name="KPI B")), "X",
                     trend([0.8, 0.8, 0.8], withheld=("2021",)), peers("X", ""),
                     load_catalogue(), "2022")  # fmt: skip
    block = attention.area_attention([few, few, withheld], "Here", "regions", {})
    assert (
        "Variation (Making Data Count) is not assessed for any KPI: 3 annual points, and Making "
        "Data Count needs 13 for process limits (2 KPIs); withheld years break the series "
        "(1 KPI)." in block.text
    )
