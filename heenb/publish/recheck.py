"""The files a report reads besides its data and heenb's code, checked again as its page is
published.

Raw data and the catalogue are fixed for a build (the mart is made at the start and the
catalogue copied), but the ``files`` inputs (:mod:`heenb.publish.inputs`: modules a notebook
imports from the project, files its plan entry declares in ``inputs``) are read where they
are, by the kernels, while the build runs. :class:`FileStates` hashes each once when the
build starts, taking its stat (size, modification and change times, inode, device) just
before; when a report's page has been published the build looks at its files again
(:meth:`FileStates.changed`). A file whose stat is not as it was was written during the
build, and the page may have read it as it was then: it counts as changed even if its bytes
are back as they were (A, B, A), since nothing tells when the page read it. A file written
in the same tick of the file system's clock as its first stat (then its stat may not show
it: git's "racily clean") is hashed again.

Such a page stays published (it is what the build made), but ``build.json`` does not record
it as current (``files_changed``), so the next build rebuilds it; ``outcome.json`` says which
file changed, and the run ends with one line (:class:`FilesChangedError`) and exit status 1.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from heenb.data.hashes import SETTLED_NS
from heenb.errors import BuildError
from heenb.publish.inputs import file_hash


@dataclass(frozen=True)
class _State:
    signature: tuple | None  # None: no such file
    digest: str | None
    racy: bool  # changed so shortly before its stat that a later write may not show


def _signature(path: Path) -> tuple | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


def _digest(path: Path) -> str | None:
    try:
        return file_hash(path)
    except OSError:
        return None


class FileStates:
    """The ``files`` inputs of a build as they were when it started, by path as shown."""

    def __init__(self) -> None:
        self._states: dict[str, tuple[Path, _State]] = {}

    def hash(self, path: Path, shown: str) -> str | None:
        """The content hash of ``path`` (None when it is missing), taken once per build with
        its stat just before."""
        if shown not in self._states:
            now = time.time_ns()
            signature = _signature(path)
            racy = signature is not None and now - max(signature[1], signature[2]) < SETTLED_NS
            self._states[shown] = (path, _State(signature, _digest(path), racy))
        return self._states[shown][1].digest

    def changed(self, names) -> list[str]:
        """Those of ``names`` (paths as shown) written since the build started."""
        moved = []
        for name in names:
            if name not in self._states:
                continue
            path, then = self._states[name]
            if _signature(path) != then.signature or (then.racy and _digest(path) != then.digest):
                moved.append(name)
        return moved


class FilesChangedError(BuildError):
    """Files that pages read changed while the build made those pages: one line naming the
    files and the pages, which are published but not recorded as current."""

    published = True  # pages were built: exit status 1

    def __init__(self, moved: dict[str, list[str]], before: str = ""):
        files = list(dict.fromkeys(name for names in moved.values() for name in names))
        pages = list(moved)
        shown = ", ".join(pages[:3]) + (f" and {len(pages) - 3} more" if len(pages) > 3 else "")
        them = "it" if len(files) == 1 else "them"
        super().__init__(
            f"{before}{_and(files)} changed while heenb was building the {len(pages)} page(s) "
            f"that read {them} ({shown}): those pages are published but not recorded as "
            "current, and the next build rebuilds them. Run heenb build again once the files "
            "are no longer being edited."
        )


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
