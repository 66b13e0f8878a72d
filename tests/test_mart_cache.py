"""The mart cache: a broken entry is noticed and rebuilt, never trusted."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from heenb import paths
from heenb.data.mart import MART_TABLES, PINNED_MART, build_mart, is_whole, load_mart, pin


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A private, empty mart cache for one test."""
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    return paths.mart_root()


def _truncate(path):
    path.write_text(path.read_text()[:200])


def _delete(path):
    path.unlink()


def _edit(path):
    table = pd.read_csv(path)
    table.iloc[0, -1] = table.iloc[0, -1] + 1
    table.to_csv(path, index=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage", [_truncate, _delete, _edit], ids=["truncated", "missing", "edited"]
)
def test_a_broken_cache_entry_is_rebuilt_not_trusted(data_copy, own_cache, damage):
    folder = build_mart(data_copy)
    good = load_mart(data_copy)
    damage(folder / "workforce.csv")
    assert not is_whole(folder)

    mart = load_mart(data_copy)

    pd.testing.assert_frame_equal(mart.workforce, good.workforce)
    assert is_whole(folder)
    assert [p.name for p in own_cache.iterdir()] == [folder.name]  # no debris


def test_the_meta_lists_every_table_with_its_hash(data_copy, own_cache):
    folder = build_mart(data_copy)
    meta = json.loads((folder / "meta.json").read_text())
    assert set(meta["tables"]) == set(MART_TABLES)
    assert is_whole(folder)


def test_a_pinned_mart_is_read_once_per_process_and_an_unpinned_one_each_time(
    data_copy, own_cache, monkeypatch
):
    """A warm build kernel reads the build's mart once for all its reports; an analyst's
    load_mart reads the data as it is now."""
    folder = build_mart(data_copy)
    assert load_mart(data_copy) is not load_mart(data_copy)
    monkeypatch.setenv(PINNED_MART, pin(data_copy.resolve(), folder))
    first = load_mart(data_copy)
    assert load_mart(data_copy) is first
    assert first.meta["data_hash"] == json.loads((folder / "meta.json").read_text())["data_hash"]
