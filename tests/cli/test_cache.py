"""`symdiff cache info` and `symdiff cache clear`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symdiff.cli import main
from symdiff.runtime.cache import DiskCache

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the disk cache is POSIX only")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DiskCache:
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("SYMDIFF_CACHE", "SYMDIFF_CACHE_SIZE"):
        monkeypatch.delenv(var, raising=False)
    return DiskCache()


def fill(cache: DiskCache, n: int) -> int:
    for i in range(n):
        cache.put(f"k{i}", "x = 1\n" * 200)
    return sum(cache.path_for(f"k{i}").stat().st_size for i in range(n))


def test_info(cache: DiskCache, capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"location: {cache.directory} (not created yet)\n" in out
    assert "status: on\n" in out and "entries: 0\n" in out
    assert "bound: 500.0 MB\n" in out
    size = fill(cache, 3)
    monkeypatch.setenv("SYMDIFF_CACHE_SIZE", "2G")
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"location: {cache.directory}\n" in out
    assert "entries: 3\n" in out
    assert f"size: {size / 1000:.1f} kB\n" in out
    assert "bound: 2.0 GB (SYMDIFF_CACHE_SIZE)\n" in out
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    assert main(["cache", "info"]) == 0
    assert "off (SYMDIFF_CACHE=0)" in capsys.readouterr().out


def test_clear_removes_only_entries(cache: DiskCache,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    size = fill(cache, 4)
    keep = cache.directory / "notes.py"
    keep.write_text("print('mine')\n")
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == \
        f"removed 4 entries ({size / 1000:.1f} kB) from {cache.directory}\n"
    assert sorted(p.name for p in cache.directory.iterdir()) == ["notes.py"]
    assert main(["cache", "info"]) == 0
    assert "entries: 0\n" in capsys.readouterr().out


def test_an_unsafe_location_is_an_error(cache: DiskCache, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    fill(cache, 1)
    tmp_path.chmod(0o777)
    try:
        for command in ("info", "clear"):
            assert main(["cache", command]) == 1
            err = capsys.readouterr().err
            assert err == f"symdiff cache: {cache.directory}: {tmp_path} is writable by " \
                          "other users\n"
        assert cache.path_for("k0").exists()
    finally:
        tmp_path.chmod(0o700)
