"""Published statistics, read as their declarations say (``data/published/sources.yml``).

A published source is one measure's figures by period and area, as a publisher issued
them: a CSV file, or an Excel workbook's sheet with its header on a given row, periods
down the rows or across the columns, areas as columns or as rows of organisations in
their ICS and region. :func:`load_sources` reads the declarations; :meth:`Source.table`
reads every table of a source into one tidy frame, one row per area and period:

========== =================================================================
period     ``YYYY-MM`` (month), ``YYYY-Qn`` or ``YYYY``
level      ``england``, ``region``, ``ics`` or ``organisation``
area_code  ``ENG``, the region's, ICS's or organisation's code
area_name  as the publication names it
region_code, ics_code, org_type   where the table gives them
breakdown  the group of a breakdown (a staff group), "" for the whole area
<values>   each declared value (e.g. a numerator, a denominator and their rate)
table      which declared table the row came from (its position)
========== =================================================================

A value with ``rate_of`` is a rate of two others, held as a fraction (the published
5.32 per cent is 0.0532). Where a table gives organisations' numerators and denominators
but no totals, the totals of their ICS, region and England are the ratio of the sums
(:func:`_rolled_up`). Where two tables give one area's figure for one period, the first
declared wins. Every problem is one :class:`~heenb.errors.PublishedSourceError` naming the
file (and sheet), row, column and what would be valid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from heenb import files, paths
from heenb.errors import PublishedSourceError

#: The geography levels a published table may give, coarsest first.
LEVELS = ("england", "region", "ics", "organisation")
ENGLAND = "ENG"
_PERIOD_FORMATS = {"month": "%Y-%m", "year": "%Y"}
_SOURCE_KEYS = {"name", "title", "publisher", "licence", "attribution", "periodicity", "values",
                "outside", "tables", "strengths", "limitations"}  # fmt: skip
_TABLE_KEYS = {"file", "publication", "published", "sheet", "header_row", "periods", "areas",
               "type", "totals", "figures", "missing", "breakdown"}  # fmt: skip


@dataclass(frozen=True)
class Value:
    """One figure a source's rows hold: its description, unit, and whether it counts
    people (then disclosure control applies); ``rate_of`` names the numerator and
    denominator of a rate."""

    name: str
    description: str
    unit: str
    people: bool = False
    rate_of: tuple[str, str] | None = None


@dataclass(frozen=True)
class Table:
    """One declared table of a source: a file (and sheet) and how it is laid out."""

    file: str
    publication: str
    published: str | None
    sheet: str | None
    header_row: int
    periods: dict
    areas: dict
    figures: dict
    type: str | None = None
    totals: dict | None = None
    missing: tuple[str, ...] = ()
    breakdown: dict | None = None

    @property
    def where(self) -> str:
        """The file as messages name it: ``x.xlsx, sheet 'Table 4'``."""
        return f"{self.file}, sheet '{self.sheet}'" if self.sheet else self.file

    @property
    def citation(self) -> str:
        """The publication as pages cite it: ``Workforce Statistics, January 2023
        (published 25 May 2023)``."""
        if not self.published:
            return self.publication
        day = dt.date.fromisoformat(str(self.published))
        return f"{self.publication} (published {day.day} {day:%B %Y})"


@dataclass(frozen=True)
class Source:
    """A declared published source: its publisher, licence, values and tables."""

    name: str
    title: str
    publisher: str
    licence: str
    attribution: str
    periodicity: str
    values: dict[str, Value]
    tables: tuple[Table, ...]
    folder: Path
    outside: tuple[str, ...] = ()
    #: What the statistics are good for and where they fall short ("About these statistics").
    strengths: str = ""
    limitations: str = ""
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def files(self) -> list[Path]:
        """The source's files, each once, in declared order."""
        return list(dict.fromkeys(self.folder / t.file for t in self.tables))

    @property
    def levels(self) -> set[str]:
        """The geography levels the source's tables give (before any roll-up)."""
        found = set()
        for table in self.tables:
            if "only" in table.areas:
                found.add("england" if table.areas["only"] == ENGLAND else "region")
            elif "as_columns" in table.areas:
                found |= {"england" if c == ENGLAND else "region"
                          for c in table.areas["as_columns"].values()}  # fmt: skip
            else:
                found |= set(table.areas) | ({"england", "region"} if table.totals else set())
        return found

    @property
    def publications(self) -> list[str]:
        """Each publication the source reads, cited, in declared order."""
        return list(dict.fromkeys(t.citation for t in self.tables))

    @property
    def provenance(self) -> str:
        """One sentence for a page's data notes: publications, publisher and licence."""
        return (f"{'; '.join(self.publications)}, {self.publisher}. {self.attribution}").strip()

    def table(self) -> pd.DataFrame:
        """Every table of the source as one tidy frame (see the module's description).

        Kept on disk under the hash of the declarations, the files and this module
        (:func:`_cached`), so a build's pages read a workbook once between them."""
        if "table" not in self._cache:
            self._cache["table"] = _cached(self)
        return self._cache["table"].copy()

    def kept(self, key, make):
        """``make()``'s result, made once for this source and ``key`` (a view of its table
        that figures ask for again and again); treat it as read-only."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def content_key(self) -> str:
        """A hash of what the source's table is made from: its declarations file, its
        files and the code that reads them."""
        digest = hashlib.sha256()
        for path in [self.folder / "sources.yml", *self.files, Path(__file__)]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        digest.update(pd.__version__.encode())
        return digest.hexdigest()[:20]

    def areas(self, level: str) -> pd.DataFrame:
        """The areas the source gives at ``level`` (code, name, region and ICS code), each
        once, named as the latest table that gives them names them; codes in ``outside``
        excluded."""
        table = self.table()
        rows = table[(table["level"] == level) & ~table["area_code"].isin(self.outside)]
        rows = rows.sort_values(["period", "table"], ascending=[False, True])
        return (
            rows.drop_duplicates("area_code")[
                ["area_code", "area_name", "region_code", "ics_code"]
            ]  # fmt: skip
            .sort_values("area_code")
            .reset_index(drop=True)
        )


def published_dir(override: str | os.PathLike | None = None) -> Path:
    """The folder of published statistics: ``override``, else ``$HEENB_PUBLISHED``, else
    ``data/published``."""
    chosen = override or os.environ.get("HEENB_PUBLISHED")
    return Path(chosen).expanduser().resolve() if chosen else paths.PROJECT_ROOT / "data/published"


def load_sources(folder: str | os.PathLike | None = None) -> dict[str, Source]:
    """The declared published sources, by name (none when the folder has no sources.yml)."""
    folder = published_dir(folder)
    declarations = folder / "sources.yml"
    if not declarations.is_file():
        return {}
    stat = declarations.stat()
    return _load(declarations, stat.st_mtime_ns, stat.st_size)


def published_files(names) -> tuple[str, ...]:
    """The file names of the declared published sources among ``names`` (other names are
    raw sources), each once: what a page built from them names in its footer."""
    sources = load_sources()
    files = [path.name for name in names if name in sources for path in sources[name].files]
    return tuple(dict.fromkeys(files))


@cache
def _load(declarations: Path, _mtime: int, _size: int) -> dict[str, Source]:
    try:
        document = yaml.safe_load(declarations.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as error:
        raise PublishedSourceError(
            f"{declarations.name}: cannot be read as UTF-8 YAML ({type(error).__name__}); "
            "see the comments at its top for what it declares."
        ) from None
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PublishedSourceError(
            f"{declarations.name}: expected a list under 'sources:', one entry per source."
        )
    sources = [_source(entry, i, declarations.parent) for i, entry in enumerate(entries, 1)]
    names = [s.name for s in sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PublishedSourceError(f"{declarations.name}: source(s) declared twice: {twice}.")
    return {s.name: s for s in sources}


def _source(entry, number: int, folder: Path) -> Source:
    where = f"sources.yml, source {number}"
    if not isinstance(entry, dict):
        raise PublishedSourceError(f"{where}: expected a mapping of {sorted(_SOURCE_KEYS)}.")
    where = f"sources.yml, source {entry.get('name', number)!r}"
    _known_keys(entry, _SOURCE_KEYS, where)
    for key in ("name", "title", "publisher", "licence", "periodicity", "values", "tables"):
        if not entry.get(key):
            raise PublishedSourceError(f"{where}: '{key}' is required.")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(entry["name"])):
        raise PublishedSourceError(
            f"{where}: the name must be lower case letters, digits and '_', as kpis.csv's "
            "source_file gives it."
        )
    if entry["periodicity"] not in _PERIOD_FORMATS:
        raise PublishedSourceError(
            f"{where}: periodicity {entry['periodicity']!r} is not one of "
            f"{', '.join(_PERIOD_FORMATS)}."
        )
    values = {name: _value(name, spec, where) for name, spec in dict(entry["values"]).items()}
    for value in values.values():
        unknown = [v for v in value.rate_of or () if v not in values]
        if unknown:
            raise PublishedSourceError(f"{where}: '{value.name}' is a rate of unknown {unknown}.")
    tables = tuple(_table(t, i, where, values, folder) for i, t in enumerate(entry["tables"], 1))
    return Source(
        name=entry["name"], title=entry["title"], publisher=entry["publisher"],
        licence=entry["licence"], attribution=str(entry.get("attribution") or ""),
        periodicity=entry["periodicity"], values=values, tables=tables, folder=folder,
        outside=tuple(str(c) for c in entry.get("outside") or ()),
        strengths=_words(entry.get("strengths")), limitations=_words(entry.get("limitations")),
    )  # fmt: skip


def _words(text) -> str:
    """A declared text on one line (YAML's folded text may end with a line break)."""
    return " ".join(str(text or "").split())


def _value(name: str, spec, where: str) -> Value:
    if not isinstance(spec, dict) or not spec.get("description") or "unit" not in spec:
        raise PublishedSourceError(f"{where}: value '{name}' needs a description and a unit.")
    rate_of = spec.get("rate_of")
    if rate_of is not None and (not isinstance(rate_of, list) or len(rate_of) != 2):
        raise PublishedSourceError(f"{where}: value '{name}': rate_of names two values.")
    return Value(name, str(spec["description"]), str(spec["unit"]), bool(spec.get("people")),
                 tuple(rate_of) if rate_of else None)  # fmt: skip


def _table(spec, number: int, where: str, values: dict, folder: Path) -> Table:
    where = f"{where}, table {number}"
    if not isinstance(spec, dict):
        raise PublishedSourceError(f"{where}: expected a mapping of {sorted(_TABLE_KEYS)}.")
    _known_keys(spec, _TABLE_KEYS, where)
    for key in ("file", "publication", "periods", "areas", "figures"):
        if not spec.get(key):
            raise PublishedSourceError(f"{where}: '{key}' is required.")
    if not (folder / str(spec["file"])).is_file():
        raise PublishedSourceError(f"{where}: the file {spec['file']} is not in {folder.name}/.")
    unknown = [f for f in spec["figures"] if f not in values]
    if unknown:
        raise PublishedSourceError(
            f"{where}: figures {unknown} are not declared values; declared: {list(values)}."
        )
    areas = spec["areas"]
    levels = [k for k in areas if k not in ("as_columns", "only")]
    if not ({"as_columns", "only"} & set(areas)) and not set(levels) <= set(LEVELS[1:]):
        raise PublishedSourceError(
            f"{where}: 'areas' gives as_columns, only (one area code) or levels among "
            f"{', '.join(LEVELS[1:])}."
        )
    breakdown = spec.get("breakdown")
    if breakdown is not None and not (isinstance(breakdown, dict) and "column" in breakdown
                                      and breakdown.get("name")):  # fmt: skip
        raise PublishedSourceError(f"{where}: 'breakdown' gives a column and a name.")
    return Table(
        file=str(spec["file"]), publication=str(spec["publication"]),
        published=str(spec["published"]) if spec.get("published") else None,
        sheet=spec.get("sheet"), header_row=int(spec.get("header_row", 1)),
        periods=dict(spec["periods"]), areas=dict(areas), figures=dict(spec["figures"]),
        type=spec.get("type"), totals=spec.get("totals"),
        missing=tuple(str(m) for m in spec.get("missing") or ()), breakdown=breakdown,
    )  # fmt: skip


def _known_keys(entry: dict, known: set, where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise PublishedSourceError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}.")


# ---------------------------------------------------------------------- reading tables
def _cached(source: Source) -> pd.DataFrame:
    """The source's table from the disk cache, read and stored there on a miss. The file
    is named by :meth:`Source.content_key`, so a changed file or declaration is a miss."""
    where = paths.mart_root().parent / "published" / f"{source.name}-{source.content_key()}.pkl"
    try:
        return pd.read_pickle(where)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        pass
    table = _combined(source)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        temporary = files.temporary_beside(where)
    except OSError:  # a read-only cache costs time, never the figures
        return table
    try:
        table.to_pickle(temporary)
        os.replace(temporary, where)
    except OSError:  # nor does a full one
        temporary.unlink(missing_ok=True)
    return table


def _combined(source: Source) -> pd.DataFrame:
    frames = [_read_table(source, table, i) for i, table in enumerate(source.tables)]
    table = pd.concat(frames, ignore_index=True)
    table = pd.concat([table, _rolled_up(source, table)], ignore_index=True)
    table["breakdown"] = table["breakdown"].fillna("")
    table = table.sort_values(["table"], kind="stable")
    table = table.drop_duplicates(["level", "area_code", "breakdown", "period"], keep="first")
    return table.sort_values(["level", "area_code", "breakdown", "period"]).reset_index(drop=True)


def _raw(source: Source, table: Table) -> pd.DataFrame:
    path = source.folder / table.file
    try:
        if table.sheet:
            frame = pd.read_excel(path, sheet_name=table.sheet, header=table.header_row - 1,
                                  dtype=object)  # fmt: skip
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False,
                                header=table.header_row - 1)  # fmt: skip
    except (OSError, ValueError, KeyError, UnicodeDecodeError, ImportError) as error:
        raise PublishedSourceError(
            f"{table.where}: cannot be read as its declaration in sources.yml says "
            f"({type(error).__name__}: {str(error).splitlines()[0][:200]})."
        ) from None
    frame.columns = [_header(c) for c in frame.columns]
    return frame


def _header(value) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def _column(frame: pd.DataFrame, table: Table, name) -> str:
    """The frame's column for a declared name (or 1-based position)."""
    if isinstance(name, int):
        if not 1 <= name <= len(frame.columns):
            raise PublishedSourceError(f"{table.where}: there is no column {name}.")
        return frame.columns[name - 1]
    wanted = _header(name)
    if wanted not in frame.columns:
        shown = ", ".join(repr(c) for c in frame.columns[:12])
        raise PublishedSourceError(
            f"{table.where}: no column {wanted!r} in the header on row {table.header_row}; "
            f"its columns: {shown}{' ...' if len(frame.columns) > 12 else ''}."
        )
    return wanted


def _read_table(source: Source, table: Table, position: int) -> pd.DataFrame:
    frame = _raw(source, table)
    first_row = table.header_row + 1  # the spreadsheet row of the frame's first row
    if "as_columns" in table.periods:
        long = _periods_across(frame, table, source)
    else:
        column = _column(frame, table, table.periods["column"])
        frame = frame.rename(columns={column: "_period"})
        frame["_row"] = frame.index + first_row
        frame = frame[frame["_period"].map(_filled)]
        frame["period"] = _periods(frame["_period"], table, source)
        long = frame
    if "only" in table.areas:
        rows = _area_only(long, table, source)
    elif "as_columns" in table.areas:
        rows = _areas_across(long, table, source)
    else:
        rows = _areas_down(long, table, source)
    if "breakdown" not in rows:
        rows["breakdown"] = ""
    rows["table"] = position
    return rows


def _area_only(long: pd.DataFrame, table: Table, source: Source) -> pd.DataFrame:
    """A table of one area (``areas: {only: CODE}``), its rows the groups of a breakdown."""
    code = str(table.areas["only"])
    rows = long[long["period"].notna()].copy()
    if table.breakdown:
        group = rows[_column(rows, table, table.breakdown["column"])]
        rows = rows[group.map(_filled)]
        rows["breakdown"] = rows[_column(rows, table, table.breakdown["column"])].map(_header)
    rows["area_code"], rows["area_name"] = code, "England" if code == ENGLAND else code
    rows["level"] = "england" if code == ENGLAND else "region"
    rows["region_code"] = None if code == ENGLAND else code
    rows["ics_code"] = None
    (name,) = table.figures
    rows[name] = _numbers(rows, name, name, table, source)
    if table.breakdown:  # a row with no figure in any period is a note under the table
        rows = rows[rows.groupby("breakdown")[name].transform("count") > 0]
    keep = ["period", "_row", "area_code", "area_name", "level", "region_code", "ics_code",
            "breakdown", name]  # fmt: skip
    return rows[[c for c in keep if c in rows]]


def _filled(value) -> bool:
    return not (value is None or (isinstance(value, float) and pd.isna(value)) or
                str(value).strip() == "")  # fmt: skip


def _periods(values: pd.Series, table: Table, source: Source) -> pd.Series:
    """Period labels (YYYY-MM ...) for texts in the table's period format; a text that is
    not one (a note under the table) gives none, and its row is no figure."""
    fmt = table.periods.get("format") or table.periods.get("as_columns")
    parsed = pd.to_datetime(values.map(_header), format=fmt, errors="coerce")
    return parsed.dt.strftime(_PERIOD_FORMATS[source.periodicity])


def _periods_across(frame: pd.DataFrame, table: Table, source: Source) -> pd.DataFrame:
    fmt = table.periods["as_columns"]
    months = {}
    for column in frame.columns:
        when = pd.to_datetime(column, format=fmt, errors="coerce")
        if not pd.isna(when):
            months[column] = when.strftime(_PERIOD_FORMATS[source.periodicity])
    if not months:
        raise PublishedSourceError(
            f"{table.where}: no column of the header on row {table.header_row} reads as a "
            f"period in the format {fmt!r}."
        )
    frame = frame.copy()
    frame["_row"] = frame.index + table.header_row + 1
    ids = [c for c in frame.columns if c not in months]
    (name,) = table.figures
    long = frame.melt(id_vars=ids, value_vars=list(months), var_name="_period", value_name=name)
    long["period"] = long["_period"].map(months)
    return long


def _areas_across(long: pd.DataFrame, table: Table, source: Source) -> pd.DataFrame:
    mapping = {_header(k): str(v) for k, v in table.areas["as_columns"].items()}
    for header in mapping:
        _column(long, table, header)
    stopped = long["period"].isna()
    long = long[~stopped.cummax()] if stopped.any() else long  # the notes under the table
    (name,) = table.figures
    rows = long.melt(id_vars=["period", "_row"], value_vars=list(mapping), var_name="_area",
                     value_name=name)  # fmt: skip
    rows["area_code"] = rows["_area"].map(mapping)
    rows["area_name"] = rows["_area"]
    rows["level"] = ["england" if c == ENGLAND else "region" for c in rows["area_code"]]
    rows["region_code"] = rows["area_code"].where(rows["level"] == "region")
    rows["ics_code"] = None
    rows[name] = _numbers(rows, name, name, table, source)
    return rows.drop(columns=["_area"])


def _areas_down(long: pd.DataFrame, table: Table, source: Source) -> pd.DataFrame:
    columns = {level: [_column(long, table, c) for c in pair]
               for level, pair in table.areas.items()}  # fmt: skip
    region, ics, organisation = (columns.get(k) for k in ("region", "ics", "organisation"))
    # A row is one organisation unless its code is blank or not a code (a note row).
    keep = long[(region or ics or organisation)[0]].map(
        lambda v: bool(re.fullmatch(r"[A-Z0-9]{3,6}", str(v).strip()))
    )
    long = long[keep & long["period"].notna()].copy()
    code = long[organisation[0]] if organisation else None
    rows = pd.DataFrame({"period": long["period"], "_row": long["_row"]})
    rows["region_code"] = long[region[0]].astype(str).str.strip() if region else None
    rows["ics_code"] = long[ics[0]].astype(str).str.strip() if ics else None
    rows["level"], rows["area_code"], rows["area_name"] = "organisation", None, None
    if organisation:
        rows["area_code"] = code.astype(str).str.strip()
        rows["area_name"] = long[organisation[1]].astype(str).str.strip()
    rows["org_type"] = long[_column(long, table, table.type)] if table.type else None
    if table.totals:
        total = long[_column(long, table, table.totals["column"])].astype(str).str.strip()
        total = total == str(table.totals["value"])
        is_region = total & (rows["ics_code"] == rows["region_code"])
        rows.loc[total, "level"] = "ics"
        rows.loc[total, "area_code"] = rows.loc[total, "ics_code"]
        rows.loc[total, "area_name"] = long.loc[total, ics[1]].astype(str).str.strip()
        rows.loc[is_region, "level"] = "region"
        rows.loc[is_region, "area_name"] = long.loc[is_region, region[1]].astype(str).str.strip()
        rows.loc[total, "org_type"] = None
    if ics:
        names = long[ics[1]].astype(str).str.strip()
        rows["ics_name"] = names.where(rows["ics_code"] != rows["region_code"])
    if region:
        rows["region_name"] = long[region[1]].astype(str).str.strip()
    for name, column in table.figures.items():
        source_column = name if column is None else _column(long, table, column)
        rows[name] = _numbers(long.assign(_row=rows["_row"]), source_column, name, table, source)
    return rows


def _numbers(frame: pd.DataFrame, column: str, name: str, table: Table, source: Source):
    """A figure column as numbers (a rate as a fraction); the publisher's missing symbols
    and blanks are missing; anything else that is not a number is refused."""
    raw = frame[column]
    text = raw.map(lambda v: "" if not _filled(v) else str(v).strip())
    missing = text.isin(("", *table.missing))
    numbers = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = numbers.isna() & ~missing
    if bad.any():
        first = bad.idxmax()
        raise PublishedSourceError(
            f"{table.where}, row {int(frame.loc[first, '_row'])}, column {column!r}: "
            f"{text[first]!r} is not a number; valid: a number, a blank or one of the "
            f"publisher's symbols {list(table.missing)} declared in sources.yml."
        )
    value = source.values[name]
    negative = numbers < 0
    if negative.any():
        first = negative.idxmax()
        raise PublishedSourceError(
            f"{table.where}, row {int(frame.loc[first, '_row'])}, column {column!r}: "
            f"{text[first]} is negative; {value.description} cannot be."
        )
    if value.unit == "%":
        over = numbers > 100
        if over.any():
            first = over.idxmax()
            raise PublishedSourceError(
                f"{table.where}, row {int(frame.loc[first, '_row'])}, column {column!r}: "
                f"{text[first]} is over 100; a rate in per cent is 0 to 100."
            )
        numbers = numbers / 100
    return numbers.astype(float)


def _rolled_up(source: Source, table: pd.DataFrame) -> pd.DataFrame:
    """ICS, region and England totals as the ratio of their organisations' sums, for the
    periods where a table gives organisations' numerators and denominators."""
    rates = [v for v in source.values.values() if v.rate_of]
    if not rates or table.empty:
        return table.iloc[0:0]
    rate = rates[0]
    numerator, denominator = rate.rate_of
    if numerator not in table or denominator not in table:
        return table.iloc[0:0]
    organisations = table[(table["level"] == "organisation") & table[numerator].notna()
                          & table[denominator].notna()]  # fmt: skip
    parts = []
    for level, key in (("ics", "ics_code"), ("region", "region_code"), ("england", None)):
        rows = organisations
        if level == "ics":
            rows = rows[rows["ics_code"] != rows["region_code"]]
        keys = ["table", "period"] + ([key] if key else [])
        sums = rows.groupby(keys, dropna=False)[[numerator, denominator]].sum().reset_index()
        sums["level"] = level
        sums["area_code"] = sums[key] if key else ENGLAND
        if level == "ics":
            names = rows.drop_duplicates("ics_code").set_index("ics_code")
            sums["area_name"] = sums["ics_code"].map(names["ics_name"])
            sums["region_code"] = sums["ics_code"].map(names["region_code"])
        elif level == "region":
            names = rows.drop_duplicates("region_code").set_index("region_code")
            sums["area_name"] = sums["region_code"].map(names["region_name"])
        else:
            sums["area_name"] = "England"
        sums[rate.name] = sums[numerator] / sums[denominator]
        parts.append(sums)
    return pd.concat(parts, ignore_index=True)
