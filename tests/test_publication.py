"""Page 1 of every page says when it was released, and, only when the plan declares them, who
to contact and when the next release is (``publication`` in ``reports.yml``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from heenb import paths
from heenb.plan import publication
from heenb.report.common import release_block

PLAN = Path(paths.PLAN_FILE)


def with_publication(tmp_path: Path, block: dict | None) -> Path:
    """A copy of the plan with ``block`` as its publication block (None: no block), its
    notebooks where the plan's are."""
    plan = yaml.safe_load(PLAN.read_text())
    plan.pop("publication", None)
    if block is not None:
        plan["publication"] = block
    for entry in plan["reports"]:
        entry["notebook"] = str(PLAN.parent / entry["notebook"])
    target = tmp_path / "reports.yml"
    target.write_text(yaml.safe_dump(plan, sort_keys=False))
    return target


def test_the_plan_declares_a_publication_block_with_blank_values():
    """No address or date is invented: the block is there to fill in, blank until then."""
    declared = yaml.safe_load(PLAN.read_text())["publication"]
    assert set(declared) == {"contact", "next_release"}
    assert set(publication(PLAN)) == {"contact", "next_release"}


def test_a_page_shows_its_release_date_and_only_what_the_plan_declares(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "HEENB_PLAN", str(with_publication(tmp_path, {"contact": "", "next_release": ""}))
    )
    text = release_block().text
    assert text == f"Released {dt.date.today():%-d %B %Y}."
    monkeypatch.setenv("HEENB_PLAN", str(with_publication(tmp_path, None)))
    assert release_block().text == text  # no block at all: the same
    declared = {"contact": "Workforce statistics team (placeholder)", "next_release": "2027-01-07"}
    monkeypatch.setenv("HEENB_PLAN", str(with_publication(tmp_path, declared)))
    assert release_block().text == (
        f"Released {dt.date.today():%-d %B %Y}. Next release: 7 January 2027. "
        "Contact: Workforce statistics team (placeholder)."
    )


def test_a_next_release_that_is_not_a_date_is_refused_naming_the_plan(tmp_path, monkeypatch):
    from heenb.errors import HeenbError

    plan = with_publication(tmp_path, {"contact": "", "next_release": "soon"})
    monkeypatch.setenv("HEENB_PLAN", str(plan))
    with pytest.raises(HeenbError, match=r"reports\.yml.*publication.*next_release.*'soon'"):
        publication()


@pytest.mark.parametrize(("make", "value"), [("area", "EM"), ("stp", "E54000008"),
                                             ("objective", "maternity")])  # fmt: skip
def test_the_release_date_is_in_the_title_block_of_each_page_type(make, value):
    from test_report_main_points import PAGE_TYPES

    markup = PAGE_TYPES[make](value).headline().markup
    title = re.search(r"<h1[^>]*>.*?</h1>\s*(<p[^>]*>.*?</p>)", markup, re.S)
    assert title is not None and "Released " in title.group(1), markup[:600]


@pytest.mark.slow
def test_the_index_says_when_it_was_released(tmp_path):
    from heenb.report.national import index_report

    markup = index_report(str(tmp_path)).headline().markup
    title = re.search(r"<h1[^>]*>.*?</h1>\s*(<p[^>]*>.*?</p>)", markup, re.S)
    assert title is not None and "Released " in title.group(1)


def test_the_spreadsheet_cover_names_the_contact_and_next_release_when_declared(
    tmp_path, monkeypatch
):
    import nbformat

    from heenb.render.html import about

    notebook = nbformat.v4.new_notebook()
    monkeypatch.setenv("HEENB_PLAN", str(with_publication(tmp_path, None)))
    assert not any(line.startswith(("Contact", "Next release")) for line in about(notebook, None))
    declared = {"contact": "Statistics team (placeholder)", "next_release": "2027-01-07"}
    monkeypatch.setenv("HEENB_PLAN", str(with_publication(tmp_path, declared)))
    assert about(notebook, None)[-2:] == [
        "Next release: 7 January 2027",
        "Contact: Statistics team (placeholder)",
    ]


@pytest.mark.slow
def test_editing_the_publication_block_rebuilds_the_pages_that_show_it(tmp_path, capsys):
    """Pages show the contact and next release, yet editing them rebuilt nothing: the
    block was not among a page's inputs (the build said every page was up to date)."""
    from heenb.cli import main

    greeting = Path(__file__).parent / "fixtures" / "notebooks" / "greeting.ipynb"
    plan, out = tmp_path / "plan.yml", tmp_path / "reports"

    def build_with(block: dict) -> dict:
        entry = {"name": "greeting", "title": "Greeting", "notebook": str(greeting),
                 "parameter": "name", "values": ["a"], "output": "hello/{name}.html"}  # fmt: skip
        plan.write_text(yaml.safe_dump({"publication": block, "reports": [entry]}))
        status = main(["build", "--plan", str(plan), "--out", str(out), "--workers", "1"])
        outcome = json.loads((out / "outcome.json").read_text())
        return {"status": status, **{p["page"]: p for p in outcome["pages"]}}

    blank = {"contact": "", "next_release": ""}
    assert build_with(blank)["hello/a.html"]["status"] == "built"
    assert build_with(blank)["hello/a.html"]["status"] == "kept"
    filled = {"contact": "Statistics team (placeholder)", "next_release": "2027-01-07"}
    assert build_with(filled)["hello/a.html"]["status"] == "built"
    assert build_with(filled)["hello/a.html"]["status"] == "kept"
    assert build_with(blank)["hello/a.html"]["status"] == "built"
    refused = build_with({"contact": "", "next_release": "soon"})
    assert refused["status"] == 2 and "next_release 'soon'" in capsys.readouterr().err
