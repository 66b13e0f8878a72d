"""Argument checks shared by the analyst modules (stats, funnel, disclosure, spc).

Each check turns bad input into one :class:`heenb.errors.ArgumentError`
message a user can act on: it names the argument or column, the row (by label,
or by 0-based position when there are no labels) and what is valid. Counts:
:func:`as_floats`, :func:`check_counts`, :func:`check_not_above`,
:func:`check_positive`; tables: :func:`check_columns`; dates of a time series:
:func:`as_dates`, :func:`check_dates` (one row per period, none missing) and
:func:`missing_dates`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from functools import reduce

import numpy as np
import pandas as pd

from heenb.errors import ArgumentError

#: Which way a measure improves: the words kpis.csv and :func:`heenb.spc.xmr` accept.
IMPROVEMENTS = ("higher", "lower", "neither")

__all__ = [
    "as_dates",
    "as_floats",
    "as_list",
    "check_columns",
    "check_counts",
    "check_dates",
    "check_level",
    "check_not_above",
    "check_positive",
    "date_text",
    "label",
    "missing_dates",
    "shared_index",
]


def label(labels: Sequence[Hashable] | None, position: int) -> str:
    """How to name one row in a message: its label, or its position."""
    if labels is None:
        return f"position {position}"
    return f"row {labels[position]!r}"


def as_floats(values, name: str) -> np.ndarray:
    """``values`` as a float array (NaN where missing), or an ArgumentError."""
    try:
        if isinstance(values, pd.Series | pd.Index):
            return values.to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            f"{name} must hold numbers (counts of 0 or more); it could not be read as numbers."
        ) from exc


def check_counts(values: np.ndarray, name: str, labels=None) -> None:
    """Raise when a count is missing (NaN), infinite or negative."""
    flat = np.atleast_1d(values).ravel()
    for problem, bad in (
        ("is missing (NaN)", np.isnan(flat)),
        ("is infinite", np.isinf(flat)),
        ("is negative", flat < 0),
    ):
        if bad.any():
            where = label(labels, int(np.flatnonzero(bad)[0]))
            raise ArgumentError(
                f"{name} {problem} at {where}; counts must be known numbers of 0 or more."
            )


def check_not_above(
    num: np.ndarray, den: np.ndarray, num_name: str, den_name: str, labels=None
) -> None:
    """Raise when a numerator is larger than its denominator."""
    bad = np.atleast_1d(num > den).ravel()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        n_i = np.broadcast_to(num, bad.shape).ravel()[i]
        d_i = np.broadcast_to(den, bad.shape).ravel()[i]
        raise ArgumentError(
            f"{num_name} ({n_i:g}) is larger than {den_name} ({d_i:g}) at {label(labels, i)}; "
            f"a numerator counts part of its denominator, so it must be between 0 and "
            f"{den_name}."
        )


def check_positive(den: np.ndarray, name: str, labels=None) -> None:
    """Raise when a denominator is zero, where a rate is required."""
    bad = np.atleast_1d(den <= 0).ravel()
    if bad.any():
        where = label(labels, int(np.flatnonzero(bad)[0]))
        raise ArgumentError(
            f"{name} is 0 at {where}, so no rate can be computed; every {name} must be "
            f"greater than 0."
        )


def check_columns(df: pd.DataFrame, columns: Sequence[str], argument: str = "df") -> None:
    if not isinstance(df, pd.DataFrame):
        raise ArgumentError(f"{argument} must be a pandas DataFrame, not {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ArgumentError(
            f"{argument} has no column {missing[0]!r}; its columns are {list(df.columns)}."
        )


def check_level(level: float) -> None:
    if not isinstance(level, int | float) or not 0 < level < 1 or math.isnan(level):
        raise ArgumentError(
            f"level must be a confidence level strictly between 0 and 1 (0.95 for 95%), "
            f"not {level!r}."
        )


def as_list(by, argument: str = "by") -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence):
        return list(by)
    raise ArgumentError(f"{argument} must be a column name or a list of column names.")


def shared_index(k, n) -> pd.Index | None:
    """The index of whichever of k, n is a Series; both must agree."""
    indexes = [x.index for x in (k, n) if isinstance(x, pd.Series)]
    if len(indexes) == 2 and not indexes[0].equals(indexes[1]):
        raise ArgumentError(
            "k and n are Series with different indexes; align them first (for example "
            "k.reindex(n.index)) so each numerator meets its own denominator."
        )
    return indexes[0] if indexes else None


# --------------------------------------------------------------------------- dates


def as_dates(column: pd.Series, name: str) -> pd.Series:
    """A date column as datetimes (or periods, or numbers such as years), or an error."""
    ready = isinstance(column.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(column)
    number = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if ready or number:
        converted = column
    else:
        converted = pd.to_datetime(column, errors="coerce")
        bad = column.notna() & converted.isna()
        if bad.any():
            row = column.index[bad.to_numpy()][0]
            raise ArgumentError(
                f"column {name!r} (date) must hold dates; row {row!r} holds {column[row]!r}, "
                "which is not a date (give dates such as '2024-01-01' or '2024-01')"
            )
    if converted.isna().any():
        row = column.index[converted.isna().to_numpy()][0]
        raise ArgumentError(f"column {name!r} (date) has no date at row {row!r}")
    return converted


def check_dates(dates: pd.Series, name: str, gaps: str, where: str, column: bool = True) -> None:
    """Refuse a repeated date and, unless ``gaps`` is "allow", a missing period.

    ``name`` is the column's name (or, with ``column=False``, how to name the
    dates); ``where`` is added after it, e.g. " (facet 'North')".
    """
    label = f"column {name!r}" if column else name
    repeated = dates[dates.duplicated()]
    if len(repeated):
        raise ArgumentError(
            f"{label}{where} has {date_text(repeated.iloc[0])} more than once: an XmR chart "
            "has one value per period (sum or pick one first, or name a facet column)"
        )
    if gaps == "allow":
        return
    missing = missing_dates(pd.Index(dates))
    if missing:
        shown = ", ".join(date_text(d) for d in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise ArgumentError(
            f"{label}{where} has no row for {shown}{more}: an XmR chart needs one value for "
            "every period, as a moving range across a gap is false. Add the missing "
            "periods, or pass gaps='allow' to chart across them (no moving range is taken "
            "across a gap)."
        )


def gap_positions(dates) -> list[int]:
    """0-based positions of the sorted, distinct ``dates`` that follow a missing period
    (:func:`missing_dates`): where a moving range would span a gap."""
    missing = missing_dates(pd.Index(dates))
    if not missing:
        return []
    index = pd.Index(dates)
    return sorted({int(index.searchsorted(when)) for when in missing})


def missing_dates(dates) -> list:
    """Periods absent between the first and last of sorted, distinct ``dates``.

    The step is the greatest common divisor of the steps between dates: in
    months for dates on one day of the month (or all month ends), else in days;
    in the period's own unit for periods; in units for numbers (years).
    """
    if len(dates) < 3:
        return []
    if isinstance(dates, pd.PeriodIndex) or isinstance(dates.dtype, pd.PeriodDtype):
        index = pd.PeriodIndex(dates)
        whole = pd.period_range(index.min(), index.max(), freq=index.freq)
        return [p for p in whole if p not in set(index)]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        steps = np.diff(dates.to_numpy())
        if not all(float(step).is_integer() for step in steps):
            return []
        step = reduce(math.gcd, (int(s) for s in steps))
        present = set(dates.to_numpy().tolist())
        first, last = int(dates[0]), int(dates[-1])
        return [d for d in range(first, last + 1, step) if d not in present]
    stamps = pd.DatetimeIndex(dates)
    monthly = stamps.is_month_end.all() or len(set(stamps.day)) == 1
    if monthly:
        months = (stamps.year * 12 + stamps.month - 1).to_numpy()
        step = reduce(math.gcd, np.diff(months).tolist())
        present = set(months.tolist())
        gone = [m for m in range(months[0], months[-1] + 1, step) if m not in present]
        day = None if stamps.is_month_end.all() else int(stamps[0].day)
        out = []
        for m in gone:
            stamp = pd.Timestamp(year=m // 12, month=m % 12 + 1, day=1)
            out.append(stamp + pd.offsets.MonthEnd(0) if day is None else stamp.replace(day=day))
        return out
    days = (stamps.normalize() - pd.Timestamp(0)).days.to_numpy()
    step = reduce(math.gcd, np.diff(days).tolist())
    present = set(days.tolist())
    return [
        pd.Timestamp(0) + pd.Timedelta(days=d)
        for d in range(days[0], days[-1] + 1, step)
        if d not in present
    ]


def date_text(value) -> str:
    """A date as messages write it: "2024-01-01" (a time only when it has one)."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return str(value)
