"""The reference catalogue: goals, objectives, KPIs, programmes and geography.

Read from the CSV files in ``data/reference`` (see the README there). The
catalogue is the single source of the codes a raw data file may use and of the
valid values of every report parameter.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

import pandas as pd

from heenb import paths
from heenb.data import geography, published, registry
from heenb.errors import DataValidationError, ParameterError, Problem
from heenb.paths import REFERENCE_DIR

#: The regional structure reports use unless told otherwise.
DEFAULT_STRUCTURE = "nhse-7-regions"
ENGLAND = "ENG"
#: The mart's and the catalogue's name for the level of each kind of area.
REGION, LOCAL_OFFICE, STP, PROVIDER, LWAB = "region", "local_office", "stp", "provider", "lwab"

_LIST_COLUMNS = {"objectives": ["baf_opportunities"], "programmes": ["objective_ids"]}

#: The lookups that check a report parameter's value (``Catalogue.objective``, ``.area`` ...:
#: each takes a code and returns its record), with the field of the record that names the
#: value in the index's labels and a page's heading.
LOOKUPS = {
    "objective": "short_name", "area": "name", "programme": "name", "kpi": "descriptor",
    "ics": "name",
}  # fmt: skip


@dataclass(frozen=True)
class ValueSet:
    """A catalogue set a report type runs over (``values: <name>`` in ``reports.yml``).

    ``table`` is the :class:`Catalogue` table of the set's records and ``column``
    its code column; ``lookup`` (one of :data:`LOOKUPS`) checks a value and
    returns its record; ``parameter`` is the report parameter that runs over the
    set unless another set is named.
    """

    name: str
    table: str
    column: str
    lookup: str
    parameter: str

    @property
    def name_field(self) -> str:
        """The field of a value's record that names it (``short_name``, ``name`` ...)."""
        return LOOKUPS[self.lookup]


#: Every value set, by name: the one statement of them (plan, new-report and custom reports
#: read it).
VALUE_SETS = {
    s.name: s
    for s in (
        ValueSet("objectives", "objectives", "objective_id", "objective", "objective"),
        ValueSet("areas", "areas", "area_code", "area", "area"),
        ValueSet("regions", "regions", "region_code", "area", "region"),
        ValueSet("local_offices", "local_offices", "local_office_code", "area", "local_office"),
        ValueSet("programmes", "programmes", "programme_id", "programme", "programme"),
        ValueSet("stps", "stps", "stp_code", "area", "stp"),
        ValueSet("ics", "integrated_care_systems", "ics_code", "ics", "ics"),
    )
}


def _read(directory: Path, name: str) -> pd.DataFrame:
    path = directory / f"{name}.csv"
    table = pd.read_csv(io.StringIO(_checked_text(path)), dtype=str, keep_default_na=False)
    for column in _LIST_COLUMNS.get(name, []):
        table[column] = table[column].map(lambda s: [x for x in s.split(";") if x])
    return table


def _checked_text(path: Path) -> str:
    """The text of one reference CSV file, refused (one :class:`DataValidationError`, naming
    the file and row) when it is missing, not UTF-8, empty, has a column named twice in its
    header or a row with more fields than the header."""

    def refuse(row: int | None, message: str) -> DataValidationError:
        return DataValidationError([Problem(str(path), row, None, message)])

    try:
        data = path.read_bytes()
    except OSError as error:
        why = f"cannot be read ({error.strerror}); a reference folder needs every file of"
        raise refuse(None, f"{why} {REFERENCE_DIR}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise refuse(line, f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as "
                           "UTF-8 (in Excel: CSV UTF-8)") from None  # fmt: skip
    rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), 1) if row]
    if not rows:
        raise refuse(None, "is empty; it needs a header row naming its columns, then its rows "
                           "(see data/reference/README.md)")  # fmt: skip
    header = rows[0][1]
    twice = [column for column, count in Counter(header).items() if count > 1]
    if twice:
        raise refuse(1, f"the header names the column {twice[0]!r} twice; each column is named "
                        "once")  # fmt: skip
    for number, row in rows[1:]:
        if len(row) > len(header):
            raise refuse(number, f"has {len(row)} fields but the header names {len(header)} "
                                 "columns; quote a value that holds a comma")  # fmt: skip
    return text


@dataclass(frozen=True)
class Catalogue:
    """Reference tables, one DataFrame per attribute (one row per thing named).

    Attributes
    ----------
    goals, objectives, kpis, programmes, strands, regions, local_offices :
        One row per goal, objective, KPI, programme, programme strand, region
        (of the structure in use), local office; columns as in
        ``data/reference/README.md``.
    region_mappings :
        One row per (structure, local office) with the region it rolls up to.
    change_points :
        One row per recorded SPC change point: ``kpi_id``, ``period`` (the first
        period of the new limits) and ``reason``.
    codes :
        The code lists a raw file may use, keyed by file stem
        (``arcp_outcomes``, ``nets_items``, ``learner_groups`` ...).
    structure :
        The regional structure in use (a value of ``region_mappings.structure``).
    directory :
        The folder the reference files were read from.
    structures, all_regions :
        One row per regional structure (``regional_structures.csv``) and per
        region of any structure (``regions.csv``).
    stps, providers, lwab_stps :
        One row per STP (with its local office), placement provider (with its
        STP) and LWAB-to-STP mapping row (``lwab_stps.csv``; header only until
        the 38 LWABs are known).
    """

    goals: pd.DataFrame
    objectives: pd.DataFrame
    kpis: pd.DataFrame
    programmes: pd.DataFrame
    strands: pd.DataFrame
    regions: pd.DataFrame
    local_offices: pd.DataFrame
    region_mappings: pd.DataFrame
    change_points: pd.DataFrame
    codes: dict[str, pd.DataFrame] = field(repr=False)
    structure: str = DEFAULT_STRUCTURE
    directory: Path = REFERENCE_DIR
    structures: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    all_regions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    stps: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    providers: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    lwab_stps: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def region_of(self) -> pd.Series:
        """Region code by local office code, in the structure in use."""
        return self.regions_in(self.structure)

    def regions_in(self, structure: str) -> pd.Series:
        """Region code by local office code, in the given regional structure."""
        rows = self.region_mappings[self.region_mappings["structure"] == structure]
        return rows.set_index("local_office_code")["region_code"]

    def region_level(self, structure: str) -> str:
        """The mart's ``level`` of a structure's regions: ``region`` for the structure in use,
        else the structure's ``level`` in ``regional_structures.csv`` (``hee_region`` ...)."""
        if structure == self.structure:
            return REGION
        rows = self.structures.set_index("structure")["level"]
        return str(rows.get(structure, structure))

    @property
    def stp_of(self) -> pd.Series:
        """STP code by provider code."""
        return self.providers.set_index("provider_code")["stp_code"]

    @property
    def office_of_stp(self) -> pd.Series:
        """Local office code by STP code (a derived mapping: see data/reference/README.md)."""
        return self.stps.set_index("stp_code")["local_office_code"]

    @property
    def office_of_provider(self) -> pd.Series:
        """Local office code by provider code (through the provider's STP)."""
        return self.stp_of.map(self.office_of_stp)

    @cached_property
    def geography(self) -> pd.DataFrame:
        """Every area of every level, one row each.

        Columns: ``area_code``, ``name`` (an STP's ends in "STP"), ``level``
        (``region`` for the structure in use, each other structure's level such
        as ``hee_region``, ``local_office``, ``stp``, ``provider``, ``lwab``),
        ``structure`` (regions only), ``region_code`` (the region of the
        structure in use: the region itself for its regions, blank for regions
        of other structures and LWABs), ``local_office_code`` and ``stp_code``
        (blank where they do not apply).
        """
        region_of, office_of_stp = self.region_of, self.office_of_stp
        regions = self.all_regions
        rows = [
            pd.DataFrame({
                "area_code": regions["region_code"], "name": regions["name"],
                "level": regions["structure"].map(self.region_level),
                "structure": regions["structure"],
                "region_code": regions["region_code"].where(
                    regions["structure"] == self.structure, ""),
            }),
            pd.DataFrame({
                "area_code": self.local_offices["local_office_code"],
                "name": self.local_offices["name"], "level": LOCAL_OFFICE,
                "region_code": self.local_offices["local_office_code"].map(region_of),
                "local_office_code": self.local_offices["local_office_code"],
            }),
            pd.DataFrame({
                "area_code": self.stps["stp_code"], "name": self.stps["name"] + " STP",
                "level": STP, "region_code": self.stps["local_office_code"].map(region_of),
                "local_office_code": self.stps["local_office_code"],
                "stp_code": self.stps["stp_code"],
            }),
            pd.DataFrame({
                "area_code": self.providers["provider_code"], "name": self.providers["name"],
                "level": PROVIDER,
                "region_code": self.providers["stp_code"].map(office_of_stp).map(region_of),
                "local_office_code": self.providers["stp_code"].map(office_of_stp),
                "stp_code": self.providers["stp_code"],
            }),
            pd.DataFrame({
                "area_code": self.lwab_stps["lwab_code"], "name": self.lwab_stps["name"],
                "level": LWAB,
            }).drop_duplicates("area_code"),
        ]  # fmt: skip
        columns = ["area_code", "name", "level", "structure", "region_code",
                   "local_office_code", "stp_code"]  # fmt: skip
        table = pd.concat([r for r in rows if len(r)], ignore_index=True)
        return table.reindex(columns=columns).fillna("")

    @property
    def areas(self) -> pd.DataFrame:
        """Every reportable area: one row per region and local office.

        Columns: ``area_code``, ``name``, ``level`` (``region`` or
        ``local_office``), ``region_code`` (the region itself for a region).
        """
        regions = self.regions.assign(area_code=self.regions["region_code"], level="region")[
            ["area_code", "name", "level", "region_code"]
        ]
        offices = self.local_offices.assign(
            area_code=self.local_offices["local_office_code"],
            level="local_office",
            region_code=self.local_offices["local_office_code"].map(self.region_of),
        )[["area_code", "name", "level", "region_code"]]
        return pd.concat([regions, offices], ignore_index=True)

    def area(self, code: str) -> pd.Series:
        """The row of ``geography`` for an area code of any level; ParameterError if unknown.

        A region of any structure, a local office, an STP (E54...), a provider
        (ODS code) or an LWAB. The message for an unknown code lists the regions
        and local offices (``areas``), and suggests the closest code of any level.
        """
        areas = self._by_code
        if code not in areas.index:
            listed = self.areas
            error = _unknown("area", code, listed["area_code"], listed["name"])
            hint = geography.did_you_mean(code, areas["area_code"])
            if hint and hint not in str(error):
                error = ParameterError(
                    f"Unknown area '{code}'.{hint} Valid values of the 'area' parameter: any "
                    "code in data/reference/regions.csv, local_offices.csv, stps.csv or "
                    "providers.csv."
                )
            raise error
        return areas.loc[code]

    def areas_at(self, level: str) -> pd.DataFrame:
        """The rows of ``geography`` at one level (``stp``, ``hee_region`` ...)."""
        return self.geography[self.geography["level"] == level]

    def stps_in(self, code: str) -> list[str]:
        """STP codes in an area (a region of any structure, a local office or an LWAB)."""
        level = self.area(code)["level"]
        if level == LWAB:
            return list(self.lwab_stps.loc[self.lwab_stps["lwab_code"] == code, "stp_code"])
        offices = {code} if level == LOCAL_OFFICE else set(self.offices_in(code))
        return [s for s, o in self.office_of_stp.items() if o in offices]

    def providers_in(self, code: str) -> list[str]:
        """Provider codes in an area of any level above a provider."""
        stps = {code} if self.area(code)["level"] == STP else set(self.stps_in(code))
        return [p for p, s in self.stp_of.items() if s in stps]

    def objective(self, objective_id: str) -> pd.Series:
        """The row of ``objectives`` for an objective id; ParameterError if unknown."""
        table = self.objectives.set_index("objective_id", drop=False)
        if objective_id not in table.index:
            raise _unknown("objective", objective_id, table["objective_id"], table["short_name"])
        return table.loc[objective_id]

    def programme(self, programme_id: str) -> pd.Series:
        """The row of ``programmes`` for a programme id; ParameterError if unknown."""
        table = self.programmes.set_index("programme_id", drop=False)
        if programme_id not in table.index:
            raise _unknown("programme", programme_id, table["programme_id"], table["name"])
        return table.loc[programme_id]

    @cached_property
    def integrated_care_systems(self) -> pd.DataFrame:
        """The ICSs (2022 onwards) as the declared published sources give them: ``ics_code``,
        ``name`` ("South East London ICS"), ``region_code`` and ``source``; the latest
        publication's name wins. Read on first use (it reads the published tables)."""
        found = []
        for source in published.load_sources().values():
            if "ics" in source.levels:
                areas = source.areas("ics").drop(columns="ics_code").assign(source=source.name)
                found.append(areas.rename(columns={"area_code": "ics_code", "area_name": "name"}))
        if not found:
            return pd.DataFrame(columns=["ics_code", "name", "region_code", "source"])
        table = pd.concat(found).drop_duplicates("ics_code").sort_values("name")
        table["name"] = table["name"] + " ICS"
        return table[["ics_code", "name", "region_code", "source"]].reset_index(drop=True)

    def ics(self, code: str) -> pd.Series:
        """The row of :attr:`integrated_care_systems` for an ICS code; ParameterError if
        unknown."""
        table = self.integrated_care_systems.set_index("ics_code", drop=False)
        if code not in table.index:
            raise _unknown("ics", code, table["ics_code"], table["name"])
        return table.loc[code]

    def kpi(self, kpi_id: str) -> pd.Series:
        """The row of ``kpis`` for a KPI id; ParameterError if unknown."""
        table = self.kpis.set_index("kpi_id", drop=False)
        if kpi_id not in table.index:
            raise _unknown("kpi", kpi_id, table["kpi_id"], table["descriptor"])
        return table.loc[kpi_id]

    def kpis_of(self, objective_id: str, role: str | None = None) -> pd.DataFrame:
        """The KPI rows of an objective (of one ``role`` if given), in catalogue order."""
        rows = self.kpis[self.kpis["objective_id"] == objective_id]
        return rows if role is None else rows[rows["role"] == role]

    def offices_in(self, region_code: str) -> list[str]:
        """Local office codes in a region (of any structure), in catalogue order."""
        rows = self.all_regions[self.all_regions["region_code"] == region_code]
        structure = rows["structure"].iloc[0] if len(rows) else self.structure
        region_of = self.regions_in(structure)
        return [
            code
            for code in self.local_offices["local_office_code"]
            if region_of.get(code) == region_code
        ]

    def allowed(self, table: str, column: str) -> list[str]:
        """The values a raw file may use for a code column (``Column.codes`` in the contract).

        ``table`` is a catalogue table (``local_offices``, ``objectives``,
        ``programme_strands``), a code list in ``codes``, a rating scale
        (``rag``, ``assurance``) or a project stage kind (``pid_status``,
        ``stage``, ``milestone_status``).
        """
        named = {
            "local_offices": self.local_offices,
            "objectives": self.objectives,
            "programmes": self.programmes,
            "programme_strands": self.strands,
            "providers": self.providers,
        }
        if table in named:
            return list(named[table][column])
        if table in self.codes:
            return list(self.codes[table][column])
        ratings = self.codes["ratings"]
        if table in set(ratings["scale"]):
            return list(ratings.loc[ratings["scale"] == table, column])
        stages = self.codes["project_stages"]
        return list(stages.loc[stages["kind"] == table, column])

    def set_records(self, name: str) -> pd.DataFrame:
        """The records of a value set (:data:`VALUE_SETS`), one row per value, in catalogue
        order; the values are the set's ``column``. ParameterError for an unknown set."""
        if name not in VALUE_SETS:
            raise ParameterError(
                f"Unknown value set {name!r}; valid value sets: {', '.join(VALUE_SETS)}."
            )
        return getattr(self, VALUE_SETS[name].table)

    def area_name(self, code: str) -> str:
        """Display name of an area code, with ``ENG`` meaning England."""
        if code == ENGLAND:
            return "England"
        name = self._names.get(code)
        return name if name is not None else str(self.area(code)["name"])  # raises if unknown

    @cached_property
    def _by_code(self) -> pd.DataFrame:
        """:attr:`geography` indexed by area code (looked up thousands of times a page)."""
        return self.geography.set_index("area_code", drop=False)

    @cached_property
    def _names(self) -> dict[str, str]:
        """Display name by area code."""
        return dict(zip(self.geography["area_code"], self.geography["name"].astype(str),
                        strict=True))  # fmt: skip


def _unknown(parameter: str, value, codes: pd.Series, names: pd.Series) -> ParameterError:
    valid = ", ".join(f"{c} ({n})" for c, n in zip(codes, names, strict=True))
    close = difflib.get_close_matches(str(value), list(codes), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ParameterError(
        f"Unknown {parameter} '{value}'.{hint} "
        f"Valid values of the '{parameter}' parameter: {valid}."
    )


@cache
def _load(directory: Path, structure: str) -> Catalogue:
    codes = {
        name: _read(directory, name)
        for name in (
            "arcp_outcomes",
            "specialty_groups",
            "nets_items",
            "nets_scale",
            "learner_groups",
            "staff_groups",
            "ppi_activity_types",
            "ethnic_groups",
            "ratings",
            "project_stages",
            "populations",
        )
    }
    mappings = _read(directory, "region_mappings")
    known = sorted(set(mappings["structure"]))
    if structure not in known:
        raise ParameterError(
            f"Unknown regional structure '{structure}'. Structures in "
            f"{directory / 'region_mappings.csv'}: {', '.join(known)}."
        )
    tables = {name: _read(directory, name) for name in geography.COLUMNS}
    local_offices = _read(directory, "local_offices")
    found = geography.problems(tables, local_offices)
    if found:
        raise DataValidationError([replace(p, file=str(Path(directory) / p.file)) for p in found])
    regions = tables["regions"]
    catalogue = Catalogue(
        goals=_read(directory, "goals"),
        objectives=_read(directory, "objectives"),
        kpis=_read(directory, "kpis"),
        programmes=_read(directory, "programmes"),
        strands=_read(directory, "programme_strands"),
        regions=regions[regions["structure"] == structure].reset_index(drop=True),
        local_offices=local_offices,
        region_mappings=mappings,
        change_points=_read(directory, "kpi_change_points"),
        codes=codes,
        structure=structure,
        directory=directory,
        structures=tables["regional_structures"],
        all_regions=regions,
        stps=tables["stps"],
        providers=tables["providers"],
        lwab_stps=tables["lwab_stps"],
    )
    problems = registry.problems(catalogue.kpis, catalogue.change_points, catalogue)
    if problems:
        raise DataValidationError(
            [replace(p, file=str(Path(directory) / p.file)) for p in problems]
        )
    return catalogue


def load_catalogue(structure: str = DEFAULT_STRUCTURE, directory: Path | None = None) -> Catalogue:
    """Load the reference catalogue (cached; treat the tables as read-only).

    Parameters
    ----------
    structure : str
        Regional structure for rolling local offices up to regions.
    directory : Path, optional
        Folder of reference CSV files; ``$HEENB_REFERENCE``, else ``data/reference``.

    Raises
    ------
    DataValidationError
        When a KPI row, change point or geography file is not valid (every
        problem, with file, row, column and the valid values): for example a
        provider mapped to two STPs.
    """
    return _load(Path(directory or paths.reference_dir()), structure)
