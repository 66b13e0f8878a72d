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


@pytest.mark.slow
def test_a_page_showing_published_statistics_says_what_they_can_and_cannot_show():
    """About these statistics named only raw sources: a page of real sickness absence
    figures (an NHS England region, every ICS) said nothing of their limits."""
    from heenb.data.published import load_sources

    sickness = load_sources()["sickness_absence"]
    assert sickness.strengths and sickness.limitations
    for report in (area_report("RLN"), objective_report("restoration-recovery")):
        notes = report.notes().text
        about = notes[notes.index("About these statistics") : notes.index("Glossary")]
        assert f"{sickness.title}: limitations: {sickness.limitations}" in about
    assert sickness.title not in programme_report_notes()


def programme_report_notes() -> str:
    from heenb.data.catalogue import load_catalogue

    code = load_catalogue().programmes.iloc[0]["programme_id"]
    return programme_report(code).notes().text
