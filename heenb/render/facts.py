"""What a page was built from, passed by the build to the exporter (no notebook library here)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class PageFacts:
    """What a page was built from, for its footer: the raw data folder's name and the
    data version (the mart key) the report read; or, for a page that read no raw data,
    the published statistics it read (``published``, file names)."""

    data_folder: str
    data_version: str
    published: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.published:
            return f"published statistics only: {', '.join(self.published)}"
        return f"{self.data_folder}, version {self.data_version}"

    def reading_only(self, files: tuple[str, ...]) -> PageFacts:
        """These facts for a page that read no raw data, only the published ``files``."""
        return replace(self, published=files)
