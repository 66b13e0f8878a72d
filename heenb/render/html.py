"""Export an executed report notebook to one self-contained, accessible HTML page.

One :class:`ReportExporter` serves a whole build (the nbconvert exporter and
its template are loaded once). The page has no code and no prompts, one
``h1``, a contents list of the ``h2`` sections, inline styles, and a
provenance footer (parameters, the data folder and version the page was built
from, heenb version, build time). What the notebook cannot tell (the data) the
build passes in as :class:`PageFacts`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from heenb import __version__
from heenb.paths import describe_parameters
from heenb.render.facts import PageFacts
from heenb.report.takeaway import with_page_names

if TYPE_CHECKING:  # nbformat, nbconvert and the report blocks (matplotlib) are imported
    import nbformat  # when a page is exported: a build with nothing to do never needs them


TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
#: The "¶" link nbconvert appends to a Markdown heading: dropped, the heading keeps its id.
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">[^<]*</a>')


class ReportExporter:
    """Turns executed notebooks into report pages; reuse one for many notebooks."""

    def __init__(self):
        self._exporter = _page_exporter_class()(
            extra_template_basedirs=[str(TEMPLATES)],
            template_name="heenb",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        self._css = (TEMPLATES / "heenb" / "report.css").read_text()

    def to_html(self, notebook: nbformat.NotebookNode, facts: PageFacts | None = None,
                title: str = "heenb report", page: str = "") -> str:  # fmt: skip
        """The report page for an executed notebook built from ``facts``, titled ``title``
        (the report's label in the plan); ``page`` is its path in the reports folder
        (``area/Y58.html``), which names the tables' CSV downloads (``area-Y58-...csv``)."""
        body, _ = self._exporter.from_notebook_node(notebook, resources={"heenb_css": self._css})
        body = _ANCHOR_LINK.sub("", body).replace("<!--heenb:title-->", html.escape(title), 1)
        body = with_page_names(_with_contents(body), page)
        if page and page_tables(notebook):
            body = with_spreadsheet_link(body, spreadsheet_name(page))
        return body.replace("<!--heenb:footer-->", _footer(notebook, facts), 1)

    def export_file(self, notebook_path: Path) -> str:
        import nbformat

        return self.to_html(nbformat.read(notebook_path, as_version=4))


#: An ``<img>`` without an ``alt`` attribute, and the mark of JupyterLab's cell wrappers:
#: what nbconvert's last pass over a page looks for (:func:`_page_exporter_class`).
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)[^>]*>", re.I)
_LAB_CELLS = "jp-Notebook"


def _page_exporter_class():
    """nbconvert's HTMLExporter without its last pass where it has nothing to do.

    That pass parses the whole page with BeautifulSoup and writes it out again, only to give
    an image without alt text a placeholder and to make JupyterLab's cell wrappers focusable:
    about 90% of the export's time (0.04-0.08 s a page, most of it parsing the charts'
    images and the tables' CSV links). Our template draws no JupyterLab cells and every chart
    has its alt text, so a page is used as the template wrote it, the same document (the
    pass only re-serialises it: ``<br>`` for ``<br/>``, ``&#x27;`` for ``'``); a page with
    an image without ``alt`` still gets nbconvert's whole pass.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            given = dict(resources or {})
            # As HTMLExporter.from_notebook_node, up to its BeautifulSoup pass.
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if _IMG_WITHOUT_ALT.search(page) or _LAB_CELLS in page:
                return super().from_notebook_node(nb, given, **kw)
            return page, resources

    return PageExporter


def page_tables(notebook: nbformat.NotebookNode) -> list[dict]:
    """The tables with rows the notebook's sections produced, in page order (each cell
    output's :data:`heenb.report.blocks.TABLES_MIME` data): the spreadsheet comes from the
    same run as the page."""
    from heenb.report.blocks import TABLES_MIME

    return [
        table
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        for table in output.get("data", {}).get(TABLES_MIME, {}).get("tables", [])
        if table.get("rows")
    ]


def spreadsheet_name(page: str) -> str:
    """The file name of the spreadsheet beside ``page`` (``area/Y58.html`` -> ``Y58.xlsx``)."""
    return Path(page).with_suffix(".xlsx").name


def with_spreadsheet_link(body: str, name: str) -> str:
    """A link to the page's spreadsheet, before its contents list (or first section)."""
    link = (
        f'<p class="heenb-spreadsheet"><a href="{html.escape(quote(name))}">Download every '
        "table of this report as a spreadsheet (XLSX)</a></p>"
    )
    where = re.search(r'<nav class="heenb-toc"|<h2 ', body)
    at = where.start() if where else body.find("<!--heenb:footer-->")
    return body[:at] + link + body[at:] if at >= 0 else body


def about(notebook: nbformat.NotebookNode, page: PageFacts | None) -> list[str]:
    """The page's provenance as lines for its spreadsheet's cover, then the next release and
    the contact where the plan declares them (:func:`heenb.plan.publication`)."""
    from heenb.plan import publication
    from heenb.report.common import long_date

    declared = publication()
    lines = [f"{k}: {v}" for k, v in _facts(notebook, page).items()]
    if declared["next_release"]:
        day = long_date(dt.date.fromisoformat(declared["next_release"]))
        lines.append(f"Next release: {day}")
    if declared["contact"]:
        lines.append(f"Contact: {declared['contact']}")
    return lines


#: The sections of a page's opening, read before its contents list: the main points and
#: what needs attention stay on the first screen.
OPENING = ("main-points", "what-needs-attention")


def _with_contents(body: str) -> str:
    """Insert a contents list of the ``h2`` sections before the first that is not part of
    the page's opening (:data:`OPENING`)."""
    contents = _contents(body)
    first = next((m for m in _H2.finditer(body) if m.group(1) not in OPENING), None)
    first = first or _H2.search(body)
    if first is None or not contents:
        return body
    return body[: first.start()] + contents + body[first.start() :]


def _contents(body: str) -> str:
    sections = _H2.findall(body)
    if len(sections) < 2:
        return ""
    items = "".join(f'<li><a href="#{anchor}">{label}</a></li>' for anchor, label in sections)
    return (
        '<nav class="heenb-toc" aria-labelledby="contents-heading">'
        f'<h2 id="contents-heading">Contents</h2><ol>{items}</ol></nav>'
    )


def _footer(notebook: nbformat.NotebookNode, page: PageFacts | None) -> str:
    rows = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
        for k, v in _facts(notebook, page).items()
    )
    return f'<h2 id="provenance" class="visually-plain">Provenance</h2><dl>{rows}</dl>'


def _facts(notebook: nbformat.NotebookNode, page: PageFacts | None) -> dict:
    papermill = notebook.metadata.get("papermill", {})
    parameters = papermill.get("parameters", {})
    facts = {
        "Parameters": describe_parameters(parameters) or "defaults",
        "Data": page.describe() if page else "not recorded",
        "Produced by": f"heenb {__version__}, from the notebook "
        f"{Path(papermill.get('input_path') or 'unknown').name}",
        "Built": papermill.get("end_time") or "not recorded",
    }
    return facts
