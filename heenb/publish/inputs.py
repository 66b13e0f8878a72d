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
    pinned dependency versions in ``requirements.lock``;
``files``
    only when there are any: the modules the notebook imports from outside the heenb
    package (``import helpers`` beside the notebook or at the project root, found by
    parsing its code cells, and the local modules those import in turn:
    :func:`notebook_modules`) and the files its plan entry declares in ``inputs``
    (files that custom sections read), by path and content hash. They are read where
    they are while the build runs, so the build checks them again as each page is
    published (:mod:`heenb.publish.recheck`).

The index's inputs add the plan's reports, titles and labels (:func:`plan_hash`).
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

from heenb import paths
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
    files = [f"{source}.csv" for source in job.raw_sources] + [DEMO_MARKER]
    return value_hash({"raw": {name: raw.get(name) for name in files}, "rest": reference_key})


def job_inputs(job: Job, notebook_hash: str, data_key: str, code_key: str,
               files: dict[str, str | None] | None = None) -> dict:  # fmt: skip
    """The hashes a report's page depends on (see the module docstring); ``files`` are the
    content hashes of the other files it reads (:func:`files_input`), by path."""
    inputs = {
        "notebook": notebook_hash,
        "parameters": value_hash(job.parameters),
        "data": data_key,
        "code": code_key,
    }
    if files:
        inputs["files"] = value_hash(files)
    return inputs


def files_input(job: Job, imported: list[Path], hash_of=None) -> dict[str, str | None]:
    """The content hash of each file ``job`` reads besides its notebook and heenb: the
    modules its notebook imports (``imported``, from :func:`notebook_modules`) and the
    files its plan entry declares (``inputs``), by path as shown (None for a missing one).
    ``hash_of(path, shown)`` hashes a file (a build's
    :meth:`heenb.publish.recheck.FileStates.hash`, which checks it again later)."""
    files = [*imported, *(paths.PROJECT_ROOT / name for name in job.inputs)]
    hash_of = hash_of or (lambda path, shown: _optional_hash(path))
    return {(shown := _shown(path)): hash_of(path, shown) for path in dict.fromkeys(files)}


def notebook_modules(notebook: Path) -> list[Path]:
    """The module files a notebook's code cells import from outside the heenb package:
    modules found beside the notebook or at the project root (as the kernel, working in the
    notebook's folder, finds them), and, in turn, the local modules those import. Installed
    packages and heenb's own modules (an input already, as ``code``) are not listed."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    sources = ["".join(c.get("source", "")) if isinstance(c.get("source"), list)
               else c.get("source", "") for c in cells if c.get("cell_type") == "code"]  # fmt: skip
    roots = [notebook.resolve().parent, paths.PROJECT_ROOT]
    found: dict[Path, None] = {}
    pending = [(source, roots) for source in sources]
    while pending:
        source, bases = pending.pop(0)
        for name in _imported_names(source):
            for path in _module_files(name, bases):
                if path not in found:
                    found[path] = None
                    pending.append((_read(path), [path.parent, *roots]))
    return list(found)


def _imported_names(source: str) -> list[str]:
    """Module names imported by ``source`` (IPython magics and shell lines are skipped)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _module_files(name: str, bases: list[Path]) -> list[Path]:
    """The files of module ``name`` (and of the packages holding it) under the first of
    ``bases`` that has it, outside the heenb package."""
    parts = name.split(".")
    for base in bases:
        files = []
        for depth in range(1, len(parts) + 1):
            stem = base.joinpath(*parts[:depth])
            for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
                if candidate.is_file():
                    files.append(candidate.resolve())
        if files:
            return [f for f in files if not f.is_relative_to(PACKAGE_DIR)]
    return []


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _shown(path: Path) -> str:
    path = Path(path).resolve()
    root = paths.PROJECT_ROOT
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _optional_hash(path: Path) -> str | None:
    return file_hash(path) if path.is_file() else None


def plan_hash(jobs: list[Job]) -> str:
    """Hash of what the index shows of the plan: its reports, groups, titles and labels."""
    return value_hash([[j.group, j.title, j.output, j.parameters, j.label] for j in jobs])
