"""Protected figures as text for report tables, withheld ones as the marker."""

from __future__ import annotations

import numpy as np
import pandas as pd

from heenb.disclosure._rule import MARKER
from heenb.errors import ArgumentError


def _format(value, integer: bool, decimals: int, marker: str) -> str:
    if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return marker
    if integer:
        return f"{int(value):,}"
    return f"{float(value):,.{decimals}f}"


def _display_series(series: pd.Series, marker: str, decimals: int) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return series.map(lambda v: marker if v is pd.NA else str(v)).astype(object)
    integer = pd.api.types.is_integer_dtype(series.dtype)
    return series.astype(object).map(lambda v: _format(v, integer, decimals, marker)).astype(object)


def display(data, marker: str = MARKER, decimals: int = 1):
    """Protected figures as strings for a report table, withheld ones as the marker.

    Parameters
    ----------
    data : Series or DataFrame
        Output of :func:`suppress`, :func:`suppress_table`,
        :func:`protected_percentage` or :func:`protect`.
    marker : str, default "[c]"
        Shown in place of each withheld (``<NA>``) value.
    decimals : int, default 1
        Decimal places for non-integer columns (percentages).

    Returns
    -------
    Series or DataFrame
        Same shape and labels, object dtype: integers with thousands separators
        ("1,235"), other numbers to ``decimals`` places, withheld as ``marker``,
        non-numeric columns as text.
    """
    if not isinstance(decimals, int) or decimals < 0:
        raise ArgumentError(f"decimals must be a whole number of 0 or more, not {decimals!r}.")
    if isinstance(data, pd.DataFrame):
        return data.apply(lambda col: _display_series(col, marker, decimals))
    if isinstance(data, pd.Series):
        return _display_series(data, marker, decimals)
    raise ArgumentError(f"data must be a pandas Series or DataFrame, not {type(data).__name__}.")
