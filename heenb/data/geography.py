"""The geography of the reference catalogue checked like raw data.

Areas nest: a placement provider (an NHS trust, by ODS code) sits in one STP,
an STP in one local office, a local office in one region of each regional
structure, and every region in England; an LWAB, where the optional
``lwab_stps.csv`` names its STPs, groups whole STPs. Counts roll up along these
mappings by summing, so each must be a function: :func:`problems` refuses a
provider in two STPs, an STP in two local offices or LWABs, a local office
mapped twice (or not at all) in a structure, an unknown code on either side of
a mapping and one code used for two areas. Each problem names the file, the
row as a spreadsheet shows it (header = row 1), the column and what is valid.
"""

from __future__ import annotations

import difflib

import pandas as pd

from heenb.errors import Problem

_FIRST_ROW = 2

#: Each reference file of the geography and the columns it must have.
COLUMNS = {
    "regional_structures": ("structure", "name", "level", "status", "source"),
    "regions": ("region_code", "name", "structure"),
    "region_mappings": ("structure", "local_office_code", "region_code"),
    "stps": ("stp_code", "name", "local_office_code", "local_office_status"),
    "providers": ("provider_code", "name", "stp_code"),
    "lwab_stps": ("lwab_code", "name", "stp_code"),
}


def did_you_mean(value: str, valid) -> str:
    """`` Did you mean 'X'?`` for the closest valid code (any letter case), or ""."""
    valid = [str(v) for v in valid]
    by_case = {v.casefold(): v for v in valid}
    if str(value).casefold() in by_case:
        return f" Did you mean '{by_case[str(value).casefold()]}'?"
    close = difflib.get_close_matches(str(value).upper(), [v.upper() for v in valid], n=1)
    if not close:
        return ""
    return f" Did you mean '{next(v for v in valid if v.upper() == close[0])}'?"


def problems(tables: dict[str, pd.DataFrame], local_offices: pd.DataFrame) -> list[Problem]:
    """Every problem in the geography files; empty when the areas nest as described above."""
    found = [
        Problem(f"{name}.csv", 1, column, f"column is missing; the header must name "
                f"{', '.join(columns)}")
        for name, columns in COLUMNS.items()
        for column in columns
        if column not in tables[name].columns
    ]  # fmt: skip
    if found:
        return found
    offices = list(local_offices["local_office_code"])
    structures = tables["regional_structures"]
    regions = tables["regions"]
    mappings = tables["region_mappings"]
    stps = tables["stps"]
    providers = tables["providers"]
    lwabs = tables["lwab_stps"]
    found += _unique("regional_structures", structures, "structure")
    found += _unique("regional_structures", structures, "level")
    found += _known("regions", regions, "structure", list(structures["structure"]))
    found += _unique("regions", regions, "region_code")
    found += _known("region_mappings", mappings, "local_office_code", offices)
    found += _known("region_mappings", mappings, "structure", list(structures["structure"]))
    for structure, rows in mappings.groupby("structure", sort=False):
        own = list(regions.loc[regions["structure"] == structure, "region_code"])
        found += _known("region_mappings", rows, "region_code", own,
                        f"a region of structure '{structure}' in regions.csv")  # fmt: skip
        found += _mapped_once("region_mappings", rows, "local_office_code", "region_code")
        missing = [o for o in offices if o not in set(rows["local_office_code"])]
        if missing:
            text = f"structure '{structure}' maps no region for local office(s) "
            text += f"{', '.join(missing)}; every local office needs one"
            found.append(Problem("region_mappings.csv", None, "local_office_code", text))
    found += _known("stps", stps, "local_office_code", offices)
    found += _mapped_once("stps", stps, "stp_code", "local_office_code")
    found += _known("providers", providers, "stp_code", list(stps["stp_code"]))
    found += _mapped_once("providers", providers, "provider_code", "stp_code")
    found += _known("lwab_stps", lwabs, "stp_code", list(stps["stp_code"]))
    found += _mapped_once("lwab_stps", lwabs, "stp_code", "lwab_code")
    return found + _clashes(
        {
            "local_offices": offices,
            "regions": list(regions["region_code"]),
            "stps": list(stps["stp_code"]),
            "providers": list(providers["provider_code"]),
            "lwab_stps": list(lwabs["lwab_code"]),
        }
    )


def _known(name: str, table: pd.DataFrame, column: str, valid: list[str],
           what: str | None = None) -> list[Problem]:  # fmt: skip
    """A problem for each row whose ``column`` is not in ``valid`` (rows by index label)."""
    what = what or f"a known code ({', '.join(valid[:15])}{' ...' if len(valid) > 15 else ''})"
    valid_set = set(valid)
    return [
        Problem(f"{name}.csv", int(index) + _FIRST_ROW, column,
                f"'{value}' is not {what}.{did_you_mean(value, valid)}")
        for index, value in table[column].items()
        if value not in valid_set
    ]  # fmt: skip


def _unique(name: str, table: pd.DataFrame, column: str) -> list[Problem]:
    """A problem for each row repeating a value of ``column`` an earlier row has."""
    first: dict[str, int] = {}
    found = []
    for index, value in table[column].items():
        row = int(index) + _FIRST_ROW
        if value in first:
            found.append(Problem(f"{name}.csv", row, column,
                                 f"'{value}' is already used at row {first[value]}; "
                                 "each value may appear once"))  # fmt: skip
        first.setdefault(value, row)
    return found


def _mapped_once(name: str, table: pd.DataFrame, key: str, target: str) -> list[Problem]:
    """A problem for each row mapping ``key`` a second time (to the same or another ``target``)."""
    first: dict[str, tuple[int, str]] = {}
    found = []
    for index, code, to in zip(table.index, table[key], table[target], strict=True):
        row = int(index) + _FIRST_ROW
        if code in first:
            earlier, where = first[code]
            kind = "another" if where != to else "the same"
            found.append(Problem(
                f"{name}.csv", row, key,
                f"'{code}' is mapped to {kind} {target} '{to}' here and to '{where}' at row "
                f"{earlier}; each {key} may be mapped once, to one {target}, so that counts "
                "add up when rolled up",
            ))  # fmt: skip
        first.setdefault(code, (row, to))
    return found


def _clashes(codes_by_file: dict[str, list[str]]) -> list[Problem]:
    """A problem for a code naming areas of two kinds (an area code must name one area)."""
    seen: dict[str, str] = {}
    found = []
    for name, codes in codes_by_file.items():
        for code in dict.fromkeys(codes):
            if code in seen and seen[code] != name:
                found.append(Problem(f"{name}.csv", None, None,
                                     f"code '{code}' is also used in {seen[code]}.csv; an area "
                                     "code must name one area"))  # fmt: skip
            seen.setdefault(code, name)
    return found
