"""Parallel worker processes, each with its own warm kernel (:mod:`heenb.publish.runner`).

Workers are spawned (no forked ZMQ or matplotlib state) when the first batch
of jobs arrives and stay for the next batch (the reports, then the index).
Each has its own pipe: this process hands a job to whichever worker is idle,
so a slow report holds no other up, and it always knows which report each
worker is building. Only the workers import papermill and nbconvert. A worker
that dies fails only the report it was building and is replaced. On Ctrl-C
(or any error) the workers get SIGTERM, on which they shut their kernels down
and remove their temporary files; any still running after a grace period is
killed.

Workers die with their build: each asks Linux to send it SIGTERM when the build
process dies (``prctl(PR_SET_PDEATHSIG)``, :func:`die_with_parent`), so even a
build killed with SIGKILL leaves no worker finishing its report; and before it
writes anything a worker checks that its build still runs and holds the
folder's lock (:meth:`heenb.publish.runner.Runner.fence`), which also covers
systems without ``prctl``.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from pathlib import Path

from heenb.plan import Job
from heenb.publish.outcome import FAILED, Outcome

#: Seconds a worker has to shut its kernel down before it is killed.
STOP_GRACE = 10
#: prctl(2): the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


class _Worker:
    """One worker process, its pipe, and the job it is building (``None`` when idle)."""

    def __init__(self, context, out_dir: Path, timeout: int, options: tuple, number: int):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_work, args=(theirs, out_dir, timeout, *options),
                                       name=f"heenb-worker-{number}")  # fmt: skip
        with _ctrl_c_ignored():  # inherited: Ctrl-C at a terminal reaches only the main process
            self.process.start()
        theirs.close()
        self.job: Job | None = None

    def assign(self, job: Job) -> bool:
        """Hand ``job`` over; False if the worker has died."""
        try:
            self.connection.send(job)
        except OSError:
            return False
        self.job = job
        return True

    def outcome(self) -> Outcome | None:
        """The current job's outcome once there is one (a failure if the worker died)."""
        try:
            if self.connection.poll():
                outcome, self.job = self.connection.recv(), None
                return outcome
        except (EOFError, OSError):
            pass  # the worker died: its exit code says more
        if self.process.is_alive():
            return None
        job, self.job = self.job, None
        why = f"the worker process died (exit code {self.process.exitcode})"
        return Outcome(job.output, FAILED, 0.0, f"WorkerError: {why}")


class WorkerPool:
    """Up to ``workers`` processes building reports into ``out_dir``; use as a context manager."""

    def __init__(self, out_dir: Path, workers: int, timeout: int, facts=None,
                 imports: tuple[str, ...] = (), fresh_kernels: bool = False,
                 holder: dict | None = None, places=None):  # fmt: skip
        self.out_dir, self.workers, self.timeout = out_dir, workers, timeout
        # What every page is built from (heenb.render.facts.PageFacts), what each worker's
        # kernel imports first, whether each report gets a new kernel, the build's lock
        # (heenb.publish.lock.BuildLock.mine) and process, which workers check, and how a
        # failed report's kept notebook names places (heenb.publish.places.Places).
        self.options = (facts, imports, fresh_kernels, holder, os.getpid(), places)
        self._context = multiprocessing.get_context("spawn")
        self._pool: list[_Worker] = []
        self._started = 0

    def run(self, jobs: list[Job], on_outcome: Callable[[Outcome], None]) -> list[Outcome]:
        """Build ``jobs``; call ``on_outcome`` as each finishes; return outcomes in job order."""
        pending, outcomes = deque(jobs), {}
        while len(outcomes) < len(jobs):
            self._pool = [w for w in self._pool if w.job or w.process.is_alive()]
            busy = [w for w in self._pool if w.job]
            while len(self._pool) < min(self.workers, len(busy) + len(pending)):
                self._started += 1
                self._pool.append(_Worker(self._context, self.out_dir, self.timeout,
                                          self.options, self._started))  # fmt: skip
            for worker in self._pool:
                if pending and not worker.job and not worker.assign(job := pending.popleft()):
                    pending.appendleft(job)  # that worker has died; another will take it
            busy = [w for w in self._pool if w.job]
            if not busy:
                continue
            wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                outcome = worker.outcome()
                if outcome:
                    outcomes[outcome.output] = outcome
                    on_outcome(outcome)
        return [outcomes[job.output] for job in jobs]

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        """After success let workers shut down; after an error (Ctrl-C) stop them at once."""
        if error_type is None:
            for worker in self._pool:
                worker.assign(None)
        processes = [w.process for w in self._pool]
        for process in processes:
            process.join(STOP_GRACE if error_type is None else 0)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(STOP_GRACE)
            if process.is_alive():
                process.kill()
                process.join()


@contextlib.contextmanager
def _ctrl_c_ignored():
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _work(connection, out_dir: Path, timeout: int, facts, imports, fresh_kernels, holder,
          build_pid, places) -> None:  # fmt: skip
    """A worker process: build each job received on ``connection``, send back its outcome.

    ``None`` ends the loop. The kernel starts first and warms up while this
    process imports papermill and nbconvert (which the main process never
    does). Ctrl-C is ignored (from birth, see :class:`_Worker`): the main
    process stops workers with SIGTERM, which unwinds here, so the kernel is
    shut down and no temporary file is left behind. The same SIGTERM comes when the
    build process dies, however it dies (:func:`die_with_parent`); a worker whose build
    has gone stops without a word.
    """
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    die_with_parent(build_pid)
    from heenb.publish.kernels import WarmKernel

    kernel = runner = None
    try:
        kernel = WarmKernel(imports)
        from heenb.publish.runner import Runner

        runner = Runner(out_dir, timeout, kernel, facts, imports, fresh_kernels, holder,
                        build_pid, places)  # fmt: skip
        for job in iter(connection.recv, None):
            connection.send(runner.build(job))
    except (EOFError, OSError):  # the build has gone: nobody to tell
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        if runner is not None:
            runner.close()
        elif kernel is not None:
            kernel.close()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def die_with_parent(parent: int) -> None:
    """Have this process sent SIGTERM when its parent dies (Linux ``prctl``; elsewhere the
    fence before each write is what stops it), and exit now if ``parent`` is already gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # it died before the request above: no signal will come
        raise SystemExit(128 + signal.SIGTERM)
