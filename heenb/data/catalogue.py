"""The reference catalogue: goals, objectives, KPIs, programmes and geography.

Read from the CSV files in ``data/reference`` (see the README there). The
catalogue is the single source of the codes a raw data file may use and of the
valid values of every report parameter.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from heenb.errors import ParameterError
from heenb.paths import REFERENCE_DIR, reference_dir

#: The regional structure reports use unless told otherwise.
DEFAULT_STRUCTURE = "nhse-7-regions"
ENGLAND = "ENG"

_LIST_COLUMNS = {"objectives": ["baf_opportunities"], "programmes": ["objective_ids"]}


def _read(directory: Path, name: str) -> pd.DataFrame:
    table = pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)
    for column in _LIST_COLUMNS.get(name, []):
        table[column] = table[column].map(lambda s: [x for x in s.split(";") if x])
    return table


@dataclass(frozen=True)
class Catalogue:
    """Reference tables, one DataFrame per attribute (one row per thing named).

    Attributes
    ----------
    goals, objectives, kpis, programmes, strands, regions, local_offices :
        One row per goal, objective, KPI, programme, programme strand, region,
        local office; columns as in ``data/reference/README.md``.
    region_mappings :
        One row per (structure, local office) with the region it rolls up to.
    codes :
        The code lists a raw file may use, keyed by file stem
        (``arcp_outcomes``, ``nets_items``, ``learner_groups`` ...).
    structure :
        The regional structure in use (a value of ``region_mappings.structure``).
    directory :
        The folder the reference files were read from.
    """

    goals: pd.DataFrame
    objectives: pd.DataFrame
    kpis: pd.DataFrame
    programmes: pd.DataFrame
    strands: pd.DataFrame
    regions: pd.DataFrame
    local_offices: pd.DataFrame
    region_mappings: pd.DataFrame
    codes: dict[str, pd.DataFrame] = field(repr=False)
    structure: str = DEFAULT_STRUCTURE
    directory: Path = REFERENCE_DIR

    @property
    def region_of(self) -> pd.Series:
        """Region code by local office code, in the structure in use."""
        rows = self.region_mappings[self.region_mappings["structure"] == self.structure]
        return rows.set_index("local_office_code")["region_code"]

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
        """The row of ``areas`` for a region or local office code; ParameterError if unknown."""
        areas = self.areas.set_index("area_code", drop=False)
        if code not in areas.index:
            raise _unknown("area", code, areas["area_code"], areas["name"])
        return areas.loc[code]

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

    def kpi(self, kpi_id: str) -> pd.Series:
        """The row of ``kpis`` for a KPI id; ParameterError if unknown."""
        table = self.kpis.set_index("kpi_id", drop=False)
        if kpi_id not in table.index:
            raise _unknown("kpi", kpi_id, table["kpi_id"], table["descriptor"])
        return table.loc[kpi_id]

    def offices_in(self, region_code: str) -> list[str]:
        """Local office codes in a region, in catalogue order."""
        region_of = self.region_of
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

    def area_name(self, code: str) -> str:
        """Display name of an area code, with ``ENG`` meaning England."""
        return "England" if code == ENGLAND else str(self.area(code)["name"])


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
    return Catalogue(
        goals=_read(directory, "goals"),
        objectives=_read(directory, "objectives"),
        kpis=_read(directory, "kpis"),
        programmes=_read(directory, "programmes"),
        strands=_read(directory, "programme_strands"),
        regions=_read(directory, "regions"),
        local_offices=_read(directory, "local_offices"),
        region_mappings=mappings,
        codes=codes,
        structure=structure,
        directory=directory,
    )


def load_catalogue(structure: str = DEFAULT_STRUCTURE, directory: Path | None = None) -> Catalogue:
    """Load the reference catalogue (cached; treat the tables as read-only).

    Parameters
    ----------
    structure : str
        Regional structure for rolling local offices up to regions.
    directory : Path, optional
        Folder of reference CSV files; ``$HEENB_REFERENCE``, else ``data/reference``.
    """
    return _load(Path(directory or reference_dir()), structure)
