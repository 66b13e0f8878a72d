"""KPI figures for reports, computed from the mart with the tested analytics.

Each function answers one question a report asks of one KPI (its national
trend, how areas compare, an area's scorecard) and returns a DataFrame with
numerator and denominator kept beside the value. Disclosure control is applied
here, once (:func:`protected`): every sub-national count is protected by
:func:`heenb.disclosure.suppress`, more are withheld so that none can be worked
out from its totals (:mod:`heenb.figures.protection`), and every sub-national
rate is computed from the protected counts (withheld with them); England's
figures are not suppressed. Values are fractions (0-1); intervals are 95%
Wilson intervals.
"""

from __future__ import annotations

import inspect
from functools import cache

import numpy as np
import pandas as pd

from heenb import disclosure, funnel, paths, spc, stats
from heenb.data.catalogue import ENGLAND, Catalogue, load_catalogue
from heenb.data.mart import Mart
from heenb.figures import protection
from heenb.figures.kept import kept
from heenb.figures.measure import Measure

#: Columns of every rate table this module returns.
RATE_COLUMNS = ["numerator", "denominator", "value", "lower", "upper", "withheld", "no_data"]


def rates(counts: pd.DataFrame, national: pd.Series | bool) -> pd.DataFrame:
    """Protected counts, rate and Wilson interval for each row of ``counts``.

    Parameters
    ----------
    counts : DataFrame
        With ``numerator`` and ``denominator`` columns (people).
    national : bool or boolean Series
        True for England rows, which are not suppressed.

    Returns
    -------
    DataFrame
        ``counts`` with ``numerator`` and ``denominator`` as shown (nullable
        Int64, withheld as NA), ``value`` (fraction), ``lower``, ``upper``
        (95% Wilson interval), ``withheld`` (True where disclosure control
        withholds the rate) and ``no_data`` (True where the denominator is 0:
        nothing to withhold, nothing to show).
    """
    national = pd.Series(national, index=counts.index, dtype=bool)
    rule = disclosure_rule()
    num = disclosure.suppress(counts["numerator"].astype("int64"), rule)
    den = disclosure.suppress(counts["denominator"].astype("int64"), rule)
    num = num.where(~national, counts["numerator"].astype("Int64"))
    den = den.where(~national, counts["denominator"].astype("Int64"))
    withheld = (num.isna() | den.isna()).to_numpy(dtype=bool)
    no_data = ~withheld & (den.fillna(0) == 0).to_numpy(dtype=bool)
    hidden = withheld | no_data
    k = num.fillna(0).astype("int64").to_numpy()
    n = den.fillna(0).astype("int64").to_numpy()
    n_safe = np.where(hidden, 1, n)
    k_safe = np.where(hidden, 0, np.minimum(k, n_safe))
    lower, upper = stats.wilson(k_safe, n_safe)
    out = counts.copy()
    out["numerator"], out["denominator"] = num, den
    out["value"] = np.where(hidden, np.nan, k_safe / n_safe)
    out["lower"] = np.where(hidden, np.nan, lower)
    out["upper"] = np.where(hidden, np.nan, upper)
    out["withheld"], out["no_data"] = withheld, no_data
    return out


def disclosure_rule() -> disclosure.DisclosureRule:
    """The rule applied to every sub-national count (read when called, so notes follow it)."""
    return disclosure.NHS_DIGITAL


def spc_min_points() -> int:
    """Fewest points XmR limits rest on: the default of :func:`heenb.spc.xmr`."""
    return inspect.signature(spc.xmr).parameters["min_points"].default


def shown(table: pd.DataFrame) -> pd.Series:
    """True for the rows of a rate table whose rate is shown (neither withheld nor no data)."""
    return ~(table["withheld"] | table["no_data"])


def measure_rows(mart: Mart, measure: str, breakdown: str = "all") -> pd.DataFrame:
    """The mart's rows for one measure and breakdown (all areas, all periods); kept on the
    mart (a page asks for them a dozen times, each a pass over the whole table)."""

    def rows() -> pd.DataFrame:
        table = mart.proportions
        return table[(table["measure"] == measure) & (table["breakdown"] == breakdown)]

    return kept(mart, None, ("measure_rows", measure, breakdown), rows)


def protected(
    mart: Mart, measure: str, breakdown: str = "all", catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """Every row of one measure and breakdown as published: protected counts and rates.

    Each count below England is protected by the disclosure rule (:func:`rates`),
    then more are withheld so that none can be worked out from the sums of the
    geography (:func:`heenb.figures.protection.withhold_across`), within each
    period and group. Every page reads its figures from here, so the same area
    shows the same figures everywhere. Kept on the mart (``mart.derived``) per catalogue,
    rule, measure and breakdown; the table returned is the caller's to change.

    Returns
    -------
    DataFrame
        The mart's ``level``, ``area_code``, ``period``, ``group``,
        :data:`RATE_COLUMNS` and ``secondary``.
    """
    catalogue = catalogue or load_catalogue()
    # Kept on the mart itself, per catalogue, rule, measure and breakdown, so a changed rule
    # or another catalogue never reads another's figures.
    key = ("protected", disclosure_rule(), measure, breakdown)
    return kept(mart, catalogue, key, lambda: _protected(mart, catalogue, measure, breakdown))


def _protected(mart: Mart, catalogue: Catalogue, measure: str, breakdown: str) -> pd.DataFrame:
    rows = measure_rows(mart, measure, breakdown)
    rows = rows[["level", "area_code", "period", "group", "numerator", "denominator"]]
    rows = rows.reset_index(drop=True)
    table = rates(rows, national=rows["area_code"] == ENGLAND)
    return protection.withhold_across(table, protection.relations(catalogue))


@cache
def _not_applicable_rows(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "kpi_not_applicable.csv", dtype=str, keep_default_na=False)


def not_applicable(measure: str) -> tuple[str, str] | None:
    """(first period the KPI applies to, why earlier ones do not), from
    ``kpi_not_applicable.csv``; None when every period applies."""
    return _not_applicable(paths.reference_dir(), measure)


@cache
def _not_applicable(folder, measure: str) -> tuple[str, str] | None:
    rows = _not_applicable_rows(folder)
    rows = rows[rows["kpi_id"] == measure]
    return None if rows.empty else (rows["before"].iloc[0], rows["reason"].iloc[0])


def trend(
    mart: Mart, measure: str, area_code: str = ENGLAND, breakdown: str = "all", group: str = "all"
) -> pd.DataFrame:
    """One area's rate by period, oldest first: ``period``, :data:`RATE_COLUMNS` and
    ``not_applicable`` (True for a period before the KPI existed, e.g. ARCP outcome
    10.1 before 2020: shown as ``[z]``, its value NaN and counted as no data, so it
    is neither a 0% nor an SPC point). Kept on the mart: England's and an area's trends are
    read many times a page, and on many pages."""
    catalogue = load_catalogue()  # as protected() reads it
    key = ("trend", disclosure_rule(), measure, breakdown, area_code, group,
           str(paths.reference_dir()))  # fmt: skip
    return kept(mart, catalogue, key, lambda: _trend(mart, measure, area_code, breakdown, group))


def _trend(mart: Mart, measure: str, area_code: str, breakdown: str, group: str) -> pd.DataFrame:
    rows = protected(mart, measure, breakdown)
    rows = rows[(rows["area_code"] == area_code) & (rows["group"] == group)]
    table = rows.sort_values("period")[["period", *RATE_COLUMNS]].reset_index(drop=True)
    start = not_applicable(measure)
    table["not_applicable"] = table["period"] < start[0] if start else False
    table.loc[table["not_applicable"], ["value", "lower", "upper"]] = np.nan
    table.loc[table["not_applicable"], "no_data"] = True
    return table


def applicable(trend_table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`trend` table for periods the KPI applies to (for SPC)."""
    if "not_applicable" not in trend_table:
        return trend_table
    return trend_table[~trend_table["not_applicable"]].reset_index(drop=True)


def latest_period(mart: Mart, measure: str) -> str | None:
    """The most recent period with data for a measure (kept on the mart)."""

    def latest() -> str | None:
        periods = measure_rows(mart, measure)["period"]
        return None if periods.empty else max(periods)

    return kept(mart, None, ("latest_period", measure), latest)


def compare(
    mart: Mart,
    catalogue: Catalogue,
    measure: str,
    period: str,
    level: str,
    breakdown: str = "all",
    group: str = "all",
) -> pd.DataFrame:
    """Areas of one level (``region`` or ``local_office``) compared on a funnel plot.

    Returns
    -------
    DataFrame
        One row per area: ``area_code``, ``area`` (name), :data:`RATE_COLUMNS`,
        ``secondary`` (withheld only to protect another figure: :func:`protected`),
        and from the funnel plot of the shown (protected) counts, centred on
        England's rate from its unrounded counts, ``lower998``, ``upper998``
        and ``outlier`` ("high", "low", "" within limits, or
        "withheld"; "not assessed" with fewer than two areas shown).
        ``attrs`` hold ``centre`` (England's rate) and, with a funnel, its
        ``phi``, ``tau2``, ``target`` and ``overdispersion``.
    """
    # The same for every page of a build (kept on the mart), so worked out once.
    key = ("compare", disclosure_rule(), measure, period, level, breakdown, group)
    return kept(mart, catalogue, key, lambda: _compare(mart, catalogue, measure, period, level,
                                                       breakdown, group))  # fmt: skip


def _compare(mart, catalogue, measure, period, level, breakdown, group) -> pd.DataFrame:
    rows = protected(mart, measure, breakdown, catalogue)
    rows = rows[(rows["level"] == level) & (rows["period"] == period) & (rows["group"] == group)]
    table = rows[["area_code", *RATE_COLUMNS, "secondary"]].reset_index(drop=True)
    table.insert(1, "area", table["area_code"].map(catalogue.area_name))
    table.attrs["centre"] = england_value(mart, measure, period, breakdown, group)
    table["outlier"] = np.where(table["no_data"], "no data", "withheld")
    limits = funnel_limits(table)
    visible = shown(table)
    return with_verdicts(table, visible, limits)


def with_verdicts(table: pd.DataFrame, visible, limits) -> pd.DataFrame:
    """``table`` with each visible row's funnel verdict and 99.8% limits from ``limits``
    (:func:`heenb.funnel.proportion_limits` of those rows); "not assessed" without limits."""
    if limits is None:
        table.loc[visible, "outlier"] = "not assessed"
        return table
    table.loc[visible, "outlier"] = limits["outlier"].to_numpy()
    table.loc[visible, "lower998"] = limits["lower998"].to_numpy()
    table.loc[visible, "upper998"] = limits["upper998"].to_numpy()
    table.attrs.update(limits.attrs)
    return table


def england_value(mart: Mart, measure: str, period: str, breakdown="all", group="all"):
    """England's rate for one period from its unrounded counts (None without a row); kept
    on the mart."""

    def value() -> float | None:
        rows = measure_rows(mart, measure, breakdown)
        rows = rows[(rows["area_code"] == ENGLAND) & (rows["period"] == period)]
        rows = rows[rows["group"] == group]
        if rows.empty or int(rows["denominator"].iloc[0]) == 0:
            return None
        return int(rows["numerator"].iloc[0]) / int(rows["denominator"].iloc[0])

    return kept(mart, None, ("england_value", measure, period, breakdown, group), value)


def funnel_limits(table: pd.DataFrame, centre: float | None = None) -> pd.DataFrame | None:
    """Funnel plot limits for the areas of a rate table whose figures are shown.

    The funnel's centre line is ``centre`` when given (England's rate from its
    unrounded counts, so the England figure is the same on every chart and
    sentence), else the table's own pooled rate (``attrs["centre"]``, set by
    :func:`compare`, else the pooled rate of the shown, rounded counts).
    Overdispersion (phi, tau2) is estimated as :func:`heenb.funnel.proportion_limits`
    does. None when fewer than two areas are shown (a funnel needs a comparison).
    """
    rows = table[shown(table)]
    if len(rows) < 2:
        return None
    limits = funnel.proportion_limits(
        rows["numerator"].astype("int64").to_numpy(),
        rows["denominator"].astype("int64").to_numpy(),
        labels=list(rows["area"]),
    )
    centre = table.attrs.get("centre") if centre is None else centre
    return limits if centre is None else recentred(limits, centre)


def recentred(limits: pd.DataFrame, centre: float) -> pd.DataFrame:
    """Funnel limits, z-scores and outlier status about another centre line.

    Keeps the between-unit variance ``tau2`` of ``limits``; each unit's limits
    come from :func:`heenb.funnel.limits_at` its own denominator, its z-score is
    (asin(sqrt(p)) - asin(sqrt(centre))) / sqrt(s^2 + tau2), and its verdict is
    :func:`heenb.funnel.exact_outlier`'s (exact binomial tails, so 0 of 190 at 2% is not
    an outlier).
    """
    tau2 = float(limits.attrs.get("tau2", 0.0))
    out = limits.copy()
    at = funnel.limits_at(float(centre), tau2, limits["denominator"].astype(float).to_numpy())
    for column in ("lower95", "upper95", "lower998", "upper998"):
        out[column] = at[column].to_numpy()
    s = 1 / (2 * np.sqrt(limits["denominator"].astype(float)))
    angle = np.arcsin(np.sqrt(limits["proportion"].astype(float)))
    z = (angle - np.arcsin(np.sqrt(centre))) / np.sqrt(s**2 + tau2)
    out["target"], out["z"] = float(centre), z
    # The verdict from exact binomial tails (with tau2, both tests must agree), as the limits.
    out["outlier"] = funnel.exact_outlier(
        limits["numerator"].astype("int64").to_numpy(),
        limits["denominator"].astype("int64").to_numpy(),
        float(centre),
        tau2=tau2,
    )
    out.attrs.update(limits.attrs, target=float(centre))
    return out


def spc_of(values: pd.Series, improvement: str, target: float | None = None) -> spc.XmrResult:
    """The Making Data Count XmR result for a series of values (oldest first)."""
    return spc.xmr(
        values.reset_index(drop=True),
        improvement=improvement,
        target=target,
        min_points=spc_min_points(),
    )


def change(trend_table: pd.DataFrame) -> dict | None:
    """Change from the previous period to the latest, with a 5% significance flag.

    Returns None with fewer than two periods with shown figures.
    """
    rows = trend_table[shown(trend_table)]
    if len(rows) < 2:
        return None
    yoy = stats.year_on_year(
        rows.assign(
            numerator=rows["numerator"].astype("int64"),
            denominator=rows["denominator"].astype("int64"),
        ),
        period="period",
    )
    last = yoy.iloc[-1]
    return {
        "from_period": rows["period"].iloc[-2],
        "to_period": rows["period"].iloc[-1],
        "change": float(last["change"]),
        "significant": bool(last["significant"]),
    }


def change_points(catalogue: Catalogue, kpi_id: str, periods) -> list[tuple[int, str]]:
    """Recorded SPC change points of a KPI as (position in ``periods``, note), oldest first.

    A change point starts new limits at the first period on or after its
    ``period``; one before the second period or after the last is not shown.
    """
    periods = [str(p) for p in periods]
    rows = catalogue.change_points[catalogue.change_points["kpi_id"] == kpi_id]
    found: dict[int, str] = {}
    for point in rows.sort_values("period").itertuples():
        at = next((i for i, period in enumerate(periods) if period >= point.period), None)
        if at is not None and at >= 1 and at not in found:
            found[at] = f"Limits recalculated from {periods[at]}: {point.reason}"
    return sorted(found.items())


def kpi_spc(
    catalogue: Catalogue, kpi: pd.Series, periods, values: pd.Series, baseline: float | None = None
) -> spc.XmrResult:
    """The XmR result of a KPI's series, with its recorded change points and its target.

    Limits are recalculated only at the KPI's rows of ``kpi_change_points.csv``;
    the assurance icon judges the KPI's target
    (:meth:`heenb.figures.measure.Measure.target_value`) and is withheld while the latest
    point is special cause.
    """
    positions = [at for at, _ in change_points(catalogue, kpi["kpi_id"], periods)]
    result = spc.xmr(
        values.reset_index(drop=True),
        improvement=kpi["improvement"],
        recalculate_at=positions,
        min_points=spc_min_points(),
    )
    target = Measure(kpi).target_value(baseline)
    return result if target is None else result.with_target(target, stable_only=True)
