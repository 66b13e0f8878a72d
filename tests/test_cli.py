"""The heenb command: demo data, the data contract, and errors without tracebacks."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from heenb import paths
from heenb.cli import main
from heenb.errors import BuildError
from heenb.plan import load_plan, select

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
    path = data_copy / "nets_responses.csv"
    rows = path.read_text().splitlines()
    rows[2] = rows[2].rsplit(",", 1)[0] + ",four"
    path.write_text("\n".join(rows) + "\n")
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "nets_responses.csv, row 3" in err
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
    assert "1 of the plan's 1 report(s) can be built from this data." in capsys.readouterr().out


def test_make_lab_allows_root_only_for_root():
    dry_run = subprocess.run(["make", "-n", "lab"], cwd=paths.PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    lab = [line for line in dry_run.splitlines() if "jupyter lab" in line]
    assert lab and all(("--allow-root" in line) == (os.getuid() == 0) for line in lab)


# --------------------------------------------------------------------------- partial data


PROGRAMME_FILES = ["programme_projects.csv", "programme_updates.csv", "ppi_activities.csv"]


@pytest.fixture
def programme_data(demo_dir, tmp_path):
    """A data folder holding only the three raw sources the programme reports read."""
    folder = tmp_path / "programme-data"
    folder.mkdir()
    for name in PROGRAMME_FILES:
        (folder / name).write_bytes((demo_dir / name).read_bytes())
    return folder


def test_validate_checks_the_files_present_and_says_what_each_missing_one_blocks(
    programme_data, capsys
):
    assert main(["validate", "--data", str(programme_data)]) == 0
    out = capsys.readouterr().out
    assert "the files present are valid (programme_projects" in out
    assert (
        "arcp_outcomes.csv: not in the folder; the objective, area, stp, hee_region report(s)"
        in out
    )
    assert "kpi_updates.csv: not in the folder; the objective report(s)" in out
    # The programme pages, and the ICS pages, which read only published statistics.
    assert "44 of the plan's 117 report(s) can be built from this data." in out
    assert "file not found" not in out


def test_validate_of_a_folder_with_no_raw_file_exits_1(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["validate", "--data", str(tmp_path / "empty")]) == 1
    assert "arcp_outcomes.csv: file not found" in capsys.readouterr().err


def greeting_plan(path: Path) -> Path:
    """Two greeting reports: p reads programme_updates, a also reads arcp_outcomes."""
    greeting = str(Path(__file__).parent / "fixtures" / "notebooks" / "greeting.ipynb")
    path.write_text(yaml.safe_dump({"reports": [
        {"name": "p", "title": "P", "notebook": greeting, "parameter": "name", "values": ["p"],
         "output": "p/{name}.html", "sources": ["programme_updates"]},
        {"name": "a", "title": "A", "notebook": greeting, "parameter": "name", "values": ["a"],
         "output": "a/{name}.html", "sources": ["arcp_outcomes", "programme_updates"]},
    ]}))  # fmt: skip
    return path


def outcome_of(out: Path) -> tuple[dict, dict]:
    """outcome.json, and its pages by name."""
    outcome = json.loads((out / "outcome.json").read_text())
    return outcome, {page["page"]: page for page in outcome["pages"]}


@pytest.mark.slow
def test_build_builds_the_reports_whose_sources_are_present_and_exits_1_naming_the_skipped(
    programme_data, tmp_path, capsys
):
    plan, out = greeting_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    argv = ["build", "--data", str(programme_data), "--plan", str(plan), "--out", str(out)]

    assert main([*argv, "--workers", "1"]) == 1  # it published less than the plan asks

    printed = capsys.readouterr().out
    assert "Built 1 of 2 report(s)" in printed and "1 skipped" in printed
    assert ("Skipped 1 report(s) (a/a.html): a raw source they read is not in the data folder: "
            "arcp_outcomes.csv.") in printed  # fmt: skip
    assert (out / "p" / "p.html").is_file() and not (out / "a" / "a.html").exists()
    assert (out / "index.html").is_file()
    outcome, pages = outcome_of(out)
    assert outcome["result"] == "incomplete" and outcome["exit_status"] == 1
    assert outcome["data_folder"] == "programme-data" and outcome["data_changed"] == []
    assert pages["a/a.html"]["status"] == "skipped"
    assert pages["a/a.html"]["why"] == ("a raw source it reads is not in the data folder: "
                                        "arcp_outcomes.csv")  # fmt: skip
    assert pages["p/p.html"] | {"seconds": 0} == {
        "page": "p/p.html", "status": "built", "seconds": 0,
        "why": "no page of it is recorded in build.json"}  # fmt: skip
    assert pages["index.html"]["status"] == pages["changes.html"]["status"] == "built"
    assert outcome["counts"] == {"built": 3, "kept": 0, "skipped": 1, "failed": 0,
                                 "not reached": 0}  # fmt: skip
    assert outcome["release"]  # a run that publishes keeps a release
    # The source arrives: the skipped report is built, the other stays up to date.
    (programme_data / "arcp_outcomes.csv").write_bytes(
        (Path(os.environ["HEENB_DATA"]) / "arcp_outcomes.csv").read_bytes()
    )
    assert main([*argv, "--workers", "1"]) == 0
    assert "Built 1 of 2 report(s)" in capsys.readouterr().out
    assert (out / "a" / "a.html").is_file()
    outcome, pages = outcome_of(out)
    assert outcome["result"] == "complete" and outcome["exit_status"] == 0
    assert pages["a/a.html"]["status"] == "built"
    assert "skipped last time" in pages["a/a.html"]["why"]
    assert pages["p/p.html"]["status"] == "kept"
    # Nothing changed: both are kept, the index too, and --quiet prints nothing.
    assert main([*argv, "--workers", "1", "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")  # --quiet: a complete build prints nothing
    outcome, pages = outcome_of(out)
    assert [p["status"] for p in outcome["pages"]] == ["kept", "kept"]  # no index rebuilt


@pytest.mark.slow
def test_a_build_says_which_input_of_a_page_changed(programme_data, tmp_path, capsys):
    plan, out = greeting_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    argv = ["build", "--data", str(programme_data), "--plan", str(plan), "--out", str(out),
            "--workers", "1", "--only", "p/*"]  # fmt: skip
    assert main(argv) == 0
    path = programme_data / "programme_updates.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:-1], lines[-1] + " More."]) + "\n")  # free text

    assert main([*argv, "--quiet"]) == 0

    assert capsys.readouterr().err == ""
    outcome, pages = outcome_of(out)
    assert pages["p/p.html"]["status"] == "built"
    assert pages["p/p.html"]["why"].startswith("changed since its last build: data (")
    assert pages["index.html"]["status"] == "built"  # it reads every source
    assert "a/a.html" not in pages  # not selected


@pytest.mark.slow
def test_a_quiet_build_that_skips_reports_says_so_on_stderr_only(programme_data, tmp_path,
                                                                 capsys):  # fmt: skip
    plan, out = greeting_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    argv = ["build", "--data", str(programme_data), "--plan", str(plan), "--out", str(out)]
    assert main([*argv, "--workers", "1", "-q"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert "Skipped 1 report(s) (a/a.html)" in printed.err and "Building" not in printed.err


def test_a_build_refused_for_bad_data_exits_2_and_says_so_in_its_outcome(data_copy, tmp_path,
                                                                         capsys):  # fmt: skip
    path = data_copy / "nets_responses.csv"
    rows = path.read_text().splitlines()
    rows[2] = rows[2].rsplit(",", 1)[0] + ",four"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "reports"
    argv = ["build", "--data", str(data_copy), "--out", str(out), "--only", "programme/*"]

    assert main(argv) == 2

    assert "nets_responses.csv, row 3" in capsys.readouterr().err
    outcome, pages = outcome_of(out)
    assert outcome["result"] == "refused" and outcome["exit_status"] == 2
    assert "nets_responses.csv, row 3" in outcome["error"] and pages == {}
    assert not list(out.rglob("*.html"))


def test_build_help_documents_the_exit_statuses_and_quiet(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = capsys.readouterr().out
    assert "--quiet" in text and "outcome.json" in text
    for status in ("0 ", "1 ", "2 ", "128+N"):
        assert f"\n  {status}" in text


def test_a_reference_folder_of_ones_own_is_used_by_flag_or_environment(tmp_path, monkeypatch,
                                                                       capsys):  # fmt: skip
    reference = tmp_path / "my-reference"
    reference.mkdir()
    for path in paths.REFERENCE_DIR.glob("*.csv"):
        (reference / path.name).write_bytes(path.read_bytes())
    objectives = (reference / "objectives.csv").read_text().splitlines(keepends=True)
    dropped = "quality-framework"  # one objective fewer, with its KPI
    (reference / "objectives.csv").write_text(
        "".join(o for o in objectives if not o.startswith(f"{dropped},"))
    )
    kpis = (reference / "kpis.csv").read_text().splitlines(keepends=True)
    (reference / "kpis.csv").write_text("".join(k for k in kpis if f",{dropped}," not in k))
    normal = len(load_plan())

    assert main(["list", "--reference", str(reference)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == normal - 1
    assert "HEENB_REFERENCE" not in os.environ
    monkeypatch.setenv("HEENB_REFERENCE", str(reference))
    assert len(load_plan()) == normal - 1
    assert main(["list", "--reference", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- one line, no traceback


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"reports:\n  - name: caf\xe9\n", "is not UTF-8 text (line 2 has the byte 0xe9)"),
     (b"reports: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nests lists or mappings too deeply")],
    ids=["latin-1", "nested-5000-deep"],
)  # fmt: skip
def test_an_unreadable_plan_is_one_line_naming_it(tmp_path, capsys, content, says):
    plan = tmp_path / "reports.yml"
    plan.write_bytes(content)
    assert main(["list", "--plan", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err == f"heenb: The report plan {plan} {says}" + err.split(says, 1)[1]
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("command", ["build", "validate"])
def test_data_naming_a_file_is_one_line_naming_it(tmp_path, capsys, command):
    afile = tmp_path / "extract.csv"
    afile.write_text("not a folder\n")
    out = tmp_path / "reports"
    extra = ["--out", str(out), "--only", "programme/*"] if command == "build" else []
    assert main([command, "--data", str(afile), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"heenb: The data folder {afile} (--data) is a file, not a folder;")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


PLAN_TEXT = "reports: []\n"


def test_a_plan_of_40000_values_is_expanded_in_linear_time(tmp_path, monkeypatch):
    import time

    values = [f"v{n}" for n in range(40_000)]
    notebook = str(Path(__file__).parent / "fixtures" / "notebooks" / "greeting.ipynb")
    entry = {"name": "g", "title": "G", "notebook": notebook, "parameter": "name",
             "values": values, "output": "g/{name}.html"}  # fmt: skip
    plan = tmp_path / "plan.yml"
    plan.write_text(PLAN_TEXT)
    real = yaml.safe_load  # the plan is not parsed (not YAML's time); other files are
    monkeypatch.setattr(
        yaml, "safe_load", lambda text: {"reports": [entry]} if text == PLAN_TEXT else real(text)
    )

    def cpu_seconds(count: int) -> float:
        """CPU time to expand ``count`` values (CPU, not wall: a busy machine does not count)."""
        entry["values"] = values[:count]
        started = time.process_time()
        assert len(load_plan(plan)) == count
        return time.process_time() - started

    small, large = cpu_seconds(4_000), cpu_seconds(40_000)
    # Ten times the values: about ten times the work when linear, a hundred when quadratic.
    assert large < 40 * max(small, 1e-3), (small, large)
    entry["values"] = values
    entry["values"] = [*values, "v7"]
    with pytest.raises(BuildError, match="several reports write g/v7.html"):
        load_plan(plan)
