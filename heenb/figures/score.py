"""One :class:`Score` per (measure, area): every verdict a page gives about it, decided once.

A scorecard cell, a main point and a table row about the same KPI in the same area all
read the same Score, so they cannot disagree: its latest value, the change since the
previous period and whether that is better, worse or chance, its standing against the
other areas of its level on a funnel plot, and its Making Data Count variation and
assurance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from heenb import formatting, spc
from heenb.data.catalogue import ENGLAND, Catalogue
from heenb.data.mart import Mart
from heenb.figures import kpis
from heenb.figures.measure import Measure

#: Standing values of a score beyond the funnel limits.
OUTSIDE = ("high", "low")


@dataclass(frozen=True)
class Score:
    """A measure in one area, as every page judges it.

    ``trend`` is the area's protected series (:func:`heenb.figures.kpis.trend`);
    ``peers`` the comparison of its level at the measure's latest period
    (:func:`heenb.figures.kpis.compare`), None for England or when not compared.
    """

    measure: Measure
    area_code: str
    trend: pd.DataFrame
    peers: pd.DataFrame | None
    catalogue: Catalogue
    #: The measure's latest period in any area (the one its standing is judged at).
    latest_period: str | None = None

    # ------------------------------------------------------------ the latest value
    @property
    def latest(self) -> pd.Series | None:
        """The area's row at its latest period (perhaps withheld or no data); None without
        any row."""
        return None if self.trend.empty else self.trend.iloc[-1]

    @property
    def shown(self) -> pd.Series | None:
        """The latest row whose value is shown; None when it is withheld or has no data."""
        latest = self.latest
        if latest is None or latest["withheld"] or latest["no_data"]:
            return None
        return latest

    # ------------------------------------------------------------ change
    @cached_property
    def change(self) -> dict | None:
        """The change from the previous period to the latest (see
        :func:`heenb.figures.kpis.change`), or None when :attr:`change_reason` says why not."""
        return None if self.change_reason else kpis.change(kpis.applicable(self.trend))

    @cached_property
    def change_reason(self) -> str | None:
        """Why no change is given, in words; None when one is."""

        rows = kpis.applicable(self.trend)
        if len(rows) < 2:
            return "fewer than two periods"
        for row, which in ((rows.iloc[-1], "latest"), (rows.iloc[-2], "previous")):
            if row["withheld"]:
                return f"{which} figure {formatting.WITHHELD}"
            if row["no_data"]:
                return f"{formatting.NO_DATA} for the {which} period"
        return None

    @property
    def change_verdict(self) -> str:
        """ "better", "worse", "significant" (no direction is better) or "no significant
        change"; "" when no change is given."""
        if self.change is None:
            return ""
        if not self.change["significant"]:
            return "no significant change"
        return self.measure.meaning(self.change["change"]) or "significant"

    # ------------------------------------------------------------ standing
    @cached_property
    def standing(self) -> str:
        """The area against its peers' funnel limits: "high", "low", "" (within limits),
        "withheld", "no data" or "not assessed"."""
        if self.peers is None:
            return "not assessed"
        mine = self.peers[self.peers["area_code"] == self.area_code]
        if mine.empty:
            return "no data"
        return str(mine["outlier"].iloc[0])

    @property
    def standing_verdict(self) -> str:
        """ "better" or "worse" than its peers beyond the 99.8% limits, "outside limits"
        for a KPI with no better direction, "within limits", or the standing's reason."""
        if self.standing in OUTSIDE:
            return self.measure.meaning(1 if self.standing == "high" else -1) or "outside limits"
        return "within limits" if self.standing == "" else self.standing

    # ------------------------------------------------------------ SPC
    @cached_property
    def spc(self) -> spc.XmrResult | None:
        """The MDC XmR result of the area's own series, or None when :attr:`spc_reason`
        says why it is not assessed."""
        if self.spc_reason:
            return None
        rows = kpis.applicable(self.trend)
        return kpis.kpi_spc(self.catalogue, self.measure.row, rows["period"], rows["value"])

    @cached_property
    def spc_reason(self) -> str | None:
        """Why the series is not charted: no data, or withheld periods break it."""

        rows = kpis.applicable(self.trend)
        if rows.empty or rows["no_data"].all():
            return formatting.NO_DATA
        if rows["withheld"].any():
            return "withheld years break the series"
        return None


def score(
    catalogue: Catalogue, mart: Mart, kpi: pd.Series, area_code: str = ENGLAND,
    level: str | None = None,
) -> Score:  # fmt: skip
    """The :class:`Score` of one KPI row in one area, compared with the other areas of
    ``level`` (none for England, or when ``level`` is None)."""
    return scores(catalogue, mart, kpi, [area_code], level)[0]


def scores(
    catalogue: Catalogue, mart: Mart, kpi: pd.Series, area_codes: list[str],
    level: str | None = None,
) -> list[Score]:  # fmt: skip
    """The :class:`Score` of one KPI row in each of ``area_codes``, all compared on the one
    funnel of ``level`` (worked out once for them all)."""
    kpi_id = kpi["kpi_id"]
    period = kpis.latest_period(mart, kpi_id)
    peers = None
    if level is not None and period is not None:
        peers = kpis.compare(mart, catalogue, kpi_id, period, level)
    return [
        Score(Measure(kpi), code, kpis.trend(mart, kpi_id, code),
              None if code == ENGLAND else peers, catalogue, period)
        for code in area_codes
    ]  # fmt: skip
