"""Argument checks shared by the analyst modules (stats, funnel, disclosure, spc).

Each check turns bad input into one :class:`heenb.errors.ArgumentError`
message a user can act on: it names the argument or column, the row (by label,
or by 0-based position when there are no labels) and what is valid.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from heenb.errors import ArgumentError

__all__ = [
    "as_floats",
    "as_list",
    "check_columns",
    "check_counts",
    "check_level",
    "check_not_above",
    "check_positive",
    "label",
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
