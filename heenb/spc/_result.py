"""XmrResult: an XmR chart's figures, special causes and icons, and the icons in words."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from heenb.spc._arguments import checked_target
from heenb.spc._rules import assurance_icon

_VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause variation: improvement, due to higher values",
    "improvement_low": "Special cause variation: improvement, due to lower values",
    "concern_high": "Special cause variation: concern, due to higher values",
    "concern_low": "Special cause variation: concern, due to lower values",
    "neither_high": (
        "Special cause variation: neither improvement nor concern, due to higher values"
    ),
    "neither_low": "Special cause variation: neither improvement nor concern, due to lower values",
}
_ASSURANCE_TEXT = {
    "pass": "Assurance: the process will consistently meet the target",
    "fail": "Assurance: the process will consistently fail to meet the target",
    "hit_or_miss": (
        "Assurance: the process will not reliably meet the target; "
        "it is inconsistently hit or missed"
    ),
}


@dataclass(frozen=True, eq=False)
class XmrResult:
    """An XmR chart's figures, special causes and icons; made by :func:`xmr`.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per input value, with the input Series' index (else 0, 1, ...);
        from a data frame, one row per row of it in date order, numbered 0, 1,
        ..., starting with the facet column and the date column when given:

        ``value``
            The value charted.
        ``moving_range``
            Absolute difference from the previous value in the same section
            (NaN for the first point of each section).
        ``mean``
            The centre line: the mean of the values the point's limits rest on.
        ``sigma``
            2.66 / 3 times the mean moving range (about mean moving range / 1.128).
        ``lower``, ``upper``
            Lower and upper process limits, mean -/+ 3 sigma.
        ``section``
            0 for the first section of limits, 1 after the first recalculation, ...
        ``special_cause``
            ``""`` (common cause), ``"improvement"``, ``"concern"`` or ``"neither"``.
        ``rule``
            The rules that fired at the point, comma-separated, from
            ``"single point"``, ``"shift"``, ``"trend"`` and ``"two in three"``
            (in either direction, so a conflict lists both); ``""`` if none.

        ``mean``, ``sigma``, ``lower`` and ``upper`` are NaN in a section with
        fewer than ``min_points`` points.
    improvement : str
        ``"higher"``, ``"lower"`` or ``"neither"``: which direction is better.
    target : float or None
    variation : str or None
        The variation icon, from the latest point: ``"common_cause"``, or
        ``"improvement_high"``, ``"improvement_low"``, ``"concern_high"``,
        ``"concern_low"``, ``"neither_high"``, ``"neither_low"``, where high or
        low is the side of the rules that made the point special cause (a
        higher-is-good measure shows only improvement_high and concern_low, as
        MDC). None when the latest section has no limits.
    assurance : str or None
        The assurance icon: ``"pass"``, ``"fail"`` or ``"hit_or_miss"``; None
        with no target, no improvement direction or no limits.
    min_points : int
        Fewest points that process limits may rest on.
    limit_points : int
        How many points the latest limits rest on (or would, if enough).
    date : str or None
        The name of the date column of ``points``, when dates were given.
    facet : str or None
        The name of the facet column of ``points``, for one facet of several.
    period_variation : tuple
        The variation icon at the last point of each period of limits.
    """

    points: pd.DataFrame
    improvement: str
    target: float | None
    variation: str | None
    assurance: str | None
    min_points: int
    limit_points: int
    assurance_note: str | None = None
    date: str | None = None
    facet: str | None = None
    period_variation: tuple = ()

    @property
    def facet_value(self):
        """This chart's facet (the value of its facet column), or None."""
        return None if self.facet is None else self.points[self.facet].iloc[0]

    @property
    def dates(self) -> pd.Index:
        """Each point's date (or index label, when no dates were given)."""
        if self.date is not None:
            return pd.Index(self.points[self.date])
        return self.points.index

    def _repr_html_(self) -> str:
        """In JupyterLab: the icons in words, then the summary table."""
        words = html.escape(f"{self.variation_text}. {self.assurance_text}.")
        return f"<p>{words}</p>{self.summary().to_html(index=False)}"

    def summary(self) -> pd.DataFrame:
        """One row per period of limits, as NHSRplotthedots' ``summary()``.

        Returns
        -------
        pandas.DataFrame
            Columns: the facet column (for a facet), ``period`` (0, 1, ...,
            as ``points["section"]``), ``start`` and ``end`` (the first and last
            date, or index label, of the period), ``points``, ``mean``,
            ``lower``, ``upper`` (NaN with too few points), ``common_cause``,
            ``improvement``, ``concern`` and ``neither`` (how many points of
            each), ``variation`` (the icon at the period's last point) and
            ``assurance`` (the icon, for the latest period only; None before,
            or with no target).
        """
        rows = []
        dates = self.dates
        sections = self.points["section"].to_numpy()
        for number in np.unique(sections):
            where = np.flatnonzero(sections == number)
            part = self.points.iloc[where]
            causes = part["special_cause"].value_counts()
            latest = number == sections[-1]
            rows.append(
                {
                    "period": int(number),
                    "start": dates[where[0]],
                    "end": dates[where[-1]],
                    "points": len(part),
                    "mean": part["mean"].iloc[0],
                    "lower": part["lower"].iloc[0],
                    "upper": part["upper"].iloc[0],
                    "common_cause": int(causes.get("", 0)),
                    "improvement": int(causes.get("improvement", 0)),
                    "concern": int(causes.get("concern", 0)),
                    "neither": int(causes.get("neither", 0)),
                    "variation": (
                        self.period_variation[number]
                        if number < len(self.period_variation)
                        else None
                    ),
                    "assurance": self.assurance if latest else None,
                }
            )
        table = pd.DataFrame(rows)
        if self.facet is not None:
            table.insert(0, self.facet, self.facet_value)
        return table

    @property
    def variation_text(self) -> str:
        """The variation icon in words, as MDC phrases it."""
        if self.variation is None:
            return (
                f"Too few points for process limits ({self.limit_points} of "
                f"{self.min_points}): variation not assessed"
            )
        return _VARIATION_TEXT[self.variation]

    @property
    def assurance_text(self) -> str:
        """The assurance icon in words, or why there is none."""
        if self.assurance is not None:
            return _ASSURANCE_TEXT[self.assurance]
        if self.assurance_note:
            return f"Assurance: not assessed, {self.assurance_note}"
        if self.target is None:
            return "Assurance: not assessed, no target set"
        if self.improvement == "neither":
            return "Assurance: not assessed, no improvement direction to judge the target by"
        return "Assurance: not assessed, too few points for process limits"

    def with_target(self, target: float | None, stable_only: bool = False) -> XmrResult:
        """The same chart judged against another target (None for no target).

        With ``stable_only``, no assurance is given while the latest point is
        special cause: the process is then changing, and limits it has left say
        nothing about whether it will meet the target (MDC advises recalculating
        limits once a change is sustained). ``assurance_text`` then says so.
        """
        target = checked_target(target)
        changing = stable_only and self.points["special_cause"].iloc[-1] != ""
        return replace(
            self,
            target=target,
            assurance=None if changing else assurance_icon(self.points, self.improvement, target),
            assurance_note=(
                "the latest point is special cause variation: the process is changing, so its "
                "limits do not predict whether it will meet the target"
                if changing and target is not None
                else None
            ),
        )
