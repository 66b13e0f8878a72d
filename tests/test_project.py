"""The project's own files stay true to each other: pins, docs, notebooks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import yaml

from heenb.data.contract import RAW_FILES, markdown, source_titles
from heenb.paths import NOTEBOOK_DIR, PROJECT_ROOT

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_environment_yml_pins_the_same_packages_as_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == declared


def test_lock_file_agrees_with_every_pin_in_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    locked = _pins((PROJECT_ROOT / "requirements.lock").read_text().splitlines())
    assert {name: locked.get(name) for name in declared} == declared


def test_data_readme_describes_every_column_of_the_contract():
    readme = (PROJECT_ROOT / "data" / "README.md").read_text()
    assert markdown().strip() in readme
    for raw in RAW_FILES:
        assert f"`{raw.filename}`" in readme


def test_every_raw_source_has_its_title_for_readers_in_the_contract():
    """The data notes name a source by the title its contract entry gives it, and only there."""
    from heenb.report.common import SOURCE_NAMES

    titles = source_titles()
    assert list(titles) == [raw.name for raw in RAW_FILES]
    for raw in RAW_FILES:
        assert raw.title.strip() and titles[raw.name] == f"{raw.title} ({raw.filename})"
    assert titles["arcp_outcomes"] == "ARCP outcomes (arcp_outcomes.csv)"
    assert {name: SOURCE_NAMES[name] for name in titles} == titles


def check_no_outputs(path: Path) -> None:
    """House rule: a notebook is committed without outputs or execution counts."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} has outputs: strip them (nbstripout)"
            assert cell.execution_count is None, f"{path.name} has execution counts"


def check_parameters_cell_first(path: Path) -> None:
    """House rule: the first cell, and only it, is tagged ``parameters``, with defaults only."""
    notebook = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0], f"{path.name}: the first cell, and only it, is tagged parameters"
    assert notebook.cells[0].source.startswith("# Parameters: these are defaults")


def check_one_call_per_cell(path: Path) -> None:
    """House rule: after the loading cell, each cell calls one report method (no wrangling)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells[2:]:
        assert re.fullmatch(r"report\.\w+\(\)", cell.source.strip()), (
            f"{path.name}: section cells call one report method; found {cell.source!r}"
        )


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        check_no_outputs(path)


def test_each_notebook_has_exactly_one_parameters_cell_first():
    for path in NOTEBOOKS:
        check_parameters_cell_first(path)


def test_notebook_cells_call_the_package_and_do_no_wrangling():
    for path in NOTEBOOKS:
        check_one_call_per_cell(path)


def test_reports_folder_keeps_only_its_readme_in_git():
    ignore = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert "/reports/*" in ignore and "!/reports/README.md" in ignore
    assert Path(PROJECT_ROOT / "reports" / "README.md").is_file()


def test_importing_heenb_leaves_the_analysts_matplotlib_backend_alone():
    import os
    import subprocess
    import sys

    code = "import heenb.report.objective, matplotlib; print(matplotlib.get_backend())"
    env = {**os.environ, "MPLBACKEND": "svg"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "svg", result.stderr
