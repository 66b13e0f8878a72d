"""Number formatting, input checks and layout shared by the heenb charts (internal).

Charts take values in their natural unit: a proportion is a fraction (0.842)
when ``unit`` is ``"%"`` and is shown in per cent ("84.2%"); any other unit is
shown as the number with thousands separators, followed by the unit if there
is one ("21,636 FTE"). Values and changes are written by :mod:`heenb.formatting`,
the one formatting module, so a chart label reads as the same value does in a
report table or sentence; these helpers add the axes and layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from heenb import formatting
from heenb.errors import ArgumentError

__all__ = [
    "MISSING",
    "RATIO",
    "WITHHELD",
    "axis_formatter",
    "format_change",
    "format_value",
    "legend_below",
    "numbers",
    "require_frame",
    "scale",
    "axis_title",
]

#: What the alt text says in place of a missing value.
MISSING = formatting.NO_DATA
#: The unit of a ratio such as representation (1 = parity): shown to 2 places.
RATIO = formatting.RATIO
#: What a chart shows in place of a figure withheld by disclosure control.
WITHHELD = formatting.WITHHELD_WORD


def scale(unit: str) -> float:
    """Factor from a value's natural unit to the unit shown: 100 for ``"%"``, else 1."""
    return 100.0 if unit == "%" else 1.0


def format_value(value, unit: str = "%") -> str:
    """One value as the reader sees it: :func:`heenb.formatting.number` ("84.2%",
    "21,636 FTE", "0.87"), "no data" when missing."""
    return formatting.number(value, unit, missing=MISSING)


def format_change(change: float, unit: str = "%") -> str:
    """A change between two values in words: :func:`heenb.formatting.change`
    ("up 2.8 points", "down 1,200 FTE", "no change")."""
    return formatting.change(change, unit, missing=MISSING)


def axis_formatter(unit: str):
    """Tick formatter for an axis drawn in shown units (per cent already times 100)."""
    suffix = "%" if unit == "%" else ""
    return FuncFormatter(lambda x, _pos: _tick(x) + suffix)


def _tick(x: float) -> str:
    """A tick label with thousands separators and no trailing zeros: "20,000", "0.25"."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def axis_title(label: str, unit: str) -> str:
    """An axis title from a value label: first letter capitalised, unit in brackets.

    Per cent needs no bracket (the ticks carry "%"): "Learners rating training
    good or better"; other units do: "Midwives (FTE)".
    """
    title = label[:1].upper() + label[1:]
    return title if unit in ("%", "") else f"{title} ({unit})"


def legend_below(ax, ncol: int = 2, gap_in: float = 0.55) -> None:
    """Put the axes' legend under its x axis title, ``gap_in`` inches below the axes."""
    height_in = ax.get_position().height * ax.figure.get_figheight()
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -gap_in / height_in),
        ncol=ncol,
        frameon=False,
    )


def require_frame(frame, argument: str, columns: Sequence[str]) -> None:
    """Raise :class:`ArgumentError` unless ``frame`` is a non-empty DataFrame with ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(f"{argument} must be a pandas DataFrame, not {type(frame).__name__}.")
    if frame.empty:
        raise ArgumentError(f"{argument} is empty; give at least one row to chart.")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ArgumentError(
            f"{argument} has no column {missing[0]!r}; it needs columns {list(columns)} "
            f"and has {list(frame.columns)}."
        )


def numbers(frame: pd.DataFrame, column: str, argument: str) -> np.ndarray:
    """A column as floats, NaN where missing (``pandas.NA`` included)."""
    try:
        return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            f"Column {column!r} of {argument} must hold numbers (blank where missing)."
        ) from exc
