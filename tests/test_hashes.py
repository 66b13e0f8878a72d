"""Content hashes that trust a file's stat: unchanged files are not read again, and a
changed file is never missed, even with its size and modification time kept."""

from __future__ import annotations

import json
import os

import pytest

from heenb.data import hashes
from heenb.data.mart import mart_key, raw_hashes


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A private hash cache, trusting a file at once (no settling time), counting reads."""
    monkeypatch.setenv("HEENB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hashes, "SETTLED_NS", -(10**12))  # files written just now count
    reads = []
    digest = hashes._digest

    def counted(path):
        reads.append(path.name)
        return digest(path)

    monkeypatch.setattr(hashes, "_digest", counted)
    return reads


def _same_size_same_time(path):
    """Change one byte of ``path``, keeping its size, and set its times back."""
    before = os.stat(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_an_unchanged_file_is_not_read_again(tmp_path, own_cache):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n")
    first = hashes.file_digests([path])
    assert own_cache == ["a.csv"]
    assert hashes.file_digests([path]) == first
    assert own_cache == ["a.csv"]  # trusted from its stat


def test_one_byte_changed_with_size_and_time_kept_is_found(tmp_path, own_cache):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n" * 1000)
    first = hashes.file_digests([path])[path]
    _same_size_same_time(path)
    assert hashes.file_digests([path])[path] != first  # its ctime moved: hashed again
    assert own_cache == ["a.csv", "a.csv"]


def test_a_file_replaced_by_another_of_the_same_size_and_time_is_found(tmp_path, own_cache):
    path, other = tmp_path / "a.csv", tmp_path / "b.csv"
    path.write_text("x,y\n1,2\n")
    other.write_text("x,y\n1,3\n")
    first = hashes.file_digests([path])[path]
    stat = os.stat(path)
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, path)  # a new inode in its place
    assert hashes.file_digests([path])[path] != first


def test_a_raw_file_changed_in_place_changes_the_data_hash(data_copy, own_cache):
    before, key = raw_hashes(data_copy), mart_key(data_copy)
    assert raw_hashes(data_copy) == before
    reads = len(own_cache)
    name = "nets_responses.csv"
    _same_size_same_time(data_copy / name)
    after = raw_hashes(data_copy)
    assert [n for n in before if before[n] != after[n]] == [name]
    assert mart_key(data_copy) != key
    assert len(own_cache) == reads + 1  # only the changed file was read


def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(tmp_path, own_cache,
                                                                  monkeypatch):  # fmt: skip
    monkeypatch.setattr(hashes, "SETTLED_NS", 2_000_000_000)
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n")
    hashes.file_digests([path])
    hashes.file_digests([path])
    assert own_cache == ["a.csv", "a.csv"]  # its times may not yet show a second write


def test_a_cache_from_another_machine_or_unreadable_is_not_trusted(tmp_path, own_cache):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n")
    truth = hashes.file_digests([path])[path]
    cache = hashes.cache_file()
    written = json.loads(cache.read_text())
    key = str(path.resolve())
    written["files"][key]["sha256"] = "0" * 64
    cache.write_text(json.dumps({**written, "machine": "elsewhere"}))
    assert hashes.file_digests([path])[path] == truth
    cache.write_text("{not json")
    assert hashes.file_digests([path])[path] == truth
    assert len(own_cache) == 3


def test_absent_files_are_none_and_a_cache_that_cannot_be_written_costs_only_time(
    tmp_path, own_cache
):
    path = tmp_path / "a.csv"
    path.write_text("x\n")
    blocked = tmp_path / "file" / "hashes.json"
    (tmp_path / "file").write_text("not a folder")
    found = hashes.file_digests([path, tmp_path / "absent.csv"], cache=blocked)
    assert found[tmp_path / "absent.csv"] is None
    assert found[path] is not None
