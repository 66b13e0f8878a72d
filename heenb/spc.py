"""Making Data Count XmR charts: process limits, special cause rules and icons.

Statistical process control (SPC) separates the ordinary ups and downs of a
measure (*common cause* variation) from changes worth acting on (*special
cause* variation). :func:`xmr` follows NHS England's Making Data Count (MDC)
method, checked point by point against MDC's published conformance data
(``tests/fixtures/mdc_xmr``):

* The process limits are the mean plus or minus 2.66 times the mean moving
  range (the moving range is the absolute difference between consecutive
  values); sigma is a third of that distance.
* A point is special cause when it is beyond a process limit (*single point*),
  part of a run of ``shift`` points on one side of the mean (*shift*; a point on
  the mean breaks the run), part of a run of ``trend`` points each strictly
  higher, or each strictly lower, than the one before (*trend*; an equal value
  breaks it), or beyond two sigma but within the limit with another such point
  among three consecutive points all on the same side of the mean (*two in
  three*). The rules run within each period of limits (as NHSRplotthedots
  does with its rebase periods): a run that spans a recalculation is not
  joined across it. ``rules_across_periods=True`` runs them across
  recalculations instead, each point judged against its own period's lines,
  as MDC's Single Chart Tool (and its conformance data) does.
* Special cause is *improvement* or *concern* by the improvement direction;
  a point that is both shows improvement. With no direction it is *neither*.
* The variation icon describes the latest point and the assurance icon says
  whether the latest process limits will reliably meet a target.

Limits rest on at least ``min_points`` points (13 by default, as MDC): a section
with fewer has no mean, no limits and no special cause flags, and a chart whose
latest section has fewer has no icons. The NHS-R variant (NHSRplotthedots) is
``xmr(values, shift=7, trend=7, screen_moving_ranges=True)``.

From pandas, give a data frame and name its columns, as NHSRplotthedots'
``ptd_spc(data, value_field, date_field, facet_field, target, rebase)``::

    result = xmr(df, value="rate", date="month", facet="region",
                 target={"North": 0.8, "South": 0.75},
                 recalculate_at=["2023-04-01"], improvement="higher")
    result.points      # one tidy row per point, with the facet and date columns
    result.summary()   # one row per facet and period of limits

Rows are sorted by date; a missing period (a month with no row) is refused,
naming the missing dates, unless ``gaps="allow"``.
"""

from __future__ import annotations

import html
import math
import numbers
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from heenb.checks import as_dates, check_dates, date_text
from heenb.errors import ArgumentError

__all__ = ["XmrFacets", "XmrResult", "xmr"]

#: Process limits are this many mean moving ranges either side of the mean.
LIMIT_FACTOR = 2.66
#: With screening, moving ranges above this many times their mean are left out.
MOVING_RANGE_LIMIT_FACTOR = 3.267
IMPROVEMENTS = ("higher", "lower", "neither")
GAPS = ("refuse", "allow")

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
        target = _target(target)
        changing = stable_only and self.points["special_cause"].iloc[-1] != ""
        return replace(
            self,
            target=target,
            assurance=None if changing else _assurance(self.points, self.improvement, target),
            assurance_note=(
                "the latest point is special cause variation: the process is changing, so its "
                "limits do not predict whether it will meet the target"
                if changing and target is not None
                else None
            ),
        )


def xmr(
    values,
    improvement: str = "higher",
    target=None,
    recalculate_at=(),
    baseline: int | None = None,
    shift: int = 6,
    trend: int = 6,
    screen_moving_ranges: bool = False,
    min_points: int = 13,
    *,
    value: str | None = None,
    date: str | None = None,
    facet: str | None = None,
    gaps: str = "refuse",
    rules_across_periods: bool = False,
):
    """Calculate a Making Data Count XmR chart, from a series or a data frame.

    Parameters
    ----------
    values : pandas.DataFrame, or list, numpy.ndarray or pandas.Series of numbers
        A data frame (name its columns with ``value``, ``date`` and ``facet``),
        or one value per period in time order. A Series with a date or period
        index is sorted by it, and a missing period refused (see ``gaps``). A
        missing value is refused rather than letting a moving range jump the gap.
    improvement : {"higher", "lower", "neither"}
        Which direction is better; "neither" marks special cause as neither
        improvement nor concern and gives no assurance.
    target : float, dict, str or None
        The target the assurance icon judges the latest limits against: one
        number; with ``facet``, a dict of facet to number (a facet left out has
        no target); or the name of a column holding each row's target (one
        value per facet).
    recalculate_at : sequence of dates (or of int), or dict of facet to dates
        Where a new period of limits starts. With ``date``, or a Series with a
        date index, the dates of the first points of new periods ("2023-04-01",
        a Timestamp or a Period); each must be a date in the data. Otherwise
        0-based positions. A dict gives each facet its own dates. Each period
        has its own mean and limits from its own points; neither moving ranges
        nor (by default) the rules cross a period boundary.
    baseline : int, optional
        Fix the mean and limits on the first ``baseline`` points and extend them
        over the whole chart; ``recalculate_at`` is then ignored.
    shift, trend : int
        Points in a run that make a shift or a trend (6 as MDC; 7 as NHS-R).
    screen_moving_ranges : bool
        Leave moving ranges above 3.267 times their mean out of the mean moving
        range used for the limits (as NHS-R); the mean of the values is unchanged.
    min_points : int
        Fewest points that process limits may rest on (13 as MDC).
    value, date, facet : str, optional
        With a data frame: the column of values (required), of dates (rows are
        sorted by it; without it, rows are taken in order) and of facets (one
        chart per facet, as NHSRplotthedots' ``facet_field``).
    gaps : {"refuse", "allow"}
        With dates: "refuse" (default) stops with the missing dates named;
        "allow" charts across them (moving ranges then span the gap).
    rules_across_periods : bool
        Run the special cause rules across recalculations, as MDC's Single
        Chart Tool, instead of within each period, as NHSRplotthedots.

    Returns
    -------
    XmrResult, or XmrFacets with ``facet``
        ``points`` is a tidy frame; ``summary()`` gives one row per period.

    Raises
    ------
    heenb.errors.ArgumentError
        For any argument it cannot use, naming the argument, column or row and
        what is valid.

    Examples
    --------
    >>> result = xmr([20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18])
    >>> result.variation, round(float(result.points["mean"].iloc[-1]), 2)
    ('common_cause', 23.2)
    """
    settings = {
        "improvement": _improvement(improvement),
        "baseline": baseline,
        "shift": _count("shift", shift),
        "trend": _count("trend", trend),
        "screen": bool(screen_moving_ranges),
        "min_points": _count("min_points", min_points),
        "across": bool(rules_across_periods),
    }
    if gaps not in GAPS:
        raise ArgumentError(f"gaps must be 'refuse' or 'allow'; got {gaps!r}")
    if isinstance(values, pd.DataFrame):
        return _from_frame(values, value, date, facet, target, recalculate_at, gaps, settings)
    for name, column in (("value", value), ("date", date), ("facet", facet)):
        if column is not None:
            raise ArgumentError(
                f"{name}={column!r} names a column, so values must be a pandas DataFrame; got "
                f"{type(values).__name__}. Pass the data frame, or the values alone."
            )
    series = _values(values)
    positions = _facet_recalculations(recalculate_at, None, None)
    if isinstance(series.index, pd.DatetimeIndex | pd.PeriodIndex):
        series = _sorted_by_index(series, gaps)
        if not _all_positions(positions):
            positions = _date_positions(positions, series.index, "values' index")
    return _chart(series, _target(target), positions, settings)


def _all_positions(recalculate_at) -> bool:
    """True for a sequence of whole numbers: 0-based positions rather than dates."""
    return isinstance(recalculate_at, Iterable) and all(_is_whole(item) for item in recalculate_at)


def _chart(series: pd.Series, target, recalculate_at, settings: dict) -> XmrResult:
    """The XmR chart of one checked series (index kept)."""
    improvement = settings["improvement"]
    y = series.to_numpy()
    sections = _sections(y.size, recalculate_at, settings["baseline"])
    mean, mean_moving_range, section = _centre_lines(
        y, sections, settings["screen"], settings["min_points"]
    )
    sigma = LIMIT_FACTOR / 3 * mean_moving_range
    lower = mean - LIMIT_FACTOR * mean_moving_range
    upper = mean + LIMIT_FACTOR * mean_moving_range
    spans = [(0, y.size)] if settings["across"] else [(a, b) for a, b, _ in sections]
    signals = _signals_within(
        spans, y, mean, sigma, lower, upper, settings["shift"], settings["trend"]
    )
    high = np.logical_or.reduce([high for high, _ in signals.values()])
    low = np.logical_or.reduce([low for _, low in signals.values()])
    cause = _special_cause(high, low, improvement)
    points = pd.DataFrame(
        {
            "value": y,
            "moving_range": _moving_ranges(y, sections),
            "mean": mean,
            "sigma": sigma,
            "lower": lower,
            "upper": upper,
            "section": section,
            "special_cause": cause,
            "rule": _rule_names(signals),
        },
        index=series.index,
    )
    start, _, fit_stop = sections[-1]
    period_variation = tuple(
        _variation(cause[stop - 1], high[stop - 1], improvement, not np.isnan(mean[stop - 1]))
        for _, stop, _ in sections
    )
    return XmrResult(
        points=points,
        improvement=improvement,
        target=target,
        variation=period_variation[-1],
        assurance=_assurance(points, improvement, target),
        min_points=settings["min_points"],
        limit_points=fit_stop - start,
        period_variation=period_variation,
    )


@dataclass(frozen=True, eq=False)
class XmrFacets:
    """XmR charts of several facets (areas, staff groups); made by :func:`xmr` with ``facet``.

    Attributes
    ----------
    results : dict
        Facet value -> :class:`XmrResult`, facets sorted.
    facet : str
        The facet column's name.
    date : str or None
        The date column's name.
    """

    results: dict
    facet: str
    date: str | None = None

    @property
    def points(self) -> pd.DataFrame:
        """Every facet's points in one tidy frame, the facet column first."""
        return pd.concat([r.points for r in self.results.values()], ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """One row per facet and period of limits (see :meth:`XmrResult.summary`)."""
        return pd.concat([r.summary() for r in self.results.values()], ignore_index=True)

    def _repr_html_(self) -> str:
        """In JupyterLab: the summary table of every facet."""
        return self.summary().to_html(index=False)

    def with_target(self, target) -> XmrFacets:
        """The same charts judged against another target: a number, a dict or None."""
        targets = _facet_targets(target, None, list(self.results), self.facet)
        return replace(
            self, results={k: r.with_target(targets[k]) for k, r in self.results.items()}
        )

    def __getitem__(self, facet) -> XmrResult:
        if facet not in self.results:
            raise ArgumentError(
                f"no facet {facet!r}; the facets of column {self.facet!r} are {list(self.results)}"
            )
        return self.results[facet]

    def __iter__(self) -> Iterator:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


# --- data frames -----------------------------------------------------------------------


def _from_frame(df, value, date, facet, target, recalculate_at, gaps, settings):
    """xmr() of a data frame: checked, sorted and split by facet."""
    if value is None:
        raise ArgumentError(
            "value must name the column of values when values is a data frame; its columns "
            f"are {list(df.columns)}"
        )
    target_column = target if isinstance(target, str) else None
    for name, column in (("value", value), ("date", date), ("facet", facet)):
        if column is not None and column not in df.columns:
            raise ArgumentError(
                f"{name}={column!r} is not a column of the data frame; its columns are "
                f"{list(df.columns)}"
            )
    if target_column is not None and target_column not in df.columns:
        raise ArgumentError(
            f"target={target_column!r} is not a column of the data frame; give a number, a "
            f"dict of facet to number, or one of the columns {list(df.columns)}"
        )
    if df.empty:
        raise ArgumentError("the data frame has no rows: an XmR chart needs at least one value")
    _check_frame_values(df, value)
    if facet is not None and df[facet].isna().any():
        row = df.index[df[facet].isna().to_numpy()][0]
        raise ArgumentError(f"column {facet!r} (facet) is missing at row {row!r}")
    data = df.copy()
    if date is not None:
        data[date] = as_dates(data[date], date)
        data = data.sort_values(date, kind="stable")
    groups = _facet_order(data[facet]) if facet is not None else [None]
    targets = _facet_targets(target, data, groups, facet)
    results = {}
    for group in groups:
        rows = data if facet is None else data[data[facet] == group]
        rows = rows.reset_index(drop=True)
        where = "" if facet is None else f" (facet {group!r})"
        if date is not None:
            check_dates(rows[date], date, gaps, where)
            positions = _date_positions(
                _facet_recalculations(recalculate_at, group, facet),
                pd.Index(rows[date]),
                f"column {date!r}{where}",
            )
        else:
            positions = _facet_recalculations(recalculate_at, group, facet)
        result = _chart(
            _values(rows[value].reset_index(drop=True)), targets[group], positions, settings
        )
        points = result.points
        if date is not None:
            points.insert(0, date, rows[date].to_numpy())
        if facet is not None:
            points.insert(0, facet, group)
        results[group] = replace(result, points=points, date=date, facet=facet)
    if facet is None:
        return results[None]
    return XmrFacets(results=results, facet=facet, date=date)


def _facet_order(column: pd.Series) -> list:
    """The facets, sorted (in order of appearance if they cannot be sorted)."""
    found = list(dict.fromkeys(column))
    try:
        return sorted(found)
    except TypeError:
        return found


def _check_frame_values(df: pd.DataFrame, value: str) -> None:
    column = df[value]
    numbers_ = pd.to_numeric(column, errors="coerce")
    bad = column.notna() & numbers_.isna()
    if bad.any() or pd.api.types.is_bool_dtype(column):
        row = df.index[bad.to_numpy()][0] if bad.any() else df.index[0]
        raise ArgumentError(
            f"column {value!r} (value) must hold numbers; row {row!r} holds {column[row]!r}"
        )
    missing = df.index[numbers_.isna().to_numpy()]
    if len(missing):
        shown = ", ".join(repr(r) for r in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise ArgumentError(
            f"column {value!r} (value) has no value at row{'s' if len(missing) > 1 else ''} "
            f"{shown}{more}: an XmR chart needs one value for every period, as a gap would "
            "make a false moving range; fill the gap, or drop those rows and pass gaps='allow'"
        )


def _facet_targets(target, data, groups: list, facet) -> dict:
    """Each facet's target (None for none): from a number, a dict or a column."""
    if isinstance(target, Mapping):
        if facet is None:
            raise ArgumentError(
                "target is a dict of facet to target, but no facet column is named; pass "
                "facet=, or one number as target"
            )
        unknown = [key for key in target if key not in groups]
        if unknown:
            raise ArgumentError(
                f"target names facet(s) {unknown} not in column {facet!r}; its facets are {groups}"
            )
        return {group: _target(target.get(group)) for group in groups}
    if isinstance(target, str) and data is not None:
        out = {}
        for group in groups:
            rows = data if facet is None else data[data[facet] == group]
            found = rows[target].dropna().unique()
            if len(found) > 1:
                where = "" if facet is None else f" for facet {group!r}"
                raise ArgumentError(
                    f"column {target!r} (target) holds {len(found)} different targets{where} "
                    f"({sorted(found)[:5]}); a chart has one target: give one value per facet"
                )
            out[group] = _target(float(found[0])) if len(found) else None
        return out
    one = _target(target)
    return dict.fromkeys(groups, one)


def _facet_recalculations(recalculate_at, group, facet):
    if isinstance(recalculate_at, Mapping):
        if facet is None:
            raise ArgumentError(
                "recalculate_at is a dict of facet to dates, but no facet column is named; "
                "pass facet=, or a list of dates"
            )
        return recalculate_at.get(group, ())
    return recalculate_at


def _sorted_by_index(series: pd.Series, gaps: str) -> pd.Series:
    if series.index.hasnans:
        raise ArgumentError("values' index has a missing date; every value needs its date")
    series = series.sort_index(kind="stable")
    check_dates(pd.Series(series.index), "values' index", gaps, "", column=False)
    return series


def _date_positions(recalculate_at, dates: pd.Index, label: str) -> list[int]:
    """0-based positions of the recalculation dates among ``dates`` (sorted)."""
    if isinstance(recalculate_at, str | bytes) or not isinstance(recalculate_at, Iterable):
        raise ArgumentError(
            f"recalculate_at must be a list of dates (each the first date of a new period "
            f"of limits); got {recalculate_at!r}"
        )
    positions = []
    for when in recalculate_at:
        stamp = _as_date_like(when, dates)
        found = np.flatnonzero(dates == stamp) if stamp is not None else []
        if len(found) == 0:
            raise ArgumentError(
                f"recalculate_at date {when!r} is not a date of {label}, which runs from "
                f"{date_text(dates[0])} to {date_text(dates[-1])}; give the date of the "
                "first point of each new period"
            )
        if found[0] == 0:
            raise ArgumentError(
                f"recalculate_at date {when!r} is the first date of {label}; a new period "
                "must start after the first point"
            )
        positions.append(int(found[0]))
    return sorted(set(positions))


def _as_date_like(when, dates: pd.Index):
    """``when`` in the form of ``dates`` (Timestamp, Period or number), or None."""
    try:
        if isinstance(dates, pd.PeriodIndex) or isinstance(dates.dtype, pd.PeriodDtype):
            return pd.Period(when, freq=dates.freq if isinstance(dates, pd.PeriodIndex) else None)
        if pd.api.types.is_datetime64_any_dtype(dates):
            if isinstance(when, numbers.Integral) and not isinstance(when, bool):
                return None
            return pd.Timestamp(when)
        return when if _is_number(when) else None
    except (TypeError, ValueError):
        return None


# --- arguments -----------------------------------------------------------------------


def _values(values) -> pd.Series:
    """The values as a float Series, or an ArgumentError saying what is wrong."""
    values = _as_series(values)
    if values.empty:
        raise ArgumentError("values is empty: an XmR chart needs at least one number")
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        _check_numbers(values)
    floats = pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=values.index)
    missing = np.flatnonzero(np.isnan(floats))
    if missing.size:
        raise ArgumentError(
            f"values has no value at {_where(missing, values.index)}: an XmR chart needs one "
            "value for every period, as a gap would make a false moving range; fill the gap "
            "or chart the periods either side of it separately"
        )
    infinite = np.flatnonzero(np.isinf(floats))
    if infinite.size:
        raise ArgumentError(
            f"values must be finite numbers; {_where(infinite, values.index)} is infinite"
        )
    return floats


def _as_series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return pd.Series(values)
    if isinstance(values, Iterable) and not isinstance(
        values, str | bytes | Mapping | np.ndarray | pd.DataFrame
    ):
        return pd.Series(list(values))
    raise ArgumentError(
        "values must be a one-dimensional list, numpy array or pandas Series of numbers; "
        f"got {type(values).__name__}"
    )


def _check_numbers(values: pd.Series) -> None:
    for position, value in enumerate(values):
        if not (_is_number(value) or value is None or value is pd.NA):
            raise ArgumentError(
                f"values must be numbers; {_where([position], values.index)} holds "
                f"{value!r} ({type(value).__name__})"
            )


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _where(positions, index: pd.Index, shown: int = 10) -> str:
    """'0-based position 3', or '0-based positions 3 (2021), 7 (2025)' when the index
    is not 0, 1, ..."""
    labelled = not index.equals(pd.RangeIndex(len(index)))
    items = [f"{p} ({index[p]})" if labelled else str(p) for p in positions[:shown]]
    more = f" and {len(positions) - shown} more" if len(positions) > shown else ""
    noun = "position" if len(positions) == 1 else "positions"
    return f"0-based {noun} {', '.join(items)}{more}"


def _improvement(improvement) -> str:
    if improvement not in IMPROVEMENTS:
        raise ArgumentError(
            f"improvement must be 'higher', 'lower' or 'neither'; got {improvement!r}"
        )
    return improvement


def _count(name: str, count) -> int:
    if not _is_whole(count) or count < 2:
        raise ArgumentError(f"{name} must be a whole number of points, 2 or more; got {count!r}")
    return int(count)


def _target(target) -> float | None:
    if target is None:
        return None
    if not _is_number(target) or not math.isfinite(target):
        raise ArgumentError(
            f"target must be a finite number, or None for no target; got {target!r}"
        )
    return float(target)


def _sections(n: int, recalculate_at, baseline) -> list[tuple[int, int, int]]:
    """Sections of limits as ``(start, stop, fit_stop)``: points start:stop use the
    mean and limits calculated from points start:fit_stop."""
    starts = _recalculation_positions(recalculate_at, n)
    if baseline is not None:
        if not _is_whole(baseline) or not 1 <= baseline <= n:
            raise ArgumentError(
                f"baseline must be a whole number of points from 1 to {n} (the number of "
                f"values), or None; got {baseline!r}"
            )
        return [(0, n, int(baseline))]
    bounds = [0, *starts, n]
    return [(start, stop, stop) for start, stop in pairwise(bounds)]


def _recalculation_positions(recalculate_at, n: int) -> list[int]:
    valid = f"increasing 0-based positions from 1 to {n - 1}, each the first point of a new section"
    try:
        positions = [operator.index(position) for position in recalculate_at]
    except TypeError:
        raise ArgumentError(
            f"recalculate_at must be a sequence of {valid}; got {recalculate_at!r}"
        ) from None
    in_range = all(1 <= position < n for position in positions)
    if not in_range or any(a >= b for a, b in pairwise(positions)):
        raise ArgumentError(f"recalculate_at must hold {valid}; got {positions}")
    return positions


# --- calculation -----------------------------------------------------------------------


def _centre_lines(y, sections, screen: bool, min_points: int):
    """Per point: the mean and mean moving range its limits use (NaN where they
    would rest on fewer than ``min_points`` points) and its section number."""
    mean = np.full(y.size, np.nan)
    mean_moving_range = np.full(y.size, np.nan)
    section = np.empty(y.size, dtype=int)
    for number, (start, stop, fit_stop) in enumerate(sections):
        section[start:stop] = number
        fit = y[start:fit_stop]
        if fit.size >= min_points:
            mean[start:stop] = fit.mean()
            mean_moving_range[start:stop] = _mean_moving_range(fit, screen)
    return mean, mean_moving_range, section


def _mean_moving_range(fit, screen: bool) -> float:
    moving_ranges = np.abs(np.diff(fit))
    if screen:
        moving_ranges = moving_ranges[
            moving_ranges <= MOVING_RANGE_LIMIT_FACTOR * moving_ranges.mean()
        ]
    return moving_ranges.mean()


def _moving_ranges(y, sections):
    moving_ranges = np.abs(np.diff(y, prepend=np.nan))
    moving_ranges[[start for start, _, _ in sections]] = np.nan
    return moving_ranges


def _signals_within(spans, y, mean, sigma, lower, upper, shift: int, trend: int) -> dict:
    """:func:`_signals` run on each span (start, stop) of points on its own."""
    out = {}
    for start, stop in spans:
        part = slice(start, stop)
        found = _signals(y[part], mean[part], sigma[part], lower[part], upper[part], shift, trend)
        for rule, (high, low) in found.items():
            if rule not in out:
                out[rule] = (np.zeros(y.size, dtype=bool), np.zeros(y.size, dtype=bool))
            out[rule][0][part] = high
            out[rule][1][part] = low
    return out


def _signals(y, mean, sigma, lower, upper, shift: int, trend: int) -> dict:
    """For each rule, boolean arrays (high, low) of the points it flags on each side.

    Comparisons with NaN lines are False, so points without limits are never flagged.
    """
    has_limits = ~np.isnan(mean)
    above, below = y > mean, y < mean
    return {
        "single point": (y > upper, y < lower),
        "shift": (_in_runs(above, shift), _in_runs(below, shift)),
        "trend": (_trend(y, has_limits, +1, trend), _trend(y, has_limits, -1, trend)),
        "two in three": (
            _two_in_three(above, (y > mean + 2 * sigma) & (y <= upper)),
            _two_in_three(below, (y < mean - 2 * sigma) & (y >= lower)),
        ),
    }


def _in_runs(condition, length: int):
    """Flag every element of each run of at least ``length`` consecutive True values."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], condition.astype(np.int8), [0]))))
    starts, stops = edges[0::2], edges[1::2]
    long = stops - starts >= length
    marks = np.zeros(condition.size + 1, dtype=int)
    marks[starts[long]] += 1
    marks[stops[long]] -= 1
    return np.cumsum(marks[:-1]) > 0


def _trend(y, has_limits, direction: int, length: int):
    """Points in a run of ``length`` points each strictly beyond the one before."""
    steps = (np.sign(np.diff(y)) == direction) & has_limits[1:] & has_limits[:-1]
    in_trend = _in_runs(steps, length - 1)
    return np.concatenate((in_trend, [False])) | np.concatenate(([False], in_trend))


def _two_in_three(side, beyond_two_sigma):
    """Points beyond two sigma with another such point among three consecutive
    points all on the same side of the mean."""
    if side.size < 3:
        return np.zeros(side.size, dtype=bool)
    window = np.ones(3, dtype=int)
    qualifies = (np.convolve(side, window, "valid") == 3) & (
        np.convolve(beyond_two_sigma, window, "valid") >= 2
    )
    return (np.convolve(qualifies, window) > 0) & beyond_two_sigma


def _special_cause(high, low, improvement: str):
    cause = np.full(high.size, "", dtype=object)
    if improvement == "neither":
        cause[high | low] = "neither"
        return cause
    good, bad = (high, low) if improvement == "higher" else (low, high)
    cause[bad] = "concern"
    cause[good] = "improvement"  # a point both improvement and concern shows improvement
    return cause


def _rule_names(signals: dict):
    """The names of the rules fired at each point, comma-separated."""
    names = list(signals)
    fired = sum((high | low).astype(int) << bit for bit, (high, low) in enumerate(signals.values()))
    combinations = [
        ", ".join(name for bit, name in enumerate(names) if code >> bit & 1)
        for code in range(2 ** len(names))
    ]
    return np.array(combinations, dtype=object)[fired]


def _variation(cause: str, high: bool, improvement: str, has_limits: bool) -> str | None:
    if not has_limits:
        return None
    if cause == "":
        return "common_cause"
    if improvement == "neither":
        side = "high" if high else "low"
    else:
        side = "high" if (cause == "improvement") == (improvement == "higher") else "low"
    return f"{cause}_{side}"


def _assurance(points: pd.DataFrame, improvement: str, target: float | None) -> str | None:
    latest = points.iloc[-1]
    if target is None or improvement == "neither" or np.isnan(latest["mean"]):
        return None
    if latest["lower"] < target < latest["upper"]:
        return "hit_or_miss"
    meets = target <= latest["lower"] if improvement == "higher" else target >= latest["upper"]
    return "pass" if meets else "fail"
