"""Records name places relative to the project or the reports folder, or by name: a
reports folder is copied and published whole, so ``build.json``, ``outcome.json`` and the
releases' manifests never hold an absolute path, least of all the builder's home folder.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from heenb import paths
from heenb.cli import main
from heenb.publish.places import Places

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def records(out: Path) -> dict[str, str]:
    """Every record of a reports folder, by path, as text."""
    found = [out / "build.json", out / "outcome.json", *sorted(out.glob("releases/**/*.json"))]
    return {p.relative_to(out).as_posix(): p.read_text() for p in found if p.is_file()}


def assert_no_absolute_place(out: Path, *places: Path) -> None:
    for name, text in records(out).items():
        for place in (*places, paths.PROJECT_ROOT):
            assert str(place) not in text, (name, place)
            assert str(place.resolve()) not in text, (name, place)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """The builder's home folder, where data, plan and reports all are."""
    home = tmp_path / "home" / "builder"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def write_plan(path: Path, entries: dict[str, str]) -> Path:
    notebook = str(FIXTURES / "data_version.ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"reports": [
        {"name": name, "title": name.upper(), "notebook": notebook, "parameter": "name",
         "values": [value], "output": f"{name}/{{name}}.html"}
        for name, value in entries.items()
    ]}))  # fmt: skip
    return path


def test_a_refused_build_records_places_by_name(home, capsys):
    plan, out = write_plan(home / "plans" / "monthly.yml", {"v": "a"}), home / "www" / "reports"
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    out.mkdir(parents=True)
    (out / "v").symlink_to(elsewhere, target_is_directory=True)

    assert main(["build", "--plan", str(plan), "--out", str(out), "--workers", "1"]) == 2

    assert f"{out / 'v'} is a symbolic link to {elsewhere}" in capsys.readouterr().err  # in full
    outcome = json.loads((out / "outcome.json").read_text())
    assert outcome["result"] == "refused"
    assert "reports/v is a symbolic link to ~/elsewhere" in outcome["error"]
    assert_no_absolute_place(out, home)


@pytest.mark.slow
def test_a_build_records_places_relative_to_the_project_or_reports_folder(home, demo_dir):
    data = home / "extracts" / "2026-12"
    shutil.copytree(demo_dir, data)
    plan = write_plan(home / "plans" / "monthly.yml", {"v": "a", "w": "b"})
    out = home / "www" / "reports"
    out.mkdir(parents=True)
    (out / "v").write_text("a file where the v/ folder should be")  # v/a.html fails

    code = main(["build", "--plan", str(plan), "--out", str(out), "--data", str(data),
                 "--workers", "1"])  # fmt: skip

    assert code == 1
    assert_no_absolute_place(out, home)
    log = json.loads((out / "build.json").read_text())
    entries = {entry["output"]: entry for entry in log["reports"]}
    assert entries["v/a.html"]["error"] == (
        "WriteError: cannot write reports/v/a.html (File exists: reports/v)"
    )
    assert entries["w/b.html"]["notebook"] == "tests/fixtures/notebooks/data_version.ipynb"
    assert entries["index.html"]["parameters"] == {
        "reports_dir": ".", "data": "2026-12", "plan": "monthly.yml"
    }  # fmt: skip
    outcome = json.loads((out / "outcome.json").read_text())
    assert outcome["data_folder"] == "2026-12"
    pages = {page["page"]: page for page in outcome["pages"]}
    assert pages["v/a.html"]["error"] == entries["v/a.html"]["error"]


def test_places_are_shown_relative_to_the_reports_folder_or_project_or_by_name(home):
    out, data = home / "www" / "reports", home / "extracts" / "2026-12"
    places = Places(out, data)

    assert places.path(str(out)) == "."
    assert places.path(str(out / "v" / "a.html")) == "v/a.html"
    assert places.path(str(data)) == "2026-12"
    assert places.path(str(paths.PROJECT_ROOT / "notebooks" / "x.ipynb")) == "notebooks/x.ipynb"
    assert places.path(str(home / "plans" / "monthly.yml")) == "monthly.yml"
    assert places.path("/srv/elsewhere/plan.yml") == "plan.yml"
    assert places.path("relative/as/it/is") == "relative/as/it/is"
    message = f"cannot write {out}/v/a.html ({data}/x.csv, {home}/notes, {home}2, {out}.old)"
    shown = f"cannot write reports/v/a.html (2026-12/x.csv, ~/notes, {home}2, ~/www/reports.old)"
    assert places.text(message) == shown


FAILING = [
    "name = 'x'",
    "import os, sys, warnings\nfrom pathlib import Path\nimport heenb\n"
    "print(os.getcwd(), os.environ['HEENB_DATA'], os.environ['TEST_REPORTS'], Path.home(),\n"
    "      heenb.__file__, sys.prefix)\n"
    "warnings.warn(f'reading {os.environ[\"HEENB_DATA\"]}/x.csv')",
    "from broken import explode\nexplode()",
]


@pytest.mark.slow
def test_a_failed_reports_notebook_holds_no_absolute_place(home, demo_dir, monkeypatch):
    """The executed notebook kept under _failed/ (published with the reports folder) names
    places as the records do: its parameters, outputs and tracebacks hold no absolute path
    of the home folder, project, data, reports folder or Python environment."""
    import nbformat

    data, out = home / "extracts" / "2026-12", home / "www" / "reports"
    shutil.copytree(demo_dir, data)
    folder = home / "analysis"
    folder.mkdir()
    (folder / "broken.py").write_text(
        "import os\nfrom heenb import paths\n\n\ndef explode():\n"
        "    paths.data_folder(os.path.join(os.environ['HEENB_DATA'], 'kpi_updates.csv'))\n"
    )
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FAILING])
    book.cells[0].metadata["tags"] = ["parameters"]
    book.metadata = nbformat.read(FIXTURES / "raises.ipynb", as_version=4).metadata
    nbformat.write(book, folder / "failing.ipynb")
    plan = home / "plans" / "monthly.yml"
    plan.parent.mkdir()
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "failing", "title": "Failing", "notebook": str(folder / "failing.ipynb"),
         "parameter": "name", "values": ["x"], "output": "f/{name}.html"}]}))  # fmt: skip
    monkeypatch.setenv("TEST_REPORTS", str(out))
    monkeypatch.chdir(home)

    code = main(["build", "--plan", str(plan), "--out", str(out), "--data", str(data),
                 "--workers", "1"])  # fmt: skip

    assert code == 1
    kept = out / "_failed" / "f" / "x.ipynb"
    text = kept.read_text()
    nbformat.validate(nbformat.reads(text, as_version=4))
    for place in (home, paths.PROJECT_ROOT, data, out, Path(sys.prefix)):
        for form in {str(place), str(place.resolve())}:
            assert form not in text, form
    assert "BuildError" in text and "broken.py" in text  # still says what failed, and where
    assert "2026-12/kpi_updates.csv" in text and "heenb/paths.py" in text


def test_json_data_is_shown_string_by_string_and_the_virtual_environment_by_name(home):
    places = Places(home / "www" / "reports", home / "extracts" / "2026-12")
    book = {"cells": [{"outputs": [{"text": [f"{home}/x.py\n", 3]}]}], "n": 1, "none": None}

    assert places.data(book) == {"cells": [{"outputs": [{"text": ["~/x.py\n", 3]}]}], "n": 1,
                                 "none": None}  # fmt: skip
    if sys.prefix != sys.base_prefix:
        pandas = Path(sys.prefix) / "lib" / "site-packages" / "pandas" / "frame.py"
        assert (
            places.text(f"File {pandas}:12") == "File <venv>/lib/site-packages/pandas/frame.py:12"
        )
