"""Secondary suppression across the geography: no withheld figure can be worked out."""

from __future__ import annotations

import numpy as np
import pytest

from heenb.data.catalogue import ENGLAND
from heenb.figures import protection


def recoverable(withheld: dict[str, bool], sums) -> list[str]:
    """Withheld codes fixed by the sums, by matrix rank (independently of the module's
    null-space test): a figure is fixed when adding its unit row leaves the rank as it is."""
    unknown = sorted(code for code, hidden in withheld.items() if hidden)
    column = {code: i for i, code in enumerate(unknown)}
    rows = []
    for total, parts in sums:
        row = np.zeros(len(unknown))
        for code, sign in [(total, 1), *((part, -1) for part in parts)]:
            if code in column:
                row[column[code]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for code in unknown:
        unit = np.zeros(len(unknown))
        unit[column[code]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(code)
    return found


@pytest.fixture(scope="module")
def sums(catalogue):
    return protection.relations(catalogue)


def test_an_office_withheld_alone_cannot_be_worked_out_across_the_two_regional_structures(
    sums,
):
    """Fails with only the one-sum rule: KSS lies in NHS England's South East and in HEE's
    London and South East, and the sums of both structures together fix it."""
    codes = sorted({t for t, _ in sums} | {p for _, parts in sums for p in parts})
    rng = np.random.default_rng(12)
    for _ in range(20):
        size = {code: int(rng.integers(10, 1000)) for code in codes}
        withheld = dict.fromkeys(codes, False) | {"KSS": True}
        protection._more_withheld(withheld, size, sums)
        assert not recoverable(withheld, sums)
        assert not withheld[ENGLAND]


def test_no_withheld_figure_can_be_worked_out_whichever_are_withheld_first(sums):
    codes = sorted({t for t, _ in sums} | {p for _, parts in sums for p in parts})
    rng = np.random.default_rng(7)
    for _ in range(40):
        size = {code: int(rng.integers(10, 1000)) for code in codes}
        withheld = dict.fromkeys(codes, False)
        for code in rng.choice([c for c in codes if c != ENGLAND], size=4, replace=False):
            withheld[code] = True
        protection._more_withheld(withheld, size, sums)
        assert not recoverable(withheld, sums)


def test_the_sums_cover_both_structures_offices_stps_and_providers(sums, catalogue):
    totals = [total for total, _ in sums]
    assert totals.count(ENGLAND) == 2  # NHS England's 7 regions and HEE's 4
    for office in catalogue.local_offices["local_office_code"]:
        assert sum(office in parts for _, parts in sums) == 2  # in a region of each
    assert set(catalogue.stps["stp_code"]) <= set(totals)
