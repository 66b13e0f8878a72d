"""The build engine: isolated failures, warm-kernel equivalence, incremental builds, Ctrl-C.

Plans are written to ``tmp_path`` and mix real reports with the notebooks in
``tests/fixtures/notebooks`` that raise, hang past the timeout and kill their
own kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml

from heenb.cli import main
from heenb.data.mart import mart_key
from heenb.data.published import published_files
from heenb.errors import BuildError
from heenb.plan import load_plan
from heenb.publish import inputs as inputs_module
from heenb.publish.engine import build
from heenb.publish.outcome import BUILT, FAILED, UP_TO_DATE, Outcome
from heenb.publish.pool import WorkerPool
from heenb.publish.record import BuildRecord
from heenb.render.facts import PageFacts

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
OBJECTIVES = ["restoration-recovery", "maternity"]
#: heenb's own pages, built after the plan's reports: the page of changes and the index.
OWN_PAGES = ("changes.html", "index.html")


def entry(notebook, parameter, values, output, name="fixtures") -> dict:
    """One plan entry; ``notebook`` is a fixture name or a path."""
    path = FIXTURES / f"{notebook}.ipynb" if isinstance(notebook, str) else notebook
    return {"name": name, "title": name.title(), "notebook": str(path), "parameter": parameter,
            "values": values, "output": output}  # fmt: skip


def objectives(values=OBJECTIVES) -> dict:
    notebook = Path("notebooks/objective.ipynb")
    return {**entry(notebook, "objective", values, "objective/{objective}.html", name="objective"),
            "check": "objective"}  # fmt: skip


def write_plan(path: Path, *entries) -> Path:
    path.write_text(yaml.safe_dump({"reports": list(entries)}))
    return path


def statuses(out: Path) -> dict:
    log = json.loads((out / "build.json").read_text())
    return {report["output"]: report["status"] for report in log["reports"]}


def mtimes(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.html")}


def leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def quiet(line: str) -> None:
    """Progress lines are not under test here."""


def forbid_workers(monkeypatch) -> None:
    import heenb.publish.pool

    monkeypatch.setattr(
        heenb.publish.pool, "_Worker", lambda *a: pytest.fail("a worker was started")
    )


def by_output(outcomes) -> dict:
    return {o.output: o for o in outcomes}


# --------------------------------------------------------------------------- failures


#: --timeout for a build mixing real reports with one that hangs: far above any real cell
#: on a busy machine (restoration-recovery's report.headline() took 14 s at load 7.5 on two
#: cores, so 5 s failed there), so only the hanging report times out.
CELL_TIMEOUT = 60


@pytest.mark.slow
def test_failures_are_isolated_recorded_and_summarised(tmp_path, capsys):
    # The failing notebooks take the outputs of three objective reports: the index
    # (which lists this plan) must then mark those three as failed. The hanging one
    # comes first, so its timeout runs while the other worker builds the rest.
    plan = write_plan(
        tmp_path / "plan.yml",
        entry("hangs", "seconds", [600], "objective/quality-framework.html"),
        objectives(),
        entry("raises", "fail", [True], "objective/learner-voice.html"),
        entry("dies", "signal_number", [9], "objective/cross-cutting.html"),
    )
    out = tmp_path / "reports"
    argv = ["build", "--plan", str(plan), "--out", str(out), "--workers", "2",
            "--timeout", str(CELL_TIMEOUT)]  # fmt: skip

    assert main(argv) == 1

    assert statuses(out) == {
        "objective/restoration-recovery.html": BUILT, "objective/maternity.html": BUILT,
        "objective/learner-voice.html": FAILED, "objective/quality-framework.html": FAILED,
        "objective/cross-cutting.html": FAILED, "changes.html": BUILT, "index.html": BUILT,
    }  # fmt: skip
    stderr = capsys.readouterr().err
    assert "FAILED objective/learner-voice.html: ValueError: this report fails on purpose" in stderr
    assert "FAILED objective/quality-framework.html: CellTimeoutError: A cell timed out" in stderr
    assert "FAILED objective/cross-cutting.html: DeadKernelError" in stderr
    for name in ("learner-voice", "quality-framework", "cross-cutting"):
        kept = nbformat.read(out / "_failed" / "objective" / f"{name}.ipynb", as_version=4)
        assert kept.metadata.papermill.parameters  # papermill's annotated notebook
        assert not (out / "objective" / f"{name}.html").exists()
    for objective in OBJECTIVES:
        assert "<h1" in (out / "objective" / f"{objective}.html").read_text()
    index = (out / "index.html").read_text()
    assert "3 report(s) failed in the latest build" in index
    assert index.count("failed in the latest build; no page") == 3
    assert leftovers(out) == []


@pytest.mark.slow
def test_a_failed_rebuild_keeps_the_previous_page_marked_stale(tmp_path):
    out, output = tmp_path / "reports", "objective/learner-voice.html"
    plan = write_plan(tmp_path / "plan.yml", entry("raises", "fail", [False], output))
    build(out=out, plan_file=plan, workers=1, progress=quiet)
    page = (out / output).read_text()
    assert "no failure" in page

    write_plan(plan, entry("raises", "fail", [True], output))
    outcomes = by_output(build(out=out, plan_file=plan, workers=1, progress=quiet))

    assert outcomes[output].status == FAILED
    assert (out / output).read_text() == page
    assert (out / "_failed" / "objective" / "learner-voice.ipynb").is_file()
    assert "this page is from an earlier build" in (out / "index.html").read_text()


# --------------------------------------------------------------------------- equivalence


def _outputs(notebook) -> list:
    """Each cell's outputs and execution count: what must match, timings apart."""
    return [(c.cell_type, c.get("execution_count"), c.get("outputs")) for c in notebook.cells]


def _without_build_time(page: str) -> str:
    return re.sub(r"<dt>Built</dt><dd>[^<]*</dd>", "", page)


@pytest.mark.slow
def test_a_report_built_in_a_reused_kernel_equals_plain_papermill(tmp_path):
    import papermill

    from heenb.publish.runner import Runner
    from heenb.render.html import ReportExporter

    plan = write_plan(
        tmp_path / "plan.yml",
        objectives(["quality-framework"]),
        entry(Path("notebooks/region.ipynb"), "area", ["Y60"], "area/{area}.html", name="area"),
        objectives(["maternity"]),
    )
    first, area, job = load_plan(plan)
    # Plain papermill, a fresh kernel: the reference.
    plain = papermill.execute_notebook(
        str(job.notebook), str(tmp_path / "plain.ipynb"), parameters=dict(job.parameters),
        kernel_name="python3", progress_bar=False, cwd=str(job.notebook.parent),
    )  # fmt: skip
    data = Path(os.environ["HEENB_DATA"])
    facts = PageFacts(data.name, mart_key(data)).reading(  # what the build tells the exporter
        published_files(job.sources), raw=bool(job.raw_sources)
    )
    plain_page = _without_build_time(ReportExporter().to_html(plain, facts, job.label, job.output))

    # The executed notebook, from a worker's runner after two other reports in its kernel.
    runner = Runner(tmp_path / "runner", timeout=120)
    try:
        runner.build(first)
        kernel = runner.kernel
        runner.build(area)
        batch = runner.execute(job, tmp_path / "batch.ipynb")
        assert runner.kernel is kernel  # one kernel served all three reports
    finally:
        runner.close()
    assert _outputs(batch) == _outputs(plain)
    cells = len([c for c in plain.cells if c.cell_type == "code"])
    assert [c.execution_count for c in batch.cells if c.cell_type == "code"] == list(
        range(1, cells + 1)
    )  # counts restart at 1, whatever the notebook's length

    # The page, from a whole build with one worker (so the kernel was reused).
    out = tmp_path / "reports"
    build(out=out, plan_file=plan, workers=1, progress=quiet)
    assert _without_build_time((out / job.output).read_text()) == plain_page


# --------------------------------------------------------------------------- incremental


@pytest.mark.slow
def test_a_page_that_links_to_other_reports_is_rebuilt_when_the_plans_pages_change(tmp_path):
    """Fails without ``links``: a region page lists links to its offices' and STPs' pages, and
    a page built from an older plan would keep links to pages that are no longer built."""
    out, plan_path = tmp_path / "reports", tmp_path / "plan.yml"

    def run(names) -> dict:
        linked = {**entry("greeting", "name", ["x"], "linked/{name}.html", name="linked"),
                  "links": True}  # fmt: skip
        plan = write_plan(plan_path, entry("greeting", "name", names, "hello/{name}.html"), linked)
        outcomes = build(out=out, plan_file=plan, workers=1, progress=quiet)
        return {o.output: o.status for o in outcomes if o.output not in OWN_PAGES}

    assert set(run(["a"]).values()) == {BUILT}
    assert run(["a", "b"]) == {"hello/a.html": UP_TO_DATE, "hello/b.html": BUILT,
                               "linked/x.html": BUILT}  # fmt: skip
    assert set(run(["a", "b"]).values()) == {UP_TO_DATE}


@pytest.mark.slow
def test_a_build_tells_its_kernels_which_plan_it_builds(tmp_path, monkeypatch):
    """Pages that link to other reports read the plan being built, not reports.yml."""
    plan = write_plan(tmp_path / "plan.yml", entry("greeting", "name", ["a"], "a.html"))
    seen = {}
    real = WorkerPool.run

    def spy(self, jobs, finished):
        seen["plan"] = os.environ.get("HEENB_PLAN")
        return real(self, jobs, finished)

    monkeypatch.setattr(WorkerPool, "run", spy)
    monkeypatch.delenv("HEENB_PLAN", raising=False)
    build(out=tmp_path / "reports", plan_file=plan, workers=1, progress=quiet)
    assert seen["plan"] == str(plan.resolve())
    assert "HEENB_PLAN" not in os.environ  # restored after the build


@pytest.mark.slow
def test_only_reports_whose_inputs_changed_are_rebuilt(tmp_path, monkeypatch):
    notebook = tmp_path / "greeting.ipynb"
    shutil.copyfile(FIXTURES / "greeting.ipynb", notebook)
    out, plan_path = tmp_path / "reports", tmp_path / "plan.yml"

    def run(names, **options) -> dict:
        plan = write_plan(plan_path, entry(notebook, "name", names, "hello/{name}.html"),
                          entry("raises", "fail", [False], "raises.html"))  # fmt: skip
        outcomes = build(out=out, plan_file=plan, workers=1, progress=quiet, **options)
        return {o.output: o.status for o in outcomes if o.output not in OWN_PAGES}

    assert set(run(["a", "b"]).values()) == {BUILT}
    before = mtimes(out)

    with monkeypatch.context() as patched:  # nothing to do: no worker may start
        forbid_workers(patched)
        started = time.process_time()  # work done here, however busy the machine is
        assert set(run(["a", "b"]).values()) == {UP_TO_DATE}
        assert time.process_time() - started < 3
    assert mtimes(out) == before

    # A parameter value changed: only the new report is built; a deleted page is rebuilt.
    (out / "raises.html").unlink()
    assert run(["a", "c"]) == {"hello/a.html": UP_TO_DATE, "hello/c.html": BUILT,
                               "raises.html": BUILT}  # fmt: skip
    record = json.loads((out / "build.json").read_text())
    assert [r["output"] for r in record["reports"]] == ["hello/a.html", "hello/c.html",
                                                        "raises.html", "changes.html",
                                                        "index.html"]  # fmt: skip
    assert not (out / ".heenb-manifest.json").exists()  # one build record

    # The notebook changed: its reports are rebuilt, the other is not.
    book = nbformat.read(notebook, as_version=4)
    book.cells[-1].source = book.cells[-1].source.replace("Hello", "Good morning")
    nbformat.write(book, notebook)
    before = mtimes(out)
    assert run(["a", "c"]) == {"hello/a.html": BUILT, "hello/c.html": BUILT,
                               "raises.html": UP_TO_DATE}  # fmt: skip
    after = mtimes(out)
    assert after["raises.html"] == before["raises.html"]
    assert after["hello/a.html"] != before["hello/a.html"]
    assert "Good morning, a!" in (out / "hello" / "a.html").read_text()

    assert set(run(["a", "c"], force=True).values()) == {BUILT}


@pytest.mark.slow
def test_a_changed_raw_file_rebuilds_only_the_reports_that_read_it(tmp_path, data_copy):
    plan = write_plan(
        tmp_path / "plan.yml",
        {**entry("greeting", "name", ["a"], "kpis/{name}.html"), "sources": ["kpi_updates"]},
        {**entry("greeting", "name", ["b"], "projects/{name}.html", name="projects"),
         "sources": ["programme_updates", "programme_projects"]},
    )  # fmt: skip
    out = tmp_path / "reports"
    build(data=data_copy, out=out, plan_file=plan, workers=1, progress=quiet)
    updates = data_copy / "programme_updates.csv"
    updates.write_text(updates.read_text().rstrip("\n") + " One more sentence.\n")

    outcomes = by_output(build(data=data_copy, out=out, plan_file=plan, workers=1, progress=quiet))

    assert outcomes["kpis/a.html"].status == UP_TO_DATE
    assert outcomes["projects/b.html"].status == BUILT
    assert statuses(out)["kpis/a.html"] == UP_TO_DATE
    assert "not rebuilt" not in (out / "index.html").read_text()  # both pages are current


def test_data_and_code_changes_make_every_report_stale(tmp_path):
    package = tmp_path / "package"
    (package / "templates").mkdir(parents=True)
    (package / "module.py").write_text("x = 1\n")
    (package / "templates" / "page.css").write_text("body {}\n")
    original = inputs_module.code_hash(package)
    (package / "templates" / "page.css").write_text("body { margin: 0 }\n")
    assert inputs_module.code_hash(package) != original

    plan = write_plan(tmp_path / "plan.yml", entry("greeting", "name", ["a"], "a.html"))
    (job,) = load_plan(plan)
    (tmp_path / "a.html").write_text("page")
    inputs = inputs_module.job_inputs(job, "notebook-hash", "data-1", "code-1")

    def record(now: dict) -> BuildRecord:
        return BuildRecord(tmp_path, [job], {"a.html": now}, {})

    record(inputs).note(job, Outcome("a.html", BUILT, 1.0), 1.0)
    assert record(inputs).is_current(job)
    assert not record({**inputs, "data": "data-2"}).is_current(job)
    assert not record({**inputs, "code": "code-2"}).is_current(job)
    (tmp_path / "a.html").write_text("a page changed by hand")
    assert not record(inputs).is_current(job)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"only": "nope"}, "no report matches nope"),
        ({"timeout": 0}, "--timeout must be"),
        ({"workers": 0}, "--workers must be"),
        ({"out": "{tmp}/a-file/reports"}, "cannot be written"),
    ],
)
def test_bad_options_stop_the_build_before_any_work(tmp_path, monkeypatch, options, message):
    forbid_workers(monkeypatch)
    (tmp_path / "a-file").write_text("not a folder")
    plan = write_plan(tmp_path / "plan.yml", entry("greeting", "name", ["a"], "{name}.html"))
    options = {"out": str(tmp_path / "reports"), **options}
    options["out"] = options["out"].format(tmp=tmp_path)
    with pytest.raises(BuildError, match=re.escape(message)):
        build(plan_file=plan, progress=quiet, **options)


@pytest.mark.parametrize(
    ("bad_entry", "message"),
    [
        (entry("missing", "name", ["a"], "{name}.html"), "does not exist"),
        (objectives(["no-such-objective"]), "no-such-objective"),
    ],
)
def test_a_bad_plan_stops_the_build_before_any_work(tmp_path, bad_entry, message):
    plan = write_plan(tmp_path / "plan.yml", bad_entry)
    with pytest.raises(BuildError, match=message):
        build(out=tmp_path / "reports", plan_file=plan, progress=quiet)
    assert not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- Ctrl-C


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _read_line(stream, deadline: float) -> str:
    remaining = deadline - time.monotonic()
    ready, _, _ = select.select([stream], [], [], max(remaining, 0))
    if not ready:
        pytest.fail("the build printed nothing in time")
    return stream.readline()


@pytest.mark.slow
def test_ctrl_c_stops_workers_and_kernels_and_leaves_no_temporary_files(tmp_path):
    plan = write_plan(
        tmp_path / "plan.yml",
        entry("greeting", "name", ["a"], "hello/{name}.html"),
        entry("hangs", "seconds", [600, 601], "hangs/{seconds}.html"),
    )
    out, started = tmp_path / "reports", tmp_path / "started"
    started.mkdir()
    command = [sys.executable, "-m", "heenb.cli", "build", "--plan", str(plan), "--out", str(out),
               "--workers", "2"]  # fmt: skip
    env = {**os.environ, "HEENB_TEST_STARTED": str(started)}  # the hanging reports say so there
    errors = (tmp_path / "stderr").open("w+")  # a file, not a pipe nobody reads while it runs
    # As a terminal starts a command: Ctrl-C not ignored. A test run started in the background
    # by a non-interactive shell (`pytest &`, `nohup make test &`) has SIGINT ignored, and a
    # child inherits that; the build, rightly, then ignored Ctrl-C too and hung this test.
    build_process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                     start_new_session=True, env=env,
                                     preexec_fn=_ctrl_c_as_at_a_terminal)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (line := _read_line(build_process.stdout, deadline)).startswith("[1/"):
            assert line, "the build ended early"
        deadline = time.monotonic() + 60
        while sorted(p.name for p in started.iterdir()) != ["600", "601"]:
            assert time.monotonic() < deadline, "the hanging reports did not start in time"
            time.sleep(0.05)  # until both workers are inside a hanging report
        family = _descendants(build_process.pid)
        assert sum("ipykernel" in " ".join(p.cmdline()) for p in family) == 2
        os.killpg(build_process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
        # It stops in seconds; the bound only ends a hung build (30 s was once not enough
        # while a benchmark loaded both cores).
        try:
            status = build_process.wait(timeout=180)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the build did not stop on Ctrl-C:\n{_hung(build_process, errors)}")
        assert status == 130
    finally:
        if build_process.poll() is None:
            build_process.kill()
    gone, alive = psutil.wait_procs(family, timeout=5)
    assert alive == []
    assert leftovers(out) == []
    assert (out / "hello" / "a.html").is_file()
    errors.seek(0)
    assert "heenb: stopped." in errors.read()


def _ctrl_c_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _hung(build_process: subprocess.Popen, errors) -> str:
    """What a build that did not stop was doing: each of its processes' state, where it
    waits in the kernel and its signal masks, then the stacks the build dumps on SIGUSR1
    (heenb.cli) and what it wrote on standard error."""
    lines = []
    for process in [psutil.Process(build_process.pid), *_descendants(build_process.pid)]:
        with contextlib.suppress(OSError, psutil.Error):
            status = Path(f"/proc/{process.pid}/status").read_text().splitlines()
            masks = " ".join(s.replace("\t", "") for s in status if s.startswith("Sig"))
            wchan = Path(f"/proc/{process.pid}/wchan").read_text()
            lines.append(f"{process.pid} {process.status()} in {wchan}: {masks} "
                         f"{' '.join(process.cmdline())[:100]}")  # fmt: skip
    os.kill(build_process.pid, signal.SIGUSR1)
    time.sleep(1)
    errors.seek(0)
    return "\n".join([*lines, errors.read()[-6000:]])


@pytest.mark.slow
def test_fresh_kernels_start_a_kernel_for_every_report(tmp_path, monkeypatch):
    from heenb.publish import runner as runner_module

    started = []

    class CountedKernel(runner_module.WarmKernel):
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(runner_module, "WarmKernel", CountedKernel)
    plan = write_plan(tmp_path / "plan.yml", entry("greeting", "name", ["a", "b"], "{name}.html"))
    jobs = load_plan(plan)
    for fresh, kernels in ((False, 1), (True, 2)):
        started.clear()
        runner = runner_module.Runner(tmp_path / str(fresh), timeout=60, fresh_kernels=fresh)
        try:
            assert [runner.build(job).status for job in jobs] == [BUILT, BUILT]
        finally:
            runner.close()
        assert len(started) == kernels
