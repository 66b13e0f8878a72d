"""Argument checks of :func:`heenb.spc.xmr`: values, counts, targets and dates of new periods."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from heenb.checks import IMPROVEMENTS, check_dates, date_text
from heenb.errors import ArgumentError

GAPS = ("refuse", "allow")


def all_positions(recalculate_at) -> bool:
    """True for a sequence of whole numbers: 0-based positions rather than dates."""
    return isinstance(recalculate_at, Iterable) and all(is_whole(item) for item in recalculate_at)


def sorted_by_index(series: pd.Series, gaps: str) -> pd.Series:
    if series.index.hasnans:
        raise ArgumentError("values' index has a missing date; every value needs its date")
    series = series.sort_index(kind="stable")
    check_dates(pd.Series(series.index), "values' index", gaps, "", column=False)
    return series


def date_positions(recalculate_at, dates: pd.Index, label: str) -> list[int]:
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


def checked_values(values) -> pd.Series:
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


def is_whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _where(positions, index: pd.Index, shown: int = 10) -> str:
    """'0-based position 3', or '0-based positions 3 (2021), 7 (2025)' when the index
    is not 0, 1, ..."""
    labelled = not index.equals(pd.RangeIndex(len(index)))
    items = [f"{p} ({index[p]})" if labelled else str(p) for p in positions[:shown]]
    more = f" and {len(positions) - shown} more" if len(positions) > shown else ""
    noun = "position" if len(positions) == 1 else "positions"
    return f"0-based {noun} {', '.join(items)}{more}"


def checked_improvement(improvement) -> str:
    if improvement not in IMPROVEMENTS:
        raise ArgumentError(
            f"improvement must be 'higher', 'lower' or 'neither'; got {improvement!r}"
        )
    return improvement


def checked_count(name: str, count) -> int:
    if not is_whole(count) or count < 2:
        raise ArgumentError(f"{name} must be a whole number of points, 2 or more; got {count!r}")
    return int(count)


def checked_target(target) -> float | None:
    if target is None:
        return None
    if not _is_number(target) or not math.isfinite(target):
        raise ArgumentError(
            f"target must be a finite number, or None for no target; got {target!r}"
        )
    return float(target)
