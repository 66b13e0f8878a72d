"""Time the data stage (validate the raw files, derive and write the mart) at scale 1 and 10.

For each scale, demo data is generated into a temporary folder (kept between
runs under ``--work``, default ``/tmp/heenb-data-stage``, and regenerated when
the generator's output would differ: a marker records seed and scale), then
one fresh Python process runs :func:`heenb.data.mart.build_mart` into an empty
cache and reports its wall time and peak resident memory (``ru_maxrss`` of
that process, which includes importing pandas and heenb) and CPU time (user and
system, which other work on a busy machine inflates less than wall time).

Usage: ``.venv/bin/python benchmarks/data_stage.py [--scales 1 10] [--work DIR]``.
Target: at scale 10, under 40 s and under 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from heenb.data.mart import build_mart
started = time.perf_counter()
folder = build_mart(Path(sys.argv[1]))
seconds = time.perf_counter() - started
rows = json.loads((folder / "meta.json").read_text())["rows"]
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_bytes": peak, "rows": rows}))
"""


def generate(folder: Path, scale: float) -> float:
    """Write demo data at ``scale`` into ``folder`` unless it is there already; seconds taken."""
    from heenb.data.demo import DEMO_MARKER, write_demo_data

    marker = folder / DEMO_MARKER
    if marker.is_file() and json.loads(marker.read_text()).get("scale") == scale:
        return 0.0
    started = time.perf_counter()
    write_demo_data(folder, scale=scale, force=True)
    return time.perf_counter() - started


def data_stage(folder: Path) -> dict:
    """Seconds, peak RSS and rows of one ``build_mart`` into an empty cache, in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="heenb-cache-") as cache:
        env = {**os.environ, "HEENB_CACHE": cache, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/heenb-data-stage"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    for scale in args.scales:
        folder = args.work / f"scale-{scale:g}"
        made = generate(folder, scale)
        result = data_stage(folder)
        rows = sum(result["rows"].values())
        note = f" (data generated in {made:.0f} s)" if made else ""
        print(f"scale {scale:g}: {result['seconds']:.1f} s ({result['cpu']:.1f} s CPU), peak RSS "
              f"{result['peak_bytes'] / GIB:.2f} GiB, {rows:,} raw rows{note}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
