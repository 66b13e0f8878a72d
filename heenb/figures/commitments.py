"""Staff commitments: an FTE KPI in post at its latest month against its commitment."""

from __future__ import annotations

import pandas as pd

from heenb.data.catalogue import ENGLAND
from heenb.data.mart import Mart
from heenb.data.rules import selected
from heenb.figures.measure import Measure


def commitment_figures(mart: Mart, kpi: pd.Series, area_code: str = ENGLAND) -> dict | None:
    """An FTE KPI (rule ``staff_fte``) at its latest month against its commitment.

    Returns None when the workforce file has no rows for the KPI's staff group
    in the area; otherwise ``series`` (``month``, ``fte``, oldest first),
    ``latest`` (its last row), ``baseline_month``, ``start`` (FTE at the
    baseline month, None without one or when the month has no figure),
    ``target`` (FTE the commitment asks for; None without one, and below England) and ``met``
    (True, False, or None without a target).
    """
    workforce = mart.workforce[selected(mart.workforce, kpi["numerator"])]
    series = workforce[workforce["area_code"] == area_code]
    series = series.groupby("month", as_index=False)["fte"].sum().sort_values("month")
    if series.empty:
        return None
    baseline_month = kpi["baseline_period"]
    baseline = series.loc[series["month"] == baseline_month, "fte"]
    start = float(baseline.iloc[0]) if baseline_month and not baseline.empty else None
    # The commitments are national: an area's staff are not judged against them.
    target = Measure(kpi).target_value(start) if area_code == ENGLAND else None
    latest = series.iloc[-1]
    met = None if target is None else bool(latest["fte"] >= target)
    return {
        "series": series.reset_index(drop=True),
        "latest": latest,
        "baseline_month": baseline_month,
        "start": start,
        "target": target,
        "met": met,
    }
