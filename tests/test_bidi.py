"""Bidirectional control characters in data never reach a page.

An override such as U+202E in a project name would reverse every character
after it on the page, so the escaping helper removes the embeddings, overrides,
isolates and marks from every data string, the chart alt text included.
"""

from __future__ import annotations

import pandas as pd
import pytest

from heenb.charts.trend import trend_chart
from heenb.report import blocks

CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
            "\u2069", "\u200e", "\u200f"]  # fmt: skip


def no_controls(markup: str) -> bool:
    return not any(c in markup for c in CONTROLS)


@pytest.mark.parametrize("control", CONTROLS)
def test_escape_removes_each_bidirectional_control(control):
    assert blocks.escape(f"Project {control}A <b>") == "Project A &lt;b&gt;"


def test_every_block_holding_data_text_is_free_of_controls():
    evil = "Milestone \u202egnp.exe\u2066 (late)"
    frame = pd.DataFrame({"Project \u202e": [evil], "RAG": ["red\u200f"]})
    markup = blocks.join(
        [
            blocks.heading(evil),
            blocks.paragraph(evil),
            blocks.banner(evil),
            blocks.bullet_list([evil]),
            blocks.definition_list({evil: evil}),
            blocks.table(frame, caption=evil, note=evil),
            blocks.no_data(evil, evil),
        ]
    ).markup
    assert no_controls(markup)
    assert "Milestone gnp.exe (late)" in markup


def test_chart_alt_text_on_the_page_is_free_of_controls():
    series = pd.DataFrame(
        {
            "period": ["2022", "2023"] * 2,
            "line": ["Midlands\u202e"] * 2 + ["\u2067England"] * 2,
            "value": [0.8, 0.82, 0.81, 0.83],
        }
    )
    chart = trend_chart(series, title="Satisfaction \u202eof learners", value_label="Learners")
    figure = blocks.figure(chart)
    alt = figure.markup.split('alt="', 1)[1].split('"', 1)[0]
    assert "Midlands" in alt
    assert no_controls(alt)
    assert no_controls(figure.markup)
    assert no_controls(figure.text)
