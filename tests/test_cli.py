"""The heenb command: demo data, the data contract, and errors without tracebacks."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from heenb import paths
from heenb.build.plan import load_plan, select
from heenb.cli import main
from heenb.errors import BuildError

RAW_FILES = [
    "arcp_outcomes.csv", "nets_responses.csv", "workforce_fte.csv", "kpi_updates.csv",
    "programme_projects.csv", "programme_updates.csv", "ppi_activities.csv", "demographics.csv",
]  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """``heenb demo-data --out DIR --scale 0.01``: the folder, exit code and what it printed."""
    out = tmp_path_factory.mktemp("cli") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        printed = io.StringIO()
        patch.setattr(sys, "stdout", printed)
        code = main(["demo-data", "--out", str(out), "--scale", "0.01"])
    return out, code, printed.getvalue()


def test_demo_data_writes_every_raw_file(written):
    out, code, printed = written
    assert code == 0
    for name in RAW_FILES:
        assert (out / name).is_file(), name
    assert (out / "heenb-demo.json").is_file()
    assert printed.startswith(f"Wrote demo data to {out}")
    assert "arcp_outcomes" in printed


def test_demo_data_then_validate_succeeds(written, capsys):
    out, _, _ = written
    assert main(["validate", "--data", str(out)]) == 0
    assert "valid" in capsys.readouterr().out


def test_demo_data_with_a_bad_scale_exits_2_with_a_message(tmp_path, capsys):
    assert main(["demo-data", "--out", str(tmp_path / "x"), "--scale", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("heenb: --scale must be a number above 0")
    assert "Traceback" not in err


def test_schema_prints_markdown_naming_every_raw_file(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    for name in RAW_FILES:
        assert f"### `{name}`" in out
    assert "| column | type | required | meaning |" in out
    assert "`respondent_id`, `item`" in out  # the unique key of nets_responses


def test_validate_of_bad_data_exits_1_without_traceback(data_copy, capsys):
    (data_copy / "workforce_fte.csv").unlink()
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "workforce_fte.csv: file not found" in err
    assert "Traceback" not in err


def test_build_with_an_unknown_only_pattern_exits_2_listing_reports(tmp_path, capsys):
    assert main(["build", "--only", "area/Y99", "--out", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert "no report matches area/Y99" in err
    assert "area/Y60" in err
    assert "Traceback" not in err
    assert not (tmp_path / "reports").exists()


def test_list_with_a_bad_plan_exits_2_without_traceback(tmp_path, monkeypatch, capsys):
    plan = tmp_path / "reports.yml"
    plan.write_text("reports: [\n")
    monkeypatch.setattr(paths, "PLAN_FILE", plan)
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert "could not be read" in err
    assert "Traceback" not in err


def test_an_unknown_command_exits_2_with_usage(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["publish"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "usage: heenb" in err
    assert "Traceback" not in err


def test_demo_data_requires_an_output_folder(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["demo-data"])
    assert caught.value.code == 2
    assert "--out" in capsys.readouterr().err


# --------------------------------------------------------------------------- papercuts


def _small_plan(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text(
        "reports:\n  - name: objective\n    title: Objective reports\n"
        "    notebook: notebooks/objective.ipynb\n    parameter: objective\n"
        "    values: [maternity]\n    output: objective/{objective}.html\n"
    )
    return plan


def test_only_accepts_page_names_as_heenb_list_prints_them():
    jobs = load_plan()
    assert [j.output for j in select(jobs, "area/EM.html")] == ["area/EM.html"]
    assert [j.output for j in select(jobs, "area/EM.html, objective/maternity")] == [
        "objective/maternity.html", "area/EM.html"]  # fmt: skip


@pytest.mark.parametrize("pattern", ["em", "area/em", "EM.html", "aera/EM"])
def test_an_unmatched_only_suggests_the_report_whatever_the_case(pattern):
    with pytest.raises(BuildError, match=re.escape("Did you mean 'area/EM'?")):
        select(load_plan(), pattern)


def test_list_and_validate_take_a_plan(tmp_path, data_copy, capsys):
    plan = _small_plan(tmp_path)
    assert main(["list", "--plan", str(plan)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("objective/maternity.html")
    assert main(["validate", "--plan", str(plan), "--data", str(data_copy)]) == 0
    assert "The plan's 1 report(s) can be built." in capsys.readouterr().out


def test_make_lab_allows_root_only_for_root():
    dry_run = subprocess.run(["make", "-n", "lab"], cwd=paths.PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    lab = [line for line in dry_run.splitlines() if "jupyter lab" in line]
    assert lab and all(("--allow-root" in line) == (os.getuid() == 0) for line in lab)
