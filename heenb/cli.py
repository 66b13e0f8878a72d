"""The ``heenb`` command: validate data, make demo data, list and build reports.

Errors the user can fix are printed as one paragraph, without a traceback,
and the command exits non-zero: 2 for a bad command line, plan or parameter
(and, for ``build``, anything that refuses the build before it starts, bad data
included); 1 when ``validate`` finds the data invalid or a build publishes less
than asked (:data:`BUILD_STATUSES`).
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import os
import signal
import sys
import threading
import time

from heenb import __version__
from heenb.errors import DataChangedError, DataValidationError, HeenbError

#: The exit statuses of ``heenb build`` (as :mod:`heenb.publish.run_outcome` describes).
BUILD_STATUSES = """\
exit status:
  0        every selected report was built or is up to date, and the index too
  1        the build ran but published less than asked: a report was skipped (a raw
           source it reads is missing) or failed, a raw file changed during the build,
           a file pages read (a helper module, a declared input) changed while they
           were built (they are not recorded as current; the next build rebuilds them),
           the build lost its folder's lock part-way, or a file of its own
           (build.json, outcome.json, a release) could not be written (a full disk)
  2        refused before building anything: a bad command line, plan, catalogue,
           setting, output folder or data, or another build holds the folder
  128+N    stopped by signal N (143 for SIGTERM, 130 for Ctrl-C)

Every build that takes the folder's lock writes OUT/outcome.json: the result, the
exit status and, for each report, whether it was built, kept, skipped or failed,
and why."""
REFUSED = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heenb", description="Reporting workbook for NHS workforce education (HEE KPIs)."
    )
    parser.add_argument("--version", action="version", version=f"heenb {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data_help = "raw data folder (default: $HEENB_DATA, else data/demo)"
    validate = commands.add_parser("validate", help="check the raw data files against the contract")
    validate.add_argument("--data", metavar="DIR", help=data_help)
    plan_help = "report plan (default: $HEENB_PLAN, else reports.yml)"
    validate.add_argument("--plan", metavar="FILE", help=plan_help)
    reference_help = "reference catalogue folder (default: $HEENB_REFERENCE, else data/reference)"
    validate.add_argument("--reference", metavar="DIR", help=reference_help)

    build = commands.add_parser("build", help="run every report through papermill into HTML",
                                epilog=BUILD_STATUSES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
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
    build.add_argument("--reference", metavar="DIR", help=reference_help)
    build.add_argument("--fresh-kernels", action="store_true",
                       help="a new kernel for every report (slower; for benchmarks)")  # fmt: skip
    build.add_argument("--quiet", "-q", action="store_true",
                       help="print nothing unless reports were skipped or failed, or the "
                            "build was refused (for cron); the exit status and "
                            "outcome.json still tell")  # fmt: skip

    listing = commands.add_parser("list", help="print the report set")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    listing.add_argument("--plan", metavar="FILE", help=plan_help)
    listing.add_argument("--reference", metavar="DIR", help=reference_help)

    demo = commands.add_parser("demo-data", help="write a deterministic demo raw data set")
    demo.add_argument("--out", metavar="DIR", required=True, help="folder to write")
    demo.add_argument("--seed", type=int, default=None, help="random seed")
    demo.add_argument("--scale", type=float, default=1.0, help="1 = NHS England scale")
    demo.add_argument("--force", action="store_true",
                      help="write into a folder holding other files too")  # fmt: skip

    commands.add_parser("schema", help="print the raw data contract as Markdown")

    new = commands.add_parser("new-report", help="write a report notebook and its plan entry")
    new.add_argument("name", help="the report's name (letters, digits, '-', '_'): "
                                  "notebooks/NAME.ipynb, pages under NAME/")  # fmt: skip
    new.add_argument("--parameter", required=True, metavar="P",
                     help="the parameter each report is run with, e.g. objective")  # fmt: skip
    new.add_argument("--values", metavar="SET",
                     help="the catalogue value set P runs over, as in reports.yml "
                          "(default: the set P names; see heenb.data.catalogue)")  # fmt: skip
    new.add_argument("--sources", metavar="A,B",
                     help="the raw sources the report reads (default: every source)")  # fmt: skip
    new.add_argument("--plan", metavar="FILE",
                     help="report plan to add it to (default: $HEENB_PLAN, else reports.yml); "
                          "the notebook goes in notebooks/ beside it")  # fmt: skip
    return parser


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by a signal other than Ctrl-C (SIGTERM)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _stacks_on_sigusr1()
    try:
        with _sigterm_stops(), _reference(getattr(args, "reference", None)):
            return _COMMANDS[args.command](args)
    except (DataValidationError, DataChangedError) as error:
        print(f"heenb: {error}", file=sys.stderr)
        refused = args.command == "build" and not getattr(error, "published", False)
        return REFUSED if refused else 1
    except HeenbError as error:
        print(f"heenb: {error}", file=sys.stderr)
        return 1 if getattr(error, "published", False) else REFUSED  # lost its lock part-way
    except Stopped as stop:
        name = signal.Signals(stop.signum).name
        print(f"heenb: stopped ({name}); pages already written are kept and recorded.",
              file=sys.stderr)  # fmt: skip
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("heenb: stopped.", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _reference(folder: str | None):
    """``--reference DIR``: the catalogue folder for this command, its workers and kernels."""
    if not folder:
        yield
        return
    from heenb import paths

    chosen = paths.reference_dir(folder)
    if not chosen.is_dir():
        raise HeenbError(
            f"--reference {folder}: {chosen} is not a folder; give a folder of reference CSV "
            f"files like {paths.REFERENCE_DIR}."
        )
    saved = os.environ.get("HEENB_REFERENCE")
    os.environ["HEENB_REFERENCE"] = str(chosen)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HEENB_REFERENCE", None)
        else:
            os.environ["HEENB_REFERENCE"] = saved


def _stacks_on_sigusr1() -> None:
    """``kill -USR1 <pid>`` prints the stack of each thread of this process on standard
    error, to see where a build that seems stuck waits (its workers are other processes)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGUSR1"):
        with contextlib.suppress(AttributeError, ValueError, OSError, RuntimeError):
            faulthandler.register(signal.SIGUSR1, all_threads=True, chain=False)  # no stderr file


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
    """Validate the raw files present; name each missing one and the report types it blocks."""
    from heenb import paths
    from heenb.data.contract import RAW_FILES
    from heenb.data.gaps import raw_gaps, warning_lines
    from heenb.data.published import load_sources
    from heenb.data.validate import read_raw
    from heenb.plan import load_plan

    data_dir = paths.data_folder(args.data)
    jobs = load_plan(args.plan)  # the plan is checked too
    missing = [raw for raw in RAW_FILES if not (data_dir / raw.filename).is_file()]
    if len(missing) == len(RAW_FILES) or not data_dir.is_dir():
        read_raw(data_dir)  # no raw file at all: says what is expected, and exits 1
    tables = read_raw(data_dir, missing_ok=True)
    rows = ", ".join(f"{raw.name} {len(tables[raw.name]):,}" for raw in RAW_FILES
                     if raw not in missing)  # fmt: skip
    gaps = raw_gaps(tables)
    warned = f"; {len(gaps)} warning(s) of missing periods below" if gaps else ""
    print(f"{data_dir}: the files present are valid ({rows} rows){warned}.")
    for line in warning_lines(gaps):
        print(line)
    for source in load_sources().values():  # published statistics, read as declared
        table = source.table()
        print(f"{source.name} (published, {len(source.files)} file(s) in "
              f"{source.folder.name}/): read as declared, {len(table):,} rows from "
              f"{table['period'].min()} to {table['period'].max()}.")  # fmt: skip
    blocked = set()
    for raw in missing:
        groups = list(dict.fromkeys(j.group for j in jobs if raw.name in j.raw_sources))
        blocked |= {j.output for j in jobs if raw.name in j.raw_sources}
        print(f"{raw.filename}: not in the folder; the {', '.join(groups) or 'no'} report(s) "
              "that read it cannot be built.")  # fmt: skip
    buildable = len(jobs) - len(blocked)
    print(f"{buildable} of the plan's {len(jobs)} report(s) can be built from this data.")
    return 0 if buildable else 1


def _build(args) -> int:
    """Build; print a summary (on standard error only, and only if something was not built,
    with ``--quiet``); return the exit status of :data:`BUILD_STATUSES`."""
    from collections import Counter

    from heenb.publish.engine import (
        BUILT,
        CHANGES_OUTPUT,
        FAILED,
        INDEX_OUTPUT,
        SKIPPED,
        UP_TO_DATE,
        build,
    )
    from heenb.publish.run_outcome import COMPLETE, INCOMPLETE

    started = time.time()
    outcomes = build(args.data, args.out, args.only, args.workers, args.timeout,
                     force=args.force, plan_file=args.plan, fresh_kernels=args.fresh_kernels,
                     progress=_silent if args.quiet else None)  # fmt: skip
    own = (INDEX_OUTPUT, CHANGES_OUTPUT)  # heenb's own pages, not the plan's reports
    counts = Counter(o.status for o in outcomes if o.output not in own)
    failed = [o for o in outcomes if o.status == FAILED]
    status = INCOMPLETE if failed or counts[SKIPPED] else COMPLETE
    say = print if not args.quiet else _to_stderr if status != COMPLETE else _silent
    index = next((o.status for o in outcomes if o.output == INDEX_OUTPUT), None)
    index_note = {BUILT: "; index rebuilt", FAILED: "; index FAILED", None: ""}[index]
    skipped_note = f", {counts[SKIPPED]} skipped" if counts[SKIPPED] else ""
    say(f"Built {counts[BUILT]} of {counts.total()} report(s) in {time.time() - started:.1f} s "
        f"({counts[FAILED]} failed, {counts[UP_TO_DATE]} up to date{skipped_note})"
        f"{index_note}.")  # fmt: skip
    why = Counter(o.error for o in outcomes if o.status == SKIPPED)
    for reason, number in why.items():
        names = [o.output for o in outcomes if o.status == SKIPPED and o.error == reason]
        shown = ", ".join(names[:3]) + (f" and {number - 3} more" if number > 3 else "")
        say(f"Skipped {number} report(s) ({shown}): a raw source they read is {reason}.")
    for outcome in failed:
        kept = f" (notebook kept at {outcome.failed_notebook})" if outcome.failed_notebook else ""
        print(f"FAILED {outcome.output}: {outcome.error}{kept}", file=sys.stderr)
    return status


def _silent(line: str) -> None:
    """``--quiet``: no progress."""


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _list(args) -> int:
    from heenb.plan import load_plan

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
                           scale=args.scale, force=args.force)  # fmt: skip
    print(f"Wrote demo data to {args.out}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


def _schema(args) -> int:
    from heenb.data.contract import markdown

    print(markdown())
    return 0


def _new_report(args) -> int:
    from heenb.scaffold import new_report

    sources = None if args.sources is None else [s.strip() for s in args.sources.split(",")
                                                  if s.strip()]  # fmt: skip
    notebook, plan = new_report(args.name, args.parameter, args.values, sources, args.plan)
    print(f"Wrote {notebook} and added the report '{args.name}' to {plan}; build it with "
          f"heenb build --only '{args.name}/*'.")  # fmt: skip
    return 0


_COMMANDS = {
    "validate": _validate,
    "build": _build,
    "list": _list,
    "demo-data": _demo_data,
    "schema": _schema,
    "new-report": _new_report,
}

if __name__ == "__main__":
    sys.exit(main())
