"""One series' XmR chart: its sections of limits, centre lines, process limits and signals."""

from __future__ import annotations

import operator
from itertools import pairwise

import numpy as np
import pandas as pd

from heenb.errors import ArgumentError
from heenb.spc._arguments import is_whole
from heenb.spc._result import XmrResult
from heenb.spc._rules import (
    assurance_icon,
    rule_names,
    signals_within,
    special_cause,
    variation_icon,
)

#: Process limits are this many mean moving ranges either side of the mean.
LIMIT_FACTOR = 2.66
#: With screening, moving ranges above this many times their mean are left out.
MOVING_RANGE_LIMIT_FACTOR = 3.267


def chart(series: pd.Series, target, recalculate_at, settings: dict, breaks=()) -> XmrResult:
    """The XmR chart of one checked series (index kept). ``breaks`` are the positions that
    follow a gap in the dates: no moving range is taken across one, and the limits go on."""
    improvement = settings["improvement"]
    y = series.to_numpy()
    sections = _sections(y.size, recalculate_at, settings["baseline"])
    mean, mean_moving_range, section = _centre_lines(
        y, sections, settings["screen"], settings["min_points"], breaks
    )
    sigma = LIMIT_FACTOR / 3 * mean_moving_range
    lower = mean - LIMIT_FACTOR * mean_moving_range
    upper = mean + LIMIT_FACTOR * mean_moving_range
    spans = [(0, y.size)] if settings["across"] else [(a, b) for a, b, _ in sections]
    signals = signals_within(
        spans, y, mean, sigma, lower, upper, settings["shift"], settings["trend"]
    )
    high = np.logical_or.reduce([high for high, _ in signals.values()])
    low = np.logical_or.reduce([low for _, low in signals.values()])
    cause = special_cause(high, low, improvement)
    points = pd.DataFrame(
        {
            "value": y,
            "moving_range": _moving_ranges(y, sections, breaks),
            "mean": mean,
            "sigma": sigma,
            "lower": lower,
            "upper": upper,
            "section": section,
            "special_cause": cause,
            "rule": rule_names(signals),
        },
        index=series.index,
    )
    start, _, fit_stop = sections[-1]
    period_variation = tuple(
        variation_icon(cause[stop - 1], high[stop - 1], improvement, not np.isnan(mean[stop - 1]))
        for _, stop, _ in sections
    )
    return XmrResult(
        points=points,
        improvement=improvement,
        target=target,
        variation=period_variation[-1],
        assurance=assurance_icon(points, improvement, target),
        min_points=settings["min_points"],
        limit_points=fit_stop - start,
        period_variation=period_variation,
    )


def _sections(n: int, recalculate_at, baseline) -> list[tuple[int, int, int]]:
    """Sections of limits as ``(start, stop, fit_stop)``: points start:stop use the
    mean and limits calculated from points start:fit_stop."""
    starts = _recalculation_positions(recalculate_at, n)
    if baseline is not None:
        if not is_whole(baseline) or not 1 <= baseline <= n:
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


def _centre_lines(y, sections, screen: bool, min_points: int, breaks=()):
    """Per point: the mean and mean moving range its limits use (NaN where they
    would rest on fewer than ``min_points`` points) and its section number. A moving range
    ending at a position in ``breaks`` (after a gap) is left out of the mean."""
    mean = np.full(y.size, np.nan)
    mean_moving_range = np.full(y.size, np.nan)
    section = np.empty(y.size, dtype=int)
    for number, (start, stop, fit_stop) in enumerate(sections):
        section[start:stop] = number
        fit = y[start:fit_stop]
        if fit.size >= min_points:
            mean[start:stop] = fit.mean()
            skip = [b - start - 1 for b in breaks if start < b < fit_stop]
            mean_moving_range[start:stop] = _mean_moving_range(fit, screen, skip)
    return mean, mean_moving_range, section


def _mean_moving_range(fit, screen: bool, skip=()) -> float:
    moving_ranges = np.delete(np.abs(np.diff(fit)), list(skip))
    if screen:
        moving_ranges = moving_ranges[
            moving_ranges <= MOVING_RANGE_LIMIT_FACTOR * moving_ranges.mean()
        ]
    return moving_ranges.mean()


def _moving_ranges(y, sections, breaks=()):
    moving_ranges = np.abs(np.diff(y, prepend=np.nan))
    moving_ranges[[start for start, _, _ in sections] + list(breaks)] = np.nan
    return moving_ranges
