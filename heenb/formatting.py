"""Numbers as readers see them, in one place: per cent, counts, FTE, ratios, changes,
and what stands in for a figure that is withheld or missing.

Charts (through :mod:`heenb.charts.format`), report tables and report sentences all
call these functions, so one value reads the same on a chart label, in a table
cell and in a sentence. Values come in their natural unit: a proportion is a
fraction (0.842) shown in per cent ("84.2%").

Missing values: a figure withheld by disclosure control is :data:`WITHHELD`
(the Government Statistical Service symbol ``[c]``, explained in each table's
note); a figure that does not exist is :data:`NO_DATA`. Functions take
``missing=`` to say which a missing value means where they are called.
"""

from __future__ import annotations

import math

import pandas as pd

from heenb.disclosure import MARKER

#: A figure withheld by disclosure control (tables and sentences).
WITHHELD = MARKER
#: The same on a chart, where there is no table note to explain the symbol.
WITHHELD_WORD = "withheld"
#: A figure that does not exist (no rows, a denominator of 0).
NO_DATA = "no data"
#: Not applicable (GSS ``[z]``): a period before the measure existed.
NOT_APPLICABLE = "[z]"
#: The unit of a ratio such as representation (1 = parity): two places, no unit word.
RATIO = "ratio"
#: Decimal places of a percentage, an FTE and a ratio.
PERCENT_DECIMALS = 1
FTE_DECIMALS = 1
RATIO_DECIMALS = 2


def is_missing(value) -> bool:
    """True for None, NaN, ``pandas.NA`` and anything that is not a number."""
    if value is None or value is pd.NA:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def percent(value, decimals: int = PERCENT_DECIMALS, missing: str = WITHHELD) -> str:
    """A fraction as a percentage ("84.2%"); ``missing`` when there is none."""
    return missing if is_missing(value) else f"{100 * float(value):.{decimals}f}%"


def count(value, missing: str = WITHHELD) -> str:
    """A count with thousands separators ("1,235"); ``missing`` when there is none."""
    return missing if is_missing(value) else f"{round(float(value)):,}"


def plain(value, decimals: int = FTE_DECIMALS, missing: str = NO_DATA) -> str:
    """A number with thousands separators, rounded to ``decimals``; whole numbers without
    decimals ("21,636", "21,636.4")."""
    if is_missing(value):
        return missing
    number = round(float(value), decimals)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.{decimals}f}"


def fte(value, missing: str = NO_DATA) -> str:
    """Full-time equivalent ("21,636.4"; "21,636" when whole)."""
    return plain(value, FTE_DECIMALS, missing)


def ratio(value, decimals: int = RATIO_DECIMALS, missing: str = WITHHELD) -> str:
    """A ratio to two places ("0.87"); ``missing`` when there is none."""
    return missing if is_missing(value) else f"{float(value):.{decimals}f}"


def number(value, unit: str = "%", missing: str = NO_DATA) -> str:
    """One value in its unit: ``%`` as :func:`percent`, ``ratio`` as :func:`ratio`, any
    other unit as :func:`plain` followed by the unit ("21,636 FTE")."""
    if is_missing(value):
        return missing
    if unit == "%":
        return percent(value)
    if unit == RATIO:
        return ratio(value)
    text = plain(value)
    return f"{text} {unit}" if unit else text


def interval(lower, upper, unit: str = "%", missing: str = WITHHELD) -> str:
    """An interval as "83.9% to 84.6%"; ``missing`` when either bound is missing."""
    if is_missing(lower) or is_missing(upper):
        return missing
    return f"{number(lower, unit)} to {number(upper, unit)}"


def intervals(lower, upper, unit: str = "%", missing: str = WITHHELD) -> list[str]:
    """:func:`interval` for each pair of bounds in two columns."""
    return [interval(lo, up, unit, missing) for lo, up in zip(lower, upper, strict=True)]


def change(value, unit: str = "%", missing: str = NO_DATA) -> str:
    """A change in words: "up 2.8 points" (percentage points for ``%``), "down 1,200 FTE",
    "no change" when it rounds to 0."""
    if is_missing(value):
        return missing
    if unit == "%":
        size = round(abs(float(value)) * 100, PERCENT_DECIMALS)
        amount = f"{size:.{PERCENT_DECIMALS}f} points"
    else:
        size = round(abs(float(value)), FTE_DECIMALS)
        amount = plain(size) + (f" {unit}" if unit else "")
    if size == 0:
        return "no change"
    return f"{'up' if value > 0 else 'down'} {amount}"


def in_sentence(title: str) -> str:
    """A title inside running text: first letter lower-cased unless it starts an acronym
    ("Survey respondents" -> "survey respondents", "ARCP outcomes" stays)."""
    return title if title[:2].isupper() else title[:1].lower() + title[1:]


#: Funnel plot outlier status in words.
OUTLIER_WORDS = {
    "high": "above the 99.8% limit",
    "low": "below the 99.8% limit",
    "": "within limits",
    "withheld": f"not assessed ({WITHHELD_WORD})",
    "no data": f"not assessed ({NO_DATA})",
}


def outlier(status: str) -> str:
    """A funnel plot outlier status (``high``, ``low``, ``""``, ...) in words."""
    return OUTLIER_WORDS.get(status, "not assessed")
