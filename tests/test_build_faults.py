"""Faults during a build: a page always says what it was built from, whatever happened.

Builds are stopped with real signals, run side by side, and have their data
changed under them. The ``data_version`` fixture notebook shows the mart
version it read and then, given a gate folder (``$HEENB_TEST_GATE``), waits
for a ticket there: a test acts while a page waits, then lets pages through
(:func:`open_gate`), so no test depends on how long anything takes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import psutil
import pytest
import yaml

from heenb.cli import main
from heenb.data.mart import mart_key
from heenb.errors import BuildError, DataChangedError
from heenb.plan import load_plan
from heenb.publish.engine import build
from heenb.publish.lock import LOCK_FILE
from heenb.publish.outcome import BUILT, UP_TO_DATE

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
NAMES = ["a", "b", "c"]


def write_plan(path: Path, names=NAMES) -> Path:
    notebook = str(FIXTURES / "data_version.ipynb")
    entry = {"name": "versions", "title": "Versions", "notebook": notebook, "parameter": "name",
             "values": list(names), "output": "v/{name}.html"}  # fmt: skip
    path.write_text(yaml.safe_dump({"reports": [entry]}))
    return path


def quiet(line: str) -> None:
    """Progress lines are not under test here."""


def changed_copy(source: Path, target: Path) -> Path:
    """A copy of the data with one free-text field changed: valid, another version."""
    shutil.copytree(source, target)
    change_narrative(target)
    return target


def change_narrative(data: Path, words: str = "Changed.") -> None:
    """Append ``words`` to the last narrative of kpi_updates.csv (free text: still valid)."""
    path = data / "kpi_updates.csv"
    text = path.read_text()
    path.write_text(text.rstrip("\n") + " " + words + "\n")


def versions(out: Path) -> dict:
    """The data version each page shows, by page."""
    found = {}
    for page in sorted(out.glob("v/*.html")):
        found[page.stem] = re.search(r"read data (\w+)", page.read_text()).group(1)
    return found


def start_build(plan: Path, out: Path, data: Path, gate: Path) -> subprocess.Popen:
    """``heenb build`` in a process of its own, its pages waiting at ``gate``."""
    command = [sys.executable, "-m", "heenb.cli", "build", "--plan", str(plan), "--out", str(out),
               "--data", str(data), "--workers", "1"]  # fmt: skip
    gate.mkdir(exist_ok=True)
    env = {**os.environ, "HEENB_TEST_GATE": str(gate)}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)  # fmt: skip


def open_gate(gate: Path, pages: int) -> None:
    """Let ``pages`` more pages of a build started by :func:`start_build` finish."""
    for _ in range(pages):
        os.close(tempfile.mkstemp(dir=gate, prefix="ticket-")[0])


def wait_for_line(process: subprocess.Popen, prefix: str, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        if not ready:
            pytest.fail(f"the build printed no line starting {prefix!r} in time")
        line = process.stdout.readline()
        assert line, f"the build ended before printing {prefix!r}: {process.stderr.read()}"
        if line.startswith(prefix):
            return line


def stop_all(process: subprocess.Popen, family: list[psutil.Process]) -> None:
    """Kill what a test left running: the build and any kernel it started."""
    if process.poll() is None:
        process.kill()
        process.wait()
    for member in family:
        with contextlib.suppress(psutil.Error):
            member.kill()


@pytest.fixture
def two_versions(demo_dir, tmp_path):
    """Data X (the small demo) and data Y (X with one field changed), and their versions."""
    x = tmp_path / "x"
    shutil.copytree(demo_dir, x)
    y = changed_copy(demo_dir, tmp_path / "y")
    kx, ky = mart_key(x), mart_key(y)
    assert kx != ky
    return x, y, kx, ky


# --------------------------------------------------------------------------- stopped builds


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_build_stopped_part_way_leaves_no_page_recorded_as_current(tmp_path, two_versions, how):
    x, y, kx, ky = two_versions
    plan, out = write_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    build(data=x, out=out, plan_file=plan, workers=1, progress=quiet)
    assert set(versions(out).values()) == {kx}

    gate = tmp_path / "gate"
    process = start_build(plan, out, y, gate)
    open_gate(gate, 1)
    family = []
    try:
        wait_for_line(process, "[1/")  # one page from Y is written; the next waits at the gate
        family = psutil.Process(process.pid).children(recursive=True)
        if how == signal.SIGTERM:
            os.kill(process.pid, signal.SIGTERM)  # as `kill PID` or a service manager does
        else:
            os.killpg(process.pid, signal.SIGKILL)  # the build and its workers
        code = process.wait(timeout=60)
    finally:
        stop_all(process, family)
    assert ky in versions(out).values()  # the stopped build did write a page

    outcomes = build(data=x, out=out, plan_file=plan, workers=1, progress=quiet)

    assert versions(out) == dict.fromkeys(NAMES, kx)
    assert any(o.status == "built" for o in outcomes)
    if how == signal.SIGTERM:
        assert code == 128 + signal.SIGTERM
        assert "heenb: stopped" in process.stderr.read()


def files_under(out: Path) -> dict[str, tuple[int, int]]:
    """Each file under ``out`` (hidden and temporary ones too) with its mtime and size."""
    found = {}
    for path in out.rglob("*"):
        with contextlib.suppress(FileNotFoundError):
            if path.is_file():
                stat = path.stat()
                found[str(path.relative_to(out))] = (stat.st_mtime_ns, stat.st_size)
    return found


@pytest.mark.slow
def test_a_build_killed_with_sigkill_writes_nothing_more(tmp_path, two_versions):
    x, y, kx, ky = two_versions
    plan, out = write_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    gate = tmp_path / "gate"
    process = start_build(plan, out, x, gate)
    open_gate(gate, 1)
    family = []
    try:
        wait_for_line(process, "[1/")  # the first page is written and recorded
        family = psutil.Process(process.pid).children(recursive=True)
        assert family  # its worker (and the worker's kernel), waiting at the gate
        os.kill(process.pid, signal.SIGKILL)  # the build alone, as the OOM killer would
        process.wait(timeout=30)
        before = files_under(out)
        open_gate(gate, len(NAMES))  # an orphaned worker could now finish every page
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert files_under(out) == before, "a file under --out changed after the kill"
            time.sleep(0.2)
        gone, alive = psutil.wait_procs(family, timeout=10)
        assert alive == [], [" ".join(p.cmdline()[:3]) for p in alive]
    finally:
        stop_all(process, family)
    assert (out / LOCK_FILE).is_file()  # stale: the next build takes it over
    assert len(versions(out)) == 1

    build(data=y, out=out, plan_file=plan, workers=1, progress=quiet)

    assert versions(out) == dict.fromkeys(NAMES, ky)


@pytest.mark.slow
def test_a_build_whose_lock_is_taken_part_way_writes_nothing_more_and_exits_1(
    tmp_path, two_versions
):
    x, y, kx, ky = two_versions
    plan, out = write_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    gate = tmp_path / "gate"
    process = start_build(plan, out, x, gate)
    open_gate(gate, 1)
    try:
        wait_for_line(process, "[1/")
        lock = json.loads((out / LOCK_FILE).read_text())
        (out / LOCK_FILE).write_text(json.dumps({**lock, "pid": 1}))  # as if another took it
        open_gate(gate, len(NAMES))
        code = process.wait(timeout=90)
    finally:
        stop_all(process, [])

    assert code == 1
    err = process.stderr.read()
    assert f"no longer holds its lock {out / LOCK_FILE}" in err and "Traceback" not in err
    assert len(versions(out)) == 1  # the page written before; none after
    record = json.loads((out / "build.json").read_text())
    assert [r["status"] for r in record["reports"]] == [BUILT]


def test_a_worker_whose_build_lost_the_lock_writes_nothing(tmp_path, monkeypatch):
    import nbformat
    import papermill

    from heenb.publish.lock import BuildLock
    from heenb.publish.runner import Runner

    class Kernel:
        manager = object()

        def reset(self, cwd):
            pass

    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page")])
    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: executed)
    (job,) = load_plan(write_plan(tmp_path / "plan.yml", ["a"]))
    out = tmp_path / "out"
    out.mkdir()
    with BuildLock(out) as ours:
        runner = Runner(out, timeout=60, kernel=Kernel(), holder=ours.mine, build_pid=os.getppid())
        runner.close = lambda: None
        assert runner.build(job).status == BUILT
        (out / LOCK_FILE).write_text(json.dumps({**ours.mine, "pid": 1}))  # another build's
        (out / "v" / "a.html").unlink()

        outcome = runner.build(job)

        assert outcome.status == "failed" and outcome.error.startswith("LockLostError: ")
        assert f"no longer holds its lock {out / LOCK_FILE}" in outcome.error
        assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [LOCK_FILE]
        with pytest.raises(BuildError, match="no longer holds its lock"):
            ours.check()
    runner = Runner(out, timeout=60, kernel=Kernel(), build_pid=os.getpid())  # not our parent
    runner.close = lambda: None
    assert runner.build(job).error.startswith("LockLostError: ")


# --------------------------------------------------------------------------- one build per folder


@pytest.mark.slow
def test_a_second_build_into_a_folder_is_refused_and_a_dead_holders_lock_taken_over(
    tmp_path, two_versions
):
    x, y, kx, ky = two_versions
    plan, out = write_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    process = start_build(plan, out, y, tmp_path / "gate")  # its pages wait: it keeps the lock
    family = []
    try:
        wait_for_line(process, "Building")
        family = psutil.Process(process.pid).children(recursive=True)
        with pytest.raises(BuildError) as refused:
            build(data=x, out=out, plan_file=plan, workers=1, progress=quiet)
        message = str(refused.value)
        assert f"process {process.pid} on host {socket.gethostname()}" in message
        assert "Another build is writing into" in message

        os.killpg(process.pid, signal.SIGKILL)  # the holder dies without removing its lock
        process.wait(timeout=30)
    finally:
        stop_all(process, family)
    assert (out / LOCK_FILE).is_file()

    build(data=x, out=out, plan_file=plan, workers=1, progress=quiet)

    assert versions(out) == dict.fromkeys(NAMES, kx)
    assert not (out / LOCK_FILE).exists()


@pytest.mark.parametrize("cause", [errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS])
@pytest.mark.parametrize("step", ["create", "link"])
def test_a_lock_that_cannot_be_made_refuses_the_build_in_one_line(tmp_path, monkeypatch, capsys,
                                                                  cause, step):  # fmt: skip
    """No free inodes (ENOSPC, or EDQUOT on a quota), no permission or a read-only file
    system, when the lock file is created or linked into place: one line naming the lock,
    the cause and what to do; exit status 2; nothing written."""
    plan, out = write_plan(tmp_path / "plan.yml", ["a"]), tmp_path / "reports"
    out.mkdir()
    real_open, real_link = os.open, os.link

    def refused(path) -> OSError:
        return OSError(cause, os.strerror(cause), str(path))

    def fake_open(path, *args, **kwargs):
        if step == "create" and Path(path).name.startswith(".heenb-lock-"):
            raise refused(path)
        return real_open(path, *args, **kwargs)

    def fake_link(source, target, *args, **kwargs):
        if step == "link" and Path(target).name == LOCK_FILE:
            raise refused(target)
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "link", fake_link)

    code = main(["build", "--plan", str(plan), "--out", str(out), "--workers", "1"])

    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(out / LOCK_FILE) in err and os.strerror(cause) in err
    assert ("free" in err) if cause in (errno.ENOSPC, errno.EDQUOT) else ("--out" in err)
    assert list(out.iterdir()) == []  # no lock, no temporary file, no record or outcome


# --------------------------------------------------------------------------- data changed


@pytest.mark.slow
def test_data_changed_during_a_build_gives_pages_of_one_version_and_says_which_file(
    tmp_path, two_versions
):
    x, y, kx, ky = two_versions
    plan, out = write_plan(tmp_path / "plan.yml"), tmp_path / "reports"
    gate = tmp_path / "gate"
    process = start_build(plan, out, x, gate)
    open_gate(gate, 1)
    try:
        wait_for_line(process, "[1/")
        change_narrative(x)  # x now holds another version, part-way through the build
        open_gate(gate, 2)
        code = process.wait(timeout=90)
    finally:
        stop_all(process, [])

    log = json.loads((out / "build.json").read_text())
    assert versions(out) == dict.fromkeys(NAMES, kx) and log["data_hash"] == kx
    assert code == 1
    assert "kpi_updates.csv" in process.stderr.read()
    assert mart_key(x) != kx
    # The next build sees the new data and rebuilds from it.
    build(data=x, out=out, plan_file=plan, workers=1, progress=quiet)
    assert set(versions(out).values()) == {mart_key(x)}


def test_a_raw_file_changed_while_the_mart_is_derived_is_not_cached(data_copy, monkeypatch,
                                                                    tmp_path):  # fmt: skip
    import heenb.data.mart as mart_module

    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    derive = mart_module.derive

    def derive_then_change(raw, catalogue):
        change_narrative(data_copy)
        return derive(raw, catalogue)

    monkeypatch.setattr(mart_module, "derive", derive_then_change)
    with pytest.raises(DataChangedError, match="kpi_updates.csv"):
        mart_module.build_mart(data_copy)
    monkeypatch.setattr(mart_module, "derive", derive)
    assert not (tmp_path / "cache" / "mart").exists()
    assert mart_module.load_mart(data_copy).meta["data_hash"] == mart_key(data_copy)


# --------------------------------------------------------------------------- provenance


@pytest.mark.slow
def test_every_page_names_the_data_folder_and_version_it_was_built_from(tmp_path, demo_dir):
    data = tmp_path / "regional-extract-2026"
    shutil.copytree(demo_dir, data)
    plan, out = write_plan(tmp_path / "plan.yml", ["a"]), tmp_path / "reports"
    build(data=data, out=out, plan_file=plan, workers=1, progress=quiet)

    key = mart_key(data)
    for page in ("v/a.html", "index.html"):
        footer = (out / page).read_text().split('<footer class="heenb-footer">')[1]
        assert f"<dt>Data</dt><dd>regional-extract-2026, version {key}</dd>" in footer, page
    index = (out / "index.html").read_text()
    assert "data=regional-extract-2026" in index
    assert "data=None" not in index
    assert str(tmp_path) not in index  # only the folder's name is published


# --------------------------------------------------------------------------- write failures


@pytest.mark.slow
def test_a_page_that_cannot_be_written_fails_alone_with_its_path_and_cause(tmp_path, capsys):
    plan = tmp_path / "plan.yml"
    notebook = str(FIXTURES / "data_version.ipynb")
    plan.write_text(yaml.safe_dump({"reports": [
        {"name": "v", "title": "V", "notebook": notebook, "parameter": "name", "values": ["a"],
         "output": "v/{name}.html"},
        {"name": "w", "title": "W", "notebook": notebook, "parameter": "name", "values": ["b"],
         "output": "w/{name}.html"},
    ]}))  # fmt: skip
    out = tmp_path / "reports"
    out.mkdir()
    (out / "v").write_text("a file where the v/ folder should be")

    code = main(["build", "--plan", str(plan), "--out", str(out), "--workers", "1"])

    assert code == 1
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("FAILED v/a.html")]
    assert f"cannot write {out / 'v' / 'a.html'} (File exists: {out / 'v'})" in line
    assert "Traceback" not in err
    assert (out / "w" / "b.html").is_file()
    assert json.loads((out / "build.json").read_text())["counts"]["failed"] == 1


def test_an_unwritable_mart_cache_stops_the_build_with_one_line(tmp_path, data_copy, capsys,
                                                                monkeypatch):  # fmt: skip
    (tmp_path / "cache-file").write_text("not a folder")
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache-file"))
    plan, out = write_plan(tmp_path / "plan.yml", ["a"]), tmp_path / "reports"

    code = main(["build", "--plan", str(plan), "--out", str(out), "--data", str(data_copy)])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"heenb: The mart cache {tmp_path / 'cache-file'}")
    assert "cannot be written (Not a directory); set HEENB_CACHE" in err
    assert len(err.strip().splitlines()) == 1


def test_the_exporter_takes_the_title_and_data_version_as_metadata():
    import nbformat

    from heenb.render.facts import PageFacts
    from heenb.render.html import ReportExporter

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# A heading\n\n<dl><dt>Data version</dt><dd>from-the-body</dd></dl>")])  # fmt: skip
    page = ReportExporter().to_html(notebook, PageFacts("extract", "k123"), title="North East")
    assert "<title>North East</title>" in page
    footer = page.split('<footer class="heenb-footer">')[1]
    assert "<dt>Data</dt><dd>extract, version k123</dd>" in footer
    assert "from-the-body" not in footer


def _exported(html_output: str) -> tuple[str, str]:
    """A notebook of a Markdown cell and an HTML output exported by our exporter and by
    nbconvert's HTMLExporter with the same template."""
    import nbformat
    from nbconvert import HTMLExporter

    from heenb.render.html import TEMPLATES, ReportExporter

    output = nbformat.v4.new_output("display_data", data={"text/html": html_output})
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A heading\n\nHEE's text & more<br>"),
        nbformat.v4.new_code_cell("report.section()", outputs=[output]),
    ])  # fmt: skip
    options = {"extra_template_basedirs": [str(TEMPLATES)], "template_name": "heenb",
               "exclude_input": True}  # fmt: skip
    ours = ReportExporter()._exporter.from_notebook_node(notebook, {"heenb_css": ""})[0]
    theirs = HTMLExporter(**options).from_notebook_node(notebook, {"heenb_css": ""})[0]
    return ours, theirs


def test_the_exporter_writes_the_document_nbconvert_does_without_parsing_it_again():
    """nbconvert's last pass parses the whole page with BeautifulSoup and writes it out again
    (90% of the export's time); when every image has alt text it changes only the spelling."""
    from bs4 import BeautifulSoup

    ours, theirs = _exported(
        "<figure><img src='data:image/png;base64,AAAA' alt='A chart' width=1><br>"
        "<figcaption>Rates &amp; counts</figcaption></figure>"
    )
    assert ours != theirs and "alt='A chart'" in ours  # as our template wrote it
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs


def test_an_image_without_alt_text_still_gets_nbconverts_placeholder():
    ours, theirs = _exported("<p><img src='data:image/png;base64,AAAA'></p>")
    assert ours == theirs
    assert 'alt="No description has been provided for this image"' in ours


# --------------------------------------------------------------------------- someone else's folder


@pytest.mark.parametrize(
    ("name", "content"),
    [("index.html", "<html><body>My own site</body></html>\n"),
     ("changes.html", "<html><body>My own changes</body></html>\n"),
     ("build.json", '{"name": "my-app", "version": "1.0.0"}\n'),
     ("outcome.json", '{"result": "mine"}\n')],
)  # fmt: skip
def test_a_build_never_overwrites_an_index_or_build_record_it_did_not_write(tmp_path, name,
                                                                            content):  # fmt: skip
    out = tmp_path / "someones-folder"
    out.mkdir()
    (out / name).write_text(content)
    plan = write_plan(tmp_path / "plan.yml", ["a"])

    with pytest.raises(BuildError, match=f"{name} in {out} was not written by heenb"):
        build(out=out, plan_file=plan, workers=1, progress=quiet)

    assert (out / name).read_text() == content
    assert sorted(p.name for p in out.iterdir()) == [name]


@pytest.mark.slow
def test_a_folder_heenb_built_is_rebuilt_without_complaint(tmp_path):
    plan, out = write_plan(tmp_path / "plan.yml", ["a"]), tmp_path / "reports"
    build(out=out, plan_file=plan, workers=1, progress=quiet)
    outcomes = build(out=out, plan_file=plan, workers=1, progress=quiet, force=True)
    assert {o.status for o in outcomes} == {"built"}


# --------------------------------------------------------------------------- timeouts


def test_the_wait_for_a_cells_output_follows_the_build_timeout(tmp_path, monkeypatch):
    import papermill

    from heenb.publish.runner import Runner

    class Kernel:
        manager = object()

        def reset(self, cwd):
            pass

    seen = {}

    def execute_notebook(*args, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    (job,) = load_plan(write_plan(tmp_path / "plan.yml", ["a"]))
    runner = Runner(tmp_path / "out", timeout=1234, kernel=Kernel())
    runner.close = lambda: None
    outcome = runner.build(job)
    assert outcome.error == "RuntimeError: stop here"
    assert seen["execution_timeout"] == 1234
    assert seen["iopub_timeout"] == 1234  # nbclient's default is 4 s whatever --timeout says


@pytest.mark.slow
def test_a_page_whose_spreadsheet_was_deleted_or_edited_is_rebuilt(tmp_path):
    out = tmp_path / "reports"
    build(out=out, only="programme/putting-people-first", workers=1, progress=quiet)
    workbook = out / "programme" / "putting-people-first.xlsx"
    record = json.loads((out / "build.json").read_text())
    entry = next(r for r in record["reports"] if r["output"].startswith("programme/"))
    assert workbook.is_file() and entry["spreadsheet"]

    def statuses() -> set:
        outcomes = build(out=out, only="programme/putting-people-first", workers=1,
                         progress=quiet)  # fmt: skip
        return {o.status for o in outcomes if o.output.startswith("programme/")}

    assert statuses() == {UP_TO_DATE}
    workbook.unlink()
    assert statuses() == {BUILT} and workbook.is_file()
    workbook.write_bytes(workbook.read_bytes() + b"edited")
    assert statuses() == {BUILT}


# --------------------------------------------------------------------------- confined to --out


def test_a_build_refuses_a_page_folder_that_is_a_symbolic_link_elsewhere(tmp_path, capsys):
    plan, out = write_plan(tmp_path / "plan.yml", ["a"]), tmp_path / "reports"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "v").symlink_to(elsewhere, target_is_directory=True)

    code = main(["build", "--plan", str(plan), "--out", str(out), "--workers", "1"])

    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{out / 'v'} is a symbolic link to {elsewhere}" in err
    assert "heenb writes only inside" in err
    assert list(elsewhere.iterdir()) == []
    assert json.loads((out / "outcome.json").read_text())["result"] == "refused"


def test_a_worker_never_writes_through_a_folder_linked_after_the_build_started(
    tmp_path, monkeypatch
):
    import nbformat
    import papermill

    from heenb.publish.runner import Runner

    class Kernel:
        manager = object()

        def reset(self, cwd):
            pass

    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page")])
    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: executed)
    (job,) = load_plan(write_plan(tmp_path / "plan.yml", ["a"]))
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "v").symlink_to(elsewhere, target_is_directory=True)
    runner = Runner(out, timeout=60, kernel=Kernel())
    runner.close = lambda: None

    outcome = runner.build(job)

    assert outcome.status == "failed"
    assert outcome.error.startswith(f"WriteError: cannot write {out / 'v' / 'a.html'}: ")
    assert f"{out / 'v'} is a symbolic link to {elsewhere}" in outcome.error
    assert list(elsewhere.iterdir()) == []


# --------------------------------------------------------------------------- page and spreadsheet


@pytest.mark.slow
def test_a_page_and_its_spreadsheet_are_published_together_even_on_sigterm(tmp_path, monkeypatch):
    import nbformat
    import papermill

    from heenb.publish.runner import Runner
    from heenb.report.blocks import TABLES_MIME

    def executed(version: str):
        table = {"caption": f"Version {version}", "columns": ["Area", "Learners"],
                 "rows": [["York", "5"]], "note": "", "national": False}  # fmt: skip
        data = {"text/html": f"<p>page {version}</p>", TABLES_MIME: {"tables": [table]}}
        output = nbformat.v4.new_output("display_data", data=data)
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])

    class Kernel:
        manager = object()

        def reset(self, cwd):
            pass

    (job,) = load_plan(write_plan(tmp_path / "plan.yml", ["a"]))
    out = tmp_path / "out"
    out.mkdir()
    page, workbook = out / "v" / "a.html", out / "v" / "a.xlsx"
    runner = Runner(out, timeout=60, kernel=Kernel())
    runner.close = lambda: None
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: executed("A"))
    assert runner.build(job).status == BUILT

    def shown() -> tuple[str, str]:
        with zipfile.ZipFile(workbook) as archive:
            strings = archive.read("xl/sharedStrings.xml").decode()
        sheet = re.search(r"Version (\w)", strings).group(1)
        return re.search(r"page (\w)", page.read_text()).group(1), sheet

    assert shown() == ("A", "A")
    replace = os.replace

    def replace_then_stop(source, target, *args, **kwargs):
        replace(source, target, *args, **kwargs)
        if str(target).endswith(".xlsx"):  # SIGTERM between the two renames
            os.kill(os.getpid(), signal.SIGTERM)

    def stop(signum, frame):  # as a worker does (heenb.publish.pool)
        raise SystemExit(128 + signum)

    monkeypatch.setattr(os, "replace", replace_then_stop)
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: executed("B"))
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(SystemExit):
            runner.build(job)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert shown() == ("B", "B")  # both from the same run, never page A with spreadsheet B
    assert sorted(p.name for p in page.parent.iterdir()) == ["a.html", "a.xlsx"]
