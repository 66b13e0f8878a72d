"""Where a build's page CPU goes: pages run one after another in one warm kernel, as one
build worker runs them, with cProfile in the kernel and in the worker.

For each page: the kernel reset, papermill running the notebook in the kernel (the
kernel's cells profiled), the export to HTML and the spreadsheet (the worker's steps
profiled). The chart cache starts empty (``$HEENB_CACHE`` is pointed at a new folder
holding only the built mart), so a chart is encoded the first time a page shows it and
read from the cache when a later page shows it again, as in ``heenb build --force``.

It prints CPU seconds measured without a profiler (worker and kernel processes, from
``/proc``), then the profiled run's CPU shares: the cumulative CPU of the functions
that stand for each step (data load, chart drawing, chart encoding, ...). Under the
profiler Python code runs slower than C code, so the shares are a guide; the
unprofiled seconds are the measure.

Usage: ``.venv/bin/python benchmarks/build_profile.py [--data DIR] [--pages N | PAGE ...]``
(default: every page of the plan but the index and the page of changes, in plan order;
``--pages N``: N pages spread over the plan). Give the machine's load with every number:
the script prints it.
"""

from __future__ import annotations

import argparse
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (step, file name fragment, function): a step's CPU is the cumulative CPU of its function.
STEPS = [
    ("data load: mart, catalogue, protected figures", "data/mart.py", "load_mart"),
    ("data load: mart, catalogue, protected figures", "data/catalogue.py", "load_catalogue"),
    ("data load: mart, catalogue, protected figures", "figures/kpis.py", "protected"),
    ("charts: drawing (the chart functions)", "charts/cache.py", "chart_with_key"),
    ("charts: input key (hash of the arguments)", "charts/cache.py", "input_key"),
    ("charts: encoding for the page (to_html)", "charts/figure.py", "to_html"),
    ("charts: ... of which reading the cache", "charts/cache.py", "encoded"),
    ("charts: ... of which drawing pixels (Agg)", "backends/backend_agg.py", "draw"),
    ("charts: ... of which layout (tight box)", "matplotlib/figure.py", "get_tightbbox"),
    ("charts: ... of which the palette PNG", "charts/figure.py", "palette_png_of"),
    ("charts: ... of which SVG written", "charts/figure.py", "_svg"),
    ("sections in all (figures, tables, words, charts)", "report/common.py", "shown"),
    ("kernel: a cell run by IPython in all", "IPython/core/interactiveshell.py", "run_cell"),
]
WORKER_STEPS = [
    ("export to HTML (nbconvert, our template)", "render/html.py", "to_html"),
    ("spreadsheet (gptables)", "render/spreadsheet.py", "write_workbook"),
]

KERNEL_PROFILE_ON = "import cProfile, sys\nsys._heenb_profile = cProfile.Profile()\n" \
    "sys._heenb_profile.enable()"  # fmt: skip
KERNEL_PROFILE_OFF = "import sys\nsys._heenb_profile.disable()\n" \
    "sys._heenb_profile.dump_stats({path!r})"  # fmt: skip


def cumulative(stats: pstats.Stats, steps) -> dict[str, float]:
    """Each step's CPU: the cumulative CPU of its functions (the outermost call of each)."""
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _calls, _tt, seconds, _callers) in stats.stats.items():
        for step, fragment, function in steps:
            if filename.endswith(fragment) and name == function:
                totals[step] = totals.get(step, 0.0) + seconds
    return totals


def cpu_of(process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run(jobs, data: Path, folder, profile: bool, work: Path) -> tuple[dict, list]:
    """Run ``jobs`` in one warm kernel; return the profiled CPU by step (if ``profile``)
    and each page's unprofiled (reset, papermill, export, spreadsheet) CPU seconds."""
    import cProfile

    import papermill
    import psutil

    from heenb.plan import warm_up_imports
    from heenb.publish.kernels import KERNEL_NAME
    from heenb.publish.runner import Runner
    from heenb.publish.saving import ENGINE
    from heenb.render.facts import PageFacts
    from heenb.render.html import about, page_tables
    from heenb.render.spreadsheet import write_workbook

    facts = PageFacts(data.name, folder.name)
    runner = Runner(work, 300, facts=facts, imports=warm_up_imports(jobs))
    from heenb.publish.kernels import WarmKernel

    runner.kernel = WarmKernel(runner.imports)
    kernel = psutil.Process(runner.kernel.manager.provisioner.process.pid)
    me = psutil.Process()
    worker_profile = cProfile.Profile()
    kernel_stats = None
    pages = []
    for number, job in enumerate(jobs):
        row = {}
        before = cpu_of(kernel)
        runner.kernel.reset(job.notebook.parent)
        row["kernel reset"] = cpu_of(kernel) - before
        if profile:
            runner.kernel._await(runner.kernel.client.execute(KERNEL_PROFILE_ON, silent=True), 60)
        before, mine = cpu_of(kernel), cpu_of(me)
        if profile:
            worker_profile.enable()
        notebook = papermill.execute_notebook(
            str(job.notebook), str(work / "run.ipynb"), parameters=dict(job.parameters),
            kernel_name=KERNEL_NAME, progress_bar=False, log_output=False,
            cwd=str(job.notebook.parent), km=runner.kernel.manager,
            engine_name=ENGINE,  # as a build worker runs it: the notebook written once
        )  # fmt: skip
        worker_profile.disable()
        row["notebook in the kernel"] = cpu_of(kernel) - before
        row["papermill, in the worker"] = cpu_of(me) - mine
        if profile:
            dump = work / f"kernel-{number}.prof"
            off = KERNEL_PROFILE_OFF.format(path=str(dump))
            runner.kernel._await(runner.kernel.client.execute(off, silent=True), 60)
            kernel_stats = pstats.Stats(str(dump)) if kernel_stats is None else \
                kernel_stats.add(str(dump))  # fmt: skip
        mine = cpu_of(me)
        if profile:
            worker_profile.enable()
        runner.exporter.to_html(notebook, facts, job.title, job.output)
        worker_profile.disable()
        row["export to HTML"] = cpu_of(me) - mine
        mine = cpu_of(me)
        if profile:
            worker_profile.enable()
        tables = page_tables(notebook)
        if tables:
            write_workbook(work / "t.xlsx", tables, job.title, about(notebook, facts))
        worker_profile.disable()
        row["spreadsheet"] = cpu_of(me) - mine
        pages.append((job.output, row))
    runner.close()
    steps = {}
    if profile:
        steps.update(cumulative(kernel_stats, STEPS))
        steps.update(cumulative(pstats.Stats(worker_profile), WORKER_STEPS))
        if os.environ.get("BUILD_PROFILE_DUMP"):
            kernel_stats.dump_stats(os.environ["BUILD_PROFILE_DUMP"])
    return steps, pages


def fresh_cache(folder: Path, into: Path) -> None:
    """Point ``$HEENB_CACHE`` at ``into``: the built mart ``folder``, no encoded charts."""
    from heenb import paths

    os.environ["HEENB_CACHE"] = str(into)
    shutil.copytree(folder, paths.mart_root() / folder.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "demo"), help="raw data folder")
    parser.add_argument("--pages", type=int, help="this many pages, spread over the plan")
    parser.add_argument("--no-profile", action="store_true", help="only the unprofiled run")
    parser.add_argument("page", nargs="*", help="pages as `heenb list` names them")
    args = parser.parse_args()
    data = Path(args.data).resolve()
    os.environ["HEENB_DATA"] = str(data)
    from heenb import plan as plans
    from heenb.data.mart import PINNED_MART, build_mart, pin

    folder = build_mart(data)
    os.environ[PINNED_MART] = pin(data, folder)  # as a build does: every page reads this mart
    jobs = plans.load_plan()
    if args.page:
        chosen = {job.output: job for job in jobs}
        jobs = [chosen[page] for page in args.page]
    elif args.pages:
        step = len(jobs) / args.pages
        jobs = [jobs[int(i * step)] for i in range(args.pages)]
    print(f"{len(jobs)} pages; load average {_load()}; {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="heenb-profile-") as work:
        work = Path(work)
        fresh_cache(folder, work / "cache-plain")
        started = time.perf_counter()
        _, pages = run(jobs, data, folder, False, work)
        wall = time.perf_counter() - started
        print(f"unprofiled, empty chart cache ({wall:.1f} s wall; load {_load()}):")
        _pages(pages)
        if args.no_profile:
            return
        fresh_cache(folder, work / "cache-profiled")
        steps, _ = run(jobs, data, folder, True, work)
    print(f"profiled run, CPU s a page (inflated by the profiler; load {_load()}):")
    for step, seconds in steps.items():
        print(f"  {step:58} {seconds / len(jobs):6.3f}")
    sys.stdout.flush()


def _pages(pages: list) -> None:
    columns = list(pages[0][1])
    totals = {c: sum(row[c] for _, row in pages) for c in columns}
    first, later = pages[0][1], pages[1:]
    print(f"  {'CPU s':28}" + "".join(f"{c[:14]:>15}" for c in columns) + f"{'page':>8}")
    print(f"  {'first page: ' + pages[0][0]:28}" + "".join(f"{first[c]:15.3f}" for c in columns)
          + f"{sum(first.values()):8.3f}")  # fmt: skip
    if later:
        mean = {c: (totals[c] - first[c]) / len(later) for c in columns}
        print(f"  {'mean of the later pages':28}" + "".join(f"{mean[c]:15.3f}" for c in columns)
              + f"{sum(mean.values()):8.3f}")  # fmt: skip
    if os.environ.get("BUILD_PROFILE_PAGES"):
        for page, row in pages:
            print(f"  {page:28}" + "".join(f"{row[c]:15.3f}" for c in columns)
                  + f"{sum(row.values()):8.3f}")  # fmt: skip


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()[:2])


if __name__ == "__main__":
    main()
