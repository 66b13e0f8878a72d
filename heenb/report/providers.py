"""Sections about STPs and placement providers that STP, local-office and objective pages
share: the provider rates table, funnel plots of providers with the outliers named, and the
sentences about them. The figures come from :mod:`heenb.figures.providers`: n protected
across provider, STP, local office and region, each rate from the unrounded counts to the
precision its n allows, shown beside its n wherever it appears (tables, the data behind
charts, and so the spreadsheet and CSV); numerators of providers and STPs are not shown.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from heenb import disclosure, formatting
from heenb.charts.figure import Chart
from heenb.charts.funnel import funnel_chart
from heenb.data.catalogue import PROVIDER, Catalogue
from heenb.data.mart import Mart
from heenb.figures import kpis
from heenb.figures.providers import (
    ENGLAND_FUNNEL,
    ON_LIMIT,
    at_level,
    interval,
    limits_of,
    rate_precision,
)
from heenb.report import blocks


def outliers_in_words(limits: pd.DataFrame | None, names: list[str], where: str,
                      whose: str = "this STP's providers") -> str:  # fmt: skip
    """A sentence naming which of ``names`` lie outside the 99.8% limits, and on which side
    (``whose`` says who ``names`` are, for the sentence that none does)."""
    if limits is None:
        return f"Fewer than two providers have figures shown {where}, so there is no comparison."
    mine = limits[limits.index.isin(names)]
    on_limit = int((mine["outlier"] == ON_LIMIT).sum())
    compared = len(mine) - on_limit
    rest = "are withheld, have no data or lie on a limit" if on_limit else (
        "are withheld or have no data")  # fmt: skip
    if not compared:
        why = ("each is withheld, has no data or lies on a limit" if on_limit
               else "their figures are withheld or missing")  # fmt: skip
        return f"None of {whose} could be compared {where}: {why}, so none is judged either way."
    high, low = outlier_names(limits, names)
    if not high and not low:
        return (
            f"None of {whose} lies outside the 99.8% limits {where} "
            f"({compared} of {len(names)} compared; the rest {rest})."
            if compared < len(names)
            else f"None of {whose} lies outside the 99.8% limits {where}."
        )
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


def on_limit_words(limits: pd.DataFrame | None, names: list[str]) -> str:
    """A sentence naming which of ``names`` lie on a 99.8% limit at the precision published
    (their published n and rate allow counts on both sides), with that n and rate; "" when
    none does."""
    if limits is None:
        return ""
    mine = limits[limits.index.isin(names) & (limits["outlier"] == ON_LIMIT)]
    if mine.empty:
        return ""
    figures = zip(mine.index, limit_rates(mine), mine["denominator"], strict=True)
    listed = "; ".join(f"{name} ({rate}, n {formatting.count(n)})" for name, rate, n in figures)
    return (
        "Too close to a 99.8% limit to say on which side, from the rate and n published "
        f"(so neither named nor counted within): {listed}."
    )


def verdict_text(status: str) -> str:
    """A provider's or STP's funnel verdict in words, "on the limit" included."""
    return "on the limit (not judged)" if status == ON_LIMIT else formatting.outlier(status)


def drawn(limits: pd.DataFrame) -> pd.DataFrame:
    """``limits`` as a funnel chart draws them: a unit on a limit as one within (grey, no
    signal); the sentence under the chart names it."""
    out = limits.copy()
    out["outlier"] = out["outlier"].replace(ON_LIMIT, "")
    return out


def standing_table(limits: pd.DataFrame, names: list[str], caption: str):
    """A table of the named providers' shown figures against funnel limits."""
    mine = limits[limits.index.isin(names)]
    frame = pd.DataFrame({
        "Provider": list(mine.index),
        "Value": limit_rates(mine),
        "n": mine["denominator"].map(formatting.count).to_numpy(),
        "99.8% limits": formatting.intervals(mine["lower998"], mine["upper998"]),
        "Compared with England": mine["outlier"].map(verdict_text).to_numpy(),
    })  # fmt: skip
    return blocks.table(frame, caption, note="Providers whose rates are withheld are not listed. "
                        + FUNNEL_NOTE)  # fmt: skip


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


def published_rate_text(row: pd.Series) -> str:
    """A provider's or STP's published rate (:func:`heenb.figures.providers.published`) as a
    table shows it: per cent to its precision ("86%", "86.3%"), ``[c]`` or "no data"."""
    if row["withheld"]:
        return formatting.WITHHELD
    if row["no_data"]:
        return formatting.NO_DATA
    return disclosure.rate_text(row["value"], row["step"])


def n_text(row: pd.Series) -> str:
    """A published row's n as a table shows it: the rounded count, ``[c]`` or "0"."""
    return formatting.count(row["denominator"])


def published_cells(row: pd.Series | None) -> dict:
    """An STP's published figure at one period as its scorecard row shows it: ``Value``
    (to its precision, ``[c]`` or "no data"), ``95% interval`` (allowing for every count
    the n and rate allow) and ``n``."""
    if row is None:
        return {"Value": formatting.NO_DATA, "95% interval": "", "n": formatting.NO_DATA}
    hidden = bool(row["withheld"] or row["no_data"])
    return {
        "Value": published_rate_text(row),
        "95% interval": "" if hidden else formatting.interval(*interval(row)),
        "n": n_text(row),
    }


def limit_rates(limits: pd.DataFrame) -> list[str]:
    """The published rates of the units of :func:`heenb.figures.providers.funnel_of`."""
    return [disclosure.rate_text(p, step)
            for p, step in zip(limits["proportion"], limits["step"], strict=True)]  # fmt: skip


def rates_note() -> str:
    """How precisely provider and STP rates are given, and why (from the precision used)."""
    return rate_precision().note()


#: Under every funnel of providers or STPs: where points are drawn and how they are judged.
FUNNEL_NOTE = (
    "Each point is drawn at its published rate and n. A unit is named outside a limit only "
    "when every count its published n and rate allow lies outside it, so a point drawn "
    "close to a limit may not be named."
)


def provider_figure(chart: Chart) -> blocks.Block:
    """A funnel chart of published figures with the data behind it: each unit's n and rate,
    never a numerator (which is not published)."""
    data = chart.data.drop(columns=["numerator"]).rename(columns={"denominator": "n"})
    return blocks.figure(dataclasses.replace(chart, data=data))


# ---------------------------------------------------------------- sections shared by pages
#: Under every table of providers' rates: why a provider's figure may be withheld.
SECONDARY_NOTE = (
    "Some figures are withheld so that no other withheld figure can be worked out from the "
    "totals of the STP, local office or region it belongs to."
)


def rates_table(
    catalogue: Catalogue,
    measures: pd.DataFrame,
    figures: dict[str, tuple[str, pd.DataFrame]],
    codes: list[str],
    caption: str,
    with_stp: bool = False,
) -> blocks.Block:
    """A table of the providers ``codes`` (name, code and, ``with_stp``, their STP) with
    each KPI of ``measures`` at its latest period, as published (``[c]``, "no data"), each
    rate followed by its n."""
    columns = {"Provider": [catalogue.area_name(p) for p in codes], "Code": list(codes)}
    if with_stp:
        stp_of = catalogue.stp_of
        columns["STP"] = [catalogue.area_name(stp_of[p]) for p in codes]
    for _, kpi in measures.iterrows():
        period, table = figures[kpi["kpi_id"]]
        rows = at_level(table, PROVIDER).set_index("area_code")
        header = f"{kpi['short_name']} ({period})"
        columns[header] = [published_rate_text(rows.loc[p]) if p in rows.index
                           else formatting.NO_DATA for p in codes]  # fmt: skip
        columns[f"{header}, n"] = [n_text(rows.loc[p]) if p in rows.index else formatting.NO_DATA
                                   for p in codes]  # fmt: skip
    return blocks.table(pd.DataFrame(columns), caption,
                        note=f"{rates_note()} {SECONDARY_NOTE}")  # fmt: skip


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
    limits = limits_of(rows[rows["area_code"].isin(catalogue.providers_in(office))], among=office)
    words = [outliers_in_words(limits, names, where, whose), on_limit_words(limits, names)]
    parts = [blocks.paragraph(" ".join(w for w in words if w))]
    if limits is not None:
        label = _label(kpi)
        parts.append(provider_figure(funnel_chart(
            drawn(limits), title=f"{label} by provider {where}, {period}", value_label=label,
            denominator_label=f"{kpi['denominator_label']} (n)", reference_label=office_name,
            unit_name=("provider", "providers"), improvement=kpi["improvement"],
        )))  # fmt: skip
        parts.append(blocks.paragraph(FUNNEL_NOTE))
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
    limits = limits_of(rows, centre, among=ENGLAND_FUNNEL)
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
    words = [outliers_in_words(limits, names, "across England", "the providers"),
             on_limit_words(limits, names)]  # fmt: skip
    parts = [blocks.paragraph(counted + " ".join(w for w in words if w))]
    if limits is None:
        return blocks.join(parts)
    label = _label(kpi)
    high, low = outlier_names(limits, names)
    parts.append(provider_figure(funnel_chart(
        drawn(limits), title=f"{label} by provider, England, {period}", value_label=label,
        denominator_label=f"{kpi['denominator_label']} (n)", unit_name=("provider", "providers"),
        label_outliers=len(high) + len(low) <= MOST_LABELS, improvement=kpi["improvement"],
    )))  # fmt: skip
    parts.append(blocks.paragraph(FUNNEL_NOTE))
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
        "Value": limit_rates(out),
        "n": out["denominator"].map(formatting.count).to_numpy(),
        "99.8% limits": formatting.intervals(out["lower998"], out["upper998"]),
        "Compared with England": out["outlier"].map(verdict_text).to_numpy(),
    })  # fmt: skip
    note = ("Providers within the limits, withheld or without data are not listed; every "
            "provider shown is in the data behind the chart.")  # fmt: skip
    return blocks.table(frame, caption, note=note)
