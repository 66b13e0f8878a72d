"""A full disk while a build writes: one clear line naming the file and what to do, nothing
half-written left looking finished, and the documented exit status (1: the build ran but
published less than asked).

The disk is made full for one file at a time: the temporary file heenb writes before
renaming it into place is made a link to ``/dev/full``, where every write fails with
ENOSPC, as on a full disk (the real error, through every layer that writes: XlsxWriter's
zip file included).
"""

from __future__ import annotations

import errno
import gc
import json
import os
from pathlib import Path

import pytest
import yaml

import heenb.files
from heenb.cli import main
from heenb.plan import load_plan
from heenb.publish.outcome import BUILT

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
FULL = Path("/dev/full")

pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")


def full_disk_for(monkeypatch, module, names: set[str]) -> list[Path]:
    """Make ``module.temporary_beside`` give, for a target named in ``names`` (or with a
    suffix in it), a temporary file on a full disk (a link to /dev/full); returns the
    targets it did so for."""
    real = module.temporary_beside
    hit: list[Path] = []

    def temporary_beside(target: Path) -> Path:
        temporary = real(target)
        if target.name in names or target.suffix in names:
            hit.append(target)
            temporary.unlink()
            temporary.symlink_to(FULL)
        return temporary

    monkeypatch.setattr(module, "temporary_beside", temporary_beside)
    return hit


def test_dev_full_is_a_full_disk(tmp_path):
    with pytest.raises(OSError) as full:
        (tmp_path / "x").symlink_to(FULL)
        (tmp_path / "x").write_bytes(b"x" * 10_000)
    assert full.value.errno == errno.ENOSPC


def write_plan(path: Path, names=("a",)) -> Path:
    notebook = str(FIXTURES / "data_version.ipynb")
    entry = {"name": "versions", "title": "Versions", "notebook": notebook, "parameter": "name",
             "values": list(names), "output": "v/{name}.html"}  # fmt: skip
    path.write_text(yaml.safe_dump({"reports": [entry]}))
    return path


def a_page_with_a_table(monkeypatch):
    """papermill "runs" a notebook whose one output is a page with one table."""
    import nbformat
    import papermill

    from heenb.report.blocks import TABLES_MIME

    table = {"caption": "Learners", "columns": ["Area", "Learners"], "rows": [["York", "5"]],
             "note": "", "national": False}  # fmt: skip
    data = {"text/html": "<p>the page</p>", TABLES_MIME: {"tables": [table]}}
    output = nbformat.v4.new_output("display_data", data=data)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: notebook)


class Kernel:
    manager = object()

    def reset(self, cwd):
        pass


@pytest.mark.parametrize("full", [".xlsx", ".html"], ids=["spreadsheet", "page"])
def test_a_page_or_spreadsheet_on_a_full_disk_fails_alone_naming_it(
    tmp_path, monkeypatch, capfd, full
):
    import heenb.publish.runner as runner_module

    a_page_with_a_table(monkeypatch)
    (job,) = load_plan(write_plan(tmp_path / "plan.yml"))
    out = tmp_path / "out"
    out.mkdir()
    hit = full_disk_for(monkeypatch, runner_module, {full})
    runner = runner_module.Runner(out, timeout=60, kernel=Kernel())
    runner.close = lambda: None

    outcome = runner.build(job)
    gc.collect()  # anything left half-closed would complain now

    target = (out / "v" / "a").with_suffix(full)
    assert hit == [target]
    assert outcome.status == "failed"
    assert outcome.error == (
        f"WriteError: cannot write {target} (No space left on device); free space on its "
        "disk, then build again"
    )
    err = capfd.readouterr().err
    assert "Exception ignored" not in err and "Traceback" not in err, err
    assert list((out / "v").iterdir()) == []  # neither published, no temporary file left


def test_an_atomic_write_on_a_full_disk_names_its_file_and_leaves_the_old_one(
    tmp_path, monkeypatch
):
    target = tmp_path / "build.json"
    target.write_text('{"old": true}\n')
    full_disk_for(monkeypatch, heenb.files, {"build.json"})

    with pytest.raises(OSError) as full:
        heenb.files.write_atomically(target, json.dumps({"new": "x" * 100_000}))

    assert full.value.errno == errno.ENOSPC and full.value.filename == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["build.json"]
    assert target.read_text() == '{"old": true}\n'


@pytest.mark.slow
@pytest.mark.parametrize("full", ["build.json", "outcome.json"])
def test_a_build_whose_record_meets_a_full_disk_says_so_in_one_line_and_exits_1(
    tmp_path, data_copy, monkeypatch, capsys, full
):
    plan, out = write_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    build = ["build", "--plan", str(plan), "--out", str(out), "--data", str(data_copy),
             "--workers", "1", "--force"]  # fmt: skip
    assert main(build) == 0
    before = {name: (out / name).read_bytes() for name in ("build.json", "outcome.json")}
    capsys.readouterr()
    hit = full_disk_for(monkeypatch, heenb.files, {full})

    code = main(build)  # workers are processes of their own: only the build's disk is full

    assert hit and code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"heenb: Cannot write {out / full} (No space left on device): ")
    assert "free space on its disk, then run heenb build again" in line
    leftovers = [p.name for p in out.rglob(".*") if p.name.endswith(".tmp")]
    assert leftovers == []
    if full == "build.json":  # the record as it was: the rebuilt page does not match it
        assert (out / "build.json").read_bytes() == before["build.json"]
        outcome = json.loads((out / "outcome.json").read_text())
        assert (outcome["result"], outcome["exit_status"]) == ("incomplete", 1)
        assert outcome["error"] == line.removeprefix("heenb: ").replace(str(out), "reports")
        assert outcome["pages"][0]["status"] == "built"  # written, then not recorded
    else:  # no outcome is left that is not this run's
        assert not (out / "outcome.json").exists()
    monkeypatch.undo()
    main(build[:-1])  # without --force: whatever does not match its record is rebuilt
    outcome = json.loads((out / "outcome.json").read_text())
    assert outcome["result"] == "complete"
    assert json.loads((out / "build.json").read_text())["reports"][0]["status"] in (
        BUILT,
        "up-to-date",
    )
    assert os.listdir(out / "v") == ["a.html"]


def test_a_release_on_a_full_disk_names_its_file_and_leaves_no_release(tmp_path, monkeypatch):
    from heenb.publish.release import make_release
    from heenb.report.changes import releases

    heenb.files.write_atomically(tmp_path / "index.html", "<html><body></body></html>")
    full_disk_for(monkeypatch, heenb.files, {"release.json"})

    with pytest.raises(heenb.files.FileWriteError) as full:
        make_release(tmp_path, {"index.html": "Index"}, {"data_hash": "abc123"})

    assert full.value.errno == errno.ENOSPC
    assert Path(full.value.filename).name == "release.json"
    assert releases(tmp_path) == []
    assert list((tmp_path / "releases").iterdir()) == []  # no staging folder left
