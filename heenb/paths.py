"""Every path heenb uses, built from one project root.

Settings are read inside functions (not at import) so tests can change them.
The raw data folder is, in order: an explicit argument, the ``HEENB_DATA``
environment variable, or ``data/demo`` in the project. The reference catalogue
folder likewise: ``HEENB_REFERENCE``, or ``data/reference``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
DEFAULT_REPORTS_DIR = PROJECT_ROOT / "reports"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"
PLAN_FILE = PROJECT_ROOT / "reports.yml"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The raw data folder: ``override``, else ``$HEENB_DATA``, else ``data/demo``."""
    if override:
        return Path(override).expanduser().resolve()
    from_env = os.environ.get("HEENB_DATA")
    if from_env:
        return Path(from_env).expanduser().resolve()
    return DEFAULT_DATA_DIR


def data_folder(override: str | os.PathLike | None = None) -> Path:
    """:func:`data_dir`, refused (:class:`heenb.errors.BuildError`) when it names a file: a
    command given one would otherwise fail on the first raw file it opens in it."""
    folder = data_dir(override)
    if folder.exists() and not folder.is_dir():
        from heenb.errors import BuildError

        given = (
            " (--data)" if override else " ($HEENB_DATA)" if os.environ.get("HEENB_DATA") else ""
        )
        raise BuildError(
            f"The data folder {folder}{given} is a file, not a folder; pass --data DIR or set "
            "HEENB_DATA to the folder of raw CSV files."
        )
    return folder


def reference_dir(override: str | os.PathLike | None = None) -> Path:
    """The reference catalogue folder: ``override``, else ``$HEENB_REFERENCE``, else
    ``data/reference``."""
    chosen = override or os.environ.get("HEENB_REFERENCE")
    return Path(chosen).expanduser().resolve() if chosen else REFERENCE_DIR


def describe_parameters(parameters: dict) -> str:
    """Parameters as ``name=value`` for a published page; an absolute path shows only its
    last part, so a page never exposes the folders of the machine that built it, and a
    parameter left at None (its default) is not shown."""

    def shown(value) -> str:
        return Path(value).name if isinstance(value, str) and os.path.isabs(value) else str(value)

    return ", ".join(
        f"{name}={shown(value)}" for name, value in parameters.items() if value is not None
    )


def plan_file(override: str | os.PathLike | None = None) -> Path:
    """The report plan: ``override``, else ``$HEENB_PLAN`` (set by ``heenb build`` for the
    plan it builds), else ``reports.yml``."""
    chosen = override or os.environ.get("HEENB_PLAN")
    return Path(chosen).expanduser().resolve() if chosen else PLAN_FILE


def mart_root() -> Path:
    """Where derived tables are cached: ``$HEENB_CACHE`` or ``.heenb-cache/mart``."""
    from_env = os.environ.get("HEENB_CACHE")
    base = Path(from_env).expanduser().resolve() if from_env else PROJECT_ROOT / ".heenb-cache"
    return base / "mart"
