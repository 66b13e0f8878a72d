"""What became of one report in a build: built, failed, or skipped as up to date."""

from __future__ import annotations

from dataclasses import dataclass

BUILT = "built"
FAILED = "failed"
UP_TO_DATE = "up-to-date"


@dataclass
class Outcome:
    """One report's result: ``status`` is :data:`BUILT`, :data:`FAILED` or :data:`UP_TO_DATE`.

    ``error`` is the first line of a failure's error; ``failed_notebook`` is
    where papermill's annotated notebook was kept, relative to the reports folder.
    """

    output: str
    status: str
    seconds: float
    error: str = ""
    failed_notebook: str = ""
