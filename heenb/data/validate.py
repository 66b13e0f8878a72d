"""Check raw data files against the contract in :mod:`heenb.data.contract`.

Files are read by :mod:`heenb.data.read`: as text, so that a bad value is
reported with its row and column rather than failing a type conversion, and
each column coded against its distinct values (:func:`read_coded`), so each
check here looks at a distinct value once and a file of millions of rows stays
small in memory. This module holds the rules: each column's, then keys, then
those across files. All problems in all files are collected and raised
together as one :class:`~heenb.errors.DataValidationError`. Row numbers are as
a spreadsheet shows them: the header is row 1, the first record row 2.

Periods (years, months, quarters) must lie between the earliest year in the
reference data (:func:`first_year`) and the build date (today); a date may lie
up to :data:`~heenb.data.contract.DATE_YEARS_AHEAD` years after it. Text holds
no control characters (a multi-line column may hold tabs and line breaks) and
is no longer than its column's ``max_length``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from heenb.data.catalogue import Catalogue, load_catalogue
from heenb.data.contract import (
    DATE_YEARS_AHEAD,
    PATTERNS,
    RAW_FILES,
    RAW_FILES_BY_NAME,
    Column,
    RawFile,
)
from heenb.data.geography import did_you_mean

# The reading side's public names stay importable from here, as before the split.
from heenb.data.read import (
    CHUNK_ROWS,
    HEADER_ROW,
    LINE_LIMIT,
    OVERSIZED_FACTOR,
    ChangedWhileReadError,
    HashedFile,
    longest_line,
    read_coded,
    read_text,
)
from heenb.errors import DataChangedError, DataValidationError, Problem

__all__ = [
    "CHUNK_ROWS",
    "CODES_LISTED",
    "LINE_LIMIT",
    "OVERSIZED_FACTOR",
    "QUOTED_LENGTH",
    "ROWS_LISTED",
    "build_date",
    "first_year",
    "longest_line",
    "per_value",
    "period_bounds",
    "problems_in",
    "quoted",
    "read_coded",
    "read_raw",
    "read_raw_hashed",
]

#: Rows listed one by one for each kind of problem in a column; the rest are counted.
ROWS_LISTED = 5
#: Longest value quoted in a message; a longer one is cut short.
QUOTED_LENGTH = 60
#: A code list longer than this is named by its reference file in a message, not listed.
CODES_LISTED = 20

#: Control characters (C0, DEL, C1); a multi-line column may hold tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PLURAL = {"year": "years", "month": "months", "quarter": "quarters", "date": "dates"}

_FIRST_ROW = HEADER_ROW + 1


def read_raw(data_dir: Path, catalogue: Catalogue | None = None,
             missing_ok: bool = False) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Read and validate every raw file; return typed DataFrames by file name.

    With ``missing_ok``, a raw file that is not in the folder is no problem: its
    table is returned empty (with the contract's columns), and the files present
    are validated as usual.

    Raises
    ------
    DataValidationError
        Listing every problem in every file (file, row, column, what is valid).
    DataChangedError
        When a file changed while it was read (two passes over it read different bytes).
    """
    return read_raw_hashed(data_dir, catalogue, missing_ok)[0]


def read_raw_hashed(data_dir: Path, catalogue: Catalogue | None = None,
                    missing_ok: bool = False) -> tuple[dict[str, pd.DataFrame], dict]:  # fmt: skip
    """:func:`read_raw`, and the SHA-256 (hex) of the bytes each table was parsed from,
    by file name (None for a file not in the folder): the content actually read, which
    the mart is keyed and checked by (:func:`heenb.data.mart.build_mart`)."""
    catalogue = catalogue or load_catalogue()
    data_dir = Path(data_dir)
    bounds = period_bounds(catalogue)
    if not data_dir.is_dir():
        raise DataValidationError(
            [
                Problem(
                    str(data_dir),
                    None,
                    None,
                    "the data folder does not exist; pass --data DIR or "
                    "set HEENB_DATA to a folder of raw CSV files",
                )
            ]
        )
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    digests: dict[str, str | None] = {}
    changed: list[str] = []
    missing = [r for r in RAW_FILES if missing_ok and not (data_dir / r.filename).is_file()]
    for raw in RAW_FILES:
        if raw in missing:
            digests[raw.filename] = None
            continue
        source = HashedFile(data_dir / raw.filename)
        text, file_problems = read_text(source, raw, _read_coded)
        try:
            digests[raw.filename] = source.digest()
        except ChangedWhileReadError:
            changed.append(raw.filename)
            continue
        problems += file_problems
        if text is not None:
            problems += _check_columns(text, raw, catalogue, bounds)
            tables[raw.name] = text
    if changed:  # its problems, or its lack of them, may be the change's
        raise DataChangedError(data_dir, changed)
    problems += _check_references(tables)
    problems += _check_providers(tables, catalogue)
    if problems:
        raise DataValidationError(problems)
    for raw in missing:
        tables[raw.name] = pd.DataFrame(
            {c.name: pd.Series(dtype="category") for c in raw.columns}
        )  # empty, in the coded form the reader gives every table
    typed = {raw.name: _typed(tables[raw.name], raw) for raw in RAW_FILES if raw.name in tables}
    return typed, digests


def _read_coded(source: Path | HashedFile) -> pd.DataFrame:
    """:func:`read_coded` as this module names it, with this module's :data:`CHUNK_ROWS`
    (so a test may set either here, as it could before reading had a module of its own)."""
    return read_coded(source, CHUNK_ROWS)


def problems_in(data_dir: Path, catalogue: Catalogue | None = None) -> list[Problem]:
    """Every problem in the raw data folder; an empty list when it is valid."""
    try:
        read_raw(data_dir, catalogue)
    except DataValidationError as error:
        return error.problems
    return []


def build_date() -> dt.date:
    """The date of the build: no period in the data may start after it."""
    return dt.date.today()


def first_year(catalogue: Catalogue) -> int | None:
    """The earliest year the reference data covers (its ``published_*.csv`` figures).

    No period in the raw data may lie before it; None when the reference folder
    has no published figures (then only the period formats bound the years).
    """
    return _first_year(Path(catalogue.directory))


@cache
def _first_year(directory: Path) -> int | None:
    years = []
    for path in sorted(directory.glob("published_*.csv")):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in ("year", "month", "quarter"):
            if column in table:
                years += [int(v[:4]) for v in table[column] if v[:4].isdigit()]
    return min(years) if years else None


def period_bounds(catalogue: Catalogue, today: dt.date | None = None) -> dict[str, tuple]:
    """The first and last valid value of each period format, and why, as written in a file.

    Returns ``{kind: (first, last, reason)}`` for ``year``, ``month``,
    ``quarter`` and ``date``; values of one format compare as strings.
    """
    today = today or build_date()
    first = first_year(catalogue) or 1900
    last_date = f"{today.year + DATE_YEARS_AHEAD}-12-31"
    since = f"{first} is the earliest year in the reference data"
    until = f"nothing may be after the build date, {today.isoformat()}"
    ahead = (
        f"a date may be up to {DATE_YEARS_AHEAD} years after the build date, {today.isoformat()}"
    )
    return {
        "year": (str(first), str(today.year), f"{since}; {until}"),
        "month": (f"{first}-01", f"{today:%Y-%m}", f"{since}; {until}"),
        "quarter": (f"{first}-Q1", f"{today.year}-Q{(today.month + 2) // 3}", f"{since}; {until}"),
        "date": (f"{first}-01-01", last_date, f"{since}; {ahead}"),
    }


def quoted(value: str) -> str:
    """A value for a message: in quotes, control characters shown as escapes, cut short."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    if len(text) > QUOTED_LENGTH:
        text = f"{text[: QUOTED_LENGTH - 3]}..."
    return f"'{text}'"


def per_value(values: pd.Series, result) -> pd.Series:
    """Row by row, a result computed once per category of a categorical column.

    ``result`` has one entry per category of ``values`` (in category order).
    """
    codes = values.cat.codes.to_numpy()
    return pd.Series(np.asarray(result)[codes], index=values.index)


def _categories(values: pd.Series) -> pd.Series:
    """The distinct values (categories) of a categorical column, as text."""
    return pd.Series(values.cat.categories.to_numpy(dtype=object), dtype=object)


def _check_columns(
    table: pd.DataFrame, raw: RawFile, catalogue: Catalogue, bounds: dict
) -> list[Problem]:
    problems: list[Problem] = []
    for column in raw.columns:
        values = table[column.name]
        empty = values == ""
        if column.required:
            problems += _rows(raw, column, empty, lambda i: "is empty; a value is required")
        filled = values[~empty] if empty.any() else values  # no copy of a full column
        problems += _check_values(filled, raw, column, catalogue, bounds)
    return problems + _check_keys(table, raw)


def _check_keys(table: pd.DataFrame, raw: RawFile) -> list[Problem]:
    """Keys must be unique, and not differ only in letter case (``P001`` and ``p001``)."""
    key = list(raw.key)
    keys = table[key]
    folded = pd.DataFrame(index=table.index)
    for name in key:  # one whole number per distinct value (folded to one case for text)
        categories = _categories(keys[name])
        if raw.column(name).kind == "text" and not _case_free(categories):
            folded[name] = per_value(keys[name], pd.factorize(categories.str.casefold())[0])
        else:
            folded[name] = keys[name].cat.codes
    duplicated = folded.duplicated(keep="first")
    if not duplicated.any():
        return []

    def describe(i) -> str:
        row = keys.loc[i]
        first = (folded == folded.loc[i]).all(axis=1).idxmax()
        shown = ", ".join(map(str, row))
        if (keys.loc[first] == row).all():
            return (
                f"duplicate key ({shown}) for columns {', '.join(key)}; "
                f"the same key is at row {first + _FIRST_ROW}"
            )
        return (
            f"key ({shown}) differs only in letter case from key "
            f"({', '.join(map(str, keys.loc[first]))}) at row {first + _FIRST_ROW}; keys of "
            f"columns {', '.join(key)} must differ by more than case"
        )

    return _rows(raw, None, duplicated, describe)


def _case_free(values: pd.Series) -> bool:
    """True when no two values can differ only in case: ASCII with letters of one case only.

    One scan of the column joined, so a column of a million identifiers such as
    ``R0000001`` is not folded value by value.
    """
    joined = "".join(values)
    return joined.isascii() and (joined.upper() == joined or joined.lower() == joined)


def _check_values(
    values: pd.Series, raw: RawFile, column: Column, catalogue: Catalogue, bounds: dict
) -> list[Problem]:
    if column.kind == "code":
        allowed = catalogue.allowed(*column.codes)
        by_case = {code.casefold(): code for code in allowed}
        valid = ", ".join(allowed)
        if len(allowed) > CODES_LISTED:
            valid = f"the {len(allowed)} codes in data/reference/{column.codes[0]}.csv"

        def unknown(i) -> str:
            near = by_case.get(values[i].casefold())
            if near:
                hint = f" (codes are case-sensitive: did you mean '{near}'?)"
            elif len(allowed) > CODES_LISTED and (close := did_you_mean(values[i], allowed)):
                hint = f" ({close.strip().replace('Did', 'did', 1)})"
            else:
                hint = ""
            return f"{quoted(values[i])} is not a known code{hint}; valid: {valid}"

        return _rows(raw, column, ~values.isin(allowed), unknown)
    if column.kind in PATTERNS:
        return _check_period(values, raw, column, bounds[column.kind])
    if column.kind == "text":
        return _check_text(values, raw, column)
    numbers = per_value(values, pd.to_numeric(_categories(values), errors="coerce"))
    word = "a whole number" if column.kind == "int" else "a number"
    problems = _rows(raw, column, numbers.isna(), lambda i: f"{quoted(values[i])} is not {word}")
    numbers = numbers.dropna()
    if column.kind == "int":
        problems += _rows(
            raw,
            column,
            numbers != numbers.round(),
            lambda i: f"{quoted(values[i])} is not a whole number",
        )
    out_of_range = (numbers < column.minimum) | (numbers > column.maximum)
    problems += _rows(
        raw,
        column,
        out_of_range,
        lambda i: (
            f"{values[i]} is out of range; "
            f"valid values are {column.minimum:g} to {column.maximum:g}"
        ),
    )
    return problems


def _check_period(values: pd.Series, raw: RawFile, column: Column, bounds: tuple) -> list[Problem]:
    """The format, a real calendar date, and the range from the first year to the build date."""
    pattern, meaning = PATTERNS[column.kind]
    categories = _categories(values)
    matches = per_value(values, categories.str.fullmatch(pattern[1:-1]).astype(bool))
    problems = _rows(raw, column, ~matches, lambda i: f"{quoted(values[i])} is not {meaning}")
    values = values[matches]
    if column.kind == "date":
        impossible = pd.to_datetime(categories, format="%Y-%m-%d", errors="coerce").isna()
        impossible = per_value(values, impossible)
        problems += _rows(
            raw,
            column,
            impossible,
            lambda i: f"'{values[i]}' is not a date on the calendar ({meaning})",
        )
        values = values[~impossible]
    first, last, reason = bounds
    plural = _PLURAL[column.kind]
    return problems + _rows(
        raw,
        column,
        per_value(values, (categories < first) | (categories > last)),
        lambda i: (
            f"'{values[i]}' is outside the periods the data can cover: valid {plural} are "
            f"{first} to {last} ({reason})"
        ),
    )


def _check_text(values: pd.Series, raw: RawFile, column: Column) -> list[Problem]:
    """No text longer than the column allows, and no control characters."""
    categories = _categories(values)
    lengths = per_value(values, categories.str.len())
    too_long = lengths > column.max_length
    problems = _rows(
        raw,
        column,
        too_long,
        lambda i: (
            f"is {lengths[i]:,} characters long; this column allows at most "
            f"{column.max_length:,} (see data/README.md)"
        ),
    )
    values = values[~too_long]
    control = _CONTROL_MULTILINE if column.multiline else _CONTROL
    if not control.search("".join(categories)):  # the usual case: one scan of every value
        return problems
    found = categories.map(lambda v: (m := control.search(v)) and m.start())
    where = per_value(values, found.astype(object).where(found.notna(), None))
    allowed = (
        "text may hold tabs and line breaks but no other control characters"
        if column.multiline
        else "this column takes one line of printable text: no tabs or line breaks, "
        "no other control characters"
    )
    return problems + _rows(
        raw,
        column,
        where.notna(),
        lambda i: (
            f"contains the control character U+{ord(values[i][int(where[i])]):04X} at "
            f"character {int(where[i]) + 1}; {allowed}"
        ),
    )


def _rows(raw: RawFile, column: Column | None, mask: pd.Series, describe) -> list[Problem]:
    """Problems for the rows where ``mask`` is true: the first few listed, the rest counted.

    ``describe(i)`` gives the message for the row with index label ``i``; it is
    called only for the rows listed, so a column of a million bad values stays cheap.
    """
    rows = mask[mask].index
    if len(rows) == 0:
        return []
    name = column.name if column is not None else None
    listed = [
        Problem(raw.filename, int(i) + _FIRST_ROW, name, describe(i)) for i in rows[:ROWS_LISTED]
    ]
    if len(rows) > ROWS_LISTED:
        listed.append(
            Problem(
                raw.filename,
                None,
                name,
                f"{len(rows) - ROWS_LISTED} more row(s) with the same kind of "
                f"problem (from row {rows[ROWS_LISTED] + _FIRST_ROW} on)",
            )
        )
    return listed


def _check_references(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Project ids used by updates and dependencies must exist in programme_projects."""
    projects = tables.get("programme_projects")
    if projects is None:
        return []
    projects = projects.astype(object)  # a small file: plain text is simplest here
    known = set(projects["project_id"])
    problems: list[Problem] = []
    updates = tables.get("programme_updates")
    if updates is not None:
        update_file = RAW_FILES_BY_NAME["programme_updates"]
        ids = updates["project_id"].astype(object)
        problems += _rows(
            update_file,
            update_file.column("project_id"),
            ~ids.isin(known) & (ids != ""),
            lambda i: f"project '{ids[i]}' is not in programme_projects.csv",
        )
    project_file = RAW_FILES_BY_NAME["programme_projects"]
    unknown = projects["depends_on"].map(
        lambda s: [d for d in re.split(r"\s*;\s*", s) if d and d not in known]
    )
    problems += _rows(
        project_file,
        project_file.column("depends_on"),
        unknown.str.len() > 0,
        lambda i: (
            f"depends on unknown project(s) {', '.join(unknown[i])}; "
            "each must be a project_id in programme_projects.csv"
        ),
    )
    return problems


def _check_providers(tables: dict[str, pd.DataFrame], catalogue: Catalogue) -> list[Problem]:
    """A row's placement provider must lie in the row's local office (through its STP).

    Counts roll up provider -> STP -> local office, so a provider outside the
    row's local office would make the local office's figure differ from the sum
    of its providers'. Unknown codes are reported by the column checks.
    """
    office_of = catalogue.office_of_provider
    stp_of = catalogue.stp_of
    stp_names = catalogue.stps.set_index("stp_code")["name"]
    problems: list[Problem] = []
    for name, table in tables.items():
        if not {"provider", "local_office"} <= set(table.columns):
            continue
        raw = RAW_FILES_BY_NAME[name]
        providers, offices = table["provider"], table["local_office"]
        # One check per distinct (provider, local office) pair, not per row.
        homes = _categories(providers).map(office_of)
        names = _categories(offices)
        width, known = len(names), set(office_of.to_numpy())
        pairs = providers.cat.codes.to_numpy("int64") * width + offices.cat.codes.to_numpy()
        bad = [
            pair
            for pair in np.unique(pairs)
            if isinstance(home := homes[pair // width], str)
            and names[pair % width] in known
            and home != names[pair % width]
        ]
        wrong = pd.Series(np.isin(pairs, bad) if bad else False, index=table.index)
        home = per_value(providers, homes)

        def describe(i, providers=providers, offices=offices, home=home) -> str:
            stp = stp_of[providers[i]]
            return (
                f"provider '{providers[i]}' is in local office {home[i]} (STP {stp}, "
                f"{stp_names[stp]}), not in the row's local office {offices[i]}; a learner's "
                "provider must be in their local office (data/reference/providers.csv and "
                "stps.csv)"
            )

        problems += _rows(raw, raw.column("provider"), wrong, describe)
    return problems


def _typed(table: pd.DataFrame, raw: RawFile) -> pd.DataFrame:
    """Convert a validated, stripped, coded table to typed columns.

    Whole numbers and years become ``int64``, numbers ``float64``; codes, text,
    periods other than years and dates stay categoricals of text (compare
    them with ``isin`` or ``==``; group them with ``observed=True``).
    """
    typed = pd.DataFrame(index=table.index)
    for column in raw.columns:
        values = table[column.name]
        if column.kind in ("int", "year", "number"):  # no empty value is left to convert
            values = values.cat.remove_unused_categories()
        if column.kind in ("int", "year"):
            numbers = pd.to_numeric(_categories(values)).astype("int64")
            typed[column.name] = per_value(values, numbers)
        elif column.kind == "number":
            numbers = pd.to_numeric(_categories(values)).astype("float64")
            typed[column.name] = per_value(values, numbers)
        else:
            typed[column.name] = values
    return typed
