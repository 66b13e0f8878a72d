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
  three*). The rules run across recalculations, each point judged against its
  own section's lines.
* Special cause is *improvement* or *concern* by the improvement direction;
  a point that is both shows improvement. With no direction it is *neither*.
* The variation icon describes the latest point and the assurance icon says
  whether the latest process limits will reliably meet a target.

Limits rest on at least ``min_points`` points (13 by default, as MDC): a section
with fewer has no mean, no limits and no special cause flags, and a chart whose
latest section has fewer has no icons. The NHS-R variant (NHSRplotthedots) is
``xmr(values, shift=7, trend=7, screen_moving_ranges=True)``.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from heenb.errors import ArgumentError

__all__ = ["XmrResult", "xmr"]

#: Process limits are this many mean moving ranges either side of the mean.
LIMIT_FACTOR = 2.66
#: With screening, moving ranges above this many times their mean are left out.
MOVING_RANGE_LIMIT_FACTOR = 3.267
IMPROVEMENTS = ("higher", "lower", "neither")

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
        One row per input value, with the input Series' index (else 0, 1, ...):

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
    """

    points: pd.DataFrame
    improvement: str
    target: float | None
    variation: str | None
    assurance: str | None
    min_points: int
    limit_points: int
    assurance_note: str | None = None

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
    target: float | None = None,
    recalculate_at=(),
    baseline: int | None = None,
    shift: int = 6,
    trend: int = 6,
    screen_moving_ranges: bool = False,
    min_points: int = 13,
) -> XmrResult:
    """Calculate a Making Data Count XmR chart.

    Parameters
    ----------
    values : list, numpy.ndarray or pandas.Series of numbers
        One value per period, in time order, with no gaps: a missing value is
        refused rather than letting a moving range jump the gap.
    improvement : {"higher", "lower", "neither"}
        Which direction is better; "neither" marks special cause as neither
        improvement nor concern and gives no assurance.
    target : float, optional
        The target the assurance icon judges the latest limits against.
    recalculate_at : sequence of int
        0-based positions where a new section of limits starts; each section
        has its own mean and limits from its own points, and moving ranges do
        not cross a section boundary.
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

    Returns
    -------
    XmrResult

    Raises
    ------
    heenb.errors.ArgumentError
        For any argument it cannot use, naming the argument and what is valid.

    Examples
    --------
    >>> result = xmr([20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18])
    >>> result.variation, round(float(result.points["mean"].iloc[-1]), 2)
    ('common_cause', 23.2)
    """
    series = _values(values)
    improvement = _improvement(improvement)
    target = _target(target)
    shift = _count("shift", shift)
    trend = _count("trend", trend)
    min_points = _count("min_points", min_points)
    y = series.to_numpy()
    sections = _sections(y.size, recalculate_at, baseline)
    mean, mean_moving_range, section = _centre_lines(y, sections, screen_moving_ranges, min_points)
    sigma = LIMIT_FACTOR / 3 * mean_moving_range
    lower = mean - LIMIT_FACTOR * mean_moving_range
    upper = mean + LIMIT_FACTOR * mean_moving_range
    signals = _signals(y, mean, sigma, lower, upper, shift, trend)
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
    return XmrResult(
        points=points,
        improvement=improvement,
        target=target,
        variation=_variation(cause[-1], high[-1], improvement, has_limits=not np.isnan(mean[-1])),
        assurance=_assurance(points, improvement, target),
        min_points=min_points,
        limit_points=fit_stop - start,
    )


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
