"""Each page type is a declaration: its notebook shows the sections its report class
declares, in order, then the notes; the notes' glossary reads every declared section,
whichever cells ran before it."""

from __future__ import annotations

import json
import re

import pytest

from heenb.plan import load_plan
from heenb.report.area import AreaReport, area_report
from heenb.report.common import Report
from heenb.report.custom import CustomReport
from heenb.report.hee_region import HeeRegionReport, hee_region_report
from heenb.report.ics import IcsReport
from heenb.report.national import IndexReport
from heenb.report.objective import ObjectiveReport
from heenb.report.programme import ProgrammeReport
from heenb.report.stp import StpReport

CLASSES = {
    "objective": ObjectiveReport,
    "area": AreaReport,
    "stp": StpReport,
    "hee_region": HeeRegionReport,
    "programme": ProgrammeReport,
    "ics": IcsReport,
}


def shown_sections(notebook) -> list[str]:
    """The ``report.<section>()`` cells of a notebook, in order."""
    cells = json.loads(notebook.read_text())["cells"]
    code = ["".join(c["source"]).strip() for c in cells if c["cell_type"] == "code"]
    return [m.group(1) for text in code if (m := re.fullmatch(r"report\.(\w+)\(\)", text))]


def _notebooks() -> list[tuple[str, object]]:
    found = {}
    for job in load_plan():
        found.setdefault(job.group, job.notebook)
    return sorted(found.items())


@pytest.mark.parametrize(("group", "notebook"), _notebooks())
def test_a_page_types_notebook_shows_its_declared_sections_in_order(group, notebook):
    declared = CLASSES[group].declared_sections()
    assert shown_sections(notebook) == [*declared, "notes"]


def test_the_index_notebook_shows_its_declared_sections_in_order():
    from heenb.paths import NOTEBOOK_DIR

    declared = IndexReport.declared_sections()
    assert shown_sections(NOTEBOOK_DIR / "index.ipynb") == [*declared, "notes"]


@pytest.mark.parametrize("cls", [*CLASSES.values(), IndexReport, CustomReport])
def test_every_declared_section_is_marked_as_one(cls: type[Report]):
    assert cls.declared_sections()
    for name in cls.declared_sections():
        assert getattr(getattr(cls, name), "is_section", False), f"{cls.__name__}.{name}"


def test_the_glossary_does_not_depend_on_which_cells_ran_before_the_notes():
    """Failed before: the notes' glossary listed only terms of sections already called."""
    alone = hee_region_report("HEE-ME").notes().text  # a page without charts: quick
    report = hee_region_report("HEE-ME")
    for name in report.declared_sections():
        getattr(report, name)()
    assert report.notes().text == alone


def test_a_section_is_rendered_once():
    report = area_report("EM")
    assert report.scorecard() is report.scorecard()


def test_an_stp_page_links_up_to_england_its_region_and_its_local_office():
    """Failed before: STP, local office, objective and HEE region pages had no links up."""
    from heenb.report.stp import stp_report

    crumb = stp_report("E54000040").headline().markup
    trail = re.search(r'<nav class="heenb-breadcrumb".*?</nav>', crumb).group(0)
    assert re.findall(r'href="([^"]+)"', trail) == [
        "../index.html", "../area/Y58.html", "../area/SW.html",
    ]  # fmt: skip
    assert "South West region" in trail and 'aria-current="page"' in trail


def test_a_local_office_page_links_down_to_its_stps():
    providers = area_report("KSS").providers().markup
    assert 'href="../stp/' in providers
