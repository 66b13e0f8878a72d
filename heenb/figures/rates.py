"""Figures of rate measures on published sources (rule ``ratio_of_sums``).

A rate KPI reads a declared published source (:mod:`heenb.data.published`): its value in
an area and period is the publication's rate there, or the ratio of the sums of its
numerator and denominator where the publication gives organisations' parts. Nothing here
names a source or a measure: the KPI's row and the source's declaration say everything.

* :func:`series`: one area's rate by period, with its numerator, denominator and the
  publication it comes from;
* :func:`xmr_of`: the XmR of a series, limits recalculated at the KPI's change points and
  after each gap in the published months (a moving range never spans a gap);
* :func:`units`: the areas of one level in one period (an ICS's organisations, a
  region's ICSs), each with its rate and, where the period has parts, Laney's p' limits.
"""

from __future__ import annotations

import pandas as pd

from heenb import pprime, spc
from heenb.data.catalogue import Catalogue
from heenb.data.published import Source, load_sources
from heenb.figures.kpis import change_points, spc_min_points

#: The geography levels below each level, for a page's table of the areas it holds.
CHILD_LEVEL = {"england": "region", "region": "ics", "ics": "organisation"}


def source(kpi: pd.Series) -> Source:
    """The published source a rate KPI reads."""
    return load_sources()[kpi["source_file"]]


def rate_name(kpi: pd.Series) -> str:
    """The source's value that is the KPI's numerator over its denominator."""
    parts = (kpi["numerator"], kpi["denominator"])
    return next(v.name for v in source(kpi).values.values() if v.rate_of == parts)


def _rows(kpi: pd.Series, breakdowns: bool = False) -> pd.DataFrame:
    """The source's rows with the KPI's value, numerator and denominator; only the whole
    areas' rows unless ``breakdowns``, then only the groups' rows. Made once per source,
    rate and kind of row (:meth:`heenb.data.published.Source.kept`): a page asks often."""

    def made() -> pd.DataFrame:
        table = source(kpi).table()
        table = table[(table["breakdown"] != "") == breakdowns]
        table["value"] = table[rate_name(kpi)]
        table = table.rename(columns={kpi["numerator"]: "numerator",
                                      kpi["denominator"]: "denominator"})  # fmt: skip
        return table[table["value"].notna()]

    return source(kpi).kept(("rows", kpi["numerator"], kpi["denominator"], breakdowns), made)


def levels(kpi: pd.Series) -> frozenset[str]:
    """The geography levels the KPI's source gives figures for (kept with the source)."""
    key = ("levels", kpi["numerator"], kpi["denominator"])
    return source(kpi).kept(key, lambda: frozenset(_rows(kpi)["level"]))


def series(kpi: pd.Series, level: str, code: str) -> pd.DataFrame:
    """One area's rate by period: ``period``, ``value`` (a fraction), ``numerator`` and
    ``denominator`` (where published), ``publication`` (its citation); empty when the
    source has no figures for the area."""
    rows = _rows(kpi)
    rows = rows[(rows["level"] == level) & (rows["area_code"] == code)].sort_values("period")
    cited = [t.citation for t in source(kpi).tables]
    rows["publication"] = rows["table"].map(lambda i: cited[i])
    return rows[["period", "value", "numerator", "denominator", "publication"]].reset_index(
        drop=True
    )


def by_breakdown(catalogue: Catalogue, kpi: pd.Series, level: str, code: str) -> pd.DataFrame:
    """The groups of the breakdown the source gives for one area (staff groups ...), in the
    publication's order: each group's latest value and period, its value a year before,
    and the XmR variation of its latest monthly run. Empty without a breakdown."""
    rows = _rows(kpi, breakdowns=True)
    rows = rows[(rows["level"] == level) & (rows["area_code"] == code)]
    found = []
    for group, part in sorted(rows.groupby("breakdown"), key=lambda g: g[1]["_row"].min()):
        part = part.sort_values("period")[["period", "value"]].reset_index(drop=True)
        run = monthly_run(part)
        last = part.iloc[-1]
        before = part[part["period"] == str(pd.Period(last["period"], freq="M") - 12)]
        found.append(
            {
                "group": group,
                "period": last["period"],
                "value": last["value"],
                "year_before": before["value"].iloc[0] if len(before) else None,
                "variation": xmr_of(catalogue, kpi, run).variation_text,
            }
        )
    return pd.DataFrame(found)


def gap_starts(periods: pd.Series) -> list[int]:
    """Positions of the periods that follow a gap (a missing month before them)."""
    months = pd.PeriodIndex(periods, freq="M")
    steps = (months[1:] - months[:-1]).map(lambda d: d.n)
    return [i + 1 for i, step in enumerate(steps) if step > 1]


def xmr_of(catalogue: Catalogue, kpi: pd.Series, rows: pd.DataFrame) -> spc.XmrResult:
    """The XmR result of a series from :func:`series`, by month: limits are recalculated
    at the KPI's change points (``kpi_change_points.csv``); across a gap in the months the
    limits go on but no moving range is taken (``gaps="allow"`` in :func:`heenb.spc.xmr`)."""
    recalculate = sorted({at for at, _ in change_points(catalogue, kpi["kpi_id"], rows["period"])})
    frame = pd.DataFrame(
        {"month": pd.to_datetime(rows["period"], format="%Y-%m"), "value": rows["value"]}
    ).reset_index(drop=True)
    return spc.xmr(
        frame,
        value="value",
        date="month",
        improvement=kpi["improvement"],
        recalculate_at=[frame["month"].iloc[i] for i in recalculate],
        gaps="allow",
        min_points=spc_min_points(),
    )


def monthly_run(rows: pd.DataFrame) -> pd.DataFrame:
    """The latest unbroken run of months in a series that is long enough for process
    limits (else the latest run): what a page's SPC verdict speaks of."""
    starts = [0, *gap_starts(rows["period"]), len(rows)]
    runs = [rows.iloc[a:b] for a, b in zip(starts, starts[1:], strict=False)]
    long_enough = [run for run in runs if len(run) >= spc_min_points()]
    return (long_enough or runs)[-1]


def latest_with_parts(kpi: pd.Series, level: str) -> str | None:
    """The latest period in which the source gives numerators and denominators at
    ``level``; None when it never does."""
    rows = _rows(kpi)
    rows = rows[(rows["level"] == level) & rows["denominator"].notna()]
    return None if rows.empty else str(rows["period"].max())


def units(kpi: pd.Series, level: str, period: str, within: tuple[str, str] | None = None):
    """The areas of ``level`` in ``period`` (those in ``within``, a (level column, code)
    pair such as ("ics_code", "QKK"), when given), each with its rate; where the period
    has numerators and denominators, Laney's p' limits over every area of the level in
    England (so an ICS's organisations are judged against all organisations).

    Returns (DataFrame indexed by area name with ``area_code``, ``org_type``,
    ``numerator``, ``denominator``, ``proportion`` and, with parts, the p' columns; the
    p' attrs, or None without parts).
    """
    rows = _rows(kpi)
    rows = rows[(rows["level"] == level) & (rows["period"] == period)]
    rows = rows[~rows["area_code"].isin(source(kpi).outside)]
    limits = None
    parts = rows[rows["denominator"].gt(0) & rows["numerator"].notna()]
    if len(parts) >= 2:
        limits = pprime.laney_limits(
            parts, numerator="numerator", denominator="denominator", group="area_code"
        )
    if within is not None:
        rows = rows[rows[within[0]] == within[1]]
    table = rows.set_index("area_code")[["area_name", "org_type", "numerator", "denominator",
                                         "value"]]  # fmt: skip
    table = table.rename(columns={"value": "proportion"})
    if limits is not None:
        shown = limits.drop(columns=["numerator", "denominator", "proportion"])
        table = table.join(shown, how="left")
        table.attrs.update(limits.attrs)
    return table.sort_values("proportion")
