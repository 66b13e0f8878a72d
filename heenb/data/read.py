"""Read raw CSV files as text, for :mod:`heenb.data.validate` to check.

A file is refused as a whole, before its values are checked, when it cannot be
read: missing, not UTF-8, not CSV, empty, a column named twice in the header or
missing from it, or a value or line far longer than the contract allows (found
while the file is streamed, before it is read whole: :func:`oversized_value`).
A readable file is read :data:`CHUNK_ROWS` rows at a time, every column coded
against its distinct values and stripped of surrounding spaces
(:func:`read_coded`). Row numbers are as a spreadsheet shows them: the header
is row :data:`HEADER_ROW`.

Every pass over a file goes through a :class:`HashedFile`, which hashes the bytes
that pass reads: the table is parsed from bytes whose SHA-256 is known, and the
checks that stream the file first must have seen the same bytes
(:meth:`HashedFile.digest`). So what was read is known by its content, not by the
file's name: a file changed and changed back while it was read (A, B, A) cannot
pass for A.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from heenb.data.contract import RawFile
from heenb.errors import Problem

#: A value this many times longer than a file's longest allowed text is refused
#: while the file is streamed, before it is read whole (see ``oversized_value``).
OVERSIZED_FACTOR = 10
#: Rows of a raw file read at a time (see :func:`read_coded`).
CHUNK_ROWS = 500_000
#: The longest line, in bytes, of a file without multi-line columns: any longer
#: is refused before the file is read whole.
LINE_LIMIT = 1_000_000
#: The header's row, as a spreadsheet numbers it.
HEADER_ROW = 1

#: Whitespace at either end of a value, in values joined by NUL (which no valid value holds).
_SPACE_AT_AN_END = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)")
#: Bytes kept from the start of a file as it is read, for checking its header: a header
#: longer than this is refused as an over-long line (:data:`LINE_LIMIT`) anyway.
HEAD_BYTES = LINE_LIMIT + 2


class ChangedWhileReadError(Exception):
    """Two whole reads of one file found different bytes: it was written meanwhile."""

    def __init__(self, path: Path):
        super().__init__(f"{path} changed while it was read")
        self.path = path


class HashedFile:
    """A file read in one or more passes, each hashing the bytes it reads.

    :meth:`open` gives a binary handle for one pass, read from the start; a pass that
    reads to the end records the SHA-256 of every byte it read, and keeps the first
    :data:`HEAD_BYTES` of them (:attr:`head`). :meth:`digest` is the content every
    whole pass saw. The handle cannot seek, so a pass's bytes are the file's bytes
    in order, exactly what was parsed or checked.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.head = b""
        self._digests: list[str] = []

    @contextlib.contextmanager
    def open(self) -> Iterator[io.BufferedReader]:
        raw = _HashingReader(self.path)
        with io.BufferedReader(raw) as handle:
            yield handle
            if raw.ended:
                self._digests.append(raw.sha256.hexdigest())
                self.head = bytes(raw.head)

    def digest(self) -> str | None:
        """The SHA-256 (hex) of the bytes read, or None when no pass read the whole file.

        Raises :class:`ChangedWhileReadError` when two whole passes read different bytes.
        """
        if len(set(self._digests)) > 1:
            raise ChangedWhileReadError(self.path)
        return self._digests[0] if self._digests else None


class _HashingReader(io.RawIOBase):
    """A file's bytes, read from the start, hashed as they are read (not seekable)."""

    def __init__(self, path: Path):
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self.name = str(path)
        self.sha256 = hashlib.sha256()
        self.head = bytearray()
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._file.readinto(buffer)
        if count:
            read = memoryview(buffer)[:count]
            self.sha256.update(read)
            if len(self.head) < HEAD_BYTES:
                self.head += read[: HEAD_BYTES - len(self.head)]
        elif count == 0:
            self.ended = True
        return count

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


@contextlib.contextmanager
def _opened(source: Path | HashedFile) -> Iterator:
    """A binary handle on ``source``: one hashed pass of a :class:`HashedFile`, or the file."""
    if isinstance(source, HashedFile):
        with source.open() as handle:
            yield handle
    else:
        with Path(source).open("rb") as handle:
            yield handle


def read_text(path: Path | HashedFile, raw: RawFile,
              read=None) -> tuple[pd.DataFrame | None, list[Problem]]:  # fmt: skip
    """A raw file as text, coded (:func:`read_coded`), with its header checked.

    Returns the table and no problems, or None and the problems that stop the
    file being read: then none of its values is checked. ``read(source)`` reads
    the file once it is known to be short enough (default :func:`read_coded`).
    Pass a :class:`HashedFile` to learn afterwards what the passes over it read
    (:meth:`HashedFile.digest`): the header is checked in the bytes the table was
    parsed from.
    """
    read = read or read_coded
    source = path if isinstance(path, HashedFile) else HashedFile(path)
    path = source.path
    name = raw.filename
    if not path.is_file():
        return None, [Problem(name, None, None, f"file not found in {path.parent}")]
    oversized = oversized_value(source, raw)
    if oversized:
        return None, oversized
    try:
        table = read(source)
    except UnicodeDecodeError as error:
        return None, [
            Problem(
                name,
                None,
                None,
                f"is not UTF-8 text ({error.reason} at byte {error.start}); save it as CSV UTF-8",
            )
        ]
    except (pd.errors.ParserError, csv.Error) as error:
        return None, [Problem(name, None, None, f"is not a readable CSV file: {error}")]
    except pd.errors.EmptyDataError:
        return None, [
            Problem(
                name,
                None,
                None,
                "is empty; it needs a header row naming the "
                f"columns {', '.join(c.name for c in raw.columns)}",
            )
        ]
    except OSError as error:
        return None, [Problem(name, None, None, f"cannot be read: {error.strerror}")]
    repeated = _repeated_header(source.head, raw)
    if repeated:
        return None, repeated
    table.columns = [str(c).strip() for c in table.columns]
    # Values were stripped of surrounding spaces once, in read_coded. Blank lines are read
    # (so row numbers match a spreadsheet), then dropped; a file without any is not copied.
    filled = (table != "").any(axis=1)
    if not filled.all():
        table = table[filled]
    missing = [c.name for c in raw.columns if c.name not in table.columns]
    if missing:
        return None, [
            Problem(
                name,
                HEADER_ROW,
                column,
                f"column is missing; the header must name {', '.join(c.name for c in raw.columns)}",
            )
            for column in missing
        ]
    return table, []


def read_coded(path: Path | HashedFile, chunk_rows: int | None = None) -> pd.DataFrame:
    """A CSV file with every column as a categorical of its text values, stripped of spaces.

    The file is read ``chunk_rows`` rows at a time as text and each column
    coded against its distinct values, so a big file is never held as one
    Python string per cell: a column of a million rows and five codes costs a
    million small integers. Checks then look at each distinct value once
    (:func:`heenb.data.validate.per_value`). A cell missing from a short row reads as empty.
    ``chunk_rows`` defaults to :data:`CHUNK_ROWS`.
    """
    chunk_rows = chunk_rows or CHUNK_ROWS
    columns: list[str] = []
    pieces: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    with _opened(path) as handle:  # one pass: parsed from the bytes hashed
        reader = pd.read_csv(handle, dtype=object, keep_default_na=False, encoding="utf-8-sig",
                             skip_blank_lines=False, chunksize=chunk_rows)  # fmt: skip
        with reader:
            for chunk in reader:
                columns = list(chunk.columns)
                for name in columns:
                    codes, uniques = pd.factorize(chunk[name].to_numpy(dtype=object))
                    pieces.setdefault(name, []).append((codes.astype(_code_type(uniques)), uniques))
                del chunk
    if not pieces:  # a header and no rows
        return pd.DataFrame({c: pd.Categorical([]) for c in columns}, dtype="category")
    # Each column's pieces are freed as soon as the column is joined.
    return pd.DataFrame({name: _joined(pieces.pop(name)) for name in columns})


def _code_type(values) -> type:
    """The smallest signed integer type that numbers ``values`` (and -1, for none)."""
    for kind in (np.int8, np.int16, np.int32):
        if len(values) <= np.iinfo(kind).max:
            return kind
    return np.int64


def _joined(pieces: list[tuple[np.ndarray, np.ndarray]]) -> pd.Categorical:
    """One categorical of stripped values from each chunk's codes and distinct values."""
    # A short row's missing cell has code -1 in its chunk: it becomes the empty value.
    everything = np.concatenate([*(uniques for _, uniques in pieces), np.array([""], object)])
    to_global, categories = pd.factorize(everything)
    to_global = to_global.astype(_code_type(categories))
    codes, start, empty = [], 0, to_global[-1]
    for local, uniques in pieces:
        codes.append(np.append(to_global[start : start + len(uniques)], empty)[local])
        start += len(uniques)
    codes = np.concatenate(codes)
    if _SPACE_AT_AN_END.search("\x00".join(categories)):  # one scan finds any value to strip
        stripped = pd.Index(categories, dtype=object).str.strip()
        to_stripped, categories = pd.factorize(stripped.to_numpy(dtype=object))
        codes = to_stripped.astype(_code_type(categories))[codes]
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


class _LongLineError(Exception):
    """A line of a raw file is longer than any value in it may be."""


def _capped_lines(handle, limit: int):
    """The lines of ``handle``; :class:`_LongLineError` rather than reading one over ``limit``."""
    while line := handle.readline(limit + 1):
        if len(line) > limit and not line.endswith("\n"):
            raise _LongLineError
        yield line


def oversized_value(path: Path | HashedFile, raw: RawFile) -> list[Problem]:
    """A value far beyond any column's limit, found before the file is read whole.

    A file with a multi-line text column (a small file; a huge narrative is the
    likely case) is streamed, stopping at a value or line :data:`OVERSIZED_FACTOR`
    times longer than the longest text its columns allow; any other file may
    have no line over :data:`LINE_LIMIT` bytes (:func:`longest_line`). So a
    200 MB cell is refused without being held in memory. A merely long value
    is reported by column, with its limit, by the ordinary checks.
    """
    if not any(c.multiline for c in raw.columns):
        length, line = longest_line(path)
        if length <= LINE_LIMIT:
            return []
        return [
            Problem(
                raw.filename,
                line,
                None,
                f"the line is {length:,} bytes long; a line of this file may be at most "
                f"{LINE_LIMIT:,} (each column's limit is in data/README.md)",
            )
        ]
    longest = max(c.max_length for c in raw.columns if c.kind == "text")
    limit = longest * OVERSIZED_FACTOR
    previous = csv.field_size_limit(limit)
    row = HEADER_ROW - 1  # the last record read whole, as a spreadsheet numbers it
    try:
        with _opened(path) as binary, io.TextIOWrapper(binary, "utf-8-sig", newline="") as handle:
            for _record in csv.reader(_capped_lines(handle, limit)):
                row += 1
    except (csv.Error, _LongLineError) as error:
        if isinstance(error, csv.Error) and "field larger than field limit" not in str(error):
            return []  # pandas reports an unreadable file in its own words
        return [
            Problem(
                raw.filename,
                row + 1,
                None,
                f"holds a value more than {limit:,} characters long; no column of this file "
                f"allows more than {longest:,} (see data/README.md)",
            )
        ]
    except UnicodeDecodeError:
        return []
    finally:
        csv.field_size_limit(previous)
    return []


def longest_line(path: Path | HashedFile, chunk: int = 1 << 24) -> tuple[int, int]:
    """The length in bytes (without its newline) and number of the longest line of a file.

    Read in chunks of ``chunk`` bytes, so memory stays small whatever the file holds.
    """
    best, best_line, lines, carry = 0, 1, 0, 0
    with _opened(path) as handle:
        while block := handle.read(chunk):
            ends = np.flatnonzero(np.frombuffer(block, np.uint8) == ord("\n"))
            if ends.size:
                lengths = np.diff(ends, prepend=-1) - 1
                lengths[0] += carry
                i = int(lengths.argmax())
                if lengths[i] > best:
                    best, best_line = int(lengths[i]), lines + i + 1
                lines += ends.size
                carry = len(block) - 1 - int(ends[-1])
            else:
                carry += len(block)
            if carry > best:
                best, best_line = carry, lines + 1
    return best, best_line


def _repeated_header(head: bytes, raw: RawFile) -> list[Problem]:
    """A column name that appears twice in the header (pandas would rename the second), read
    from ``head``, the first bytes of the pass the table was parsed from."""
    try:
        text = io.StringIO(head.decode("utf-8-sig"), newline="")
        header = [name.strip() for name in next(csv.reader(text), [])]
    except (csv.Error, UnicodeDecodeError):
        return []  # pandas read the file; its header cells are checked as values are
    counts = Counter(header)
    return [
        Problem(
            raw.filename,
            HEADER_ROW,
            name,
            f"appears {count} times in the header (columns "
            f"{' and '.join(str(i + 1) for i, n in enumerate(header) if n == name)}); "
            "each column name may appear once, or the values of all but one would be lost",
        )
        for name, count in counts.items()
        if count > 1
    ]
