""":func:`xmr`, the entry point: checks its arguments, then charts a series or a data frame."""

from __future__ import annotations

import pandas as pd

from heenb.checks import gap_positions
from heenb.errors import ArgumentError
from heenb.spc._arguments import (
    GAPS,
    all_positions,
    checked_count,
    checked_improvement,
    checked_target,
    checked_values,
    date_positions,
    sorted_by_index,
)
from heenb.spc._frames import facet_recalculations, from_frame
from heenb.spc._limits import chart


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
        "improvement": checked_improvement(improvement),
        "baseline": baseline,
        "shift": checked_count("shift", shift),
        "trend": checked_count("trend", trend),
        "screen": bool(screen_moving_ranges),
        "min_points": checked_count("min_points", min_points),
        "across": bool(rules_across_periods),
    }
    if gaps not in GAPS:
        raise ArgumentError(f"gaps must be 'refuse' or 'allow'; got {gaps!r}")
    if isinstance(values, pd.DataFrame):
        return from_frame(values, value, date, facet, target, recalculate_at, gaps, settings)
    for name, column in (("value", value), ("date", date), ("facet", facet)):
        if column is not None:
            raise ArgumentError(
                f"{name}={column!r} names a column, so values must be a pandas DataFrame; got "
                f"{type(values).__name__}. Pass the data frame, or the values alone."
            )
    series = checked_values(values)
    positions = facet_recalculations(recalculate_at, None, None)
    breaks = []
    if isinstance(series.index, pd.DatetimeIndex | pd.PeriodIndex):
        series = sorted_by_index(series, gaps)
        if not all_positions(positions):
            positions = date_positions(positions, series.index, "values' index")
        if gaps == "allow":
            breaks = gap_positions(series.index)
    return chart(series, checked_target(target), positions, settings, breaks)
