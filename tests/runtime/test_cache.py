"""Tests for symdiff.runtime.cache: the on-disk cache of generated source."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import symdiff
from symdiff.runtime import cache as cache_mod
from symdiff.runtime.cache import DiskCache, cache_key

REPO_ROOT = Path(symdiff.__file__).resolve().parent.parent
SOURCE = "def f_grad(x):\n    return 2.0 * x  # ünïcode\n"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SYMDIFF_CACHE", "SYMDIFF_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "symdiff-cache"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def test_round_trip_and_miss(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    key = cache_key("f", "grad")
    assert c.get(key) is None
    assert not cache_dir.exists()  # get never creates the directory
    c.put(key, SOURCE)
    assert c.get(key) == SOURCE
    assert DiskCache(cache_dir, enabled=True).get(key) == SOURCE
    assert c.get(cache_key("other")) is None
    c.put(key, SOURCE + "# v2\n")
    assert c.get(key) == SOURCE + "# v2\n"


def test_entry_format(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("k1", SOURCE)
    raw = c.path_for("k1").read_bytes()
    body = SOURCE.encode()
    assert c.path_for("k1") == cache_dir / "k1.py"
    payload = b"# key k1\n" + body  # the key is hashed with the body: bound to it
    header = b"# symdiff-cache 2 sha256=" + hashlib.sha256(payload).hexdigest().encode()
    assert raw == header + b"\n" + payload


def test_empty_source_round_trips(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("empty", "")
    assert c.get("empty") == ""


@pytest.mark.parametrize("value", ["0", "false", "No", "OFF"])
def test_disabled_via_env(monkeypatch: pytest.MonkeyPatch, cache_dir: Path, value: str) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", value)
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(cache_dir))
    c = DiskCache.from_environment()
    assert not c.enabled
    c.put("k", SOURCE)
    assert c.get("k") is None
    assert not cache_dir.exists()


def test_disabled_explicitly_creates_nothing(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=False)
    c.put("k", SOURCE)
    assert c.get("k") is None
    assert not cache_dir.exists() and not cache_dir.parent.exists()


def test_directory_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert DiskCache.from_environment().directory == tmp_path / "home" / ".cache" / "symdiff"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert DiskCache.from_environment().directory == tmp_path / "xdg" / "symdiff"
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path / "explicit"))
    c = DiskCache.from_environment()
    assert c.directory == tmp_path / "explicit" and c.enabled


def test_corrupted_body_is_a_miss(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("k", SOURCE)
    path = c.path_for("k")
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x01
    path.write_bytes(bytes(raw))
    assert c.get("k") is None
    c.put("k", SOURCE)
    assert c.get("k") == SOURCE


def test_truncated_file_is_a_miss(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("k", SOURCE)
    path = c.path_for("k")
    raw = path.read_bytes()
    for cut in (len(raw) - 1, len(raw) // 2, 20, 0):
        path.write_bytes(raw[:cut])
        assert c.get("k") is None


@pytest.mark.parametrize(
    "header",
    [
        b"garbage",
        b"# symdiff-cache 3 sha256=" + b"0" * 64,
        b"# symdiff-cache 2 sha256=" + b"0" * 64,
        b"# symdiff-cache 1 md5=abc",
        b"\xff\xfe\x00",
    ],
)
def test_garbage_header_is_a_miss(cache_dir: Path, header: bytes) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("k", SOURCE)
    path = c.path_for("k")
    path.write_bytes(header + b"\n" + SOURCE.encode())
    assert c.get("k") is None


def test_valid_hash_but_invalid_utf8_is_a_miss(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("k", SOURCE)
    payload = b"# key k\n\xff\xfe not utf-8"
    header = b"# symdiff-cache 2 sha256=" + hashlib.sha256(payload).hexdigest().encode()
    c.path_for("k").write_bytes(header + b"\n" + payload)
    assert c.get("k") is None


def test_unreadable_entry_is_a_miss(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    c.put("k", SOURCE)
    path = c.path_for("k")
    path.unlink()
    path.mkdir()  # a directory where the entry file should be
    assert c.get("k") is None


def test_invalid_key_rejected(cache_dir: Path) -> None:
    c = DiskCache(cache_dir, enabled=True)
    for key in ("", "../evil", "a/b", "x" * 200, ".hidden"):
        with pytest.raises(ValueError):
            c.put(key, SOURCE)


@posix_only
def test_permissions(cache_dir: Path) -> None:
    old = os.umask(0o022)
    try:
        c = DiskCache(cache_dir, enabled=True)
        c.put("k", SOURCE)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(c.path_for("k").stat().st_mode) == 0o600
    assert sorted(p.name for p in cache_dir.iterdir()) == ["k.py"]  # no temp files left


@posix_only
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_group_or_world_writable_dir_refused(cache_dir: Path, mode: int) -> None:
    good = DiskCache(cache_dir, enabled=True)
    good.put("k", SOURCE)
    cache_dir.chmod(mode)
    c = DiskCache(cache_dir, enabled=True)
    with pytest.warns(RuntimeWarning, match="writable"):
        assert c.get("k") is None  # a planted entry must not be trusted
    assert not c.enabled
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        c.put("k2", SOURCE)
        assert c.get("k") is None
    assert not (cache_dir / "k2.py").exists()


@posix_only
def test_dir_owned_by_someone_else_refused(
    monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    DiskCache(cache_dir, enabled=True).put("k", SOURCE)
    real_uid = os.getuid()
    monkeypatch.setattr(cache_mod.os, "getuid", lambda: real_uid + 1)
    c = DiskCache(cache_dir, enabled=True)
    with pytest.warns(RuntimeWarning, match="owned"):
        assert c.get("k") is None
    assert not c.enabled


def test_write_failure_does_not_raise(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    def full_disk(*args: object, **kwargs: object) -> object:
        raise OSError(28, "No space left on device")

    c = DiskCache(cache_dir, enabled=True)
    monkeypatch.setattr(cache_mod.os, "write", full_disk)
    with pytest.warns(RuntimeWarning) as record:
        c.put("a", SOURCE)
        c.put("b", SOURCE)
    assert len(record) == 1
    assert c.get("a") is None
    assert list(cache_dir.iterdir()) == []  # no temporary file left


def test_failed_replace_leaves_no_temp_file(
    monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    def broken_replace(src: object, dst: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    c = DiskCache(cache_dir, enabled=True)
    monkeypatch.setattr(cache_mod.os, "replace", broken_replace)
    with pytest.warns(RuntimeWarning):
        c.put("k", SOURCE)
    assert list(cache_dir.iterdir()) == []


def test_uncreatable_directory_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    c = DiskCache(blocker / "cache", enabled=True)
    with pytest.warns(RuntimeWarning):
        c.put("k", SOURCE)
    assert c.get("k") is None


def test_directory_path_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    c = DiskCache(blocker, enabled=True)
    with pytest.warns(RuntimeWarning):
        c.put("k", SOURCE)
    assert c.get("k") is None


def test_cache_key_unambiguous_and_deterministic() -> None:
    assert cache_key("ab", "c") != cache_key("a", "bc")
    assert cache_key("a", "") != cache_key("a")
    assert cache_key() != cache_key("")
    assert cache_key("x", "y") == cache_key("x", "y")
    assert len(cache_key("x")) == 64 and int(cache_key("x"), 16) >= 0
    with pytest.raises(TypeError):
        cache_key(b"bytes")  # type: ignore[arg-type]


def test_cache_key_stable_across_hash_seeds() -> None:
    parts = ("def f(x): return x**2", "grad", "ünï", "")
    code = f"from symdiff.runtime.cache import cache_key; print(cache_key(*{parts!r}))"
    expected = cache_key(*parts)
    for seed in ("0", "1", "12345", "random"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=subprocess_env(PYTHONHASHSEED=seed),
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == expected


WORKER = textwrap.dedent(
    """
    import sys
    from symdiff.runtime.cache import DiskCache

    directory, worker, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cache = DiskCache(directory, enabled=True)
    # Large, key-specific sources: a torn write would be visible as a mismatch.
    sources = {f"key{i}": (f"# source {i}\\n" + f"x{i} = {i}\\n" * 20000) for i in range(4)}
    garbage = torn = 0
    written = set()
    for r in range(rounds):
        for j, (key, source) in enumerate(sources.items()):
            if (r + j + worker) % 2:
                cache.put(key, source)
                written.add(key)
            got = cache.get(key)
            if got is None:
                # Once an entry exists, atomic replacement means it never reads as a miss.
                torn += key in written
            elif got != source:
                garbage += 1
    print(garbage, torn)
    """
)


@posix_only  # Windows cannot os.replace a file that another process holds open
def test_concurrent_processes(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(directory), str(worker), "60"],
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(4)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.split() == ["0", "0"]  # no garbage, no torn reads
        assert "RuntimeWarning" not in err
    leftovers = [p.name for p in directory.iterdir() if not p.name.endswith(".py")]
    assert leftovers == []
    c = DiskCache(directory, enabled=True)
    for i in range(4):
        assert c.get(f"key{i}") == f"# source {i}\n" + f"x{i} = {i}\n" * 20000


def test_import_is_cheap() -> None:
    code = (
        "import sys, symdiff.runtime; before = set(sys.modules); "
        "import symdiff.runtime.cache; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names) - {'symdiff'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"  # stdlib only
