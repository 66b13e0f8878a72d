"""Data notes: the numbers in the method prose come from the analytic constants."""

from __future__ import annotations

import pandas as pd
import pytest

from heenb import disclosure, spc
from heenb.figures import kpis
from heenb.report.common import data_notes, disclosure_note, spc_note


def test_the_spc_note_states_the_limit_factor_and_minimum_points_in_use():
    note = spc_note()
    assert f"{spc.LIMIT_FACTOR:g} times the mean moving range" in note
    assert f"{kpis.spc_min_points()} or more points" in note


def test_the_spc_note_follows_the_limit_factor(monkeypatch):
    monkeypatch.setattr(spc, "LIMIT_FACTOR", 3.14)
    assert "plus or minus 3.14 times" in spc_note()
    assert "2.66" not in spc_note()


def test_the_spc_note_follows_the_minimum_points_of_xmr(monkeypatch):
    real = spc.xmr

    def xmr(values, improvement="higher", target=None, min_points=20):
        return real(values, improvement=improvement, target=target, min_points=min_points)

    monkeypatch.setattr(spc, "xmr", xmr)
    assert "20 or more points" in spc_note()
    assert kpis.spc_of(pd.Series(range(15), dtype=float), "higher").variation is None


def test_the_disclosure_note_follows_the_rule_and_so_does_suppression(monkeypatch):
    monkeypatch.setattr(
        disclosure, "NHS_DIGITAL", disclosure.DisclosureRule(threshold=9, base=10, name="Test")
    )
    note = disclosure_note()
    assert "counts of 1 to 9 are not shown" in note and "nearest 10" in note
    counts = pd.DataFrame({"numerator": [9, 14], "denominator": [100, 100]})
    shown = kpis.rates(counts, national=False)
    assert shown["numerator"].isna().iloc[0] and shown["numerator"].iloc[1] == 10


@pytest.mark.parametrize("words", ["1 to 7", "nearest 5", "2.66", "13 or more"])
def test_the_default_notes_read_as_before(words):
    assert words in disclosure_note() + spc_note()


def test_the_data_notes_carry_both_notes(mart, catalogue):
    from heenb.report.common import Inputs

    text = data_notes(Inputs(catalogue, mart), {}, []).text
    assert spc_note() in text and disclosure_note() in text
