"""Funnel plot: each area's proportion against its size, with 95% and 99.8% limits.

Draws the table from :func:`heenb.funnel.proportion_limits` (one row per area)
and the smooth limit curves from :func:`heenb.funnel.limit_curves`. An area
outside the 99.8% limits is marked by colour *and* marker shape (triangle up
above, triangle down below) and labelled with its name, so colour is never the
only carrier of meaning.

Given the measure's ``improvement`` direction, points are coloured by what they
mean, as Making Data Count colours SPC charts (the same palette,
:data:`heenb.charts.figure.MDC_COLOURS`): blue for better than expected,
orange for worse, grey within the limits, purple outside them where neither
direction is better; the legend and alt text say which in words. Without it,
points are coloured by side (the colouring before ``improvement`` existed).
"""

from __future__ import annotations

import pandas as pd

from heenb.charts import alt
from heenb.charts.cache import keyed
from heenb.charts.figure import MDC_COLOURS, NHS_COLOURS, Chart, new_figure
from heenb.charts.format import (
    axis_formatter,
    axis_title,
    format_value,
    legend_below,
    require_frame,
    scale,
)
from heenb.errors import ArgumentError
from heenb.funnel import limit_curves

__all__ = ["funnel_chart"]

_LIMITS = ["lower95", "upper95", "lower998", "upper998"]
_REQUIRED = ["numerator", "denominator", "proportion", "target", *_LIMITS, "z", "outlier"]

#: How each outlier status is drawn without an improvement direction: legend label,
#: marker, colour (by side, not by meaning).
_POINT_STYLES = {
    "": ("Within the 99.8% limits (circle)", "o", NHS_COLOURS["blue"]),
    "high": ("Above the 99.8% limit (triangle up)", "^", NHS_COLOURS["dark_red"]),
    "low": ("Below the 99.8% limit (triangle down)", "v", NHS_COLOURS["aqua_green"]),
}
#: What lying above ("high") or below ("low") the limits means, by improvement direction.
VERDICTS = {
    "higher": {"high": "better", "low": "worse"},
    "lower": {"high": "worse", "low": "better"},
    "neither": {"high": "", "low": ""},
}
#: Verdicts in words, as the legend and alt text give them.
VERDICT_WORDS = {"better": "Better than expected", "worse": "Worse than expected"}
_VERDICT_COLOURS = {
    "better": MDC_COLOURS["improvement"],
    "worse": MDC_COLOURS["concern"],
    "": MDC_COLOURS["neither"],
}
_SIDE_WORDS = {"high": "above the 99.8% limit", "low": "below the 99.8% limit"}
_SHAPES = {"high": ("^", "triangle up"), "low": ("v", "triangle down")}
_LINE_COLOUR = NHS_COLOURS["dark_grey"]


def point_styles(improvement: str | None = None) -> dict[str, tuple[str, str, str]]:
    """How each outlier status ("", "high", "low") is drawn: legend label, marker, colour.

    With ``improvement`` ("higher", "lower" or "neither"), by meaning in Making Data
    Count's colours; with None, by side (crimson above, teal below).
    """
    improvement = _check_improvement(improvement)
    if improvement is None:
        return dict(_POINT_STYLES)
    styles = {"": ("Within limits (circle)", "o", MDC_COLOURS[""])}
    for side in ("high", "low"):
        verdict = VERDICTS[improvement][side]
        marker, shape = _SHAPES[side]
        where = _SIDE_WORDS[side]
        label = f"{VERDICT_WORDS[verdict]}: {where}" if verdict else where.capitalize()
        styles[side] = (f"{label} ({shape})", marker, _VERDICT_COLOURS[verdict])
    return styles


def _check_improvement(improvement) -> str | None:
    """The direction as a string; an enum member (``Measure.direction``) gives its value."""
    improvement = getattr(improvement, "value", improvement)
    if improvement is not None and improvement not in VERDICTS:
        raise ArgumentError(
            f"improvement must be 'higher', 'lower' or 'neither' (which direction is better), "
            f"or None; got {improvement!r}."
        )
    return improvement


@keyed
def funnel_chart(
    limits: pd.DataFrame,
    curves: pd.DataFrame | None = None,
    *,
    title: str,
    value_label: str,
    unit: str = "%",
    label_outliers: bool = True,
    denominator_label: str = "Denominator",
    reference_label: str = "England",
    unit_name: str | tuple[str, str] | None = None,
    highlight: str | None = None,
    improvement: str | None = None,
) -> Chart:
    """Funnel plot of a proportion across areas.

    Parameters
    ----------
    limits : DataFrame
        From :func:`heenb.funnel.proportion_limits`: one row per area, indexed by
        the area's name, with columns ``numerator``, ``denominator``,
        ``proportion``, ``target``, ``lower95``, ``upper95``, ``lower998``,
        ``upper998`` (fractions), ``z`` and ``outlier`` ("high", "low" or "");
        ``attrs`` may hold ``target``, ``tau2`` and ``phi``.
    curves : DataFrame, optional
        From :func:`heenb.funnel.limit_curves`: columns ``denominator`` and the
        four limits. By default built over 0.8 times the smallest to 1.1 times
        the largest denominator.
    title : str
        Drawn above the chart and kept as ``Chart.title``.
    value_label : str
        What the proportion is, e.g. "learners rating training good or better".
    unit : str, default "%"
        "%" draws proportions in per cent; any other unit draws them as given.
    label_outliers : bool, default True
        Write each outlier's name beside its point.
    denominator_label : str, default "Denominator"
        The x axis title, e.g. "Number of respondents".
    reference_label : str, default "England"
        What the target (the pooled rate of all areas) is called in the legend
        and alt text.
    unit_name : str or (str, str), optional
        What one unit is called in the alt text ("trust", or ("trust", "trusts")
        for an irregular plural); by default the name of the table's index
        ("local_office" reads "local office(s)"), else "area".
    highlight : str, optional
        The name (index label) of one unit to ring and label, e.g. the area a
        page is about, so a reader finds it; the alt text says where it lies.
    improvement : {"higher", "lower", "neither"}, optional
        Which direction of the measure is better (the KPI's ``improvement``, or
        an enum member whose value is one of these, e.g. ``Measure.direction``).
        Given, points are coloured by meaning in Making Data Count's colours:
        blue "better than expected", orange "worse than expected", grey
        "within limits", purple outside the limits for "neither"; the legend and
        alt text name the better and worse units. Omitted (None), points are
        coloured by side, crimson above and teal below, as before.

    Returns
    -------
    Chart
        ``data`` has one row per area: ``area``, ``numerator``, ``denominator``,
        then ``proportion``, ``target`` and the four limits in the shown unit
        (per cent when ``unit`` is "%"), 2 decimal places, ``z`` (2 decimal
        places) and ``outlier``.

    Raises
    ------
    ArgumentError
        ``limits`` is not a DataFrame, is empty or lacks a column; ``curves``
        lacks a column; ``improvement`` is not one of the directions.
    """
    improvement = _check_improvement(improvement)
    require_frame(limits, "limits", _REQUIRED)
    target = float(limits.attrs.get("target", limits["target"].iloc[0]))
    tau2 = float(limits.attrs.get("tau2", 0.0))
    if curves is not None:
        require_frame(curves, "curves", ["denominator", *_LIMITS])
        curves = curves.copy()
    factor = scale(unit)
    drawn = limits.copy()  # drawn when the figure is first needed, from the table as it is now

    def draw():
        fig, ax = new_figure(height_in=4.5)
        limit_curves = curves
        if limit_curves is None:
            method = drawn.attrs.get("method", "exact")
            limit_curves = _default_curves(drawn, target, tau2, method)
        _draw_curves(ax, limit_curves, target, factor, reference_label, unit)
        _draw_points(ax, drawn, factor, point_styles(improvement))
        if highlight is not None and highlight in drawn.index:
            _draw_highlight(ax, drawn, highlight, factor)
        ax.set_xlabel(denominator_label)
        ax.set_ylabel(axis_title(value_label, unit))
        ax.yaxis.set_major_formatter(axis_formatter(unit))
        ax.xaxis.set_major_formatter(axis_formatter(""))
        ax.set_title(title, loc="left", fontsize=12, weight="bold")
        legend_below(ax)
        if label_outliers:
            _label_outliers(ax, drawn, factor)
        return fig

    shown = highlight if highlight is not None and highlight in limits.index else None
    names = _names(limits, unit_name)
    sentences = _alt_sentences(
        limits, target, value_label, unit, reference_label, names, improvement, shown
    )
    if shown is not None and not (improvement and limits.loc[shown, "outlier"]):
        row = limits.loc[shown]
        where = _SIDE_WORDS.get(str(row["outlier"] or ""), "within the limits")
        sentences.append(
            f"{shown} (highlighted): {format_value(row['proportion'], unit)}, {where}."
        )
    sentences += _overdispersion_sentences(limits, tau2, _names(limits, unit_name))
    alt_text = alt.fit(sentences)
    return Chart(drawing=draw, alt_text=alt_text, data=_table(limits, factor), title=title)


def _default_curves(
    limits: pd.DataFrame, target: float, tau2: float, method: str = "exact"
) -> pd.DataFrame:
    """Limit curves from 0.8 x the smallest to 1.1 x the largest denominator, by the
    method that judged the table (``attrs["method"]``; exact when not said)."""
    denominators = limits["denominator"].astype(float)
    span = (0.8 * float(denominators.min()), 1.1 * float(denominators.max()))
    return limit_curves(target, tau2, span, points=200, method=method)


def _draw_curves(ax, curves, target: float, factor: float, reference_label: str, unit: str) -> None:
    """Target line, 95% limits dashed, 99.8% limits solid."""
    x = curves["denominator"].to_numpy(dtype=float)
    ax.axhline(
        target * factor,
        color=NHS_COLOURS["black"],
        linewidth=1.2,
        label=f"{reference_label} rate ({format_value(target, unit)})",
    )
    for level, style in (("95", "--"), ("998", "-")):
        label = "95% limits (dashed)" if level == "95" else "99.8% limits (solid)"
        for i, side in enumerate(("lower", "upper")):
            ax.plot(
                x,
                curves[f"{side}{level}"].to_numpy(dtype=float) * factor,
                linestyle=style,
                color=_LINE_COLOUR,
                linewidth=1,
                label=label if i == 0 else None,
            )


def _draw_points(ax, limits: pd.DataFrame, factor: float, styles: dict) -> None:
    """One scatter per outlier status (so the legend shows each marker)."""
    status = limits["outlier"].fillna("").astype(str)
    for key, (label, marker, colour) in styles.items():
        rows = limits[status == key]
        if rows.empty:
            continue
        ax.scatter(
            rows["denominator"].astype(float),
            rows["proportion"].astype(float) * factor,
            marker=marker,
            s=46 if key else 30,
            color=colour,
            edgecolors="white",
            linewidths=0.5,
            zorder=3,
            label=label,
        )


def _label_outliers(ax, limits: pd.DataFrame, factor: float) -> None:
    """Each outlier's name beside its point, placed once the chart's layout is known (the
    figure laid out without rendering), so the labels' boxes can be kept apart."""
    status = limits["outlier"].fillna("").astype(str)
    if not (status != "").any():
        return
    ax.figure.draw_without_rendering()
    for key in ("high", "low"):
        for name, x, y, offset in _label_places(ax, limits[status == key], factor, key):
            moved = abs(offset) > _LABEL_STEP  # a line leads from a moved label
            ax.annotate(
                str(name),
                (x, y),
                xytext=(6, offset),
                textcoords="offset points",
                fontsize=8,
                color=NHS_COLOURS["black"],
                arrowprops={"arrowstyle": "-", "color": NHS_COLOURS["mid_grey"],
                            "linewidth": 0.6} if moved else None,
            )  # fmt: skip


#: Points a label moves when it would overlap another; the width, in points, of a
#: character of an 8-point label (a little over DejaVu Sans' average, to be safe).
_LABEL_STEP, _CHARACTER, _LINE = 10.0, 5.0, 10.0


def _label_places(ax, rows: pd.DataFrame, factor: float, key: str):
    """(name, x, y, vertical offset in points) for each outlier's label, each moved
    upwards above the funnel (downwards below it) until its box clears every label placed
    before it, so no two collide; the boxes are estimated from the axes' size and limits
    as the curves and points set them."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    points_per_inch = 72 / ax.figure.dpi
    width, height = ax.bbox.width * points_per_inch, ax.bbox.height * points_per_inch
    step = _LABEL_STEP if key == "high" else -_LABEL_STEP
    placed: list[tuple[float, float, float, float]] = []
    ordered = rows.sort_values("proportion", ascending=key != "high")
    for name, row in ordered.iterrows():
        x, y = float(row["denominator"]), float(row["proportion"]) * factor
        left = (x - x0) / ((x1 - x0) or 1) * width + 6
        bottom = (y - y0) / ((y1 - y0) or 1) * height
        right = left + _CHARACTER * len(str(name))
        offset = 4.0 if key == "high" else -10.0
        while any(
            left < their_right
            and their_left < right
            and bottom + offset < their_top
            and their_bottom < bottom + offset + _LINE
            for their_left, their_bottom, their_right, their_top in placed
        ):
            offset += step
        placed.append((left, bottom + offset, right, bottom + offset + _LINE))
        yield name, x, y, offset


def _draw_highlight(ax, limits: pd.DataFrame, name: str, factor: float) -> None:
    """A black ring round one unit's point, with its name in bold."""
    row = limits.loc[name]
    x, y = float(row["denominator"]), float(row["proportion"]) * factor
    ax.scatter([x], [y], s=160, facecolors="none", edgecolors=NHS_COLOURS["black"],
               linewidths=1.8, zorder=4, label=f"{name} (ringed)")  # fmt: skip
    ax.annotate(name, (x, y), xytext=(8, -12), textcoords="offset points", fontsize=9,
                weight="bold", color=NHS_COLOURS["black"])  # fmt: skip


#: Short column words read out in full when a unit is named after its column.
_SPELLED = {"org": "organisation", "orgs": "organisations", "trust": "trust", "ics": "ICS",
            "stp": "STP", "ccg": "CCG", "icb": "ICB"}  # fmt: skip


def _unit_from_column(column) -> str:
    """What one unit is called, from the group column's name: ``ORG_NAME`` reads
    "organisation", ``trust_code`` "trust", ``local_office`` "local office"; else "area"."""
    if not column:
        return "area"
    words = str(column).lower().replace("_", " ").split()
    if len(words) > 1 and words[-1] in ("name", "code", "id"):
        words = words[:-1]
    return " ".join(_SPELLED.get(word, word) for word in words) or "area"


def _names(limits: pd.DataFrame, unit_name) -> tuple[str, str]:
    """(singular, plural) of what a unit is called."""
    if isinstance(unit_name, tuple) and len(unit_name) == 2:
        return str(unit_name[0]), str(unit_name[1])
    if unit_name is None:
        unit_name = _unit_from_column(limits.index.name)
    unit_name = str(unit_name)
    if unit_name.endswith("y") and not unit_name.endswith(("ay", "ey", "oy")):
        return unit_name, unit_name[:-1] + "ies"
    return unit_name, unit_name if unit_name.endswith("s") else unit_name + "s"


def _alt_sentences(
    limits, target, value_label, unit, reference_label, names, improvement=None, highlight=None
) -> list:
    """What the funnel shows: how many units, the reference rate and which lie outside
    (with an improvement direction, which are worse and which better than expected, the
    highlighted unit marked among them with its value)."""
    n = len(limits)
    one, many = names
    areas = one if n == 1 else many
    sentences = [
        f"Funnel plot of {value_label} for {n} {areas} against the {reference_label} rate of "
        f"{format_value(target, unit)}."
    ]
    outside = _outliers_in_order(limits)
    if not outside:
        within = f"All {n} {areas} lie within the 99.8% limits."
        if improvement in ("higher", "lower"):
            within = within[:-1] + ": none is better or worse than expected."
        return [*sentences, within]
    if improvement and highlight is not None:
        value = format_value(limits.loc[highlight, "proportion"], unit)
        outside = [
            (f"{name} (highlighted, {value})" if name == str(highlight) else name, status)
            for name, status in outside
        ]
    if improvement in ("higher", "lower"):
        for verdict in ("worse", "better"):
            side = next(s for s, v in VERDICTS[improvement].items() if v == verdict)
            named = [name for name, status in outside if status == side]
            if named:
                listed = ", ".join(named)
                if len(listed) > 120:  # many: the count, the first few; the rest in the table
                    listed = f"{len(named)} {many}, among them {', '.join(named[:2])}"
                sentences.append(f"{VERDICT_WORDS[verdict]} ({_SIDE_WORDS[side]}): {listed}.")
        return sentences
    k = len(outside)
    verb = f"{one} lies" if k == 1 else f"{many} lie"
    named = ", ".join(f"{name} ({status})" for name, status in outside)
    sentences.append(f"{k} {verb} outside the 99.8% limits: {named}.")
    if improvement == "neither":
        sentences.append("Neither direction is better for this measure.")
    return sentences


def _overdispersion_sentences(limits, tau2, names) -> list:
    """Whether the limits are widened for overdispersion, in words."""
    _, many = names
    sentences = []
    if tau2 > 0:
        phi = limits.attrs.get("phi")
        ratio = f" (overdispersion ratio {phi:.1f})" if phi is not None else ""
        sentences.append(
            f"The limits are widened for overdispersion{ratio}: the {many} vary more than "
            "chance alone would explain."
        )
    return sentences


def _outliers_in_order(limits: pd.DataFrame) -> list[tuple[str, str]]:
    """(name, "high"/"low") for each outlier, highest first then lowest first."""
    status = limits["outlier"].fillna("").astype(str)
    z = limits["z"].astype(float)
    high = z[status == "high"].sort_values(ascending=False)
    low = z[status == "low"].sort_values()
    return [(str(name), "high") for name in high.index] + [(str(name), "low") for name in low.index]


def _table(limits: pd.DataFrame, factor: float) -> pd.DataFrame:
    """The drawn figures: area name as a column, proportions in the shown unit, rounded."""
    table = limits[_REQUIRED].copy()
    for column in ["proportion", "target", *_LIMITS]:
        table[column] = (table[column].astype(float) * factor).round(2)
    table["z"] = table["z"].astype(float).round(2)
    table["outlier"] = table["outlier"].fillna("").astype(str)
    for column in ["numerator", "denominator"]:
        counts = table[column].astype(float)
        if counts.notna().all() and (counts % 1 == 0).all():
            table[column] = counts.astype("int64")
    name = limits.index.name or "area"
    table.index = table.index.rename(name)
    return table.reset_index()
