"""The mart: tidy aggregate tables derived from the raw files, read by every report.

One step reads and validates the raw files once and writes the tables below to
a cache folder named by a hash of the raw files, the reference catalogue and
the code that derives them, so the mart is rebuilt only when one of those
changes. The raw files' part is checked against the bytes the tables were
parsed from (:func:`build_mart`), and the catalogue's includes the tables the
mart was derived from, so a cache folder never holds rows other than its name
says. Counts are kept as counts: rates are computed from them later by
:mod:`heenb.stats`, so a region's rate is always the sum of its local offices'
numerators over the sum of their denominators.

Tables (one row is ...):

``proportions``
    one measure (a KPI id of ``kpis.csv`` whose counting rule counts rows; see
    :mod:`heenb.data.rules`), period, area and breakdown group: ``numerator``,
    ``denominator``. ``breakdown`` is ``all`` or the column a group comes from.
    A source naming a placement ``provider`` (NETS, ARCP) is counted by provider
    and rolled up provider -> ``stp`` -> ``local_office``; others are counted by
    local office.
``workforce``
    one staff group, month and area: ``fte``.
``representation``
    one ethnic group, year and area: ``learners`` and ``population`` counts.

Every table's area is ``level`` and ``area_code`` (unique across levels):
``national`` (``ENG``), ``region`` (the catalogue's regional structure in use),
each other structure's level (``hee_region`` or ``nhse_region``, from
``regional_structures.csv``), ``local_office``, ``stp`` and ``provider`` (NETS
and ARCP measures only), and ``lwab`` where ``lwab_stps.csv`` has rows. Each
level's counts are sums of the level below.
``kpi_updates``, ``programme_projects``, ``programme_updates``, ``ppi_activities``
    the validated raw rows, unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import pandas as pd

from heenb import paths
from heenb.data.catalogue import (
    ENGLAND,
    LOCAL_OFFICE,
    LWAB,
    PROVIDER,
    STP,
    Catalogue,
    load_catalogue,
)
from heenb.data.contract import DECLARATIONS, RAW_FILES, RAW_FILES_BY_NAME
from heenb.data.demo import DEMO_MARKER
from heenb.data.hashes import file_digests
from heenb.data.rules import (
    PERIOD_COLUMNS,
    RULES,
    breakdown_columns,
    counted_rows,
    selection,
)
from heenb.data.validate import read_raw_hashed
from heenb.errors import BuildError, DataChangedError

#: The code whose changes invalidate the mart.
_DERIVING_MODULES = (
    "mart.py", "read.py", "validate.py", "contract.py", "catalogue.py", "rules.py", "registry.py",
    "geography.py",
)  # fmt: skip
_AREA_KEYS = ["level", "area_code"]
#: The environment variable naming the mart every report of a build reads.
PINNED_MART = "HEENB_MART"
MART_TABLES = (
    "proportions", "workforce", "representation", "kpi_updates", "programme_projects",
    "programme_updates", "ppi_activities",
)  # fmt: skip
#: Columns of the derived tables read back as text (raw tables passed through use the schema).
_TEXT = {"area_code", "level", "measure", "period", "breakdown", "group", "staff_group",
         "ethnic_group", "month"}  # fmt: skip


@dataclass(frozen=True)
class Mart:
    """The derived tables (see the module docstring) and facts about the data behind them.

    ``meta`` holds ``data_hash`` (the mart's key), ``data_dir``, ``demo`` (True
    for generated demo data) and ``rows`` (raw rows read per file).
    """

    proportions: pd.DataFrame
    workforce: pd.DataFrame
    representation: pd.DataFrame
    kpi_updates: pd.DataFrame
    programme_projects: pd.DataFrame
    programme_updates: pd.DataFrame
    ppi_activities: pd.DataFrame
    meta: dict
    #: Figures made from these tables, kept for the mart's lifetime by the figures layer
    #: (:func:`heenb.figures.kpis.protected`); not part of the data.
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_demo(self) -> bool:
        return bool(self.meta.get("demo"))


def raw_hashes(data_dir: Path) -> dict[str, str | None]:
    """Content hash of each raw file (and the demo marker) by file name; None when absent.

    A file unchanged since it was last hashed on this machine (same size, times, inode and
    device) is not read again: :func:`heenb.data.hashes.file_digests`."""
    names = [raw.filename for raw in RAW_FILES] + [DEMO_MARKER]
    digests = file_digests([data_dir / name for name in names])
    return {
        name: None if digest is None else digest[:16]
        for name, digest in zip(names, digests.values(), strict=True)
    }


def changed_files(before: dict, after: dict) -> list[str]:
    """Names of the raw files whose hashes differ between two :func:`raw_hashes`."""
    names = before.keys() | after.keys()
    return sorted(name for name in names if before.get(name) != after.get(name))


def mart_key(data_dir: Path, catalogue: Catalogue | None = None, raw: dict | None = None) -> str:
    """Content hash of the raw files (``raw``: their :func:`raw_hashes`, if already known),
    the reference catalogue (its files, and the tables of ``catalogue`` itself, which is
    what the mart is derived from: a session holding a catalogue loaded before its files
    were edited keys its marts apart) and the deriving code."""
    catalogue = catalogue or load_catalogue()
    digest = hashlib.sha256(catalogue.structure.encode())
    digest.update(catalogue_digest(catalogue))
    raw = raw if raw is not None else raw_hashes(data_dir)
    for name, value in raw.items():
        digest.update(name.encode())
        if value is not None:
            digest.update(value.encode())
    files = sorted(Path(catalogue.directory).glob("*.csv"))
    files += [Path(__file__).parent / name for name in _DERIVING_MODULES] + [DECLARATIONS]
    for path in files:
        digest.update(path.name.encode())
        if path.is_file():
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


def catalogue_digest(catalogue: Catalogue) -> bytes:
    """SHA-256 of the tables a loaded catalogue holds (a few ms), whatever its files say now."""
    digest = hashlib.sha256()
    for item in fields(catalogue):
        if item.name == "directory":  # where it was read from is not what it holds
            continue
        value = getattr(catalogue, item.name)
        for key, part in sorted(value.items()) if isinstance(value, dict) else [("", value)]:
            digest.update(f"\0{item.name}/{key}\0".encode())
            text = part.to_csv(index=False) if isinstance(part, pd.DataFrame) else str(part)
            digest.update(text.encode())
    return digest.digest()


def load_mart(data: str | os.PathLike | None = None) -> Mart:
    """Load the mart for a raw data folder, building it first if needed.

    During ``heenb build``, ``$HEENB_MART`` names the mart the build made for its
    data folder when it started (:func:`pin`): every report reads that one, so all pages of a
    build come from one version of the data even if its files change meanwhile.

    Parameters
    ----------
    data : path, optional
        Raw data folder; default ``$HEENB_DATA`` or ``data/demo``.

    Raises
    ------
    DataValidationError
        When the raw data fails validation (nothing is written).
    """
    data_dir = paths.data_dir(data)
    pinned = _pinned(data_dir)
    if pinned is not None:  # fixed for the whole build: a warm kernel reads it once
        return _read_pinned(str(pinned))
    return _read_mart(build_mart(data_dir))


def _read_mart(folder: Path) -> Mart:
    meta = json.loads((folder / "meta.json").read_text())
    tables = {name: _read_table(folder, name) for name in MART_TABLES}
    return Mart(**tables, meta=meta)


@lru_cache(maxsize=2)
def _read_pinned(folder: str) -> Mart:
    """A pinned mart, read once per process: its folder is named by the data's hash and the
    build checked it whole when it started, so it cannot change while it is pinned. Treat
    its tables as read-only (reports of one warm kernel share them), as the catalogue's."""
    return _read_mart(Path(folder))


def _pinned(data_dir: Path) -> Path | None:
    """The mart ``$HEENB_MART`` names for ``data_dir`` (see :func:`pin`), if any (the build
    checked it is whole when it started)."""
    try:
        pinned = json.loads(os.environ.get(PINNED_MART) or "{}").get(str(data_dir))
    except (ValueError, AttributeError):
        return None
    return Path(pinned) if pinned and (Path(pinned) / "meta.json").is_file() else None


def pin(data_dir: Path, folder: Path) -> str:
    """The ``$HEENB_MART`` that makes :func:`load_mart` read ``folder`` for ``data_dir``."""
    return json.dumps({str(data_dir): str(folder)})


def build_mart(data_dir: Path, catalogue: Catalogue | None = None) -> Path:
    """Build the mart for ``data_dir`` unless a whole, up-to-date one exists; return its folder.

    A cached mart is trusted only if every table its ``meta.json`` lists is
    present with the content hash recorded there; a broken one (a table missing,
    truncated or edited) is removed and built again.

    The mart is keyed by the raw files' hashes taken first (:func:`raw_hashes`, cheap
    for files unchanged since they were last hashed) and kept only if the bytes its
    tables were parsed from have exactly those hashes
    (:func:`heenb.data.validate.read_raw_hashed`) and the files still have them once
    it is derived: a file changed while it was read, even changed back, is never kept
    under the key of what it was before or after.

    Raises
    ------
    DataChangedError
        When a raw file changed while it was being read (the mart is not kept).
    BuildError
        When the cache folder cannot be written (the message names it and the cause).
    """
    catalogue = catalogue or load_catalogue()
    before = raw_hashes(data_dir)
    key = mart_key(data_dir, catalogue, before)
    folder = paths.mart_root() / key
    if is_whole(folder):
        return folder
    present = any(digest for name, digest in before.items() if name != DEMO_MARKER)
    raw, digests = read_raw_hashed(data_dir, catalogue, missing_ok=present)  # some may be absent
    read = {name: None if digest is None else digest[:16] for name, digest in digests.items()}
    tables = derive(raw, catalogue)
    changed = changed_files({name: before.get(name) for name in read}, read)  # as read
    changed = sorted({*changed, *changed_files(before, raw_hashes(data_dir))})  # as it is now
    if changed:
        raise DataChangedError(data_dir, changed)
    meta = {
        "data_hash": key,
        "data_dir": str(data_dir),
        "demo": (data_dir / DEMO_MARKER).is_file(),
        "rows": {name: len(table) for name, table in raw.items()},
        "raw": before,
    }
    try:
        _publish(folder, tables, meta)
    except OSError as error:
        where = error.filename or folder.parent
        raise BuildError(
            f"The mart cache {where} cannot be written ({error.strerror or error}); set "
            f"HEENB_CACHE to a writable folder."
        ) from None
    return folder


def is_whole(folder: Path) -> bool:
    """Whether a cached mart has its meta and every table it lists, with the recorded hashes."""
    try:
        listed = json.loads((folder / "meta.json").read_text())["tables"]
        return set(listed) == set(MART_TABLES) and all(
            _file_hash(folder / f"{name}.csv") == digest for name, digest in listed.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _file_hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _publish(folder: Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """Write the tables and meta (listing each table's hash) to a staging folder, then move
    it into place in one step, replacing a broken mart if there is one."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, table in tables.items():
            table.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
        meta = {**meta, "tables": {name: _file_hash(staging / f"{name}.csv") for name in tables}}
        (staging / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        if folder.exists() and not is_whole(folder):
            broken = Path(tempfile.mkdtemp(prefix=f".broken-{folder.name}-", dir=folder.parent))
            with contextlib.suppress(FileNotFoundError):  # another process removed it first
                folder.rename(broken / "mart")
            shutil.rmtree(broken, ignore_errors=True)
        try:
            staging.rename(folder)  # atomic: a reader sees a whole mart or none
        except OSError:  # another process finished first; its mart is identical
            if not is_whole(folder):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    """A mart table with its text columns as text (codes such as "10.1" stay codes)."""
    path = folder / f"{name}.csv"
    raw = RAW_FILES_BY_NAME.get(name)
    if raw is not None:  # passed through unchanged: the contract says which columns are text
        text = {c.name for c in raw.columns if c.kind not in ("int", "number", "year")}
    else:
        text = _TEXT
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {column: "str" for column in header if column in text}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values={"fte": [""]})


def derive(raw: dict[str, pd.DataFrame], catalogue: Catalogue) -> dict[str, pd.DataFrame]:
    """Derive every mart table from validated raw tables."""
    return {
        "proportions": _proportions(raw, catalogue).pipe(
            _roll_up,
            catalogue,
            ["measure", "period", "breakdown", "group"],
            ["numerator", "denominator"],
        ),  # fmt: skip
        "workforce": _plain(raw["workforce_fte"])
        .rename(columns={"local_office": "area_code"})
        .pipe(_roll_up, catalogue, ["staff_group", "month"], ["fte"])
        .assign(fte=lambda t: t["fte"].round(1)),
        "representation": _representation(_plain(raw["demographics"])).pipe(
            _roll_up, catalogue, ["year", "ethnic_group"], ["learners", "population"]
        ),
        "kpi_updates": raw["kpi_updates"],
        "programme_projects": raw["programme_projects"],
        "programme_updates": raw["programme_updates"],
        "ppi_activities": raw["ppi_activities"],
    }


def _roll_up(base: pd.DataFrame, catalogue: Catalogue, keys: list[str], values: list[str]):
    """Add every level above the base rows by summing counts (never rates).

    ``base`` holds ``area_code`` (a provider code when it has a ``provider``
    column's values, else a local office code), ``keys`` and ``values``.
    """
    by_provider = base["area_code"].isin(catalogue.stp_of.index).any()

    def summed(table, mapping, level):
        mapped = table.assign(area_code=table["area_code"].map(mapping))
        mapped = mapped[mapped["area_code"].notna()]
        grouped = mapped.groupby(["area_code", *keys], as_index=False, sort=False)[values].sum()
        return grouped.assign(level=level)

    parts = []
    if by_provider:
        providers = base.groupby(["area_code", *keys], as_index=False, sort=False)[values].sum()
        stps = summed(providers, catalogue.stp_of, STP)
        offices = summed(stps, catalogue.office_of_stp, LOCAL_OFFICE)
        lwab_of = catalogue.lwab_stps.set_index("stp_code")["lwab_code"]
        parts += [providers.assign(level=PROVIDER), stps, summed(stps, lwab_of, LWAB)]
    else:
        offices = base.groupby(["area_code", *keys], as_index=False, sort=False)[values].sum()
        offices = offices.assign(level=LOCAL_OFFICE)
    parts.append(offices)
    for structure in catalogue.structures["structure"]:
        level = catalogue.region_level(structure)
        parts.append(summed(offices, catalogue.regions_in(structure), level))
    england = offices.groupby(keys, as_index=False, sort=False)[values].sum()
    england.insert(0, "area_code", ENGLAND)
    parts.append(england.assign(level="national"))
    table = pd.concat(parts, ignore_index=True)
    return table[[*_AREA_KEYS, *keys, *values]].sort_values(
        [*keys, "level", "area_code"], kind="stable", ignore_index=True
    )


def _counts(table: pd.DataFrame, measure: str, hit: pd.Series, period: str,
            breakdowns: list[str]) -> pd.DataFrame:  # fmt: skip
    """Numerator (rows where ``hit``) and denominator (all rows) by provider (where the
    source names one, else local office), period and breakdown."""
    area = "provider" if "provider" in table.columns else "local_office"
    # The columns as they are (copy=False) and one flag a row: no whole-file int64 copies.
    frame = pd.DataFrame({
        "area_code": table[area], "period": table[period], "hit": hit.to_numpy(dtype=bool),
    }, index=table.index, copy=False)  # fmt: skip
    parts = []
    for breakdown in ["all", *breakdowns]:
        keys = ["area_code", "period"] if breakdown == "all" else ["area_code", "period", "group"]
        if breakdown != "all":
            frame["group"] = table[breakdown]
        part = (
            frame.groupby(keys, as_index=False, sort=False, observed=True)
            .agg(numerator=("hit", "sum"), denominator=("hit", "size"))
            .assign(breakdown=breakdown)
        )
        if breakdown == "all":
            part["group"] = "all"
        parts.append(_plain(part).assign(measure=measure))
    columns = ["area_code", "period", "breakdown", "group", "numerator", "denominator", "measure"]
    result = pd.concat(parts, ignore_index=True)[columns]
    result["period"] = result["period"].astype(str)
    return result


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with categorical columns (as validated raw tables have) as plain text."""
    coded = [c for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)]
    return table.astype(dict.fromkeys(coded, str)) if coded else table


def _proportions(raw: dict[str, pd.DataFrame], catalogue: Catalogue) -> pd.DataFrame:
    """Numerator and denominator of every KPI whose counting rule counts rows."""
    scale = catalogue.codes["nets_scale"]
    positive = pd.to_numeric(scale.loc[scale["positive"] == "True", "answer"]).tolist()
    parts = []
    for _, kpi in catalogue.kpis.iterrows():
        if not RULES[kpi["rule"]].counts_rows:
            continue
        period = PERIOD_COLUMNS[kpi["periodicity"]]
        breakdowns = breakdown_columns(kpi)
        source = _used_columns(raw[kpi["source_file"]], kpi, period, breakdowns)
        rows, hit = counted_rows(kpi, source, positive)
        parts.append(_counts(rows, kpi["kpi_id"], hit, period, breakdowns))
        del rows, hit, source  # a big source's selected rows are freed before the next KPI's
    columns = ["area_code", "period", "breakdown", "group", "numerator", "denominator", "measure"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _used_columns(table: pd.DataFrame, kpi, period: str, breakdowns: list[str]) -> pd.DataFrame:
    """``table`` with only the columns a KPI's counting reads, so that selecting its rows
    does not copy the others (identifiers, say) of a file of millions of rows."""
    used = {period, *breakdowns, "provider", "local_office", "answer"}
    for text in (kpi["denominator"], kpi["numerator"]):
        with contextlib.suppress(ValueError):  # counted_rows reports a bad selection
            used |= selection(str(text)).keys()
    return table[[c for c in table.columns if c in used]]


def _representation(demographics: pd.DataFrame) -> pd.DataFrame:
    wide = demographics.pivot_table(
        index=["local_office", "year", "ethnic_group"], columns="population", values="count",
        aggfunc="sum", fill_value=0,
    ).reset_index()  # fmt: skip
    wide.columns.name = None
    wide = wide.rename(columns={"local_office": "area_code"})
    for column in ("learners", "population"):
        if column not in wide:
            wide[column] = 0
    return wide[["area_code", "year", "ethnic_group", "learners", "population"]]
