"""What each chart of a few pages costs: drawing it (the chart function and its matplotlib
figure) and encoding it for the page (``Chart.to_html`` without the chart cache), CPU
seconds, best of a few runs. A page that reads the chart from the chart cache pays only the
chart function's words and table: the figure is drawn when first needed.

The pages' notebook cells are run in this process (as a kernel runs them) to collect
every chart call with its arguments; each call is then repeated on its own. Prints a
line per chart and the totals, with the embedded image's size and pixels.

Usage: ``.venv/bin/python benchmarks/chart_cost.py [--data DIR] [--repeat N] [PAGE ...]``
(pages as ``heenb list`` names them; default one area, one objective and one STP page).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["area/Y60.html", "objective/maternity.html", "stp/E54000008.html"]


def collect(jobs) -> list[tuple]:
    """(page, function, args, kwargs) of every keyed chart the pages' cells make."""
    import matplotlib

    matplotlib.use("Agg")
    from heenb.charts import cache

    calls, page = [], [""]
    original = cache.input_key

    def recording(function, args, kwargs):
        calls.append((page[0], function, args, kwargs))
        return ""  # no key: nothing is read from or kept in the cache

    cache.input_key = recording
    try:
        for job in jobs:
            page[0] = job.output
            cells = json.loads(job.notebook.read_text())["cells"]
            code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
            namespace: dict = {}
            exec(code[0], namespace)  # noqa: S102 - the notebook's parameters cell
            namespace.update(job.parameters)
            for source in code[1:]:
                if "\n" in source.strip():
                    exec(source, namespace)  # noqa: S102 - the set-up cell
                    continue
                result = eval(source, namespace)  # noqa: S307 - one section
                if hasattr(result, "_repr_html_"):
                    result._repr_html_()
    finally:
        cache.input_key = original
    return calls


def measure(function, args, kwargs, repeat: int) -> tuple[float, float, str]:
    """Best CPU seconds of making the chart (the chart function and its figure: what a
    page showing the chart pays) and of encoding it, and its ``<img>`` tag."""
    draw = encode = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        chart = function(*args, **kwargs)
        chart.figure  # noqa: B018 - drawn when first asked for
        drawn = time.process_time()
        chart.key = ""
        tag = chart.to_html()
        done = time.process_time()
        draw, encode = min(draw, drawn - started), min(encode, done - drawn)
    return draw, encode, tag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "demo"), help="raw data folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each chart (best kept)")
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    data = Path(args.data).resolve()
    os.environ["HEENB_DATA"] = str(data)
    from heenb import plan as plans
    from heenb.data.mart import PINNED_MART, build_mart, pin

    folder = build_mart(data)
    os.environ[PINNED_MART] = pin(data, folder)
    jobs = {job.output: job for job in plans.load_plan()}
    calls = collect([jobs[page] for page in args.pages])
    print(f"{len(calls)} charts; load average {os.getloadavg()[0]:.2f}")
    print(f"  {'page':26} {'chart':18} {'draw s':>7} {'encode s':>9} {'bytes':>8} {'pixels':>11}")
    totals = [0.0, 0.0, 0]
    for page, function, call_args, kwargs in calls:
        draw, encode, tag = measure(function, call_args, kwargs, args.repeat)
        image = re.search(r'src="data:image/[a-z+]+;base64,([^"]+)"', tag)
        size = len(base64.b64decode(image.group(1))) if image else 0
        shown = re.search(r'width="(\d+)" height="(\d+)"', tag)
        pixels = f"{shown.group(1)}x{shown.group(2)}" if shown else "?"
        totals[0] += draw
        totals[1] += encode
        totals[2] += size
        print(
            f"  {page:26} {function.__name__:18} {draw:7.3f} {encode:9.3f} {size:8d} {pixels:>11}"
        )
    n = len(calls)
    print(f"  {'total':45} {totals[0]:7.3f} {totals[1]:9.3f} {totals[2]:8d}")
    print(f"  {'mean a chart':45} {totals[0] / n:7.3f} {totals[1] / n:9.3f} {totals[2] // n:8d}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
