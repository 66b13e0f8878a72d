"""heenb.charts.xmr: XmR charts with icons, meaning in words, alt text and data."""

from __future__ import annotations

import html

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from heenb.charts.figure import NHS_COLOURS, REPORT_WIDTH_IN, Chart
from heenb.charts.xmr import xmr_chart
from heenb.errors import ArgumentError
from heenb.spc import xmr

#: 30 months: low for 15 months, then higher (the MDC "Recalculations" scenario).
VALUES = [16, 24, 22, 19, 19, 18, 24, 25, 18, 17, 16, 25, 15, 23, 19]
VALUES += [35, 32, 35, 31, 27, 33, 28, 38, 35, 30, 28, 29, 27, 24, 23]
MONTHS = pd.period_range("2022-01", periods=len(VALUES), freq="M")


def _texts(chart: Chart) -> list[str]:
    return [text.get_text() for axes in [chart.figure, *chart.figure.axes] for text in axes.texts]


@pytest.fixture
def normal() -> Chart:
    rates = pd.Series(VALUES, index=MONTHS) / 100  # with unit "%", values are fractions
    result = xmr(rates, target=0.30)
    return xmr_chart(result, title="Retention", value_label="Retention rate", unit="%")


def test_normal_series(normal):
    assert normal.figure.get_size_inches()[0] == REPORT_WIDTH_IN
    assert normal.title == "Retention"
    assert normal.alt_text.startswith("XmR chart of Retention from 2022-01 to 2024-06, 30 points.")
    assert "Latest value 23.0% in 2024-06; mean 25.2%, process limits 13.3% to 37.0%." in (
        normal.alt_text
    )
    assert "Common cause variation: no significant change." in normal.alt_text
    assert "inconsistently hit or missed" in normal.alt_text


def test_icons_and_their_meaning_are_drawn(normal):
    texts = _texts(normal)
    assert {"Variation", "Assurance", "?", "Target 30.0%"} <= set(texts)
    assert (
        "Common cause variation: no significant change.\n"
        "Assurance: the process will not reliably meet the target; "
        "it is inconsistently hit or missed."
    ) in texts


def test_special_cause_icon_letter_and_words():
    chart = xmr_chart(xmr(VALUES[:14] + [45]), title="Spike", value_label="Count")
    texts = _texts(chart)
    assert "H" in texts
    assert any(text.startswith("Special cause variation: improvement") for text in texts)
    assert "Special cause variation: improvement, due to higher values." in chart.alt_text


def test_data_has_one_row_per_point(normal):
    assert list(normal.data.columns) == [
        "period",
        "value",
        "mean",
        "lower",
        "upper",
        "special_cause",
    ]
    assert len(normal.data) == len(VALUES)
    assert normal.data["period"].tolist() == [str(month) for month in MONTHS]
    assert normal.data["value"].tolist() == VALUES  # in per cent, as shown
    assert normal.data["special_cause"].iloc[0] == "concern"


def test_short_series_says_too_few_points():
    chart = xmr_chart(xmr(VALUES[:10]), title="New measure", value_label="Count")
    assert "Too few points for process limits (10 of 13)" in _texts(chart)
    assert chart.alt_text == (
        "XmR chart of New measure, 10 points. Latest value 17; too few points for process "
        "limits (10 of 13), so variation and assurance are not assessed."
    )
    assert chart.data["mean"].isna().all()
    assert chart.data["period"].tolist() == [str(n) for n in range(1, 11)]


def test_recalculated_sections_are_drawn_separately():
    result = xmr(VALUES, recalculate_at=[15], improvement="lower")
    chart = xmr_chart(result, title="Waiting", value_label="Wait", unit="days", target=20)
    mean_lines = [
        line
        for line in chart.figure.axes[0].lines
        if to_hex(line.get_color()) == NHS_COLOURS["dark_grey"].lower()
        and line.get_linestyle() == "-"
    ]
    spans = sorted((min(line.get_xdata()), max(line.get_xdata())) for line in mean_lines)
    assert spans == [(0, 14), (15, 29)]
    assert [line.get_ydata()[0] for line in mean_lines] == [20.0, pytest.approx(30.333, abs=1e-3)]
    assert "in the latest section, mean 30.3 days" in chart.alt_text
    assert "consistently fail to meet the target" in chart.alt_text
    assert "F" in _texts(chart)


def test_target_argument_judges_assurance_without_changing_the_result():
    result = xmr(VALUES)
    chart = xmr_chart(result, title="Retention", value_label="Rate", target=10)
    assert "Assurance: the process will consistently meet the target." in chart.alt_text
    assert result.target is None and result.assurance is None


def test_png_bytes_are_produced(normal):
    assert normal.png_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_html_contains_the_escaped_alt_text():
    chart = xmr_chart(xmr(VALUES), title='Starters & leavers <"band 5">', value_label="Count")
    page = chart.to_html()
    assert f'alt="{html.escape(chart.alt_text, quote=True)}"' in page
    assert "&amp; leavers &lt;&quot;band 5&quot;&gt;" in page


def test_period_labels_must_match_the_points():
    with pytest.raises(ArgumentError, match=r"period_labels must have one label per point \(30\)"):
        xmr_chart(xmr(VALUES), title="T", value_label="V", period_labels=["2024"])
