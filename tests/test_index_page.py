"""The front page tells the reader which reports are current, stale, outdated or missing."""

from __future__ import annotations

import json

import pytest

from heenb.data.catalogue import load_catalogue
from heenb.plan import load_plan
from heenb.report.national import index_report


def _log(folder, reports, data="d1", code="c1"):
    """build.json as the build writes it; a report built from other data is not current."""
    entries = [
        {"output": output, "status": status, "error": error,
         "inputs": {"data": entry_data, "code": code}, "current": entry_data == data}
        for output, status, error, entry_data in reports
    ]  # fmt: skip
    log = {"data_hash": data, "code_hash": code, "reports": entries}
    (folder / "build.json").write_text(json.dumps(log))


def _page(folder, output):
    path = folder / output
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<html></html>")


def test_each_report_state_is_read_from_the_build_log_and_the_pages(tmp_path):
    outputs = [job.output for job in load_plan()]
    built, outdated, stale, failed = outputs[:4]
    for output in (built, outdated, stale):
        _page(tmp_path, output)
    _log(tmp_path, [
        (built, "built", "", "d1"),
        (outdated, "built", "", "d0"),  # not rebuilt when the data changed
        (stale, "failed", "ValueError: boom", "d1"),
        (failed, "failed", "KeyError: 'x'", "d1"),
    ])  # fmt: skip
    states = index_report(str(tmp_path)).statuses.set_index("output")["state"]
    assert states[built] == "built"
    assert states[outdated] == "outdated"
    assert states[stale] == "stale"
    assert states[failed] == "failed"
    assert states[outputs[4]] == "missing"


@pytest.mark.slow
def test_the_headline_counts_only_current_reports_and_names_failures(tmp_path):
    outputs = [job.output for job in load_plan()]
    for output in outputs:
        _page(tmp_path, output)
    _log(tmp_path, [(outputs[0], "built", "", "d0"), (outputs[1], "failed", "ValueError: x", "d1")]
         + [(o, "built", "", "d1") for o in outputs[2:]])  # fmt: skip
    text = index_report(str(tmp_path)).headline().text
    assert f"{len(outputs) - 2} of {len(outputs)} reports are up to date" in text
    assert "ValueError: x" in text


@pytest.mark.slow
def test_published_parameters_do_not_show_the_machines_folders(tmp_path):
    notes = index_report(str(tmp_path)).notes().text
    assert str(tmp_path) not in notes
    assert f"reports_dir={tmp_path.name}" in notes


def test_labels_come_from_the_plan_entries(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text(
        "reports:\n  - name: focus\n    title: Focus reports\n"
        "    notebook: notebooks/objective.ipynb\n    parameter: objective\n"
        "    values: [maternity]\n    check: objective\n"
        "    label: 'Focus on {short_name} ({value})'\n    output: focus/{objective}.html\n"
    )
    statuses = index_report(str(tmp_path), plan=str(plan)).statuses
    short_name = load_catalogue().objective("maternity")["short_name"]
    assert statuses["label"].tolist() == [f"Focus on {short_name} (maternity)"]
