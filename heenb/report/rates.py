"""The section a page gives a rate measure on a published source, for one area.

For England, a region or an ICS: the latest published figure and where it comes from;
the XmR chart of the monthly series, with limits recalculated at the KPI's change points
and the gap between publications shown as a gap; then the areas one level down (regions,
ICSs, organisations) in the latest month that has numerators and denominators, each with
its rate and Laney p' verdict, and their funnel (from :data:`FUNNEL_FEWEST` areas). Every
word comes from the KPI's row, the source's declaration and the figures
(:mod:`heenb.figures.rates`).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from heenb import formatting
from heenb.charts.funnel import funnel_chart
from heenb.charts.xmr import xmr_chart
from heenb.data.catalogue import Catalogue
from heenb.figures import rates
from heenb.figures.kpis import change_points
from heenb.figures.measure import Measure
from heenb.pprime import laney_curves
from heenb.report import blocks
from heenb.report.blocks import Block

#: Fewest areas a funnel plot is drawn for; with fewer (a region's ICSs), the table says it.
FUNNEL_FEWEST = 12

#: What the areas one level down are called, by level.
CHILDREN = {"region": ("region", "regions"), "ics": ("ICS", "ICSs"),
            "organisation": ("organisation", "organisations")}  # fmt: skip


def month(period: str) -> str:
    """``2023-01`` as ``January 2023``."""
    return pd.Period(period, freq="M").strftime("%B %Y")


def measure_section(catalogue: Catalogue, kpi: pd.Series, level: str, code: str,
                    name: str) -> Block:  # fmt: skip
    """The rate KPI ``kpi`` for the area ``code`` at ``level`` (``england``, ``region``,
    ``ics``), called ``name``; a sentence saying so where the source has no figures there."""
    title = f"{kpi['short_name']}, {name}"
    rows = rates.series(kpi, level, code)
    if rows.empty:
        return blocks.heading(kpi["short_name"]) + blocks.no_data(
            title, f"{rates.source(kpi).title} gives no figures for {name}."
        )
    summary = _summary(catalogue, kpi, rows, name)
    parts = [blocks.heading(kpi["short_name"]), blocks.paragraph(summary)]
    result = rates.xmr_of(catalogue, kpi, rows)
    chart = xmr_chart(result, title=title, value_label=kpi["short_name"], unit="%")
    parts.append(blocks.figure(chart, f"{title}, by month: XmR chart"))
    parts.append(_breakdown(catalogue, kpi, level, code, name))
    parts.append(_children(kpi, level, code, name))
    parts.append(blocks.paragraph(f"Source: {rates.source(kpi).provenance}", "heenb-source"))
    return blocks.join(parts)


def latest_sentence(kpi: pd.Series, level: str, code: str, name: str) -> str | None:
    """One main point: the area's latest published rate, with its month; None without one."""
    rows = rates.series(kpi, level, code)
    if rows.empty:
        return None
    last = rows.iloc[-1]
    return (
        f"{kpi['short_name']}, {name}: {formatting.percent(last['value'], 2)} in "
        f"{month(last['period'])} ({last['publication']}; published statistics)."
    )


def _below(kpi: pd.Series, level: str, code: str):
    """(level, period, units) of the areas one level down in the latest period with
    numerators and denominators (:func:`heenb.figures.rates.units`); None without any."""
    child = rates.CHILD_LEVEL.get(level)
    period = rates.latest_with_parts(kpi, child) if child else None
    if period is None:
        return None
    within = None if level == "england" else (f"{level}_code", code)
    return child, period, rates.units(kpi, child, period, within)


def _beyond(units: pd.DataFrame, direction: str) -> pd.DataFrame:
    """The units beyond the 99.8% p' limits, each marked ``worse`` or not, worse first."""
    beyond = units[units["outlier"].isin(["high", "low"])].copy()
    beyond["worse"] = (beyond["outlier"] == "high") == (direction == "lower")
    return beyond.sort_values("worse", ascending=False, kind="stable")


def main_point(kpi: pd.Series, level: str, code: str, name: str) -> str | None:
    """One main point: the area's latest published rate, then how many of the areas one
    level down lie beyond the p' limits, the worse named; None without figures."""
    latest = latest_sentence(kpi, level, code, name)
    below = _below(kpi, level, code)
    if latest is None or below is None or "outlier" not in below[2]:
        return latest
    child, _, units = below
    beyond = _beyond(units, Measure(kpi).direction.value)
    worse = beyond[beyond["worse"]]
    many = CHILDREN[child][1]
    if beyond.empty:
        return f"{latest[:-1]}; none of its {len(units)} {many} lies beyond the p' limits."
    text = f"{latest[:-1]}; {len(beyond)} of {len(units)} {many} beyond the p' limits"
    if not worse.empty:
        named = ", ".join(
            f"{n} {formatting.percent(v, 2)}"
            for n, v in zip(worse["area_name"], worse["proportion"], strict=True)
        )
        text += f", worse: {named}"
    return text + "."


def outlier_sentences(kpi: pd.Series, level: str, code: str) -> list[str]:
    """Main points: the areas one level down beyond the 99.8% p' limits, worse first."""
    below = _below(kpi, level, code)
    if below is None or "outlier" not in below[2]:
        return []
    child, period, units = below
    direction = Measure(kpi).direction.value
    many = CHILDREN[child][1]
    return [
        f"{row['area_name']}: {kpi['short_name'].lower()} "
        f"{formatting.percent(row['proportion'], 2)} in {month(period)}, "
        f"{_verdict(row['outlier'], direction)} set by all {many} in England."
        for _, row in _beyond(units, direction).iterrows()
    ]


def _summary(catalogue: Catalogue, kpi: pd.Series, rows: pd.DataFrame, name: str) -> str:
    last = rows.iloc[-1]
    text = [
        f"{name}: {formatting.percent(last['value'], 2)} in {month(last['period'])} "
        f"({last['publication']})."
    ]
    gaps = rates.gap_starts(rows["period"])
    if gaps:
        at = gaps[-1]
        before, after = rows.iloc[at - 1], rows.iloc[at]
        text.append(
            f"The published files hold no months between {month(before['period'])} "
            f"({formatting.percent(before['value'], 2)}) and {month(after['period'])}: the "
            "chart leaves that gap open, takes no moving range across it and judges "
            f"{month(after['period'])} against the limits before it."
        )
    run = rates.monthly_run(rows)
    result = rates.xmr_of(catalogue, kpi, run)
    first, final = month(run.iloc[0]["period"]), month(run.iloc[-1]["period"])
    text.append(
        f"Over the monthly run {first} to {final}, Making Data Count's XmR rules say: "
        f"{result.variation_text[0].lower()}{result.variation_text[1:]}."
    )
    for _, reason in change_points(catalogue, kpi["kpi_id"], run["period"]):
        text.append(f"{reason.rstrip('.')}.")
    return " ".join(text)


def _breakdown(catalogue: Catalogue, kpi: pd.Series, level: str, code: str, name: str):
    """The area's rate by each group of the source's breakdown (staff group ...)."""
    groups = rates.by_breakdown(catalogue, kpi, level, code)
    if groups.empty:
        return Block()
    called = next(t.breakdown["name"] for t in rates.source(kpi).tables if t.breakdown)
    when = month(groups["period"].max())
    table = pd.DataFrame(
        {
            called[0].upper() + called[1:]: groups["group"],
            when: groups["value"].map(lambda v: formatting.percent(v, 2)),
            "A year before": groups["year_before"].map(lambda v: formatting.percent(v, 2)),
            "Variation (XmR, monthly run)": groups["variation"],
        }
    )
    caption = f"{kpi['short_name']} by {called}, {name}, {when}"
    note = (
        "Variation is Making Data Count's verdict on each group's latest unbroken monthly "
        "run, limits recalculated as for the whole area."
    )
    return blocks.heading(f"{kpi['short_name']} by {called}", 3) + blocks.table(
        table, caption, note, national=True
    )


def _children(kpi: pd.Series, level: str, code: str, name: str) -> Block:
    below = _below(kpi, level, code)
    if below is None or below[2].empty:
        return Block()
    child, period, units = below
    one, many = CHILDREN[child]
    direction = Measure(kpi).direction.value
    judged = "outlier" in units
    values = rates.source(kpi).values
    table = pd.DataFrame(
        {
            one[0].upper() + one[1:]: units["area_name"],
            **({"Type": units["org_type"].fillna("")} if child == "organisation" else {}),
            "Rate": units["proportion"].map(lambda v: formatting.percent(v, 2)),
        }
    )
    parts = [values[kpi["denominator"]], values[kpi["numerator"]]]
    people = any(value.people for value in parts)
    if not people:  # counts of people are never shown unprotected: rates only, then
        for value, column in zip(parts, ("denominator", "numerator"), strict=True):
            table.insert(len(table.columns) - 1, value.description, units[column].map(_days))
    if judged:
        verdicts = units["outlier"].map(lambda o: _verdict(o, direction))
        table["Against all " + many + " (p' limits)"] = verdicts
    when = month(period)
    caption = f"{kpi['short_name']} by {one}, {name}, {when}"
    note = (
        "Counts of people are not shown here, only their rates."
        if people
        else f"In {parts[0].unit}, not counts of people: shown as published."
    )
    if judged:
        note = (
            f"Each {one} is judged against every {one} in England in {when}: Laney's p' "
            f"limits, 99.8%, around England's {formatting.percent(units.attrs['target'], 2)} "
            f"(ratio of sums), widened {units.attrs['sigma_z']:.1f} times for the variation "
            f"between {many} beyond chance (sigma z). {note}"
        )
    block = blocks.heading(f"{kpi['short_name']} by {one}", 3) + blocks.table(
        table.reset_index(drop=True), caption, note, national=True
    )
    if not judged:
        return block
    limits = units.dropna(subset=["upper998"]).set_index("area_name")
    if len(limits) < FUNNEL_FEWEST:  # a handful of areas: the table's verdicts say it all
        return block
    limits.attrs.update(units.attrs)
    shown = ["numerator", "denominator", "proportion", "target", "lower95", "upper95",
             "lower998", "upper998", "z", "outlier"]  # fmt: skip
    chart = funnel_chart(
        limits[shown],
        laney_curves(units),
        title=f"{kpi['short_name']} by {one}, {name}, {when}",
        value_label=kpi["short_name"],
        denominator_label=parts[0].description,
        unit_name=(one, many),
        improvement=direction,
    )
    # The data behind the chart names its figures as the source declares them; counts of
    # people are never shown there unprotected (rates only, as in the table).
    data = chart.data.rename(columns={"numerator": parts[1].description,
                                      "denominator": parts[0].description})  # fmt: skip
    if people:
        data = data.drop(columns=[parts[1].description, parts[0].description])
    chart = dataclasses.replace(chart, data=data)
    return block + blocks.figure(chart, f"{caption}: funnel plot with p' limits")


def _days(value) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}"


def _verdict(outlier, direction: str) -> str:
    if outlier not in ("high", "low"):
        return "within limits" if isinstance(outlier, str) else "not judged"
    side = "above" if outlier == "high" else "below"
    worse = (outlier == "high") == (direction == "lower")
    meaning = "" if direction == "neither" else (" (worse)" if worse else " (better)")
    return f"{side} the 99.8% limit{meaning}"
