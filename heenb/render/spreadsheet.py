"""The spreadsheet beside a report page: the page's tables in an accessible workbook.

It follows the Government Analysis Function's guidance on releasing statistics in
spreadsheets, through ``gptables``: a cover sheet, a contents sheet, a notes
sheet, then one table per sheet, starting at the top with no merged cells and
no blank rows above it. Cells are what the page shows, after disclosure
control: a withheld figure is ``[c]``; a figure that does not exist (blank or
"no data" on the page) is ``[x]`` (not available), as the Government Statistical
Service defines it; a blank verdict beside a figure (within the funnel limits, no
special cause) is a verdict, written in words (:data:`VERDICT_BLANKS`). Figures are
numbers with the unit in the heading, never text: columns of plain numbers or per
cents as they are, and a column whose cells hold figures with words (an interval
"77.2% to 88.1%", a change "up 7.7 points on 2023: better", "91.0% (above)") as a
number column per figure and a text column for the words (:data:`SPLITS`). Notes are
numbered in the order the tables cite them, each once; only notes cited are listed.
Nothing in a cell is run as a formula or a link: gptables reads ``[text](url)`` in
any text as a hyperlink, which heenb never asks it for, so that reading is turned
off while a workbook is written (:func:`_text_stays_text`); the contents sheet's
links to the table sheets, which gptables makes itself, stay. Nor is any text from
data read as a note marker: gptables reads ``$$reference$$`` in titles, subtitles and
headings as a reference to a note (and refuses it in a heading); while a workbook is
written it reads only heenb's own markers (:func:`own_marker`), so a name such as
"Project $$x$$" is written as it is.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import warnings
from dataclasses import dataclass
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
#: Columns whose blank cell, beside a figure, is a verdict: heading -> its words.
VERDICT_BLANKS = {"Outlier": "within limits", "Special cause variation": "common cause"}
#: The columns that hold a chart row's figure, the first found deciding whether a blank
#: verdict is a verdict (a row without a figure has none: ``[x]``).
FIGURE_HEADINGS = ("Value", "Proportion")
#: Words that stand for figures that could not be worked out; the reason after them is kept.
NOT_ASSESSED = "not assessed"

_NUM = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_PERIOD = r"(?:19|20)\d\d(?:-Q[1-4]|-\d\d)?"


@dataclass(frozen=True)
class Part:
    """One column a split cell is written as: the ``pattern`` group it takes, the suffix of
    its heading, its unit (None: words; "": a number with no unit), and what it holds when
    the cell lacks the group."""

    group: str
    suffix: str
    unit: str | None = None
    missing: str | float = "[x]"


@dataclass(frozen=True)
class Split:
    """A shape of cell holding figures with words, and the columns it is written as.
    ``reason`` names the part that keeps the reason of a "not assessed: ..." cell."""

    pattern: re.Pattern
    parts: tuple[Part, ...]
    reason: str | None = None


#: Cell shapes written as numbers and words, tried in order; a column is split when every
#: figure in it has one shape (symbols and "not assessed: ..." cells keep their rows).
SPLITS = (
    Split(re.compile(rf"(?P<lower>{_NUM})% to (?P<upper>{_NUM})%"),
          (Part("lower", ": lower", "%"), Part("upper", ": upper", "%"))),
    Split(re.compile(rf"(?P<lower>{_NUM}) to (?P<upper>{_NUM})"),  # a ratio's interval
          (Part("lower", ": lower", ""), Part("upper", ": upper", ""))),
    Split(re.compile(rf"(?P<value>{_NUM})%(?: \((?P<side>above|below)\))?"),
          (Part("value", "", "%"), Part("side", ": against the funnel limits", None, "within"))),
    Split(re.compile(rf"(?:(?P<sign>up|down) (?P<size>{_NUM}) points|(?P<none>no change)) "
                     rf"(?:on|since) (?P<since>{_PERIOD})(?:: (?P<verdict>.+))?"),
          (Part("size", "", "percentage points", 0.0), Part("since", ": compared with"),
           Part("verdict", ": verdict")), reason="verdict"),
    Split(re.compile(rf"(?:(?P<sign>up|down) (?P<size>{_NUM}) FTE|(?P<none>no change)) "
                     rf"(?:on|since) (?P<since>{_PERIOD})"),
          (Part("size", "", "FTE", 0.0), Part("since", ": compared with"))),
    Split(re.compile(rf"(?P<value>{_NUM}) FTE in (?P<month>{_PERIOD})"),
          (Part("value", "", "FTE"), Part("month", ": month"))),
    Split(re.compile(rf"(?P<more>{_NUM}) more \((?P<total>{_NUM}) FTE\)"),
          (Part("more", ": more", "FTE"), Part("total", ": in all", "FTE"))),
)  # fmt: skip
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


def with_verdicts(columns: list[str], rows: list[list[str]]) -> list[list[str]]:
    """``rows`` with each blank cell of a verdict column (:data:`VERDICT_BLANKS`) in words
    where its row has a figure; a row without a figure keeps it blank (not available)."""
    verdicts = [i for i, c in enumerate(columns) if c in VERDICT_BLANKS]
    figure = next((columns.index(c) for c in FIGURE_HEADINGS if c in columns), None)
    if not verdicts or figure is None:
        return rows
    out = []
    for row in rows:
        row = list(row)
        if row[figure].strip() not in NOT_AVAILABLE and row[figure] not in SYMBOLS:
            for i in verdicts:
                row[i] = row[i] if row[i].strip() else VERDICT_BLANKS[columns[i]]
        out.append(row)
    return out


def split_column(heading: str, cells: list[str]) -> list[tuple[str, list, str | None]] | None:
    """A column of figures with words as (heading, values, unit) columns, one per part of
    the first :data:`SPLITS` shape every figure has; None when no shape fits, or when the
    cells hold one figure alone (:func:`column_values` writes those as numbers)."""
    figures = [c for c in cells if c not in SYMBOLS and not c.startswith(NOT_ASSESSED)]
    reasons = len(figures) + sum(c in SYMBOLS for c in cells) < len(cells)
    for split in SPLITS:
        matches = {c: split.pattern.fullmatch(c) for c in figures}
        if not figures or not all(matches.values()) or (reasons and split.reason is None):
            continue
        parts = [p for p in split.parts
                 if any(m[p.group] is not None for m in matches.values())
                 or (reasons and p.group == split.reason)]  # fmt: skip
        if len(parts) < 2:
            return None
        return [(heading + part.suffix, [_part(split, part, c, matches.get(c)) for c in cells],
                 part.unit) for part in parts]  # fmt: skip
    return None


def _part(split: Split, part: Part, text: str, match: re.Match | None):
    """What one part of a split column holds for the cell ``text``."""
    if text in SYMBOLS:
        return text
    if match is None:  # not assessed: no figure, the reason in words
        return text if part.group == split.reason else "[x]"
    value = match[part.group]
    if value is None:
        return part.missing
    if part.unit is None:
        return value
    return float(value.replace(",", "")) * (-1 if match.groupdict().get("sign") == "down" else 1)


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


class Notes:
    """A workbook's notes: each text gets one reference when a table first cites it, so the
    notes sheet lists only notes cited and gptables numbers them 1, 2, 3 ... uniquely (a
    note no table cited was numbered by its place in the table given, reusing a number)."""

    def __init__(self):
        self.refs: dict[str, str] = {}

    def cite(self, text: str) -> str:
        """The marker gptables replaces with ``[note N]``."""
        return own_marker(self.refs.setdefault(text, f"note{len(self.refs) + 1}"))

    def table(self) -> pd.DataFrame | None:
        """The notes table (reference, text) of the notes cited; None when none was."""
        if not self.refs:
            return None
        return pd.DataFrame({"Note reference": list(self.refs.values()),
                             "Note text": list(self.refs)})  # fmt: skip


def sheet_table(table: dict, number: int, notes: Notes) -> gptables.GPTable:
    """One page table as a gptables table, its notes cited from its title and the symbols
    it uses from its subtitle."""
    columns: dict[str, list] = {}
    units: dict[str, str] = {}
    rows = with_verdicts(table["columns"], table["rows"])
    for position, heading in enumerate(table["columns"]):
        # gptables refuses "$$" in a heading: each "$" stands in as OWN_MARK until it is made
        heading = text(heading).replace("$", OWN_MARK) or f"Column {position + 1}"
        cells = [cell(row[position]) for row in rows]
        for name, values, unit in split_column(heading, cells) or [
            (heading, *column_values(cells))
        ]:
            while name in columns:
                name += " (again)"
            columns[name] = values
            if unit:
                units[name] = unit
    texts = [text(table["note"])] if table["note"] else []
    if table["national"]:
        texts.append(NATIONAL_NOTE)
    markers = "".join(f" {notes.cite(note)}" for note in texts)
    used = [s for s in SYMBOLS if any(s in values for values in columns.values())]
    subtitles = []
    if used:  # gptables puts each [note N] marker at the end of its text
        meanings = ", ".join(f"{s} ({MEANINGS[s]})" for s in used)
        subtitles.append(
            f"Symbols in this table: {meanings}." + "".join(notes.cite(SYMBOLS[s]) for s in used)
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
    """The cover, sheets and notes table (None without notes) of a report's workbook."""
    notes = Notes()
    tables = [t for t in tables if t["rows"]]  # a table with no rows has nothing to take away
    sheets = {f"Table_{n}": sheet_table(t, n, notes) for n, t in enumerate(tables, start=1)}
    cover = gptables.Cover(
        title=f"{text(title)}: the report's tables",
        intro=[
            "This workbook holds every table of the report page it sits beside, one table "
            "to a sheet, with the figures the page shows after disclosure control: figures "
            "as numbers, their unit in the column heading.",
            "Symbols: [c] confidential (withheld by disclosure control), [x] not available, "
            "[z] not applicable. The contents sheet lists the tables; the notes sheet explains "
            "the symbols the tables use and each table's notes.",
        ],
        about=[text(line) for line in about],
    )
    return cover, sheets, notes.table()


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
    with warnings.catch_warnings():  # pandas 3 deprecations inside gptables
        warnings.filterwarnings("ignore", module="gptables")
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
