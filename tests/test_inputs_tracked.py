"""Every input tracked (issue 19): modules a notebook imports from the project, and files its
plan entry declares, are inputs of its pages: editing them rebuilds exactly those pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from heenb import paths
from heenb.cli import main
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


@pytest.mark.slow
def test_a_helper_changed_during_a_build_leaves_the_pages_built_meanwhile_not_current(
    tmp_path, capsys
):
    """``wording.py`` (imported by ``helpers.py``) is changed by page b and changed back by
    page d while the first build runs (one worker, a fresh kernel per page, so c imports the
    change): b to e were built while it was not as hashed at the start (e after it was
    changed back: nothing tells that e read it only then), so they are published but not
    recorded as current, the run says so and exits 1, and the next build rebuilds exactly
    those pages."""
    notebook = helper_notebook(tmp_path)
    book = nbformat.read(notebook, as_version=4)
    book.cells[-1].source = (
        "from pathlib import Path\nfrom IPython.display import HTML\nfrom helpers import greet\n"
        "once = Path('edit-once')  # in the working folder: the notebook's\n"
        "if name == 'b' and once.exists():\n"
        "    Path('wording.py').write_text(\"HELLO = 'Good morning'\\n\")\n"
        "if name == 'd' and once.exists():\n"
        "    Path('wording.py').write_text(\"HELLO = 'Hello'\\n\")\n"
        "    once.unlink()\n"
        "HTML(greet(name))"
    )
    nbformat.write(book, notebook)
    (tmp_path / "edit-once").touch()  # the first build only
    plain = tmp_path / "greeting.ipynb"
    shutil.copyfile(FIXTURES / "greeting.ipynb", plain)
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "helped", "title": "Helped", "notebook": str(notebook), "parameter": "name",
         "values": ["a", "b", "c", "d", "e"], "output": "helped/{name}.html"},
        {"name": "plain", "title": "Plain", "notebook": str(plain), "parameter": "name",
         "values": ["p"], "output": "plain/{name}.html"},
    ]}))  # fmt: skip
    out = tmp_path / "reports"
    argv = ["build", "--plan", str(plan), "--out", str(out), "--workers", "1", "--fresh-kernels"]
    moved = ["helped/b.html", "helped/c.html", "helped/d.html", "helped/e.html"]

    assert main(argv) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "wording.py changed while heenb was building" in err
    assert "helped/b.html" in err and "helped/a.html" not in err
    assert "Good morning, c!" in (out / "helped" / "c.html").read_text()  # it reached c
    record = {r["output"]: r for r in json.loads((out / "build.json").read_text())["reports"]}
    assert {o for o, r in record.items() if not r["current"]} == set(moved)
    assert record["helped/c.html"]["status"] == "built"
    assert record["helped/c.html"]["files_changed"] == ["wording.py"]
    outcome = json.loads((out / "outcome.json").read_text())
    assert (outcome["result"], outcome["exit_status"]) == ("incomplete", 1)
    assert outcome["files_changed"] == ["wording.py"]
    pages = {p["page"]: p for p in outcome["pages"]}
    assert [o for o, p in pages.items() if p.get("files_changed")] == moved

    assert main(argv) == 0

    capsys.readouterr()
    outcome = json.loads((out / "outcome.json").read_text())
    built = {p["page"] for p in outcome["pages"] if p["status"] == "built"}
    assert built - {"index.html", "changes.html"} == set(moved)
    why = {p["page"]: p["why"] for p in outcome["pages"]}
    assert why["helped/c.html"] == "files it read changed while it was built: wording.py"
    assert all(r["current"] for r in json.loads((out / "build.json").read_text())["reports"])


def test_a_file_written_during_the_build_counts_as_changed_even_back_to_its_bytes(tmp_path):
    from heenb.publish.recheck import FileStates

    kept, edited, missing = tmp_path / "kept.py", tmp_path / "edited.py", tmp_path / "missing.py"
    kept.write_text("A = 1\n")
    edited.write_text("A = 1\n")
    states = FileStates()
    hashes = {p.name: states.hash(p, p.name) for p in (kept, edited, missing)}
    assert hashes["missing.py"] is None and hashes["kept.py"] == hashes["edited.py"]
    assert states.changed(["kept.py", "edited.py", "missing.py", "unknown.py"]) == []

    edited.write_text("A = 2\n")
    edited.write_text("A = 1\n")  # back to its bytes: a page may have read A = 2 meanwhile

    assert states.changed(["kept.py", "edited.py", "missing.py"]) == ["edited.py"]
    missing.write_text("")
    assert states.changed(["missing.py"]) == ["missing.py"]


def test_a_file_changed_within_one_tick_of_its_first_look_is_hashed_again(tmp_path, monkeypatch):
    from heenb.publish import recheck

    helper = tmp_path / "helper.py"
    helper.write_text("A = 1\n")  # just now: its stat may not show a write in the same tick
    states = recheck.FileStates()
    states.hash(helper, "helper.py")
    same = recheck._signature(helper)
    helper.write_text("A = 2\n")
    monkeypatch.setattr(recheck, "_signature", lambda path: same)  # as if the tick hid it

    assert states.changed(["helper.py"]) == ["helper.py"]
