"""The one exception family of heenb.

Every error a user can cause (bad data, a bad report parameter, a bad argument to
an analytical function) is a :class:`HeenbError` whose message is written for
the user: it names the file, row, column or parameter and says what would be
valid. The command line prints these messages without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class HeenbError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class ArgumentError(HeenbError, ValueError):
    """An analytical function was given an argument it cannot use."""


class ParameterError(HeenbError, ValueError):
    """A report parameter (objective, area, programme, ...) is not valid."""


class BuildError(HeenbError):
    """A report plan or output folder is unusable, found before any work starts."""


@dataclass(frozen=True)
class Problem:
    """One problem found in one raw data file.

    ``row`` is the line number in the CSV file as a spreadsheet shows it (the
    header is line 1), or ``None`` when the problem is with the file as a whole.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataValidationError(HeenbError):
    """Raw data failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:limit])
        more = len(self.problems) - limit
        tail = f"\n  ... and {more} more problem(s)" if more > 0 else ""
        super().__init__(
            f"The data failed validation with {len(self.problems)} problem(s); "
            f"no report was built or changed. Fix these and run again:\n{shown}{tail}"
        )


class PublishedSourceError(HeenbError):
    """A declared published source (``data/published/sources.yml``) or one of its files is
    not as declared; the message names the file, sheet, row and column."""


class DataChangedError(HeenbError):
    """Raw data files changed while a mart or a build was reading them."""

    def __init__(self, data_dir, files: list[str], done: str = "nothing was kept",
                 published: bool = False):  # fmt: skip
        self.files = list(files)
        self.published = published  # pages were built (from the data as it was at the start)
        super().__init__(
            f"{', '.join(self.files)} in {data_dir} changed while heenb was reading the data; "
            f"{done}. Run again once the files are no longer being written."
        )
