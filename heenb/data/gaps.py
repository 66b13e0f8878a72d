"""Missing periods inside a series: periods with no data between a series' first and last.

A chart must not join the periods either side of a gap as neighbours, and a
reader must be told. A series is one source, area and measure: in a raw file,
the columns ``RawFile.series`` of the contract (``heenb validate`` warns of
each gap with :func:`raw_gaps`); in the mart, one measure for one area
(:func:`mart_gaps`, which the reports' data notes use through :func:`gaps_note`).

Periods are years (``2023``), months (``2023-09``) or quarters (``2023-Q2``),
as the contract writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heenb.data.catalogue import ENGLAND
from heenb.data.contract import RAW_FILES_BY_NAME

#: Per-series gaps listed one by one for each source; the rest are counted.
GAPS_LISTED = 5

_FORMATS = {
    "year": re.compile(r"^(\d{4})$"),
    "month": re.compile(r"^(\d{4})-(\d\d)$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
}
_PER_YEAR = {"year": 1, "month": 12, "quarter": 4}


@dataclass(frozen=True)
class Gap:
    """Periods missing inside one series.

    ``series`` is ``((column, value), ...)`` naming the series within
    ``source``, empty when no row of the whole source has these periods.
    """

    source: str
    series: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    first: str
    last: str

    @property
    def where(self) -> str:
        """The series in words: ``local_office 'EM', item 'overall'``; empty: every area."""
        return ", ".join(f"{c} '{v}'" for c, v in self.series) or "every area and measure"

    def __str__(self) -> str:
        return (
            f"{self.source}: WARNING: {self.where}: no data for {', '.join(self.missing)} "
            f"(the series runs from {self.first} to {self.last}); a chart shows a break there"
        )


def period_kind(labels) -> str | None:
    """``year``, ``month`` or ``quarter`` when every label is written so, else None."""
    texts = [str(label) for label in labels]
    for kind, pattern in _FORMATS.items():
        if texts and all(pattern.match(t) for t in texts):
            return kind
    return None


def ordinals(labels, kind: str) -> np.ndarray:
    """Consecutive periods as consecutive whole numbers (year * periods a year + index)."""
    texts = pd.Series([str(label) for label in labels], dtype=object)
    years = texts.str[:4].astype("int64").to_numpy()
    if kind == "year":
        return years
    within = texts.str[-2:].str.lstrip("Q-").astype("int64").to_numpy() - 1
    return years * _PER_YEAR[kind] + within


def labels(numbers, kind: str) -> list[str]:
    """The period labels of :func:`ordinals` (the inverse)."""
    per_year = _PER_YEAR[kind]
    years, within = np.divmod(np.asarray(numbers, dtype="int64"), per_year)
    if kind == "year":
        return [str(y) for y in years]
    if kind == "month":
        return [f"{y}-{m + 1:02d}" for y, m in zip(years, within, strict=True)]
    return [f"{y}-Q{q + 1}" for y, q in zip(years, within, strict=True)]


def complete_periods(periods: list) -> list:
    """``periods`` with any missing ones inserted, when they are ascending periods of one kind.

    Labels keep their type (whole numbers stay numbers). Anything else (labels
    that are not periods, or not in ascending order) is returned unchanged.
    """
    kind = period_kind(periods)
    if kind is None or len(periods) < 2:
        return list(periods)
    numbers = ordinals(periods, kind)
    if (np.diff(numbers) <= 0).any():
        return list(periods)
    full = labels(range(numbers[0], numbers[-1] + 1), kind)
    if all(isinstance(p, int | np.integer) for p in periods):
        return [int(p) for p in full]
    return full


def find_gaps(table: pd.DataFrame, source: str, period: str, kind: str, by: list[str]) -> list[Gap]:
    """Gaps in ``table``: first the periods missing from the whole table, then per series.

    Parameters
    ----------
    table : DataFrame
        One row per observation, with the ``period`` column and the ``by`` columns.
    source : str
        What the table is, for the messages (a file name, a mart measure).
    period, kind : str
        The period column and how it is written (``year``, ``month``, ``quarter``).
    by : list of str
        Columns naming one series (an area and a measure); a series' gaps that
        the whole table shares are reported once, as the table's.
    """
    if table.empty:
        return []
    numbers = pd.Series(_ordinals_of(table[period], kind), index=table.index)
    present = np.unique(numbers.to_numpy())
    span = np.arange(present[0], present[-1] + 1)
    shared = np.setdiff1d(span, present)
    gaps = []
    if shared.size:
        first, last = labels([present[0], present[-1]], kind)
        gaps.append(Gap(source, (), tuple(labels(shared, kind)), first, last))
    if not by:
        return gaps
    frame = table[by].assign(_period=numbers)
    spans = frame.groupby(by, sort=True, observed=True)["_period"].agg(["min", "max", "nunique"])
    gapped = spans[spans["max"] - spans["min"] + 1 > spans["nunique"]]
    if gapped.empty:
        return gaps
    have = frame.drop_duplicates().groupby(by, sort=True, observed=True)["_period"].agg(list)
    for key, row in gapped.iterrows():
        span = np.arange(row["min"], row["max"] + 1)
        missing = np.setdiff1d(span, np.union1d(have.loc[key], shared))
        key = key if isinstance(key, tuple) else (key,)
        if missing.size:
            first, last = labels([row["min"], row["max"]], kind)
            series = tuple((c, str(v)) for c, v in zip(by, key, strict=True))
            gaps.append(Gap(source, series, tuple(labels(missing, kind)), first, last))
    return gaps


def _ordinals_of(values: pd.Series, kind: str) -> np.ndarray:
    """:func:`ordinals` for a column, quickly for whole-number years."""
    if kind == "year" and pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype="int64")
    unique = pd.unique(values)
    lookup = dict(zip(unique, ordinals(unique, kind), strict=True))
    return values.map(lookup).to_numpy(dtype="int64")


def raw_gaps(tables: dict[str, pd.DataFrame]) -> list[Gap]:
    """Gaps in validated raw tables (:func:`heenb.data.validate.read_raw`), file by file.

    A series is a file's ``RawFile.series`` columns (an area and a measure).
    """
    gaps = []
    for name, table in tables.items():
        raw = RAW_FILES_BY_NAME[name]
        if raw.period is not None:
            kind = raw.column(raw.period).kind
            gaps += find_gaps(table, raw.filename, raw.period, kind, list(raw.series))
    return gaps


def warning_lines(gaps: list[Gap], listed: int = GAPS_LISTED) -> list[str]:
    """One line per gap, at most ``listed`` per source; the rest of a source's are counted."""
    lines, shown = [], {}
    for gap in gaps:
        shown[gap.source] = shown.get(gap.source, 0) + 1
        if shown[gap.source] <= listed:
            lines.append(str(gap))
    for source, count in shown.items():
        if count > listed:
            lines.append(f"{source}: WARNING: {count - listed} more series with missing periods")
    return lines


def mart_gaps(mart, area_codes=(ENGLAND,)) -> list[Gap]:
    """Gaps in the mart's series for the given areas (England by default) and every update.

    ``mart`` is a :class:`heenb.data.mart.Mart`. A series is one measure (a KPI
    id), staff group or ethnic-group count for one area; one objective's KPI
    updates; one project's updates; involvement activity of any type.
    """
    areas = list(area_codes)
    proportions = mart.proportions[
        (mart.proportions["breakdown"] == "all") & mart.proportions["area_code"].isin(areas)
    ]
    workforce = mart.workforce[mart.workforce["area_code"].isin(areas)]
    representation = mart.representation[mart.representation["area_code"].isin(areas)]
    return [
        *find_gaps(proportions, "measures", "period", "year", ["area_code", "measure"]),
        *find_gaps(workforce, "workforce", "month", "month", ["area_code", "staff_group"]),
        *find_gaps(representation, "representation", "year", "year", ["area_code"]),
        *find_gaps(mart.kpi_updates, "KPI updates", "quarter", "quarter", ["objective"]),
        *find_gaps(mart.programme_updates, "project updates", "quarter", "quarter",
                   ["project_id"]),
        *find_gaps(mart.ppi_activities, "involvement activity", "quarter", "quarter", []),
    ]  # fmt: skip


def gaps_note(mart, area_codes=(ENGLAND,)) -> str:
    """One sentence for a report's data notes naming missing periods, or "" when none are."""
    gaps = mart_gaps(mart, area_codes)
    if not gaps:
        return ""
    parts = [
        f"{gap.source}{f' ({gap.where})' if gap.series else ''}: {', '.join(gap.missing)}"
        for gap in gaps[:GAPS_LISTED]
    ]
    more = f"; and {len(gaps) - GAPS_LISTED} more" if len(gaps) > GAPS_LISTED else ""
    return (
        "Some series have no data for some periods between their first and last, and charts "
        f"break their lines there: {'; '.join(parts)}{more}."
    )
