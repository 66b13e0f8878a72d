"""Content hashes of files, reading only the files that may have changed.

Hashing every raw file on every build reads every byte (0.9 GB at demo scale
10) although almost always nothing changed. :func:`file_digests` keeps, for
each file it hashed, the file's identity and times (size, ``mtime_ns``,
``ctime_ns``, inode and device) beside the hash, in one small JSON file of
the cache folder (:func:`cache_file`, ``.heenb-cache/hashes.json`` unless
``$HEENB_CACHE`` says otherwise), and trusts that hash while all five are
unchanged. Any write to a file changes its ``ctime_ns``, which no program can
set back (``os.utime`` sets only the access and modification times), so a
file changed in place, even to the same size with its modification time
restored, is hashed again; so is a file replaced by another (a new inode).

What is never trusted:

- an entry whose file changed, by any of the five, or a file that is absent;
- an entry whose file had changed less than :data:`SETTLED_NS` before it was
  hashed: a write in the same tick of the file system's clock could leave
  its times as they were ("racily clean", as git calls it), so such a file is
  hashed again next time, until it has settled;
- the whole cache when it was written on another machine (its
  :func:`machine` differs: a shared or copied cache folder) or cannot be read.

The cache is written atomically (a temporary file renamed into place), so two
builds may read it while a third writes it; when two write at once the later
one wins and the other's new entries are merely hashed again next time.
A cache that cannot be written costs only speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import time
from pathlib import Path

from heenb import paths
from heenb.files import write_atomically

#: A file whose last change (ctime or mtime) is this recent when it is hashed is hashed
#: again next time, however its stat looks: coarser than any local file system's clock
#: (FAT's is 2 s; ext4, XFS, btrfs and tmpfs tick in nanoseconds or jiffies).
SETTLED_NS = 2_000_000_000
#: The cache's format; a cache of another version is ignored.
VERSION = 1


def cache_file() -> Path:
    """The stat -> hash cache: ``hashes.json`` beside the mart cache (``$HEENB_CACHE``)."""
    return paths.mart_root().parent / "hashes.json"


def machine() -> str:
    """This machine, as the cache records it: ``/etc/machine-id`` (else the host name) and
    the boot (inode numbers and devices mean nothing on another machine, and device numbers
    can change across boots)."""
    parts = []
    for name in ("/etc/machine-id", "/proc/sys/kernel/random/boot_id"):
        with contextlib.suppress(OSError):
            parts.append(Path(name).read_text().strip())
    return "/".join(parts) or socket.gethostname()


def _signature(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


def _digest(path: Path) -> tuple[str, os.stat_result]:
    """The SHA-256 of ``path`` and its stat taken on the open file before reading."""
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        return hashlib.file_digest(handle, "sha256").hexdigest(), stat


def _load(where: Path, here: str) -> dict:
    try:
        cache = json.loads(where.read_text(encoding="utf-8"))
        if cache.get("version") == VERSION and cache.get("machine") == here:
            return dict(cache["files"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return {}


def file_digests(files, cache: Path | None = None) -> dict[Path, str | None]:
    """SHA-256 (hex) of each of ``files`` by its path as given, None when it is absent.

    A file whose size, modification and change times, inode and device are those
    recorded with its hash in ``cache`` (default :func:`cache_file`) is not read (see
    the module docstring for what is never trusted); the others are hashed and the
    cache updated. The paths are resolved, so a file reached two ways shares an entry.
    """
    where = cache or cache_file()
    here = machine()
    entries = _load(where, here)
    digests: dict[Path, str | None] = {}
    changed = False
    for given in files:
        path = Path(given)
        key = str(path.resolve())
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            digests[given] = None
            changed |= entries.pop(key, None) is not None
            continue
        entry = entries.get(key)
        if isinstance(entry, dict) and entry.get("stat") == _signature(stat):
            digests[given] = entry["sha256"]
            continue
        started = time.time_ns()
        try:
            digest, stat = _digest(path)
        except FileNotFoundError:  # removed meanwhile
            digests[given] = None
            changed |= entries.pop(key, None) is not None
            continue
        digests[given] = digest
        settled = max(stat.st_mtime_ns, stat.st_ctime_ns) < started - SETTLED_NS
        if settled and _signature(os.stat(path)) == _signature(stat):  # unchanged while read
            entries[key] = {"stat": _signature(stat), "sha256": digest}
            changed = True
        else:
            changed |= entries.pop(key, None) is not None
    if changed:
        entries = {name: entry for name, entry in entries.items() if os.path.exists(name)}
        with contextlib.suppress(OSError):  # a cache that cannot be written costs only time
            where.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"version": VERSION, "machine": here, "files": entries}, indent=1)
            write_atomically(where, text + "\n")
    return digests
