"""The disk cache against planted, swapped and special files: nothing planted runs,
nothing hangs.

The attack tests need a second user: they run where the suite runs as root (as in CI),
playing the attacker in a forked child that drops to uid 65534 (nobody), and skip
elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from symdiff import grad
from symdiff.runtime.cache import DiskCache, cache_key
from tests.runtime.test_cache import SOURCE, subprocess_env
from tests.runtime.test_pipeline_cache import child_grads, entries, load_module

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and FIFOs")
NOBODY = 65534
PLANTED = "import pathlib\npathlib.Path({marker!r}).write_text('planted code ran')\n"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SYMDIFF_CACHE", "SYMDIFF_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)


def as_root() -> None:
    if os.name != "posix" or os.getuid() != 0:
        pytest.skip("needs root to play a second user (the suite runs as root in CI)")


@pytest.fixture
def arena() -> Iterator[Path]:
    """A directory outside pytest's private temporary tree, so the attacker can reach it."""
    as_root()
    path = Path(tempfile.mkdtemp(prefix="symdiff-attack-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def entry_bytes(key: str, source: str, tmp: Path) -> bytes:
    """What the cache itself writes for `key` (an attacker can compute it too)."""
    scratch = DiskCache(tmp / "scratch", enabled=True)
    scratch.put(key, source)
    return scratch.path_for(key).read_bytes()


def as_nobody(action: object, *args: object) -> int:
    """Run `action(*args)` in a forked child as uid/gid 65534; its pid."""
    pid = os.fork()
    if pid == 0:  # the attacker: never returns into pytest
        status = 1
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            action(*args)  # type: ignore[operator]
            status = 0
        finally:
            os._exit(status)
    return pid


def swap_forever(shared: str, evil: str, stop: str, seconds: float) -> None:
    """Put a symbolic link to `evil` where the cache directory was, and back, in a loop."""
    cache, away = os.path.join(shared, "cache"), os.path.join(shared, "away")
    deadline = time.monotonic() + seconds
    while not os.path.exists(stop) and time.monotonic() < deadline:
        try:
            os.rename(cache, away)
            os.symlink(evil, cache)
            os.unlink(cache)
            os.rename(away, cache)
        except OSError:
            pass


# Item 16: another local user who can write an ancestor directory ---------------------------


def test_swapping_an_ancestor_never_runs_planted_code(arena: Path, tmp_path: Path) -> None:
    shared, evil, marker, stop = (arena / n for n in ("shared", "evil", "marker", "stop"))
    key = cache_key("f", "grad")
    shared.mkdir(mode=0o755)
    DiskCache(shared / "cache", enabled=True).put(key, "VALUE = 1\n")
    shared.chmod(0o777)  # e.g. a shared project folder, not sticky like /tmp
    evil.mkdir()
    (evil / f"{key}.py").write_bytes(entry_bytes(key, PLANTED.format(marker=str(marker)), tmp_path))
    for path in (evil, evil / f"{key}.py"):
        os.chown(path, NOBODY, NOBODY)
    pid = as_nobody(swap_forever, str(shared), str(evil), str(stop), 20.0)
    tries = served = refused = 0
    try:
        start = time.monotonic()
        deadline = start + 3.0
        while time.monotonic() < deadline and not marker.exists():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                text = DiskCache(shared / "cache", enabled=True).get(key)
            refused += any("writable by other users" in str(w.message) for w in caught)
            if text is not None:
                served += 1
                exec(compile(text, "entry", "exec"), {})  # what linking an entry does
            tries += 1
    finally:
        stop.touch()
        os.waitpid(pid, 0)
    elapsed = time.monotonic() - start
    assert not marker.exists(), f"planted code ran after {tries} tries, {elapsed:.2f} s"
    # The location is refused (or, mid-swap, missing or a link): nothing is served.
    assert served == 0 and refused > 0


def test_an_ancestor_owned_by_another_user_is_refused(arena: Path) -> None:
    theirs = arena / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, NOBODY, NOBODY)  # they can rename our directory away at will
    c = DiskCache(theirs / "cache", enabled=True)
    with pytest.warns(RuntimeWarning, match=f"{theirs} is owned by another user"):
        c.put("k", SOURCE)
    assert not (theirs / "cache").exists() and not c.enabled


def test_a_squatted_cache_directory_is_refused(arena: Path, tmp_path: Path) -> None:
    sticky = arena / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp: anyone may create, nobody may rename others' entries
    marker = arena / "marker"
    planted = entry_bytes("k", PLANTED.format(marker=str(marker)), tmp_path)

    def squat() -> None:
        (sticky / "cache").mkdir(mode=0o700)
        (sticky / "cache" / "k.py").write_bytes(planted)

    os.waitpid(as_nobody(squat), 0)
    c = DiskCache(sticky / "cache", enabled=True)
    with pytest.warns(RuntimeWarning, match="owned by"):
        assert c.get("k") is None


@posix_only
def test_a_sticky_world_writable_ancestor_is_accepted(tmp_path: Path) -> None:
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    c = DiskCache(sticky / "cache", enabled=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.put("k", SOURCE)
        assert c.get("k") == SOURCE


@posix_only
@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_writable_ancestor_is_refused(tmp_path: Path, mode: int) -> None:
    parent = tmp_path / "parent"
    c = DiskCache(parent / "cache", enabled=True)
    c.put("k", SOURCE)
    parent.chmod(mode)
    c = DiskCache(parent / "cache", enabled=True)
    with pytest.warns(RuntimeWarning, match=f"{parent} is writable by other users"):
        assert c.get("k") is None
    assert not c.enabled


@posix_only
def test_a_symlinked_cache_directory_is_followed_once(tmp_path: Path) -> None:
    # ~/.cache -> /data/me/cache is common: the link is resolved, then the real path
    # is checked component by component.
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    c = DiskCache(tmp_path / "link" / "cache", enabled=True)
    c.put("k", SOURCE)
    assert (real / "cache" / "k.py").is_file()
    assert DiskCache(tmp_path / "link" / "cache", enabled=True).get("k") == SOURCE


@posix_only
def test_a_symlinked_entry_is_not_followed(tmp_path: Path) -> None:
    c = DiskCache(tmp_path / "cache", enabled=True)
    c.put("k", SOURCE)
    elsewhere = tmp_path / "elsewhere.py"
    shutil.copy(c.path_for("k"), elsewhere)
    c.path_for("k").unlink()
    c.path_for("k").symlink_to(elsewhere)
    assert c.get("k") is None


# Item 17: a FIFO or another special file at an entry's path ---------------------------------

GET = "from symdiff.runtime.cache import DiskCache\n" \
      "import sys\nprint(DiskCache(sys.argv[1], enabled=True).get('k'))\n"


@posix_only
def test_a_fifo_entry_is_a_miss_not_a_hang(tmp_path: Path) -> None:
    c = DiskCache(tmp_path / "cache", enabled=True)
    c.put("k", SOURCE)
    c.path_for("k").unlink()
    os.mkfifo(c.path_for("k"), 0o600)
    try:
        proc = subprocess.run([sys.executable, "-c", GET, str(tmp_path / "cache")],
                              env=subprocess_env(), capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("get() blocked opening a FIFO")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None"
    assert stat.S_ISFIFO(os.lstat(c.path_for("k")).st_mode)  # not ours to remove
    c.put("k", SOURCE)  # replaced by a real entry
    assert c.get("k") == SOURCE


# Item 18: an entry is bound to its key ------------------------------------------------------


def test_swapped_entries_are_misses(tmp_path: Path) -> None:
    c = DiskCache(tmp_path / "cache", enabled=True)
    c.put("f", "F = 1\n")
    c.put("g", "G = 2\n")
    f, g = c.path_for("f").read_bytes(), c.path_for("g").read_bytes()
    c.path_for("f").write_bytes(g)
    c.path_for("g").write_bytes(f)
    assert c.get("f") is None and c.get("g") is None


def test_a_copied_header_with_a_recomputed_hash_is_a_miss(tmp_path: Path) -> None:
    c = DiskCache(tmp_path / "cache", enabled=True)
    c.put("f", "F = 1\n")
    header = c.path_for("f").read_bytes().partition(b"sha256=")[0] + b"sha256="
    body = b"G = 2\n"
    c.path_for("f").write_bytes(header + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert c.get("f") is None


def test_swapped_entries_never_serve_the_other_gradient(cache_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "modswap.py").write_text(
        "def f(x):\n    return x * x\n\n\ndef g(x):\n    return x * x * x\n")
    assert child_grads(src, [["modswap", "f", [2.0]], ["modswap", "g", [2.0]]]) == \
        [[4.0], [12.0]]
    first, second = entries(cache_dir)
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    module = load_module(src / "modswap.py")
    assert grad(module.f)(2.0) == 4.0
    assert grad(module.g)(2.0) == 12.0
