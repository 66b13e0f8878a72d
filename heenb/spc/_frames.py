"""XmR charts from a data frame: columns checked, rows sorted by date, one chart per facet."""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from heenb.checks import as_dates, check_dates, gap_positions
from heenb.errors import ArgumentError
from heenb.spc._arguments import checked_target, checked_values, date_positions
from heenb.spc._limits import chart
from heenb.spc._result import XmrResult


@dataclass(frozen=True, eq=False)
class XmrFacets:
    """XmR charts of several facets (areas, staff groups); made by :func:`xmr` with ``facet``.

    Attributes
    ----------
    results : dict
        Facet value -> :class:`XmrResult`, facets sorted.
    facet : str
        The facet column's name.
    date : str or None
        The date column's name.
    notes : tuple of str
        What was not done as asked, facet by facet: a recalculation date given for every
        facet (a list) that is not a date of one facet (an organisation that closed before
        it) is left out for that facet alone, and said here.
    """

    results: dict
    facet: str
    date: str | None = None
    notes: tuple = ()

    @property
    def points(self) -> pd.DataFrame:
        """Every facet's points in one tidy frame, the facet column first."""
        return pd.concat([r.points for r in self.results.values()], ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """One row per facet and period of limits (see :meth:`XmrResult.summary`)."""
        return pd.concat([r.summary() for r in self.results.values()], ignore_index=True)

    def _repr_html_(self) -> str:
        """In JupyterLab: the summary table of every facet, then its notes."""
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in self.notes)
        return self.summary().to_html(index=False) + notes

    def with_target(self, target) -> XmrFacets:
        """The same charts judged against another target: a number, a dict or None."""
        targets = _facet_targets(target, None, list(self.results), self.facet)
        return replace(
            self, results={k: r.with_target(targets[k]) for k, r in self.results.items()}
        )

    def __getitem__(self, facet) -> XmrResult:
        if facet not in self.results:
            raise ArgumentError(
                f"no facet {facet!r}; the facets of column {self.facet!r} are {list(self.results)}"
            )
        return self.results[facet]

    def __iter__(self) -> Iterator:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


def from_frame(df, value, date, facet, target, recalculate_at, gaps, settings):
    """xmr() of a data frame: checked, sorted and split by facet."""
    if value is None:
        raise ArgumentError(
            "value must name the column of values when values is a data frame; its columns "
            f"are {list(df.columns)}"
        )
    target_column = target if isinstance(target, str) else None
    for name, column in (("value", value), ("date", date), ("facet", facet)):
        if column is not None and column not in df.columns:
            raise ArgumentError(
                f"{name}={column!r} is not a column of the data frame; its columns are "
                f"{list(df.columns)}"
            )
    if target_column is not None and target_column not in df.columns:
        raise ArgumentError(
            f"target={target_column!r} is not a column of the data frame; give a number, a "
            f"dict of facet to number, or one of the columns {list(df.columns)}"
        )
    if df.empty:
        raise ArgumentError("the data frame has no rows: an XmR chart needs at least one value")
    _check_frame_values(df, value)
    if facet is not None and df[facet].isna().any():
        row = df.index[df[facet].isna().to_numpy()][0]
        raise ArgumentError(f"column {facet!r} (facet) is missing at row {row!r}")
    data = df.copy()
    if date is not None:
        data[date] = as_dates(data[date], date)
        data = data.sort_values(date, kind="stable")
    groups = _facet_order(data[facet]) if facet is not None else [None]
    targets = _facet_targets(target, data, groups, facet)
    results, notes = {}, []
    for group in groups:
        rows = data if facet is None else data[data[facet] == group]
        rows = rows.reset_index(drop=True)
        where = "" if facet is None else f" (facet {group!r})"
        if date is not None:
            check_dates(rows[date], date, gaps, where)
            wanted = facet_recalculations(recalculate_at, group, facet)
            label = f"column {date!r}{where}"
            if facet is not None and not isinstance(recalculate_at, Mapping):
                wanted, dropped = _within(wanted, pd.Index(rows[date]), label)
                notes += dropped
            positions = date_positions(wanted, pd.Index(rows[date]), label)
        else:
            positions = facet_recalculations(recalculate_at, group, facet)
        breaks = gap_positions(rows[date]) if date is not None and gaps == "allow" else []
        result = chart(
            checked_values(rows[value].reset_index(drop=True)), targets[group], positions,
            settings, breaks,
        )  # fmt: skip
        points = result.points
        if date is not None:
            points.insert(0, date, rows[date].to_numpy())
        if facet is not None:
            points.insert(0, facet, group)
        results[group] = replace(result, points=points, date=date, facet=facet)
    if facet is None:
        return results[None]
    return XmrFacets(results=results, facet=facet, date=date, notes=tuple(notes))


def _within(recalculate_at, dates: pd.Index, label: str) -> tuple[list, list[str]]:
    """The recalculation dates (given for every facet) that one facet can take, and a note
    for each it cannot: not one of its dates, or its first."""
    if isinstance(recalculate_at, str | bytes) or not isinstance(recalculate_at, Iterable):
        return recalculate_at, []  # date_positions says what is wrong
    kept, notes = [], []
    for when in recalculate_at:
        try:
            date_positions([when], dates, label)
        except ArgumentError as error:
            notes.append(f"Not recalculated at {when}: {error}.")
        else:
            kept.append(when)
    return kept, notes


def _facet_order(column: pd.Series) -> list:
    """The facets, sorted (in order of appearance if they cannot be sorted)."""
    found = list(dict.fromkeys(column))
    try:
        return sorted(found)
    except TypeError:
        return found


def _check_frame_values(df: pd.DataFrame, value: str) -> None:
    column = df[value]
    numbers_ = pd.to_numeric(column, errors="coerce")
    bad = column.notna() & numbers_.isna()
    if bad.any() or pd.api.types.is_bool_dtype(column):
        row = df.index[bad.to_numpy()][0] if bad.any() else df.index[0]
        raise ArgumentError(
            f"column {value!r} (value) must hold numbers; row {row!r} holds {column[row]!r}"
        )
    missing = df.index[numbers_.isna().to_numpy()]
    if len(missing):
        shown = ", ".join(repr(r) for r in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise ArgumentError(
            f"column {value!r} (value) has no value at row{'s' if len(missing) > 1 else ''} "
            f"{shown}{more}: an XmR chart needs one value for every period, as a gap would "
            "make a false moving range; fill the gap, or drop those rows and pass gaps='allow'"
        )


def _facet_targets(target, data, groups: list, facet) -> dict:
    """Each facet's target (None for none): from a number, a dict or a column."""
    if isinstance(target, Mapping):
        if facet is None:
            raise ArgumentError(
                "target is a dict of facet to target, but no facet column is named; pass "
                "facet=, or one number as target"
            )
        unknown = [key for key in target if key not in groups]
        if unknown:
            raise ArgumentError(
                f"target names facet(s) {unknown} not in column {facet!r}; its facets are {groups}"
            )
        return {group: checked_target(target.get(group)) for group in groups}
    if isinstance(target, str) and data is not None:
        out = {}
        for group in groups:
            rows = data if facet is None else data[data[facet] == group]
            found = rows[target].dropna().unique()
            if len(found) > 1:
                where = "" if facet is None else f" for facet {group!r}"
                raise ArgumentError(
                    f"column {target!r} (target) holds {len(found)} different targets{where} "
                    f"({sorted(found)[:5]}); a chart has one target: give one value per facet"
                )
            out[group] = checked_target(float(found[0])) if len(found) else None
        return out
    one = checked_target(target)
    return dict.fromkeys(groups, one)


def facet_recalculations(recalculate_at, group, facet):
    if isinstance(recalculate_at, Mapping):
        if facet is None:
            raise ArgumentError(
                "recalculate_at is a dict of facet to dates, but no facet column is named; "
                "pass facet=, or a list of dates"
            )
        return recalculate_at.get(group, ())
    return recalculate_at
