"""Statistical disclosure control: no learner can be identified from a small count.

The default is NHS Digital's rule for sub-national counts:

- a count of 0 stays 0 (it reveals nobody);
- a count of 1 to 7 is withheld (shown as the marker ``[c]``, the ONS symbol
  for "confidential");
- every other count is rounded to the nearest 5 (half-way cases round up; with
  whole counts and base 5 none arise: 12 -> 10, 13 -> 15);
- a percentage is computed from the rounded counts and withheld when its
  numerator or denominator is withheld (or its denominator is 0).

England-level (national) figures are published unrounded and unsuppressed:
``national`` marks them, as ``True`` for a whole series or, per row, as a
boolean mask (list, array or Series) or the name of a boolean column; or use
:func:`protect` on a long table holding England and sub-national rows.

Protection chains: :func:`protect` and :func:`suppress` mark what they return
as protected (in ``attrs``), and :func:`protected_proportion`,
:func:`protected_percentage` and :func:`protected_rates` take such counts as
they are, a ``<NA>`` being a withheld count (``protected=True`` says so for
counts protected elsewhere). :func:`protected_rates` gives each row's rate and
Wilson interval from the protected counts, withheld with them.

Units: counts are people; proportions and their intervals are fractions (0-1),
as everywhere in heenb (:func:`heenb.stats.wilson`, :mod:`heenb.funnel`, the
charts). :func:`protected_percentage` alone gives per cent (0-100), as its name
says: it is :func:`protected_proportion` times 100, for tables printed in per cent.

For a cross-tabulation whose row and column totals are published,
:func:`suppress_table` adds secondary suppression, so that no withheld cell can
be worked out exactly by adding and subtracting shown figures along rows and
columns: no row or column has exactly one withheld entry, and no withheld
entry can be solved for by combining several rows and columns either.

Rules are :class:`DisclosureRule` values; ``NHS_DIGITAL`` (threshold 7, base 5)
and ``GMC`` (groups of fewer than 3 withheld, no rounding) are provided.
Withheld values are ``pandas.NA`` in nullable ``Int64`` / ``Float64`` results;
:func:`display` turns them into the marker for tables in reports.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heenb.checks import as_floats, check_counts, check_not_above
from heenb.errors import ArgumentError
from heenb.stats import wilson

__all__ = [
    "GMC",
    "MARKER",
    "MARKER_NOTE",
    "NHS_DIGITAL",
    "DisclosureRule",
    "display",
    "protect",
    "protected_percentage",
    "protected_proportion",
    "protected_rates",
    "suppress",
    "suppress_table",
]

#: The ONS symbol for a figure withheld to protect confidentiality.
MARKER = "[c]"
#: The ``attrs`` key marking counts already protected (by :func:`protect` or :func:`suppress`).
PROTECTED = "heenb_protected"


@dataclass(frozen=True)
class DisclosureRule:
    """How small counts are protected.

    Parameters
    ----------
    threshold : int, default 7
        Counts from 1 to ``threshold`` are withheld; 0 is always shown. 0 means
        nothing is withheld.
    base : int, default 5
        Counts above the threshold are rounded to the nearest multiple of
        ``base`` (half-way cases up); 1 means no rounding. The threshold must be
        at least ``base // 2``, so that no count above 0 is shown as 0.
    name : str
        Who the rule comes from, for notes.
    """

    threshold: int = 7
    base: int = 5
    name: str = "NHS Digital"

    def __post_init__(self) -> None:
        for field, smallest in (("threshold", 0), ("base", 1)):
            value = getattr(self, field)
            if (
                not isinstance(value, int | np.integer)
                or isinstance(value, bool)
                or value < smallest
            ):
                raise ArgumentError(
                    f"DisclosureRule {field} must be a whole number of at least {smallest}, "
                    f"not {value!r}."
                )
        if self.threshold < self.base // 2:
            raise ArgumentError(
                f"DisclosureRule threshold ({self.threshold}) must be at least base // 2 "
                f"({self.base // 2}); otherwise counts of 1 to {self.base // 2} would be "
                f"rounded to 0 and published as if nobody were there."
            )

    def withheld(self, counts: np.ndarray) -> np.ndarray:
        """True where a count (whole number, 0 or more) is withheld: 1 to ``threshold``."""
        return (counts >= 1) & (counts <= self.threshold)

    def rounded(self, counts: np.ndarray) -> np.ndarray:
        """Counts rounded to the nearest multiple of ``base``, half-way cases up."""
        return (2 * counts + self.base) // (2 * self.base) * self.base

    def note(self, marker: str = MARKER) -> str:
        """One sentence explaining the marker and this rule, for report notes."""
        rounding = (
            f", other counts below England level are rounded to the nearest {self.base} "
            f"and percentages are calculated from the rounded counts"
            if self.base > 1
            else ""
        )
        small = {
            0: "no count is withheld for being small",
            1: "counts of 1 are not shown",
            2: "counts of 1 and 2 are not shown",
        }.get(self.threshold, f"counts of 1 to {self.threshold} are not shown")
        return (
            f"{marker} marks a figure withheld to protect confidentiality ({self.name} rule): "
            f"{small}{rounding}; where a table shows totals, further figures are withheld so "
            f"that none can be worked out by subtraction."
        )


#: NHS Digital's rule: 1-7 withheld, other counts rounded to the nearest 5.
NHS_DIGITAL = DisclosureRule(threshold=7, base=5, name="NHS Digital")
#: The GMC's rule: no result for a group of fewer than 3 (1 or 2); no rounding.
GMC = DisclosureRule(threshold=2, base=1, name="GMC")
#: One sentence for report notes, explaining ``[c]`` under the default rule.
MARKER_NOTE = NHS_DIGITAL.note()


# --------------------------------------------------------------------------- counts


def _check_rule(rule) -> None:
    if not isinstance(rule, DisclosureRule):
        raise ArgumentError(
            f"rule must be a DisclosureRule (for example heenb.disclosure.NHS_DIGITAL), "
            f"not {type(rule).__name__}."
        )


def _counts(values, name: str, labels: Sequence[Hashable] | None) -> np.ndarray:
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


def _as_series_parts(values, name: str) -> tuple[np.ndarray, pd.Index, Hashable]:
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
    return _counts(values, name, labels), index, label


def _protected(counts: np.ndarray, rule: DisclosureRule, national):
    """(shown values, withheld mask) for validated counts; ``national`` a bool or a mask."""
    national = np.broadcast_to(np.asarray(national, dtype=bool), counts.shape)
    shown = np.where(national, counts, rule.rounded(counts))
    return shown, rule.withheld(counts) & ~national


def _national_mask(national, n: int, index: pd.Index, table: pd.DataFrame | None = None):
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


def _is_protected(*values) -> bool:
    """True when every one of ``values`` carries the mark of :func:`protect`/:func:`suppress`."""
    return all(bool(getattr(v, "attrs", {}).get(PROTECTED)) for v in values)


def _shown_counts(values, name: str) -> tuple[np.ndarray, np.ndarray, pd.Index, Hashable]:
    """Already protected counts: (shown counts with 0 for withheld, withheld mask, index, name)."""
    if isinstance(values, pd.DataFrame) or np.ndim(values) != 1:
        raise ArgumentError(f"{name} must be one-dimensional (a Series, array or list).")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    withheld = series.isna().to_numpy()
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(series))
    labels = None if isinstance(index, pd.RangeIndex) else list(index)
    filled = series.astype(object).where(~series.isna(), 0)
    counts = _counts(pd.Series(filled.to_numpy(), index=index).astype(float), name, labels)
    return counts, withheld, index, getattr(values, "name", None)


def _int64(values: np.ndarray, withheld: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Nullable Int64 array of ``values`` with ``<NA>`` where ``withheld``."""
    array = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    array[np.asarray(withheld, dtype=bool)] = pd.NA
    return array


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
    _check_rule(rule)
    values, index, name = _as_series_parts(counts, "counts")
    shown, withheld = _protected(values, rule, _national_mask(national, len(values), index))
    out = pd.Series(_int64(shown, withheld), index=index, name=name)
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
    _check_rule(rule)
    if protected is None:
        protected = _is_protected(numerator, denominator)
    if protected:
        num, withheld_num, index, _ = _shown_counts(numerator, "numerator")
        den, withheld_den, den_index, _ = _shown_counts(denominator, "denominator")
    else:
        for values, name in ((numerator, "numerator"), (denominator, "denominator")):
            if isinstance(values, pd.Series) and values.isna().any():
                raise ArgumentError(
                    f"{name} is missing (NaN) at row {values.index[values.isna()][0]!r}. If "
                    "these counts are already protected (withheld shown as <NA>), pass "
                    "protected=True; otherwise every count must be a known number of 0 or more."
                )
        num, index, _ = _as_series_parts(numerator, "numerator")
        den, den_index, _ = _as_series_parts(denominator, "denominator")
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
    mask = _national_mask(national, len(num), index)
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
        protected = _is_protected(table)
    mask = _national_mask(False if national is None else national, len(table), table.index, table)
    num, den, withheld_num, withheld_den, _ = _protected_pair(
        table[numerator], table[denominator], rule, mask, protected
    )
    hidden = withheld_num | withheld_den | (den == 0)
    lower, upper = wilson(np.where(hidden, 0, num), np.where(hidden, 1, den), level)
    out = table.copy()
    out[numerator] = _int64(num, withheld_num)
    out[denominator] = _int64(den, withheld_den)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(hidden, np.nan, num / np.where(den == 0, 1, den))
    out["lower"] = np.where(hidden, np.nan, lower)
    out["upper"] = np.where(hidden, np.nan, upper)
    out["withheld"] = hidden
    out.attrs[PROTECTED] = rule.name
    return out


# --------------------------------------------------------------------------- tables


def _lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """Every published additive relation of a table with margins, as lists of positions.

    The table with totals has ``n_rows`` x ``n_cols`` entries, the last row and
    column being totals. Each row (the totals row too) says its cells add up to
    its last entry; so does each column. Each line lists its cells, total last.
    """
    rows = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    cols = [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return rows + cols


def _complement(line, full: np.ndarray, withheld: np.ndarray) -> tuple[int, int]:
    """The entry of ``line`` to withhold as a complementary suppression.

    Candidates are entries not yet withheld with a count above 0 (a 0 cannot hide
    anything: it is shown, and known to be small). The smallest count is chosen;
    ties go to a cell before a total, then to an entry whose crossing line also
    has exactly one withheld entry (one choice mends both), then to the first
    in reading order.
    """
    last_row, last_col = full.shape[0] - 1, full.shape[1] - 1
    along_row = line[0][0] == line[-1][0]

    def key(p):
        crossing = withheld[:, p[1]] if along_row else withheld[p[0], :]
        return (full[p], p[0] == last_row or p[1] == last_col, crossing.sum() != 1, p)

    candidates = [p for p in line if not withheld[p] and full[p] > 0]
    return min(candidates, key=key)


def _per_line(full: np.ndarray, withheld: np.ndarray) -> None:
    """Withhold complements (in place) until no line has exactly one withheld entry.

    A line always has a candidate: a withheld entry is above 0, so its line's
    total (or, if the total is the one withheld, one of its cells) is too.
    """
    lines = _lines(*full.shape)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(bool(withheld[p]) for p in line) == 1:
                withheld[_complement(line, full, withheld)] = True
                changed = True


def _reach(withheld: np.ndarray, start: tuple[str, int], cut: tuple[int, int]):
    """Rows and columns linked to ``start`` through withheld entries, ignoring entry ``cut``.

    Withheld entries form a bipartite graph: entry (i, j) joins row i to column
    j. Returns (set of rows, set of columns) reachable from ``start``.
    """
    rows, cols = set(), set()
    todo = [start]
    while todo:
        kind, k = todo.pop()
        seen, line = (rows, withheld[k, :]) if kind == "row" else (cols, withheld[:, k])
        if k in seen:
            continue
        seen.add(k)
        other = "col" if kind == "row" else "row"
        for m in np.flatnonzero(line):
            entry = (k, int(m)) if kind == "row" else (int(m), k)
            if entry != cut:
                todo.append((other, int(m)))
    return rows, cols


def _bridges(withheld: np.ndarray) -> list[tuple[int, int]]:
    """Withheld entries on no cycle of withheld entries: these can be solved for.

    The rows and columns of a table with margins are linear equations; a set
    of withheld entries leaves an entry's value free exactly when the entry
    lies on a cycle (row, column, row, column, ... back to the start) of
    withheld entries, since adding and subtracting the same amount around a
    cycle keeps every row and column total. An entry on no cycle (a "bridge")
    is determined by combining rows and columns.
    """
    found = []
    for i, j in zip(*np.nonzero(withheld), strict=True):
        cut = (int(i), int(j))
        rows, _ = _reach(withheld, ("col", cut[1]), cut)
        if cut[0] not in rows:
            found.append(cut)
    return found


def _visible(full: np.ndarray, withheld: np.ndarray, rows, cols) -> list[tuple[int, int]]:
    return [(i, j) for i in rows for j in cols if not withheld[i, j] and full[i, j] > 0]


def _link(full: np.ndarray, withheld: np.ndarray, bridge: tuple[int, int]):
    """Entries whose withholding puts ``bridge`` on a cycle; [] when none can.

    Removing the bridge splits its part of the graph into side A (holding its
    row) and side B (holding its column). One visible entry joining a row of
    one side to a column of the other closes a cycle: the smallest is chosen.
    Failing that, two entries through a row or column outside both sides (the
    totals row always qualifies) are used, the pair with the smallest sum.
    """
    rows_a, cols_a = _reach(withheld, ("row", bridge[0]), bridge)
    rows_b, cols_b = _reach(withheld, ("col", bridge[1]), bridge)
    last = (full.shape[0] - 1, full.shape[1] - 1)
    direct = _visible(full, withheld, rows_a, cols_b) + _visible(full, withheld, rows_b, cols_a)
    if direct:
        return [min(direct, key=lambda p: (full[p], p[0] == last[0] or p[1] == last[1], p))]
    pairs = []
    for i in set(range(full.shape[0])) - rows_a - rows_b:
        to_a, to_b = _visible(full, withheld, [i], cols_a), _visible(full, withheld, [i], cols_b)
        pairs += [(a, b) for a in to_a for b in to_b]
    for j in set(range(full.shape[1])) - cols_a - cols_b:
        to_a, to_b = _visible(full, withheld, rows_a, [j]), _visible(full, withheld, rows_b, [j])
        pairs += [(a, b) for a in to_a for b in to_b]
    if not pairs:
        return []
    return list(min(pairs, key=lambda pair: (full[pair[0]] + full[pair[1]], pair)))


def _secondary(full: np.ndarray, withheld: np.ndarray) -> np.ndarray:
    """Primary pattern plus complements until no withheld entry can be worked out.

    First every line gets a second withheld entry (:func:`_per_line`); then any
    withheld entry still solvable by combining lines (:func:`_bridges`) is put
    on a cycle (:func:`_link`); repeated until neither adds anything.
    """
    withheld = withheld.copy()
    while True:
        _per_line(full, withheld)
        for bridge in _bridges(withheld):
            extra = _link(full, withheld, bridge)
            if extra:
                for p in extra:
                    withheld[p] = True
                break
        else:
            return withheld


def _with_margins(counts: np.ndarray) -> np.ndarray:
    """The table with a totals column and a totals row (grand total bottom right)."""
    full = np.zeros((counts.shape[0] + 1, counts.shape[1] + 1), dtype=np.int64)
    full[:-1, :-1] = counts
    full[:-1, -1] = counts.sum(axis=1)
    full[-1, :-1] = counts.sum(axis=0)
    full[-1, -1] = counts.sum()
    return full


def _table_counts(table) -> np.ndarray:
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ArgumentError("table must be a non-empty pandas DataFrame of counts.")
    for column in table.columns:
        _counts(table[column], f"table column {column!r}", list(table.index))
    return table.to_numpy(dtype=np.int64)


def _add_label(index: pd.Index, label: str, argument: str) -> pd.Index:
    total = (label, *[""] * (index.nlevels - 1)) if index.nlevels > 1 else label
    if total in index:
        raise ArgumentError(f"table already has {argument} {total!r}; pass another total_label.")
    if index.nlevels > 1:
        return pd.MultiIndex.from_tuples([*index, total], names=index.names)
    return pd.Index([*index, total], name=index.name)


def suppress_table(
    table: pd.DataFrame,
    rule: DisclosureRule = NHS_DIGITAL,
    show_totals: bool = True,
    total_label: str = "Total",
) -> pd.DataFrame:
    """Protect a cross-tabulation of counts, with primary and secondary suppression.

    1. Row, column and grand totals are computed from the original counts.
    2. Primary suppression: every cell and every total is protected by ``rule``
       (withheld if 1 to threshold, otherwise rounded). Totals are rounded like
       any other count, so the shown cells need not add up to the shown total.
    3. Secondary suppression: each row and each column (the totals row and
       column too) is an additive relation; where exactly one of its entries is
       withheld it could be recovered by subtraction, so a second entry is
       withheld: the visible, non-zero entry with the smallest original count
       (a cell before a total on ties). Zeros are never used: a 0 is shown and
       hides nothing.
    4. Audit across lines: a withheld entry can still be solved for by
       combining several rows and columns when it lies on no cycle of withheld
       entries (row, column, row, ... back to the start). Each such entry gets
       one more complement (the smallest visible non-zero entry that closes a
       cycle through it), and steps 3-4 repeat until nothing changes.

    Secondary suppression is applied even when ``show_totals`` is False, since
    the totals (region or England figures) are usually published elsewhere.
    The audit is of exact recovery by adding and subtracting; it does not
    widen the range a withheld cell is known to lie in (a reader knows each
    withheld count is at least 1, since zeros are shown). With rounding to 5
    the shown figures are themselves inexact, which blurs any such range.

    Parameters
    ----------
    table : DataFrame
        Counts of people (whole numbers, 0 or more), for example local offices
        (rows) by ARCP outcome (columns), sub-national figures only.
    rule : DisclosureRule, default NHS_DIGITAL
    show_totals : bool, default True
        Include the totals column and row (labelled ``total_label``).
    total_label : str, default "Total"
        Label of the totals row and column; must not already be a label.

    Returns
    -------
    DataFrame
        Nullable ``Int64`` protected counts (people), withheld entries ``<NA>``;
        with a last column and last row of protected totals when ``show_totals``.

    Raises
    ------
    ArgumentError
        An empty table, a negative, missing or fractional count (naming its
        column and row), or a ``total_label`` already used.
    """
    _check_rule(rule)
    counts = _table_counts(table)
    full = _with_margins(counts)
    withheld = _secondary(full, rule.withheld(full))
    shown = rule.rounded(full)
    index = _add_label(table.index, total_label, "a row")
    columns = _add_label(table.columns, total_label, "a column")
    out = pd.DataFrame(
        {j: _int64(shown[:, j], withheld[:, j]) for j in range(len(columns))}, index=index
    )
    out.columns = columns
    if not show_totals:
        out = out.iloc[:-1, :-1]
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
    _check_rule(rule)
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
        national = _national_mask(national, len(table), table.index, table)
    out = table.copy()
    for column in columns:
        values = _counts(table[column], f"column {column!r}", list(table.index))
        shown, withheld = _protected(values, rule, national)
        out[column] = _int64(shown, withheld)
    out.attrs[PROTECTED] = rule.name
    return out


# --------------------------------------------------------------------------- display


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
