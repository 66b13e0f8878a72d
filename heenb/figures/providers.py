"""Figures below the local office: STPs and placement providers, protected across levels.

A provider's counts add up to its STP's, and an STP's to its local office's. Every page
reads them from :func:`published`:

- the base (n) of each STP and provider as :func:`heenb.figures.kpis.protected` protects
  it for every page: rounded to 5, withheld where small, and withheld more so that no
  withheld count can be worked out by subtraction;
- its rate from the *unrounded* counts, given only as precisely as its rounded n allows
  and withheld on a small base or near 0% or 100% (:func:`heenb.disclosure.published_rates`);
  its numerator is not published;
- more rates withheld, so that no withheld rate's numerator can be worked out from the
  sums of the geography even if every rate shown gave its numerator exactly
  (:func:`heenb.figures.protection.rates_withheld_across`).

Local offices keep the figures their own pages show (rates of their rounded counts).
Funnel plots of providers and STPs (:func:`funnel_of`) are drawn from what is published,
and a unit is named beyond a limit only when every unrounded count that its published n
and rate allow lies beyond it (:func:`verdicts`), so a verdict tells no more than the
figures beside it.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from heenb import disclosure, funnel, stats
from heenb.data.catalogue import LOCAL_OFFICE, PROVIDER, STP, Catalogue
from heenb.data.mart import Mart
from heenb.figures import kpis, protection
from heenb.figures.kept import kept
from heenb.figures.measure import Kind, Measure, of_kind
from heenb.figures.score import Score

#: The levels whose rows :func:`protected_counts` returns, top down.
LEVELS = (LOCAL_OFFICE, STP, PROVIDER)
#: The levels whose rates are worked out from the unrounded counts (:func:`published`).
RATED = (STP, PROVIDER)
#: Columns of every table :func:`published` returns, after its keys.
COLUMNS = ["denominator", "value", "lower", "upper", "step", "withheld", "no_data", "secondary",
           "reason"]  # fmt: skip


def rate_precision() -> disclosure.RatePrecision:
    """The precision of rates beside a rounded n (read when called, so notes follow it)."""
    return disclosure.RATE_PRECISION


def provider_measures(catalogue: Catalogue, mart: Mart) -> pd.DataFrame:
    """The proportion KPIs the mart counts by provider (NETS and ARCP), in catalogue order
    (kept on the mart)."""

    def measures() -> pd.DataFrame:
        table = mart.proportions
        counted = set(table.loc[(table["level"] == PROVIDER) & (table["breakdown"] == "all"),
                                "measure"])  # fmt: skip
        rows = catalogue.kpis
        return of_kind(rows[rows["kpi_id"].isin(counted)], Kind.PROPORTION)

    return kept(mart, catalogue, ("provider_measures",), measures)


def funnel_measures(catalogue: Catalogue, mart: Mart) -> pd.DataFrame:
    """The provider KPIs drawn on funnel plots: each headline KPI read beside another
    (``compare_with``: NETS satisfaction beside ARCP, ARCP beside its pre-COVID-19
    comparator) and the KPIs they are read beside."""
    rows = provider_measures(catalogue, mart)
    paired = rows[(rows["role"] == "headline") & (rows["compare_with"].str.strip() != "")]
    chosen = set(paired["kpi_id"]) | set(paired["compare_with"])
    return rows[rows["kpi_id"].isin(chosen)]


def published(mart: Mart, catalogue: Catalogue, measure: str) -> pd.DataFrame:
    """Every row of one measure (breakdown "all") as published on provider and STP pages.

    Returns
    -------
    DataFrame
        ``level``, ``area_code``, ``period``, ``group`` and :data:`COLUMNS`: ``denominator``
        (n as shown, nullable Int64, NA where withheld), ``value`` (the rate as shown, a
        fraction; NaN where withheld or no data), ``lower`` and ``upper`` (NaN for STPs and
        providers: :func:`interval` gives one from the published n and rate),
        ``step`` (the rate's precision, a fraction; NaN where it is exact, 0% or none),
        ``withheld`` (the rate is withheld), ``no_data``, ``secondary`` (withheld only so
        that no other withheld figure can be worked out) and ``reason`` (why withheld:
        "small count" for counts the rule withholds, a key of
        :data:`heenb.disclosure.REASONS`, or "secondary"). Rows above the local office and
        of local offices are as :func:`heenb.figures.kpis.protected` gives them.
        Kept on the mart (``mart.derived``); the table returned is the caller's to change.
    """
    precision = rate_precision()
    key = ("published", precision, measure)
    return kept(mart, catalogue, key, lambda: _published(mart, catalogue, measure, precision))


def _published(mart: Mart, catalogue: Catalogue, measure: str,
               precision: disclosure.RatePrecision) -> pd.DataFrame:  # fmt: skip
    keys = ["level", "area_code", "period", "group"]
    table = kpis.protected(mart, measure, catalogue=catalogue)
    raw = kpis.measure_rows(mart, measure)[[*keys, "numerator", "denominator"]]
    raw = table[keys].merge(raw, on=keys, how="left", validate="one_to_one")
    rated = table["level"].isin(RATED).to_numpy()
    rates = disclosure.published_rates(
        raw.loc[rated, "numerator"].astype("int64").to_numpy(),
        raw.loc[rated, "denominator"].astype("int64").to_numpy(),
        precision,
    )
    out = table[[*keys, "denominator", "value", "lower", "upper", "withheld", "no_data",
                 "secondary"]].copy()  # fmt: skip
    out["step"] = np.nan
    out["reason"] = np.where(out["secondary"], "secondary",
                             np.where(out["withheld"], "small count", ""))  # fmt: skip
    counted = out["withheld"].to_numpy()  # withheld with their counts, as on every page
    mine = rated & ~counted
    at = np.flatnonzero(mine)
    from_rates = np.flatnonzero(~counted[rated])
    out.loc[at, "value"] = rates["value"].astype(float).to_numpy()[from_rates]
    out.loc[at, "step"] = rates["step"].to_numpy()[from_rates]
    out.loc[at, "withheld"] = rates["withheld"].to_numpy()[from_rates]
    out.loc[at, "reason"] = rates["reason"].to_numpy()[from_rates]
    out.loc[rated, ["lower", "upper"]] = np.nan
    return _withhold_more_rates(out, catalogue)


def _withhold_more_rates(table: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """``table`` with more STP and provider rates withheld (``secondary``), within each
    period and group, so that no withheld rate's numerator can be worked out from the sums
    of the geography (:func:`heenb.figures.protection.rates_withheld_across`)."""
    sums = protection.relations(catalogue)
    more = np.zeros(len(table), dtype=bool)
    for _key, at in table.groupby(["period", "group"], sort=False).indices.items():
        rows = table.iloc[at]
        if not (rows["withheld"] & rows["level"].isin(RATED)).any():
            continue
        codes = rows["area_code"].to_numpy()
        # A withheld n still counts people (1 to 7): its sum is not an identity.
        size = np.where(rows["no_data"], 0, rows["denominator"].fillna(1).astype("int64"))
        fixed = set(codes[~rows["level"].isin(RATED).to_numpy()])
        chosen = protection.rates_withheld_across(
            dict(zip(codes, rows["withheld"], strict=True)),
            dict(zip(codes, size.tolist(), strict=True)),
            sums,
            fixed,
        )
        more[at[np.isin(codes, list(chosen))]] = True
    out = table.copy()
    out.loc[more, ["value", "lower", "upper", "step"]] = np.nan
    out.loc[more, "withheld"] = True
    out.loc[more, "secondary"] = True
    out.loc[more, "reason"] = "secondary"
    return out


def possible(row: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Every (numerator, denominator) that a shown row's n and rate allow."""
    step = None if pd.isna(row["step"]) else float(row["step"])
    return _possible(int(row["denominator"]), float(row["value"]), step, rate_precision().rule)


def _possible(n_shown: int, value: float, step: float | None, rule):
    """:func:`possible` of a row's n, rate and precision (None: exact) under ``rule``."""
    if step is None:  # 0% of a rounded n: a numerator of 0
        bases = np.array([n for n in range(max(1, n_shown - rule.base), n_shown + rule.base + 1)
                          if rule.rounded(np.array([n]))[0] == n_shown
                          and not rule.withheld(np.array([n]))[0]])  # fmt: skip
        return np.zeros(len(bases), dtype=np.int64), bases
    return disclosure.possible_counts(n_shown, value, step, rule)


def interval(row: pd.Series, level: float = 0.95) -> tuple[float, float]:
    """A Wilson interval wide enough for every count a shown row's n and rate allow: the
    lowest lower bound and the highest upper bound among them (fractions)."""
    k, n = possible(row)
    lower, upper = stats.wilson(k, n, level)
    return float(np.min(lower)), float(np.max(upper))


#: The verdict of a unit whose published n and rate allow counts on both sides of a 99.8%
#: limit: which side its unrounded counts lie on is not given (it would narrow them).
ON_LIMIT = "on the limit"


def verdicts(rows: pd.DataFrame, centre: float, tau2: float) -> np.ndarray:
    """Each shown row against funnel limits about ``centre`` (with between-unit variance
    ``tau2``), judged by exact binomial tails (:func:`heenb.funnel.exact_outlier`) over
    every count its published n and rate allow: "high" or "low" when all of them lie
    beyond the 99.8% limit on that side, "" when none does, :data:`ON_LIMIT` when some do
    and some do not. The unrounded counts are among those allowed, so "high" and "low"
    are their verdicts; and as a verdict depends on the published n and rate alone, it
    tells a reader nothing the figures beside it do not."""
    rule, centre, tau2 = rate_precision().rule, float(centre), float(tau2)
    found = [
        _verdict(int(n), float(value), None if pd.isna(step) else float(step), centre, tau2, rule)
        for n, value, step in zip(rows["denominator"], rows["value"], rows["step"], strict=True)
    ]
    return np.array(found, dtype=object)


@lru_cache(maxsize=65536)
def _verdict(n_shown: int, value: float, step: float | None, centre: float, tau2: float,
             rule) -> str:  # fmt: skip
    """One unit's :func:`verdicts`: the same published n, rate and funnel give the same
    verdict on every page (the STPs of one local office share its funnel), so it is worked
    out once."""
    k, n = _possible(n_shown, value, step, rule)
    sides = set(funnel.exact_outlier(k, n, centre, tau2=tau2).tolist())
    return sides.pop() if len(sides) == 1 else ON_LIMIT


def dispersion(numerators, denominators) -> tuple[float, float]:
    """Overdispersion (phi, tau2) of units' unrounded counts about their pooled rate, as
    :func:`heenb.funnel.proportion_limits` estimates it. One figure for a whole funnel:
    worked out from the unrounded counts, since rates rounded to 5 per cent would add
    their own spread (phi 1.6 instead of 0.6 for ARCP outcomes 10.1 and 10.2 by provider)."""
    limits = funnel.proportion_limits(
        np.asarray(numerators, dtype=np.int64), np.asarray(denominators, dtype=np.int64)
    )
    return float(limits.attrs["phi"]), float(limits.attrs["tau2"])


def funnel_of(
    rows: pd.DataFrame, centre: float | None = None, among: str | None = None
) -> pd.DataFrame | None:
    """Funnel limits of the shown rows (``area`` names the unit) from their published n and
    rate, as :func:`heenb.funnel.proportion_limits` gives them; None with fewer than two.

    The centre line is ``centre`` when given (England's rate), else the rows' pooled rate
    from their published figures (each rate times its n). Overdispersion (phi, tau2) is
    ``rows.attrs["dispersion"][among]`` (worked out from the unrounded counts of the same
    units by :func:`protected_counts`), else estimated from the published figures. Each
    unit's limits are at its shown n; ``outlier`` comes from :func:`verdicts`;
    ``numerator`` is NaN (not published), ``z`` is the arcsine z-score of the published
    rate and ``step`` its precision.
    """
    visible = rows[kpis.shown(rows)]
    if len(visible) < 2:
        return None
    n = visible["denominator"].astype(float).to_numpy()
    p = visible["value"].astype(float).to_numpy()
    pooled = float((p * n).sum() / n.sum())
    s = 1 / (2 * np.sqrt(n))
    known = rows.attrs.get("dispersion", {}).get(among)
    phi, tau2 = known if known is not None else funnel.estimate_overdispersion(
        (np.arcsin(np.sqrt(p)) - np.arcsin(np.sqrt(pooled))) / s, s
    )  # fmt: skip
    target = pooled if centre is None else float(centre)
    limits = funnel.limits_at(target, tau2, n)
    out = pd.DataFrame(
        {
            "numerator": np.nan,
            "denominator": visible["denominator"].astype("int64").to_numpy(),
            "proportion": p,
            "target": target,
            **{c: limits[c].to_numpy() for c in ("lower95", "upper95", "lower998", "upper998")},
            "z": (np.arcsin(np.sqrt(p)) - np.arcsin(np.sqrt(target))) / np.sqrt(s**2 + tau2),
            "outlier": verdicts(visible, target, tau2),
            "step": visible["step"].astype(float).to_numpy(),
        },
        index=pd.Index(visible["area"].to_list(), name="area"),
    )
    out.attrs.update(phi=phi, tau2=tau2, target=target, overdispersion=tau2 > 0, method="exact")
    return out


def protected_counts(mart: Mart, catalogue: Catalogue, measure: str, period: str) -> pd.DataFrame:
    """Every local office, STP and provider for one measure and period, as published.

    Returns
    -------
    DataFrame
        One row per area: ``level``, ``area_code``, ``area`` (name), ``parent``
        (the local office of an STP, the STP of a provider, blank for an office) and
        :data:`COLUMNS`, exactly as :func:`published` gives them to every page.
        The same on every page of a build: kept on the mart, worked out once.
    """
    key = ("protected_counts", rate_precision(), measure, period)
    return kept(mart, catalogue, key, lambda: _protected_counts(mart, catalogue, measure, period))


def _protected_counts(mart: Mart, catalogue: Catalogue, measure: str, period: str):
    rows = published(mart, catalogue, measure)
    rows = rows[(rows["period"] == period) & (rows["group"] == "all")
                & rows["level"].isin(LEVELS)]  # fmt: skip
    table = rows[["level", "area_code", *COLUMNS]].reset_index(drop=True)
    table.insert(2, "area", table["area_code"].map(catalogue.area_name))
    parent = {STP: catalogue.office_of_stp, PROVIDER: catalogue.stp_of}
    table.insert(3, "parent", [
        str(parent[lv].get(code, "")) if lv in parent else ""
        for lv, code in zip(table["level"], table["area_code"], strict=True)
    ])  # fmt: skip
    table.attrs["dispersion"] = _provider_dispersion(mart, catalogue, measure, period, table)
    return table


#: The key of England's funnel of providers in ``attrs["dispersion"]``.
ENGLAND_FUNNEL = "England"


def _provider_dispersion(mart, catalogue, measure, period, table) -> dict:
    """(phi, tau2) from the unrounded counts of the providers shown: across England
    (:data:`ENGLAND_FUNNEL`) and within each local office (by its code)."""
    shown = table[(table["level"] == PROVIDER) & kpis.shown(table)]
    raw = kpis.measure_rows(mart, measure)
    raw = raw[(raw["period"] == period) & (raw["group"] == "all")].set_index("area_code")
    found = {}
    office_of = catalogue.office_of_provider
    groups = {ENGLAND_FUNNEL: list(shown["area_code"])}
    for code in shown["area_code"]:
        groups.setdefault(str(office_of.get(code, "")), []).append(code)
    for key, codes in groups.items():
        if len(codes) >= 2:
            found[key] = dispersion(raw.loc[codes, "numerator"], raw.loc[codes, "denominator"])
    return found


def compare_stps(mart: Mart, catalogue: Catalogue, measure: str, period: str) -> pd.DataFrame:
    """Every STP at one period against England, as :func:`heenb.figures.kpis.compare` gives
    areas of other levels, from the published figures (:func:`published`, :func:`funnel_of`).

    Returns
    -------
    DataFrame
        One row per STP with figures: ``area_code``, ``area``, :data:`COLUMNS`,
        ``lower998``, ``upper998`` (at its shown n) and ``outlier`` ("high", "low", ""
        within limits, "withheld", "no data", or "not assessed" with fewer than two
        shown); ``attrs`` hold ``centre`` (England's rate) and, with a funnel, ``phi``,
        ``tau2``, ``target`` and ``overdispersion``.
    """
    # The same for every STP page of a build (kept on the mart), so worked out once.
    key = ("compare_stps", rate_precision(), measure, period)
    return kept(mart, catalogue, key, lambda: _compare_stps(mart, catalogue, measure, period))


def _compare_stps(mart: Mart, catalogue: Catalogue, measure: str, period: str) -> pd.DataFrame:
    rows = published(mart, catalogue, measure)
    rows = rows[(rows["level"] == STP) & (rows["period"] == period) & (rows["group"] == "all")]
    table = rows[["area_code", *COLUMNS]].reset_index(drop=True)
    table.insert(1, "area", table["area_code"].map(catalogue.area_name))
    table.attrs["centre"] = kpis.england_value(mart, measure, period)
    table["outlier"] = np.where(table["no_data"], "no data", "withheld")
    visible = kpis.shown(table)
    if visible.sum() >= 2:
        raw = kpis.measure_rows(mart, measure)
        raw = raw[(raw["period"] == period) & (raw["group"] == "all")].set_index("area_code")
        codes = list(table.loc[visible, "area_code"])
        table.attrs["dispersion"] = {STP: dispersion(raw.loc[codes, "numerator"],
                                                     raw.loc[codes, "denominator"])}  # fmt: skip
    centre = table.attrs["centre"]
    limits = None if centre is None else funnel_of(table, centre, among=STP)
    return kpis.with_verdicts(table, visible, limits)


#: The normal quantile of a two-sided 5% test, as :func:`heenb.stats.year_on_year` uses.
Z_CHANGE = 1.959964


def change_between(earlier: pd.Series, later: pd.Series) -> dict:
    """The change between two shown rows of a :func:`trend`: the difference of the rates
    as published, significant at 5% (the pooled two-proportion z-test of
    :func:`heenb.stats.year_on_year`) only when it is so, in the same direction, for every
    pair of counts the two rows' n and rates allow; the unrounded counts are one of those
    pairs, and the verdict depends on the published figures alone."""
    k1, n1 = possible(earlier)
    k2, n2 = possible(later)
    k1, n1, k2, n2 = (a.astype(float) for a in (k1[:, None], n1[:, None], k2[None], n2[None]))
    pooled = (k1 + k2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (k2 / n2 - k1 / n1) / spread, 0.0)
    significant = bool((z > Z_CHANGE).all() or (z < -Z_CHANGE).all())
    return {
        "from_period": earlier["period"],
        "to_period": later["period"],
        "change": float(later["value"]) - float(earlier["value"]),
        "significant": significant,
    }


class PublishedScore(Score):
    """A :class:`~heenb.figures.score.Score` of an STP, read from its published figures
    (:func:`trend`, :func:`compare_stps`): its change is :func:`change_between` the latest
    two periods, so every verdict rests on what the page shows."""

    @cached_property
    def change(self) -> dict | None:
        if self.change_reason:
            return None
        rows = kpis.applicable(self.trend)
        return change_between(rows.iloc[-2], rows.iloc[-1])


def stp_score(catalogue: Catalogue, mart: Mart, kpi: pd.Series, stp: str) -> PublishedScore:
    """The :class:`PublishedScore` of one KPI row in one STP, compared with the other STPs."""
    period = kpis.latest_period(mart, kpi["kpi_id"])
    peers = None if period is None else compare_stps(mart, catalogue, kpi["kpi_id"], period)
    return PublishedScore(Measure(kpi), stp, trend(mart, catalogue, kpi["kpi_id"], stp), peers,
                          catalogue, period)  # fmt: skip


def trend(mart: Mart, catalogue: Catalogue, measure: str, area_code: str) -> pd.DataFrame:
    """One STP's (or provider's) published rate by period, oldest first, as
    :func:`heenb.figures.kpis.trend` gives other areas': ``period``, ``numerator`` (NA:
    not published), :data:`COLUMNS` and ``not_applicable``."""
    rows = published(mart, catalogue, measure)
    rows = rows[(rows["area_code"] == area_code) & (rows["group"] == "all")]
    table = rows.sort_values("period")[["period", *COLUMNS]].reset_index(drop=True)
    table.insert(1, "numerator", pd.array([pd.NA] * len(table), dtype="Int64"))
    start = kpis.not_applicable(measure)
    table["not_applicable"] = table["period"] < start[0] if start else False
    table.loc[table["not_applicable"], ["value", "lower", "upper"]] = np.nan
    table.loc[table["not_applicable"], "no_data"] = True
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


def limits_of(
    rows: pd.DataFrame, centre: float | None = None, among: str | None = None
) -> pd.DataFrame | None:
    """Funnel limits of the shown rows (by name), centred on ``centre`` (England) when
    given, else on the rows' own pooled rate: :func:`funnel_of`."""
    return funnel_of(rows, centre, among)


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
