"""Counts checked for disclosure control: whole and 0 or more, national rows, protected marks."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from heenb.checks import as_floats, check_counts
from heenb.errors import ArgumentError

#: The ``attrs`` key marking counts already protected (by :func:`protect` or :func:`suppress`).
PROTECTED = "heenb_protected"


def checked_counts(values, name: str, labels: Sequence[Hashable] | None) -> np.ndarray:
    """Whole, non-negative counts as an int64 array, or an ArgumentError naming the row."""
    dtype = getattr(values, "dtype", None)
    if (dtype is not None and pd.api.types.is_bool_dtype(dtype)) or (
        isinstance(values, list) and any(isinstance(v, bool) for v in values)
    ):
        raise ArgumentError(f"{name} must hold counts (whole numbers), not True/False values.")
    floats = as_floats(values, name)
    check_counts(floats, name, labels)
    fractional = np.atleast_1d(floats != np.floor(floats)).ravel()
    if fractional.any():
        i = int(np.flatnonzero(fractional)[0])
        where = f"position {i}" if labels is None else f"row {labels[i]!r}"
        raise ArgumentError(
            f"{name} is {floats.ravel()[i]:g} at {where}; counts must be whole numbers."
        )
    return floats.astype(np.int64)


def as_series_parts(values, name: str) -> tuple[np.ndarray, pd.Index, Hashable]:
    """Counts, index and name of a Series, array or list of counts."""
    if isinstance(values, pd.DataFrame) or np.ndim(values) != 1:
        raise ArgumentError(
            f"{name} must be one-dimensional (a Series, array or list); use suppress_table "
            f"for a table."
        )
    if isinstance(values, pd.Series):
        index, label = values.index, values.name
    else:
        index, label = pd.RangeIndex(len(values)), None
    labels = None if isinstance(index, pd.RangeIndex) and label is None else list(index)
    return checked_counts(values, name, labels), index, label


def national_mask(national, n: int, index: pd.Index, table: pd.DataFrame | None = None):
    """``national`` as a boolean array of length ``n``: from a bool, a mask or a column name."""
    if isinstance(national, bool | np.bool_):
        return np.full(n, bool(national))
    if isinstance(national, str):
        if table is None or national not in table.columns:
            where = "" if table is None else f"; its columns are {list(table.columns)}"
            raise ArgumentError(
                f"national={national!r} names a column, but there is no such column{where}."
            )
        national = table[national]
    aligned = not isinstance(national, pd.Series) or isinstance(index, pd.RangeIndex)
    if not aligned and not national.index.equals(index):
        raise ArgumentError(
            "national is a Series whose index differs from the counts'; align it first "
            "so each row's flag meets its own counts."
        )
    mask = pd.Series(national).reset_index(drop=True) if np.ndim(national) == 1 else None
    if mask is None or len(mask) != n:
        raise ArgumentError(
            f"national must be True or False for the whole series, or one True/False per row "
            f"({n} rows) as a list, array, Series or boolean column; got {national!r:.60}."
        )
    if mask.isna().any() or not pd.api.types.is_bool_dtype(mask.dtype):
        raise ArgumentError(
            "national must hold True/False values (True for England rows), with none missing."
        )
    return mask.to_numpy(dtype=bool)


def is_protected(*values) -> bool:
    """True when every one of ``values`` carries the mark of :func:`protect`/:func:`suppress`."""
    return all(bool(getattr(v, "attrs", {}).get(PROTECTED)) for v in values)


def shown_counts(values, name: str) -> tuple[np.ndarray, np.ndarray, pd.Index, Hashable]:
    """Already protected counts: (shown counts with 0 for withheld, withheld mask, index, name)."""
    if isinstance(values, pd.DataFrame) or np.ndim(values) != 1:
        raise ArgumentError(f"{name} must be one-dimensional (a Series, array or list).")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    withheld = series.isna().to_numpy()
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(series))
    labels = None if isinstance(index, pd.RangeIndex) else list(index)
    filled = series.astype(object).where(~series.isna(), 0)
    counts = checked_counts(pd.Series(filled.to_numpy(), index=index).astype(float), name, labels)
    return counts, withheld, index, getattr(values, "name", None)


def int64(values: np.ndarray, withheld: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Nullable Int64 array of ``values`` with ``<NA>`` where ``withheld``."""
    array = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    array[np.asarray(withheld, dtype=bool)] = pd.NA
    return array
