"""Time the data stage (validate the raw files, derive and write the mart) at scale 1 and 10.

For each scale, demo data is generated, in a process of its own, into a
temporary folder (kept between runs under ``--work``, default
``/tmp/heenb-data-stage``, and regenerated when the generator's output would
differ: a file beside the folder records the seed, the scale and a hash of the
generator's code and reference files), then one fresh Python process runs
:func:`heenb.data.mart.build_mart` into an empty cache and reports its wall
time, CPU time (user and system, which other work on a busy machine inflates
less than wall time) and peak resident memory, which includes importing pandas
and heenb. On Linux the peak is that process's own ``VmHWM``: its
``ru_maxrss`` is not, since Linux carries the high-water mark across
``execve`` from the process that started it, so a child of a process that had
just generated scale-10 data reported the generator's 5.6 GiB as its own.

Usage: ``.venv/bin/python benchmarks/data_stage.py [--scales 1 10] [--work DIR]``.
Target: at scale 10, under 40 s and under 4 GiB.
"""

from __future__ import annotations

import argparse
import hashlib
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
cpu = usage.ru_utime + usage.ru_stime
try:  # this process's own peak (ru_maxrss may be its parent's: see the module docstring)
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) * 1024
except (OSError, IndexError, ValueError):
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_bytes": peak, "rows": rows}))
"""
_GENERATE = """
import sys
from pathlib import Path
from heenb.data.demo import write_demo_data
write_demo_data(Path(sys.argv[1]), scale=float(sys.argv[2]), force=True)
"""
#: What the demo data depends on besides seed and scale.
_GENERATOR = ["heenb/data/demo.py", "heenb/data/contract.py", "heenb/data/catalogue.py"]


def _fingerprint(scale: float) -> dict:
    from heenb.data.demo import DEFAULT_SEED

    digest = hashlib.sha256()
    for path in [*(ROOT / name for name in _GENERATOR),
                 *sorted((ROOT / "data" / "reference").glob("*.csv"))]:  # fmt: skip
        digest.update(path.name.encode() + path.read_bytes())
    return {"seed": DEFAULT_SEED, "scale": scale, "generator": digest.hexdigest()[:16]}


def generate(folder: Path, scale: float) -> float:
    """Write demo data at ``scale`` into ``folder`` unless it is there already; seconds taken.

    The generator runs in a process of its own, so the memory it takes is no
    part of this one's or the measured process's.
    """
    record = folder.with_name(f"{folder.name}.json")
    fingerprint = _fingerprint(scale)
    if record.is_file() and json.loads(record.read_text()) == fingerprint:
        return 0.0
    record.unlink(missing_ok=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", _GENERATE, str(folder), str(scale)], env=env,
                   check=True)  # fmt: skip
    record.write_text(json.dumps(fingerprint) + "\n")
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
