"""Figures below the local office: STPs and placement providers, protected across levels.

A provider's counts add up to its STP's, and an STP's to its local office's.
:func:`protected_counts` gives every local office, STP and provider row as
:func:`heenb.report.kpis.protected` protects them for every page: the
disclosure rule on each count, then secondary suppression across the whole
geography (:mod:`heenb.report.protection`), so that no withheld figure can be
worked out by subtraction, on one page or across pages.
"""

from __future__ import annotations

import pandas as pd

from heenb import formatting, funnel
from heenb.data.catalogue import LOCAL_OFFICE, PROVIDER, STP, Catalogue
from heenb.data.mart import Mart
from heenb.report import blocks, kpis

#: The levels whose rows :func:`protected_counts` returns, top down.
LEVELS = (LOCAL_OFFICE, STP, PROVIDER)


def provider_measures(catalogue: Catalogue, mart: Mart) -> pd.DataFrame:
    """The proportion KPIs the mart counts by provider (NETS and ARCP), in catalogue order."""
    table = mart.proportions
    counted = set(table.loc[(table["level"] == PROVIDER) & (table["breakdown"] == "all"),
                            "measure"])  # fmt: skip
    rows = catalogue.kpis
    return rows[rows["kpi_id"].isin(counted) & (rows["kind"] == "proportion")]


def funnel_measures(catalogue: Catalogue, mart: Mart) -> pd.DataFrame:
    """The provider KPIs drawn on funnel plots: each headline KPI read beside another
    (``compare_with``: NETS satisfaction beside ARCP, ARCP beside its pre-COVID-19
    comparator) and the KPIs they are read beside."""
    rows = provider_measures(catalogue, mart)
    paired = rows[(rows["role"] == "headline") & (rows["compare_with"].str.strip() != "")]
    chosen = set(paired["kpi_id"]) | set(paired["compare_with"])
    return rows[rows["kpi_id"].isin(chosen)]


def protected_counts(mart: Mart, catalogue: Catalogue, measure: str, period: str) -> pd.DataFrame:
    """Protected counts of every local office, STP and provider for one measure and period.

    Returns
    -------
    DataFrame
        One row per area: ``level``, ``area_code``, ``area`` (name), ``parent``
        (the local office of an STP, the STP of a provider, blank for an office),
        :data:`heenb.report.kpis.RATE_COLUMNS` (a withheld row has both counts
        NA) and ``secondary`` (True where the row is withheld only so that no
        other withheld figure can be worked out by subtraction), exactly as
        :func:`heenb.report.kpis.protected` gives them to every page.
    """
    rows = kpis.protected(mart, measure, catalogue=catalogue)
    rows = rows[(rows["period"] == period) & (rows["group"] == "all")
                & rows["level"].isin(LEVELS)]  # fmt: skip
    table = rows[["level", "area_code", *kpis.RATE_COLUMNS, "secondary"]].reset_index(drop=True)
    table.insert(2, "area", table["area_code"].map(catalogue.area_name))
    parent = {STP: catalogue.office_of_stp, PROVIDER: catalogue.stp_of}
    table.insert(3, "parent", [
        str(parent[lv].get(code, "")) if lv in parent else ""
        for lv, code in zip(table["level"], table["area_code"], strict=True)
    ])  # fmt: skip
    return table


def at_level(table: pd.DataFrame, level: str, parent: str | None = None) -> pd.DataFrame:
    """The rows of a :func:`protected_counts` table at one level (within one parent)."""
    rows = table[table["level"] == level]
    return rows if parent is None else rows[rows["parent"] == parent]


def limits_of(rows: pd.DataFrame, centre: float | None = None) -> pd.DataFrame | None:
    """Funnel limits of the shown rows (by name), centred on ``centre`` (England) when
    given, else on the rows' own pooled rate; None with fewer than two rows shown."""
    visible = rows[kpis.shown(rows)]
    if len(visible) < 2:
        return None
    counts = visible.assign(numerator=visible["numerator"].astype("int64"),
                            denominator=visible["denominator"].astype("int64"))  # fmt: skip
    limits = funnel.proportion_limits(counts, numerator="numerator", denominator="denominator",
                                      group="area")  # fmt: skip
    limits.index.name = None
    return limits if centre is None else kpis.recentred(limits, centre)


def outliers_in_words(limits: pd.DataFrame | None, names: list[str], where: str) -> str:
    """A sentence naming which of ``names`` lie outside the 99.8% limits, and on which side."""
    if limits is None:
        return f"Fewer than two providers have figures shown {where}, so there is no comparison."
    mine = limits[limits.index.isin(names)]
    high = list(mine.index[mine["outlier"] == "high"])
    low = list(mine.index[mine["outlier"] == "low"])
    if not high and not low:
        return f"None of this STP's providers lies outside the 99.8% limits {where}."
    parts = []
    if high:
        parts.append("above the upper 99.8% limit: " + "; ".join(high))
    if low:
        parts.append("below the lower 99.8% limit: " + "; ".join(low))
    return f"Outliers {where}, " + "; and ".join(parts) + "."


def standing_table(limits: pd.DataFrame, names: list[str], caption: str):
    """A table of the named providers' shown figures against funnel limits."""
    mine = limits[limits.index.isin(names)]
    frame = pd.DataFrame({
        "Provider": list(mine.index),
        "Numerator": mine["numerator"].map(formatting.count).to_numpy(),
        "Denominator": mine["denominator"].map(formatting.count).to_numpy(),
        "Value": mine["proportion"].map(formatting.percent).to_numpy(),
        "99.8% limits": formatting.intervals(mine["lower998"], mine["upper998"]),
        "Compared with England": mine["outlier"].map(formatting.outlier).to_numpy(),
    })  # fmt: skip
    return blocks.table(frame, caption, note="Providers whose figures are withheld are not listed.")


def rate_text(row: pd.Series) -> str:
    """A protected rate as a table shows it: per cent, ``[c]`` or "no data"."""
    if row["withheld"]:
        return formatting.WITHHELD
    if row["no_data"]:
        return formatting.NO_DATA
    return formatting.percent(row["value"])


def count_text(value, withheld: bool) -> str:
    """A protected count as a table shows it."""
    return formatting.WITHHELD if withheld else formatting.count(value)
