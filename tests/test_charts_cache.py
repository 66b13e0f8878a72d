"""A chart made again from the same inputs is encoded once; other inputs are not mixed up."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from heenb import funnel
from heenb.charts import cache
from heenb.charts import figure as chart_figure
from heenb.charts.funnel import funnel_chart


@pytest.fixture
def counted(tmp_path, monkeypatch):
    """A private chart cache, empty in memory, counting the charts actually encoded."""
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_memory", type(cache._memory)())
    encodings = []
    encode = chart_figure.Chart._palette_png

    def counting(self):
        encodings.append(self.title)
        return encode(self)

    monkeypatch.setattr(chart_figure.Chart, "_palette_png", counting)
    return encodings


def _limits(numerator=30):
    counts = pd.DataFrame(
        {"numerator": [numerator, 45, 60, 20], "denominator": [100, 120, 150, 90]},
        index=["A", "B", "C", "D"],
    )
    return funnel.proportion_limits(counts["numerator"], counts["denominator"])


def _chart(limits, title="Rated good"):
    return funnel_chart(limits, title=title, value_label="rated good")


def test_the_same_chart_on_two_pages_is_encoded_once(counted):
    first = _chart(_limits()).to_html()
    assert _chart(_limits()).to_html() == first
    assert counted == ["Rated good"]


def test_a_chart_with_other_data_or_words_is_encoded_anew(counted):
    _chart(_limits()).to_html()
    other = _chart(_limits(numerator=31)).to_html()
    retitled = _chart(_limits(), title="Rated good or better").to_html()
    assert len(counted) == 3 and other != retitled


def test_the_cache_folder_serves_another_process_and_a_broken_file_is_not_used(counted):
    chart = _chart(_limits())
    page = chart.to_html()
    cache._memory.clear()  # as in another worker: only the folder is shared
    assert _chart(_limits()).to_html() == page and len(counted) == 1
    cache._memory.clear()
    (cache.folder() / f"{chart.key}.png").write_bytes(b"\x89PNG\r\n\x1a\n half")
    assert _chart(_limits()).to_html() == page and len(counted) == 2


def test_a_chart_whose_arguments_cannot_be_pickled_has_no_key():
    assert cache.input_key(_chart, (lambda: None,), {}) == ""


def test_the_key_covers_the_code_that_draws_into_charts_and_nothing_above():
    files = {name for name, _ in cache.code_files()}
    assert {"formatting.py", "funnel.py", "charts/figure.py", "spc/_limits.py"} <= files
    assert not any(name.startswith(("report/", "render/", "publish/")) for name in files)


@pytest.fixture
def drawn(monkeypatch):
    """One entry for each funnel chart figure drawn."""
    from heenb.charts import funnel as funnel_module

    figures = []
    new_figure = funnel_module.new_figure

    def counting(*args, **kwargs):
        figures.append(new_figure(*args, **kwargs))
        return figures[-1]

    monkeypatch.setattr(funnel_module, "new_figure", counting)
    return figures


def test_a_chart_read_from_the_cache_is_never_drawn_even_copied_for_a_page(counted, drawn):
    """The page's copy of a chart (blocks.figure replaces its alt text) stays undrawn too."""
    import dataclasses

    first = _chart(_limits()).to_html()
    again = dataclasses.replace(_chart(_limits()), alt_text="Rated good, again")
    page = again.to_html()
    assert 'alt="Rated good, again"' in page and _image(page) == _image(first)
    assert counted == ["Rated good"] and len(drawn) == 1
    assert again.figure.axes and len(drawn) == 2  # drawn when asked for


def test_a_chart_is_drawn_from_its_data_as_it_was_when_made(counted):
    limits = _limits()
    chart = _chart(limits)
    limits["proportion"] = 0.99  # changed after the chart was made, before it is drawn
    points = [c.get_offsets()[:, 1] for c in chart.figure.axes[0].collections]
    assert max(max(p) for p in points if len(p)) < 99


def _image(tag: str) -> str:
    return re.search(r'src="([^"]+)"', tag).group(1)
