"""Check raw data files against the contract in :mod:`heenb.data.contract`.

Every file is read as text first, so that a bad value is reported with its
row and column rather than failing a type conversion. All problems in all
files are collected and raised together as one
:class:`~heenb.errors.DataValidationError`. Row numbers are as a spreadsheet
shows them: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from heenb.data.catalogue import Catalogue, load_catalogue
from heenb.data.contract import PATTERNS, RAW_FILES, RAW_FILES_BY_NAME, Column, RawFile
from heenb.errors import DataValidationError, Problem

#: Rows listed one by one for each kind of problem in a column; the rest are counted.
ROWS_LISTED = 5

_HEADER_ROW = 1
_FIRST_ROW = 2


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
    """
    catalogue = catalogue or load_catalogue()
    data_dir = Path(data_dir)
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
    missing = [r for r in RAW_FILES if missing_ok and not (data_dir / r.filename).is_file()]
    for raw in RAW_FILES:
        if raw in missing:
            continue
        text, file_problems = _read_text(data_dir / raw.filename, raw)
        problems += file_problems
        if text is not None:
            problems += _check_columns(text, raw, catalogue)
            tables[raw.name] = text
    problems += _check_references(tables)
    if problems:
        raise DataValidationError(problems)
    for raw in missing:
        tables[raw.name] = pd.DataFrame({c.name: pd.Series(dtype="str") for c in raw.columns})
    return {raw.name: _typed(tables[raw.name], raw) for raw in RAW_FILES if raw.name in tables}


def problems_in(data_dir: Path, catalogue: Catalogue | None = None) -> list[Problem]:
    """Every problem in the raw data folder; an empty list when it is valid."""
    try:
        read_raw(data_dir, catalogue)
    except DataValidationError as error:
        return error.problems
    return []


def _read_text(path: Path, raw: RawFile) -> tuple[pd.DataFrame | None, list[Problem]]:
    name = raw.filename
    if not path.is_file():
        return None, [Problem(name, None, None, f"file not found in {path.parent}")]
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except UnicodeDecodeError as error:
        return None, [
            Problem(
                name,
                None,
                None,
                f"is not UTF-8 text ({error.reason} at byte {error.start}); save it as CSV UTF-8",
            )
        ]
    except (pd.errors.ParserError, csv.Error) as error:
        return None, [Problem(name, None, None, f"is not a readable CSV file: {error}")]
    except pd.errors.EmptyDataError:
        return None, [
            Problem(
                name,
                None,
                None,
                "is empty; it needs a header row naming the "
                f"columns {', '.join(c.name for c in raw.columns)}",
            )
        ]
    except OSError as error:
        return None, [Problem(name, None, None, f"cannot be read: {error.strerror}")]
    table.columns = [str(c).strip() for c in table.columns]
    # Blank lines are read (so row numbers match a spreadsheet), then dropped.
    table = table[(table.apply(lambda col: col.str.strip()) != "").any(axis=1)]
    missing = [c.name for c in raw.columns if c.name not in table.columns]
    if missing:
        return None, [
            Problem(
                name,
                _HEADER_ROW,
                column,
                f"column is missing; the header must name {', '.join(c.name for c in raw.columns)}",
            )
            for column in missing
        ]
    return table, []


def _check_columns(table: pd.DataFrame, raw: RawFile, catalogue: Catalogue) -> list[Problem]:
    problems: list[Problem] = []
    for column in raw.columns:
        values = table[column.name].str.strip()
        empty = values == ""
        if column.required:
            problems += _rows(raw, column, empty, lambda i: "is empty; a value is required")
        problems += _check_values(values[~empty], raw, column, catalogue)
    key = list(raw.key)
    keys = table[key].apply(lambda col: col.str.strip())
    duplicated = keys.duplicated(keep="first")
    if duplicated.any():

        def describe(i) -> str:
            row = keys.loc[i]
            first = (keys == row).all(axis=1).idxmax()
            return (
                f"duplicate key ({', '.join(map(str, row))}) for columns {', '.join(key)}; "
                f"the same key is at row {first + _FIRST_ROW}"
            )

        problems += _rows(raw, None, duplicated, describe)
    return problems


def _check_values(
    values: pd.Series, raw: RawFile, column: Column, catalogue: Catalogue
) -> list[Problem]:
    if column.kind == "code":
        allowed = catalogue.allowed(*column.codes)
        return _rows(
            raw,
            column,
            ~values.isin(allowed),
            lambda i: f"'{values[i]}' is not a known code; valid: {', '.join(allowed)}",
        )
    if column.kind in PATTERNS:
        pattern, meaning = PATTERNS[column.kind]
        return _rows(
            raw,
            column,
            ~values.str.fullmatch(pattern[1:-1]),
            lambda i: f"'{values[i]}' is not {meaning}",
        )
    if column.kind not in ("int", "number"):
        return []
    numbers = pd.to_numeric(values, errors="coerce")
    word = "a whole number" if column.kind == "int" else "a number"
    problems = _rows(raw, column, numbers.isna(), lambda i: f"'{values[i]}' is not {word}")
    numbers = numbers.dropna()
    if column.kind == "int":
        problems += _rows(
            raw,
            column,
            numbers != numbers.round(),
            lambda i: f"'{values[i]}' is not a whole number",
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
    known = set(projects["project_id"].str.strip())
    problems: list[Problem] = []
    updates = tables.get("programme_updates")
    if updates is not None:
        update_file = RAW_FILES_BY_NAME["programme_updates"]
        ids = updates["project_id"].str.strip()
        problems += _rows(
            update_file,
            update_file.column("project_id"),
            ~ids.isin(known) & (ids != ""),
            lambda i: f"project '{ids[i]}' is not in programme_projects.csv",
        )
    project_file = RAW_FILES_BY_NAME["programme_projects"]
    unknown = projects["depends_on"].map(
        lambda s: [d for d in re.split(r"\s*;\s*", s.strip()) if d and d not in known]
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


def _typed(table: pd.DataFrame, raw: RawFile) -> pd.DataFrame:
    """Convert a validated text table to typed columns (codes stay text)."""
    typed = pd.DataFrame(index=table.index)
    for column in raw.columns:
        values = table[column.name].str.strip()
        if column.kind in ("int", "year"):
            typed[column.name] = pd.to_numeric(values).astype("int64")
        elif column.kind == "number":
            typed[column.name] = pd.to_numeric(values).astype("float64")
        else:
            typed[column.name] = values
    return typed
