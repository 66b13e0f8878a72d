"""The raw data contract: one :class:`RawFile` per source CSV, column by column.

The contract is declared as data in ``data/raw_sources.yml`` and read here once, at
import (:func:`load_contract`). ``heenb.data.validate`` checks files against it,
``heenb.data.demo`` writes files that meet it, the data snapshot and incremental builds
hash the files it names, and ``data/README.md`` is generated from it (``heenb schema``; a
test keeps the README in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from heenb import paths
from heenb.errors import BuildError

#: Regular expressions for the period formats raw files use.
PATTERNS = {
    "year": (r"^(19|20)\d\d$", "a four-digit year such as 2023"),
    "month": (r"^(19|20)\d\d-(0[1-9]|1[0-2])$", "a month written YYYY-MM, such as 2023-09"),
    "quarter": (r"^(19|20)\d\d-Q[1-4]$", "a quarter written YYYY-Qn, such as 2023-Q2"),
    "date": (
        r"^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
        "a date written YYYY-MM-DD, such as 2023-06-30",
    ),
}


#: Longest text, in characters, of an identifier, a name and a narrative field.
ID_LENGTH = 64
NAME_LENGTH = 200
NARRATIVE_LENGTH = 20_000
#: How far after the build date a date (not a period) may lie, in whole years.
DATE_YEARS_AHEAD = 10


@dataclass(frozen=True)
class Column:
    """One column of a raw file.

    ``kind`` is ``text``, ``int``, ``number``, ``code`` (a value from a
    catalogue code list, named by ``codes`` as ``(table, column)``), or one of
    the period formats in :data:`PATTERNS`. A ``text`` value may be at most
    ``max_length`` characters and holds no control characters; ``multiline``
    text may also hold tabs and line breaks.
    """

    name: str
    kind: str
    description: str
    codes: tuple[str, str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = True
    max_length: int = NAME_LENGTH
    multiline: bool = False


@dataclass(frozen=True)
class RawFile:
    """A raw source file: ``<name>.csv`` in the data folder; ``key`` columns are unique together.

    ``period`` names the column giving each row's period (None for a file of
    things rather than events) and ``series`` the columns that, with the file,
    name one series over time (an area and a measure); a period missing
    between a series' first and last is a gap (see :mod:`heenb.data.gaps`).
    ``title`` names the source for readers: the data notes of every page show
    :attr:`source_title`, the title and the file name.
    """

    name: str
    row_is: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    title: str
    period: str | None = None
    series: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def source_title(self) -> str:
        """The source as a page's data notes name it: ``ARCP outcomes (arcp_outcomes.csv)``."""
        return f"{self.title} ({self.filename})"


#: Where the contract is declared.
DECLARATIONS = paths.PROJECT_ROOT / "data" / "raw_sources.yml"
#: The kinds a column may be.
KINDS = ("text", "int", "number", "code", *PATTERNS)
_FILE_KEYS = {"name", "title", "row_is", "key", "period", "series", "columns"}
_COLUMN_KEYS = {"name", "kind", "description", "codes", "minimum", "maximum", "required",
                "max_length", "multiline"}  # fmt: skip


def load_contract(path: Path = DECLARATIONS) -> tuple[RawFile, ...]:
    """The raw files as ``data/raw_sources.yml`` declares them; a declaration that is not
    valid raises :class:`~heenb.errors.BuildError` naming the file, source and column."""
    where = path.name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as error:
        raise BuildError(
            f"{where}: cannot be read as UTF-8 YAML ({type(error).__name__})."
        ) from None
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BuildError(f"{where}: expected a list under 'sources:', one entry per raw file.")
    files = tuple(_raw_file(entry, where) for entry in entries)
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise BuildError(f"{where}: a raw file is declared twice: {names}.")
    return files


def _raw_file(entry, where: str) -> RawFile:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise BuildError(f"{where}: each source is a mapping with a name.")
    where = f"{where}, source '{entry['name']}'"
    _keys(entry, _FILE_KEYS, where)
    for key in ("title", "row_is", "key", "columns"):
        if not entry.get(key):
            raise BuildError(f"{where}: '{key}' is required.")
    columns = tuple(_column(c, where) for c in entry["columns"])
    named = {c.name for c in columns}
    used = [
        *entry["key"],
        *entry.get("series", []),
        *([entry["period"]] if entry.get("period") else []),
    ]
    unknown = [c for c in used if c not in named]
    if unknown:
        raise BuildError(f"{where}: key, period or series name unknown column(s) {unknown}.")
    return RawFile(
        entry["name"], entry["row_is"], columns, key=tuple(entry["key"]), title=entry["title"],
        period=entry.get("period"), series=tuple(entry.get("series", ())),
    )  # fmt: skip


def _column(spec, where: str) -> Column:
    if not isinstance(spec, dict) or not spec.get("name"):
        raise BuildError(f"{where}: each column is a mapping with a name.")
    where = f"{where}, column '{spec['name']}'"
    _keys(spec, _COLUMN_KEYS, where)
    if spec.get("kind") not in KINDS:
        raise BuildError(f"{where}: kind {spec.get('kind')!r} is not one of {', '.join(KINDS)}.")
    codes = spec.get("codes")
    if (spec["kind"] == "code") != (codes is not None) or (codes and len(codes) != 2):
        raise BuildError(f"{where}: a code column, and only one, names codes: [table, column].")
    return Column(
        spec["name"], spec["kind"], str(spec.get("description", "")),
        codes=tuple(codes) if codes else None, minimum=spec.get("minimum"),
        maximum=spec.get("maximum"), required=bool(spec.get("required", True)),
        max_length=int(spec.get("max_length", NAME_LENGTH)),
        multiline=bool(spec.get("multiline", False)),
    )  # fmt: skip


def _keys(entry: dict, known: set, where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise BuildError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}.")


RAW_FILES: tuple[RawFile, ...] = load_contract()
RAW_FILES_BY_NAME = {f.name: f for f in RAW_FILES}


def source_titles() -> dict[str, str]:
    """Each raw source's title for readers, by contract name (:attr:`RawFile.source_title`)."""
    return {raw.name: raw.source_title for raw in RAW_FILES}


def markdown() -> str:
    """The contract as Markdown, one table per file (the body of ``data/README.md``)."""
    parts = []
    for raw in RAW_FILES:
        series = ""
        if raw.period:
            names = ", ".join(f"`{c}`" for c in raw.series) or "the whole file"
            series = f" Series over `{raw.period}`, for missing periods: one per {names}."
        parts.append(
            f"### `{raw.filename}`\n\nOne row is {raw.row_is}. "
            f"Unique key: {', '.join(f'`{k}`' for k in raw.key)}.{series}\n"
        )
        parts.append("| column | type | required | meaning |\n| --- | --- | --- | --- |")
        for col in raw.columns:
            kind = {"int": "whole number", "number": "number"}.get(col.kind, col.kind)
            if col.kind == "text":
                kind = f"text, at most {col.max_length:,} characters"
                kind += ", tabs and line breaks allowed" if col.multiline else ", one line"
            if col.codes:
                kind = f"code from `{col.codes[0]}`"
            elif col.kind in PATTERNS:
                kind = PATTERNS[col.kind][1]
            if col.minimum is not None:
                kind += f", {col.minimum:,.0f} to {col.maximum:,.0f}"
            parts.append(
                f"| `{col.name}` | {kind} | {'yes' if col.required else 'no'} | {col.description} |"
            )
        parts.append("")
    return "\n".join(parts)
