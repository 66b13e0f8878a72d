"""Shared test set-up: a small demo data set, made once per run.

Tests never read ``data/demo`` or ``../shared``. At start-up a small demo data
set (scale 0.03: small cells everywhere, so disclosure control has work) is
generated into a temporary folder and exported as ``HEENB_DATA``, with a
private mart cache in ``HEENB_CACHE``; notebook kernels started by nbval
inherit both.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

SMALL_SCALE = 0.03
_WORKDIR = Path(tempfile.mkdtemp(prefix="heenb-tests-"))


def pytest_configure(config):
    from heenb.data.demo import write_demo_data

    data = _WORKDIR / "demo"
    write_demo_data(data, scale=SMALL_SCALE)
    os.environ["HEENB_DATA"] = str(data)
    os.environ["HEENB_CACHE"] = str(_WORKDIR / "cache")
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_unconfigure(config):
    shutil.rmtree(_WORKDIR, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The small demo raw data folder (read-only: copy it before changing files)."""
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


@pytest.fixture(scope="session")
def built_reports(demo_dir, tmp_path_factory) -> Path:
    """The whole report set built by ``heenb build`` from small, hostile demo data."""
    from heenb.publish.engine import build

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(demo_dir, data)
    _make_hostile(data)
    out = tmp_path_factory.mktemp("reports")
    outcomes = build(data=data, out=out, workers=2, progress=lambda *_: None)
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, f"reports failed to build: {failed}"
    return out
