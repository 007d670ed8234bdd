"""Open a directory that only this user (and root) can change, for files we execute.

Contract: `open_private(path, create)` returns a file descriptor of the directory
`path` names. Symbolic links in `path` are resolved once, up front; the resolved path
is then opened one component at a time from ``/``, each with ``O_NOFOLLOW`` relative to
its parent's descriptor, and checked with ``fstat``, so the directory checked is the
directory used even if someone renames things meanwhile. Each ancestor must be owned by
root or the current user and be writable by no one else unless it is sticky (as
``/tmp`` is: others cannot rename what is ours there); the directory itself must be
owned by the current user and writable by no one else. Otherwise `UnsafeDirectory`
names the component and the reason. Returns ``None`` when the directory does not exist
and `create` is false; with `create` missing components are made, mode 0o700. Other
I/O errors are raised as `OSError`. POSIX only (see `supported`).
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["UnsafeDirectory", "open_private", "supported"]

_DIR_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


class UnsafeDirectory(Exception):
    """A directory, or one of its ancestors, that another user could change."""


def supported() -> bool:
    """Whether this system can open directories relative to a descriptor (POSIX)."""
    return os.name == "posix" and os.open in os.supports_dir_fd


def open_private(path: str | os.PathLike[str], create: bool = False) -> int | None:
    """A descriptor of the private directory `path` (see the module doc); the caller
    closes it."""
    parts = [p for p in os.path.realpath(path).split(os.sep) if p]
    where = os.sep
    fd = os.open(where, _DIR_FLAGS)
    try:
        _check(fd, where, final=not parts)
        for i, name in enumerate(parts):
            where = os.path.join(where, name)
            child = _open_child(fd, name, where, create)
            os.close(fd)
            fd = child
            if fd < 0:
                return None
            _check(fd, where, final=i == len(parts) - 1)
        opened, fd = fd, -1
        return opened
    finally:
        if fd >= 0:
            os.close(fd)


def _open_child(parent: int, name: str, where: str, create: bool) -> int:
    """The descriptor of `name` in `parent`, -1 if missing (made first if `create`)."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        if not create:
            return -1
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeDirectory(f"{where} is {_kind(parent, name)}") from None
        raise
    try:
        os.mkdir(name, 0o700, dir_fd=parent)
    except FileExistsError:
        pass  # made meanwhile: checked like any other
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    if os.fstat(fd).st_uid == os.getuid():
        os.fchmod(fd, 0o700)  # mkdir's mode went through the umask
    return fd


def _kind(parent: int, name: str) -> str:
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError:
        return "not a directory"
    return "a symbolic link (swapped in after it was resolved)" if stat.S_ISLNK(mode) \
        else "not a directory"


def _check(fd: int, where: str, *, final: bool) -> None:
    st = os.fstat(fd)
    uid = os.getuid()
    if st.st_uid != uid and (final or st.st_uid != 0):
        raise UnsafeDirectory(f"{where} is owned by another user")
    if st.st_mode & _OTHERS_WRITE and (final or not st.st_mode & stat.S_ISVTX):
        raise UnsafeDirectory(f"{where} is writable by other users")
