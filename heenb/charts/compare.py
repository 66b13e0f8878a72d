"""Dot chart comparing areas on one measure, each with its interval, against England.

Areas run down the y axis (so their names stay readable), highest value at the
top; each value is a dot with a horizontal bar for its interval, and the
reference value (usually England) is a vertical line. An area whose figure is
withheld by disclosure control keeps its row, showing the word "withheld" and
never a value: not on the chart, not in ``Chart.data``, not in the alt text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from heenb.charts import alt
from heenb.charts.cache import keyed
from heenb.charts.figure import NHS_COLOURS, Chart, check_fractions, new_figure
from heenb.charts.format import (
    MISSING,
    RATIO,
    WITHHELD,
    axis_formatter,
    axis_title,
    format_value,
    legend_below,
    numbers,
    require_frame,
    scale,
)
from heenb.errors import ArgumentError

__all__ = ["comparison_chart"]

_DOT = NHS_COLOURS["blue"]
_REFERENCE = NHS_COLOURS["black"]


@keyed
def comparison_chart(
    table: pd.DataFrame,
    *,
    title: str,
    value_label: str,
    unit: str = "%",
    reference: float | None = None,
    reference_label: str = "England",
    interval_label: str = "95% confidence interval",
    verdict: str | None = None,
) -> Chart:
    """Dot chart of areas sorted by value, with interval bars and a reference line.

    Parameters
    ----------
    table : DataFrame
        One row per area: ``area`` (its name), ``value``, ``lower`` and ``upper``
        (fractions when ``unit`` is "%"; ``lower``/``upper`` may be blank, then
        no bar is drawn), and optionally ``withheld`` (True where disclosure
        control withholds the figure). A withheld row's numbers are ignored; a
        row that is not withheld but has no value is shown as "no data".
    title : str
        Drawn above the chart and kept as ``Chart.title``.
    value_label : str
        What the value is, e.g. "learners rating training good or better".
    unit : str, default "%"
        "%" shows fractions in per cent; any other unit shows values as given.
    reference : float, optional
        The value to compare against (e.g. England's), in the same unit as ``value``.
    reference_label : str, default "England"
    interval_label : str, default "95% confidence interval"
        What the bars are, for the legend and alt text.
    verdict : str, optional
        How the page decides whether an area stands out (e.g. "the 99.8% funnel
        limits"). Then ``table`` needs an ``outlier`` column ("high", "low", or
        "" within limits, as :func:`heenb.figures.kpis.compare` gives) and the
        alt text states that verdict, not which intervals exclude the
        reference, so the chart says what the page's table and sentences say.

    Returns
    -------
    Chart
        ``data`` has one row per area in the order drawn (top to bottom):
        ``area``, ``value``, ``lower``, ``upper`` in the shown unit (per cent when
        ``unit`` is "%") to 1 decimal place, blank where withheld or missing,
        and ``withheld``.

    Raises
    ------
    ArgumentError
        ``table`` is not a DataFrame, is empty, lacks a column or has non-numeric
        values; ``reference`` is not a number; with ``unit="%"``, a value above
        2 (200%), taken to be per cent rather than a fraction.
    """
    rows = _prepare(table, verdict is not None)
    if reference is not None:
        reference = _reference(reference)
    check_fractions(rows[["value", "lower", "upper"]].to_numpy().ravel(), unit, "table")
    check_fractions([reference], unit, "reference")
    factor = scale(unit)

    def draw():
        fig, ax = new_figure(height_in=max(2.5, 0.32 * len(rows) + 1.4))
        _draw_rows(ax, rows, factor, interval_label)
        if reference is not None:
            label = f"{reference_label} {format_value(reference, unit)}"
            _draw_reference(ax, reference * factor, label)
        ax.set_yticks(np.arange(len(rows)), rows["area"].astype(str))
        ax.set_ylim(len(rows) - 0.5, -0.5 - (0.6 if reference is not None else 0))
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_formatter(axis_formatter(unit))
        ax.set_xlabel(axis_title(value_label, unit))
        ax.set_title(title, loc="left", fontsize=12, weight="bold")
        if rows["value"].notna().any():
            legend_below(ax)
        return fig

    alt = _alt_text(rows, value_label, unit, reference, reference_label, interval_label, verdict)
    return Chart(drawing=draw, alt_text=alt, data=_table(rows, factor, unit), title=title)


def _prepare(table: pd.DataFrame, with_verdict: bool = False) -> pd.DataFrame:
    """Checked rows sorted for drawing: highest value first, withheld and missing last."""
    require_frame(table, "table", ["area", "value", "lower", "upper"])
    if with_verdict:
        require_frame(table, "table", ["outlier"])
    rows = pd.DataFrame({"area": table["area"].astype(str).to_numpy()})
    rows["outlier"] = table["outlier"].fillna("").astype(str).to_numpy() if with_verdict else ""
    for column in ("value", "lower", "upper"):
        rows[column] = numbers(table, column, "table")
    if "withheld" in table.columns:
        rows["withheld"] = table["withheld"].fillna(False).astype(bool).to_numpy()
    else:
        rows["withheld"] = False
    rows.loc[rows["withheld"], ["value", "lower", "upper"]] = np.nan
    order = np.lexsort((rows["area"], -rows["value"].fillna(-np.inf), rows["withheld"]))
    return rows.iloc[order].reset_index(drop=True)


def _reference(reference) -> float:
    """``reference`` as a float, or an ArgumentError."""
    try:
        value = float(reference)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"reference must be a number, not {reference!r}.") from exc
    if np.isnan(value):
        raise ArgumentError("reference is missing (NaN); give a number or leave it out.")
    return value


def _draw_rows(ax, rows: pd.DataFrame, factor: float, interval_label: str) -> None:
    """Interval bars and dots for areas with a value; a word for the others."""
    y = np.arange(len(rows))
    shown = rows["value"].notna().to_numpy()
    value = rows["value"].to_numpy() * factor
    lower = rows["lower"].to_numpy() * factor
    upper = rows["upper"].to_numpy() * factor
    bars = shown & ~np.isnan(lower) & ~np.isnan(upper)
    if bars.any():
        ax.hlines(
            y[bars],
            lower[bars],
            upper[bars],
            color=NHS_COLOURS["mid_grey"],
            linewidth=2,
            label=interval_label,
        )
    if shown.any():
        ax.plot(
            value[shown],
            y[shown],
            "o",
            color=_DOT,
            markersize=6,
            zorder=3,
            label="Area value (dot)",
        )
    note = blended_transform_factory(ax.transAxes, ax.transData)
    for position in y[~shown]:
        word = WITHHELD if rows["withheld"].iloc[position] else MISSING
        ax.text(
            0.01,
            position,
            word,
            transform=note,
            va="center",
            fontsize=9,
            style="italic",
            color=NHS_COLOURS["dark_grey"],
        )
    if not shown.any():
        ax.set_xticks([])


def _draw_reference(ax, x: float, label: str) -> None:
    """A vertical line at the reference value, labelled at the top."""
    ax.axvline(x, color=_REFERENCE, linewidth=1.2, linestyle="--", zorder=2)
    ax.text(
        x,
        -0.75,
        label,
        ha="center",
        va="center",
        fontsize=9,
        color=_REFERENCE,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
    )


def _alt_text(
    rows, value_label, unit, reference, reference_label, interval_label, verdict=None
) -> str:
    """Which areas stand out (or which intervals exclude the reference), withheld areas,
    highest and lowest, areas without data: in that order, as many as fit."""
    shown = rows[rows["value"].notna()]
    n = len(rows)
    text = f"Dot chart of {value_label} for {n} {'area' if n == 1 else 'areas'}"
    sentences = [text + (f", with {interval_label}s." if rows["lower"].notna().any() else ".")]
    if verdict is not None:
        if reference is not None:
            sentences.append(f"The {reference_label} value is {format_value(reference, unit)}.")
        sentences.append(_verdict_text(shown, verdict))
    elif reference is not None:
        sentences.append(_against_reference(shown, reference, reference_label, unit))
    withheld = rows.loc[rows["withheld"], "area"].tolist()
    if withheld:
        sentences.append(
            f"{len(withheld)} {'area is' if len(withheld) == 1 else 'areas are'} withheld to "
            f"protect confidentiality: {', '.join(withheld)}."
        )
    if not shown.empty:
        top, bottom = shown.iloc[0], shown.iloc[-1]
        sentences.append(
            f"Highest: {top['area']} at {format_value(top['value'], unit)}; lowest: "
            f"{bottom['area']} at {format_value(bottom['value'], unit)}."
        )
    missing = rows.loc[rows["value"].isna() & ~rows["withheld"], "area"].tolist()
    if missing:
        sentences.append(
            f"{len(missing)} {'area has' if len(missing) == 1 else 'areas have'} no data: "
            + ", ".join(missing)
            + "."
        )
    return alt.fit(sentences)


def _against_reference(shown: pd.DataFrame, reference: float, label: str, unit: str) -> str:
    """How many intervals lie wholly above or below the reference, and whose."""
    has_interval = shown.dropna(subset=["lower", "upper"])
    above = has_interval.loc[has_interval["lower"] > reference, "area"].tolist()
    below = has_interval.loc[has_interval["upper"] < reference, "area"].tolist()
    k, m = len(above) + len(below), len(has_interval)
    text = f"The {label} value is {format_value(reference, unit)}"
    if m == 0:
        return text + "."
    text += f"; {k} of {m} intervals exclude it"
    sides = ((above, "above"), (below, "below"))
    parts = [f"{', '.join(names)} ({where})" for names, where in sides if names]
    return text + (": " + "; ".join(parts) + "." if parts else ".")


def _verdict_text(shown: pd.DataFrame, verdict: str) -> str:
    """Which areas lie beyond the page's limits (the verdict of the page, in words)."""
    above = shown.loc[shown["outlier"] == "high", "area"].tolist()
    below = shown.loc[shown["outlier"] == "low", "area"].tolist()
    if not above and not below:
        return f"All {len(shown)} shown lie within {verdict}."
    sides = ((above, "above"), (below, "below"))
    parts = [f"{', '.join(names)} ({where})" for names, where in sides if names]
    return f"Beyond {verdict}: " + "; ".join(parts) + "."


def _table(rows: pd.DataFrame, factor: float, unit: str) -> pd.DataFrame:
    """The drawn figures in the shown unit; withheld rows have no numbers."""
    table = rows.copy()
    for column in ("value", "lower", "upper"):
        table[column] = (table[column] * factor).round(2 if unit == RATIO else 1)
    return table[["area", "value", "lower", "upper", "withheld"]]
