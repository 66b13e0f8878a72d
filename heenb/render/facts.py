"""What a page was built from, passed by the build to the exporter (no notebook library here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageFacts:
    """What a page was built from, for its footer: the raw data folder's name and the
    data version (the mart key) the report read."""

    data_folder: str
    data_version: str

    def describe(self) -> str:
        return f"{self.data_folder}, version {self.data_version}"
