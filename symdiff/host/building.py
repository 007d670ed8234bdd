"""The lock every build of a derivative holds.

Contract: `building()` is a reentrant context manager (building recurses through callees
and inner transforms). While a thread is inside it, no other thread reads source,
lowers, generates, compiles or links code, nor updates a dispatch table: CPython's
``ast`` conversions and ``compile`` are not safe to interleave. Inside it, the recursion
limit is at least `RECURSION_LIMIT`; the outermost exit restores the limit it found, so
no build ever leaves ``sys.getrecursionlimit()`` changed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RECURSION_LIMIT", "building"]

# Lowering, transforms and emission recurse once per nesting level of the user's code
# (an elif chain nests one if per arm); Python itself compiles 1000-arm chains.
RECURSION_LIMIT = 20000

_lock = threading.RLock()
_depth = 0  # how deeply the thread holding the lock has entered it
_saved: int | None = None  # the limit the outermost entry raised, to restore


@contextmanager
def building() -> Iterator[None]:
    """Hold the build lock, with the recursion limit raised while it is held."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            limit = sys.getrecursionlimit()
            _saved = limit if limit < RECURSION_LIMIT else None
            if _saved is not None:
                sys.setrecursionlimit(RECURSION_LIMIT)
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                sys.setrecursionlimit(_saved)
