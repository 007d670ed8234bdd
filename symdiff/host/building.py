"""The lock every build of a derivative holds.

Contract: `building()` is a reentrant context manager (building recurses through callees
and inner transforms). While a thread is inside it, no other thread reads source,
lowers, generates, compiles or links code, nor updates a dispatch table: CPython's
``ast`` conversions and ``compile`` are not safe to interleave. The cyclic garbage
collector is paused from the outermost entry to its exit (where it was running): a
build makes millions of objects that live until it ends, and each full collection would
walk them all again (cycles a build leaves are collected after it). It leaves the
recursion limit alone: no pass recurses once per arm of an elif chain or per term of a
sum, and input nested deeper than the passes can follow is a located error.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["building"]

_lock = threading.RLock()
_depth = 0  # how many `building()` the thread holding the lock is inside; under `_lock`


@contextmanager
def building() -> Iterator[None]:
    """Hold the build lock, the garbage collector paused."""
    global _depth
    with _lock:
        paused = _depth == 0 and gc.isenabled()
        if paused:
            gc.disable()
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if paused:
                gc.enable()
