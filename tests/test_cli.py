"""The heenb command: demo data, the data contract, and errors without tracebacks."""

from __future__ import annotations

import io
import sys

import pytest

from heenb import paths
from heenb.cli import main

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
