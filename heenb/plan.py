"""The report plan: which notebook runs with which parameters, and where its page goes.

The plan is data (``reports.yml``), the one registry of report types: each entry
declares its notebook, parameter, values, page path, and optionally the
catalogue lookup that checks a value (``check``), how the index labels a
report (``label``), the raw sources it reads (``sources``), the modules a
warm kernel imports for it (``imports``), whether its pages link to other
reports of the plan (``links``) and the project files its notebook or custom
sections read besides heenb and the raw data (``inputs``). Nothing else in the code names a
report type. :func:`load_plan` expands the plan over the catalogue into one
:class:`Job` per report, and checks it before any work starts: every notebook
exists and declares the entry's parameter, every parameter value is valid and a
safe path segment, every page path stays inside the reports folder, no two
reports share an output path.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import difflib
import fnmatch
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import yaml

from heenb import paths
from heenb.data.catalogue import LOOKUPS, VALUE_SETS, Catalogue, load_catalogue
from heenb.data.contract import RAW_FILES
from heenb.data.hashes import SETTLED_NS
from heenb.data.published import load_sources
from heenb.errors import BuildError, HeenbError

#: Every raw source (contract names): what an entry without ``sources`` is taken to read.
ALL_SOURCES = tuple(raw.name for raw in RAW_FILES)
# A plan entry's ``values`` may name a catalogue set (VALUE_SETS) and its ``check`` a
# catalogue lookup (LOOKUPS): both are declared in heenb.data.catalogue.
#: A parameter value that can be part of a page's path.
SAFE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_KEYS = {"name", "title", "notebook", "parameter", "values", "output"}
_OPTIONAL = {"check", "label", "sources", "imports", "links", "inputs"}
#: An importable module name, for ``imports``.
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class Job:
    """One report: run ``notebook`` with ``parameters``; write the page to ``output``.

    ``output`` is relative to the reports folder; ``group`` and ``title`` name the plan
    entry it comes from (for the index); ``label`` is how the index names the report;
    ``sources`` the raw files (contract names) and declared published sources it reads,
    whose content alone decides whether it is rebuilt (:attr:`raw_sources` are the raw
    ones; the published sources' files are among its ``inputs``); ``imports`` the modules
    a warm kernel imports for it; ``links`` whether its page links to other reports' pages
    (then a change to the plan's pages rebuilds it); ``inputs`` the files (paths from the
    project root) it reads besides its notebook, heenb and the raw data: their changes
    rebuild it.
    """

    group: str
    title: str
    notebook: Path
    parameters: dict = field(hash=False)
    output: str
    label: str = ""
    sources: tuple[str, ...] = ALL_SOURCES
    imports: tuple[str, ...] = ()
    links: bool = False
    inputs: tuple[str, ...] = ()

    @property
    def raw_sources(self) -> tuple[str, ...]:
        """The raw sources (files of the data folder) among :attr:`sources`."""
        return tuple(s for s in self.sources if s in ALL_SOURCES)

    @property
    def name(self) -> str:
        return self.output.removesuffix(".html")

    @property
    def notebook_shown(self) -> str:
        """The notebook's path from the project root, or as it is when outside the project."""
        if self.notebook.is_relative_to(paths.PROJECT_ROOT):
            return str(self.notebook.relative_to(paths.PROJECT_ROOT))
        return str(self.notebook)

    def as_dict(self) -> dict:
        return {
            "notebook": self.notebook_shown,
            "parameters": dict(self.parameters),
            "output": self.output,
        }


def load_plan(plan_file: Path | None = None, catalogue: Catalogue | None = None) -> list[Job]:
    """Expand the plan file into jobs, checking every entry.

    Raises
    ------
    BuildError
        For a malformed plan, a missing notebook, an unknown value set, an
        invalid parameter value or two reports with one output path.
    """
    return _load_plan(paths.plan_file(plan_file), catalogue or load_catalogue(), {})


def kept_plan(plan_file: Path | None = None, catalogue: Catalogue | None = None) -> list[Job]:
    """:func:`load_plan`, read once per process while nothing it was read from changes.

    For a warm build kernel, whose every page reads the plan for its links and its sources
    (20 ms or more a read). The plan is read again when the catalogue object or the
    published sources' declarations (:func:`heenb.data.published.load_sources`) are not
    those it was read with, or any file it read (the plan, each notebook, each ``inputs``
    file) differs in size, modification or change time, inode or device from when it was
    read; and it is not kept when one of those files had changed less than
    :data:`heenb.data.hashes.SETTLED_NS` before (a write in the same tick of the file
    system's clock could leave its times as they were). Each call returns its own jobs.
    """
    plan_file = paths.plan_file(plan_file)
    catalogue = catalogue or load_catalogue()
    sources = load_sources()
    kept = _kept.get(plan_file)
    if (kept is None or kept[0] is not catalogue or kept[1] is not sources
            or any(_signature(path) != seen for path, seen in kept[2].items())):  # fmt: skip
        started, read = time.time_ns(), {}
        kept = (catalogue, sources, read, _load_plan(plan_file, catalogue, read))
        settled = all(seen and max(seen[1], seen[2]) < started - SETTLED_NS
                      for seen in read.values())  # fmt: skip
        _kept[plan_file] = kept
        if not settled:
            del _kept[plan_file]
    return [dataclasses.replace(job, parameters=dict(job.parameters)) for job in kept[3]]


def read_kept(path: Path, parse):
    """``parse(text, path)`` of the file ``path``, kept per file and ``parse`` (a function of
    a module) while the file is unchanged, as :func:`kept_plan` keeps a plan: its
    :func:`_signature` taken before it is read, and not kept if it had changed less than
    :data:`SETTLED_NS` before. What ``parse`` raises is raised and nothing is kept; treat
    what it returns as read-only."""
    path = Path(path)
    seen = _read_kept.get((path, parse))
    if seen is not None and seen[0] == _signature(path):
        return seen[1]
    started, read = time.time_ns(), {}
    parsed = parse(_read_text(path, read), path)
    signature = read[path]
    if signature and max(signature[1], signature[2]) < started - SETTLED_NS:
        _read_kept[path, parse] = (signature, parsed)
    return parsed


#: :func:`read_kept`'s parsed files: (path, parse) -> (signature when read, what it gave).
_read_kept: dict[tuple, tuple] = {}

#: :func:`kept_plan`'s plans by plan file: (catalogue, sources, the files read with their
#: :func:`_signature` when read, jobs).
_kept: dict[Path, tuple] = {}


def _signature(path: Path, stat: os.stat_result | None = None) -> tuple[int, ...] | None:
    """A file's size, modification and change times (ns), inode and device (from ``stat``
    if given); None if absent."""
    try:
        stat = stat or path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev


def _read_text(path: Path, read: dict) -> str:
    """``path``'s text, its :func:`_signature` recorded in ``read`` from the open file before
    it is read (so a change made while it is read differs from what is recorded)."""
    with path.open("rb") as handle:
        read[path] = _signature(path, os.fstat(handle.fileno()))
        return handle.read().decode("utf-8")


def _load_plan(plan_file: Path, catalogue: Catalogue, read: dict) -> list[Job]:
    """:func:`load_plan`, recording each file it reads and its :func:`_signature` in ``read``."""
    try:
        entries = yaml.safe_load(_read_text(plan_file, read))["reports"]
    except UnicodeDecodeError as error:
        line = plan_file.read_bytes()[: error.start].count(b"\n") + 1
        raise BuildError(
            f"The report plan {plan_file} is not UTF-8 text (line {line} has the byte "
            f"0x{error.object[error.start]:02x}); save it as UTF-8."
        ) from None
    except RecursionError:
        raise BuildError(
            f"The report plan {plan_file} nests lists or mappings too deeply to read; a plan "
            "is a 'reports' list of entries, each a mapping of keys to values or lists."
        ) from None
    except (OSError, yaml.YAMLError, TypeError, KeyError) as error:
        raise BuildError(
            f"The report plan {plan_file} could not be read ({error}); it must be YAML with a "
            "'reports' list of entries with keys "
            + ", ".join(sorted(_KEYS))
            + " (optional: "
            + ", ".join(sorted(_OPTIONAL))
            + ")."
        ) from None
    if not isinstance(entries, list) or not entries:
        raise BuildError(f"The report plan {plan_file} has no entries under 'reports'.")
    jobs = [job for number, entry in enumerate(entries, 1)
            for job in _expand(entry, number, plan_file, catalogue, read)]  # fmt: skip
    clashes = sorted(o for o, n in Counter(job.output for job in jobs).items() if n > 1)
    if clashes:
        raise BuildError(f"In {plan_file}, several reports write {', '.join(clashes)}.")
    return jobs


def _expand(entry, number: int, plan_file: Path, catalogue: Catalogue, read: dict) -> list[Job]:
    where = f"{plan_file.name}, entry {number}"
    if not isinstance(entry, dict) or not set(entry) >= _KEYS:
        missing = sorted(_KEYS - set(entry)) if isinstance(entry, dict) else sorted(_KEYS)
        raise BuildError(f"{where}: missing key(s) {', '.join(missing)}.")
    if not isinstance(entry["notebook"], str) or not entry["notebook"]:
        raise BuildError(f"{where}: 'notebook' must be a path such as notebooks/objective.ipynb.")
    notebook = (paths.PROJECT_ROOT / entry["notebook"]).resolve()
    if not notebook.is_file():
        raise BuildError(f"{where}: notebook {entry['notebook']} does not exist.")
    parameter = entry["parameter"]
    declared = declared_parameters(notebook, read)
    if parameter not in declared:
        valid = ", ".join(declared) if declared else "none (it has no cell tagged 'parameters')"
        raise BuildError(
            f"{where}: notebook {entry['notebook']} does not declare the parameter "
            f"{parameter!r}; its parameters: {valid}."
        )
    _check_output_template(entry["output"], parameter, entry["name"], where)
    values = entry["values"]
    if isinstance(values, str):
        if values not in VALUE_SETS:
            raise BuildError(
                f"{where}: unknown value set '{values}'; use a list or one of "
                f"{', '.join(VALUE_SETS)}."
            )
        values = list(catalogue.set_records(values)[VALUE_SETS[values].column])
    if not isinstance(values, list):
        raise BuildError(f"{where}: 'values' must be a list or the name of a value set.")
    check, label = _lookup(entry, where), entry.get("label") or f"{parameter} = {{value}}"
    (sources, published), imports = _sources(entry, where), _imports(entry, where)
    files = tuple(dict.fromkeys([*_inputs(entry, where, read), *published]))
    links = entry.get("links", False)
    if not isinstance(links, bool):
        raise BuildError(f"{where}: 'links' must be true or false, not {links!r}.")
    jobs = []
    for value in values:
        if not SAFE_VALUE.fullmatch(str(value)):
            raise BuildError(
                f"{where}: the value {value!r} of {parameter!r} cannot name a page; values "
                "must be letters, digits, '.', '_' or '-', starting with a letter or digit."
            )
        record = {}
        if check:
            try:
                record = dict(getattr(catalogue, check)(value))
            except HeenbError as error:
                raise BuildError(f"{where}: {error}") from None
        try:
            output = str(entry["output"]).format(**{parameter: value})
        except (KeyError, IndexError, ValueError):
            raise BuildError(
                f"{where}: 'output' may use only the placeholder {{{parameter}}}, "
                f"as in {entry['name']}/{{{parameter}}}.html."
            ) from None
        shown = _label(label, record, value, where)
        jobs.append(Job(entry["name"], entry["title"], notebook, {parameter: value}, output,
                        shown, sources, imports, links, files))  # fmt: skip
    return jobs


def _lookup(entry: dict, where: str) -> str | None:
    check = entry.get("check")
    if check is not None and check not in LOOKUPS:
        raise BuildError(
            f"{where}: unknown check {check!r}; use one of the catalogue lookups "
            f"{', '.join(LOOKUPS)}, or leave 'check' out."
        )
    return check


def _sources(entry: dict, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The raw sources an entry reads, and the files of the declared published sources it
    reads (``data/published/sources.yml`` and each source's files, as inputs)."""
    published = load_sources()
    valid = [*ALL_SOURCES, *published]
    sources = entry.get("sources", list(ALL_SOURCES))  # a published source is named to be read
    unknown = [s for s in sources if s not in valid] if isinstance(sources, list) else []
    if not isinstance(sources, list) or not sources or unknown:
        named = f" (unknown: {', '.join(map(str, unknown))})" if unknown else ""
        raise BuildError(
            f"{where}: 'sources' must list the raw or published sources the report "
            f"reads{named}; valid: {', '.join(valid)}."
        )
    files = []
    for name in (s for s in sources if s in published):
        source = published[name]
        files += [source.folder / "sources.yml", *source.files]
    shown = [_from_root(path) for path in dict.fromkeys(files)]
    return tuple(sources), tuple(shown)


def _from_root(path: Path) -> str:
    """A path as the plan's inputs name it: from the project root when inside it."""
    path = path.resolve()
    return path.relative_to(paths.PROJECT_ROOT).as_posix() if path.is_relative_to(
        paths.PROJECT_ROOT) else str(path)  # fmt: skip


def _imports(entry: dict, where: str) -> tuple[str, ...]:
    imports = entry.get("imports", [])
    if not isinstance(imports, list) or not all(
        isinstance(m, str) and _MODULE.fullmatch(m) for m in imports
    ):
        raise BuildError(f"{where}: 'imports' must list module names, as in [heenb.report.area].")
    return tuple(imports)


def _inputs(entry: dict, where: str, read: dict) -> tuple[str, ...]:
    """The declared input files: existing files inside the project, by path from its root
    (each recorded in ``read`` with its :func:`_signature`)."""
    files = entry.get("inputs", [])
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise BuildError(f"{where}: 'inputs' must list files, as in [notebooks/helpers.py].")
    shown = []
    for name in files:
        path = (paths.PROJECT_ROOT / name).resolve()
        read[path] = _signature(path)
        if not path.is_relative_to(paths.PROJECT_ROOT) or not path.is_file():
            raise BuildError(
                f"{where}: the input {name!r} is not a file inside the project "
                f"{paths.PROJECT_ROOT}; list files by their path from there."
            )
        shown.append(path.relative_to(paths.PROJECT_ROOT).as_posix())
    return tuple(shown)


def _label(template: str, record: dict, value, where: str) -> str:
    """The index's name for a report: ``template`` filled with ``value`` and the fields of
    the value's catalogue record (text with underscores shown as spaces)."""
    fields = {k: v.replace("_", " ") if isinstance(v, str) else v for k, v in record.items()}
    try:
        return str(template).format(**{**fields, "value": value})
    except (KeyError, IndexError, ValueError) as error:
        known = ", ".join(["value", *fields]) if fields else "value (no 'check': no record)"
        raise BuildError(
            f"{where}: 'label' {template!r} uses an unknown field ({error}); fields: {known}."
        ) from None


def warm_up_imports(jobs: list[Job]) -> tuple[str, ...]:
    """The modules a warm kernel imports for these jobs, each once, in plan order."""
    return tuple(dict.fromkeys(module for job in jobs for module in job.imports))


def _check_output_template(output, parameter: str, name: str, where: str) -> None:
    """The page path must stay inside the reports folder: relative, no ``..``, ``.html``."""
    example = f"{name}/{{{parameter}}}.html"
    if not isinstance(output, str) or not output.strip():
        raise BuildError(f"{where}: 'output' is empty; give the page's path, as in {example}.")
    path = PurePosixPath(output)
    if path.is_absolute() or "\\" in output or ".." in path.parts or PureWindowsPath(output).drive:
        raise BuildError(
            f"{where}: 'output' {output!r} must be a path inside the reports folder (relative, "
            f"without '..'), as in {example}."
        )
    if path.suffix != ".html" or path.stem in ("", "{}") or path.name.startswith("."):
        raise BuildError(f"{where}: 'output' {output!r} must name an .html page, as in {example}.")


def declared_parameters(notebook: Path, read: dict | None = None) -> list[str]:
    """The names a notebook's cell tagged ``parameters`` assigns, as papermill reads them.

    Reads the notebook as JSON and the cell with :mod:`ast` (papermill's own
    inspection would import nbformat and papermill in the main process, over a
    second). Empty when there is no such cell. ``read``, if given, records the notebook's
    :func:`_signature` as it is read.
    """
    try:
        cells = json.loads(_read_text(notebook, {} if read is None else read))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    for cell in cells:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return []
            return [name for node in tree.body for name in _assigned(node)]
    return []


def _assigned(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def select(jobs: list[Job], only: str | None) -> list[Job]:
    """Jobs whose name matches the glob ``only`` (comma-separated); a pattern may name the
    page as ``heenb list`` prints it (``area/EM.html``) or without ``.html``."""
    if not only:
        return jobs
    patterns = [p.strip().removesuffix(".html") for p in only.split(",") if p.strip()]
    chosen = [j for j in jobs if any(fnmatch.fnmatch(j.name, p) for p in patterns)]
    unmatched = [p for p in patterns if not any(fnmatch.fnmatch(j.name, p) for j in jobs)]
    if unmatched:
        hints = [hint for p in unmatched if (hint := _did_you_mean(p, [j.name for j in jobs]))]
        raise BuildError(
            f"--only {only!r}: no report matches {', '.join(unmatched)}.{''.join(hints)} "
            "Report names: " + ", ".join(j.name for j in jobs) + "."
        )
    return chosen


def _did_you_mean(pattern: str, names: list[str]) -> str:
    """`` Did you mean 'area/EM'?`` for ``em``, ``EM``, ``area/em`` or a near miss; else ''."""
    wanted = pattern.lower()
    same = [n for n in names if wanted in (n.lower(), n.lower().rsplit("/", 1)[-1])]
    if not same:
        by_lower = {n.lower(): n for n in names}
        same = [by_lower[m] for m in difflib.get_close_matches(wanted, list(by_lower), n=1)]
    if not same:
        return ""
    return " Did you mean " + " or ".join(f"'{n}'" for n in same) + "?"


def declared_sources(group: str, plan_file: Path | None = None) -> tuple[str, ...]:
    """The raw and published sources the plan's entry ``group`` declares it reads: what
    its pages' data notes name. Every source when the plan has no such entry."""
    jobs = [job for job in kept_plan(plan_file) if job.group == group]
    return jobs[0].sources if jobs else (*ALL_SOURCES, *load_sources())


#: The keys of the plan's ``publication`` block, each shown on page 1 only when given.
PUBLICATION_KEYS = ("contact", "next_release")


def publication(plan_file=None) -> dict[str, str]:
    """The ``publication`` block of the report plan (``reports.yml``, or ``$HEENB_PLAN``):
    ``contact`` (who to ask, as readers should see it) and ``next_release`` (an ISO date,
    ``2027-01-07``), each "" when the plan leaves it blank or has no block. Nothing is
    invented: a page shows only what is declared.

    Raises
    ------
    BuildError
        For a block that is not a mapping, a key other than :data:`PUBLICATION_KEYS`, or a
        next release that is not a date, naming the plan file.
    """
    path = paths.plan_file(plan_file)
    try:  # every page asks: read again only when the plan file changes
        return dict(read_kept(path, _publication))
    except (OSError, UnicodeDecodeError):
        return _publication(None, path)  # the plan's own loader says what is wrong with it


def _publication(text: str | None, path) -> dict[str, str]:
    """:func:`publication` of the plan's ``text`` (None: unreadable)."""
    try:
        plan = yaml.safe_load(text) if text is not None else None
    except yaml.YAMLError:
        plan = None  # the plan's own loader says what is wrong with it
    block = plan.get("publication") if isinstance(plan, dict) else None
    where = f"In the report plan {path}, 'publication'"
    if block is None:
        block = {}
    if not isinstance(block, dict) or set(block) - set(PUBLICATION_KEYS):
        raise BuildError(
            f"{where} must be a mapping with the keys {', '.join(PUBLICATION_KEYS)} (either "
            f"may be blank), not {block!r}."
        )
    declared = {key: "" if block.get(key) is None else str(block[key]).strip()
                for key in PUBLICATION_KEYS}  # fmt: skip
    if declared["next_release"]:
        try:
            dt.date.fromisoformat(declared["next_release"])
        except ValueError:
            raise BuildError(
                f"{where} has next_release {declared['next_release']!r}; give a date as "
                "YYYY-MM-DD (2027-01-07), or leave it blank."
            ) from None
    return declared
