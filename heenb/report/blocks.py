"""Display blocks for reports: headings, paragraphs, banners, tables, figures.

A report cell returns a :class:`Block`; Jupyter displays it through
``_repr_html_`` and nbconvert exports that HTML unchanged. Every string that
can come from data is escaped here, in one place, so narrative text or a
programme name containing ``<script>`` is shown as text, never run, and one
holding a bidirectional control character cannot reverse the text after it.

Every block also carries the tables behind it: ``Block.data`` maps each table's
caption to the DataFrame it shows (a chart's data table included), so in
JupyterLab ``report.comparison().data`` gives the figures of a section as
pandas objects. They are the figures the page shows, after disclosure control:
a withheld count is ``[c]`` (or missing, in a chart's data) and never its value.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from heenb.charts.figure import Chart
from heenb.formatting import WITHHELD
from heenb.report import takeaway

#: The MIME type of a block's tables in notebook outputs (read by :mod:`heenb.render.html`).
TABLES_MIME = "application/vnd.heenb.tables+json"

#: Bidirectional embeddings, overrides, isolates and marks (U+202A-U+202E,
#: U+2066-U+2069, U+200E, U+200F). In a data string they would reorder the text
#: after it on the page (an unclosed U+202E reverses the rest of a paragraph).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    """``text`` with every bidirectional control character removed.

    Right-to-left script in the text is still shown right to left (the
    Unicode bidirectional algorithm needs no controls for that).
    """
    return BIDI_CONTROLS.sub("", text)


def escape(text) -> str:
    """HTML-escape any value (quotes too) and remove bidirectional controls.

    None and NA become an empty string. Safe in element content and in
    attribute values alike.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return html.escape(without_bidi_controls(str(text)), quote=True)


def slug(text: str) -> str:
    """An id for a heading: lower case words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


class Block:
    """A piece of report HTML that displays itself in Jupyter and in exported HTML.

    Parameters
    ----------
    markup
        The block's HTML, already escaped.
    text
        Its plain-text form (``repr``); by default the markup without tags.
    data
        The tables behind the block: caption -> DataFrame, in page order.

    Attributes
    ----------
    data : dict[str, pandas.DataFrame]
        Every table the block shows, by caption: the frame given to :func:`table`
        (cells as shown, withheld counts as ``[c]``), or a chart's data with the
        column headings readers see (withheld figures missing, with a ``Withheld``
        column where the chart marks them). Adding or joining blocks keeps every
        table; a caption that repeats gets `` (2)``, `` (3)`` ... appended.
    """

    def __init__(self, markup: str = "", text: str = "", data: dict | None = None):
        self.markup = markup
        self.text = text or re.sub(r"<[^>]+>", "", markup)
        self.data: dict[str, pd.DataFrame] = dict(data or {})

    def __add__(self, other: Block) -> Block:
        return Block(
            self.markup + other.markup,
            self.text + "\n" + other.text,
            merged_data([self.data, other.data]),
        )

    def _repr_html_(self) -> str:
        return self.markup

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The tables as JSON (:data:`TABLES_MIME`) beside the HTML, for the spreadsheet the
        build writes beside the page from the same run; none for a block without tables."""
        return {TABLES_MIME: {"tables": tables_json(self.data)}} if self.data else {}

    def __repr__(self) -> str:
        return html.unescape(self.text)


def shown_cells(frame: pd.DataFrame) -> list[list[str]]:
    """A data frame's rows as the page shows them (a chart's withheld figures as ``[c]``)."""
    if frame.attrs.get("chart") and "Withheld" in frame.columns:
        frame = with_withheld_marked(frame, frame["Withheld"])
    return [[cell_text(v) for v in row] for row in frame.itertuples(index=False)]


def tables_json(data: dict[str, pd.DataFrame]) -> list[dict]:
    """Tables as JSON: caption, column headings, rows of shown cells, note, national."""
    return [
        {
            "caption": without_bidi_controls(caption),
            "columns": [without_bidi_controls(cell_text(c)) for c in frame.columns],
            "rows": [[without_bidi_controls(c) for c in row] for row in shown_cells(frame)],
            "note": without_bidi_controls(frame.attrs.get("note", "")),
            "national": bool(frame.attrs.get("national", False)),
        }
        for caption, frame in data.items()
    ]


def merged_data(tables: Iterable[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Several blocks' tables in order, as one dict; a repeated caption is numbered."""
    out: dict[str, pd.DataFrame] = {}
    for data in tables:
        for caption, frame in data.items():
            key, n = caption, 1
            while key in out:
                n += 1
                key = f"{caption} ({n})"
            out[key] = frame
    return out


def join(blocks: Iterable[Block]) -> Block:
    """One block made of several, in order."""
    blocks = list(blocks)
    return Block(
        "".join(b.markup for b in blocks),
        "\n".join(b.text for b in blocks),
        merged_data(b.data for b in blocks),
    )


def heading(text: str, level: int = 2) -> Block:
    return Block(f'<h{level} id="{slug(text)}">{escape(text)}</h{level}>', text)


def paragraph(text: str, css_class: str | None = None) -> Block:
    cls = f' class="{css_class}"' if css_class else ""
    return Block(f"<p{cls}>{escape(text)}</p>", text)


def banner(text: str, kind: str = "warning") -> Block:
    """A visible notice (``role="note"``), for demo data and data caveats."""
    return Block(
        f'<div class="heenb-banner heenb-banner-{kind}" role="note"><strong>'
        f"{escape(text)}</strong></div>",
        text,
    )


def definition_list(items: dict[str, str]) -> Block:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items.items())
    return Block(
        f'<dl class="heenb-facts">{rows}</dl>', "\n".join(f"{k}: {v}" for k, v in items.items())
    )


def bullet_list(items: Iterable[str]) -> Block:
    items = list(items)
    return Block(
        "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>", "\n".join(items)
    )


def linked_list(items: Iterable[Iterable[tuple[str, str | None]]]) -> Block:
    """A bullet list whose items are runs of text: each ``(text, href)`` is a link to
    ``href``, or plain text where ``href`` is None; texts and hrefs are escaped."""
    runs = [list(item) for item in items]
    markup = "".join(
        "<li>"
        + "".join(
            f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)
            for text, href in item
        )
        + "</li>"
        for item in runs
    )
    return Block(f"<ul>{markup}</ul>", "\n".join("".join(t for t, _ in item) for item in runs))


#: A cell that reads as a number: a count, share, change or interval, with an optional
#: note in brackets ("1,250", "84.2%", "-3.5%", "83.9% to 84.6%", "91.0% (above)").
NUMBER = re.compile(
    r"[-+\u2212]?\d[\d,]*(\.\d+)?%?( to [-+\u2212]?\d[\d,]*(\.\d+)?%?)?( \([^)]*\))?"
)
#: Cells that say there is no figure; they neither make nor break a numeric column.
NO_FIGURE = {"", "[c]", "no data", "-", "\u2013", "\u2014"}
#: A column of years names periods: a label, left-aligned like text.
YEAR = re.compile(r"(19|20)\d\d")


def cell_text(value) -> str:
    """A cell as readers see it: True and False as "yes" and "no", missing as blank."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def is_numeric(cells: Iterable[str]) -> bool:
    """Whether a column of cell texts holds quantities (right-aligned): every cell with a
    figure reads as a number, at least one does, and they are not all years."""
    figures = [c for c in cells if c.strip() not in NO_FIGURE]
    return (
        bool(figures)
        and all(NUMBER.fullmatch(c.strip()) for c in figures)
        and not all(YEAR.fullmatch(c.strip()) for c in figures)
    )


def table(
    frame: pd.DataFrame, caption: str, note: str | None = None, national: bool = False
) -> Block:
    """A table with a caption and column headers; every cell escaped.

    Cells are shown as they are: format numbers before calling (see
    :mod:`heenb.report.format`). ``national=True`` marks a table of England
    figures only (class ``heenb-national``), which disclosure control leaves
    unsuppressed; every other table's counts must already be protected.

    The table sits in a scroll region that keyboards can reach and screen
    readers name by the caption (``role="region"``, ``tabindex="0"``), so a wide
    table scrolls sideways on a phone. Columns of numbers get class ``num``
    (right-aligned, tabular figures). Below it, a link downloads the cells as shown
    as CSV (:func:`heenb.report.takeaway.download_link`), from the page itself.

    The block's ``data`` is ``{caption: a copy of frame}``; the copy's ``attrs``
    hold ``note`` and ``national`` (the spreadsheet beside the page reads them).
    """
    columns = [[cell_text(v) for v in frame.iloc[:, i]] for i in range(frame.shape[1])]
    numeric = [is_numeric(cells) for cells in columns]
    num = {True: ' class="num"', False: ""}
    head = "".join(
        f'<th scope="col"{num[n]}>{escape(c)}</th>'
        for c, n in zip(frame.columns, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{num[n]}>{escape(v)}</td>" for v, n in zip(row, numeric, strict=True))
        + "</tr>"
        for row in zip(*columns, strict=True)
    )
    foot = f'<p class="heenb-table-note">{escape(note)}</p>' if note else ""
    link = ""
    if frame.empty:
        body = f'<tr><td colspan="{max(len(frame.columns), 1)}">No rows.</td></tr>'
    else:
        link = takeaway.download_link(
            [without_bidi_controls(cell_text(c)) for c in frame.columns],
            [[without_bidi_controls(v) for v in row] for row in zip(*columns, strict=True)],
            without_bidi_controls(str(caption)),
        )
    scope = ' class="heenb-national"' if national else ""
    return Block(
        f'<div class="heenb-table" role="region" tabindex="0" aria-label="{escape(caption)}">'
        f"<table{scope}><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}</div>{link}",
        f"{caption}\n{frame.to_string(index=False)}",
        {caption: taken(frame, note, national)},
    )


def taken(frame: pd.DataFrame, note: str | None, national: bool) -> pd.DataFrame:
    """A copy of ``frame`` to hand back as data, its note and scope in ``attrs``."""
    copy = frame.copy()
    copy.attrs = {"note": note or "", "national": bool(national)}
    return copy


#: Headings for the columns of the charts' data tables: ``Chart.data`` keeps the
#: names the chart modules give them (``lower998``, ``special_cause``); readers see
#: these. A column not listed keeps its own name.
CHART_HEADINGS = {
    "area": "Area",
    "period": "Period",
    "line": "Line",
    "value": "Value",
    "mean": "Mean",
    "lower": "Lower bound",
    "upper": "Upper bound",
    "special_cause": "Special cause variation",
    "withheld": "Withheld",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "proportion": "Proportion",
    "target": "Target",
    "lower95": "Lower 95% limit",
    "upper95": "Upper 95% limit",
    "lower998": "Lower 99.8% limit",
    "upper998": "Upper 99.8% limit",
    "z": "z-score",
    "outlier": "Outlier",
}
#: In an XmR chart's table (it has ``special_cause``), lower and upper are process limits.
XMR_HEADINGS = {"lower": "Lower process limit", "upper": "Upper process limit"}


def chart_headings(columns: Iterable[str]) -> dict[str, str]:
    """The heading readers see for each raw column name of a chart's data table."""
    columns = list(columns)
    headings = CHART_HEADINGS | (XMR_HEADINGS if "special_cause" in columns else {})
    return {c: headings[c] for c in columns if c in headings}


def figure(chart: Chart, caption: str | None = None) -> Block:
    """The chart with its alt text, a caption, and the data behind it as a table.

    The alt text, made from data, loses its bidirectional controls as every data string does.
    Where the chart's data marks a row ``withheld``, its missing figures read ``[c]`` in the
    table; the block's ``data`` keeps the chart's data (missing there) with readers' headings.
    """
    caption = caption or chart.title
    shown = chart.data.rename(columns=chart_headings(chart.data.columns))
    data = Block()
    if not chart.data.empty:
        title = f"Data for the chart: {caption}"
        withheld = chart.data.get("withheld")
        data = table(shown if withheld is None else with_withheld_marked(shown, withheld), title)
        data.data = {title: taken(shown, None, False)}
        data.data[title].attrs["chart"] = True
    chart = dataclasses.replace(chart, alt_text=without_bidi_controls(chart.alt_text))
    return Block(
        f'<figure class="heenb-figure">{chart.to_html()}'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
        f"<details><summary>Data behind the chart</summary>{data.markup}</details>",
        f"[Chart: {chart.alt_text}]",
        data.data,
    )


def with_withheld_marked(shown: pd.DataFrame, withheld: pd.Series) -> pd.DataFrame:
    """``shown`` with the missing figures of the rows ``withheld`` marks as ``[c]``."""
    rows = withheld.fillna(False).astype(bool).to_numpy()
    marked = shown.astype(object)
    for column in range(marked.shape[1]):
        cells = marked.iloc[:, column]
        marked.iloc[:, column] = cells.where(~(cells.isna().to_numpy() & rows), WITHHELD)
    return marked


def no_data(what: str, reason: str) -> Block:
    """Say plainly that there is nothing to show, and why."""
    return Block(
        f'<p class="heenb-no-data"><strong>No data</strong> for {escape(what)}: '
        f"{escape(reason)}</p>",
        f"No data for {what}: {reason}",
    )
