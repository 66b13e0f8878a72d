"""Records name places relative to the project or the reports folder, or by name: a
reports folder is copied and published whole, so ``build.json``, ``outcome.json`` and the
releases' manifests never hold an absolute path, least of all the builder's home folder.
"""

from __future__ import annotations

import json
import shutil
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
