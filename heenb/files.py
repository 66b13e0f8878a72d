"""Writing files so that a reader never sees a half-written one, and only where asked.

What a build publishes (pages, spreadsheets, ``build.json``, ``outcome.json``, releases)
has its bytes written by :func:`write_file`, into a new temporary file beside its target
that is then renamed onto it; a failure to write (a full disk) is a
:class:`FileWriteError` naming the file meant, and leaves no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

#: The errors of a full disk (or a full quota): free space, then write again.
FULL = (errno.ENOSPC, errno.EDQUOT)


class FileWriteError(OSError):
    """A file could not be written (a full disk, a quota, a read-only folder): ``filename``
    is the file meant (never the temporary file beside it), ``strerror`` the cause."""


def write_file(path: Path, data: bytes | str, meant: Path | None = None) -> None:
    """Write ``data`` (text as UTF-8) to the new file ``path``: the one place heenb writes a
    file's bytes. Raises :class:`FileWriteError` naming ``meant`` (default ``path``): the
    file a temporary ``path`` is to become."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(path, "wb") as handle:
            handle.write(raw)
    except OSError as error:
        raise write_failure(error, meant or path) from None


def write_failure(error: OSError, meant: Path) -> FileWriteError:
    """``error`` as a :class:`FileWriteError` naming the file ``meant``."""
    if isinstance(error, FileWriteError):
        return error
    return FileWriteError(error.errno, error.strerror or str(error), str(meant))


def write_atomically(target: Path, text: str | bytes) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it into place.

    Raises :class:`FileWriteError` naming ``target``; ``target`` is then as it was."""
    try:
        temporary = temporary_beside(target)
    except OSError as error:
        raise write_failure(error, target) from None
    try:
        write_file(temporary, text, meant=target)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise write_failure(error, target) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def temporary_beside(target: Path) -> Path:
    """A new empty file beside ``target`` (``.NAME.xxxx.tmp``), with the usual mode, to be
    renamed onto it; the caller removes it if that never happens."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; readers need the usual mode
    return Path(temporary)


def publish_together(moves: list[tuple[Path, Path]], removals: list[Path] = (),
                     check: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Rename each temporary file of ``moves`` onto its target and remove ``removals``,
    with SIGTERM and Ctrl-C held until all are done, so a stop signal never publishes some
    and not the others (a page with another build's spreadsheet). ``check`` runs first,
    in the same window: if it raises, nothing is published. Only SIGKILL, or a full disk
    part-way, can still part them; the build record then no longer matches, and the next
    build makes both again.
    """
    with _stop_signals_held():
        if check is not None:
            check()
        for temporary, target in moves:
            os.replace(temporary, target)
        for path in removals:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def _stop_signals_held():
    """SIGTERM and SIGINT that arrive meanwhile take effect when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers in the main thread only: this one is not stopped
        return
    held = []
    previous = {s: signal.signal(s, lambda signum, frame: held.append(signum))
                for s in (signal.SIGTERM, signal.SIGINT)}  # fmt: skip
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in held:
            signal.raise_signal(signum)


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
    root.mkdir(parents=True, exist_ok=True)
    folder = root
    for part in Path(relative).parts:
        folder = folder / part
        if folder.is_symlink():
            raise LinkedFolderError(folder, root)
        folder.mkdir(exist_ok=True)
    return folder
