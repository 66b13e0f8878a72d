"""Numbers as readers see them: per cent, intervals, changes, FTE."""

from __future__ import annotations

import math

from heenb.disclosure import MARKER


def _missing(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def percent(value, decimals: int = 1) -> str:
    """A fraction as a percentage ("84.2%"); the withheld marker when missing."""
    return MARKER if _missing(value) else f"{100 * float(value):.{decimals}f}%"


def interval(lower, upper, decimals: int = 1) -> str:
    """A 95% interval of fractions as "83.9% to 84.6%"."""
    if _missing(lower) or _missing(upper):
        return MARKER
    return f"{percent(lower, decimals)} to {percent(upper, decimals)}"


def intervals(lower, upper, decimals: int = 1) -> list[str]:
    """:func:`interval` for each pair of bounds in two columns."""
    return [interval(lo, up, decimals) for lo, up in zip(lower, upper, strict=True)]


def count(value) -> str:
    """A count with thousands separators; the withheld marker when missing."""
    return MARKER if _missing(value) else f"{int(value):,}"


def fte(value) -> str:
    """Full-time equivalent to one decimal place, with thousands separators."""
    return "no data" if _missing(value) else f"{float(value):,.1f}"


def points_change(change: float) -> str:
    """A change in a fraction as words: "up 2.8 percentage points"."""
    points = 100 * change
    if round(points, 1) == 0:
        return "unchanged (less than 0.1 percentage points)"
    return f"{'up' if points > 0 else 'down'} {abs(points):.1f} percentage points"


def ratio(value, decimals: int = 2) -> str:
    return MARKER if _missing(value) else f"{float(value):.{decimals}f}"


#: Funnel plot outlier status in words.
OUTLIER_WORDS = {
    "high": "above the 99.8% limit",
    "low": "below the 99.8% limit",
    "": "within limits",
    "withheld": "not assessed (withheld)",
    "no data": "not assessed (no data)",
}


def outlier(status: str) -> str:
    """A funnel plot outlier status (``high``, ``low``, ``""``, ...) in words."""
    return OUTLIER_WORDS.get(status, "not assessed")
