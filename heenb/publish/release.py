"""Releases: every build that publishes keeps what it published, readable, beside the latest.

A release is a folder ``<reports>/releases/<id>/`` holding every page and spreadsheet of the
reports folder as the build left it (the latest stays at the top level, as always), with:

``release.json``
    the manifest: ``id`` (the build's finish time in UTC, sortable, and the data version),
    ``date``, ``previous`` (the release before it), ``data`` (the data version, the raw
    files' hashes, the hash of the catalogue and deriving code, heenb's code hash), and
    ``pages``: each page and spreadsheet with its content hash and whether it changed since
    the previous release;
``figures.csv.gz``
    the figures its pages show, as a tidy table read from the pages' own tables, and the
    exceptions of their "What needs attention" lists, the index's included
    (:func:`heenb.report.changes.page_figures`): what the next release is compared with
    (the manifest's ``records_exceptions`` says the exceptions are there).

``releases/releases.json`` lists the releases, oldest first. Files are hard links to the
published files where the file system allows (a page is never rewritten in place: a build
renames a new file onto it, so the release keeps the bytes it had), else copies: a release
costs only the pages that changed. A release is written into ``releases/.staging-<id>``,
its manifest last, and renamed into place: a build stopped meanwhile leaves no folder that
looks like a release (the next release removes the staging folder).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from heenb.files import write_atomically, write_failure, write_file
from heenb.publish.inputs import file_hash
from heenb.report.changes import (
    CHANGES_OUTPUT,
    FIGURE_COLUMNS,
    FIGURES_FILE,
    INDEX_OUTPUT,
    MANIFEST,
    RECORDS_EXCEPTIONS,
    RELEASES_DIR,
    figures_table,
    page_exceptions,
    page_figures,
    read_figures,
    releases,
)

RELEASES_INDEX = "releases.json"
_STAGING = ".staging-"


def release_id(finished: dt.datetime, data_hash: str) -> str:
    """``20261202T071342Z-<data version>``: sorts in time order."""
    return f"{finished.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{data_hash[:12]}"


def make_release(out_dir: Path, pages: dict[str, str], data: dict,
                 finished: dt.datetime | None = None) -> dict:  # fmt: skip
    """Keep the pages of ``out_dir`` as a release and return its manifest.

    ``pages`` are the published pages (outputs, with the index and the page of changes) by
    output, with their labels; ``data`` the data versions to record. Figures are read
    from the pages that changed since the previous release; the rest are carried over.
    """
    finished = finished or dt.datetime.now(dt.UTC)
    root = out_dir / RELEASES_DIR
    root.mkdir(exist_ok=True)
    for stale in root.glob(f"{_STAGING}*"):  # left by a build stopped while releasing
        shutil.rmtree(stale, ignore_errors=True)
    done = releases(out_dir)
    previous = done[-1] if done else None
    before = {p["output"]: p for p in previous["pages"]} if previous else {}
    ident = release_id(finished, data.get("data_hash", "unknown"))
    if (root / ident).exists():  # two releases in one second of one data version
        ident += f"-{len(done)}"
    staging = root / f"{_STAGING}{ident}"
    staging.mkdir()
    try:
        listed = []
        for output, label in pages.items():
            for name in _files(out_dir, output):
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                _keep(out_dir / name, target)
                digest = file_hash(target)
                changed = before.get(name, {}).get("hash") != digest
                listed.append({"output": name, "label": label, "hash": digest,
                               "changed": changed})  # fmt: skip
        figures = _figures(out_dir, previous, listed, pages)
        table = figures.to_csv(index=False, lineterminator="\n").encode("utf-8")
        write_file(staging / FIGURES_FILE, gzip.compress(table, mtime=0))
        manifest = {
            "id": ident,
            "date": finished.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "previous": previous["id"] if previous else None,
            "data": data,
            RECORDS_EXCEPTIONS: True,
            "pages": listed,
        }
        write_atomically(staging / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        os.rename(staging, root / ident)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _write_index(out_dir)
    return manifest


def _files(out_dir: Path, output: str) -> list[str]:
    """The page and, when it has one, its spreadsheet (paths under ``out_dir``)."""
    found = [output] if (out_dir / output).is_file() else []
    workbook = Path(output).with_suffix(".xlsx")
    if found and (out_dir / workbook).is_file():
        found.append(workbook.as_posix())
    return found


def _keep(source: Path, target: Path) -> None:
    """A hard link to ``source`` (it is only ever replaced, never rewritten), or a copy."""
    try:
        os.link(source, target)
    except OSError:
        try:
            shutil.copy2(source, target)
        except OSError as error:
            raise write_failure(error, target) from None


def _figures(out_dir: Path, previous: dict | None, listed: list[dict],
             pages: dict[str, str]) -> pd.DataFrame:  # fmt: skip
    """The release's figures: carried over for pages unchanged since ``previous``, read
    from the pages for the rest. The index and the page of changes repeat others' figures
    and are left out, but the index's exceptions are its own (England's, the ratings'):
    they are kept."""
    reports = [p for p in listed if p["output"] in pages and p["output"] not in
               (INDEX_OUTPUT, CHANGES_OUTPUT)]  # fmt: skip
    old = (read_figures(out_dir / RELEASES_DIR / previous["id"] / FIGURES_FILE)
           if previous else pd.DataFrame(columns=FIGURE_COLUMNS))  # fmt: skip
    same = [p["output"] for p in reports if not p["changed"]]
    rows = []
    for page in reports:
        if page["changed"]:
            text = (out_dir / page["output"]).read_text(encoding="utf-8")
            rows += page_figures(text, page["output"], pages[page["output"]])
    if INDEX_OUTPUT in pages and (out_dir / INDEX_OUTPUT).is_file():
        text = (out_dir / INDEX_OUTPUT).read_text(encoding="utf-8")
        rows += page_exceptions(text, INDEX_OUTPUT)
    return pd.concat([old[old["page"].isin(same)], figures_table(rows)], ignore_index=True)


def _write_index(out_dir: Path) -> None:
    """``releases/releases.json``: every finished release, oldest first, in brief."""
    listed = [
        {"id": m["id"], "date": m["date"], "data_hash": m.get("data", {}).get("data_hash"),
         "pages": sum(p["output"].endswith(".html") for p in m["pages"]),
         "changed": sum(p["changed"] and p["output"].endswith(".html") for p in m["pages"])}
        for m in releases(out_dir)
    ]  # fmt: skip
    text = json.dumps({"releases": listed}, indent=2) + "\n"
    write_atomically(out_dir / RELEASES_DIR / RELEASES_INDEX, text)
