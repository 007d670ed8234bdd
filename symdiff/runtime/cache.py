"""On-disk cache of generated source text.

Contract:

* Location: ``$SYMDIFF_CACHE_DIR``, else the platform's folder for a user's caches
  (`symdiff.runtime.cachedir`: ``~/.cache/symdiff`` or ``$XDG_CACHE_HOME/symdiff`` on
  Linux, ``~/Library/Caches/symdiff`` on macOS, ``%LOCALAPPDATA%\\symdiff\\Cache`` on
  Windows). ``SYMDIFF_CACHE`` set to ``0``/``false``/``no``/``off`` disables
  the cache: ``get`` returns ``None``, ``put`` does nothing, nothing is created.
* Trust: entries are executed, so the directory must be one no other user can change.
  Each operation opens it through `symdiff.runtime.safedir` (every component opened with
  ``O_NOFOLLOW`` relative to its checked parent; the directory owned by the current user
  and writable by no one else; each ancestor owned by root or the current user and not
  writable by others unless sticky). A location that fails is refused: the cache is
  disabled and a ``RuntimeWarning`` names the component and why. Entries are opened with
  ``O_NOFOLLOW | O_NONBLOCK`` relative to that descriptor and used only if ``fstat``
  shows a regular file of ours (a FIFO or device there is a miss, never a hang). Without
  ``dir_fd`` support (not POSIX) the cache is off.
* One file per key, ``<key>.py``: a header line ``# symdiff-cache 2 sha256=<hex>``, then
  the payload the hash covers: a line ``# key <key>`` and the body. ``get`` returns the
  body only if the hash matches and the key is the one asked for (a renamed or copied
  entry is a miss), and never raises for I/O or content errors. The hash detects
  corruption, not forgery: anyone who could write the directory could write a valid
  entry, which is why a directory others can write is refused rather than checked.
* ``put`` writes a 0o600 temporary file in the directory and renames it onto the entry,
  so concurrent readers see the old entry, the new one or nothing. I/O errors are
  swallowed (with at most one ``RuntimeWarning`` per cache instance).
* Size: a hit sets the entry's modification time, so the oldest are the least recently
  used. After a ``put`` the directory is scanned with a probability proportional to the
  bytes written (on average once per twentieth of the bound, with no shared counter to
  keep); a scan that finds more than the bound (``$SYMDIFF_CACHE_SIZE``, such as
  ``500M``, the default, or ``2G``) removes the least recently used entries down to 90%
  of it. Only files that read as symdiff entries are ever removed (``clear`` too).
* The numba backend's modules live in ``<directory>/numba`` with numba's own cache of
  them in its ``__pycache__`` (`runtime.native` writes them): `usage` and `clear` count
  and remove them too, a module with its numba files as one entry, and `trim_native`
  (after each new module) keeps them under the same bound, least recently written first.

Only cheap stdlib modules are imported so that importing this module stays fast.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
import warnings
from pathlib import Path

from symdiff.runtime import safedir
from symdiff.runtime.cachedir import default_directory

__all__ = ["DEFAULT_MAX_BYTES", "DiskCache", "cache_key", "parse_size"]

_FORMAT_VERSION = 2
_MAGIC = b"# symdiff-cache "
_HEADER_PREFIX = _MAGIC + f"{_FORMAT_VERSION} sha256=".encode("ascii")
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_KEY_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
_MAX_KEY_LEN = 128
_ENTRY_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                | getattr(os, "O_CLOEXEC", 0))
_NEW_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))
DEFAULT_MAX_BYTES = 500_000_000
_SCANS_PER_BOUND = 20  # expected scans while a bound's worth of bytes is written
_LOW_WATER = 0.9  # a scan over the bound evicts down to this fraction of it
_STALE_TEMP_SECONDS = 3600  # a temporary file this old was left by a crashed put
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def cache_key(*parts: str) -> str:
    """Return the sha256 hex digest of ``parts``, each length-prefixed (unambiguous)."""
    h = hashlib.sha256()
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"cache_key parts must be str, not {type(part).__name__}")
        data = part.encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()


def parse_size(text: str) -> int:
    """Bytes from ``"500M"``, ``"2G"``, ``"750k"``, ``"1048576"`` (decimal units, an
    optional ``B``); ``ValueError`` otherwise."""
    word = text.strip().lower().removesuffix("b").strip()
    number, unit = (word[:-1], word[-1]) if word[-1:].isalpha() else (word, "")
    try:
        value = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise ValueError(f"not a size: {text!r} (use bytes or a number with K, M or G, "
                         "such as 500M)") from None
    if not 0 <= value < float("inf"):
        raise ValueError(f"not a size: {text!r}")
    return int(value)


def _env_enabled() -> bool:
    value = os.environ.get("SYMDIFF_CACHE")
    return value is None or value.strip().lower() not in _FALSE_WORDS


def _env_directory() -> Path:
    return Path(default_directory())


def _env_max_bytes() -> int:
    value = os.environ.get("SYMDIFF_CACHE_SIZE")
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(value)
    except ValueError as exc:
        warnings.warn(f"symdiff: SYMDIFF_CACHE_SIZE: {exc}; using {DEFAULT_MAX_BYTES}",
                      RuntimeWarning, stacklevel=3)
        return DEFAULT_MAX_BYTES


def _check_key(key: str) -> None:
    if not _is_key(key):
        raise ValueError(f"invalid cache key {key!r}: use [A-Za-z0-9_-], at most 128 chars")


def _is_key(key: str) -> bool:
    return 0 < len(key) <= _MAX_KEY_LEN and _KEY_CHARS.issuperset(key)


class DiskCache:
    """A directory of verified source files keyed by ``cache_key`` digests."""

    enabled: bool
    directory: Path
    max_bytes: int

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, enabled: bool | None = None,
        max_bytes: int | None = None,
    ) -> None:
        """Use ``directory`` (default: from the environment); ``enabled=None`` reads
        ``SYMDIFF_CACHE`` and ``max_bytes=None`` reads ``SYMDIFF_CACHE_SIZE``."""
        self.directory = Path(directory) if directory is not None else _env_directory()
        self.enabled = (_env_enabled() if enabled is None else bool(enabled)) \
            and safedir.supported()
        self.max_bytes = _env_max_bytes() if max_bytes is None else max_bytes
        self._warned = False

    @classmethod
    def from_environment(cls) -> DiskCache:
        """A cache configured from the environment as it is now."""
        return cls()

    def __repr__(self) -> str:
        return f"DiskCache(directory={str(self.directory)!r}, enabled={self.enabled})"

    def path_for(self, key: str) -> Path:
        """The entry file for ``key``."""
        _check_key(key)
        return self.directory / f"{key}.py"

    def get(self, key: str) -> str | None:
        """Return the verified source stored under ``key``, or ``None``."""
        name = self.path_for(key).name
        folder = self._open(create=False)
        if folder is None:
            return None
        try:
            return _read_entry(folder, name, key)
        finally:
            os.close(folder)

    def put(self, key: str, source: str) -> None:
        """Store ``source`` under ``key`` atomically; I/O failures are not raised."""
        name = self.path_for(key).name
        if not self.enabled or self.max_bytes == 0:
            return
        try:
            data = _encode(key, source)
        except UnicodeEncodeError:
            return  # not representable as UTF-8: simply not cached
        folder = self._open(create=True)
        if folder is None:
            return
        try:
            _write_entry(folder, name, data)
            if _should_scan(len(data), self.max_bytes):
                _evict(folder, self.max_bytes)
        except OSError as exc:
            self._warn(f"symdiff: could not write cache entry {self.directory / name}: {exc}")
        finally:
            os.close(folder)

    def usage(self) -> tuple[int, int]:
        """The number of entries and their total size in bytes (0, 0 if there is no
        directory yet); raises `safedir.UnsafeDirectory` or `OSError`, for reporting."""
        folder = safedir.open_private(self.directory)
        if folder is None:
            return 0, 0
        try:
            found = [(size, name) for _, size, name in _scan(folder) if _is_entry(folder, name)]
        finally:
            os.close(folder)
        native = _native_groups(self.native_folder())
        return (len(found) + len(native),
                sum(size for size, _ in found) + sum(size for _, size, _ in native))

    def clear(self) -> tuple[int, int]:
        """Remove every entry (and temporary file) and return how many entries and bytes
        went; other files are left alone. Raises like `usage`."""
        folder = safedir.open_private(self.directory)
        if folder is None:
            return 0, 0
        removed = freed = 0
        try:
            for name in _temporaries(folder, older_than=None):
                _unlink(folder, name)
            for _, size, name in _scan(folder):
                if _is_entry(folder, name) and _unlink(folder, name):
                    removed, freed = removed + 1, freed + size
        finally:
            os.close(folder)
        for _, size, paths in _native_groups(self.native_folder()):
            _unlink_paths(paths)
            removed, freed = removed + 1, freed + size
        return removed, freed

    def native_folder(self) -> Path:
        """Where the numba backend's modules and numba's cache of them are."""
        return self.directory / NATIVE

    def trim_native(self) -> None:
        """Remove the numba backend's least recently written modules (with numba's files
        of them) while they take more than the bound; I/O errors are not raised."""
        groups = _native_groups(self.native_folder())
        total = sum(size for _, size, _ in groups)
        for _, size, paths in groups:
            if total <= self.max_bytes:
                break
            _unlink_paths(paths)
            total -= size

    def _open(self, *, create: bool) -> int | None:
        """A descriptor of the checked directory, or ``None`` (not there yet, refused or
        unreadable). Checked on every call, so a directory removed or re-permissioned
        while the process runs is noticed; a refusal is final."""
        if not self.enabled:
            return None
        try:
            return safedir.open_private(self.directory, create=create)
        except safedir.UnsafeDirectory as exc:
            self.enabled = False
            self._warn(f"symdiff: not using cache directory {self.directory}: {exc} (set "
                       "SYMDIFF_CACHE_DIR to a directory only you can write, or "
                       "SYMDIFF_CACHE=0)")
        except OSError as exc:
            self._warn(f"symdiff: cannot use cache directory {self.directory}: {exc}")
        return None

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(message, RuntimeWarning, stacklevel=3)


NATIVE = "numba"  # the numba backend's folder in the cache directory
NATIVE_PREFIX = "symdiff_numba_"  # how its modules (and numba's files of them) are named


def _native_groups(root: Path) -> list[tuple[int, int, list[Path]]]:
    """The numba backend's modules in `root`, each with numba's cache files of it:
    ``(last written ns, bytes, paths)``, least recently written first. Only files named
    as symdiff names them are listed."""
    groups: dict[str, tuple[int, int, list[Path]]] = {}
    for folder in (root, root / "__pycache__"):
        try:
            items = list(os.scandir(folder))
        except OSError:
            continue
        for item in items:
            if not item.name.startswith(NATIVE_PREFIX):
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            stem = item.name.split(".")[0]  # module.function-line.py311.nbi -> module
            when, size, paths = groups.get(stem, (0, 0, []))
            groups[stem] = (max(when, st.st_mtime_ns), size + st.st_size,
                            [*paths, Path(item.path)])
    return sorted(groups.values(), key=lambda g: g[0])


def _unlink_paths(paths: list[Path]) -> None:
    """Remove each of `paths` that can be removed (one numba-backend module's files)."""
    for path in paths:
        try:
            path.unlink()
        except OSError:
            continue


def _read_entry(folder: int, name: str, key: str) -> str | None:
    """The verified body of entry `name`; a bad entry is removed, a special file left."""
    try:
        fd = os.open(name, _ENTRY_FLAGS, dir_fd=folder)
    except OSError:
        return None
    try:
        data = _read_ours(fd)
        source = None if data is None else _decode(key, data)
        if source is not None:
            _touch(fd)
    finally:
        os.close(fd)
    if data is not None and source is None:
        _unlink(folder, name)
    return source


def _read_ours(fd: int) -> bytes | None:
    """The content of `fd` if it is a regular file of ours (not a FIFO, not planted)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None


def _touch(fd: int) -> None:
    """Mark the entry used now: the least recently used entries are evicted first."""
    try:
        os.utime(fd)
    except OSError:
        pass  # a read-only cache still serves hits


def _write_entry(folder: int, name: str, data: bytes) -> None:
    temp = f".{name[:-3]}.{os.urandom(6).hex()}.tmp"
    fd = os.open(temp, _NEW_FLAGS, 0o600, dir_fd=folder)
    try:
        try:
            view = memoryview(data)
            while view:
                # No fsync: a torn write after a crash fails the hash check, a miss.
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        _unlink(folder, temp)
        raise


def _should_scan(written: int, max_bytes: int) -> bool:
    """True with probability ``written / (max_bytes / _SCANS_PER_BOUND)``: scans stay
    rare, and no process's few puts can grow the directory far past the bound unseen."""
    return _chance() < written * _SCANS_PER_BOUND / max_bytes


def _chance() -> float:
    """A uniform draw from [0, 1) (`random` is not imported for one number)."""
    return int.from_bytes(os.urandom(4), "big") / 2**32


def _evict(folder: int, max_bytes: int) -> None:
    for name in _temporaries(folder, older_than=time.time() - _STALE_TEMP_SECONDS):
        _unlink(folder, name)
    found = sorted(_scan(folder))
    total = sum(size for _, size, _ in found)
    if total <= max_bytes:
        return
    for _, size, name in found:  # least recently used first
        if total <= max_bytes * _LOW_WATER:
            break
        if not _is_entry(folder, name):
            total -= size  # not ours: neither counted nor removed
        elif _unlink(folder, name):
            total -= size


def _scan(folder: int) -> list[tuple[int, int, str]]:
    """``(mtime_ns, size, name)`` of each regular file named like an entry."""
    found = []
    with os.scandir(folder) as it:
        for item in it:
            if item.name.endswith(".py") and _is_key(item.name[:-3]):
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    found.append((st.st_mtime_ns, st.st_size, item.name))
    return found


def _temporaries(folder: int, older_than: float | None) -> list[str]:
    """Temporary files of ``put`` (older than a time, if given)."""
    names = []
    with os.scandir(folder) as it:
        for item in it:
            if item.name.startswith(".") and item.name.endswith(".tmp"):
                try:
                    if older_than is None or item.stat(follow_symlinks=False).st_mtime < \
                            older_than:
                        names.append(item.name)
                except OSError:
                    continue
    return names


def _is_entry(folder: int, name: str) -> bool:
    """Whether `name` is a regular file that starts like a symdiff entry (any version)."""
    try:
        fd = os.open(name, _ENTRY_FLAGS, dir_fd=folder)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, len(_MAGIC)) == _MAGIC
    except OSError:
        return False
    finally:
        os.close(fd)


def _unlink(folder: int, name: str) -> bool:
    try:
        os.unlink(name, dir_fd=folder)
    except OSError:
        return False
    return True


def _encode(key: str, source: str) -> bytes:
    payload = b"# key " + key.encode("ascii") + b"\n" + source.encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    return _HEADER_PREFIX + digest + b"\n" + payload


def _decode(key: str, data: bytes) -> str | None:
    header, newline, payload = data.partition(b"\n")
    if not newline or not header.startswith(_HEADER_PREFIX):
        return None
    if header[len(_HEADER_PREFIX):] != hashlib.sha256(payload).hexdigest().encode("ascii"):
        return None
    bound, newline, body = payload.partition(b"\n")
    if not newline or bound != b"# key " + key.encode("ascii"):
        return None  # an intact entry of another key: renamed or copied here
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
