"""Charts you can keep: saved whole as PNG, SVG or PDF, sharp on the page, text never maths."""

from __future__ import annotations

import base64
import io
import re
import struct

import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from PIL import Image

from heenb import funnel
from heenb.charts.compare import comparison_chart
from heenb.charts.figure import DPI, HTML_DPI, NHS_COLOURS, Chart, escape_text, palette_png
from heenb.charts.funnel import funnel_chart
from heenb.charts.trend import small_multiples, trend_chart
from heenb.charts.xmr import xmr_chart
from heenb.errors import ArgumentError
from heenb.spc import xmr

VALUES = [16, 24, 22, 19, 19, 18, 24, 25, 18, 17, 16, 25, 15, 23, 19, 21, 22, 20]
#: Names that matplotlib would read as maths: the second one fails its parser.
MATHS_NAMES = ["Cost $5 to $10", "$\\frac{1}{0}$"]


def _funnel(names=("North", "South", "East", "West", "Midlands", "London"), title="Rated good"):
    limits = funnel.proportion_limits(
        [40, 300, 90, 80, 95, 88],
        [100, 400, 100, 100, 100, 100],
        labels=list(names),
        overdispersion=False,
    )
    return funnel_chart(limits, title=title, value_label=title, reference_label=title)


def _png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def _renderer(figure):
    FigureCanvasAgg(figure).draw()  # tick labels exist once drawn
    return figure.canvas.get_renderer()


def _drawn_strings(chart: Chart) -> list[str]:
    figure = chart.figure
    _renderer(figure)
    strings = [text.get_text() for text in figure.findobj(Text)]
    for axes in figure.axes:
        strings += [label.get_text() for label in axes.get_xticklabels()]
        strings += [label.get_text() for label in axes.get_yticklabels()]
    return [s for s in strings if s]


# --- saving -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".PDF", b"%PDF")]
)
def test_save_writes_the_format_its_suffix_names(tmp_path, suffix, magic):
    path = _funnel().save(tmp_path / f"funnel{suffix}")
    assert path.read_bytes().startswith(magic)


def test_svg_keeps_its_text_as_text(tmp_path):
    text = _funnel().save(tmp_path / "funnel.svg").read_text()
    assert "<svg" in text and "Rated good" in text.replace("&#39;", "'") or "<text" in text


def test_save_refuses_an_unknown_suffix_and_a_missing_folder(tmp_path):
    with pytest.raises(ArgumentError, match=r"end the path in \.png, \.svg or \.pdf"):
        _funnel().save(tmp_path / "funnel.jpg")
    with pytest.raises(ArgumentError, match="does not exist"):
        _funnel().save(tmp_path / "nowhere" / "funnel.png")


@pytest.mark.parametrize("kind", ["funnel", "xmr"])
def test_saved_chart_is_never_cropped(tmp_path, kind):
    chart = (
        _funnel()
        if kind == "funnel"
        else xmr_chart(xmr(VALUES, target=20), title="T", value_label="V")
    )
    png = chart.save(tmp_path / "chart.png", dpi=DPI).read_bytes()
    figure = chart.figure
    renderer = _renderer(figure)
    whole = figure.get_tightbbox(renderer)  # inches, every artist
    width, height = _png_size(png)
    assert width >= whole.width * DPI - 1 and height >= whole.height * DPI - 1
    legend = next(axes.get_legend() for axes in figure.axes if axes.get_legend())
    extent = legend.get_window_extent(renderer)
    assert extent.x0 >= whole.x0 * DPI - 1 and extent.y0 >= whole.y0 * DPI - 1


# --- on the page and in JupyterLab ------------------------------------------------------


def test_html_image_has_twice_the_pixels_it_is_shown_at():
    chart = _funnel()
    page = chart.to_html()
    src = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    import base64

    width, height = _png_size(base64.b64decode(src))
    shown = re.search(r'width="(\d+)" height="(\d+)"', page)
    assert HTML_DPI == 2 * DPI
    assert abs(int(shown.group(1)) * 2 - width) <= 1 and abs(int(shown.group(2)) * 2 - height) <= 1
    assert width >= 1300  # 8 inches at 200 dpi, less the trimmed margin
    assert f'alt="{chart.alt_text}"' in page


def test_a_page_embeds_a_chart_in_a_palette_a_third_of_the_size_its_colours_kept():
    """Pages stay under their size limit: the embedded PNG has at most 256 colours; white
    and the NHS colours of points and lines stay exact, only anti-aliased edges move."""
    chart = _funnel()
    src = re.search(r'src="data:image/png;base64,([^"]+)"', chart.to_html()).group(1)
    embedded = Image.open(io.BytesIO(base64.b64decode(src)))
    full = chart.png_bytes(dpi=HTML_DPI)
    lossless = np.asarray(Image.open(io.BytesIO(full)).convert("RGB")).astype(int)
    assert embedded.mode == "P" and len(base64.b64decode(src)) < 0.5 * len(full)
    shown = np.asarray(embedded.convert("RGB")).astype(int)
    assert shown.shape == lossless.shape
    flat = ["#FFFFFF", NHS_COLOURS["blue"], NHS_COLOURS["dark_red"], NHS_COLOURS["dark_grey"]]
    for colour in flat:
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        where = (lossless == rgb).all(axis=2)
        assert where.any() and (shown[where] == rgb).all(), colour
    assert np.abs(shown - lossless).max(axis=2).mean() < 0.5


def _small_multiples():
    lines = pd.DataFrame(
        {
            "kpi": ["A"] * 6 + ["B"] * 6,
            "period": ["2022", "2023", "2024"] * 4,
            "line": (["England"] * 3 + ["North"] * 3) * 2,
            "value": np.linspace(0.5, 0.8, 12),
        }
    )
    return small_multiples(lines, title="KPIs", panels_column="kpi", value_label="rated good")


@pytest.mark.parametrize("make", [_funnel, _small_multiples], ids=["plain", "constrained"])
def test_the_page_image_is_the_whole_chart_drawn_once_as_savefig_frames_it(make):
    """The page's chart is drawn once (no layout pass before it), with the same tight box and
    the same pixels as ``savefig(bbox_inches="tight")``, with or without a layout engine."""
    chart = make()
    src = re.search(r'src="data:image/png;base64,([^"]+)"', chart.to_html()).group(1)
    assert base64.b64decode(src) == palette_png(make().png_bytes(dpi=HTML_DPI))


def test_a_transparent_png_is_embedded_as_it_is():
    buffer = io.BytesIO()
    Image.new("RGBA", (4, 4), (0, 94, 184, 128)).save(buffer, format="PNG")
    assert palette_png(buffer.getvalue()) == buffer.getvalue()


def test_chart_shows_in_jupyterlab_with_its_text_alternative():
    chart = _funnel()
    assert 'alt="Funnel plot of' in chart._repr_html_()
    bundle = chart._repr_mimebundle_()
    assert bundle["text/plain"] == chart.alt_text and "<img" in bundle["text/html"]


# --- units and targets ------------------------------------------------------------------


def test_per_cent_values_given_as_0_to_100_are_refused_with_what_to_do():
    with pytest.raises(ArgumentError, match=r"holds 76\.99, but with unit='%'.*Divide per cent"):
        xmr_chart(xmr([76.99, 70.1, 72.5] * 5), title="T", value_label="V", unit="%")
    table = pd.DataFrame({"area": ["A", "B"], "value": [77.0, 80.0], "lower": 70, "upper": 85})
    with pytest.raises(ArgumentError, match="with unit='%'"):
        comparison_chart(table, title="T", value_label="V", unit="%")
    fractions = xmr_chart(xmr([0.7699, 0.701, 0.725] * 5), title="T", value_label="V", unit="%")
    assert "Latest value 72.5%" in fractions.alt_text


def test_target_none_means_no_target_and_by_default_the_results_target_is_used():
    result = xmr(VALUES, target=5)
    assert "consistently meet the target" in xmr_chart(result, title="T", value_label="V").alt_text
    none = xmr_chart(result, title="T", value_label="V", target=None)
    assert "Assurance: not assessed, no target set." in none.alt_text
    assert not any(t.startswith("Target") for t in _drawn_strings(none))
    other = xmr_chart(result, title="T", value_label="V", target=35)
    assert "consistently fail to meet the target" in other.alt_text


# --- text is text -----------------------------------------------------------------------


def test_escape_text_escapes_each_dollar_once():
    assert escape_text("Cost $5 to $10") == "Cost \\$5 to \\$10"
    assert escape_text(escape_text("$x$")) == "\\$x\\$"


@pytest.mark.parametrize("name", MATHS_NAMES)
def test_names_with_dollars_are_drawn_as_text_on_every_chart(name):
    names = [name, "South", "East", "West", "Midlands", "London"]
    table = pd.DataFrame(
        {"area": names, "value": np.linspace(0.5, 0.8, 6), "lower": 0.4, "upper": 0.9}
    )
    periods = [f"{name} {i}" for i in range(len(VALUES))]
    lines = pd.DataFrame(
        {
            "period": [f"{name} {year}" for year in (2022, 2023, 2024)] * 2,
            "line": [name] * 3 + ["England"] * 3,
            "value": [0.6, 0.65, 0.7, 0.62, 0.66, 0.69],
        }
    )
    charts = [
        _funnel(names, name),
        comparison_chart(table, title=name, value_label=name, reference=0.6, reference_label=name),
        xmr_chart(xmr(VALUES), title=name, value_label=name, period_labels=periods),
        trend_chart(lines, title=name, value_label=name, target=0.7),
        small_multiples(
            lines.assign(panel=name), title=name, panels_column="panel", value_label=name
        ),
    ]
    for chart in charts:
        drawn = _drawn_strings(chart)
        assert any(name.replace("$", "") in s.replace("\\$", "") for s in drawn)
        assert not [s for s in drawn if cbook.is_math_text(s)]
        assert chart.png_bytes().startswith(b"\x89PNG")
