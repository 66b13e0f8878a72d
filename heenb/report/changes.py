"""What changed since the last release: the page ``changes.html`` and the index's section.

Every run of ``heenb build`` that publishes keeps a release (:mod:`heenb.publish.release`):
``reports/releases/<id>/`` holds its pages, a manifest (``release.json``: its date, data
versions and pages with their content hashes) and the figures its pages published, as a tidy
table (``figures.csv.gz``: page, table, row, area, KPI, period, figure, value as shown). The
figures are read from the tables the pages themselves carry (each table's CSV download), and
the exceptions from each page's "What needs attention" list (:mod:`heenb.report.attention`),
so they are exactly what readers saw. This module reads releases and compares the pages as
they are now with the latest release: pages added or removed, periods published for the
first time, figures revised (the previous value kept, as the GSS advises), and exceptions
new or resolved: every exception an attention list shows (worse than peers, worsened since
the previous period, special cause concern, a red or amber rating, projects rated red or
milestones missed), and areas newly beyond, or back within, funnel limits in any table.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from heenb import paths
from heenb.plan import Job, load_plan
from heenb.report import attention, blocks, glossary
from heenb.report.blocks import Block
from heenb.report.common import Report, demo_banner, load_inputs, section

RELEASES_DIR = "releases"
MANIFEST = "release.json"
INDEX_OUTPUT = "index.html"
#: A release manifest's mark that its figures hold the attention lists' exceptions.
RECORDS_EXCEPTIONS = "records_exceptions"
FIGURES_FILE = "figures.csv.gz"
CHANGES_OUTPUT = "changes.html"
#: The tidy table of published figures: one row per figure (or verdict) a page shows.
FIGURE_COLUMNS = ["page", "table", "key", "area", "kpi", "period", "figure", "value", "kind"]

_LINK = re.compile(
    r'href="(data:text/csv[^"]*)">Download this table as CSV'
    r'<span class="visually-hidden">: (.*?)</span>',
    re.S,
)
_FIGURE = re.compile(r"-?\d[\d,]*(\.\d+)?%?")
_WITHHELD = "[c]"
_PERIOD_NAMES = {"Period", "Year", "Quarter", "Month"}
_PERIOD = re.compile(r"\b((19|20)\d\d(-Q[1-4]|-\d\d)?)\b")
_AREA_NAMES = ("Area", "Provider", "Line", "STP", "Local office", "Region")
_KPI_NAMES = ("KPI", "Measure", "NETS item")
_EXCEPTIONS = {"high": "above", "low": "below"}
#: The table name of the exceptions read from a page's "What needs attention" list.
ATTENTION = "What needs attention"
_ITEM = re.compile(rf'<li class="{attention.ITEM_CLASS}"([^>]*)>(.*?)</li>', re.S)
_ATTRIBUTE = re.compile(r'data-(\w+)="([^"]*)"')
_EVIDENCE = " See the evidence."


def page_tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables a page carries, as (caption, headings, rows of cells as shown), read from
    each table's CSV download link."""
    tables = []
    for match in _LINK.finditer(text):
        data = unquote(html.unescape(match.group(1)).split(",", 1)[1]).lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(data)))
        if rows:
            tables.append((html.unescape(match.group(2)), rows[0], rows[1:]))
    return tables


def _is_figure(cell: str) -> bool:
    return bool(_FIGURE.fullmatch(cell.strip())) or cell.strip() == _WITHHELD


def _is_verdict(heading: str) -> bool:
    return heading == "Outlier" or heading.startswith("Compared with")


def page_exceptions(text: str, page: str) -> list:
    """The exceptions of a page's "What needs attention" list, as rows of
    :data:`FIGURE_COLUMNS` (kind ``exception``): what each is about (area, KPI, concern),
    read from its item's ``data-`` attributes, and its sentence as shown."""
    found = []
    for attributes, inner in _ITEM.findall(text):
        named = {k: html.unescape(v) for k, v in _ATTRIBUTE.findall(attributes)}
        shown = html.unescape(re.sub(r"<[^>]+>", "", inner)).removesuffix(_EVIDENCE)
        about = [named.get(name, "") for name in ("area", "subject", "concern")]
        found.append(attention.Item(shown, None, *about))
    return exception_rows(page, found)


def exception_rows(page: str, items: list[attention.Item]) -> list:
    """Exceptions (:class:`heenb.report.attention.Item`) of ``page`` as rows of
    :data:`FIGURE_COLUMNS`, keyed by what they are about."""
    return [[page, ATTENTION, f"{i.area} | {i.subject} | {i.concern}", i.area, i.subject, "",
             i.concern, i.text, "exception"] for i in items]  # fmt: skip


def page_figures(text: str, page: str, label: str, areas: frozenset[str] = frozenset()) -> list:
    """The figures a page shows, as rows of :data:`FIGURE_COLUMNS`: each cell of a column of
    figures (numbers, per cent or ``[c]``), and each funnel verdict (kind ``verdict``), keyed
    by the table's caption and the row's leading text columns; then the exceptions of its
    "What needs attention" list (kind ``exception``: :func:`page_exceptions`). The area is
    the row's area (or provider, or chart line) when the table has one, a column named after
    an area, else the page's ``label``; the KPI is the row's KPI when the table has one, else
    its caption."""
    rows = []
    for caption, head, cells in page_tables(text):
        width = len(head)
        cells = [row + [""] * (width - len(row)) for row in cells]
        columns = [[row[i] for row in cells] for i in range(width)]
        periods = {i for i, name in enumerate(head) if name in _PERIOD_NAMES}
        figures = {
            i
            for i, column in enumerate(columns)
            if i not in periods
            and any(_FIGURE.fullmatch(c.strip()) for c in column)
            and all(_is_figure(c) for c in column if c.strip())
        }
        verdicts = {i for i, name in enumerate(head) if _is_verdict(name)}
        keys = []
        for i in range(width):
            if i in figures or i in verdicts:
                break
            keys.append(i)
        area_at = next((i for i in keys if head[i] in _AREA_NAMES), None)
        kpi_at = next((i for i in keys if head[i] in _KPI_NAMES), None)
        period_at = next((i for i in keys if i in periods), None)
        for row in cells:
            key = " | ".join(row[i] for i in keys)
            for i in sorted(figures | verdicts):
                heading = head[i]
                area = row[area_at] if area_at is not None else label
                if area_at is None and (heading in areas or heading == "England"):
                    area = heading
                found = _PERIOD.search(heading)
                period = row[period_at] if period_at is not None else (
                    found.group(1) if found else "")  # fmt: skip
                kpi = row[kpi_at] if kpi_at is not None else caption
                kind = "verdict" if i in verdicts else "figure"
                rows.append([page, caption, key, area, kpi, period, heading, row[i], kind])
    return rows + page_exceptions(text, page)


def figures_table(rows: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    return frame.drop_duplicates(["page", "table", "key", "figure"])


def read_figures(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def releases(folder: Path) -> list[dict]:
    """The finished releases of a reports folder, oldest first: each one's manifest. A
    folder without a manifest (a release being written, or one a killed build left) is not
    a release."""
    found = []
    root = Path(folder) / RELEASES_DIR
    for manifest in sorted(root.glob(f"*/{MANIFEST}")) if root.is_dir() else []:
        if manifest.parent.name.startswith("."):
            continue
        try:
            found.append(json.loads(manifest.read_text()))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda m: m.get("id", ""))


def _chart_data(caption: str) -> bool:
    return caption.startswith("Data for the chart")


def _exception(value: str) -> str:
    """'above' or 'below' for a verdict beyond funnel limits, else ''."""
    value = value.strip().lower()
    if value in _EXCEPTIONS:
        return _EXCEPTIONS[value]
    return next((side for side in ("above", "below") if value.startswith(side)), "")


@dataclass
class Changes:
    """What changed between the latest release (``previous``, its manifest; None before the
    first) and the pages as they are now.

    ``pages`` are the plan's pages now, by output, with their labels; ``added`` and
    ``removed`` outputs; ``changed`` outputs whose page is not the released one;
    ``periods`` periods shown for the first time, each with the KPIs and pages showing it;
    ``revised`` the figures shown before and now different (page, label, area, kpi,
    period, figure, previous, now, chart); ``new_exceptions`` and ``resolved`` the
    exceptions shown now and not before, and before and not now (area, kpi, concern,
    pages, and ``kind``: ``attention`` for an item of a page's "What needs attention",
    ``funnel`` for an area beyond the funnel limits in a table, with its ``side``);
    ``attention_compared`` whether the previous release recorded the attention lists'
    exceptions (releases before they were recorded did not: theirs are not compared).
    """

    previous: dict | None
    pages: dict[str, str]
    added: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    periods: dict[str, dict] = field(default_factory=dict)
    revised: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_exceptions: list[dict] = field(default_factory=list)
    resolved: list[dict] = field(default_factory=list)
    attention_compared: bool = True

    @property
    def since(self) -> str:
        if not self.previous:
            return "no earlier release"
        return f"release {self.previous['id']} of {self.previous['date']}"


def current_pages(folder: Path, jobs: list[Job]) -> dict[str, dict]:
    """The plan's pages in ``folder`` now, by output: label and recorded content hash."""
    record = folder / "build.json"
    try:
        entries = {e["output"]: e for e in json.loads(record.read_text())["reports"]}
    except (OSError, ValueError, KeyError, TypeError):
        entries = {}
    pages = {}
    for job in jobs:
        entry = entries.get(job.output, {})
        if entry.get("page") and (folder / job.output).is_file():
            pages[job.output] = {"label": job.label or job.title, "page": entry["page"]}
    return pages


def compare(folder: Path, jobs: list[Job], areas: frozenset[str] = frozenset(),
            index: list[attention.Item] | None = None) -> Changes:  # fmt: skip
    """What changed in ``folder``'s pages of the plan ``jobs`` since its latest release.
    The index's exceptions are read from ``index.html``, or are ``index`` when given (the
    index itself, which compares before it is written)."""
    folder = Path(folder)
    now = current_pages(folder, jobs)
    labels = {output: page["label"] for output, page in now.items()}
    done = releases(folder)
    previous = done[-1] if done else None
    changes = Changes(previous, labels)
    if previous is None:
        return changes
    before = {p["output"]: p for p in previous.get("pages", []) if p["output"].endswith(".html")}
    before.pop(CHANGES_OUTPUT, None)
    before.pop("index.html", None)
    changes.added = [o for o in now if o not in before]
    changes.removed = [(o, p.get("label", o)) for o, p in before.items() if o not in now]
    changes.changed = [o for o in now if o in before and before[o].get("hash") != now[o]["page"]]
    old = read_figures(folder / RELEASES_DIR / previous["id"] / FIGURES_FILE)
    rows = []
    for output in changes.changed + changes.added:
        text = (folder / output).read_text(encoding="utf-8")
        rows += page_figures(text, output, labels[output], areas)
    if index is not None:
        rows += exception_rows(INDEX_OUTPUT, index)
    elif (folder / INDEX_OUTPUT).is_file():
        rows += page_exceptions((folder / INDEX_OUTPUT).read_text(encoding="utf-8"), INDEX_OUTPUT)
    new = figures_table(rows)
    _periods(changes, old, new)
    compared = old[old["page"].isin([*changes.changed, INDEX_OUTPUT])]
    _revisions(changes, compared, new[new["page"].isin(changes.changed)])
    changes.attention_compared = bool(previous.get(RECORDS_EXCEPTIONS))
    _exceptions(changes, compared, new)
    return changes


def _periods(changes: Changes, old: pd.DataFrame, new: pd.DataFrame) -> None:
    shown = set(old["period"])
    fresh = new[(new["period"] != "") & ~new["period"].isin(shown)]
    for period, rows in sorted(fresh.groupby("period"), key=lambda item: item[0]):
        kpis = [k for k in dict.fromkeys(rows["kpi"]) if not _chart_data(k)]
        changes.periods[period] = {"kpis": kpis, "pages": list(dict.fromkeys(rows["page"]))}


def _revisions(changes: Changes, old: pd.DataFrame, new: pd.DataFrame) -> None:
    on = ["page", "table", "key", "figure"]
    both = new[new["kind"] == "figure"].merge(
        old[old["kind"] == "figure"][[*on, "value"]], on=on, suffixes=("", "_before")
    )
    both = both[both["value"] != both["value_before"]]
    changes.revised = pd.DataFrame(
        {
            "page": both["page"],
            "label": both["page"].map(changes.pages),
            "area": both["area"],
            "kpi": both["kpi"],
            "period": both["period"],
            "figure": both["figure"],
            "previous": both["value_before"],
            "now": both["value"],
            "chart": both["table"].map(_chart_data),
        }
    ).reset_index(drop=True)


def _funnel_set(frame: pd.DataFrame) -> dict[tuple, list[str]]:
    """Areas beyond funnel limits in any table: (area, KPI, side) -> pages."""
    found: dict[tuple, list[str]] = {}
    for row in frame[frame["kind"] == "verdict"].itertuples():
        side = _exception(row.value)
        if side:
            kpi = _PERIOD.sub("", row.kpi).strip(" ,")
            found.setdefault((row.area, kpi, side), []).append(row.page)
    return found


def _attention_set(frame: pd.DataFrame) -> dict[tuple, list[str]]:
    """The attention lists' exceptions: (area, KPI, concern) -> pages."""
    found: dict[tuple, list[str]] = {}
    for row in frame[frame["kind"] == "exception"].itertuples():
        found.setdefault((row.area, row.kpi, row.figure), []).append(row.page)
    return found


def _exceptions(changes: Changes, old: pd.DataFrame, new: pd.DataFrame) -> None:
    """Exceptions shown now and not before (new), and before and not now (resolved): the
    attention lists' first (when the previous release recorded them), then the funnels'."""
    kinds = [("funnel", _funnel_set)]
    if changes.attention_compared:
        kinds.insert(0, ("attention", _attention_set))
    for kind, collect in kinds:
        before, now = collect(old), collect(new)
        for found, against, into in ((now, before, changes.new_exceptions),
                                     (before, now, changes.resolved)):  # fmt: skip
            for (area, kpi, concern), pages in found.items():
                if (area, kpi, concern) in against:
                    continue
                item = {"area": area, "kpi": kpi, "concern": concern, "kind": kind,
                        "pages": list(dict.fromkeys(pages))}  # fmt: skip
                if kind == "funnel":  # the concern is the side
                    item.update(side=concern, concern=f"{concern} the funnel limits")
                into.append(item)


def changes_report(reports_dir=None, plan=None, data=None) -> ChangesReport:
    """The page of what changed in ``reports_dir`` (default ``reports/``) of ``plan``
    since its latest release."""
    folder = Path(reports_dir) if reports_dir else paths.DEFAULT_REPORTS_DIR
    parameters = {"reports_dir": reports_dir, "plan": plan, "data": data}
    return ChangesReport(folder, plan, load_inputs(data), parameters)


def area_names(catalogue) -> frozenset[str]:
    """Every area's name (regions, local offices, STPs), for tables with a column per area."""
    names = set()
    for table in ("regions", "local_offices", "stps"):
        frame = getattr(catalogue, table, None)
        if frame is not None and "name" in frame:
            names.update(frame["name"])
    return frozenset(names)


class ChangesReport(Report):
    """Sections of the page of what changed since the latest release, in reading order."""

    sections = ("summary", "pages", "periods", "revisions", "exceptions")
    sources = ["The pages of this release and of the latest release before it"]

    def __init__(self, folder: Path, plan, inputs, parameters: dict):
        super().__init__(inputs, parameters)
        self.folder = folder
        self.jobs = load_plan(plan, catalogue=self.catalogue)
        self.changes = compare(folder, self.jobs, area_names(self.catalogue))

    @section
    def summary(self) -> Block:
        changes = self.changes
        parts = [blocks.heading("What changed since the last release", 1), demo_banner(self.inputs)]
        if changes.previous is None:
            parts.append(blocks.paragraph(
                "This is the first release of these reports: there is no earlier release to "
                "compare them with."))  # fmt: skip
            return blocks.join(parts)
        parts.append(blocks.paragraph(summary_sentence(changes)))
        return blocks.join(parts)

    @section
    def pages(self) -> Block:
        changes, parts = self.changes, [blocks.heading("Pages added, removed or changed")]
        if changes.previous is None:
            return Block()
        if changes.added:
            parts.append(blocks.paragraph("Pages added:"))
            parts.append(blocks.linked_list([[(changes.pages[o], o)] for o in changes.added]))
        if changes.removed:
            parts.append(blocks.paragraph("Pages removed (the earlier release keeps them):"))
            parts.append(blocks.linked_list(
                [[(label, f"{RELEASES_DIR}/{changes.previous['id']}/{o}")]
                 for o, label in changes.removed]))  # fmt: skip
        if changes.changed:
            counts = changes.revised["page"].value_counts() if len(changes.revised) else {}
            revised = [o for o in changes.changed if counts.get(o, 0)]
            if revised:
                parts.append(blocks.paragraph("Pages with revised figures:"))
                parts.append(blocks.linked_list(
                    [[(changes.pages[o], o), (f": {counts[o]} figure(s) revised", None)]
                     for o in revised]))  # fmt: skip
            if len(revised) < len(changes.changed):
                parts.append(blocks.paragraph(
                    f"{len(changes.changed) - len(revised)} other page(s) were rebuilt with no "
                    "figure changed (their text, or only their build time, differs)."))  # fmt: skip
        if len(parts) == 1:
            parts.append(blocks.paragraph("No page was added, removed or changed."))
        return blocks.join(parts)

    @section
    def periods(self) -> Block:
        changes, parts = self.changes, [blocks.heading("New periods")]
        if changes.previous is None:
            return Block()
        if not changes.periods:
            return blocks.join([*parts, blocks.paragraph("No period is shown for the first time.")])
        items = []
        for period, shown in changes.periods.items():
            kpis = "; ".join(shown["kpis"][:6]) + ("; ..." if len(shown["kpis"]) > 6 else "")
            item = [(f"{period}: {kpis or 'charts'} (on ", None)]
            for i, page in enumerate(shown["pages"][:8]):
                item += [(", " if i else "", None), (changes.pages.get(page, page), page)]
            more = len(shown["pages"]) - 8
            item.append((f" and {more} more pages)" if more > 0 else ")", None))
            items.append(item)
        return blocks.join([*parts, blocks.linked_list(items)])

    @section
    def revisions(self) -> Block:
        changes, parts = self.changes, [blocks.heading("Revised figures")]
        if changes.previous is None:
            return Block()
        revised = changes.revised
        if revised.empty:
            return blocks.join([*parts, blocks.paragraph("No published figure was revised.")])
        shown = revised[~revised["chart"]]
        parts.append(blocks.paragraph(
            f"{len(revised)} figure(s) shown in the previous release are now different "
            f"({len(revised) - len(shown)} of them in the data behind charts). Each is marked "
            "revised, with the value published before, as the Government Statistical Service "
            "advises."))  # fmt: skip
        items = []
        for (page, label), rows in shown.groupby(["page", "label"], sort=False):
            kpis = "; ".join(dict.fromkeys(rows["kpi"]))
            areas = "; ".join(list(dict.fromkeys(rows["area"]))[:6])
            items.append([(label, page), (f": {len(rows)} revised: {kpis} ({areas})", None)])
        if items:
            parts.append(blocks.linked_list(items))
            table = pd.DataFrame({
                "Page": shown["label"], "Area": shown["area"], "KPI": shown["kpi"],
                "Period": shown["period"], "Figure": shown["figure"],
                "Previously published": shown["previous"],
                "Now (revised)": shown["now"] + " [r]",
            })  # fmt: skip
            parts.append(blocks.table(
                table, "Revised figures: the value published before and now",
                note="[r] marks a revised figure."))  # fmt: skip
        return blocks.join(parts)

    @section
    def exceptions(self) -> Block:
        """Exceptions new and resolved: the items of the pages' "What needs attention" lists,
        then areas beyond the funnel limits of any table; each linked to its pages."""
        changes, parts = self.changes, [blocks.heading("New and resolved exceptions")]
        if changes.previous is None:
            return Block()
        found = [
            ("Newly in a page's \u201cWhat needs attention\u201d:", "attention",
             changes.new_exceptions, "{concern}"),
            ("No longer in it:", "attention", changes.resolved,
             "{concern} in the previous release, not now"),
            ("Newly beyond the funnel limits:", "funnel", changes.new_exceptions,
             "now {side} the limits"),
            ("Back within the funnel limits:", "funnel", changes.resolved,
             "no longer {side} the limits"),
        ]  # fmt: skip
        for words, kind, items, said in found:
            items = [item for item in items if item["kind"] == kind]
            if items:
                parts.append(blocks.paragraph(words))
                parts.append(blocks.linked_list([self._exception(i, said) for i in items]))
        if len(parts) == 1:
            parts.append(blocks.paragraph(
                "No exception is new or resolved: no page's list of what needs attention "
                "gained or lost an item, and no area newly lies beyond, or returned within, "
                "the funnel limits."))  # fmt: skip
        if not changes.attention_compared:
            parts.append(blocks.paragraph(
                "The previous release did not record the pages' lists of what needs "
                "attention, so only the funnel limits are compared with it; the next release "
                "is compared with this one in full."))  # fmt: skip
        return blocks.join(parts)

    def _exception(self, item: dict, said: str) -> list[tuple[str, str | None]]:
        """One exception as a list item: area, KPI, what is said of it, and its pages."""
        run = [(f"{item['area']}, {item['kpi']}: {said.format(**item)} (", None)]
        for i, page in enumerate(item["pages"][:4]):
            run += [(", " if i else "", None), self._page_link(page)]
        more = len(item["pages"]) - 4
        return [*run, (f" and {more} more pages)" if more > 0 else ")", None)]

    def _page_link(self, page: str) -> tuple[str, str]:
        """A page's label and link (exceptions are compared on pages there now)."""
        return ("the index" if page == INDEX_OUTPUT else self.changes.pages.get(page, page)), page

    def notes(self) -> Block:
        """About this page, then the glossary of the terms its sections use ([c] among them)."""
        used = "\n".join(getattr(self, name)().text for name in self.declared_sections())
        return blocks.join([
            blocks.heading("About this page"),
            blocks.paragraph(
                "Each release of these reports is kept under releases/ with its pages, a "
                "manifest of its data versions and pages, and the figures its pages showed. "
                "This page compares the pages of this release with the latest release before "
                f"it ({self.changes.since}): figures are compared as shown, table by table, "
                "and exceptions as each page's list of what needs attention shows them."),
            glossary.glossary(used),
        ])  # fmt: skip


def summary_sentence(changes: Changes) -> str:
    """One sentence of what changed, for the page and the index."""
    revised = len(changes.revised)
    shown = changes.revised[~changes.revised["chart"]] if revised else pd.DataFrame()
    areas = list(dict.fromkeys(shown["area"])) if len(shown) else []
    kpis = list(dict.fromkeys(shown["kpi"])) if len(shown) else []
    text = (
        f"Since {changes.since}: {len(changes.added)} page(s) added, {len(changes.removed)} "
        f"removed, {len(changes.changed)} changed; {len(changes.periods)} new period(s); "
        f"{revised} figure(s) revised"
    )
    if kpis:
        text += f" (KPIs: {'; '.join(kpis[:5])}{'; ...' if len(kpis) > 5 else ''}"
        text += f"; areas: {'; '.join(areas[:5])}{'; ...' if len(areas) > 5 else ''})"
    counts = {(kind, which): sum(item["kind"] == kind for item in found)
              for kind in ("attention", "funnel")
              for which, found in (("new", changes.new_exceptions),
                                   ("resolved", changes.resolved))}  # fmt: skip
    if changes.attention_compared:
        text += (f"; {counts['attention', 'new']} exception(s) newly needing attention, "
                 f"{counts['attention', 'resolved']} no longer")  # fmt: skip
    return (
        text + f"; {counts['funnel', 'new']} area(s) newly beyond the funnel limits, "
        f"{counts['funnel', 'resolved']} back within them."
    )


def summary_block(changes: Changes) -> Block:
    """The index's section: what changed, linking to the page of changes."""
    parts = [blocks.heading("What changed since the last release")]
    if changes.previous is None:
        text = "This is the first release of these reports."
    else:
        text = summary_sentence(changes)
    parts.append(blocks.linked_list([[(text + " ", None), ("See what changed", CHANGES_OUTPUT)]]))
    return blocks.join(parts)


__all__ = ["Changes", "ChangesReport", "changes_report", "compare", "page_figures", "releases"]
