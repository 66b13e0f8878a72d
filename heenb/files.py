"""Writing files so that a reader never sees a half-written one, and only where asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it into place."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; readers need the usual mode
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class LinkedFolderError(OSError):
    """A folder on the way to a file is a symbolic link: writing through it could leave the
    folder the file was meant for (``--out``)."""

    def __init__(self, link: Path, root: Path):
        try:
            to = f" to {link.readlink()}"
        except OSError:
            to = ""
        super().__init__(
            f"{link} is a symbolic link{to}, and heenb writes only inside {root}, never through "
            f"a link; replace the link with a folder, or build into the folder it leads to "
            f"with --out"
        )
        self.link = link


def linked_folder(root: Path, relative: str | Path) -> Path | None:
    """The first folder of ``relative`` under ``root`` (or ``root/relative`` itself, when it is
    a folder path) that is a symbolic link, or None."""
    folder = root
    for part in Path(relative).parts:
        folder = folder / part
        if folder.is_symlink():
            return folder
    return None


def folder_within(root: Path, relative: str | Path) -> Path:
    """The folder ``root/relative``, its missing parts made, after checking that none of them
    is a symbolic link (a file's folder is checked just before the file is written).

    Raises :class:`LinkedFolderError` for a link, ``FileExistsError`` for a file in the way.
    """
    folder = root
    for part in Path(relative).parts:
        folder = folder / part
        if folder.is_symlink():
            raise LinkedFolderError(folder, root)
        folder.mkdir(exist_ok=True)
    return folder
