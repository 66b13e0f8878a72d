"""What every heenb chart returns, and the house style all charts share.

A :class:`Chart` keeps the matplotlib figure together with its text
alternative (used as the image's ``alt`` text in HTML) and the data behind it
(shown as a table in reports). In a notebook it displays as an ``<img>`` with
that alt text, so the text alternative survives export to HTML.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

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
DPI = 100


def new_figure(height_in: float = 4.0, width_in: float = REPORT_WIDTH_IN):
    """Return ``(figure, axes)`` in the house style: no top or right spines, light grid."""
    with matplotlib.rc_context(
        {
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
    ):
        fig = Figure(figsize=(width_in, height_in), dpi=DPI)
        ax = fig.add_subplot()
    return fig, ax


@dataclass
class Chart:
    """A drawn chart with its text alternative and the data it shows.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    alt_text : str
        What the chart shows and its key finding, in plain English.
    data : pandas.DataFrame
        The figures drawn, for the table that accompanies the chart.
    title : str
    """

    figure: Figure
    alt_text: str
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    title: str = ""

    def png_bytes(self) -> bytes:
        """The chart as PNG bytes (metadata stripped so output is reproducible)."""
        buffer = io.BytesIO()
        self.figure.savefig(
            buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None}
        )
        return buffer.getvalue()

    def to_html(self) -> str:
        """An ``<img>`` with the alt text, escaped, and the PNG inline as base64."""
        encoded = base64.b64encode(self.png_bytes()).decode("ascii")
        alt = html.escape(self.alt_text, quote=True)
        return (
            '<figure class="heenb-chart">'
            f'<img src="data:image/png;base64,{encoded}" alt="{alt}">'
            "</figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": self.alt_text}
