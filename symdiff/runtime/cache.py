"""On-disk cache of generated source text.

Contract:

* Location: ``$SYMDIFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/symdiff``, else
  ``~/.cache/symdiff``. ``SYMDIFF_CACHE`` set to ``0``/``false``/``no``/``off`` disables
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

Only cheap stdlib modules are imported so that importing this module stays fast.
"""

from __future__ import annotations

import hashlib
import os
import stat
import warnings
from pathlib import Path

from symdiff.runtime import safedir

__all__ = ["DiskCache", "cache_key"]

_FORMAT_VERSION = 2
_HEADER_PREFIX = f"# symdiff-cache {_FORMAT_VERSION} sha256=".encode("ascii")
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_KEY_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
_MAX_KEY_LEN = 128
_ENTRY_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                | getattr(os, "O_CLOEXEC", 0))
_NEW_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))


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


def _env_enabled() -> bool:
    value = os.environ.get("SYMDIFF_CACHE")
    return value is None or value.strip().lower() not in _FALSE_WORDS


def _env_directory() -> Path:
    explicit = os.environ.get("SYMDIFF_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec says relative values are invalid and must be ignored.
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "symdiff"
    return Path.home() / ".cache" / "symdiff"


def _check_key(key: str) -> None:
    if not (0 < len(key) <= _MAX_KEY_LEN and _KEY_CHARS.issuperset(key)):
        raise ValueError(f"invalid cache key {key!r}: use [A-Za-z0-9_-], at most 128 chars")


class DiskCache:
    """A directory of verified source files keyed by ``cache_key`` digests."""

    enabled: bool
    directory: Path

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, enabled: bool | None = None
    ) -> None:
        """Use ``directory`` (default: from the environment); ``enabled=None`` reads
        ``SYMDIFF_CACHE``."""
        self.directory = Path(directory) if directory is not None else _env_directory()
        self.enabled = (_env_enabled() if enabled is None else bool(enabled)) \
            and safedir.supported()
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
        if not self.enabled:
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
        except OSError as exc:
            self._warn(f"symdiff: could not write cache entry {self.directory / name}: {exc}")
        finally:
            os.close(folder)

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


def _read_entry(folder: int, name: str, key: str) -> str | None:
    """The verified body of entry `name`; a bad entry is removed, a special file left."""
    try:
        fd = os.open(name, _ENTRY_FLAGS, dir_fd=folder)
    except OSError:
        return None
    try:
        data = _read_ours(fd)
        source = None if data is None else _decode(key, data)
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
