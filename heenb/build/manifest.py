"""The build manifest: the inputs each report was last built from, so unchanged ones are skipped.

``.heenb-manifest.json`` in the reports folder maps each report's output to
content hashes of its inputs at its last successful build:

``notebook``
    the notebook file;
``parameters``
    its parameter values;
``data``
    the mart key: raw data, reference catalogue and the code deriving the mart
    (:func:`heenb.data.mart.mart_key`);
``code``
    every file of the heenb package (its modules and the export template) and the
    pinned dependency versions in ``requirements.lock``.

Each entry also holds ``page``, the content hash of the page as written. A
report is rebuilt when one of its inputs differs, or its page is missing or
differs from ``page`` (a build stopped between writing a page and recording it,
or a page changed by hand). The manifest is written atomically after every
report, so a page and its record change together. A report whose build failed
has no entry, so the next build tries it again. The index
has an entry too; its inputs add the plan's reports and titles (:func:`plan_hash`).
Each entry also keeps the last build time, so long reports can start first.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from heenb.build.files import write_atomically
from heenb.build.outcome import BUILT, Outcome
from heenb.build.plan import Job

MANIFEST_FILE = ".heenb-manifest.json"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _hex(digest) -> str:
    return digest.hexdigest()[:16]


def file_hash(path: Path) -> str:
    """Content hash of one file."""
    with path.open("rb") as handle:
        return _hex(hashlib.file_digest(handle, "sha256"))


def code_hash(package: Path = PACKAGE_DIR) -> str:
    """Content hash of every file of the heenb package (names and bytes; no caches) and of
    the pinned dependency versions (``requirements.lock``), so an upgrade rebuilds too."""
    digest = hashlib.sha256()
    lock = package.parent / "requirements.lock"
    if lock.is_file():
        digest.update(file_hash(lock).encode())
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(file_hash(path).encode())
    return _hex(digest)


def value_hash(value) -> str:
    """Content hash of JSON-able data (parameters, the index's view of the plan)."""
    return _hex(hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()))


def job_inputs(job: Job, notebook_hash: str, data_key: str, code_key: str) -> dict:
    """The hashes a report's page depends on (see the module docstring)."""
    return {
        "notebook": notebook_hash,
        "parameters": value_hash(job.parameters),
        "data": data_key,
        "code": code_key,
    }


def plan_hash(jobs: list[Job]) -> str:
    """Hash of what the index shows of the plan: its reports, groups and titles."""
    return value_hash([[j.group, j.title, j.output, j.parameters] for j in jobs])


class Manifest:
    """The manifest of one reports folder; read on creation, written by :meth:`save`."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir / MANIFEST_FILE
        try:
            self.reports: dict[str, dict] = dict(json.loads(self.path.read_text())["reports"])
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or unreadable: build all
            self.reports = {}

    def is_current(self, job: Job, inputs: dict) -> bool:
        """Whether ``job``'s page exists, is the page recorded, and was built from ``inputs``."""
        entry = self.reports.get(job.output)
        if not entry or entry["inputs"] != inputs:
            return False
        page = self.out_dir / job.output
        try:
            return entry.get("page") == file_hash(page)
        except OSError:
            return False

    def seconds(self, job: Job) -> float:
        """How long the report took at its last successful build (0 if never built)."""
        return self.reports.get(job.output, {}).get("seconds", 0.0)

    def record(self, outcome: Outcome, inputs: dict) -> None:
        """Note a report just run: its inputs if it was built, forget it if it failed."""
        if outcome.status == BUILT:
            page = file_hash(self.out_dir / outcome.output)
            self.reports[outcome.output] = {"inputs": inputs, "page": page,
                                            "seconds": round(outcome.seconds, 2)}  # fmt: skip
        else:
            self.reports.pop(outcome.output, None)

    def save(self, keep: set[str]) -> None:
        """Write the manifest, with entries only for the outputs in ``keep``."""
        reports = {k: v for k, v in sorted(self.reports.items()) if k in keep}
        write_atomically(self.path, json.dumps({"reports": reports}, indent=1) + "\n")
