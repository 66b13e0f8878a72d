"""XmR charts drawn as Making Data Count (MDC) draws them.

:func:`xmr_chart` draws a :class:`heenb.spc.XmrResult`: the values as a grey
line with each point coloured by its special cause, the mean as a solid line
and the process limits dashed, each section of limits drawn on its own, and the
target as a red dashed line. The variation and assurance icons sit in the top
right corner, as MDC places them, and their meaning is written under the chart,
so colour never carries meaning alone.

A result made from dates (``xmr(df, value=..., date=...)``) is drawn on a real
date axis; one made with ``facet=`` (:class:`heenb.spc.XmrFacets`) is drawn as
one panel per facet, each with its icons' meaning in words above it.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.patches import Circle

from heenb.charts import alt
from heenb.charts.cache import keyed
from heenb.charts.figure import (
    MDC_COLOURS,
    NHS_COLOURS,
    Chart,
    check_fractions,
    new_figure,
    new_panels,
)
from heenb.charts.format import axis_formatter, axis_title, format_value, scale
from heenb.errors import ArgumentError
from heenb.spc import XmrFacets, XmrResult

__all__ = ["date_labels", "xmr_chart"]

_CAUSE_LABELS = {
    "": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neither": "Special cause: neither",
}
#: Icon colour and letter; the common cause icon shows a flat line of points instead.
_VARIATION_ICONS = {
    "common_cause": (MDC_COLOURS[""], ""),
    "improvement_high": (MDC_COLOURS["improvement"], "H"),
    "improvement_low": (MDC_COLOURS["improvement"], "L"),
    "concern_high": (MDC_COLOURS["concern"], "H"),
    "concern_low": (MDC_COLOURS["concern"], "L"),
    "neither_high": (MDC_COLOURS["neither"], "H"),
    "neither_low": (MDC_COLOURS["neither"], "L"),
}
_ASSURANCE_ICONS = {
    "pass": (MDC_COLOURS["improvement"], "P"),
    "fail": (MDC_COLOURS["concern"], "F"),
    "hit_or_miss": (MDC_COLOURS[""], "?"),
}
_TARGET_COLOUR = "#C00000"
_HEIGHT_IN = 5.0
#: Where the plot sits in the figure (left, bottom, width, height, as fractions):
#: the title and icons above it, the legend and the icons' meaning below, and
#: room on the right for the target's label.
_AXES_RECT = (0.09, 0.28, 0.8, 0.55)
_ICON_SIZE = (0.07, 0.11)
_MAX_TICKS = 12
_MAX_LONG_TICKS = 8  # for labels longer than 4 characters, such as "2022-01"


@keyed
def xmr_chart(
    result: XmrResult | XmrFacets,
    *,
    title: str,
    value_label: str,
    period_labels=None,
    unit: str = "",
    target: float | str | None = "result",
) -> Chart:
    """Draw an XmR chart from :func:`heenb.spc.xmr`.

    Parameters
    ----------
    result : heenb.spc.XmrResult or heenb.spc.XmrFacets
        Facets are drawn one panel each, sharing a date axis.
    title : str
        What is measured, e.g. "Nursing retention, England".
    value_label : str
        What the vertical axis shows.
    period_labels : sequence, optional
        One label per point; by default the result's dates on a date axis, else
        the index of ``result.points``, or 1, 2, ... when that is the default
        0-based index.
    unit : str
        As for every heenb chart: with ``"%"`` the values are fractions shown in
        per cent (0.842 is "84.2%"); any other unit follows the number ("12 days").
    target : float, None or "result", default "result"
        ``"result"`` draws and judges ``result.target``; a number judges and draws
        that target (in the values' unit) instead; None means no target: none is
        drawn and no assurance is given.

    Returns
    -------
    Chart
        ``data`` has one row per point: ``period``, and ``value``, ``mean``,
        ``lower`` and ``upper`` in the unit shown (per cent for "%", 1 decimal
        place) and ``special_cause`` as in ``result.points`` (and, for facets,
        the facet column first).
    """
    if isinstance(result, XmrFacets):
        if period_labels is not None:
            raise ArgumentError(
                "period_labels cannot be given for facets: each facet is labelled by its own "
                "dates. Leave period_labels out."
            )
        return _facet_chart(result, title, value_label, unit, target)
    if not (isinstance(target, str) and target == "result") and target != result.target:
        result = result.with_target(target)
    check_fractions(result.points["value"], unit, "result's values")
    periods, has_periods = _period_labels(result, period_labels)
    factor = scale(unit)
    on_dates = period_labels is None and result.date is not None
    shown = _shown(result.points, factor, result.date if on_dates else None)

    def draw():
        fig, ax = new_figure(height_in=_HEIGHT_IN)
        ax.set_position(_AXES_RECT)
        _draw_values(ax, shown)
        _draw_limits(ax, shown)
        if result.target is not None:
            _draw_target(ax, result.target, factor, unit)
        if on_dates:
            _date_axis(ax, shown["x"])
            _label_values(ax, value_label, unit)
        else:
            _label_axes(ax, shown["x"], periods, value_label, unit)
        _draw_icons(fig, result)
        _write_meaning(fig, result, title)
        return fig

    data = shown[["value", "mean", "lower", "upper", "special_cause"]].round(1)
    data.insert(0, "period", periods)
    alt_text = _alt_text(result, title, periods if has_periods else None, unit)
    return Chart(drawing=draw, alt_text=alt_text, data=data, title=title)


def _period_labels(result: XmrResult, period_labels) -> tuple[list[str], bool]:
    """Each point's label, and whether the labels name periods (rather than count 1, 2, ...)."""
    points = result.points
    if period_labels is None and result.date is not None:
        return date_labels(points[result.date]), True
    if period_labels is not None:
        labels = [str(label) for label in period_labels]
        if len(labels) != len(points):
            raise ArgumentError(
                f"period_labels must have one label per point ({len(points)}); got {len(labels)}"
            )
        return labels, True
    if points.index.equals(pd.RangeIndex(len(points))):
        return [str(position + 1) for position in range(len(points))], False
    return list(points.index.astype(str)), True


def date_labels(dates) -> list[str]:
    """Dates as a reader names them: "Jan 2024" for months, "15 Jan 2024" for days,
    periods and numbers (years) as written."""
    dates = pd.Series(dates).reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(dates):
        return [str(d) for d in dates]
    monthly = (dates.dt.day == 1).all() and (dates == dates.dt.normalize()).all()
    return [d.strftime("%b %Y" if monthly else "%d %b %Y").lstrip("0") for d in dates]


def _as_axis_dates(dates: pd.Series):
    """Dates matplotlib can place: periods become their start; numbers stay numbers."""
    if isinstance(dates.dtype, pd.PeriodDtype):
        return dates.dt.to_timestamp()
    return dates


def _shown(points: pd.DataFrame, factor: float, date: str | None = None) -> pd.DataFrame:
    """The points in the unit shown, numbered 0, 1, ... with their position ``x``
    (their date, when ``date`` names the date column)."""
    shown = points.reset_index(drop=True)
    for column in ("value", "mean", "lower", "upper"):
        shown[column] = shown[column] * factor
    shown["x"] = np.arange(len(shown)) if date is None else _as_axis_dates(shown[date])
    return shown


def _date_axis(ax, x: pd.Series) -> None:
    """A real date axis (or a number axis for years), padded by half a step each side."""
    if pd.api.types.is_datetime64_any_dtype(x):
        locator = AutoDateLocator(maxticks=_MAX_LONG_TICKS)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if len(x) > 1:
        step = (x.iloc[-1] - x.iloc[0]) / (len(x) - 1) / 2
        ax.set_xlim(x.iloc[0] - step, x.iloc[-1] + step)


def _label_values(ax, value_label: str, unit: str) -> None:
    ax.yaxis.set_major_formatter(axis_formatter(unit))
    ax.set_ylabel(axis_title(value_label, unit))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, frameon=False, fontsize=8)


# --- drawing ---------------------------------------------------------------------------


def _draw_values(ax, shown: pd.DataFrame) -> None:
    """The line and its points; on a date axis the line breaks where the dates skip more
    than twice their usual step (a gap in the series is shown as a gap)."""
    line = shown["value"]
    if pd.api.types.is_datetime64_any_dtype(shown["x"]) and len(shown) > 2:
        steps = shown["x"].diff()
        line = line.where(~(steps > 2 * steps.median()))
        if line.isna().any():  # a NaN between two points breaks the line there
            breaks = shown.loc[line.isna() & shown["value"].notna(), "x"] - steps / 2
            gap = pd.DataFrame({"x": breaks, "value": np.nan})
            joined = pd.concat([shown[["x", "value"]], gap]).sort_values("x", kind="stable")
            ax.plot(joined["x"], joined["value"], color=MDC_COLOURS[""], linewidth=1.5, zorder=2)
            line = None
    if line is not None:
        ax.plot(shown["x"], shown["value"], color=MDC_COLOURS[""], linewidth=1.5, zorder=2)
    for cause, colour in MDC_COLOURS.items():
        points = shown[shown["special_cause"] == cause]
        if not points.empty:
            ax.scatter(
                points["x"],
                points["value"],
                color=colour,
                s=28,
                zorder=3,
                label=_CAUSE_LABELS[cause],
            )


def _draw_limits(ax, shown: pd.DataFrame) -> None:
    """Mean (solid) and process limits (dashed), each section of limits on its own."""
    mean_label, limit_label = "Mean", "Process limits"
    for _, section in shown.groupby("section"):
        if section["mean"].isna().all():
            continue
        ax.plot(section["x"], section["mean"], color=NHS_COLOURS["dark_grey"], label=mean_label)
        for limit in ("lower", "upper"):
            ax.plot(
                section["x"],
                section[limit],
                color=NHS_COLOURS["mid_grey"],
                linestyle="--",
                label=limit_label,
            )
            limit_label = None
        mean_label = None


def _draw_target(ax, target: float, factor: float, unit: str) -> None:
    ax.axhline(
        target * factor, color=_TARGET_COLOUR, linestyle=(0, (6, 3)), linewidth=1.2, label="Target"
    )
    ax.annotate(
        f"Target {format_value(target, unit)}",
        xy=(1, target * factor),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        color=_TARGET_COLOUR,
        fontsize=8,
    )


def _label_axes(ax, x, periods: list[str], value_label: str, unit: str) -> None:
    most = _MAX_LONG_TICKS if max(len(label) for label in periods) > 4 else _MAX_TICKS
    step = math.ceil(len(x) / most)
    ax.set_xticks(x[::step], periods[::step])
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.yaxis.set_major_formatter(axis_formatter(unit))
    ax.set_ylabel(axis_title(value_label, unit))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, frameon=False, fontsize=8)


def _draw_icons(fig, result: XmrResult) -> None:
    """The variation icon and, when there is one, the assurance icon, top right."""
    icons = []
    if result.variation is not None:
        icons.append(("Variation", *_VARIATION_ICONS[result.variation]))
    if result.assurance is not None:
        icons.append(("Assurance", *_ASSURANCE_ICONS[result.assurance]))
    width, height = _ICON_SIZE
    right = _AXES_RECT[0] + _AXES_RECT[2]
    for slot, (name, colour, letter) in enumerate(reversed(icons)):
        left = right - (slot + 1) * (width + 0.01)
        _draw_icon(fig.add_axes((left, 0.87, width, height)), name, colour, letter)


def _draw_icon(icon, name: str, colour: str, letter: str) -> None:
    icon.set_xlim(-1, 1)
    icon.set_ylim(-1, 1)
    icon.set_aspect("equal")
    icon.axis("off")
    icon.add_patch(Circle((0, 0), 0.9, facecolor="white", edgecolor=colour, linewidth=2.5))
    if letter:
        icon.text(0, 0, letter, ha="center", va="center", color=colour, fontsize=15, weight="bold")
    else:
        icon.plot(np.linspace(-0.5, 0.5, 5), np.zeros(5), "o-", color=colour, markersize=3)
    icon.text(0, -1.05, name, ha="center", va="top", fontsize=7, color=NHS_COLOURS["dark_grey"])


def _write_meaning(fig, result: XmrResult, title: str) -> None:
    """The title, the icons' meaning in words and, without limits, why there are none."""
    left = _AXES_RECT[0]
    fig.text(left, 0.93, title, fontsize=12, weight="bold", va="bottom")
    meaning = f"{result.variation_text}.\n{result.assurance_text}."
    fig.text(left, 0.02, meaning, fontsize=9, va="bottom", color=NHS_COLOURS["black"])
    if result.variation is None:
        fig.text(
            left,
            0.88,
            f"Too few points for process limits ({result.limit_points} of {result.min_points})",
            va="bottom",
            color=NHS_COLOURS["dark_grey"],
        )


# --- facets ----------------------------------------------------------------------------


def _facet_chart(result: XmrFacets, title: str, value_label: str, unit: str, target) -> Chart:
    """One panel per facet, sharing the date axis; each panel's icons in words above it."""
    if not (isinstance(target, str) and target == "result"):
        result = result.with_target(target)
    factor = scale(unit)
    names = list(result)
    columns = 1 if len(names) <= 3 else 2 if len(names) <= 8 else 3
    facets, tables, texts = [], [], []
    for name in names:
        one = result[name]
        check_fractions(one.points["value"], unit, f"facet {name!r}'s values")
        shown = _shown(one.points, factor, one.date)
        facets.append((name, one, shown))
        periods, has_periods = _period_labels(one, None)
        data = shown[["value", "mean", "lower", "upper", "special_cause"]].round(1)
        data.insert(0, "period", periods)
        data.insert(0, result.facet, name)
        tables.append(data)
        texts.append(_facet_alt_text(one, name, periods if has_periods else None, unit))

    def draw():
        fig, axes = new_panels(len(names), panel_height_in=2.4 if columns == 1 else 2.0,
                               columns=columns)  # fmt: skip
        fig.suptitle(title, x=0.02, ha="left", fontsize=12, weight="bold")
        for ax, (name, one, shown) in zip(axes, facets, strict=True):
            _draw_values(ax, shown)
            _draw_limits(ax, shown)
            if one.target is not None:
                _draw_target(ax, one.target, factor, unit)
            if one.date is not None:
                _date_axis(ax, shown["x"])
            ax.yaxis.set_major_formatter(axis_formatter(unit))
            ax.set_ylabel(axis_title(value_label, unit), fontsize=8)
            ax.set_title(
                textwrap.fill(f"{name}: {one.variation_text}. {one.assurance_text}.",
                              width=110 // columns),
                loc="left",
                fontsize=8.5,
            )  # fmt: skip
        handles = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        fig.legend(
            handles.values(),
            handles.keys(),
            loc="outside lower center",
            ncol=4,
            frameon=False,
            fontsize=8,
        )
        return fig

    sentences = [
        f"XmR charts of {title}, one panel for each of {len(names)} values of {result.facet}.",
        *texts,
    ]
    if len(" ".join(sentences)) > alt.LIMIT:  # not every facet's sentence fits: all in brief
        sentences.insert(1, _facets_in_brief(result))
    alt_text = alt.fit(sentences)
    return Chart(
        drawing=draw, alt_text=alt_text, data=pd.concat(tables, ignore_index=True), title=title
    )


#: How the latest point of a facet is told in the summary sentence, by variation icon.
_BRIEF = {
    "concern_high": "special cause of concern",
    "concern_low": "special cause of concern",
    "improvement_high": "special cause of improvement",
    "improvement_low": "special cause of improvement",
    "neither_high": "special cause (neither better nor worse)",
    "neither_low": "special cause (neither better nor worse)",
    "common_cause": "common cause variation",
}


def _facets_in_brief(result: XmrFacets) -> str:
    """Every facet in one sentence: those with special cause at their latest point named,
    the rest counted, so a screen reader hears about each facet."""
    groups: dict[str, list] = {}
    for name in result:
        icon = result[name].variation
        groups.setdefault(_BRIEF.get(icon, "too few points for limits"), []).append(name)
    parts = []
    for words, names in sorted(groups.items(), key=lambda g: g[0] == "common cause variation"):
        if words.startswith("special cause"):
            parts.append(f"{words} in {', '.join(str(n) for n in names)}")
        else:
            parts.append(f"{words} in {len(names)}")
    return "Latest points: " + "; ".join(parts) + "."


def _facet_alt_text(result: XmrResult, name, periods, unit: str) -> str:
    """One facet in brief: its latest value and its variation."""
    latest = result.points.iloc[-1]
    when = f" in {periods[-1]}" if periods else ""
    value = f"{name}: latest value {format_value(latest['value'], unit)}{when}"
    if result.variation is None:
        return f"{value}; too few points for process limits."
    return f"{value}; {result.variation_text[:1].lower()}{result.variation_text[1:]}."


# --- words -----------------------------------------------------------------------------


def _alt_text(result: XmrResult, title: str, periods: list[str] | None, unit: str) -> str:
    """What the chart shows and its key finding, in plain sentences."""
    latest = result.points.iloc[-1]
    count = len(result.points)
    span = f" from {periods[0]} to {periods[-1]}" if periods else ""
    when = f" in {periods[-1]}" if periods else ""
    shown = f"XmR chart of {title}{span}, {count} point{'s' if count > 1 else ''}."
    latest_value = f"Latest value {format_value(latest['value'], unit)}{when}"
    if result.variation is None:
        return alt.fit(
            [
                shown,
                f"{latest_value}; too few points for process limits "
                f"({result.limit_points} of {result.min_points}), so variation and assurance "
                "are not assessed.",
            ]
        )
    section = "in the latest section, " if latest["section"] > 0 else ""
    lower, upper = (format_value(latest[limit], unit) for limit in ("lower", "upper"))
    return alt.fit(
        [
            shown,
            f"{latest_value}; {section}mean {format_value(latest['mean'], unit)}, "
            f"process limits {lower} to {upper}.",
            f"{result.variation_text}.",
            f"{result.assurance_text}.",
        ]
    )
