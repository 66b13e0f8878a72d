"""The notebooks run under plain papermill, and refuse bad parameters clearly.

(nbval separately runs every notebook with its default parameters.)
"""

from __future__ import annotations

import papermill
import pytest

from heenb.paths import NOTEBOOK_DIR

pytestmark = pytest.mark.slow  # every test runs a notebook in a kernel


def _run(notebook: str, tmp_path, **parameters):
    return papermill.execute_notebook(
        str(NOTEBOOK_DIR / notebook),
        str(tmp_path / "out.ipynb"),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOK_DIR),
    )


def _html(notebook) -> str:
    return "".join(
        output.get("data", {}).get("text/html", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_narrative_objective_report_runs_under_plain_papermill(tmp_path):
    html = _html(_run("objective.ipynb", tmp_path, objective="cross-cutting"))
    assert "<h1" in html and "Representation ratio" in html
    assert "Demonstration data" in html


def test_local_office_report_runs_under_plain_papermill(tmp_path):
    html = _html(_run("region.ipynb", tmp_path, area="EM"))
    assert "East Midlands" in html and "Scorecard" in html


def test_unknown_objective_is_refused_with_the_valid_list(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as error:
        _run("objective.ipynb", tmp_path, objective="maternty")
    assert error.value.ename == "ParameterError"
    assert "Did you mean 'maternity'?" in error.value.evalue
    assert "restoration-recovery" in error.value.evalue


def test_unknown_area_is_refused_with_the_valid_list(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as error:
        _run("region.ipynb", tmp_path, area="Y99")
    assert error.value.ename == "ParameterError"
    assert "Y60 (Midlands)" in error.value.evalue
