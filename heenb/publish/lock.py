"""One build at a time per reports folder: a lock file naming its holder.

``.heenb-build.lock`` in the reports folder holds the holder's process id, host
and start time (JSON). It is created whole (written beside, then hard-linked
into place, which fails if a lock exists), so a reader never sees half a lock.
A second build into the folder is refused with a message naming the holder. A
lock left by a build that no longer runs (killed with ``kill -9``, a crash) is
taken over: its holder was on this host and its process id is gone, or now
belongs to a process started after the lock was taken.

The lock also fences writes: a worker checks that its build still holds the
lock (:func:`holds`) just before it publishes a page, and the build checks it
before each record it writes (:meth:`BuildLock.check`), so a worker left over
from a killed build never writes into a folder another build has taken.

A lock that cannot be created (no space or inodes, no permission, a read-only file
system) refuses the build in one line naming the lock, the cause and what to do
(:class:`LockNotMadeError`); nothing is left in the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import socket
import tempfile
import time
from pathlib import Path

import psutil

from heenb.errors import BuildError
from heenb.files import FULL

LOCK_FILE = ".heenb-build.lock"


class LockLostError(BuildError):
    """The build that started a piece of work no longer holds its folder's lock."""

    published = True  # raised part-way: pages may have been built (exit status 1, not 2)

    def __init__(self, out_dir: Path):
        super().__init__(
            f"The build writing into {out_dir} no longer holds its lock {out_dir / LOCK_FILE} "
            "(it was stopped, or its lock was deleted or taken over); nothing more was written."
        )


class LockNotMadeError(BuildError):
    """The lock file could not be created: one line naming it, the cause and what to do."""

    def __init__(self, path: Path, error: OSError):
        cause = error.strerror or type(error).__name__
        if error.errno in FULL:
            todo = ("free space and inodes on its disk (df -h and df -i show both), or choose "
                    "another folder with --out DIR")  # fmt: skip
        elif error.errno == errno.EROFS:
            todo = "choose another folder with --out DIR (this one is on a read-only file system)"
        elif error.errno in (errno.EACCES, errno.EPERM):
            todo = "make the folder writable for this user, or choose another with --out DIR"
        else:
            todo = "put that right, or choose another folder with --out DIR"
        super().__init__(
            f"Cannot create the build lock {path} ({cause}): {todo}; then run heenb build "
            "again. Nothing was built or written."
        )


def holds(out_dir: Path, holder: dict) -> bool:
    """Whether the lock of ``out_dir`` is held by ``holder`` (a :attr:`BuildLock.mine`)."""
    try:
        return json.loads((out_dir / LOCK_FILE).read_text()) == holder
    except (OSError, ValueError):
        return False


class BuildLock:
    """The lock of one reports folder; use as a context manager around a build."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / LOCK_FILE
        self.mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}

    def __enter__(self) -> BuildLock:
        for _ in range(3):  # a stale lock is moved aside, then taken; another may race us
            if self._create():
                return self
            holder = self._holder()
            if holder is not None and not self._is_stale(holder):
                raise BuildError(
                    f"Another build is writing into {self.path.parent}: {describe(holder)}. "
                    f"Wait for it to finish, or use another --out folder. If it is not running, "
                    f"delete {self.path}."
                )
            self._move_aside(holder)
        raise BuildError(f"Could not take the build lock {self.path}; try again.")

    def check(self) -> None:
        """Raise :class:`LockLostError` unless this build still holds the lock."""
        if self._holder() != self.mine:
            raise LockLostError(self.path.parent)

    def __exit__(self, *exc) -> None:
        if self._holder() == self.mine:
            self.path.unlink(missing_ok=True)

    def _create(self) -> bool:
        """Create the lock whole; False when one exists. A lock that cannot be made (no
        space or inodes, no permission, a read-only file system) refuses the build with
        :class:`LockNotMadeError`, leaving nothing behind."""
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".heenb-lock-")
            with os.fdopen(handle, "w") as stream:
                json.dump(self.mine, stream)
            os.link(temporary, self.path)
            return True
        except FileExistsError:
            return False
        except OSError as error:
            raise LockNotMadeError(self.path, error) from None
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)

    def _holder(self) -> dict | None:
        """The lock's content, or None when it is gone or unreadable."""
        try:
            holder = json.loads(self.path.read_text())
            return holder if isinstance(holder, dict) else None
        except (OSError, ValueError):
            return None

    def _is_stale(self, holder: dict) -> bool:
        """Whether the holder's process is gone (only knowable for this host)."""
        if holder.get("host") != self.mine["host"]:
            return False
        try:
            process = psutil.Process(int(holder["pid"]))
            return process.create_time() > float(holder["started"]) + 1  # a reused pid
        except (psutil.NoSuchProcess, KeyError, TypeError, ValueError):
            return True
        except psutil.Error:
            return False

    def _move_aside(self, holder: dict | None) -> None:
        """Remove the stale lock ``holder``; one another build took meanwhile is put back."""
        aside = self.path.with_name(f"{LOCK_FILE}.stale-{os.getpid()}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return
        try:
            if json.loads(aside.read_text()) != holder:
                with contextlib.suppress(FileExistsError):
                    os.link(aside, self.path)
        except (OSError, ValueError):
            pass
        aside.unlink(missing_ok=True)


def describe(holder: dict) -> str:
    """``process 123 on host x, started 2026-12-01 14:55 UTC``."""
    try:
        started = dt.datetime.fromtimestamp(float(holder["started"]), dt.UTC)
        when = started.strftime("%Y-%m-%d %H:%M:%S UTC")
    except (KeyError, TypeError, ValueError):
        when = "at an unknown time"
    return f"process {holder.get('pid')} on host {holder.get('host')}, started {when}"
