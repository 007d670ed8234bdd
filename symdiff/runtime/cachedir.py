"""Where the disk cache lives by default: the platform's own folder for a user's caches.

Contract: `default_directory(platform, environ, home)` is a pure function of its
arguments (the running system's by default), the same folder ``platformdirs`` gives
for an application "symdiff" with no author, without depending on it:

* ``$SYMDIFF_CACHE_DIR`` when set, on every system;
* Linux and other Unix: ``$XDG_CACHE_HOME/symdiff`` when that is an absolute path (the
  XDG spec says to ignore a relative one), else ``~/.cache/symdiff``;
* macOS: ``$XDG_CACHE_HOME/symdiff`` likewise, else ``~/Library/Caches/symdiff``;
* Windows: ``%LOCALAPPDATA%\\symdiff\\Cache``, else ``~\\AppData\\Local\\symdiff\\Cache``.

The result is a string in the platform's path syntax (so it can be computed, and
tested, for any platform on any other). Whether the folder is safe to use is
`symdiff.runtime.safedir`'s question, asked on every use.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import sys
from collections.abc import Mapping

__all__ = ["default_directory"]

APP = "symdiff"


def default_directory(platform: str | None = None, environ: Mapping[str, str] | None = None,
                      home: str | None = None) -> str:
    """The cache folder for `platform` (``sys.platform`` values), given the environment
    and home folder (the process's own by default)."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    explicit = environ.get("SYMDIFF_CACHE_DIR")
    if explicit:
        return os.path.expanduser(explicit)
    home = os.path.expanduser("~") if home is None else home
    if platform == "win32":
        local = environ.get("LOCALAPPDATA", "").strip()
        if not local or not ntpath.isabs(local):
            local = ntpath.join(home, "AppData", "Local")
        return ntpath.join(local, APP, "Cache")
    xdg = environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and posixpath.isabs(xdg):
        return posixpath.join(xdg, APP)
    if platform == "darwin":
        return posixpath.join(home, "Library", "Caches", APP)
    return posixpath.join(home, ".cache", APP)
