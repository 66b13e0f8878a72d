"""One build worker: reports run one after another through papermill in one warm kernel.

A :class:`Runner` keeps a :class:`heenb.publish.kernels.WarmKernel` and one
:class:`heenb.render.html.ReportExporter`. Each report is executed by
``papermill.execute_notebook`` from its notebook with its parameters, in the
warm kernel reset to a fresh kernel's state, and exported in this process. The
page and the spreadsheet of its tables (:mod:`heenb.render.spreadsheet`, from the
same run) are written beside their places under temporary names, then renamed
into place together (:func:`heenb.files.publish_together`), and only while the
build that asked for them still runs and holds the folder's lock (:meth:`Runner.fence`). A
report that raises, times out or kills its kernel is recorded as failed with
papermill's annotated notebook kept under ``_failed/`` (its places shown as the records
show them: :mod:`heenb.publish.places`); the kernel is replaced before the next report.
papermill's annotated notebook kept under ``_failed/``; the kernel is replaced
before the next report. The executed notebook is written once, not after every cell
(:mod:`heenb.publish.saving`).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from heenb import paths
from heenb.data.published import published_files
from heenb.files import (
    FULL,
    FileWriteError,
    LinkedFolderError,
    folder_within,
    publish_together,
    temporary_beside,
    write_atomically,
    write_failure,
    write_file,
)
from heenb.plan import Job
from heenb.publish.kernels import KERNEL_NAME, WarmKernel
from heenb.publish.lock import LockLostError, holds
from heenb.publish.outcome import BUILT, FAILED, Outcome
from heenb.publish.places import Places
from heenb.publish.saving import ENGINE
from heenb.render.facts import PageFacts
from heenb.render.html import ReportExporter, about, page_tables, spreadsheet_name
from heenb.render.spreadsheet import workbook_bytes

FAILED_DIR = "_failed"


class Runner:
    """Builds reports into ``out_dir``, reusing one kernel while reports succeed."""

    def __init__(self, out_dir: Path, timeout: int, kernel: WarmKernel | None = None,
                 facts: PageFacts | None = None, imports: tuple[str, ...] = (),
                 fresh_kernels: bool = False, holder: dict | None = None,
                 build_pid: int | None = None, places: Places | None = None):  # fmt: skip
        self.out_dir = out_dir
        # How a failed report's kept notebook names places (the build's data folder).
        self.places = places or Places(out_dir, paths.data_dir())
        # The build's lock (heenb.publish.lock.BuildLock.mine) and process: see fence().
        self.holder, self.build_pid = holder, build_pid
        self.fresh_kernels = fresh_kernels  # a new kernel per report (to measure warm kernels)
        self.imports = imports
        self.timeout = timeout
        self.facts = facts
        self.exporter = ReportExporter()
        self.kernel = kernel

    def execute(self, job: Job, executed: Path) -> nbformat.NotebookNode:
        """Run ``job`` with papermill, saving the executed notebook to ``executed``.

        ``timeout`` bounds both a cell's run and nbclient's wait for its output
        messages (``iopub_timeout``), so a cell with a very large output is not
        failed after nbclient's default of 4 seconds.

        Raises whatever papermill raises; the kernel is then replaced before
        the next report.
        """
        try:
            if self.kernel is None:
                self.kernel = WarmKernel(self.imports)
            self.kernel.reset(job.notebook.parent)
            return papermill.execute_notebook(
                str(job.notebook), str(executed), parameters=dict(job.parameters),
                kernel_name=KERNEL_NAME, progress_bar=False, log_output=False,
                execution_timeout=self.timeout, cwd=str(job.notebook.parent),
                km=self.kernel.manager,
                iopub_timeout=self.timeout,  # nbclient's wait for a cell's output (default 4 s)
                engine_name=ENGINE,  # the notebook written once, not after every cell
            )  # fmt: skip
        except BaseException:
            self.close()
            raise

    def build(self, job: Job) -> Outcome:
        """Execute, export and write one report; record a failure instead of raising."""
        try:
            return self._build(job)
        finally:
            if self.fresh_kernels:
                self.close()

    def _facts(self, job: Job) -> PageFacts | None:
        """What the page was built from: the build's raw data (unless the plan entry's
        ``sources`` name no raw source) and the files of the published sources it names."""
        if self.facts is None:
            return None
        published = published_files(job.sources)
        return self.facts.reading(published, raw=bool(job.raw_sources))

    def _build(self, job: Job) -> Outcome:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="heenb-run-") as work:
            executed = Path(work) / "executed.ipynb"
            try:
                notebook = self.execute(job, executed)
                title = job.label or job.title
                facts = self._facts(job)
                page = self.exporter.to_html(notebook, facts, title, job.output)
                tables = page_tables(notebook)
            except Exception as error:  # noqa: BLE001 - any failure is recorded, the batch goes on
                kept = self._keep_failed(executed, job)
                return Outcome(job.output, FAILED, time.monotonic() - started,
                               first_line(error), kept)  # fmt: skip
        target = self.out_dir / job.output
        temporaries: list[Path] = []

        def written(meant: Path, data: str | bytes) -> Path:
            """``data`` in a new temporary file beside ``meant``, to be renamed onto it."""
            try:
                temporaries.append(temporary_beside(meant))
            except OSError as error:
                raise write_failure(error, meant) from None
            write_file(temporaries[-1], data, meant=meant)
            return temporaries[-1]

        try:
            folder_within(self.out_dir, Path(job.output).parent)  # never through a link
            workbook = target.with_name(spreadsheet_name(job.output))
            moves = [(written(target, page), target)]
            removals = [failed_path(self.out_dir, job)]
            if tables:  # the page links its spreadsheet: both are published together
                made = workbook_bytes(tables, title, about(notebook, facts))
                moves.insert(0, (written(workbook, made), workbook))
            else:
                removals.append(workbook)
            publish_together(moves, removals, check=self.fence)
        except LinkedFolderError as error:
            seconds = time.monotonic() - started
            return Outcome(
                job.output, FAILED, seconds, f"WriteError: cannot write {target}: {error}"
            )
        except OSError as error:
            seconds = time.monotonic() - started
            return Outcome(job.output, FAILED, seconds, write_error(error, target))
        except Exception as error:  # noqa: BLE001 - a spreadsheet that cannot be made fails its page
            return Outcome(job.output, FAILED, time.monotonic() - started, first_line(error))
        finally:
            for temporary in temporaries:  # none is left once published
                temporary.unlink(missing_ok=True)
        return Outcome(job.output, BUILT, time.monotonic() - started)

    def fence(self) -> None:
        """Raise :class:`heenb.publish.lock.LockLostError` unless the build this runner works
        for still runs (it is this process's parent) and holds the folder's lock: checked
        just before anything is written into the folder."""
        if self.build_pid is not None and os.getppid() != self.build_pid:
            raise LockLostError(self.out_dir)
        if self.holder is not None and not holds(self.out_dir, self.holder):
            raise LockLostError(self.out_dir)

    def close(self) -> None:
        """Shut the kernel down (a new one starts with the next report)."""
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None

    def _keep_failed(self, executed: Path, job: Job) -> str:
        """Keep papermill's annotated notebook under ``_failed/``, its places shown as the
        records show them (:meth:`heenb.publish.places.Places.data`): it is published with
        the reports folder. Returns where, relative to the reports folder ('' if not kept)."""
        if not executed.is_file():
            return ""
        kept = failed_path(self.out_dir, job)
        shown = str(kept.relative_to(self.out_dir))
        try:
            book = json.loads(executed.read_text(encoding="utf-8"))
            if isinstance(book.get("metadata", {}).get("papermill"), dict):
                book["metadata"]["papermill"]["output_path"] = shown  # not the temporary file
            text = json.dumps(self.places.data(book), indent=1, ensure_ascii=False) + "\n"
            self.fence()
            folder_within(self.out_dir, kept.parent.relative_to(self.out_dir))
            write_atomically(kept, text)
        except (OSError, ValueError, AttributeError, LockLostError):
            return ""  # the failure itself is what the summary reports
        return shown


def failed_path(out_dir: Path, job: Job) -> Path:
    """Where a failed report's annotated notebook is kept."""
    return out_dir / FAILED_DIR / f"{job.name}.ipynb"


def write_error(error: OSError, target: Path) -> str:
    """``WriteError: cannot write FILE (cause: PATH)`` for a page (or its spreadsheet, the
    file named when it was that) that could not be written, with what to do about a full
    disk."""
    cause = error.strerror or type(error).__name__
    if isinstance(error, FileWriteError) and error.filename:
        target = Path(error.filename)  # the page or its spreadsheet
    where = f": {error.filename}" if error.filename and str(error.filename) != str(target) else ""
    advice = "; free space on its disk, then build again" if error.errno in FULL else ""
    return f"WriteError: cannot write {target} ({cause}{where}){advice}"


def first_line(error: BaseException) -> str:
    """``ExceptionName: first line of its message``, for summaries."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(error).__name__}: {error}"
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
