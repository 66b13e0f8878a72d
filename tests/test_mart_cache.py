"""The mart cache: a broken entry is noticed and rebuilt, never trusted."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from heenb import paths
from heenb.data.mart import (
    MART_TABLES,
    PINNED_MART,
    build_mart,
    is_whole,
    load_mart,
    mart_key,
    pin,
)
from heenb.errors import DataChangedError


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


# --------------------------------------------------------------------------- a snapshot


def _swapped_while_read(monkeypatch, data, name: str, version_b: str, reader: str):
    """Make ``reader`` of :mod:`heenb.data.validate` find ``name`` holding ``version_b``
    while it reads it, and the file as it was again once the read is done (changed
    A -> B -> A during the read): ``read_coded`` parses it (after a first pass checked
    it), ``read_text`` makes every pass over it."""
    from heenb.data import validate

    path = data / name
    version_a = path.read_bytes()
    read = getattr(validate, reader)

    def read_while_swapped(source, *args, **kwargs):
        if name not in str(getattr(source, "path", source)):  # a Path, or what wraps one
            return read(source, *args, **kwargs)
        path.write_text(version_b)  # in place, as an editor or a copy job writes
        try:
            return read(source, *args, **kwargs)
        finally:
            path.write_bytes(version_a)

    monkeypatch.setattr(validate, reader, read_while_swapped)


@pytest.mark.parametrize("reader", ["read_coded", "read_text"], ids=["parsed", "every-pass"])
def test_a_file_changed_and_changed_back_while_read_is_never_cached_under_its_first_version(
    data_copy, own_cache, monkeypatch, reader
):
    """A -> B -> A while the mart reads the file: hashes taken before and after both say A,
    but the rows read are B's. The mart must not keep B's rows under A's key (then every
    later build, --force included, would show B)."""
    path = data_copy / "kpi_updates.csv"
    version_a = path.read_text()
    version_b = version_a.rstrip("\n") + " Read while changed.\n"
    _swapped_while_read(monkeypatch, data_copy, "kpi_updates.csv", version_b, reader)

    with pytest.raises(DataChangedError, match="kpi_updates.csv"):
        build_mart(data_copy)

    monkeypatch.undo()
    monkeypatch.setenv("HEENB_CACHE", str(own_cache.parent))
    assert path.read_text() == version_a
    narratives = " ".join(load_mart(data_copy).kpi_updates["narrative"].astype(str))
    assert "Read while changed." not in narratives  # A's rows under A's key
    assert [p.name for p in own_cache.iterdir()] == [mart_key(data_copy)]


def test_a_catalogue_edited_after_it_was_loaded_never_keys_a_mart_made_from_the_old_one(
    data_copy, own_cache, monkeypatch, tmp_path
):
    """A session keeps the catalogue it loaded; its files are then edited. A mart made in
    that session comes from the catalogue it holds, so it must not be kept under the key
    of the edited files, which another session (holding the edited catalogue) reads."""
    import shutil

    first = tmp_path / "reference"
    shutil.copytree(paths.REFERENCE_DIR, first)
    monkeypatch.setenv("HEENB_REFERENCE", str(first))
    before = load_mart(data_copy)  # the catalogue is loaded here, and kept
    scale = first / "nets_scale.csv"
    text = scale.read_text()
    assert "4,Good,True" in text
    scale.write_text(text.replace("4,Good,True", "4,Good,False"))  # fewer positive answers

    stale = load_mart(data_copy)  # this session still holds the catalogue as it was

    pd.testing.assert_frame_equal(stale.proportions, before.proportions)
    later = tmp_path / "later"  # the same files, loaded afresh, as by another session
    shutil.copytree(first, later)
    monkeypatch.setenv("HEENB_REFERENCE", str(later))
    fresh = load_mart(data_copy)
    assert not fresh.proportions["numerator"].equals(before.proportions["numerator"])
