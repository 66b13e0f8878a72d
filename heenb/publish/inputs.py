"""The inputs a report page depends on, as content hashes: what decides whether it is rebuilt.

A report's inputs (:func:`job_inputs`):

``notebook``
    the notebook file;
``parameters``
    its parameter values;
``data``
    only the raw sources the report reads (its plan entry's ``sources``), the
    demo marker, the reference catalogue and the code deriving the mart
    (:func:`data_input`): a change to another raw file does not rebuild it;
``code``
    every file of the heenb package (its modules and the export template) and the
    pinned dependency versions in ``requirements.lock``.

The index's inputs add the plan's reports, titles and labels (:func:`plan_hash`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from heenb.data.demo import DEMO_MARKER
from heenb.plan import Job

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


def data_input(job: Job, raw: dict[str, str | None], reference_key: str) -> str:
    """Hash of the data ``job`` reads: its sources' raw file hashes (``raw``, by file name,
    from :func:`heenb.data.mart.raw_hashes`), the demo marker and ``reference_key`` (the
    catalogue and deriving code)."""
    files = [f"{source}.csv" for source in job.sources] + [DEMO_MARKER]
    return value_hash({"raw": {name: raw.get(name) for name in files}, "rest": reference_key})


def job_inputs(job: Job, notebook_hash: str, data_key: str, code_key: str) -> dict:
    """The hashes a report's page depends on (see the module docstring)."""
    return {
        "notebook": notebook_hash,
        "parameters": value_hash(job.parameters),
        "data": data_key,
        "code": code_key,
    }


def plan_hash(jobs: list[Job]) -> str:
    """Hash of what the index shows of the plan: its reports, groups, titles and labels."""
    return value_hash([[j.group, j.title, j.output, j.parameters, j.label] for j in jobs])
