"""Build the report set: every job of the plan run through papermill, exported to HTML.

The order of work: check the plan and the output folder, build the mart (which
validates the raw data: bad data stops the build before any report is
touched), then run the reports in parallel worker processes. Each report is
executed by papermill from its notebook with its parameters, exported by
:class:`heenb.export.ReportExporter`, written to a temporary file and moved into
place only when complete. A report that fails keeps papermill's annotated
notebook under ``_failed/``; the previous good page, if any, stays in place
and the index marks it stale. Every other report still builds.
"""

from __future__ import annotations

import concurrent.futures as futures
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from heenb import paths
from heenb.catalogue import load_catalogue
from heenb.errors import BuildError
from heenb.files import write_atomically
from heenb.index import write_index
from heenb.mart import build_mart, mart_key
from heenb.plan import Job, load_plan, select

FAILED_DIR = "_failed"
DEFAULT_TIMEOUT = 300


@dataclass
class Outcome:
    """How one report's build went: ``status`` is ``built`` or ``failed``."""

    output: str
    status: str
    seconds: float
    error: str = ""
    failed_notebook: str = ""


def build(
    data: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    only: str | None = None,
    workers: int | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    progress=print,
) -> list[Outcome]:
    """Build the reports; return one :class:`Outcome` per report run.

    Raises
    ------
    BuildError, DataValidationError, ParameterError
        Before any report runs: a bad plan, ``--only``, output folder or data.
    """
    data_dir = paths.data_dir(data)
    out_dir = Path(out).resolve() if out else paths.DEFAULT_REPORTS_DIR
    catalogue = load_catalogue()
    jobs = select(load_plan(catalogue=catalogue), only)
    _check_writable(out_dir)
    if timeout <= 0:
        raise BuildError(f"--timeout must be a number of seconds above 0, not {timeout}.")
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise BuildError(f"--workers must be 1 or more, not {workers}.")
    build_mart(data_dir, catalogue)  # validates the raw data once, before any report
    # Kernels inherit the environment: they read the same data and mart as this process.
    os.environ["HEENB_DATA"] = str(data_dir)
    started = time.time()
    progress(f"Building {len(jobs)} report(s) with {workers} worker(s) into {out_dir}")
    outcomes = _run_all(jobs, out_dir, workers, timeout, progress)
    write_build_log(out_dir, jobs, outcomes, mart_key(data_dir), time.time() - started)
    write_index(out_dir, load_plan(catalogue=catalogue), outcomes, catalogue)
    return outcomes


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


def _run_all(jobs: list[Job], out_dir: Path, workers: int, timeout: int, progress):
    outcomes: list[Outcome] = []
    context = multiprocessing.get_context("spawn")  # no forked zmq or matplotlib state
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = {pool.submit(run_job, job, out_dir, timeout): job for job in jobs}
        try:
            for done, future in enumerate(futures.as_completed(pending), 1):
                outcome = future.result()
                outcomes.append(outcome)
                mark = "ok" if outcome.status == "built" else "FAILED"
                progress(
                    f"[{done}/{len(jobs)}] {mark:6} {outcome.output} "
                    f"({outcome.seconds:.1f} s){': ' + outcome.error if outcome.error else ''}"
                )
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    order = {job.output: i for i, job in enumerate(jobs)}
    return sorted(outcomes, key=lambda o: order[o.output])


def run_job(job: Job, out_dir: Path, timeout: int) -> Outcome:
    """Execute one report's notebook with papermill and write its page atomically."""
    import nbformat
    import papermill

    from heenb.export import ReportExporter

    started = time.time()
    target = out_dir / job.output
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="heenb-run-") as work:
        executed = Path(work) / "executed.ipynb"
        try:
            papermill.execute_notebook(
                str(job.notebook), str(executed), parameters=dict(job.parameters),
                kernel_name="python3", progress_bar=False, log_output=False,
                execution_timeout=timeout, cwd=str(job.notebook.parent),
            )  # fmt: skip
            page = ReportExporter().to_html(nbformat.read(executed, as_version=4))
        except Exception as error:  # noqa: BLE001 - any failure is recorded, the batch goes on
            kept = _keep_failed(executed, out_dir, job)
            return Outcome(job.output, "failed", time.time() - started, _first_line(error), kept)
    write_atomically(target, page)
    _clear_failed(out_dir, job)
    return Outcome(job.output, "built", time.time() - started)


def _first_line(error: Exception) -> str:
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(error).__name__}: {error}"
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def _failed_path(out_dir: Path, job: Job) -> Path:
    return out_dir / FAILED_DIR / f"{job.name}.ipynb"


def _keep_failed(executed: Path, out_dir: Path, job: Job) -> str:
    if not executed.is_file():
        return ""
    kept = _failed_path(out_dir, job)
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(executed, kept)
    return str(kept.relative_to(out_dir))


def _clear_failed(out_dir: Path, job: Job) -> None:
    _failed_path(out_dir, job).unlink(missing_ok=True)


def write_build_log(out_dir: Path, jobs: list[Job], outcomes: list[Outcome], data_hash: str,
                    seconds: float) -> None:  # fmt: skip
    """``build.json``: each report's status, duration and inputs, for machines to read."""
    by_output = {job.output: job for job in jobs}
    log = {
        "data_hash": data_hash,
        "seconds": round(seconds, 2),
        "reports": [
            {**by_output[o.output].as_dict(), **asdict(o), "seconds": round(o.seconds, 2)}
            for o in outcomes
        ],
    }
    write_atomically(out_dir / "build.json", json.dumps(log, indent=2) + "\n")
