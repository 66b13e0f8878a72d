"""A custom report's data notes name exactly the sources it read (issue 18, #6)."""

from __future__ import annotations

import pytest

from heenb.errors import ParameterError
from heenb.report import blocks
from heenb.report.common import section
from heenb.report.custom import CustomReport, custom_report


class AbsenceReport(CustomReport):
    """A custom page with one section that reads a published source."""

    @section
    def absence(self):
        table = self.read("sickness_absence")
        england = table[(table["level"] == "england") & (table["breakdown"] == "")]
        return blocks.paragraph(f"{len(england)} months for England.")


def _report(sources=None) -> AbsenceReport:
    made = custom_report("Absence", "area", "Y56", check="area", sources=sources)
    return AbsenceReport(made.title, made.parameters, made.inputs, made.record, made.check,
                         sources)  # fmt: skip


def test_the_notes_name_the_published_source_a_section_read_and_nothing_else():
    notes = _report().notes().text
    assert "NHS Sickness Absence Rates, January 2023 (published 25 May 2023)" in notes
    assert "Open Government Licence v3.0" in notes
    assert "Workforce in post" not in notes and "ARCP outcomes" not in notes


def test_a_raw_source_read_is_named_beside_those_declared():
    report = _report(sources=["nets_responses"])
    assert len(report.read("arcp_outcomes")) > 0
    notes = report.notes().text
    assert "National Education and Training Survey responses" in notes
    assert "ARCP outcomes (arcp_outcomes.csv)" in notes
    assert "Workforce in post" not in notes


def test_a_report_that_names_and_reads_nothing_says_so():
    report = custom_report("Plain", "area", "Y56", check="area")
    assert "none named" in report.notes().text


def test_reading_an_unknown_source_names_the_valid_ones():
    with pytest.raises(ParameterError, match="sickness_absence"):
        _report().read("absences")
