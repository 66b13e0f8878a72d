"""Staff in post over time: a steady rise described as one, and charted so its colours
agree with its words.

An XmR chart of a level that climbs every month (staff in post) puts almost every
point outside one set of limits: early points below the lower limit, late ones
above, coloured concern or improvement depending on which rule fired first. The
sentence and the colours then disagree, and the same kind of series is coloured
in opposite ways on different pages. Making Data Count charts the month-on-month
change of such a series instead: a steady rise is a stable process of monthly
increases, and a change in the rate of growth (after an investment) is a shift,
recalculated only at a recorded change point (``kpi_change_points.csv``).
"""

from __future__ import annotations

import pandas as pd

from heenb import formatting, spc
from heenb.charts.trend import trend_chart
from heenb.charts.xmr import xmr_chart
from heenb.data.catalogue import Catalogue
from heenb.figures import kpis
from heenb.report import blocks
from heenb.report.blocks import Block

#: How many standard errors above 0 the mean monthly change must be for a steady rise.
STEADY_Z = 3.0


def rising_steadily(values: pd.Series) -> bool:
    """True when the mean month-on-month change is above 0 by more than
    :data:`STEADY_Z` standard errors: a drift upwards that chance does not explain."""
    steps = values.reset_index(drop=True).astype(float).diff().dropna()
    if len(steps) < 3:
        return False
    spread = steps.std(ddof=1)
    if spread == 0:
        return bool(steps.iloc[0] > 0)
    return bool(steps.mean() / (spread / len(steps) ** 0.5) > STEADY_Z)


def monthly_change_spc(catalogue: Catalogue, kpi: pd.Series, series: pd.DataFrame):
    """The XmR result of the month-on-month change of an FTE series, and its months.

    ``series`` has ``month`` and ``fte``, oldest first. Limits are recalculated
    only at the KPI's recorded change points; a faster rise is the better side
    when more staff is better.
    """
    steps = series.assign(change=series["fte"].diff()).iloc[1:].reset_index(drop=True)
    positions = [at for at, _ in kpis.change_points(catalogue, kpi["kpi_id"], steps["month"])]
    result = spc.xmr(
        steps["change"],
        improvement=kpi["improvement"],
        recalculate_at=positions,
        min_points=kpis.spc_min_points(),
    )
    return result, steps


def staff_trend(
    catalogue: Catalogue,
    kpi: pd.Series,
    series: pd.DataFrame,
    where: str,
    target: float | None = None,
    baseline: float | None = None,
    level: bool = True,
) -> Block:
    """A sentence and charts of staff in post (``month``, ``fte``) in a place.

    A steady rise (:func:`rising_steadily`) is described as one ("rising steadily
    since 2019-01: up 2,800 FTE, a rise in 66 of 71 months"), drawn as a line
    (with ``target``, in FTE, when given)
    and charted as its month-on-month change in an XmR chart, with the rate of
    growth in each period of limits; any other series gets the XmR chart of its
    level, with the KPI's recorded change points and, with a target, the
    assurance icon (``baseline``: the FTE the KPI's target is added to). With
    ``level=False`` the line of the level is left out (the staff table shows it).
    """
    name = kpi["short_name"]
    if len(series) < 3:
        return blocks.no_data(f"{name} in {where}", "fewer than three months of figures")
    if not rising_steadily(series["fte"]):
        result = kpis.kpi_spc(catalogue, kpi, series["month"], series["fte"], baseline)
        result = result.with_target(target, stable_only=True)
        chart = _fte_chart(result, f"{name}, {where}", "FTE", series["month"])
        words = f"{result.variation_text}. {result.assurance_text}."
        return blocks.paragraph(f"{name} in {where}: {words}") + blocks.figure(chart)
    result, steps = monthly_change_spc(catalogue, kpi, series)
    rises = int((steps["change"] > 0).sum())
    first, last = series.iloc[0], series.iloc[-1]
    text = (
        f"{name} in {where} has been rising steadily since {first['month']}: "
        f"{formatting.change(last['fte'] - first['fte'], 'FTE')} to "
        f"{formatting.fte(last['fte'])} FTE in {last['month']}, a rise in {rises} of "
        f"{len(steps)} months."
    )
    summary = result.summary()
    rates = [
        f"{formatting.fte(period.mean)} FTE a month from {steps['month'].iloc[period.start]}"
        for period in summary.itertuples()
        if not pd.isna(period.mean)
    ]
    if rates:
        text += " Average monthly rise: " + "; ".join(rates) + "."
    for _, note in kpis.change_points(catalogue, kpi["kpi_id"], steps["month"]):
        text += f" {note}."
    latest = formatting.in_sentence(result.variation_text)
    if result.variation is not None:
        latest = f"the latest month's change shows {latest}"
    text += (
        f" The chart shows the monthly change, as Making Data Count advises for a series "
        f"that rises steadily; {latest}."
    )
    title = f"Monthly change in {formatting.in_sentence(name)}, {where}"
    chart = _fte_chart(result, title, "FTE change on the previous month", steps["month"], None)
    if not level:  # the staff table shows the level: its chart is not drawn at all
        return blocks.paragraph(text) + blocks.figure(chart)
    line = trend_chart(
        series.rename(columns={"month": "period", "fte": "value"}).assign(line=where),
        title=f"{name}, {where}",
        value_label="FTE",
        unit="FTE",
        target=target,
    )
    return blocks.paragraph(text) + blocks.figure(line) + blocks.figure(chart)


def _fte_chart(result, title: str, value_label: str, months: pd.Series, target="result"):
    """The XmR chart of an FTE series by month (``target=None``: no target drawn)."""
    return xmr_chart(result, title=title, value_label=value_label,
                     period_labels=list(months), unit="FTE", target=target)  # fmt: skip
