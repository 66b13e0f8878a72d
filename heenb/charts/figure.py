"""What every heenb chart returns, and the house style all charts share.

A :class:`Chart` keeps the matplotlib figure together with its text
alternative (used as the image's ``alt`` text in HTML) and the data behind it
(shown as a table in reports). In a notebook it displays as an ``<img>`` with
that alt text, so the text alternative survives export to HTML; the image is
a PNG at twice the pixel density (:data:`HTML_DPI`), sized to show at the
chart's width, so its text stays sharp on high-density screens, and kept to
a palette of 256 colours (:func:`palette_png`), so pages stay small.
:meth:`Chart.save` writes PNG, SVG or PDF, never cropping the legend or notes.

Every string drawn is text, never maths: a ``$`` in an area name or title is
shown as a dollar sign (:func:`escape_text`), so ``"Cost $5 to $10"`` reads as
written and cannot fail matplotlib's maths parser.
"""

from __future__ import annotations

import base64
import html
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import cbook
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter
from PIL import Image

from heenb.charts import cache
from heenb.errors import ArgumentError

#: NHS identity colours (https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/).
NHS_COLOURS = {
    "blue": "#005EB8",
    "dark_blue": "#003087",
    "light_blue": "#41B6E6",
    "aqua_green": "#00A499",
    "dark_grey": "#425563",
    "mid_grey": "#768692",
    "pale_grey": "#E8EDEE",
    "warm_yellow": "#FFB81C",
    "orange": "#ED8B00",
    "purple": "#330072",
    "dark_red": "#8A1538",
    "black": "#231F20",
}

#: Making Data Count point colours, keyed by ``special_cause`` value.
MDC_COLOURS = {
    "": "#A6A6A6",  # common cause: grey
    "improvement": "#00B0F0",  # special cause improvement: blue
    "concern": "#E46C0A",  # special cause concern: orange
    "neither": "#7030A0",  # special cause, no improvement direction: purple
}

#: Width of a chart at report width, inches; height is chosen per chart.
REPORT_WIDTH_IN = 8.0
#: Dots per inch of the figure: one CSS pixel per dot at report width.
DPI = 100
#: Dots per inch of the PNG in HTML: twice DPI, shown at DPI's size (sharp on phones).
HTML_DPI = 2 * DPI
#: What :meth:`Chart.save` writes, by file suffix.
SAVE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Most colours of a chart's PNG embedded in a page (:func:`palette_png`).
PALETTE_COLOURS = 256
#: Metadata left out of saved files so the same chart gives the same bytes.
_NO_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


#: Colours a chart draws flat (white, black, the NHS and MDC colours): kept exact in a palette.
FLAT_COLOURS = ("#FFFFFF", "#000000", *NHS_COLOURS.values(), *MDC_COLOURS.values())
_FLAT_RGB = {tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in FLAT_COLOURS}


def palette_png(png: bytes, colours: int = PALETTE_COLOURS) -> bytes:
    """An opaque PNG with at most ``colours`` colours (no dithering), or ``png`` itself
    when that is not smaller or the image has transparency.

    A chart has a few flat colours and the anti-aliased shades between them (about
    1,000 in all). The palette is the flat colours present (:data:`FLAT_COLOURS`),
    then the most common other colours; every other shade takes its nearest palette
    colour. So the flat colours and the common shades stay exact and only rare edge
    shades move, which no reader sees, while the file is about a third of the size.
    Pages embed their charts this way (:meth:`Chart.to_html`, from the drawn pixels
    without a PNG in between: :func:`palette_png_of`), which keeps a page with many
    charts well under its size limit; :meth:`Chart.save` does not.
    """
    _check_colours(colours)
    with Image.open(io.BytesIO(png)) as image:
        if "transparency" in image.info or (
            "A" in image.getbands() and image.getchannel("A").getextrema()[0] < 255
        ):
            return png
        rgba = np.asarray(image.convert("RGBA"))
    smaller = palette_png_of(rgba, colours)
    return smaller if len(smaller) < len(png) else png


def _check_colours(colours: int) -> None:
    if not 1 <= colours <= 256:
        raise ArgumentError(f"colours must be from 1 to 256, not {colours!r}.")


def palette_png_of(rgba: np.ndarray, colours: int = PALETTE_COLOURS) -> bytes | None:
    """The palette PNG of :func:`palette_png` made from opaque RGBA pixels (height x width
    x 4, uint8, as matplotlib's Agg canvas holds them); None if a pixel is not opaque."""
    _check_colours(colours)
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    packed = rgba.view("<u4")[..., 0]  # R | G << 8 | B << 16 | A << 24, one word a pixel
    if (packed < 0xFF000000).any():
        return None
    height, width = packed.shape
    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
    counts = sorted(image.getcolors(maxcolors=width * height), key=lambda c: -c[0])
    present = [colour[:3] for _, colour in counts]  # most common first
    palette = [c for c in present if c in _FLAT_RGB][:colours]
    palette += [c for c in present if c not in _FLAT_RGB][: colours - len(palette)]
    shades, chosen = np.array(present, dtype=np.int32), np.array(palette, dtype=np.int32)
    distances = np.zeros((len(shades), len(chosen)), dtype=np.int32)  # squared, channel by channel
    for channel in range(3):
        step = shades[:, channel, None] - chosen[None, :, channel]
        distances += step * step
    lookup = np.zeros(1 << 24, dtype=np.uint8)  # palette index by 24-bit colour (B, G, R)
    lookup[shades[:, 0] | (shades[:, 1] << 8) | (shades[:, 2] << 16)] = distances.argmin(axis=1)
    indexed = Image.fromarray(np.take(lookup, packed & 0xFFFFFF), mode="P")
    indexed.putpalette([value for colour in palette for value in colour])
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG")
    return buffer.getvalue()


class _PixelCanvas(FigureCanvasAgg):
    """An Agg canvas whose ``pixels`` format hands over the drawn RGBA pixels, so a page's
    chart is drawn once and encoded once (no lossless PNG made only to be decoded)."""

    def print_pixels(self, target: list, **_ignored) -> None:
        FigureCanvasAgg.draw(self)
        target.append(np.array(self.buffer_rgba(), copy=True))


def tight_box(figure: Figure, canvas: FigureCanvasAgg, dpi: float, pad_inches: float = 0.1):
    """The box (inches) ``savefig(bbox_inches="tight", pad_inches=...)`` would save at ``dpi``,
    with ``figure`` laid out by its layout engine, as ``savefig`` lays it out, without
    drawing it: pass the box as ``bbox_inches`` and ``savefig`` draws the figure once."""
    with cbook._setattr_cm(figure, dpi=dpi):
        renderer = canvas.get_renderer()
        engine = figure.get_layout_engine()
        if engine is not None:
            engine.execute(figure)
        return figure.get_tightbbox(renderer).padded(pad_inches)


def escape_text(text) -> str:
    """``text`` as a string matplotlib draws literally: every ``$`` escaped.

    Matplotlib reads text between two ``$`` signs as maths; escaped, a dollar
    sign is drawn as itself. Already escaped dollars are left alone, so the
    function may be applied twice.

    Examples
    --------
    >>> escape_text("Cost $5 to $10")
    'Cost \\$5 to \\$10'
    """
    text = str(text)
    out, escaped = [], False
    for character in text:
        if character == "$" and not escaped:
            out.append("\\")
        out.append(character)
        escaped = character == "\\" and not escaped
    return "".join(out)


#: With unit "%", values are fractions; a value beyond this many (200%) is taken as per cent.
MOST_FRACTION = 2.0


def check_fractions(values, unit: str, argument: str) -> None:
    """Refuse per cent values (0-100) given where a chart with ``unit="%"`` takes fractions.

    heenb charts take a proportion as a fraction (0.7699) and show it in per
    cent ("77.0%"). A value above :data:`MOST_FRACTION` in size (200%) almost
    surely is a per cent already and would be drawn 100 times too large, so it
    is refused with what to do instead. Per cent values below 2 cannot be told
    apart from fractions: give fractions.

    Raises
    ------
    heenb.errors.ArgumentError
        ``unit`` is "%" and a value is larger than 2 in size.
    """
    if unit != "%":
        return
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").abs()
    if numbers.notna().any() and numbers.max() > MOST_FRACTION:
        largest = float(numbers.max())
        raise ArgumentError(
            f"{argument} holds {largest:g}, but with unit='%' a chart takes fractions (0.77 "
            f"for 77%) and would show it as {largest * 100:,.1f}%. Divide per cent values "
            "by 100 first (or pass another unit to show the numbers as they are)."
        )


def text_only(figure: Figure) -> Figure:
    """Escape every string drawn on ``figure`` that matplotlib would read as maths.

    Covers titles, labels, legends and annotations, and tick labels (made as
    the figure is drawn, so each axis's formatters are wrapped to escape what
    they write); returns the figure. :class:`Chart` applies it before every
    rendering, so a name holding ``$`` can neither be drawn as maths nor fail
    the report.
    """
    for text in _texts(figure):
        if cbook.is_math_text(text.get_text()):
            text.set_text(escape_text(text.get_text()))
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if not isinstance(axis.get_major_formatter(), TextFormatter):
                axis.set_major_formatter(TextFormatter(axis.get_major_formatter()))
            if not isinstance(axis.get_minor_formatter(), TextFormatter):
                axis.set_minor_formatter(TextFormatter(axis.get_minor_formatter()))
    return figure


def _texts(figure: Figure):
    """Every :class:`~matplotlib.text.Text` drawn on ``figure`` but the tick labels.

    ``Figure.findobj`` would also make every axis's ticks, which only drawing needs (about
    a quarter of a chart function's time, spent for nothing when the page reads the chart
    from the cache); their labels are written by the axis's formatters as the figure is
    drawn, and :func:`text_only` wraps those.
    """
    stack = [figure]
    while stack:
        artist = stack.pop()
        if isinstance(artist, Text):
            yield artist
        if isinstance(artist, Axis):
            stack += [artist.label, artist.offsetText]
        else:
            stack += artist.get_children()


class TextFormatter(Formatter):
    """A tick formatter that escapes ``$`` in what another formatter writes."""

    def __init__(self, inner: Formatter) -> None:
        self.inner = inner

    def set_axis(self, axis) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        self.inner.set_locs(locs)

    def __call__(self, x, pos=None) -> str:
        return escape_text(self.inner(x, pos))

    def format_ticks(self, values) -> list[str]:
        return [escape_text(label) for label in self.inner.format_ticks(values)]

    def format_data(self, value) -> str:
        return self.inner.format_data(value)

    def format_data_short(self, value) -> str:
        return self.inner.format_data_short(value)

    def get_offset(self) -> str:
        return escape_text(self.inner.get_offset())


#: The house style: no top or right spines, a light grid, NHS greys for text.
HOUSE_STYLE = {
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": NHS_COLOURS["pale_grey"],
    "axes.edgecolor": NHS_COLOURS["dark_grey"],
    "axes.labelcolor": NHS_COLOURS["black"],
    "xtick.color": NHS_COLOURS["dark_grey"],
    "ytick.color": NHS_COLOURS["dark_grey"],
}


def new_figure(height_in: float = 4.0, width_in: float = REPORT_WIDTH_IN):
    """Return ``(figure, axes)`` in the house style: no top or right spines, light grid."""
    with matplotlib.rc_context(HOUSE_STYLE):
        fig = Figure(figsize=(width_in, height_in), dpi=DPI)
        ax = fig.add_subplot()
    return fig, ax


def new_panels(
    count: int, panel_height_in: float = 2.4, width_in: float = REPORT_WIDTH_IN, columns: int = 1
):
    """Return ``(figure, [axes, ...])``: ``count`` panels in a grid of ``columns`` (filled
    row by row), sharing the x axis, in the house style with constrained layout (so labels
    and legend are never cut); a grid cell left over is not drawn."""
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    with matplotlib.rc_context(HOUSE_STYLE):
        fig = Figure(
            figsize=(width_in, 1.6 + panel_height_in * rows), dpi=DPI, layout="constrained"
        )
        grid = fig.subplots(rows, columns, sharex=True, squeeze=False).ravel()
    for spare in grid[count:]:
        spare.set_visible(False)
    for above in grid[count - columns : count] if count > columns else ():
        above.xaxis.set_tick_params(labelbottom=True)  # the last panel of its column
    return fig, list(grid[:count])


@dataclass(init=False)
class Chart:
    """A drawn chart with its text alternative and the data it shows.

    ``Chart(figure, alt_text, data, title)``; a chart function passes ``drawing=``, a
    function that draws the figure, in place of ``figure``: the figure is drawn when first
    asked for, so a chart the page reads from the chart cache (:mod:`heenb.charts.cache`)
    is never drawn.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    alt_text : str
        What the chart shows and its key finding, in plain English.
    data : pandas.DataFrame
        The figures drawn, for the table that accompanies the chart.
    title : str
    """

    alt_text: str
    data: pd.DataFrame
    title: str
    #: What the chart was made from (:func:`heenb.charts.cache.input_key`); charts with a
    #: key are encoded once for every page that shows them. Change a keyed chart's figure
    #: after it is made and the key no longer describes it: set the key to "".
    key: str = field(compare=False, repr=False)
    #: The figure once drawn, until then the function that draws it (:attr:`figure`).
    drawing: Figure | Callable[[], Figure] = field(repr=False)

    def __init__(self, figure: Figure | None = None, alt_text: str | None = None,
                 data: pd.DataFrame | None = None, title: str = "", key: str = "", *,
                 drawing: Callable[[], Figure] | None = None) -> None:  # fmt: skip
        if figure is None and drawing is None:
            raise TypeError("Chart() needs its figure, or drawing=: a function drawing it.")
        if alt_text is None:
            raise TypeError("Chart() needs its alt_text: what it shows, in words.")
        self.drawing = figure if figure is not None else drawing
        self.alt_text, self.title, self.key = alt_text, title, key
        self.data = pd.DataFrame() if data is None else data
        if isinstance(self.drawing, Figure):
            text_only(self.drawing)

    @property
    def figure(self) -> Figure:
        """The matplotlib figure, drawn the first time it is asked for."""
        if not isinstance(self.drawing, Figure):
            self.drawing = text_only(self.drawing())
        return self.drawing

    @figure.setter
    def figure(self, figure: Figure) -> None:
        self.drawing = text_only(figure)

    def _render(self, target, fmt: str, dpi: float, **pil_kwargs) -> None:
        """Draw the whole figure to ``target``: the bounding box takes in every
        artist (legend below the plot, notes, icons), so nothing is cropped.
        ``pil_kwargs`` go to Pillow's PNG writer (``compress_level``)."""
        text_only(self.figure)
        self.figure.savefig(
            target,
            format=fmt,
            dpi=dpi,
            bbox_inches="tight",
            pad_inches=0.1,
            metadata=_NO_METADATA[fmt],
            **({"pil_kwargs": pil_kwargs} if pil_kwargs else {}),
        )

    def _palette_png(self) -> bytes:
        """The chart at :data:`HTML_DPI` in a palette (:func:`palette_png_of`), from the
        pixels Agg drew, framed as :meth:`_render` frames it; a chart that is not opaque is
        embedded as a lossless PNG.

        Drawn once: ``bbox_inches="tight"`` would first draw the whole figure without
        rendering it, to lay it out and find its extent, then draw it again. Here the
        layout engine (if any) runs on its own and the extent is measured directly
        (:func:`tight_box`), which gives the same box, so the same pixels.
        """
        figure = self.figure
        text_only(figure)
        previous, drawn = figure.canvas, []
        try:
            canvas = _PixelCanvas(figure)
            box = tight_box(figure, canvas, HTML_DPI)
            with figure._cm_set(layout_engine="none"):  # laid out: as savefig does after it
                figure.savefig(drawn, format="pixels", dpi=HTML_DPI, bbox_inches=box)
        finally:
            figure.set_canvas(previous)
        return palette_png_of(drawn[0]) or self._png(HTML_DPI)

    def png_bytes(self, dpi: float = DPI) -> bytes:
        """The chart as PNG bytes at ``dpi`` (metadata stripped so output is reproducible)."""
        return self._png(dpi)

    def _png(self, dpi: float, **pil_kwargs) -> bytes:
        buffer = io.BytesIO()
        self._render(buffer, "png", dpi, **pil_kwargs)
        return buffer.getvalue()

    def save(self, path, dpi: float = HTML_DPI) -> Path:
        """Save the chart to ``path`` as PNG, SVG or PDF, chosen by the suffix.

        The whole chart is kept: legend, notes and icons outside the plot are
        inside the saved image. SVG text stays text; a PNG is ``dpi`` dots per
        inch (twice screen density by default).

        Parameters
        ----------
        path : str or pathlib.Path
            Ending in ``.png``, ``.svg`` or ``.pdf``; its folder must exist.
        dpi : float, default HTML_DPI (200)
            Resolution of a PNG (and of any raster part of a PDF or SVG).

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        heenb.errors.ArgumentError
            An unknown suffix or a folder that does not exist.
        """
        path = Path(path)
        fmt = SAVE_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ArgumentError(
                f"Chart.save cannot tell the format of {str(path)!r} from its suffix "
                f"{path.suffix or '(none)'!r}; end the path in .png, .svg or .pdf."
            )
        if not path.parent.is_dir():
            raise ArgumentError(
                f"Chart.save cannot write {str(path)!r}: the folder {str(path.parent)!r} "
                "does not exist; create it first."
            )
        self._render(path, fmt, dpi)
        return path

    def to_html(self) -> str:
        """An ``<img>`` with the alt text, escaped, and the PNG inline as base64.

        The PNG has twice the pixels of the chart's size on screen
        (:data:`HTML_DPI`), in a palette of :data:`PALETTE_COLOURS` (:func:`palette_png`);
        ``width`` and ``height`` give that screen size.
        """
        png = cache.encoded(self.key) if self.key else None
        if png is None:
            png = self._palette_png()
            if self.key:
                cache.keep(self.key, png)
        width, height = struct.unpack(">II", png[16:24])
        shown = (round(width * DPI / HTML_DPI), round(height * DPI / HTML_DPI))
        encoded = base64.b64encode(png).decode("ascii")
        alt = html.escape(self.alt_text, quote=True)
        return (
            '<figure class="heenb-chart">'
            f'<img src="data:image/png;base64,{encoded}" alt="{alt}" '
            f'width="{shown[0]}" height="{shown[1]}">'
            "</figure>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": self.alt_text}

    def __repr__(self) -> str:
        return f"Chart({self.title!r}: {self.alt_text})"
