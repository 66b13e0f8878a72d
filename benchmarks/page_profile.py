"""Where one page's time goes, step by step, as a build worker and its warm kernel spend it.

Two parts, both on the same page:

1. **In the worker** (a :class:`heenb.publish.runner.Runner` with its warm kernel, as the
   build uses it): the kernel reset, papermill running the notebook in the kernel, the
   export to HTML and the spreadsheet. Wall and CPU seconds; the kernel's CPU is read
   from its process.
2. **In the kernel's place** (this process, the notebook's cells run one by one and each
   result turned into HTML as Jupyter displays it): the report's set-up (catalogue, mart,
   protected figures), each section, and within them each chart's drawing and encoding
   (from a profile: call counts and CPU seconds of the chart functions, ``savefig`` and
   the palette). The page is run twice: the first run pays what a kernel caches for the
   build (mart, figures), the second is what every later page of the kernel pays.

Each run starts with an empty chart cache (so every chart is drawn and encoded, as for a
page whose charts no page showed before), but for the worker's third run of the page,
whose charts the runs before left in the cache (as for an STP page showing its local
office's provider funnels, or a rebuild whose charts did not change).

Usage: ``.venv/bin/python benchmarks/page_profile.py [--data DIR] [PAGE ...]`` (pages as
``heenb list`` names them, default ``area/Y60.html objective/maternity.html``). Give the
machine's load (``uptime``) with every number: the script prints it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    """Wall and CPU seconds of a block (CPU of this process, plus ``other``'s if given)."""

    def __init__(self, other=None):
        self.other = other

    def _cpu(self) -> float:
        own = time.process_time()
        if self.other is not None:
            times = self.other.cpu_times()
            own += times.user + times.system
        return own

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, self._cpu() - self.cpu


def _row(label: str, clock: Clock) -> None:
    print(f"  {label:44} {clock.wall:6.3f} s wall {clock.cpu:6.3f} s CPU", flush=True)


def in_worker(job, out_dir: Path, facts, imports) -> None:
    """Part 1: the build's own steps for ``job``, in a warm kernel (run twice: the second
    is what a page costs once the kernel has read the mart)."""
    import psutil

    from heenb.publish.runner import Runner
    from heenb.publish.saving import ENGINE
    from heenb.render.html import about, page_tables
    from heenb.render.spreadsheet import write_workbook

    runner = Runner(out_dir, 300, facts=facts, imports=imports)
    with Clock() as start:
        from heenb.publish.kernels import WarmKernel

        runner.kernel = WarmKernel(imports)
    _row("kernel start and warm-up imports (once)", start)
    kernel = psutil.Process(runner.kernel.manager.provisioner.process.pid)
    attempts = ("first page of a kernel", "a later page, its charts drawn and encoded",
                "a later page, its charts cached")  # fmt: skip
    for attempt in attempts:
        print(f" {job.output}, {attempt}:")
        with tempfile.TemporaryDirectory() as work:
            with Clock(kernel) as reset:
                runner.kernel.reset(job.notebook.parent)
            _row("kernel reset", reset)
            if "cached" not in attempt:  # as for a page whose charts no page showed before
                emptied = runner.kernel.client.execute(EMPTY_CHART_CACHE, silent=True)
                runner.kernel._await(emptied, 60)
            import papermill

            with Clock(kernel) as run:
                notebook = papermill.execute_notebook(
                    str(job.notebook), str(Path(work) / "run.ipynb"),
                    parameters=dict(job.parameters), kernel_name="python3",
                    progress_bar=False, log_output=False, cwd=str(job.notebook.parent),
                    km=runner.kernel.manager, engine_name=ENGINE,
                )  # fmt: skip
            _row("papermill: the notebook in the kernel", run)
            with Clock() as export:
                page = runner.exporter.to_html(notebook, facts, job.title, job.output)
            _row(f"export to HTML ({len(page) / 1e6:.2f} MB)", export)
            with Clock() as sheet:
                tables = page_tables(notebook)
                if tables:
                    write_workbook(Path(work) / "t.xlsx", tables, job.title, about(notebook, facts))
            _row(f"spreadsheet ({len(tables)} tables)", sheet)
            total = reset.wall + run.wall + export.wall + sheet.wall
            cpu = reset.cpu + run.cpu + export.cpu + sheet.cpu
            print(f"  {'page in all':44} {total:6.3f} s wall {cpu:6.3f} s CPU")
    runner.close()


#: Code run where a page is made, to empty its chart cache: the memory, and a new folder.
EMPTY_CHART_CACHE = """
import pathlib, tempfile
import heenb.charts.cache
heenb.charts.cache._memory.clear()
heenb.charts.cache.folder = lambda empty=pathlib.Path(tempfile.mkdtemp()): empty
"""

#: Functions whose cumulative CPU the profile reports (file name fragment, function).
WATCHED = [
    ("charts/trend.py", None), ("charts/xmr.py", None), ("charts/funnel.py", None),
    ("charts/compare.py", None), ("charts/figure.py", "to_html"),
    ("charts/figure.py", "palette_png"), ("matplotlib/figure.py", "savefig"),
    ("matplotlib/backend_bases.py", "_draw_disabled"),
    ("matplotlib/backends/backend_agg.py", "draw"),
    ("matplotlib/figure.py", "get_tightbbox"),
    ("PIL/Image.py", "save"), ("data/mart.py", "load_mart"),
    ("figures/kpis.py", "protected"), ("charts/figure.py", "new_figure"),
    ("charts/figure.py", "new_panels"),
]  # fmt: skip


def in_kernel_place(job) -> None:
    """Part 2: the notebook's cells in this process, each result shown as HTML."""
    import matplotlib

    matplotlib.use("Agg")
    cells = json.loads(job.notebook.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    for attempt in ("first run in this process", "second run", "profiled"):
        exec(EMPTY_CHART_CACHE, {})  # noqa: S102 - every run draws and encodes its charts
        namespace: dict = {}
        exec(code[0], namespace)  # noqa: S102 - the notebook's parameters cell
        namespace.update(job.parameters)
        profile = cProfile.Profile()
        if attempt == "profiled":  # apart, so the times of the runs before are not inflated
            profile.enable()
        else:
            print(f" {job.output}, cells in this process, {attempt}:")
        for source in code[1:]:
            with Clock() as clock:
                if "\n" in source.strip():
                    exec(source, namespace)  # noqa: S102 - the set-up cell
                else:
                    result = eval(source, namespace)  # noqa: S307 - one section
                    if hasattr(result, "_repr_html_"):
                        result._repr_html_()
            if attempt != "profiled":
                _row(source.strip().splitlines()[-1][:44], clock)
        profile.disable()
    _profiled(profile)


def _profiled(profile: cProfile.Profile) -> None:
    """Cumulative CPU (under the profiler, so inflated) of the watched functions."""
    stats = pstats.Stats(profile).stats
    if os.environ.get("PAGE_PROFILE_DUMP"):
        pstats.Stats(profile).dump_stats(os.environ["PAGE_PROFILE_DUMP"])
    totals: dict[str, list] = {}
    for (filename, _line, name), (_cc, calls, _tt, cumulative, _callers) in stats.items():
        for fragment, function in WATCHED:
            if filename.endswith(fragment) and (function == name or function is None):
                if function is None and name.startswith("_"):
                    continue
                key = f"{fragment.split('/')[-1]}:{name}"
                totals.setdefault(key, [0, 0.0])
                totals[key][0] += calls
                totals[key][1] += cumulative
    print("  profile of the cells run a third time (cumulative CPU, inflated by the profiler):")
    for key, (calls, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"    {key:50} {calls:5d} calls {seconds:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "demo"), help="raw data folder")
    parser.add_argument("--skip-kernel", action="store_true", help="only part 2")
    parser.add_argument("pages", nargs="*", default=["area/Y60.html", "objective/maternity.html"])
    args = parser.parse_args()
    data = Path(args.data).resolve()
    os.environ["HEENB_DATA"] = str(data)
    from heenb import plan as plans
    from heenb.data.mart import PINNED_MART, build_mart, pin
    from heenb.plan import warm_up_imports
    from heenb.render.facts import PageFacts

    folder = build_mart(data)
    os.environ[PINNED_MART] = pin(data, folder)  # as a build does: every page reads this mart
    jobs = {job.output: job for job in plans.load_plan()}
    chosen = [jobs[page] for page in args.pages]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; "
          f"{os.cpu_count()} cores; data {data}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        for job in chosen:
            if not args.skip_kernel:
                in_worker(job, Path(out), PageFacts(data.name, folder.name),
                          warm_up_imports(chosen))  # fmt: skip
            in_kernel_place(job)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
