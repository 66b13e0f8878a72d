"""Each page explains the terms it uses (and only those) and says what its statistics
can and cannot show."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from heenb.paths import REFERENCE_DIR
from heenb.report.area import area_report
from heenb.report.objective import objective_report
from heenb.report.programme import programme_report

GLOSSARY = pd.read_csv(REFERENCE_DIR / "glossary.csv", dtype=str, keep_default_na=False)


def glossary_terms(markup: str) -> list[str]:
    section = markup.split('id="glossary"', 1)[1].split("<h2", 1)[0]
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<dt>(.*?)</dt>", section)]


def test_an_objective_page_explains_arcp_and_the_symbols_it_uses():
    report = objective_report("restoration-recovery")
    shown = report.headline().text + report.trend().text + report.breakdown().text
    terms = glossary_terms(report.notes().markup)
    assert "ARCP" in terms and "[z]" in terms
    for term in terms:  # only terms the page uses
        assert term in shown or term.lower() in shown.lower() or term in report.notes().text


def test_a_programme_page_explains_pid_and_rag_but_not_arcp():
    report = programme_report("em-innovation")
    report.headline()
    report.strands()
    terms = glossary_terms(report.notes().markup)
    assert "PID" in terms and "RAG" in terms
    assert "ARCP" not in terms


@pytest.mark.slow
def test_every_page_says_what_its_sources_can_and_cannot_show():
    report = area_report("EM")
    notes = report.notes().text
    assert "About these statistics" in notes
    assert "limitations" in notes and "strengths" in notes
