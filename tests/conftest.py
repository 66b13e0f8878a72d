"""Shared test set-up: a small demo data set, made once and reused by later runs.

Tests never read ``data/demo`` or ``../shared``. A small demo data set (scale
0.03: small cells everywhere, so disclosure control has work) is generated into
``.heenb-cache/tests/<key>/demo`` (gitignored; ``make clean`` removes it), the key
a hash of what makes it: the generator's code, the reference CSV files, the
scale and the numpy and pandas versions. Later runs reuse it. It is written to
a temporary folder and renamed into place, so two runs starting together never
see half a set. It is exported as ``HEENB_DATA``, with a private mart cache per
run in ``HEENB_CACHE``; notebook kernels started by nbval inherit both.

The set is read-only: a test that changes data uses ``data_copy``. A run that
finds the set changed at its end fails and removes it, so the next run makes
it afresh.

End-to-end tests (builds, notebooks run by papermill or nbval, built pages, the
browser) and the few others that take seconds are marked ``slow``; ``make
test-fast`` (``pytest -m "not slow"``) leaves them out.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# One BLAS thread, set before numpy loads (kernels and build workers inherit it). Once a
# session had imported the build modules, OpenBLAS's threads fought over the two cores and
# the small SVDs of disclosure control ran 30-40 times slower: tests/test_protection.py's
# first test took 28 s after tests/test_plan.py instead of 0.6 s alone.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

SMALL_SCALE = 0.03
#: Generated small demo sets, one folder per key (see :func:`demo_key`).
DEMO_CACHE = Path(__file__).resolve().parents[1] / ".heenb-cache" / "tests"
_WORKDIR = Path(tempfile.mkdtemp(prefix="heenb-tests-"))
_demo: dict = {}  # the set this run uses: folder, whether it was generated, file hashes


def demo_key() -> str:
    """A hash of everything the small demo set is made from."""
    import numpy
    import pandas

    from heenb.data import catalogue, contract, demo
    from heenb.paths import REFERENCE_DIR

    code = [Path(module.__file__) for module in (demo, contract, catalogue)]
    code.append(contract.DECLARATIONS)  # the raw data contract, declared
    digest = hashlib.sha256()
    for path in [*code, *sorted(Path(REFERENCE_DIR).glob("*.csv"))]:
        digest.update(f"{path.name}\0{len(path.read_bytes())}\0".encode())
        digest.update(path.read_bytes())
    digest.update(f"{SMALL_SCALE} {numpy.__version__} {pandas.__version__}".encode())
    return digest.hexdigest()[:16]


def cached_demo_data() -> tuple[Path, bool]:
    """The small demo set's folder (``<key>/demo``: pages built from it name the
    folder "demo"), generated unless a run made it before; and whether this call
    generated it."""
    from heenb.data.demo import write_demo_data

    entry = DEMO_CACHE / demo_key()
    if entry.is_dir():
        return entry / "demo", False
    DEMO_CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=DEMO_CACHE, prefix=f".{entry.name}-"))
    try:
        write_demo_data(staging / "demo", scale=SMALL_SCALE)
        staging.chmod(0o755)
        try:
            staging.rename(entry)  # atomic: a set is whole or not there
        except OSError:
            if not entry.is_dir():
                raise
            shutil.rmtree(staging)  # another run renamed its set (the same bytes) first
            return entry / "demo", False
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return entry / "demo", True


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path, with its content hash."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def pytest_configure(config):
    folder, generated = cached_demo_data()
    _demo.update(folder=folder, generated=generated, hashes=file_hashes(folder))
    os.environ["HEENB_DATA"] = str(folder)
    os.environ["HEENB_CACHE"] = str(_WORKDIR / "cache")
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_report_header(config):
    how = "generated now" if _demo["generated"] else "reused"
    return f"heenb small demo data: {_demo['folder']} ({how})"


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    """Mark ``slow`` the notebooks nbval runs (notebooks/*.ipynb, docs/guide.ipynb) and,
    should a test not say so itself, any test that reads ``built_reports``."""
    for item in items:
        if item.path.suffix == ".ipynb" or "built_reports" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    folder = _demo.get("folder")
    if folder is None:
        return
    now = file_hashes(folder) if folder.is_dir() else {}
    changed = sorted(n for n in _demo["hashes"].keys() | now.keys()
                     if _demo["hashes"].get(n) != now.get(n))  # fmt: skip
    if changed:
        # Out of the way first (one rename), so no later run starts from changed data.
        entry = folder.parent
        doomed = entry.with_name(f".{entry.name}-changed-{os.getpid()}")
        if entry.is_dir():
            entry.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        _demo["changed"] = changed
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if changed := _demo.get("changed"):
        terminalreporter.write_line(
            f"ERROR: a test changed the shared small demo data ({', '.join(changed)} in "
            f"{_demo['folder']}; removed, the next run makes it again). Tests that change "
            "data must use the data_copy fixture.",
            red=True,
        )


def pytest_unconfigure(config):
    shutil.rmtree(_WORKDIR, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The small demo raw data folder, shared by every run: read-only, copy it (or use
    ``data_copy``) before changing files."""
    return Path(os.environ["HEENB_DATA"])


@pytest.fixture
def data_copy(demo_dir, tmp_path) -> Path:
    """A writable copy of the small demo data, for tests that break a file."""
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


@pytest.fixture(scope="session")
def catalogue():
    from heenb.data.catalogue import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def mart():
    from heenb.data.mart import load_mart

    return load_mart()


#: Text fields in the hostile data set carry these, to prove reports escape data.
SCRIPT = "<script>alert('heenb')</script>"
IMAGE = '<img src=x onerror="alert(1)">'


def _make_hostile(folder: Path) -> None:
    """Put HTML and script into every free-text field a report shows."""
    import pandas as pd

    fields = {
        "kpi_updates.csv": ["narrative"],
        "programme_projects.csv": ["project", "lead"],
        "programme_updates.csv": ["narrative", "milestone"],
    }
    for name, columns in fields.items():
        path = folder / name
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in columns:
            table[column] = SCRIPT + " " + table[column] + " " + IMAGE
        table.to_csv(path, index=False)


#: ICS pages in the test build: how many of the 42 (see :func:`ics_sample`).
ICS_SAMPLE = 4


def ics_sample(catalogue) -> list[str]:
    """The ICS pages the test build makes: the first and last by code, and the two with the
    most organisations. ICS pages read only the published statistics, the same in every run
    and untouched by the hostile raw data, so a sample covers them; ``heenb build`` (the
    README's) makes all 42, and the slow published-source tests read every ICS in-process."""
    from heenb.data.published import load_sources

    codes = sorted(catalogue.integrated_care_systems["ics_code"])
    sizes = {}
    for source in load_sources().values():
        table = source.table()
        organisations = table[table["level"] == "organisation"]
        sizes.update(organisations.groupby("ics_code")["area_code"].nunique().to_dict())
    largest = sorted(codes, key=lambda c: (-sizes.get(c, 0), c))
    return list(dict.fromkeys([codes[0], codes[-1], *largest]))[:ICS_SAMPLE]


def sampled_plan(folder: Path, catalogue) -> Path:
    """``reports.yml`` with its ICS pages cut to :func:`ics_sample`, written into ``folder``
    (notebooks are found from the project, wherever the plan is)."""
    import yaml

    from heenb import paths

    plan = yaml.safe_load(paths.plan_file().read_text(encoding="utf-8"))
    for entry in plan["reports"]:
        if entry.get("values") == "ics":
            entry["values"] = ics_sample(catalogue)
    path = folder / "reports.yml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def built_reports(demo_dir, tmp_path_factory, catalogue) -> Path:
    """The report set built by ``heenb build`` from small, hostile demo data, with a sample
    of the ICS pages (:func:`sampled_plan`; about two minutes: tests that use it are
    marked ``slow``)."""
    from heenb.publish.engine import build

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(demo_dir, data)
    _make_hostile(data)
    out = tmp_path_factory.mktemp("reports")
    plan = sampled_plan(tmp_path_factory.mktemp("plan"), catalogue)
    outcomes = build(data=data, out=out, workers=2, plan_file=plan, progress=lambda *_: None)
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, f"reports failed to build: {failed}"
    return out
