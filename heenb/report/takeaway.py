"""Tables to take away: a table's cells as CSV, offered by a link on the page itself.

The link carries the CSV in a ``data:`` URI (percent-encoded UTF-8), so it works
offline and needs no second file; ``download`` names the file. The CSV holds
the cells as the page shows them, disclosure control included (a withheld figure
is ``[c]``), with the table's column headings as its first row.

A cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return; OWASP's "CSV injection") is prefixed
with ``'`` so it is shown as text. Plain numbers (``-3.5``, ``-1,250``, ``-2.0%``)
are left as they are: they cannot run, and a prefix would turn them into text.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

#: What starts a formula in Excel, LibreOffice and Google Sheets (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A cell that is only a number (thousands separators, decimals, per cent allowed).
PLAIN_NUMBER = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?")
#: Characters left as they are in the ``data:`` URI (all others are percent-encoded);
#: none needs escaping in an HTML attribute.
URI_SAFE = ",;:/@$!*()-_.~"
#: A UTF-8 byte order mark, so Excel reads the file as UTF-8.
BOM = "\ufeff"
#: Longest table part of a download's file name, in characters.
NAME_LENGTH = 60
#: The start of every download link; the exporter adds the page's name after it.
LINK_START = '<a class="heenb-csv" download="'


def safe_cell(text: str) -> str:
    """``text`` prefixed with ``'`` if a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table as CSV text (RFC 4180: CRLF line ends, quotes only where needed), every
    cell made :func:`safe_cell`, with a byte order mark first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(str(h)) for h in headers])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    return BOM + out.getvalue()


def data_uri(text: str) -> str:
    """``text`` as a ``data:text/csv`` URI, percent-encoded as UTF-8."""
    return "data:text/csv;charset=utf-8," + quote(text, safe=URI_SAFE)


def file_name(caption: str) -> str:
    """A file name for a table: its caption's words in lower case, hyphenated, shortened
    at a word to :data:`NAME_LENGTH` characters, ending ``.csv``."""
    words = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-") or "table"
    if len(words) > NAME_LENGTH:
        words = words[:NAME_LENGTH].rsplit("-", 1)[0]
    return f"{words}.csv"


def download_link(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str) -> str:
    """A paragraph with a link that downloads the table as CSV.

    Its accessible name names the table ("Download this table as CSV: <caption>");
    the caption is in a visually hidden span, since it is shown just above.
    """
    href = html.escape(data_uri(csv_text(headers, rows)), quote=True)
    return (
        f'<p class="heenb-download">{LINK_START}{html.escape(file_name(caption))}" '
        f'href="{href}">Download this table as CSV'
        f'<span class="visually-hidden">: {html.escape(caption, quote=True)}</span></a></p>'
    )


def with_page_names(body: str, page: str) -> str:
    """Every download link's file name in ``body`` prefixed with ``page`` (the page's
    path without ``.html``, ``/`` as ``-``), numbered where a name repeats."""
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", page.removesuffix(".html")).strip("-")
    seen: dict[str, int] = {}

    def named(match: re.Match) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        stem = name.removesuffix(".csv")
        if seen[name] > 1:
            stem += f"-{seen[name]}"
        return f'{LINK_START}{prefix}-{stem}.csv"' if prefix else f'{LINK_START}{stem}.csv"'

    return re.sub(re.escape(LINK_START) + r'([^"]*)"', named, body)
