"""Protection across the geography: no withheld count can be worked out from its totals.

Counts add up the geography: England is the sum of its regions (in each
regional structure, NHS England's 7 and HEE's 4), a region the sum of its local
offices, a local office the sum of its STPs and an STP the sum of its placement
providers. When exactly one figure of such a sum is withheld (its total or one
part), it can be worked out by subtracting the others, on one page or across
pages, so :func:`withhold_across` withholds more figures (secondary suppression)
until no sum has exactly one withheld figure and no withheld figure is fixed by
the sums taken together (each office lies in a region of both structures, so
sums combine). It withholds the smallest shown part; a total is withheld only
when no part can be, and England never is.

Counts below national level are also rounded to 5, so such a subtraction gives
a range rather than the exact count; the rule is applied anyway, as the
statistical disclosure guidance for additive tables does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heenb.data.catalogue import ENGLAND, Catalogue

#: A sum: its total's area code and its parts' codes.
Relation = tuple[str, tuple[str, ...]]


def relations(catalogue: Catalogue) -> list[Relation]:
    """Every sum of the geography: England by the regions of each structure, each region
    by its local offices, each office by its STPs, each STP by its providers, each LWAB
    by its STPs."""
    found: list[Relation] = []
    for _structure, regions in catalogue.all_regions.groupby("structure", sort=False):
        found.append((ENGLAND, tuple(regions["region_code"])))
        found += [(code, tuple(catalogue.offices_in(code))) for code in regions["region_code"]]
    office_of_stp, stp_of = catalogue.office_of_stp, catalogue.stp_of
    for office in catalogue.local_offices["local_office_code"]:
        found.append((office, tuple(office_of_stp.index[office_of_stp == office])))
    for stp in catalogue.stps["stp_code"]:
        found.append((stp, tuple(stp_of.index[stp_of == stp])))
    lwabs = catalogue.lwab_stps
    if len(lwabs):
        for lwab, stps in lwabs.groupby("lwab_code", sort=False):
            found.append((lwab, tuple(stps["stp_code"])))
    return [(total, parts) for total, parts in found if parts]


def withhold_across(table: pd.DataFrame, sums: list[Relation]) -> pd.DataFrame:
    """A rate table with secondary suppression applied within each period and group.

    Parameters
    ----------
    table : DataFrame
        Rows of :func:`heenb.figures.kpis.rates` with ``area_code``, ``period``
        and ``group`` columns (any levels; England rows are never withheld).
    sums : list of Relation
        From :func:`relations`.

    Returns
    -------
    DataFrame
        ``table`` with both counts of every withheld row NA (a rate is withheld
        when either count is), more rows withheld (rate and interval NaN too)
        and a ``secondary`` column, True where a row is withheld only so
        that no other withheld figure can be worked out by subtraction.
    """
    out = table.copy()
    out["secondary"] = False
    if not out["withheld"].any():
        return out
    out.loc[out["withheld"], ["numerator", "denominator"]] = pd.NA
    more = np.zeros(len(out), dtype=bool)
    positions = pd.RangeIndex(len(out))
    for _key, at in out.groupby(["period", "group"], sort=False).indices.items():
        if not out["withheld"].to_numpy()[at].any():
            continue
        codes = out["area_code"].to_numpy()[at]
        chosen = _more_withheld(
            dict(zip(codes, out["withheld"].to_numpy()[at], strict=True)),
            dict(
                zip(codes, out["denominator"].fillna(0).astype("int64").to_numpy()[at], strict=True)
            ),  # fmt: skip
            sums,
        )
        more[positions[at][np.isin(codes, list(chosen))]] = True
    out.loc[more, ["numerator", "denominator"]] = pd.NA
    out.loc[more, ["value", "lower", "upper"]] = np.nan
    out.loc[more, "withheld"] = True
    out.loc[more, "no_data"] = False
    out.loc[more, "secondary"] = True
    return out


def rates_withheld_across(
    withheld: dict[str, bool], size: dict[str, int], sums: list[Relation], fixed: set[str]
) -> set[str]:
    """Codes whose rates to withhold as well, so that no withheld rate's numerator can be
    worked out from the sums, even if every rate shown gave its numerator exactly.

    Parameters
    ----------
    withheld : dict
        By area code, whether its rate (its numerator) is withheld.
    size : dict
        By area code, its base as shown (0 where there is none).
    sums : list of Relation
        From :func:`relations`.
    fixed : set of str
        Codes whose figures are published elsewhere as they are (local offices and
        regions): never withheld here.

    A sum whose total is the same count as its one part (an STP with one provider, a
    local office with one STP, or every other part empty) tells nothing by subtraction:
    its part is its total, so it is left out.
    """
    kept = [
        (total, parts) for total, parts in sums
        if sum(size.get(p, 0) > 0 for p in parts) > 1
    ]  # fmt: skip
    return _more_withheld(dict(withheld), size, kept, fixed)


def _more_withheld(
    withheld: dict[str, bool], size: dict[str, int], sums: list[Relation], fixed=frozenset()
) -> set:
    """Codes to withhold as well, so that no withheld figure can be worked out from the sums.

    ``withheld`` and ``size`` (shown denominator) are by area code of the rows
    there are. A part with no row has nothing to withhold (its count is 0); a sum
    whose total has no row is not published, so it gives nothing away.

    First, cheaply, no sum may have exactly one withheld figure. Then, because an
    office lies in a region of each structure, sums can be combined (KSS = NHS
    England's South East - HEE's South + South West): while some withheld figure is
    still fixed by all the sums together (:func:`_solvable`), one more figure of a
    sum it is in is withheld. Codes in ``fixed`` are never withheld (nor is England).
    """
    chosen: set[str] = set()
    sums = [(total, parts) for total, parts in sums if total in size]

    def withhold_one_more(total: str, parts: tuple[str, ...]) -> bool:
        open_parts = [p for p in parts if not withheld.get(p, False) and size.get(p, 0) > 0
                      and p not in fixed]  # fmt: skip
        if open_parts:
            pick = min(open_parts, key=lambda p: (size[p], p))
        elif (total != ENGLAND and total not in fixed and not withheld.get(total, False)
              and size.get(total, 0) > 0):  # fmt: skip
            pick = total
        else:
            return False
        withheld[pick] = True
        chosen.add(pick)
        return True

    changed = True
    while changed:  # each pass withholds at least one more figure, or stops
        changed = False
        for total, parts in sums:
            if withheld.get(total, False) + sum(withheld.get(p, False) for p in parts) == 1:
                changed |= withhold_one_more(total, parts)
    while solved := _solvable(withheld, sums):  # each round withholds one more, or stops
        if not any(withhold_one_more(total, parts) for code in solved
                   for total, parts in sums if code == total or code in parts):  # fmt: skip
            break  # nothing left to withhold beside them (only England's sum): left as they are
    return chosen


def _solvable(withheld: dict[str, bool], sums: list[Relation]) -> list[str]:
    """The withheld codes whose counts the sums fix, the shown counts being known.

    Each sum is a linear equation in its withheld figures; a figure is fixed exactly
    when every solution of the equations gives it the same value, that is when its
    component of every null-space vector of the equations' matrix is 0.
    """
    unknown = sorted(c for c, hidden in withheld.items() if hidden)
    column = {code: i for i, code in enumerate(unknown)}
    rows = []
    for total, parts in sums:
        members = [(total, 1.0)] + [(p, -1.0) for p in parts]
        row = np.zeros(len(unknown))
        for code, sign in members:
            if code in column:
                row[column[code]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(matrix.shape) * singular.max()).sum())
    null_space = vt[rank:]
    fixed = (
        np.all(np.abs(null_space) < 1e-9, axis=0)
        if len(null_space)
        else np.ones(len(unknown), bool)
    )
    return [code for code, is_fixed in zip(unknown, fixed, strict=True) if is_fixed]
