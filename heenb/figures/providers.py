"""Figures below the local office: STPs and placement providers, protected across levels.

A provider's counts add up to its STP's, and an STP's to its local office's.
:func:`protected_counts` gives every local office, STP and provider row as
:func:`heenb.figures.kpis.protected` protects them for every page: the
disclosure rule on each count, then secondary suppression across the whole
geography (:mod:`heenb.figures.protection`), so that no withheld figure can be
worked out by subtraction, on one page or across pages.
"""

from __future__ import annotations

import pandas as pd

from heenb import funnel
from heenb.data.catalogue import LOCAL_OFFICE, PROVIDER, STP, Catalogue
from heenb.data.mart import Mart
from heenb.figures import kpis
from heenb.figures.measure import Kind, of_kind

#: The levels whose rows :func:`protected_counts` returns, top down.
LEVELS = (LOCAL_OFFICE, STP, PROVIDER)


def provider_measures(catalogue: Catalogue, mart: Mart) -> pd.DataFrame:
    """The proportion KPIs the mart counts by provider (NETS and ARCP), in catalogue order."""
    table = mart.proportions
    counted = set(table.loc[(table["level"] == PROVIDER) & (table["breakdown"] == "all"),
                            "measure"])  # fmt: skip
    rows = catalogue.kpis
    return of_kind(rows[rows["kpi_id"].isin(counted)], Kind.PROPORTION)


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
        :data:`heenb.figures.kpis.RATE_COLUMNS` (a withheld row has both counts
        NA) and ``secondary`` (True where the row is withheld only so that no
        other withheld figure can be worked out by subtraction), exactly as
        :func:`heenb.figures.kpis.protected` gives them to every page.
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


def missing_reason(mart: Mart, codes: list[str], place: str) -> str | None:
    """Why an area (``place``: "this STP", "this local office") whose providers are
    ``codes`` has no provider figures; None when some provider has a row in the data."""
    if not codes:
        return f"data/reference/providers.csv places no provider in {place}"
    if mart.proportions["area_code"].isin(codes).any():
        return None
    return f"no NETS response or ARCP outcome in the data names any of its {len(codes)} providers"


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


def latest_figures(
    catalogue: Catalogue, mart: Mart, measures: pd.DataFrame
) -> dict[str, tuple[str, pd.DataFrame]]:
    """By KPI id of ``measures``: its latest period and the :func:`protected_counts` of
    every local office, STP and provider then."""
    found = {}
    for kpi_id in measures["kpi_id"]:
        period = kpis.latest_period(mart, kpi_id)
        found[kpi_id] = (period, protected_counts(mart, catalogue, kpi_id, period))
    return found
