"""The Making Data Count special cause rules, and the variation and assurance icons."""

from __future__ import annotations

import numpy as np
import pandas as pd


def signals_within(spans, y, mean, sigma, lower, upper, shift: int, trend: int) -> dict:
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


def special_cause(high, low, improvement: str):
    cause = np.full(high.size, "", dtype=object)
    if improvement == "neither":
        cause[high | low] = "neither"
        return cause
    good, bad = (high, low) if improvement == "higher" else (low, high)
    cause[bad] = "concern"
    cause[good] = "improvement"  # a point both improvement and concern shows improvement
    return cause


def rule_names(signals: dict):
    """The names of the rules fired at each point, comma-separated."""
    names = list(signals)
    fired = sum((high | low).astype(int) << bit for bit, (high, low) in enumerate(signals.values()))
    combinations = [
        ", ".join(name for bit, name in enumerate(names) if code >> bit & 1)
        for code in range(2 ** len(names))
    ]
    return np.array(combinations, dtype=object)[fired]


def variation_icon(cause: str, high: bool, improvement: str, has_limits: bool) -> str | None:
    if not has_limits:
        return None
    if cause == "":
        return "common_cause"
    if improvement == "neither":
        side = "high" if high else "low"
    else:
        side = "high" if (cause == "improvement") == (improvement == "higher") else "low"
    return f"{cause}_{side}"


def assurance_icon(points: pd.DataFrame, improvement: str, target: float | None) -> str | None:
    latest = points.iloc[-1]
    if target is None or improvement == "neither" or np.isnan(latest["mean"]):
        return None
    if latest["lower"] < target < latest["upper"]:
        return "hit_or_miss"
    meets = target <= latest["lower"] if improvement == "higher" else target >= latest["upper"]
    return "pass" if meets else "fail"
