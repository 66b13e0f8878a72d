"""``outcome.json``: what one run of ``heenb build`` did, for schedulers and machines.

The exit status of ``heenb build`` says how a run ended, and ``outcome.json`` in
the reports folder says it in detail. Exit statuses:

``0`` (:data:`COMPLETE`)
    every selected page was built or kept (up to date), and the index too;
``1`` (:data:`INCOMPLETE`)
    the build ran but published less than asked: a page was skipped (a raw source it
    reads is missing) or failed, a raw file changed during the build, a file a page
    reads (a helper module or a declared input) changed while the page was built (the
    page is then not current: see ``files_changed``), the build lost
    its folder's lock part-way (then it writes no outcome: the folder is not its own), or
    a file of its own (``build.json``, this file, a release) could not be written, as on
    a full disk (``result`` is then ``incomplete``, ``error`` names the file);
``2`` (:data:`REFUSED`)
    nothing was built: a bad command line, plan, catalogue, setting, output folder or
    data, or another build holds the folder;
``128 + N``
    stopped by signal N (143 for SIGTERM, 130 for Ctrl-C).

``outcome.json`` is rewritten atomically by every run that takes the folder's lock
(runs refused before that, such as a second build into a busy folder, leave the
last one; its ``finished`` time tells; a run that cannot write it removes the last one,
so no outcome is left that is not the latest run's). It holds ``result`` (``complete``,
``incomplete``, ``refused``, ``stopped`` or ``error``), ``exit_status``, the
times, the data folder's name and version, ``release`` (the id of the release the
run kept, when it published: :mod:`heenb.publish.release`), ``counts``, ``data_changed`` (raw files
changed during the build), ``files_changed`` (files pages read that changed while they were
built: :mod:`heenb.publish.recheck`), ``error`` and, for each selected page, ``status``
(``built``, ``kept``, ``skipped``, ``failed``, or ``not reached`` when the run
stopped first) and ``why``: which inputs changed, ``--force``, a page not as
recorded, or the missing source; a failure adds ``error`` and ``failed_notebook``, and a
page built while a file it reads changed adds ``files_changed`` (it is published but not
current: the next build rebuilds it).
Places in it are relative to the reports folder or the project, or named
(:mod:`heenb.publish.places`): the reports folder is published, the builder's folders are not.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from heenb.files import write_atomically
from heenb.publish.outcome import BUILT, FAILED, SKIPPED, UP_TO_DATE, Outcome
from heenb.publish.places import Places

OUTCOME_FILE = "outcome.json"
#: Exit statuses of ``heenb build`` (see the module docstring).
COMPLETE, INCOMPLETE, REFUSED = 0, 1, 2
RESULTS = {COMPLETE: "complete", INCOMPLETE: "incomplete", REFUSED: "refused"}
#: Each report's status in words: an up-to-date page is kept as it was.
STATUSES = {BUILT: "built", UP_TO_DATE: "kept", SKIPPED: "skipped", FAILED: "failed"}
KEPT_WHY = "its inputs, page and spreadsheet match build.json"
NOT_REACHED = "not reached"
#: The mark of an outcome file heenb wrote.
FORMAT = "heenb build outcome 1"


class RunOutcome:
    """The outcome of one run into ``out_dir``; filled in as the build goes, then written."""

    def __init__(self, out_dir: Path, selected: list[str], places: Places | None = None):
        self.path = out_dir / OUTCOME_FILE
        self.places = places or Places(out_dir)  # how the outcome names places
        self.started = _now()
        self.selected = list(selected)
        self.facts: dict = {}  # the data folder's name and version, the code hash
        self.reasons: dict[str, str] = {}  # why each page is being built
        self.pages: dict[str, dict] = {}
        self.building = False  # set once the first report is handed to a worker
        self.written = False

    def note(self, outcome: Outcome) -> None:
        """What became of one report (the index included)."""
        page = {"page": outcome.output, "status": STATUSES[outcome.status],
                "seconds": round(outcome.seconds, 2)}  # fmt: skip
        if outcome.status == UP_TO_DATE:
            page["why"] = KEPT_WHY
        elif outcome.status == SKIPPED:
            page["why"] = f"a raw source it reads is {outcome.error}"
        else:
            page["why"] = self.reasons.get(outcome.output, "")
        if outcome.status == FAILED:
            page.update(error=self.places.text(outcome.error),
                        failed_notebook=outcome.failed_notebook)  # fmt: skip
        if outcome.files_changed:
            page["files_changed"] = [self.places.path(n) for n in outcome.files_changed]
        self.pages[outcome.output] = page

    def status(self, data_changed: list[str]) -> int:
        """:data:`COMPLETE`, or :data:`INCOMPLETE` when a page was skipped or failed, or the
        data or a file a page reads changed during the build."""
        short = any(p["status"] in ("skipped", "failed") or p.get("files_changed")
                    for p in self.pages.values())  # fmt: skip
        return INCOMPLETE if short or data_changed else COMPLETE

    def finish(self, data_changed: list[str]) -> int:
        """Write the outcome of a build that ran to its end; return its exit status."""
        status = self.status(data_changed)
        self.write(RESULTS[status], status, data_changed=data_changed)
        return status

    def stop(self, error: BaseException) -> None:
        """Write the outcome of a run ended by ``error`` (refused, stopped, or an error)."""
        if self.written:
            return
        if isinstance(error, KeyboardInterrupt):  # Ctrl-C, or SIGTERM (heenb.cli.Stopped)
            self.write("stopped", None, "stopped by a signal")
        elif getattr(error, "published", False):  # it ran, then stopped (a full disk)
            self.write(RESULTS[INCOMPLETE], INCOMPLETE, str(error))
        elif not self.building:
            self.write(RESULTS[REFUSED], REFUSED, str(error))
        else:
            self.write("error", None, f"{type(error).__name__}: {error}")

    def write(self, result: str, status: int | None, error: str = "",
              data_changed: list[str] = ()) -> None:  # fmt: skip
        pages = [self.pages.get(o) or {"page": o, "status": NOT_REACHED, "why": ""}
                 for o in self.selected if o in self.pages or self.building]  # fmt: skip
        pages += [p for o, p in self.pages.items() if o not in self.selected]  # the index
        counts = {word: sum(p["status"] == word for p in pages)
                  for word in [*STATUSES.values(), NOT_REACHED]}  # fmt: skip
        moved = list(dict.fromkeys(n for p in pages for n in p.get("files_changed", [])))
        outcome = {"format": FORMAT, "result": result, "exit_status": status,
                   "started": self.started, "finished": _now(), **self.facts,
                   "counts": counts, "data_changed": list(data_changed),
                   "files_changed": moved, "error": self.places.text(error),
                   "pages": pages}  # fmt: skip
        try:
            write_atomically(self.path, json.dumps(outcome, indent=2) + "\n")
        except OSError:  # no outcome is left that is not this run's: the last run's goes
            self.path.unlink(missing_ok=True)
            raise
        self.written = True


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def is_outcome_file(path: Path) -> bool:
    """Whether ``path`` is an outcome file heenb wrote."""
    try:
        return json.loads(path.read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False
