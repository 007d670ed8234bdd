"""The disk cache's default folder is the platform's own folder for a user's caches
(`symdiff.runtime.cachedir`): computed for Linux, macOS and Windows from any of them,
the folder platformdirs gives where it is installed, and what `DiskCache()` and
``symdiff cache info`` use."""

from __future__ import annotations

import pytest

from symdiff.cli import main
from symdiff.runtime.cache import DiskCache
from symdiff.runtime.cachedir import default_directory

HOME_POSIX = "/home/ada"
HOME_MAC = "/Users/ada"
HOME_WINDOWS = "C:\\Users\\ada"


@pytest.mark.parametrize(("platform", "environ", "home", "expected"), [
    ("linux", {}, HOME_POSIX, "/home/ada/.cache/symdiff"),
    ("linux", {"XDG_CACHE_HOME": "/scratch/cache"}, HOME_POSIX, "/scratch/cache/symdiff"),
    ("linux", {"XDG_CACHE_HOME": "relative/cache"}, HOME_POSIX, "/home/ada/.cache/symdiff"),
    ("freebsd14", {}, HOME_POSIX, "/home/ada/.cache/symdiff"),
    ("darwin", {}, HOME_MAC, "/Users/ada/Library/Caches/symdiff"),
    ("darwin", {"XDG_CACHE_HOME": "/Users/ada/.cache"}, HOME_MAC, "/Users/ada/.cache/symdiff"),
    ("win32", {"LOCALAPPDATA": "C:\\Users\\ada\\AppData\\Local"}, HOME_WINDOWS,
     "C:\\Users\\ada\\AppData\\Local\\symdiff\\Cache"),
    ("win32", {}, HOME_WINDOWS, "C:\\Users\\ada\\AppData\\Local\\symdiff\\Cache"),
    ("win32", {"SYMDIFF_CACHE_DIR": "D:\\cache"}, HOME_WINDOWS, "D:\\cache"),
    ("linux", {"SYMDIFF_CACHE_DIR": "/srv/symdiff", "XDG_CACHE_HOME": "/x"}, HOME_POSIX,
     "/srv/symdiff"),
])
def test_each_platform_has_its_cache_folder(platform: str, environ: dict[str, str], home: str,
                                            expected: str) -> None:
    assert default_directory(platform, environ, home) == expected


@pytest.mark.parametrize("xdg", [None, "/scratch/cache"])
def test_the_folder_platformdirs_gives(monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    macos = pytest.importorskip("platformdirs.macos")
    unix = pytest.importorskip("platformdirs.unix")
    monkeypatch.setenv("HOME", HOME_POSIX)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    environ = {} if xdg is None else {"XDG_CACHE_HOME": xdg}
    assert default_directory("linux", environ, HOME_POSIX) == \
        unix.Unix("symdiff", appauthor=False).user_cache_dir
    monkeypatch.setenv("HOME", HOME_MAC)
    assert default_directory("darwin", environ, HOME_MAC) == \
        macos.MacOS("symdiff", appauthor=False).user_cache_dir


def test_the_cache_and_cache_info_use_it(monkeypatch: pytest.MonkeyPatch, tmp_path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SYMDIFF_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = default_directory()
    assert str(DiskCache().directory) == expected
    assert main(["cache", "info"]) == 0
    assert f"location: {expected} (not created yet)" in capsys.readouterr().out
