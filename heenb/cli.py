"""The ``heenb`` command: validate data, make demo data, list and build reports.

Errors the user can fix are printed as one paragraph, without a traceback,
and the command exits non-zero: 1 when data or reports failed, 2 for a bad
command line, plan or parameter.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time

from heenb import __version__
from heenb.errors import DataChangedError, DataValidationError, HeenbError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heenb", description="Reporting workbook for NHS workforce education (HEE KPIs)."
    )
    parser.add_argument("--version", action="version", version=f"heenb {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data_help = "raw data folder (default: $HEENB_DATA, else data/demo)"
    validate = commands.add_parser("validate", help="check the raw data files against the contract")
    validate.add_argument("--data", metavar="DIR", help=data_help)
    plan_help = "report plan (default: reports.yml)"
    validate.add_argument("--plan", metavar="FILE", help=plan_help)

    build = commands.add_parser("build", help="run every report through papermill into HTML")
    build.add_argument("--data", metavar="DIR", help=data_help)
    build.add_argument("--out", metavar="DIR", help="reports folder (default: reports/)")
    build.add_argument("--only", metavar="PATTERN",
                       help="build only reports whose name matches (glob, comma-separated), "
                            "e.g. 'objective/*' or 'area/Y60'")  # fmt: skip
    build.add_argument("--workers", type=int, metavar="N", help="parallel reports (default: cores)")
    build.add_argument("--timeout", type=int, default=300, metavar="SECONDS",
                       help="longest a notebook cell may run (default: 300)")  # fmt: skip
    build.add_argument("--force", action="store_true",
                       help="rebuild even reports whose inputs have not changed")  # fmt: skip
    build.add_argument("--plan", metavar="FILE", help=plan_help)
    build.add_argument("--fresh-kernels", action="store_true",
                       help="a new kernel for every report (slower; for benchmarks)")  # fmt: skip

    listing = commands.add_parser("list", help="print the report set")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    listing.add_argument("--plan", metavar="FILE", help=plan_help)

    demo = commands.add_parser("demo-data", help="write a deterministic demo raw data set")
    demo.add_argument("--out", metavar="DIR", required=True, help="folder to write")
    demo.add_argument("--seed", type=int, default=None, help="random seed")
    demo.add_argument("--scale", type=float, default=1.0, help="1 = NHS England scale")

    commands.add_parser("schema", help="print the raw data contract as Markdown")
    return parser


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by a signal other than Ctrl-C (SIGTERM)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _sigterm_stops():
            return _COMMANDS[args.command](args)
    except (DataValidationError, DataChangedError) as error:
        print(f"heenb: {error}", file=sys.stderr)
        return 1
    except HeenbError as error:
        print(f"heenb: {error}", file=sys.stderr)
        return 2
    except Stopped as stop:
        name = signal.Signals(stop.signum).name
        print(f"heenb: stopped ({name}); pages already written are kept and recorded.",
              file=sys.stderr)  # fmt: skip
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("heenb: stopped.", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _sigterm_stops():
    """SIGTERM unwinds like Ctrl-C (workers stopped, records written), as :class:`Stopped`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _validate(args) -> int:
    from heenb import paths
    from heenb.build.plan import load_plan
    from heenb.data.validate import read_raw

    data_dir = paths.data_dir(args.data)
    jobs = load_plan(args.plan)  # the plan is checked too
    tables = read_raw(data_dir)
    rows = ", ".join(f"{name} {len(t):,}" for name, t in tables.items())
    print(f"{data_dir}: valid ({rows} rows). The plan's {len(jobs)} report(s) can be built.")
    return 0


def _build(args) -> int:
    from collections import Counter

    from heenb.build.engine import BUILT, FAILED, INDEX_OUTPUT, UP_TO_DATE, build

    started = time.time()
    outcomes = build(args.data, args.out, args.only, args.workers, args.timeout,
                     force=args.force, plan_file=args.plan,
                     fresh_kernels=args.fresh_kernels)  # fmt: skip
    counts = Counter(o.status for o in outcomes if o.output != INDEX_OUTPUT)
    index = next((o.status for o in outcomes if o.output == INDEX_OUTPUT), None)
    index_note = {BUILT: "; index rebuilt", FAILED: "; index FAILED", None: ""}[index]
    print(f"Built {counts[BUILT]} of {counts.total()} report(s) in {time.time() - started:.1f} s "
          f"({counts[FAILED]} failed, {counts[UP_TO_DATE]} up to date){index_note}.")  # fmt: skip
    failed = [o for o in outcomes if o.status == FAILED]
    for outcome in failed:
        kept = f" (notebook kept at {outcome.failed_notebook})" if outcome.failed_notebook else ""
        print(f"FAILED {outcome.output}: {outcome.error}{kept}", file=sys.stderr)
    return 1 if failed else 0


def _list(args) -> int:
    from heenb.build.plan import load_plan

    jobs = load_plan(args.plan)
    if args.format == "json":
        print(json.dumps([job.as_dict() for job in jobs], indent=2))
    else:
        for job in jobs:
            parameters = " ".join(f"{k}={v}" for k, v in job.parameters.items())
            print(f"{job.output:32} {job.notebook.name:18} {parameters}")
    return 0


def _demo_data(args) -> int:
    from heenb.data.demo import DEFAULT_SEED, write_demo_data

    rows = write_demo_data(args.out, seed=DEFAULT_SEED if args.seed is None else args.seed,
                           scale=args.scale)  # fmt: skip
    print(f"Wrote demo data to {args.out}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


def _schema(args) -> int:
    from heenb.data.contract import markdown

    print(markdown())
    return 0


_COMMANDS = {
    "validate": _validate,
    "build": _build,
    "list": _list,
    "demo-data": _demo_data,
    "schema": _schema,
}

if __name__ == "__main__":
    sys.exit(main())
