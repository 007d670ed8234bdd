"""The lock every build of a derivative holds.

Contract: `building()` is a reentrant context manager (building recurses through callees
and inner transforms). While a thread is inside it, no other thread reads source,
lowers, generates, compiles or links code, nor updates a dispatch table: CPython's
``ast`` conversions and ``compile`` are not safe to interleave. It leaves the recursion
limit alone: no pass recurses once per arm of an elif chain or per term of a sum, and
input nested deeper than the passes can follow is a located error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["building"]

_lock = threading.RLock()


@contextmanager
def building() -> Iterator[None]:
    """Hold the build lock."""
    with _lock:
        yield
