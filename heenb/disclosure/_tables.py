"""Cross-tabulations with totals: suppress_table and its secondary suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd

from heenb.disclosure._counts import checked_counts, int64
from heenb.disclosure._rule import NHS_DIGITAL, DisclosureRule, check_rule
from heenb.errors import ArgumentError


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
        checked_counts(table[column], f"table column {column!r}", list(table.index))
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
    check_rule(rule)
    counts = _table_counts(table)
    full = _with_margins(counts)
    withheld = _secondary(full, rule.withheld(full))
    shown = rule.rounded(full)
    index = _add_label(table.index, total_label, "a row")
    columns = _add_label(table.columns, total_label, "a column")
    out = pd.DataFrame(
        {j: int64(shown[:, j], withheld[:, j]) for j in range(len(columns))}, index=index
    )
    out.columns = columns
    if not show_totals:
        out = out.iloc[:-1, :-1]
    return out
