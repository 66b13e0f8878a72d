"""An area finds itself: on its page, its own point on every comparison chart is
ringed, labelled and named in the alt text."""

from __future__ import annotations

import re

import pytest

from heenb.charts.funnel import funnel_chart
from heenb.funnel import proportion_limits
from heenb.report.area import area_report


@pytest.mark.parametrize("code", ["EM", "Y56"])
def test_every_comparison_chart_on_an_area_page_highlights_the_area(code):
    report = area_report(code)
    markup = report.comparisons().markup
    alts = re.findall(r'alt="([^"]*)"', markup)
    assert alts, "the page compares the area on at least one chart"
    name = report.area["name"]
    not_drawn = markup.count(f"{name}&#x27;s figure for") + markup.count(f"{name}'s figure for")
    highlighted = sum(f"{name} (highlighted): " in alt for alt in alts)
    assert highlighted >= 1
    assert highlighted + not_drawn == len(alts)


def test_a_highlighted_unit_is_ringed_in_the_legend_and_named_in_the_alt_text():
    limits = proportion_limits([40, 50, 60], [100, 120, 130], labels=["A", "B", "C"])
    chart = funnel_chart(limits, title="t", value_label="v", highlight="B")
    labels = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert "B (ringed)" in labels
    assert "B (highlighted): 41.7%, within the limits." in chart.alt_text
