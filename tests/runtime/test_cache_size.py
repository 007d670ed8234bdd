"""The disk cache's size bound: least recently used entries go, and only entries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symdiff.runtime import cache as cache_mod
from symdiff.runtime.cache import DEFAULT_MAX_BYTES, DiskCache, parse_size

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the disk cache is POSIX only")
BODY = "x = 1  # padding\n" * 60  # about 1 kB an entry


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SYMDIFF_CACHE", "SYMDIFF_CACHE_DIR", "XDG_CACHE_HOME", "SYMDIFF_CACHE_SIZE"):
        monkeypatch.delenv(var, raising=False)


def entry_size(tmp_path: Path) -> int:
    probe = DiskCache(tmp_path / "probe", enabled=True)
    probe.put("k0", BODY)
    return probe.path_for("k0").stat().st_size


def age(c: DiskCache, keys: list[str]) -> None:
    """Give the entries of `keys` increasing last-use times, the first the oldest."""
    for i, key in enumerate(keys):
        os.utime(c.path_for(key), (1_000_000 + i, 1_000_000 + i))


@pytest.mark.parametrize(("text", "size"), [
    ("500M", 500_000_000), ("2G", 2_000_000_000), ("750k", 750_000), ("1048576", 1048576),
    ("1.5M", 1_500_000), ("10MB", 10_000_000), (" 3 gb ", 3_000_000_000), ("0", 0),
])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "", "-1", "5X", "M", "inf", "nan"])
def test_parse_size_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


def test_bound_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert DiskCache(tmp_path).max_bytes == DEFAULT_MAX_BYTES == 500_000_000
    monkeypatch.setenv("SYMDIFF_CACHE_SIZE", "2G")
    assert DiskCache(tmp_path).max_bytes == 2_000_000_000
    monkeypatch.setenv("SYMDIFF_CACHE_SIZE", "plenty")
    with pytest.warns(RuntimeWarning, match="SYMDIFF_CACHE_SIZE"):
        assert DiskCache(tmp_path).max_bytes == DEFAULT_MAX_BYTES
    assert DiskCache(tmp_path, max_bytes=1234).max_bytes == 1234


def test_put_evicts_the_least_recently_used(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    c = DiskCache(tmp_path / "cache", enabled=True, max_bytes=10 * size)
    keys = [f"k{i}" for i in range(10)]
    for key in keys:
        c.put(key, BODY)
    age(c, keys)
    assert c.get("k0") == BODY  # used now: the most recent
    c.put("new", BODY)  # eleven entries: over the bound
    kept = sorted(p.stem for p in (tmp_path / "cache").iterdir())
    total = sum(p.stat().st_size for p in (tmp_path / "cache").iterdir())
    assert total <= 0.9 * 10 * size  # down to the low-water mark
    assert "k0" in kept and "new" in kept
    assert "k1" not in kept and "k2" not in kept  # the least recently used went first
    assert kept == sorted(["k0", "new", *keys[10 - (len(kept) - 2):]])


def test_eviction_removes_only_entries(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    c = DiskCache(tmp_path / "cache", enabled=True, max_bytes=3 * size)
    c.put("k0", BODY)
    mine = tmp_path / "cache" / "setup.py"  # named like an entry, but not one
    mine.write_text("print('the user keeps this here')\n" * 40)
    notes = tmp_path / "cache" / "notes.txt"
    notes.write_text("mine too")
    os.utime(mine, (1, 1))  # the oldest file of all
    for i in range(1, 6):
        c.put(f"k{i}", BODY)
    assert mine.exists() and notes.exists()
    assert len(list((tmp_path / "cache").glob("k*.py"))) <= 3


def test_a_hit_marks_the_entry_used(tmp_path: Path) -> None:
    c = DiskCache(tmp_path / "cache", enabled=True)
    c.put("k", BODY)
    age(c, ["k"])
    assert c.get("k") == BODY
    assert c.path_for("k").stat().st_mtime > 2_000_000


def test_scans_are_rare_under_a_large_bound(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    scans = []
    monkeypatch.setattr(cache_mod, "_evict", lambda folder, bound: scans.append(bound))
    draws = iter([0.5] * 200 + [0.00001])
    monkeypatch.setattr(cache_mod, "_chance", lambda: next(draws))
    c = DiskCache(tmp_path / "cache", enabled=True)  # 500 MB: a 1 kB put scans 1 in 25000
    for i in range(200):
        c.put(f"k{i}", BODY)
    assert scans == []
    c.put("last", BODY)  # the draw that falls under the put's share of the bound
    assert scans == [DEFAULT_MAX_BYTES]


def test_a_put_of_a_twentieth_of_the_bound_always_scans(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    scans = []
    monkeypatch.setattr(cache_mod, "_evict", lambda folder, bound: scans.append(bound))
    monkeypatch.setattr(cache_mod, "_chance", lambda: 0.999999)
    c = DiskCache(tmp_path / "cache", enabled=True, max_bytes=20 * entry_size(tmp_path))
    c.put("k1", BODY)  # as large as the probe
    assert len(scans) == 1


def test_stale_temporary_files_are_swept(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    c = DiskCache(tmp_path / "cache", enabled=True, max_bytes=3 * size)
    c.put("k0", BODY)
    crashed = tmp_path / "cache" / ".k9.0123456789ab.tmp"  # a put killed mid-write
    crashed.write_bytes(b"half")
    os.utime(crashed, (1, 1))
    fresh = tmp_path / "cache" / ".k8.0123456789ab.tmp"  # a put under way
    fresh.write_bytes(b"half")
    c.put("k1", BODY)
    assert not crashed.exists() and fresh.exists()


def test_a_zero_bound_stores_nothing(tmp_path: Path) -> None:
    c = DiskCache(tmp_path / "cache", enabled=True, max_bytes=0)
    c.put("k", BODY)
    assert c.get("k") is None


def test_usage_and_clear(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    c = DiskCache(tmp_path / "cache", enabled=True)
    assert c.usage() == (0, 0)  # no directory yet
    assert not (tmp_path / "cache").exists()
    for i in range(3):
        c.put(f"k{i}", BODY)
    (tmp_path / "cache" / "setup.py").write_text("print('not an entry')\n")
    (tmp_path / "cache" / ".k5.0123456789ab.tmp").write_bytes(b"half")
    assert c.usage() == (3, 3 * size)
    assert c.clear() == (3, 3 * size)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["setup.py"]
    assert c.usage() == (0, 0)
