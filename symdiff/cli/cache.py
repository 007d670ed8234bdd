"""``symdiff cache info|clear``: the disk cache of generated derivatives (see
`symdiff.runtime.cache`)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from symdiff.cli.options import examples
from symdiff.errors import SymdiffError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cache", help="show or clear the disk cache of generated derivatives",
        description="The disk cache: $SYMDIFF_CACHE_DIR, else the platform's cache folder "
                    "(~/.cache/symdiff or $XDG_CACHE_HOME/symdiff on Linux, "
                    "~/Library/Caches/symdiff on macOS, %LOCALAPPDATA%\\symdiff\\Cache on "
                    "Windows), bounded by $SYMDIFF_CACHE_SIZE (default 500M); "
                    "SYMDIFF_CACHE=0 turns it off.",
        **examples(
            "symdiff cache info",
            "symdiff cache clear",
            "SYMDIFF_CACHE_DIR=~/scratch/symdiff symdiff cache info"))
    parser.add_argument("action", choices=("info", "clear"),
                        help="info: location, entries, size and bound; clear: remove the "
                             "entries (other files are left alone)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symdiff.runtime.cache import DiskCache
    from symdiff.runtime.safedir import UnsafeDirectory, supported

    if not supported():
        raise SymdiffError("the disk cache needs POSIX (os.open with dir_fd); it is off here")
    cache = DiskCache.from_environment()
    try:
        if args.action == "clear":
            removed, freed = cache.clear()
            print(f"removed {removed} entries ({_size(freed)}) from {cache.directory}")
            return 0
        entries, size = cache.usage()
    except (UnsafeDirectory, OSError) as exc:
        raise SymdiffError(f"{cache.directory}: {exc}") from None
    bound = _size(cache.max_bytes)
    if os.environ.get("SYMDIFF_CACHE_SIZE"):
        bound += " (SYMDIFF_CACHE_SIZE)"
    print(f"location: {cache.directory}"
          + ("" if cache.directory.is_dir() else " (not created yet)"))
    print(f"status: {'on' if cache.enabled else 'off (SYMDIFF_CACHE=0)'}")
    print(f"entries: {entries}")
    print(f"size: {_size(size)}")
    print(f"bound: {bound}")
    return 0


def _size(n: int) -> str:
    """Bytes in decimal units, as ``SYMDIFF_CACHE_SIZE`` reads them."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
