"""Your own report: ``heenb new-report`` writes a notebook that follows the house rules and
a plan entry, and the page built from it is titled, bannered and versioned like the others."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_project import check_no_outputs, check_one_call_per_cell, check_parameters_cell_first

from heenb.cli import main
from heenb.data.mart import mart_key
from heenb.paths import PROJECT_ROOT
from heenb.plan import ALL_SOURCES, declared_parameters, load_plan
from heenb.publish.engine import BUILT, INDEX_OUTPUT, build
from heenb.render.html import ReportExporter
from heenb.report.changes import CHANGES_OUTPUT

PYPROJECT = PROJECT_ROOT / "pyproject.toml"


def test_markdown_headings_reach_the_page_without_anchor_marks():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# My report\n\n## First\n\nText.\n\n## Second")])  # fmt: skip
    page = ReportExporter().to_html(notebook, title="My report: Maternity")
    assert "¶" not in page
    assert "<title>My report: Maternity</title>" in page
    assert re.search(r'<h1 id="My-report">My report</h1>', page)
    assert '<li><a href="#First">First</a></li>' in page


# --------------------------------------------------------------------------- heenb new-report
PLAN_SOURCE = PROJECT_ROOT / "reports.yml"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def plan(tmp_path) -> Path:
    """A copy of the repository's plan; new notebooks go in ``notebooks/`` beside it."""
    copy = tmp_path / "project" / "reports.yml"
    copy.parent.mkdir()
    shutil.copy(PLAN_SOURCE, copy)
    return copy


@pytest.mark.slow
def test_a_new_report_follows_the_house_rules_and_builds_a_titled_demo_page(
    plan, demo_dir, catalogue, tmp_path, capsys
):
    code = main(["new-report", "workforce-deep-dive", "--parameter", "objective",
                 "--sources", "workforce_fte,arcp_outcomes", "--plan", str(plan)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    notebook = plan.parent / "notebooks" / "workforce-deep-dive.ipynb"
    assert str(notebook) in capsys.readouterr().out
    for check in (check_no_outputs, check_parameters_cell_first, check_one_call_per_cell):
        check(notebook)
    assert declared_parameters(notebook) == ["objective", "data"]
    for lint in (["nbstripout", "--verify"], ["ruff", "check", "--config", str(PYPROJECT)],
                 ["ruff", "format", "--check", "--config", str(PYPROJECT)]):  # fmt: skip
        run = subprocess.run([str(VENV_BIN / lint[0]), *lint[1:], str(notebook)],
                             capture_output=True, text=True)  # fmt: skip
        assert run.returncode == 0, f"{' '.join(lint)}: {run.stdout}{run.stderr}"

    jobs = [job for job in load_plan(plan) if job.group == "workforce-deep-dive"]
    assert [job.parameters["objective"] for job in jobs] == list(
        catalogue.objectives["objective_id"]
    )
    assert {job.sources for job in jobs} == {("workforce_fte", "arcp_outcomes")}
    out = tmp_path / "reports"
    outcomes = build(demo_dir, out, "workforce-deep-dive/maternity", workers=1, plan_file=plan)
    own = (INDEX_OUTPUT, CHANGES_OUTPUT)  # heenb's own pages, built after the plan's
    assert [o.status for o in outcomes if o.output not in own] == [BUILT]

    page = (out / "workforce-deep-dive" / "maternity.html").read_text()
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert "¶" not in page
    assert title == h1 == "Workforce deep dive: Quality 2: maternity services"
    assert "Demonstration data: the figures in this report are synthetic" in page
    version = mart_key(demo_dir)
    assert f"<dt>Data version</dt><dd>{version} (demonstration data)</dd>" in page
    assert f"version {version}" in page.split('<footer class="heenb-footer">')[1]
    assert "Workforce in post, FTE by month (workforce_fte.csv)" in page
    assert "not recorded" not in page
    index = (out / "index.html").read_text()
    assert "Workforce deep dive reports" in index
    assert 'href="workforce-deep-dive/maternity.html"' in index


def test_a_parameter_without_a_value_set_of_its_name_needs_values(plan, capsys):
    every = ",".join(reversed(ALL_SOURCES))  # a long list: the entry wraps it
    code = main(["new-report", "deep-dive", "--parameter", "office", "--values",
                 "local_offices", "--sources", every, "--plan", str(plan)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    entry = plan.read_text().split("- name: deep-dive")[1].splitlines()
    assert max(len(line) for line in entry if "notebook:" not in line) <= 100
    jobs = [job for job in load_plan(plan) if job.group == "deep-dive"]
    assert {job.sources for job in jobs} == {tuple(reversed(ALL_SOURCES))}
    assert jobs and all(job.output == f"deep-dive/{job.parameters['office']}.html" for job in jobs)
    assert jobs[0].label.startswith("Deep dive: ")


def test_a_report_over_the_stps_is_written_planned_and_runs(plan, demo_dir, catalogue, capsys):
    """Every value set a plan entry may name works in ``heenb new-report`` (stps once failed
    with a KeyError): its pages are labelled with the STP's name, and its notebook runs."""
    code = main(["new-report", "stp-deep-dive", "--parameter", "stp", "--values", "stps",
                 "--sources", "arcp_outcomes", "--plan", str(plan)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    jobs = [job for job in load_plan(plan) if job.group == "stp-deep-dive"]
    stps = catalogue.stps
    assert [job.parameters["stp"] for job in jobs] == list(stps["stp_code"])
    assert jobs[0].label == f"Stp deep dive: {stps['name'].iloc[0]} STP"
    notebook = nbformat.read(plan.parent / "notebooks" / "stp-deep-dive.ipynb", as_version=4)
    assert declared_parameters(plan.parent / "notebooks" / "stp-deep-dive.ipynb") == [
        "stp", "data"]  # fmt: skip
    names: dict = {}
    for cell in notebook.cells:
        exec(cell.source, names)  # noqa: S102 - the generated notebook, run as papermill would
        if cell.metadata.get("tags") == ["parameters"]:
            names["data"] = demo_dir
    assert names["stp"] == stps["stp_code"].iloc[0]
    headline = str(names["report"].headline())
    assert f"{stps['name'].iloc[0]} STP" in headline
    assert "ARCP outcomes (arcp_outcomes.csv)" in str(names["report"].notes())


def test_an_unknown_value_set_is_refused_naming_every_valid_set(plan, capsys):
    code = main(["new-report", "deep-dive", "--parameter", "trust", "--values", "trusts",
                 "--plan", str(plan)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.endswith(
        "use one of objectives, areas, regions, local_offices, programmes, stps, ics."
    )
    assert not (plan.parent / "notebooks").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["objective", "--parameter", "objective"],
         "A report named 'objective' is already in"),
        (["../escape", "--parameter", "objective"], "cannot name a notebook file"),
        (["my.report", "--parameter", "objective"], "cannot name a notebook file"),
        (["deep-dive", "--parameter", "data"], "must be a Python name"),
        (["deep-dive", "--parameter", "class"], "must be a Python name"),
        (["deep-dive", "--parameter", "office"], "--values is needed"),
        (["deep-dive", "--parameter", "area", "--values", "trusts"],
         "unknown value set 'trusts'; use one of objectives, areas"),
        (["deep-dive", "--parameter", "area", "--sources", "arcp_outcomes,nets"],
         "unknown source(s) nets; valid: arcp_outcomes"),
    ],
)  # fmt: skip
def test_a_bad_new_report_is_refused_in_one_line_and_writes_nothing(plan, capsys, arguments,
                                                                    message):  # fmt: skip
    before = plan.read_text()
    code = main(["new-report", *arguments, "--plan", str(plan)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert plan.read_text() == before
    assert not (plan.parent / "notebooks").exists()


def test_a_notebook_already_there_is_refused(plan, capsys):
    (plan.parent / "notebooks").mkdir()
    (plan.parent / "notebooks" / "deep-dive.ipynb").write_text("{}")
    code = main(["new-report", "deep-dive", "--parameter", "objective", "--plan", str(plan)])
    assert code == 2
    assert "deep-dive.ipynb already exists" in capsys.readouterr().err


def test_the_readme_states_the_house_rules_and_the_command():
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Add your own report", 1)[1].split("\n## ", 1)[0]
    for rule in ("heenb new-report", "`parameters`", "one `heenb` call", "nbstripout",
                 "make test"):  # fmt: skip
        assert rule in section, rule


def test_the_guide_ends_by_building_one_report_with_the_engine():
    guide = nbformat.read(PROJECT_ROOT / "docs" / "guide.ipynb", as_version=4)
    heading, code = guide.cells[-2:]
    assert heading.source.startswith("## ") and "Build one report" in heading.source
    assert "from heenb.publish.engine import build" in code.source
    assert 'only="objective/maternity"' in code.source and "mkdtemp" in code.source
    assert 'print("Open"' in code.source  # where the page is; nbval runs the cell
