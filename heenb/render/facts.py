"""What a page was built from, passed by the build to the exporter (no notebook library here)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class PageFacts:
    """What a page was built from, for its footer: the raw data folder's name and the
    data version (the mart key) the report read, unless ``raw`` is False, and the files of
    the published statistics it read (``published``)."""

    data_folder: str
    data_version: str
    published: tuple[str, ...] = ()
    raw: bool = True

    def describe(self) -> str:
        if not self.raw:
            return f"published statistics only: {', '.join(self.published)}"
        text = f"{self.data_folder}, version {self.data_version}"
        return (
            f"{text}; published statistics: {', '.join(self.published)}" if self.published else text
        )

    def reading(self, published: tuple[str, ...], raw: bool) -> PageFacts:
        """These facts for a page that read the ``published`` files, and raw data or not."""
        return replace(self, published=published, raw=raw or not published)
