"""The reports' front page: every report in the plan, linked, with its build status."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from heenb import __version__
from heenb.catalogue import Catalogue
from heenb.export import TEMPLATES
from heenb.files import write_atomically
from heenb.plan import Job

_STATUS = {
    "built": ("Built", ""),
    "failed-stale": (
        "Failed in this build: the page shown is from an earlier build",
        "status-stale",
    ),
    "failed": ("failed in this build: no page", "status-failed"),
    "earlier": ("not rebuilt in this build", ""),
    "missing": ("not built yet", "status-failed"),
}


def _label(job: Job, catalogue: Catalogue) -> str:
    ((parameter, value),) = job.parameters.items()
    if parameter == "objective":
        return catalogue.objective(value)["short_name"]
    if parameter == "area":
        area = catalogue.area(value)
        return area["name"] + (" (region)" if area["level"] == "region" else "")
    if parameter == "programme":
        return catalogue.programme(value)["name"]
    return f"{parameter} = {value}"


def _status(job: Job, outcomes: dict, out_dir: Path) -> str:
    exists = (out_dir / job.output).is_file()
    outcome = outcomes.get(job.output)
    if outcome is None:
        return "earlier" if exists else "missing"
    if outcome.status == "built":
        return "built"
    return "failed-stale" if exists else "failed"


def _item(job: Job, status: str, catalogue: Catalogue) -> str:
    words, css = _STATUS[status]
    name = html.escape(_label(job, catalogue))
    linked = status not in ("failed", "missing")
    link = f'<a href="{html.escape(job.output)}">{name}</a>' if linked else name
    note = "" if status == "built" else f' <span class="{css}">({html.escape(words)})</span>'
    return f"<li>{link}{note}</li>"


def write_index(out_dir: Path, jobs: list[Job], outcomes, catalogue: Catalogue) -> Path:
    """Write ``index.html`` linking every report of the plan; return its path."""
    by_output = {o.output: o for o in outcomes}
    log_file = out_dir / "build.json"
    log = json.loads(log_file.read_text()) if log_file.is_file() else {}
    sections, failures = [], []
    for group in dict.fromkeys(job.group for job in jobs):
        members = [job for job in jobs if job.group == group]
        items = []
        for job in members:
            status = _status(job, by_output, out_dir)
            items.append(_item(job, status, catalogue))
            if status.startswith("failed"):
                error = html.escape(by_output[job.output].error)
                failures.append(f"<li>{html.escape(_label(job, catalogue))}: {error}</li>")
        sections.append(
            f'<h2 id="{html.escape(group)}">{html.escape(members[0].title)}</h2>'
            f"<ul>{''.join(items)}</ul>"
        )
    failed = (
        f'<div class="heenb-banner" role="alert"><strong>{len(failures)} report(s) failed '
        f"in this build.</strong><ul>{''.join(failures)}</ul></div>"
        if failures
        else ""
    )
    css = (TEMPLATES / "heenb" / "report.css").read_text()
    built = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    data_hash = html.escape(str(log.get("data_hash", "unknown")))
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>HEE workforce education reports</title><style>{css}</style></head>
<body><a class="skip-link" href="#main">Skip to main content</a>
<header class="heenb-header"><p>Health Education England: workforce education reporting</p>
</header>
<main id="main"><h1>Workforce education reports</h1>
{failed}
{"".join(sections)}
</main>
<footer class="heenb-footer"><dl><dt>Data version</dt><dd>{data_hash}</dd>
<dt>Built</dt><dd>{built}</dd><dt>Produced by</dt><dd>heenb {__version__}</dd></dl></footer>
</body></html>
"""
    target = out_dir / "index.html"
    write_atomically(target, page)
    return target
