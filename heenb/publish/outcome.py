"""What became of one report in a build: built, failed, up to date, or skipped for want of data."""

from __future__ import annotations

from dataclasses import dataclass, field

BUILT = "built"
FAILED = "failed"
UP_TO_DATE = "up-to-date"
SKIPPED = "skipped"


@dataclass
class Outcome:
    """One report's result: ``status`` is :data:`BUILT`, :data:`FAILED`, :data:`UP_TO_DATE`
    or :data:`SKIPPED` (a raw source it reads is not in the data folder).

    ``error`` is the first line of a failure's error, or why a report was
    skipped; ``failed_notebook`` is
    where papermill's annotated notebook was kept, relative to the reports folder;
    ``files_changed`` the files a built page reads (helper modules, declared inputs) that
    changed while the build ran (:mod:`heenb.publish.recheck`): the page is not current.
    """

    output: str
    status: str
    seconds: float
    error: str = ""
    failed_notebook: str = ""
    files_changed: list[str] = field(default_factory=list)
