"""Trend charts: a measure over time for a few lines (England, a region, a local office).

:func:`trend_chart` draws up to about four lines on one chart, each with its
own colour, line style and marker, its confidence band shaded, and its name and
latest value written at the right-hand end, so colour is never the only way to
tell lines apart. :func:`small_multiples` draws one small panel per KPI in the
same style, with one shared legend. A missing value (NaN) leaves a gap in its
line; it is never drawn as zero or joined across. A period missing from the data
altogether (2020 between 2019 and 2021) is put back on the axis, so the line
breaks there too, and the alt text names it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from heenb.charts import alt
from heenb.charts.cache import keyed
from heenb.charts.figure import NHS_COLOURS, Chart, new_figure
from heenb.charts.format import (
    MISSING,
    axis_formatter,
    axis_title,
    format_change,
    format_value,
    legend_below,
    numbers,
    require_frame,
    scale,
)
from heenb.data.gaps import complete_periods, ordinals, period_kind
from heenb.errors import ArgumentError

__all__ = ["small_multiples", "trend_chart"]

#: (colour, line style, marker) per line, in order; every colour has at least 3:1
#: contrast with white. Lines beyond the sixth reuse the styles from the start.
LINE_STYLES = [
    (NHS_COLOURS["blue"], "-", "o"),
    (NHS_COLOURS["dark_red"], "--", "s"),
    (NHS_COLOURS["aqua_green"], "-.", "^"),
    (NHS_COLOURS["purple"], ":", "D"),
    (NHS_COLOURS["dark_grey"], (0, (5, 1, 1, 1, 1, 1)), "v"),
    (NHS_COLOURS["mid_grey"], (0, (1, 1)), "P"),
]
_BAND_ALPHA = 0.15
#: Most periods labelled on a trend chart's axis (as on an XmR chart): 12, or 8 when a label
#: is longer than a year ("2024-01"), so labels never overlap.
_MAX_TICKS, _MAX_LONG_TICKS = 12, 8
_LABEL_GAP_PT = 11  # smallest vertical distance between two end labels, points


# --------------------------------------------------------------------------- input


def _prepare(series: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Checked long table: ``keys`` + ``value`` (+ ``lower``, ``upper``) as floats."""
    require_frame(series, "series", [*keys, "value"])
    has_band = _has_band(series)
    rows = series[keys].copy()
    for column in ("value", "lower", "upper") if has_band else ("value",):
        rows[column] = numbers(series, column, "series")
    duplicated = rows.duplicated(subset=keys)
    if duplicated.any():
        first = rows.loc[duplicated, keys].iloc[0].tolist()
        raise ArgumentError(
            f"series has more than one row for {dict(zip(keys, first, strict=True))}; give "
            f"one value per {' and '.join(keys)}."
        )
    return rows.reset_index(drop=True)


def _periods(rows: pd.DataFrame) -> list:
    """The periods to draw: in time order when they are periods (a line may start later
    than the one before it), else as they first appear; with missing periods put back."""
    periods = list(pd.unique(rows["period"]))
    kind = period_kind(periods)
    if kind is not None:
        periods = [periods[i] for i in np.argsort(ordinals(periods, kind), kind="stable")]
    return complete_periods(periods)


def _span(rows: pd.DataFrame, periods: list) -> str:
    """ "2017 to 2024", naming any period no line has data for: " (no data for 2020)"."""
    span = f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else f"{periods[0]}"
    present = set(rows["period"])
    missing = [str(p) for p in periods if p not in present]
    return span + (f" (no data for {', '.join(missing)})" if missing else "")


def _has_band(series: pd.DataFrame) -> bool:
    """True when ``series`` has both ``lower`` and ``upper``; an error when it has one."""
    present = [column for column in ("lower", "upper") if column in series.columns]
    if len(present) == 1:
        other = "upper" if present[0] == "lower" else "lower"
        raise ArgumentError(
            f"series has a {present[0]!r} column but no {other!r} column; give both to "
            f"draw a band, or neither."
        )
    return len(present) == 2


def _wide(rows: pd.DataFrame, periods: list, line, column: str) -> np.ndarray:
    """One line's ``column`` in period order, NaN where the period is missing."""
    one = rows[rows["line"] == line].set_index("period")[column]
    return one.reindex(periods).to_numpy(dtype=float)


def _styles(lines: list) -> dict:
    """(colour, line style, marker) for each line name, in order of appearance."""
    return {line: LINE_STYLES[i % len(LINE_STYLES)] for i, line in enumerate(lines)}


# --------------------------------------------------------------------------- drawing


def _draw_lines(ax, rows: pd.DataFrame, periods: list, styles: dict, factor: float) -> dict:
    """Draw each line (and band); return {line: latest (x, y) drawn}, shown units."""
    x = np.arange(len(periods), dtype=float)
    ends = {}
    for line, (colour, linestyle, marker) in styles.items():
        y = _wide(rows, periods, line, "value") * factor
        if "lower" in rows.columns:
            lower = _wide(rows, periods, line, "lower") * factor
            upper = _wide(rows, periods, line, "upper") * factor
            ax.fill_between(x, lower, upper, color=colour, alpha=_BAND_ALPHA, linewidth=0)
        ax.plot(
            x,
            y,
            color=colour,
            linestyle=linestyle,
            marker=marker,
            markersize=5,
            linewidth=1.8,
            label=str(line),
        )
        valid = np.flatnonzero(~np.isnan(y))
        if valid.size:
            ends[line] = (x[valid[-1]], y[valid[-1]])
    ax.set_xticks(x, [str(p) for p in periods])
    return ends


def _spread(targets: list[float], gap: float) -> list[float]:
    """Label heights at least ``gap`` apart: from the lowest up, push each clash upwards."""
    order = np.argsort(targets, kind="stable")
    placed = np.array(targets, dtype=float)[order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    result = np.empty_like(placed)
    result[order] = placed
    return result.tolist()


def _label_ends(ax, ends: dict, styles: dict, periods: list, unit: str, factor: float) -> None:
    """Write each line's name and latest value just right of the plot area."""
    if not ends:
        return
    low, high = ax.get_ylim()
    height_pt = ax.get_position().height * ax.figure.get_figheight() * 72
    gap = _LABEL_GAP_PT / height_pt * (high - low)
    names = list(ends)
    heights = _spread([ends[name][1] for name in names], gap)
    beside = blended_transform_factory(ax.transAxes, ax.transData)
    for name, y in zip(names, heights, strict=True):
        x_end, y_end = ends[name]
        text = f"{name} {format_value(y_end / factor, unit)}"
        if x_end < len(periods) - 1:
            text += f" ({periods[int(x_end)]})"
        ax.text(
            1.02,
            y,
            text,
            transform=beside,
            color=styles[name][0],
            va="center",
            fontsize=9,
            clip_on=False,
        )


def _draw_target(ax, target: float, unit: str, factor: float) -> None:
    """Horizontal target line, in the legend as "Target (90.0%)"."""
    ax.axhline(
        target * factor,
        color=NHS_COLOURS["black"],
        linestyle=(0, (4, 2)),
        linewidth=1,
        label=f"Target ({format_value(target, unit)})",
    )


def _style_axes(ax) -> None:
    """The house style of :func:`heenb.charts.figure.new_figure`, for extra panels."""
    ax.spines[["top", "right"]].set_visible(False)
    for spine in ax.spines.values():
        spine.set_edgecolor(NHS_COLOURS["dark_grey"])
    ax.grid(True, color=NHS_COLOURS["pale_grey"])
    ax.tick_params(colors=NHS_COLOURS["dark_grey"])


def _long(periods: list) -> bool:
    """True when some period's label is longer than a year's ("2024-01", "2024-Q1")."""
    return max(len(str(p)) for p in periods) > 4


def _thin_ticks(ax, periods: list, most: int = 5) -> None:
    """Label at most ``most`` periods (always the last), each with its tick and grid line."""
    step = math.ceil(len(periods) / most)
    positions = list(range(len(periods) - 1, -1, -step))[::-1]
    ax.set_xticks(positions, [str(periods[i]) for i in positions])


# --------------------------------------------------------------------------- words


def describe_line(name, periods: list, values: np.ndarray, unit: str, detail: bool = True) -> str:
    """One line in words: first and latest value and the change between them; with
    ``detail``, also its peak or low and the periods without data."""
    valid = np.flatnonzero(~np.isnan(values))
    if valid.size == 0:
        return f"{name}: {MISSING}"
    first, last = valid[0], valid[-1]
    start = f"{format_value(values[first], unit)} in {periods[first]}"
    if first == last:
        return f"{name}: {start} (one period only)"
    text = (
        f"{name}: {start} to {format_value(values[last], unit)} in {periods[last]}, "
        f"{format_change(values[last] - values[first], unit)}"
    )
    if not detail:
        return text
    text += _turning_point(periods, values, first, last, unit)
    gaps = [str(periods[i]) for i in range(first, last) if np.isnan(values[i])]
    if gaps:
        text += f" (no data for {', '.join(gaps)})"
    return text


def _turning_point(periods: list, values: np.ndarray, first: int, last: int, unit: str) -> str:
    """The peak or low between the ends, where it lies beyond both of them (else "")."""
    inner = values[first + 1 : last]
    if inner.size == 0 or np.isnan(inner).all():
        return ""
    ends = (values[first], values[last])
    high, low = np.nanargmax(inner), np.nanargmin(inner)
    rise, fall = inner[high] - max(ends), min(ends) - inner[low]
    if max(rise, fall) <= 0:
        return ""
    word, at = ("peaking at", high) if rise >= fall else ("lowest at", low)
    return f", {word} {format_value(inner[at], unit)} in {periods[first + 1 + at]}"


def _describe_lines(rows: pd.DataFrame, periods: list, lines: list, unit: str) -> list[str]:
    """Each line in brief (first and latest value, change), for alt text."""
    return [
        describe_line(line, periods, _wide(rows, periods, line, "value"), unit, detail=False)
        for line in lines
    ]


def _gaps(rows: pd.DataFrame, periods: list, lines: list) -> str:
    """The periods inside each line with no data, as one sentence ("" when none)."""
    found = []
    for line in lines:
        values = _wide(rows, periods, line, "value")
        valid = np.flatnonzero(~np.isnan(values))
        gaps = (
            [str(periods[i]) for i in range(valid[0], valid[-1]) if np.isnan(values[i])]
            if valid.size
            else []
        )
        if gaps:
            found.append(f"{line} in {', '.join(gaps)}")
    return f"No data for {'; '.join(found)}." if found else ""


def _table(rows: pd.DataFrame, factor: float) -> pd.DataFrame:
    """The drawn values in the shown unit (per cent when unit is "%"), 1 decimal place."""
    table = rows.copy()
    for column in ("value", "lower", "upper"):
        if column in table.columns:
            table[column] = (table[column] * factor).round(1)
    return table


# --------------------------------------------------------------------------- public


@keyed
def trend_chart(
    series: pd.DataFrame,
    *,
    title: str,
    value_label: str,
    unit: str = "%",
    target: float | None = None,
    interval_label: str = "95% confidence interval",
) -> Chart:
    """Line chart of a measure over time, one line per area, with confidence bands.

    Parameters
    ----------
    series : DataFrame
        Long table, one row per line and period: ``period`` (label; periods are
        drawn in the order they first appear, and ascending years, months
        "YYYY-MM" or quarters "YYYY-Qn" with any missing period put back as a
        break in every line), ``line`` (e.g. "England",
        "Midlands"), ``value`` and optionally both ``lower`` and ``upper`` (the
        band). Values are fractions when ``unit`` is "%"; NaN leaves a gap.
    title : str
        Drawn above the chart and kept as ``Chart.title``.
    value_label : str
        What the value is, e.g. "learners rating training good or better".
    unit : str, default "%"
        "%" shows fractions in per cent; any other unit shows values as given.
    target : float, optional
        Drawn as a dashed horizontal line, same unit as ``value``.
    interval_label : str, default "95% confidence interval"
        What the bands are, for the legend and alt text.

    Returns
    -------
    Chart
        ``data`` is ``series``' columns ``period``, ``line``, ``value`` (and
        ``lower``, ``upper``) in the shown unit, 1 decimal place.

    Raises
    ------
    ArgumentError
        ``series`` is not a DataFrame, is empty, lacks a column, has only one of
        ``lower``/``upper``, non-numeric values or two rows for one line and period.
    """
    rows = _prepare(series, ["period", "line"])
    periods, lines = _periods(rows), list(pd.unique(rows["line"]))
    styles, factor = _styles(lines), scale(unit)

    def draw():
        fig, ax = new_figure(height_in=4.2)
        fig.subplots_adjust(right=0.78)
        ends = _draw_lines(ax, rows, periods, styles, factor)
        _thin_ticks(ax, periods, most=_MAX_LONG_TICKS if _long(periods) else _MAX_TICKS)
        if target is not None:
            _draw_target(ax, float(target), unit, factor)
        ax.set_xlim(-0.3, len(periods) - 0.7)
        ax.yaxis.set_major_formatter(axis_formatter(unit))
        ax.set_ylabel(axis_title(value_label, unit))
        ax.set_title(title, loc="left", fontsize=12, weight="bold")
        _label_ends(ax, ends, styles, periods, unit, factor)
        _legend_extras(ax, rows, interval_label)
        return fig

    alt = _trend_alt_text(rows, periods, lines, value_label, unit, target, interval_label)
    return Chart(drawing=draw, alt_text=alt, data=_table(rows, factor), title=title)


def _legend_extras(ax, rows: pd.DataFrame, interval_label: str) -> None:
    """Legend below the chart: the lines, and what the shading means if drawn."""
    if _band_drawn(rows):
        ax.fill_between(
            [], [], [], color=NHS_COLOURS["mid_grey"], alpha=0.3, label=f"Shaded: {interval_label}"
        )
    legend_below(ax, ncol=3, gap_in=0.4)


def _band_drawn(rows: pd.DataFrame) -> bool:
    """True when some line has a band to shade."""
    return "lower" in rows.columns and bool(rows[["lower", "upper"]].notna().any(axis=None))


def _trend_alt_text(rows, periods, lines, value_label, unit, target, interval_label) -> str:
    text = f"Line chart of {value_label}, {_span(rows, periods)}"
    if _band_drawn(rows):
        text += f", with shaded {interval_label}s"
    sentences = [text + "."]
    if target is not None:
        sentences.append(f"The target is {format_value(float(target), unit)}.")
    sentences.append(_gaps(rows, periods, lines))
    sentences += [f"{line}." for line in _describe_lines(rows, periods, lines, unit)]
    return alt.fit(sentences)


@keyed
def small_multiples(
    series: pd.DataFrame,
    *,
    title: str,
    panels_column: str,
    value_label: str,
    unit: str = "%",
    ncols: int = 3,
) -> Chart:
    """A grid of small trend charts, one per value of ``panels_column`` (e.g. one per KPI).

    Parameters
    ----------
    series : DataFrame
        Long table as for :func:`trend_chart`, plus the column ``panels_column``
        naming each row's panel. Panels and periods are drawn in order of first
        appearance; each line keeps the same style in every panel.
    title : str
        Drawn above the grid and kept as ``Chart.title``.
    panels_column : str
        The column that names the panels, e.g. "kpi".
    value_label : str
        What the values are, for the alt text, e.g. "learners answering positively".
    unit : str, default "%"
    ncols : int, default 3
        Panels per row (fewer if there are fewer panels).

    Returns
    -------
    Chart
        ``data`` is ``series``' columns ``panels_column``, ``period``, ``line``,
        ``value`` (and ``lower``, ``upper``) in the shown unit, 1 decimal place.

    Raises
    ------
    ArgumentError
        As :func:`trend_chart`; also ``ncols`` not a whole number of 1 or more.
    """
    if not isinstance(ncols, int) or isinstance(ncols, bool) or ncols < 1:
        raise ArgumentError(f"ncols must be a whole number of 1 or more, not {ncols!r}.")
    rows = _prepare(series, [panels_column, "period", "line"])
    panels = list(pd.unique(rows[panels_column]))
    periods, lines = _periods(rows), list(pd.unique(rows["line"]))
    styles, factor = _styles(lines), scale(unit)
    ncols = min(ncols, len(panels))
    nrows = math.ceil(len(panels) / ncols)

    def draw():
        fig, first = new_figure(height_in=2.3 * nrows + 1.0)
        first.remove()  # the grid replaces new_figure's single axes
        fig.set_layout_engine("constrained")
        for i, panel in enumerate(panels):
            ax = fig.add_subplot(nrows, ncols, i + 1)
            _style_axes(ax)
            in_panel = rows[rows[panels_column] == panel]
            _draw_lines(ax, in_panel, periods, styles, factor)
            _thin_ticks(ax, periods, most=max(2, 8 // ncols + 2))
            ax.yaxis.set_major_formatter(axis_formatter(unit))
            ax.set_title(str(panel), loc="left", fontsize=10)
        handles, labels = fig.axes[0].get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="outside lower center", ncol=min(len(lines), 4), frameon=False
        )
        fig.suptitle(title, x=0.01, ha="left", fontsize=12, weight="bold")
        return fig

    alt = _panels_alt_text(rows, panels_column, panels, periods, lines, value_label, unit)
    return Chart(drawing=draw, alt_text=alt, data=_table(rows, factor), title=title)


def _panels_alt_text(rows, panels_column, panels, periods, lines, value_label, unit) -> str:
    sentences = [
        f"Small multiple line charts of {value_label}, {_span(rows, periods)}, one panel per "
        f"{panels_column} ({len(panels)} {'panel' if len(panels) == 1 else 'panels'})."
    ]
    if len(lines) > 1:
        sentences.append(f"Lines: {', '.join(map(str, lines))}.")
    for panel in panels:
        in_panel = rows[rows[panels_column] == panel]
        present = [line for line in lines if (in_panel["line"] == line).any()]
        if present:
            sentences.append(
                f"{panel}: {_describe_lines(in_panel, periods, present[:1], unit)[0]}."
            )
    return alt.fit(sentences)
