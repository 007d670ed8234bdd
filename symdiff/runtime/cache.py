"""On-disk cache of generated source text.

Contract:

* Location: ``$SYMDIFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/symdiff``, else
  ``~/.cache/symdiff``. ``SYMDIFF_CACHE`` set to ``0``/``false``/``no``/``off`` disables
  the cache: ``get`` returns ``None``, ``put`` does nothing, nothing is created.
* The directory is created lazily by the first ``put`` with mode 0o700. A directory that
  is not owned by the current user or is group/world-writable is refused (the cache is
  disabled and a ``RuntimeWarning`` is issued once): its entries could be planted code.
* One file per key, ``<key>.py``: a header line ``# symdiff-cache 1 sha256=<hex>``
  followed by the body. ``get`` verifies the header and the body's hash and returns
  ``None`` on any problem; it never raises for I/O or content errors.
* ``put`` writes a 0o600 temporary file in the same directory and ``os.replace``-s it
  onto the entry, so concurrent readers see the old entry, the new one or nothing. I/O
  errors are swallowed (with at most one ``RuntimeWarning`` per cache instance).

Only cheap stdlib modules are imported so that importing this module stays fast.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import warnings
from pathlib import Path

__all__ = ["DiskCache", "cache_key"]

_FORMAT_VERSION = 1
_HEADER_PREFIX = f"# symdiff-cache {_FORMAT_VERSION} sha256=".encode("ascii")
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_KEY_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
_MAX_KEY_LEN = 128


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
        self.enabled = _env_enabled() if enabled is None else bool(enabled)
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
        path = self.path_for(key)
        if not self._usable(create=False):
            return None
        try:
            with open(path, "rb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    return None
                data = f.read()
        except (OSError, ValueError):
            return None
        source = _decode(data)
        if source is None:
            try:
                path.unlink()
            except OSError:
                pass
        return source

    def put(self, key: str, source: str) -> None:
        """Store ``source`` under ``key`` atomically; I/O failures are not raised."""
        path = self.path_for(key)
        if not self.enabled:
            return
        try:
            data = _encode(source)
        except UnicodeEncodeError:
            return  # not representable as UTF-8: simply not cached
        if not self._usable(create=True):
            return
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "wb") as f:
                # No fsync: a torn write after a crash fails the hash check and reads as a miss.
                f.write(data)
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            self._warn(f"symdiff: could not write cache entry {path}: {exc}")
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _usable(self, *, create: bool) -> bool:
        """Whether the directory exists (creating it if asked) and is safe to use.

        Checked on every call (one ``stat``) so a directory removed or re-permissioned
        while the process runs is noticed; a refusal is final.
        """
        if not self.enabled:
            return False
        if create:
            try:
                self.directory.parent.mkdir(parents=True, exist_ok=True)
                os.mkdir(self.directory, 0o700)
                os.chmod(self.directory, 0o700)  # mkdir's mode is filtered by the umask
            except FileExistsError:
                pass
            except OSError as exc:
                self._warn(f"symdiff: cannot create cache directory {self.directory}: {exc}")
                return False
        try:
            st = os.stat(self.directory)
        except FileNotFoundError:
            return False  # not created yet
        except OSError as exc:
            self._warn(f"symdiff: cannot access cache directory {self.directory}: {exc}")
            return False
        if not stat.S_ISDIR(st.st_mode):
            return self._refuse("it is not a directory")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return self._refuse("it is not owned by the current user")
        if os.name == "posix" and st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return self._refuse("it is group- or world-writable")
        return True

    def _refuse(self, reason: str) -> bool:
        self.enabled = False
        self._warn(f"symdiff: not using cache directory {self.directory}: {reason}")
        return False

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(message, RuntimeWarning, stacklevel=2)


def _encode(source: str) -> bytes:
    body = source.encode("utf-8")
    digest = hashlib.sha256(body).hexdigest().encode("ascii")
    return _HEADER_PREFIX + digest + b"\n" + body


def _decode(data: bytes) -> str | None:
    header, newline, body = data.partition(b"\n")
    if not newline or not header.startswith(_HEADER_PREFIX):
        return None
    digest = header[len(_HEADER_PREFIX) :]
    if digest != hashlib.sha256(body).hexdigest().encode("ascii"):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
