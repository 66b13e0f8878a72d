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
from heenb.charts.funnel import funnel_chart
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


def outliers_in_words(limits: pd.DataFrame | None, names: list[str], where: str,
                      whose: str = "this STP's providers") -> str:  # fmt: skip
    """A sentence naming which of ``names`` lie outside the 99.8% limits, and on which side
    (``whose`` says who ``names`` are, for the sentence that none does)."""
    if limits is None:
        return f"Fewer than two providers have figures shown {where}, so there is no comparison."
    high, low = outlier_names(limits, names)
    if not high and not low:
        return f"None of {whose} lies outside the 99.8% limits {where}."
    parts = []
    if high:
        parts.append("above the upper 99.8% limit: " + "; ".join(high))
    if low:
        parts.append("below the lower 99.8% limit: " + "; ".join(low))
    return f"Outliers {where}, " + "; and ".join(parts) + "."


def outlier_names(limits: pd.DataFrame, names: list[str]) -> tuple[list[str], list[str]]:
    """The names among ``names`` above and below the 99.8% limits, farthest out first."""
    mine = limits[limits.index.isin(names)]
    z = mine["z"].astype(float)
    high = z[mine["outlier"] == "high"].sort_values(ascending=False, kind="stable")
    low = z[mine["outlier"] == "low"].sort_values(kind="stable")
    return list(high.index), list(low.index)


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


# ---------------------------------------------------------------- sections shared by pages
#: Under every table of providers' rates: why a provider's figure may be withheld.
SECONDARY_NOTE = (
    "Some figures are withheld so that no other withheld figure can be worked out from the "
    "totals of the STP, local office or region it belongs to."
)


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


def rates_table(
    catalogue: Catalogue,
    measures: pd.DataFrame,
    figures: dict[str, tuple[str, pd.DataFrame]],
    codes: list[str],
    caption: str,
    with_stp: bool = False,
) -> blocks.Block:
    """A table of the providers ``codes`` (name, code and, ``with_stp``, their STP) with
    each KPI of ``measures`` at its latest period, as protected (``[c]``, "no data")."""
    columns = {"Provider": [catalogue.area_name(p) for p in codes], "Code": list(codes)}
    if with_stp:
        stp_of = catalogue.stp_of
        columns["STP"] = [catalogue.area_name(stp_of[p]) for p in codes]
    for _, kpi in measures.iterrows():
        period, table = figures[kpi["kpi_id"]]
        rows = at_level(table, PROVIDER).set_index("area_code")
        columns[f"{kpi['short_name']} ({period})"] = [
            rate_text(rows.loc[p]) if p in rows.index else formatting.NO_DATA for p in codes
        ]
    return blocks.table(pd.DataFrame(columns), caption, note=SECONDARY_NOTE)


def _label(kpi: pd.Series) -> str:
    return f"{kpi['short_name']} ({kpi['unit']})"


def office_funnel(
    catalogue: Catalogue,
    kpi: pd.Series,
    period: str,
    table: pd.DataFrame,
    office: str,
    names: list[str],
    whose: str,
) -> blocks.Block:
    """The providers of local office ``office`` on a funnel plot centred on their pooled
    rate, with the outliers among ``names`` (``whose`` providers) named in a sentence."""
    office_name = catalogue.area_name(office)
    rows = at_level(table, PROVIDER)
    where = f"within {office_name}"
    limits = limits_of(rows[rows["area_code"].isin(catalogue.providers_in(office))])
    parts = [blocks.paragraph(outliers_in_words(limits, names, where, whose))]
    if limits is not None:
        label = _label(kpi)
        parts.append(blocks.figure(funnel_chart(
            limits, title=f"{label} by provider {where}, {period}", value_label=label,
            denominator_label=kpi["denominator_label"], reference_label=office_name,
            unit_name=("provider", "providers"),
        )))  # fmt: skip
    return blocks.join(parts)


#: How many outliers a national funnel plot names beside their points; with more, the
#: labels would cover each other, and the names are in the sentence and table below it.
MOST_LABELS = 12


def national_funnel(
    catalogue: Catalogue, mart: Mart, kpi: pd.Series, period: str, table: pd.DataFrame
) -> blocks.Block:
    """Every provider in England on one funnel plot centred on England's rate, the
    outliers named in a sentence and listed in a table; withheld providers left out."""
    rows = at_level(table, PROVIDER)
    centre = kpis.england_value(mart, kpi["kpi_id"], period)
    limits = limits_of(rows, centre)
    names = [catalogue.area_name(p) for p in rows["area_code"]]
    total, shown = len(catalogue.providers), int(kpis.shown(rows).sum())
    withheld = int(rows["withheld"].sum())
    if shown == total:
        counted = f"All {total} placement providers have figures shown for {period}. "
    else:
        left = {"withheld": withheld, "without data": total - shown - withheld}
        named = " and ".join(f"{n} {what}" for what, n in left.items() if n)
        counted = (
            f"Of England's {total} placement providers, {shown} have figures shown for "
            f"{period}; the {named} {'is' if total - shown == 1 else 'are'} neither drawn "
            "nor compared. "
        )
    parts = [blocks.paragraph(counted + outliers_in_words(limits, names, "across England",
                                                          "the providers"))]  # fmt: skip
    if limits is None:
        return blocks.join(parts)
    label = _label(kpi)
    high, low = outlier_names(limits, names)
    parts.append(blocks.figure(funnel_chart(
        limits, title=f"{label} by provider, England, {period}", value_label=label,
        denominator_label=kpi["denominator_label"], unit_name=("provider", "providers"),
        label_outliers=len(high) + len(low) <= MOST_LABELS,
    )))  # fmt: skip
    if high or low:
        parts.append(outlier_table(catalogue, limits, rows, f"{kpi['short_name']}: providers "
                                   f"outside England's 99.8% funnel limits, {period}"))  # fmt: skip
    return blocks.join(parts)


def outlier_table(
    catalogue: Catalogue, limits: pd.DataFrame, rows: pd.DataFrame, caption: str
) -> blocks.Block:
    """The outliers of ``limits`` (providers, by name; ``rows`` gives their codes): local
    office, value, limits and side, those above first, each side farthest out first."""
    high, low = outlier_names(limits, list(limits.index))
    out = limits.loc[high + low]
    office_of = catalogue.office_of_provider
    code_of = dict(zip(rows["area_code"].map(catalogue.area_name), rows["area_code"], strict=True))
    frame = pd.DataFrame({
        "Provider": list(out.index),
        "Local office": [catalogue.area_name(office_of[code_of[n]]) for n in out.index],
        "Value": out["proportion"].map(formatting.percent).to_numpy(),
        "99.8% limits": formatting.intervals(out["lower998"], out["upper998"]),
        "Compared with England": out["outlier"].map(formatting.outlier).to_numpy(),
    })  # fmt: skip
    note = ("Providers within the limits, withheld or without data are not listed; every "
            "provider shown is in the data behind the chart.")  # fmt: skip
    return blocks.table(frame, caption, note=note)
