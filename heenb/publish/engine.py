"""Build the report set: every job of the plan run through papermill, exported to HTML.

The order of work: check the plan, ``--only``, the settings and the output
folder, take the folder's lock (:mod:`heenb.publish.lock`), build the mart (which
validates the raw data: bad data stops the build before any report is touched),
skip the reports whose inputs have not changed since their last successful
build (:mod:`heenb.publish.inputs`, :mod:`heenb.publish.record`; ``force`` rebuilds
all), run the others in parallel worker processes (:mod:`heenb.publish.pool`), each
reusing one warm kernel (:mod:`heenb.publish.runner`), recording each in
``build.json`` as it finishes, then run the index notebook the same way (it
reads ``build.json``), then the page of changes (which reads the index's
exceptions). Every report reads the mart made at the start, so all
pages of a build come from one data version; if a raw file changed meanwhile,
the build says so at the end. Helper modules and declared input files are read where
they are: a page built while one of them changed is not recorded as current, and
the build says so at the end (:mod:`heenb.publish.recheck`).

Pages are written atomically; a report that fails keeps papermill's annotated
notebook under ``_failed/``, the previous good page, if any, stays in place and
the index marks it stale; every other report still builds. When nothing is to
be done no worker, kernel or notebook library is started.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path

from heenb import paths
from heenb.data.catalogue import load_catalogue
from heenb.data.mart import PINNED_MART, build_mart, changed_files, mart_key, pin, raw_hashes
from heenb.errors import BuildError, DataChangedError
from heenb.files import FULL, FileWriteError, LinkedFolderError, linked_folder
from heenb.plan import Job, load_plan, publication, select, warm_up_imports
from heenb.publish.inputs import (
    code_hash,
    data_input,
    file_hash,
    files_input,
    job_inputs,
    notebook_modules,
    plan_hash,
    value_hash,
)
from heenb.publish.lock import BuildLock, LockLostError
from heenb.publish.outcome import BUILT, FAILED, SKIPPED, UP_TO_DATE, Outcome
from heenb.publish.places import Places
from heenb.publish.pool import WorkerPool
from heenb.publish.progress import progress_for
from heenb.publish.recheck import FilesChangedError, FileStates
from heenb.publish.record import BUILD_LOG, BuildRecord, is_build_record
from heenb.publish.release import make_release
from heenb.publish.run_outcome import OUTCOME_FILE, RunOutcome, is_outcome_file
from heenb.render.facts import PageFacts
from heenb.report.changes import CHANGES_OUTPUT, RELEASES_DIR

DEFAULT_TIMEOUT = 300
INDEX_NOTEBOOK = paths.NOTEBOOK_DIR / "index.ipynb"
INDEX_OUTPUT = "index.html"
INDEX_TITLE = "Workforce education reports"
CHANGES_NOTEBOOK = paths.NOTEBOOK_DIR / "changes.ipynb"
CHANGES_TITLE = "What changed since the last release"

__all__ = ["BUILT", "CHANGES_OUTPUT", "DEFAULT_TIMEOUT", "FAILED", "INDEX_OUTPUT", "SKIPPED",
           "UP_TO_DATE", "Outcome", "build"]  # fmt: skip


def build(
    data: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    only: str | None = None,
    workers: int | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    force: bool = False,
    plan_file: str | os.PathLike | None = None,
    progress: Callable[[str], None] | None = None,
    fresh_kernels: bool = False,
) -> list[Outcome]:
    """Build the reports that need it; return an :class:`Outcome` per selected report.

    The index's outcome comes last when the index was rebuilt. ``workers``
    defaults to the number of cores; ``timeout`` is the longest a cell may run
    (seconds); ``progress`` is called with each progress line (default: a bar
    on a terminal, else lines on standard output); ``fresh_kernels`` starts a
    new kernel for every report instead of reusing one per worker (slower; for
    measuring what warm kernels gain).

    Raises
    ------
    BuildError, DataValidationError, ParameterError
        Before any report runs: a bad plan, ``--only``, setting, output folder or data.
    """
    with _fixed_reference():
        return _build(data, out, only, workers, timeout, force, plan_file, progress,
                      fresh_kernels)  # fmt: skip


def _build(data, out, only, workers, timeout, force, plan_file, progress,
           fresh_kernels) -> list[Outcome]:  # fmt: skip
    """:func:`build`, reading the catalogue as it was when the build started."""
    started = time.monotonic()
    data_dir = paths.data_folder(data)
    out_dir = Path(out).resolve() if out else paths.DEFAULT_REPORTS_DIR
    catalogue = load_catalogue()
    plan = load_plan(plan_file, catalogue)
    jobs = select(plan, only)
    workers = workers if workers is not None else os.cpu_count() or 1
    if timeout <= 0:
        raise BuildError(f"--timeout must be a number of seconds above 0, not {timeout}.")
    if workers < 1:
        raise BuildError(f"--workers must be 1 or more, not {workers}.")
    for job in plan:
        if job.output in (INDEX_OUTPUT, CHANGES_OUTPUT):
            raise BuildError(f"The plan gives a report heenb's own page {job.output}; rename it.")
        if job.output.split("/")[0] == RELEASES_DIR:
            raise BuildError(
                f"The plan puts a report in {RELEASES_DIR}/ ({job.output}), where heenb keeps "
                "earlier releases; give it another folder."
            )
    _check_writable(out_dir)
    with BuildLock(out_dir) as lock:  # nothing in out_dir is read or written before this
        _check_ours(out_dir)
        settings = _Settings(data_dir, out_dir, workers, timeout, force, plan_file, started,
                             fresh_kernels)  # fmt: skip
        places = Places(out_dir, data_dir)  # as the records name them
        run = RunOutcome(out_dir, [job.output for job in jobs], places)
        try:
            return _run(settings, catalogue, plan, jobs, progress_for(progress), run, lock)
        except OSError as error:  # a file of the build's own (build.json, outcome.json ...)
            failure = WriteFailedError(error, out_dir, published=run.building)
            with contextlib.suppress(OSError):  # (the disk may be full for it too)
                run.stop(failure)
            raise failure from None
        except BaseException as error:
            if not isinstance(error, LockLostError):  # then the folder is not ours to write
                with contextlib.suppress(OSError):  # the error itself is what to report
                    run.stop(error)
            raise


class WriteFailedError(BuildError):
    """A file the build writes itself (its record, its outcome, a release) could not be
    written, or another file error stopped it: one line naming the file and what to do."""

    def __init__(self, error: OSError, out_dir: Path, published: bool):
        self.published = published  # pages were built before it: exit status 1, not 2
        where = error.filename or out_dir
        cause = error.strerror or type(error).__name__
        what = "Cannot write" if isinstance(error, FileWriteError) else "The build stopped at"
        if error.errno in FULL:
            todo = "free space on its disk, then run heenb build again"
        elif isinstance(error, FileWriteError):
            todo = "make it writable, then run heenb build again"
        else:
            todo = "put that right, then run heenb build again"
        kept = (
            f"pages written before it are kept, and the next build rebuilds every page "
            f"that does not match {BUILD_LOG}"
        )
        done = kept if published else "nothing was built"
        super().__init__(f"{what} {where} ({cause}): {todo}; {done}.")


@dataclass(frozen=True)
class _Settings:
    """:func:`build`'s checked arguments."""

    data_dir: Path
    out_dir: Path
    workers: int
    timeout: int
    force: bool
    plan_file: str | os.PathLike | None
    started: float
    fresh_kernels: bool


def _run(settings: _Settings, catalogue, plan: list[Job], jobs: list[Job], bar,
         run: RunOutcome, lock: BuildLock) -> list[Outcome]:  # fmt: skip
    """The build proper, holding the folder's ``lock`` (see :func:`build`; checked before
    each record is written); ``run`` is told what becomes of each report and written at
    the end."""
    data_dir, out_dir, workers, timeout, force, plan_file, started, fresh = astuple(settings)
    _check_confined(out_dir, jobs)
    mart_folder = build_mart(data_dir, catalogue)  # validates the raw data once
    data_key = mart_folder.name
    data_at_start = json.loads((mart_folder / "meta.json").read_text())["raw"]
    index_parameters = {"reports_dir": str(out_dir), "data": str(data_dir)}
    if plan_file:  # the index lists the plan's reports
        index_parameters["plan"] = str(Path(plan_file).resolve())
    index = Job("index", "Index", INDEX_NOTEBOOK, index_parameters, INDEX_OUTPUT, INDEX_TITLE)
    changes = Job("changes", "Changes", CHANGES_NOTEBOOK, index_parameters, CHANGES_OUTPUT,
                  CHANGES_TITLE)  # fmt: skip
    own = [changes, index]  # heenb's own pages, built after the plan's (index first: below)
    reference_key = mart_key(data_dir, catalogue, raw={})  # catalogue and deriving code
    code_key = code_hash()
    states = FileStates()  # the files pages read where they are, checked as each is published
    inputs, files = _inputs([*plan, *own], data_at_start, reference_key, code_key, states)
    declared = {k: v for k, v in publication(plan_file).items() if v}  # contact, next release
    for job in [*plan, *own]:  # the index lists the plan's reports; others may link to them
        if job.links or job in own:
            inputs[job.output]["plan"] = plan_hash(plan)
        if declared:  # every page shows them on page 1 and in its spreadsheet
            inputs[job.output]["publication"] = value_hash(declared)
    header = {"data_hash": data_key, "data_folder": data_dir.name, "code_hash": code_key}
    run.facts.update(header)
    record = BuildRecord(out_dir, [*plan, *own], inputs, header, run.places)
    skipped = {job.output: why for job in jobs if (why := missing_sources(job, data_at_start))}
    stale = {j.output: "--force" if force else record.why_stale(j) for j in [*jobs, *own]
             if j.output not in skipped}  # fmt: skip
    todo = [j for j in jobs if stale.get(j.output)]
    todo.sort(key=record.seconds, reverse=True)  # longest first: the batch ends sooner
    own_todo = own if todo or any(stale[j.output] for j in own) else []
    run.reasons.update(stale)
    for job in own_todo:
        if not stale[job.output]:
            run.reasons[job.output] = "reports it lists were rebuilt"
    line = _plan_line(len(jobs), len(todo), len(skipped), min(workers, len(todo) or 1), out_dir)
    if skipped:
        line += f"; {len(skipped)} skipped: a raw source they read is not in {data_dir}"
    bar.start(line, len(todo) + len(own_todo))
    by_output = {job.output: job for job in [*plan, *own]}

    def finished(outcome: Outcome) -> None:
        lock.check()  # a build that lost its lock writes nothing more
        if outcome.status == BUILT:  # then not current if a file it reads changed meanwhile
            outcome.files_changed = states.changed(files[outcome.output])
        run.note(outcome)  # what was done, even if the record then cannot be written
        record.note(by_output[outcome.output], outcome, time.monotonic() - started)
        bar.update(outcome)

    saved = {name: os.environ.get(name) for name in ("HEENB_DATA", PINNED_MART, "HEENB_PLAN")}
    os.environ["HEENB_PLAN"] = str(paths.plan_file(plan_file))  # pages link within this plan
    os.environ["HEENB_DATA"] = str(data_dir)  # workers and their kernels read this data ...
    os.environ[PINNED_MART] = pin(data_dir, mart_folder)  # ... as it is now, whatever happens
    try:
        facts = PageFacts(data_dir.name, data_key)
        imports = warm_up_imports(plan)
        with WorkerPool(out_dir, workers, timeout, facts, imports, fresh, lock.mine,
                        run.places) as pool:  # fmt: skip
            run.building = True
            ran = {o.output: o for o in pool.run(todo, finished)}
            lock.check()
            outcomes = []
            for job in jobs:
                if job.output in skipped:
                    outcome = Outcome(job.output, SKIPPED, 0.0, skipped[job.output])
                else:
                    outcome = ran.get(job.output) or Outcome(job.output, UP_TO_DATE, 0.0)
                outcomes.append(outcome)
                if job.output not in ran:
                    record.note(job, outcomes[-1], time.monotonic() - started)
                    run.note(outcome)
            record.write(time.monotonic() - started)  # the index and changes read it
            for job in reversed(own_todo):  # the index first: the page of changes reads
                # the exceptions it shows (the index compares its own before it is written)
                outcomes += pool.run([job], finished)
    finally:
        for name, value in saved.items():
            _restore(name, value)
        bar.close()
    if any(o.status == BUILT for o in outcomes):  # a run that publishes keeps a release
        lock.check()
        labels = {j.output: j.label or j.title for j in [*plan, *own]}
        data = {**header, "raw": data_at_start, "reference_hash": reference_key}
        release = make_release(out_dir, {o: labels[o] for o in record.entries}, data)
        run.facts["release"] = release["id"]
    changed = changed_files(data_at_start, raw_hashes(data_dir)) if todo or own_todo else []
    run.finish(changed)
    moved = {o.output: o.files_changed for o in outcomes if o.files_changed}
    data_changed = DataChangedError(data_dir, changed, done=(
        f"every page of this build was made from the data as it was when the build started "
        f"(version {data_key}) and says so; run heenb build again to build from the new data"
    ), published=True) if changed else None  # fmt: skip
    if moved:
        raise FilesChangedError(moved, before=f"{data_changed} " if data_changed else "")
    if data_changed:
        raise data_changed
    return outcomes


@contextlib.contextmanager
def _fixed_reference():
    """The reference catalogue fixed for the whole build, like the raw data: its folder is
    copied when the build starts and the build and its kernels read the copy
    (``HEENB_REFERENCE``), so a catalogue edited during the build reaches none of its pages
    (the next build sees the change in every page's inputs)."""
    source = paths.reference_dir()
    if not source.is_dir():  # load_catalogue says what is wrong
        yield
        return
    saved = os.environ.get("HEENB_REFERENCE")
    with tempfile.TemporaryDirectory(prefix="heenb-reference-") as work:
        copy = Path(work) / source.name
        shutil.copytree(source, copy)
        os.environ["HEENB_REFERENCE"] = str(copy)
        try:
            yield
        finally:
            _restore("HEENB_REFERENCE", saved)


def _check_confined(out_dir: Path, jobs: list[Job]) -> None:
    """Refuse to build pages whose folder under ``out_dir`` is (or is reached through) a
    symbolic link: they would be written wherever it leads. (Each worker checks again just
    before it writes.)"""
    for folder in sorted({Path(job.output).parent for job in jobs}):
        link = linked_folder(out_dir, folder)
        if link is not None:
            raise BuildError(f"Nothing was built: {LinkedFolderError(link, out_dir)}.")


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def missing_sources(job: Job, raw: dict[str, str | None]) -> str:
    """Why ``job`` cannot be built from data whose raw files are ``raw`` (hashes by file
    name, None for a missing file), or '' when every source it reads is there."""
    missing = [f"{s}.csv" for s in job.raw_sources if raw.get(f"{s}.csv") is None]
    return f"not in the data folder: {', '.join(missing)}" if missing else ""


def _inputs(jobs: list[Job], raw: dict, reference_key: str, code_key: str,
            states: FileStates) -> tuple[dict[str, dict], dict[str, list[str]]]:  # fmt: skip
    """Each job's input hashes by output (each notebook read and parsed once, each file it
    reads hashed once, in ``states``), and the files each reads (paths as shown)."""
    notebooks = {nb: file_hash(nb) for nb in {job.notebook for job in jobs}}
    modules = {nb: notebook_modules(nb) for nb in notebooks}
    files = {j.output: files_input(j, modules[j.notebook], states.hash) for j in jobs}
    inputs = {j.output: job_inputs(j, notebooks[j.notebook], data_input(j, raw, reference_key),
                                   code_key, files[j.output])
              for j in jobs}  # fmt: skip
    return inputs, {output: list(hashes) for output, hashes in files.items()}


def _plan_line(selected: int, todo: int, skipped: int, workers: int, out_dir: Path) -> str:
    if not todo:
        return (f"All {selected - skipped} buildable report(s) in {out_dir} are up to date "
                "(--force rebuilds them)")  # fmt: skip
    fresh = f"; {selected - skipped - todo} up to date" if todo < selected - skipped else ""
    return f"Building {todo} of {selected} report(s) with {workers} worker(s) into {out_dir}{fresh}"


def _check_ours(out_dir: Path) -> None:
    """Refuse an output folder whose ``index.html``, ``changes.html``, ``build.json`` or
    ``outcome.json`` heenb did not write."""
    record, outcome = out_dir / BUILD_LOG, out_dir / OUTCOME_FILE
    foreign = []
    for page in (out_dir / INDEX_OUTPUT, out_dir / CHANGES_OUTPUT):
        if page.is_file() and not is_heenb_page(page):
            foreign.append(page.name)
    if record.is_file() and not is_build_record(record):
        foreign.append(record.name)
    if outcome.is_file() and not is_outcome_file(outcome):
        foreign.append(outcome.name)
    if foreign:
        one = len(foreign) == 1
        names = foreign[0] if one else f"{', '.join(foreign[:-1])} and {foreign[-1]}"
        raise BuildError(
            f"{names} in {out_dir} {'was' if one else 'were'} not written by "
            f"heenb and would be overwritten; choose another folder with --out DIR, or move "
            f"{'it' if one else 'them'} away."
        )


def is_heenb_page(path: Path) -> bool:
    """Whether a page's head has heenb's ``<meta name="generator" content="heenb">``
    (heenb/templates/heenb/index.html.j2), in any attribute order."""
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    tags = re.findall(r"<meta\b[^>]*>", head)
    return any('name="generator"' in tag and 'content="heenb"' in tag for tag in tags)


def _check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".heenb-check-"):
            pass
    except OSError as error:
        raise BuildError(
            f"The output folder {out_dir} cannot be written ({error.strerror}); choose another "
            "with --out DIR."
        ) from None
