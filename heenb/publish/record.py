"""``build.json``: the one build record of a reports folder, for the index and for machines.

It holds the data version and code hash of the latest build and, for every
report of the plan (and the index), one entry:

``status``
    ``built``, ``failed`` or ``up-to-date`` in the latest build that selected it;
``inputs``
    the input hashes (:mod:`heenb.publish.inputs`) it was last built from, or
    attempted from when it failed;
``page``
    the content hash of its page as written (none after a failure);
``spreadsheet``
    the content hash of the spreadsheet beside it, or none when the page has no tables;
``current``
    whether ``inputs`` are the inputs the report has now (False for a report
    not selected by ``--only`` whose inputs changed, and for a page built while a file
    it reads changed);
``files_changed``
    only for such a page: the files it reads (helper modules, declared inputs) that
    changed while it was built (:mod:`heenb.publish.recheck`); the next build rebuilds it;
``seconds``, ``error``, ``failed_notebook``, ``notebook``, ``parameters``: places in them
relative to the reports folder or the project, or by name (:mod:`heenb.publish.places`).

A report is skipped as up to date only when its entry is not a failure, its
inputs are today's, and its page and spreadsheet exist with exactly the bytes
recorded (a page written by a build stopped before recording it, or a file
edited or deleted by hand, is rebuilt). The record is written atomically after
every report, so a page and its record change together.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from heenb.files import write_atomically
from heenb.plan import Job
from heenb.publish.inputs import file_hash
from heenb.publish.outcome import BUILT, FAILED, SKIPPED, UP_TO_DATE, Outcome
from heenb.publish.places import Places
from heenb.render.html import spreadsheet_name

BUILD_LOG = "build.json"
#: The inputs of :mod:`heenb.publish.inputs` in words, for saying why a page is rebuilt.
INPUT_NAMES = {
    "notebook": "notebook",
    "parameters": "parameters",
    "data": "data (the raw sources it reads, the catalogue or the code deriving the mart)",
    "code": "heenb's code or the pinned packages",
    "plan": "the plan's reports, titles or labels",
    "files": "files it reads (modules its notebook imports, or inputs the plan declares)",
}


class BuildRecord:
    """The record of one reports folder: read on creation, rewritten by :meth:`note`.

    ``jobs`` are the plan's reports and the index, ``inputs`` their input
    hashes now (by output) and ``header`` the build's facts (data version, code).
    """

    def __init__(self, out_dir: Path, jobs: list[Job], inputs: dict[str, dict], header: dict,
                 places: Places | None = None):  # fmt: skip
        self.out_dir, self.path = out_dir, out_dir / BUILD_LOG
        self.jobs, self.inputs, self.header = jobs, inputs, header
        self.places = places or Places(out_dir)  # how the record names places
        previous = _read(self.path)
        self.entries = {job.output: previous[job.output] for job in jobs if job.output in previous}
        self.counts = dict.fromkeys((BUILT, FAILED, UP_TO_DATE, SKIPPED), 0)

    def is_current(self, job: Job) -> bool:
        """Whether ``job``'s page exists, is the page recorded, and has today's inputs."""
        return not self.why_stale(job)

    def why_stale(self, job: Job) -> str:
        """Why ``job``'s page must be rebuilt, in words ('' when it is current): no page
        recorded, a failed or skipped last build, which inputs changed, or a page or
        spreadsheet that is not the one recorded."""
        entry = self.entries.get(job.output)
        if not entry:
            return "no page of it is recorded in build.json"
        if entry.get("status") == FAILED:
            return "its last build failed"
        if entry.get("status") == SKIPPED:
            return "it was skipped last time: a raw source it reads was missing"
        if entry.get("files_changed"):
            return f"files it read changed while it was built: {', '.join(entry['files_changed'])}"
        now, then = self.inputs[job.output], entry["inputs"]
        changed = [INPUT_NAMES.get(k, k) for k in dict.fromkeys([*now, *then])
                   if now.get(k) != then.get(k)]  # fmt: skip
        if changed:
            return f"changed since its last build: {', '.join(changed)}"
        try:
            if entry.get("page") != file_hash(self.out_dir / job.output):
                return "its page is not the page recorded (edited, or not yet recorded)"
            if entry.get("spreadsheet") != _optional_hash(self._workbook(job)):
                return "its spreadsheet is missing or not the one recorded"
        except OSError:
            return "its page is missing"
        return ""

    def _workbook(self, job: Job) -> Path:
        return (self.out_dir / job.output).with_name(spreadsheet_name(job.output))

    def _current(self, entry: dict, job: Job) -> bool:
        return entry["inputs"] == self.inputs[job.output] and not entry.get("files_changed")

    def seconds(self, job: Job) -> float:
        """How long the report took at its last build (0 if never built)."""
        return self.entries.get(job.output, {}).get("seconds", 0.0)

    def note(self, job: Job, outcome: Outcome, seconds: float) -> None:
        """Record what became of ``job`` and write the record; ``seconds`` is the build's so far."""
        self.counts[outcome.status] += 1
        shown = self.places
        entry = {"notebook": shown.path(str(job.notebook)),
                 "parameters": {k: shown.path(v) for k, v in job.parameters.items()},
                 **asdict(outcome), "seconds": round(outcome.seconds, 2),
                 "inputs": self.inputs[job.output]}  # fmt: skip
        entry["error"] = shown.text(entry["error"])
        changed = [shown.path(name) for name in entry.pop("files_changed")]
        if outcome.status == SKIPPED:  # a page built while its files changed is still not current
            changed = self.entries.get(job.output, {}).get("files_changed", [])
        if changed:
            entry["files_changed"] = changed
        if outcome.status == BUILT:
            entry["page"] = file_hash(self.out_dir / job.output)
            entry["spreadsheet"] = _optional_hash(self._workbook(job))
        elif outcome.status == UP_TO_DATE:
            previous = self.entries[job.output]
            entry.update(seconds=previous.get("seconds", 0.0), page=previous.get("page"),
                         spreadsheet=previous.get("spreadsheet"))  # fmt: skip
        elif outcome.status == SKIPPED and job.output in self.entries:  # keep what the page is
            entry["inputs"] = self.entries[job.output]["inputs"]
        self.entries[job.output] = entry
        self.write(seconds)

    def write(self, seconds: float) -> None:
        reports = []
        for job in self.jobs:
            if job.output in self.entries:
                entry = self.entries[job.output]
                current = entry.get("status") != SKIPPED and self._current(entry, job)
                reports.append({**entry, "current": current})
        log = {**self.header, "seconds": round(seconds, 2), "counts": self.counts,
               "reports": reports}  # fmt: skip
        write_atomically(self.path, json.dumps(log, indent=2) + "\n")


def _optional_hash(path: Path) -> str | None:
    """The content hash of ``path``, or None when there is no such file."""
    return file_hash(path) if path.is_file() else None


def is_build_record(path: Path) -> bool:
    """Whether ``path`` is a build record heenb wrote (JSON with its header and reports)."""
    try:
        record = json.loads(path.read_text())
        return isinstance(record.get("reports"), list) and "code_hash" in record
    except (OSError, ValueError, AttributeError):
        return False


def _read(path: Path) -> dict[str, dict]:
    """The entries of a previous record by output; none if it is missing or unreadable."""
    try:
        entries = json.loads(path.read_text())["reports"]
        return {e["output"]: e for e in entries if isinstance(e.get("inputs"), dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
