"""The spreadsheet beside a report page: the page's tables in an accessible workbook.

It follows the Government Analysis Function's guidance on releasing statistics in
spreadsheets, through ``gptables``: a cover sheet, a contents sheet, a notes
sheet, then one table per sheet, starting at the top with no merged cells and
no blank rows above it. Cells are what the page shows, after disclosure
control: a withheld figure is ``[c]``; a figure that does not exist (blank or
"no data" on the page) is ``[x]``. Columns whose figures are all plain numbers
(or all per cent) are written as numbers (per cent columns with the unit in
their heading), never as text. Nothing in a cell is run as a formula or a link:
gptables reads ``[text](url)`` in any text as a hyperlink, which heenb never
asks it for, so that reading is turned off while a workbook is written
(:func:`_text_stays_text`); the contents sheet's links to the table sheets,
which gptables makes itself, stay. Nor is any text from data read as a note
marker: gptables reads ``$$reference$$`` in titles, subtitles and headings as a
reference to a note (and refuses it in a heading); while a workbook is written
it reads only heenb's own markers (:func:`own_marker`), so a name such as
"Project $$x$$" is written as it is.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import warnings
from pathlib import Path

import gptables
import pandas as pd
from gptables.core.gptable import FormatList
from gptables.core.wrappers import GPWorkbook, GPWorksheet

from heenb.files import write_atomically, write_file
from heenb.formatting import NO_DATA, WITHHELD

#: The Government Statistical Service symbols the workbook uses, and what they mean.
SYMBOLS = {
    WITHHELD: f"{WITHHELD} means the figure is confidential: withheld by disclosure control "
    "so that no one can be identified.",
    "[x]": "[x] means the figure is not available (there is no data for it).",
    "[z]": "[z] means the figure is not applicable.",
}
#: Each symbol in brief, for a table's subtitle.
MEANINGS = {WITHHELD: "confidential", "[x]": "not available", "[z]": "not applicable"}
#: Cells that mean there is no figure, written as [x].
NOT_AVAILABLE = {"", NO_DATA}
#: A whole number or decimal, with thousands separators allowed.
NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
PERCENT = re.compile(r"-?\d+(\.\d+)?%")
#: A year names a period: a column of years stays text.
YEAR = re.compile(r"(19|20)\d\d")
#: XlsxWriter options: data strings stay strings (never formulas, links or numbers).
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}  # fmt: skip
#: A note every table of England figures carries.
NATIONAL_NOTE = "England figures are published without disclosure control."
#: What marks heenb's own note markers (:func:`own_marker`): a Unicode noncharacter, which
#: is for a program's internal use; where one comes in data it is replaced (:func:`text`).
OWN_MARK = "\ufdd0"
_OWN_MARKER = re.compile(re.escape(OWN_MARK) + r"\$\$(.*?)\$\$")


def own_marker(reference: str) -> str:
    """A reference to the note ``reference``, as gptables reads it while heenb writes
    (``$$reference$$``, marked as heenb's own); no text from data can be one."""
    return f"{OWN_MARK}$${reference}$$"


def text(value):
    """A value from a page as gptables is given it: text without :data:`OWN_MARK` (so it
    cannot make a note marker), anything else as it is."""
    return value.replace(OWN_MARK, "\ufffd") if isinstance(value, str) else value


def cell(shown: str):
    """A shown cell as the workbook holds it: a symbol, or the text as it is."""
    return "[x]" if shown.strip() in NOT_AVAILABLE else text(shown)


def column_values(cells: list[str]) -> tuple[list, str | None]:
    """A column's cells as numbers where every figure is a number (``None`` unit) or a per
    cent (unit ``%``, the number of per cent); otherwise as text. Symbols stay as they are."""
    figures = [c for c in cells if c not in SYMBOLS]
    if figures and all(YEAR.fullmatch(c) for c in figures):
        return cells, None
    if figures and all(NUMBER.fullmatch(c) for c in figures):
        numbers = {c: float(c.replace(",", "")) for c in figures}
        return [numbers.get(c, c) for c in cells], None
    if figures and all(PERCENT.fullmatch(c) for c in figures):
        return [float(c[:-1]) if c in figures else c for c in cells], "%"
    return cells, None


def sheet_table(table: dict, number: int, note_refs: dict[str, str]) -> gptables.GPTable:
    """One page table as a gptables table, its notes referenced from its title."""
    columns: dict[str, list] = {}
    units: dict[str, str] = {}
    for position, heading in enumerate(table["columns"]):
        cells = [cell(row[position]) for row in table["rows"]]
        values, unit = column_values(cells)
        # gptables refuses "$$" in a heading: each "$" stands in as OWN_MARK until it is made
        name = text(heading).replace("$", OWN_MARK) or f"Column {position + 1}"
        while name in columns:
            name += " (again)"
        columns[name] = values
        if unit:
            units[name] = unit
    notes = [text(table["note"])] if table["note"] else []
    if table["national"]:
        notes.append(NATIONAL_NOTE)
    markers = "".join(
        " " + own_marker(note_refs.setdefault(n, f"note{len(note_refs) + 1}")) for n in notes
    )
    used = [s for s in SYMBOLS if any(s in values for values in columns.values())]
    subtitles = []
    if used:  # gptables puts each [note N] marker at the end of its text
        refs = dict(zip(SYMBOLS, list(note_refs.values())[: len(SYMBOLS)], strict=True))
        meanings = ", ".join(f"{s} ({MEANINGS[s]})" for s in used)
        subtitles.append(
            f"Symbols in this table: {meanings}." + "".join(own_marker(refs[s]) for s in used)
        )
    made = gptables.GPTable(
        table=pd.DataFrame(columns, columns=list(columns)),
        table_name=f"table_{number}",
        title=text(table["caption"]) + markers,
        subtitles=subtitles or None,
        units=units or None,
        source=None,
    )
    made.table.columns = [str(name).replace(OWN_MARK, "$") for name in made.table.columns]
    return made


def workbook_parts(tables: list[dict], title: str, about: list[str]):
    """The cover, sheets and notes table of a report's workbook."""
    note_refs = {text: f"symbol{n}" for n, text in enumerate(SYMBOLS.values(), start=1)}
    tables = [t for t in tables if t["rows"]]  # a table with no rows has nothing to take away
    sheets = {f"Table_{n}": sheet_table(t, n, note_refs) for n, t in enumerate(tables, start=1)}
    notes = pd.DataFrame({"Note reference": list(note_refs.values()),
                          "Note text": list(note_refs)})  # fmt: skip
    cover = gptables.Cover(
        title=f"{text(title)}: the report's tables",
        intro=[
            "This workbook holds every table of the report page it sits beside, one table "
            "to a sheet, with the figures the page shows after disclosure control.",
            "The contents sheet lists the tables; the notes sheet explains the symbols "
            "[c], [x] and [z] and each table's notes.",
        ],
        about=[text(line) for line in about],
    )
    return cover, sheets, notes


def write_spreadsheet(target: Path, tables: list[dict], title: str, about: list[str]) -> None:
    """Write ``tables`` (as :func:`heenb.report.blocks.tables_json` gives them) to the
    workbook ``target``: written beside it under a temporary name, then renamed into place.

    Symbols in the cells are the page's: :data:`heenb.formatting.WITHHELD` stays ``[c]``.
    Raises :class:`heenb.files.FileWriteError` naming ``target`` when it cannot be written.
    """
    write_atomically(target, workbook_bytes(tables, title, about))


def write_workbook(path: Path, tables: list[dict], title: str, about: list[str]) -> None:
    """Write the workbook of ``tables`` to ``path`` itself (a temporary file the caller
    renames into place: see :func:`write_spreadsheet`)."""
    write_file(path, workbook_bytes(tables, title, about))


def workbook_bytes(tables: list[dict], title: str, about: list[str]) -> bytes:
    """The workbook of ``tables``, made in memory: XlsxWriter writes no file of its own, so
    a full disk fails only heenb's write of these bytes, with one error naming the file
    (XlsxWriter's zip file, left half-written, complained again when collected)."""
    cover, sheets, notes = workbook_parts(tables, title, about)
    made = io.BytesIO()
    with warnings.catch_warnings():  # [z] is explained though no table may use it,
        warnings.filterwarnings("ignore", "The following notes are not referenced")
        warnings.filterwarnings("ignore", module="gptables")  # and pandas 3 deprecations
        with _text_stays_text():
            gptables.write_workbook(
                filename=made, sheets=sheets, cover=cover, notes_table=notes,
                contentsheet_options={"additional_elements": ["subtitles"]},
                workbook_options={**WORKBOOK_OPTIONS, "in_memory": True},
            )  # fmt: skip
    return made.getvalue()


_LINKS_OFF = threading.Lock()


@contextlib.contextmanager
def _text_stays_text():
    """While a workbook is written, gptables leaves ``[text](url)`` in text as it is, and
    reads as note markers only heenb's own (:func:`own_marker`).

    gptables (2.0) turns the first Markdown link in any title, subtitle, note, cover
    line or table cell into a live hyperlink (so a provider or project name could link to
    any web page, ``mailto:`` or ``file:`` share), and fails the whole workbook on a second
    link in one cell or on a scheme XlsxWriter does not know (``javascript:``). Every
    string heenb gives it is data or heenb's own plain text, so none is read as a link.
    It also reads any ``$$text$$`` in a title, subtitle or heading as a reference to a
    note, moving it to the end as "[note N]" (and fails the workbook when such a note is
    the whole caption); only heenb's markers are meant so.
    """
    patches = [
        (GPWorksheet, "_replace_url", _as_text),
        (gptables.GPTable, "_get_references", _own_references),
        (GPWorksheet, "_replace_reference", _replace_own_references),
        (GPWorkbook, "_strip_annotation_references", _strip_own_references),
    ]
    with _LINKS_OFF:
        saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
        for owner, name, function in patches:
            setattr(owner, name, staticmethod(function))
        try:
            yield
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)


def _as_text(string: str) -> str:
    return string


def _own_references(string: str) -> list[str]:
    """The notes ``string`` refers to by heenb's markers, in order (gptables: any $$...$$)."""
    return _OWN_MARKER.findall(string)


def _replace_own_references(string: str, reference_order: list) -> str:
    """``string`` with heenb's markers moved to its end as ``[note N]``, as gptables does."""
    references = _OWN_MARKER.findall(string)
    numbers = "".join(f"[note {reference_order.index(r) + 1}]" for r in references)
    return _OWN_MARKER.sub("", string) + numbers


def _strip_own_references(text: object) -> object:
    """``text`` (a string, a FormatList or a list of parts) without heenb's markers."""
    if isinstance(text, str):
        return _OWN_MARKER.sub("", text)
    if isinstance(text, FormatList):
        return FormatList([_strip_own_references(part) for part in text.list])
    if isinstance(text, list):
        return [_strip_own_references(part) for part in text]
    return text
