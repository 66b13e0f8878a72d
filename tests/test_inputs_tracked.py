"""Every input tracked (issue 19): modules a notebook imports from the project, and files its
plan entry declares, are inputs of its pages: editing them rebuilds exactly those pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from heenb import paths
from heenb.errors import BuildError
from heenb.plan import load_plan
from heenb.publish.engine import build
from heenb.publish.inputs import files_input, notebook_modules
from heenb.publish.outcome import BUILT, UP_TO_DATE

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def helper_notebook(folder: Path) -> Path:
    """The greeting fixture, greeting through ``helpers.py`` beside it (which imports
    ``wording.py``), with a magic line that is not Python."""
    notebook = folder / "helped.ipynb"
    book = nbformat.read(FIXTURES / "greeting.ipynb", as_version=4)
    book.cells[-1].source = (
        "%matplotlib inline\nimport pandas\nimport heenb.formatting\nfrom helpers import greet\n"
        "from IPython.display import HTML\n\nHTML(greet(name))"
    )
    nbformat.write(book, notebook)
    (folder / "helpers.py").write_text(
        "import wording\n\ndef greet(name):\n    return f'<p>{wording.HELLO}, {name}!</p>'\n"
    )
    (folder / "wording.py").write_text("HELLO = 'Hello'\n")
    return notebook


def test_a_notebooks_local_imports_are_found_and_nothing_else(tmp_path):
    notebook = helper_notebook(tmp_path)

    found = notebook_modules(notebook)

    assert found == [(tmp_path / "helpers.py").resolve(), (tmp_path / "wording.py").resolve()]
    assert not any(path.is_relative_to(paths.PROJECT_ROOT / "heenb") for path in found)


def test_the_project_notebooks_import_only_heenb():
    for notebook in paths.NOTEBOOK_DIR.glob("*.ipynb"):
        assert notebook_modules(notebook) == [], notebook


def test_declared_inputs_are_hashed_and_checked(tmp_path):
    plan = tmp_path / "plan.yml"
    entry = {"name": "greeting", "title": "Greeting", "notebook": str(FIXTURES / "greeting.ipynb"),
             "parameter": "name", "values": ["a"], "output": "g/{name}.html",
             "sources": ["arcp_outcomes"]}  # fmt: skip
    plan.write_text(yaml.safe_dump({"reports": [{**entry, "inputs": ["reports.yml"]}]}))
    [job] = load_plan(plan)
    assert job.inputs == ("reports.yml",)
    assert set(files_input(job, [])) == {"reports.yml"}

    plan.write_text(yaml.safe_dump({"reports": [{**entry, "inputs": ["../outside.txt"]}]}))
    with pytest.raises(BuildError, match="not a file inside the project"):
        load_plan(plan)


@pytest.mark.slow
def test_editing_a_helper_module_rebuilds_its_notebooks_pages_and_nothing_else(tmp_path):
    notebook = helper_notebook(tmp_path)
    plain = tmp_path / "greeting.ipynb"
    shutil.copyfile(FIXTURES / "greeting.ipynb", plain)
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "helped", "title": "Helped", "notebook": str(notebook), "parameter": "name",
         "values": ["a", "b"], "output": "helped/{name}.html"},
        {"name": "plain", "title": "Plain", "notebook": str(plain), "parameter": "name",
         "values": ["c"], "output": "plain/{name}.html"},
    ]}))  # fmt: skip
    out = tmp_path / "reports"

    def run() -> dict:
        outcomes = build(out=out, plan_file=plan, workers=1, progress=lambda _: None)
        return {o.output: o.status for o in outcomes if o.output.endswith(".html")}

    run()
    assert "Hello, a!" in (out / "helped" / "a.html").read_text()
    (tmp_path / "wording.py").write_text("HELLO = 'Good morning'\n")  # imported by helpers.py

    statuses = run()

    assert statuses["helped/a.html"] == statuses["helped/b.html"] == BUILT
    assert statuses["plain/c.html"] == UP_TO_DATE
    assert "Good morning, a!" in (out / "helped" / "a.html").read_text()
    assert set(run().values()) == {UP_TO_DATE}


@pytest.mark.slow
def test_a_catalogue_edited_during_a_build_reaches_none_of_its_pages(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    shutil.copytree(paths.REFERENCE_DIR, reference)
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    monkeypatch.setenv("HEENB_TEST_REFERENCE", str(reference))
    notebook = tmp_path / "catalogue.ipynb"
    book = nbformat.read(FIXTURES / "greeting.ipynb", as_version=4)
    book.cells[-1].source = (
        "import os\nfrom pathlib import Path\nfrom IPython.display import HTML\n"
        "from heenb.data.catalogue import load_catalogue\n"
        "objectives = Path(os.environ['HEENB_TEST_REFERENCE']) / 'objectives.csv'\n"
        "if name == 'a':  # the first report edits the catalogue the build started from\n"
        "    objectives.write_text(objectives.read_text().replace('Quality 1:', 'Renamed 1:'))\n"
        "HTML('<p>' + load_catalogue().objective('quality-framework')['short_name'] + '</p>')"
    )
    nbformat.write(book, notebook)
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "cat", "title": "Cat", "notebook": str(notebook), "parameter": "name",
         "values": ["a", "b"], "output": "cat/{name}.html"}]}))  # fmt: skip

    build(out=tmp_path / "reports", plan_file=plan, workers=1, progress=lambda _: None)

    assert "Renamed 1:" in (reference / "objectives.csv").read_text()  # it was edited
    for name in ("a", "b"):
        shown = (tmp_path / "reports" / "cat" / f"{name}.html").read_text()
        assert "Quality 1: Quality Strategy" in shown and "Renamed" not in shown
