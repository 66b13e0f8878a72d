"""Your own report: ``heenb new-report`` writes a notebook that follows the house rules and
a plan entry, and the page built from it is titled, bannered and versioned like the others."""

from __future__ import annotations

import re

import nbformat

from heenb.build.export import ReportExporter


def test_markdown_headings_reach_the_page_without_anchor_marks():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# My report\n\n## First\n\nText.\n\n## Second")])  # fmt: skip
    page = ReportExporter().to_html(notebook, title="My report: Maternity")
    assert "¶" not in page
    assert "<title>My report: Maternity</title>" in page
    assert re.search(r'<h1 id="My-report">My report</h1>', page)
    assert '<li><a href="#First">First</a></li>' in page
