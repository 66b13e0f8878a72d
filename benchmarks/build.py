"""Time ``heenb build`` against the naive loop on the full demo report set, in one run.

The naive loop takes every report of ``heenb list --format json`` in turn: the
``papermill`` command, then ``jupyter nbconvert --to html --no-input``. Then
``heenb build --force`` builds the same reports (and the index, which the naive
loop does not) into a fresh folder; ``heenb build --force --fresh-kernels`` does
the same in parallel but with a new kernel for every report, which measures what
reusing one warm kernel per worker gains; and ``heenb build`` runs again with
nothing changed. ``heenb build --force`` also runs a second time with the charts the
first encoded in its cache, as a rebuild of unchanged charts finds them. Peak memory is the
build's resident memory summed over its whole
process tree (main process, workers, kernels), sampled every 50 ms: shared
pages are counted once per process, so it overstates.

Both sides read the same data with the mart already built (it is built once
first, and cached), so neither pays for validating the raw data.

With ``--naive-sample N`` the naive loop runs on N reports only, spread over
the report types in proportion to their number (at least one of each), and its
time for the whole set is estimated type by type (mean seconds per report of
the type, times the type's count); the line says it is an estimate. The full
naive loop over 75 reports takes about 40 minutes on 2 cores.

Usage: ``.venv/bin/python benchmarks/build.py [--data DIR] [--workers N]
[--naive-sample N]`` (``make benchmark`` samples 15 reports; ``make benchmark
NAIVE_SAMPLE=`` runs the whole naive loop). Targets: at least 8 times faster than
the naive loop on 2 cores; at most 0.75 s of CPU a page; a no-change rebuild under
2 s; peak memory under 4 GiB. CPU seconds are the whole process tree's
(``RUSAGE_CHILDREN``), per report for the naive loop and per page (reports and the
index) for the builds; each build's row gives the load average at its end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GIB = 1024**3


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's finished children and everything
    they reaped in turn: a build's workers and kernels, the naive loop's commands."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def naive_loop(jobs: list[dict], work: Path) -> float:
    """Seconds for papermill then nbconvert, command by command, report by report."""
    started = time.monotonic()
    for number, job in enumerate(jobs):
        executed = work / f"{number}.ipynb"
        parameters = [a for k, v in job["parameters"].items() for a in ("-p", k, str(v))]
        notebook = ROOT / job["notebook"]
        _run([BIN / "papermill", "--no-progress-bar", "--cwd", str(notebook.parent),
              str(notebook), str(executed), *parameters])  # fmt: skip
        _run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", str(executed),
              "--output", str(work / f"{number}.html")])  # fmt: skip
    return time.monotonic() - started


def sampled_naive_loop(jobs: list[dict], work: Path, size: int) -> tuple[float, int]:
    """The naive loop's estimated seconds for every job, timing ``size`` of them (spread
    over the notebooks in proportion to their counts); also how many were timed."""
    by_notebook: dict[str, list[dict]] = {}
    for job in jobs:
        by_notebook.setdefault(job["notebook"], []).append(job)
    estimate, timed = 0.0, 0
    for number, members in enumerate(by_notebook.values()):
        count = max(1, round(size * len(members) / len(jobs)))
        step = len(members) / count
        chosen = [members[int(i * step)] for i in range(count)]
        folder = work / str(number)
        folder.mkdir()
        seconds = naive_loop(chosen, folder)
        estimate += seconds / count * len(members)
        timed += count
    return estimate, timed


def timed_build(arguments: list[str]) -> tuple[float, float, float]:
    """Seconds, peak resident memory (bytes, whole process tree) and CPU seconds (the
    build, its workers and their kernels) of one ``heenb build``."""
    cpu = children_cpu()
    started = time.monotonic()
    process = psutil.Popen([BIN / "heenb", "build", *arguments], stdout=subprocess.DEVNULL)
    peak = _PeakMemory(process)
    peak.start()
    code = process.wait()
    seconds = time.monotonic() - started
    peak.join()
    if code != 0:
        sys.exit(f"heenb build {' '.join(arguments)} failed with exit code {code}")
    return seconds, peak.bytes, children_cpu() - cpu


class _PeakMemory(threading.Thread):
    """Samples the summed RSS of a process and all its descendants until it exits."""

    def __init__(self, process: psutil.Process):
        super().__init__(daemon=True)
        self.process, self.bytes = process, 0

    def run(self) -> None:
        while self.process.is_running():  # until the main thread has reaped it
            total = 0
            for member in self._members():
                with contextlib.suppress(psutil.Error):  # it ended while being read
                    total += member.memory_info().rss
            self.bytes = max(self.bytes, total)
            time.sleep(0.05)

    def _members(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return []


def _run(command: list) -> None:
    subprocess.run([str(c) for c in command], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "demo"), help="raw data folder")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="build workers")
    parser.add_argument("--naive-sample", type=int, metavar="N",
                        help="time the naive loop on N reports and estimate the rest")  # fmt: skip
    args = parser.parse_args()
    os.environ["HEENB_DATA"] = str(Path(args.data).resolve())
    from heenb.data.mart import build_mart

    build_mart(Path(os.environ["HEENB_DATA"]))  # both sides then read the cached mart
    listing = subprocess.run([BIN / "heenb", "list", "--format", "json"], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
    jobs = json.loads(listing)
    print(f"Full demo report set: {len(jobs)} reports from {args.data}; "
          f"{os.cpu_count()} cores; mart cache built beforehand.", flush=True)  # fmt: skip

    print(f"Load average at the start: {_load()} (timings are only comparable on a quiet "
          "machine: below 1.5 on 2 cores)", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="heenb-bench-") as work:
        work = Path(work)
        (work / "naive").mkdir()
        _empty_cache(work / "cache-naive")
        cpu = children_cpu()
        if args.naive_sample:
            naive, timed = sampled_naive_loop(jobs, work / "naive", args.naive_sample)
            label = f"naive loop, estimated from {timed} of {len(jobs)} reports timed"
        else:
            naive, timed, label = naive_loop(jobs, work / "naive"), len(jobs), "naive loop"
        naive_cpu = (children_cpu() - cpu) / timed
        _row(f"{label} (papermill + nbconvert CLIs, sequential)", naive, "s",
             f"{naive / len(jobs):.2f} s per report, {naive_cpu:.2f} s CPU")  # fmt: skip
        out = ["--out", str(work / "reports"), "--workers", str(args.workers)]
        pages = len(jobs) + 1  # and the index
        _empty_cache(work / "cache")
        cold, peak, cold_cpu = timed_build([*out, "--force"])
        _row(f"heenb build --force ({args.workers} workers; also builds the index)", cold, "s",
             _per_page(cold, cold_cpu, len(jobs), pages))  # fmt: skip
        _row("speed-up, naive / heenb build", naive / cold, "x", "target: at least 8")
        cached, _, cached_cpu = timed_build([*out, "--force"])
        _row("heenb build --force again, its charts cached by the build before", cached, "s",
             _per_page(cached, cached_cpu, len(jobs), pages))  # fmt: skip
        fresh_out = ["--out", str(work / "fresh"), "--workers", str(args.workers)]
        _empty_cache(work / "cache-fresh")
        fresh, _, fresh_cpu = timed_build([*fresh_out, "--force", "--fresh-kernels"])
        saved = f"warm kernels save {fresh - cold:.1f} s, {100 * (fresh - cold) / fresh:.0f}%"
        _row(f"parallel, a fresh kernel per report ({args.workers} workers)", fresh, "s",
             f"{saved}; {fresh_cpu / pages:.2f} s CPU per page")  # fmt: skip
        unchanged, _, unchanged_cpu = timed_build(out)
        _row("no-change rebuild (heenb build again)", unchanged, "s",
             f"target: under 2 s; {unchanged_cpu:.2f} s CPU")  # fmt: skip
        _row("peak memory of the cold build (RSS summed)", peak / GIB, "GiB",
             "target: under 4 GiB")  # fmt: skip
    print(f"Load average at the end: {_load()}", flush=True)


def _per_page(seconds: float, cpu: float, reports: int, pages: int) -> str:
    """Wall seconds per report and CPU seconds per page (the target: at most 0.75 s)."""
    return f"{seconds / reports:.2f} s per report, {cpu / pages:.2f} s CPU per page; load {_load()}"


def _empty_cache(folder: Path) -> None:
    """Point ``$HEENB_CACHE`` at ``folder``: the cached mart, no encoded charts. Each side then
    encodes every distinct chart itself (charts shared by pages are encoded once per cache)."""
    from heenb import paths
    from heenb.data.mart import build_mart

    mart = build_mart(Path(os.environ["HEENB_DATA"]))  # in the cache used so far
    os.environ["HEENB_CACHE"] = str(folder)
    shutil.copytree(mart, paths.mart_root() / mart.name)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _row(label: str, value: float, unit: str, note: str) -> None:
    print(f"{label:66} {value:7.2f} {unit:3}  ({note})", flush=True)


if __name__ == "__main__":
    main()
