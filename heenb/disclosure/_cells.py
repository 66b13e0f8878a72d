"""Cell by cell protection: suppress, protected proportions, percentages and rates, protect."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from heenb.checks import check_not_above
from heenb.disclosure._counts import (
    PROTECTED,
    as_series_parts,
    checked_counts,
    int64,
    is_protected,
    national_mask,
    shown_counts,
)
from heenb.disclosure._rule import NHS_DIGITAL, DisclosureRule, check_rule
from heenb.errors import ArgumentError
from heenb.stats import wilson


def _protected(counts: np.ndarray, rule: DisclosureRule, national):
    """(shown values, withheld mask) for validated counts; ``national`` a bool or a mask."""
    national = np.broadcast_to(np.asarray(national, dtype=bool), counts.shape)
    shown = np.where(national, counts, rule.rounded(counts))
    return shown, rule.withheld(counts) & ~national


def suppress(counts, rule: DisclosureRule = NHS_DIGITAL, national: bool = False) -> pd.Series:
    """Apply the disclosure rule to each count.

    Parameters
    ----------
    counts : Series, array or list
        Counts of people: whole numbers, 0 or more.
    rule : DisclosureRule, default NHS_DIGITAL
        0 stays 0; 1 to ``rule.threshold`` withheld; others rounded to the
        nearest ``rule.base``.
    national : bool or boolean mask, default False
        True for England-level figures, which are published as they are: the
        counts are checked and returned unchanged. A list, array or Series of
        True/False marks national rows one by one.

    Returns
    -------
    Series
        Nullable ``Int64`` counts (people), withheld ones as ``<NA>``; the
        input's index and name are kept; marked as protected in ``attrs``.

    Raises
    ------
    ArgumentError
        A negative, missing (NaN) or fractional count, or a rule that is not a
        :class:`DisclosureRule`.

    Examples
    --------
    >>> suppress([0, 7, 8, 12, 13]).tolist()
    [0, <NA>, 10, 10, 15]
    """
    check_rule(rule)
    values, index, name = as_series_parts(counts, "counts")
    shown, withheld = _protected(values, rule, national_mask(national, len(values), index))
    out = pd.Series(int64(shown, withheld), index=index, name=name)
    out.attrs[PROTECTED] = rule.name
    return out


def protected_proportion(
    numerator,
    denominator,
    rule: DisclosureRule = NHS_DIGITAL,
    national=False,
    *,
    protected: bool | None = None,
) -> pd.Series:
    """Proportion (a fraction, 0-1) computed from the protected counts.

    Parameters
    ----------
    numerator, denominator : Series, array or list
        Counts of people, whole numbers with 0 <= numerator <= denominator,
        the same length (Series must share an index).
    rule : DisclosureRule, default NHS_DIGITAL
    national : bool or boolean mask, default False
        True for England-level figures (the proportion of the unprotected
        counts); a list, array or Series of True/False marks rows one by one.
    protected : bool, optional
        True when the counts are already protected (``<NA>`` = withheld): they
        are used as they are. By default, True for the output of
        :func:`protect` or :func:`suppress`, else False.

    Returns
    -------
    Series
        Nullable ``Float64`` fractions of rounded numerator over rounded
        denominator; ``<NA>`` where the numerator or the denominator is
        withheld, or the denominator is 0. Not rounded for display.

    Raises
    ------
    ArgumentError
        Bad counts (as :func:`suppress`), lengths or indexes that differ, or a
        numerator above its denominator.
    """
    shown_num, shown_den, withheld_num, withheld_den, index = _protected_pair(
        numerator, denominator, rule, national, protected
    )
    missing = withheld_num | withheld_den | (shown_den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = shown_num / np.where(shown_den == 0, 1, shown_den)
    values = pd.array(fraction, dtype="Float64")
    values[missing] = pd.NA
    return pd.Series(values, index=index, name="proportion")


def protected_percentage(
    numerator,
    denominator,
    rule: DisclosureRule = NHS_DIGITAL,
    national=False,
    *,
    protected: bool | None = None,
) -> pd.Series:
    """Percentage (0-100) computed from the protected counts: 100 x :func:`protected_proportion`.

    The one function of heenb that gives per cent rather than a fraction (as
    its name says), for tables printed in per cent. Arguments as
    :func:`protected_proportion`.

    Returns
    -------
    Series
        Nullable ``Float64`` percentages (0-100), named ``percentage``;
        ``<NA>`` where withheld or the denominator is 0.
    """
    fraction = protected_proportion(numerator, denominator, rule, national, protected=protected)
    return (100 * fraction).rename("percentage")


def _protected_pair(numerator, denominator, rule, national, protected):
    """(shown numerators, shown denominators, withheld numerators, withheld denominators,
    index), checked."""
    check_rule(rule)
    if protected is None:
        protected = is_protected(numerator, denominator)
    if protected:
        num, withheld_num, index, _ = shown_counts(numerator, "numerator")
        den, withheld_den, den_index, _ = shown_counts(denominator, "denominator")
    else:
        for values, name in ((numerator, "numerator"), (denominator, "denominator")):
            if isinstance(values, pd.Series) and values.isna().any():
                raise ArgumentError(
                    f"{name} is missing (NaN) at row {values.index[values.isna()][0]!r}. If "
                    "these counts are already protected (withheld shown as <NA>), pass "
                    "protected=True; otherwise every count must be a known number of 0 or more."
                )
        num, index, _ = as_series_parts(numerator, "numerator")
        den, den_index, _ = as_series_parts(denominator, "denominator")
    if len(num) != len(den) or (
        isinstance(numerator, pd.Series)
        and isinstance(denominator, pd.Series)
        and not index.equals(den_index)
    ):
        raise ArgumentError(
            "numerator and denominator must have the same length (and, as Series, the same "
            "index) so each numerator meets its own denominator."
        )
    labels = None if isinstance(index, pd.RangeIndex) else list(index)
    if protected:
        shown = ~(withheld_num | withheld_den)
        check_not_above(np.where(shown, num, 0), den, "numerator", "denominator", labels)
        return num, den, withheld_num, withheld_den, index
    check_not_above(num, den, "numerator", "denominator", labels)
    mask = national_mask(national, len(num), index)
    shown_num, withheld_num = _protected(num, rule, mask)
    shown_den, withheld_den = _protected(den, rule, mask)
    return shown_num, shown_den, withheld_num, withheld_den, index


def protected_rates(
    table: pd.DataFrame,
    numerator: str = "numerator",
    denominator: str = "denominator",
    national=None,
    rule: DisclosureRule = NHS_DIGITAL,
    level: float = 0.95,
    *,
    protected: bool | None = None,
) -> pd.DataFrame:
    """Each row's protected counts, proportion and Wilson interval, withheld together.

    Parameters
    ----------
    table : DataFrame
        One row per area (and period, ...), with count columns ``numerator``
        and ``denominator`` (raw, or the output of :func:`protect`).
    numerator, denominator : str
        The count columns.
    national : str, boolean mask or bool, optional
        Which rows are England's (published as they are): the name of a
        boolean column, a mask with one True/False per row, or True/False for
        every row. None (default) means no national rows.
    rule : DisclosureRule, default NHS_DIGITAL
    level : float, default 0.95
        Confidence level of the Wilson interval.
    protected : bool, optional
        True when the count columns are already protected; by default, True
        for the output of :func:`protect`.

    Returns
    -------
    DataFrame
        A copy of ``table`` with the count columns as shown (nullable
        ``Int64``, withheld ``<NA>``) and ``value`` (a fraction, 0-1),
        ``lower`` and ``upper`` (the Wilson interval of the shown counts, 0-1)
        and ``withheld`` (True where the rate is withheld or the denominator
        is 0). Marked as protected in ``attrs``.

    Raises
    ------
    ArgumentError
        A missing column, bad counts (naming the column and row) or a bad
        ``national``.
    """
    if not isinstance(table, pd.DataFrame):
        raise ArgumentError(f"table must be a pandas DataFrame, not {type(table).__name__}.")
    for column in (numerator, denominator):
        if column not in table.columns:
            raise ArgumentError(
                f"table has no column {column!r}; its columns are {list(table.columns)}."
            )
    if protected is None:
        protected = is_protected(table)
    mask = national_mask(False if national is None else national, len(table), table.index, table)
    num, den, withheld_num, withheld_den, _ = _protected_pair(
        table[numerator], table[denominator], rule, mask, protected
    )
    hidden = withheld_num | withheld_den | (den == 0)
    lower, upper = wilson(np.where(hidden, 0, num), np.where(hidden, 1, den), level)
    out = table.copy()
    out[numerator] = int64(num, withheld_num)
    out[denominator] = int64(den, withheld_den)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(hidden, np.nan, num / np.where(den == 0, 1, den))
    out["lower"] = np.where(hidden, np.nan, lower)
    out["upper"] = np.where(hidden, np.nan, upper)
    out["withheld"] = hidden
    out.attrs[PROTECTED] = rule.name
    return out


def protect(
    table: pd.DataFrame,
    level_column: str | None = None,
    columns: str | Sequence[str] | None = None,
    national_value: Hashable = "England",
    rule: DisclosureRule = NHS_DIGITAL,
    *,
    national=None,
) -> pd.DataFrame:
    """Protect every sub-national row of a long table; leave England's rows as they are.

    Parameters
    ----------
    table : DataFrame
        One row per area (and period, etc.), with count columns.
    level_column : str, optional
        Column naming the area of each row (for example ``"area"``); rows whose
        value is ``national_value`` are national. Not needed with ``national``;
        with neither, every row is protected (the safe default).
    columns : str or list of str
        The count columns to protect. Rates must be recomputed from the
        protected counts (:func:`protected_rates`, :func:`protected_proportion`),
        which take this function's output as it is.
    national_value : default "England"
        The value of ``level_column`` on national rows, which are not suppressed.
    rule : DisclosureRule, default NHS_DIGITAL
    national : str or boolean mask, optional
        Instead of ``level_column``: the name of a boolean column, or a mask
        with one True/False per row, True on national rows.

    Returns
    -------
    DataFrame
        A copy of ``table`` whose count columns are nullable ``Int64``: national
        rows unchanged, other rows protected by ``rule`` cell by cell (withheld
        as ``<NA>``), marked as protected in ``attrs``. No secondary
        suppression: use :func:`suppress_table` for a cross-tabulation
        published with totals.

    Raises
    ------
    ArgumentError
        A missing column, or bad counts (naming the column and row).
    """
    check_rule(rule)
    if columns is None:
        raise ArgumentError("columns must name the count column(s) to protect.")
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not isinstance(table, pd.DataFrame):
        raise ArgumentError("table must be a pandas DataFrame.")
    if level_column is not None and national is not None:
        raise ArgumentError(
            "protect takes one way to find national rows: level_column (with "
            "national_value), or national= (a boolean column or mask), not both."
        )
    for column in [*([level_column] if level_column is not None else []), *columns]:
        if column not in table.columns:
            raise ArgumentError(
                f"table has no column {column!r}; its columns are {list(table.columns)}."
            )
    if national is None and level_column is None:
        national = np.zeros(len(table), dtype=bool)  # no national rows: protect every row
    elif national is None:
        national = (table[level_column] == national_value).to_numpy()
    else:
        national = national_mask(national, len(table), table.index, table)
    out = table.copy()
    for column in columns:
        values = checked_counts(table[column], f"column {column!r}", list(table.index))
        shown, withheld = _protected(values, rule, national)
        out[column] = int64(shown, withheld)
    out.attrs[PROTECTED] = rule.name
    return out
