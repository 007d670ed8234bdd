"""Bounded memoisation of what symdiff computes from a user function, and its caches.

Contract: a `Memo` maps (function, key) to a value stamped with what it was computed
against (a `freshness.Stamp`, or None for a value that depends on nothing else).
The caches of what is built from a user function are all made here, each with its
bound (`caches()` lists them): `RECORDS`, each build's module and what it was built
against, and `LINKED`, each linked derivative (both per function and spec, used by
`runtime.builds`), `LIST_PARAMETERS`, the parameters a function uses as lists
(`frontend.callees`: the lowering and the dispatcher ask for the same function's), and
`FIXED_ARITY`, a function with ``*args`` as one of n parameters (`api.variadic`: a
value that reaches the function through its module's globals, or holds a local one).

- It holds the function weakly: when the function is collected its values go too.
  Values must not hold the function themselves (a value that does would keep it alive
  until evicted).
- It holds at most `bound` functions; the least recently used goes first.
- `get` returns None for a value whose stamp is no longer fresh, and drops it.
- Functions that cannot be weakly referenced (builtins) are held strongly, within the
  same bound.

It is safe to use from several threads at once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from symdiff.host.freshness import Stamp

__all__ = ["FIXED_ARITY", "LINKED", "LIST_PARAMETERS", "RECORDS", "Memo", "caches"]

V = TypeVar("V")


class Memo(Generic[V]):
    """Values per (function, key), weakly keyed by the function, at most `bound`
    functions."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        # id(function) -> (a reference to it, {key: (stamp, value)}), oldest use first.
        self._slots: dict[int, tuple[Callable[[], Any], dict[Hashable, tuple[Any, V]]]] = {}
        # Reentrant: a collection while it is held may drop a slot from this thread.
        self._lock = threading.RLock()

    def __len__(self) -> int:
        """How many functions have values."""
        return len(self._slots)

    def __contains__(self, fn: Any) -> bool:
        slot = self._slots.get(id(fn))
        return slot is not None and slot[0]() is fn

    def get(self, fn: Any, key: Hashable) -> V | None:
        """The value for (`fn`, `key`) if there is one and its stamp is fresh."""
        with self._lock:
            slot = self._slots.get(id(fn))
            if slot is None or slot[0]() is not fn:
                return None
            entry = slot[1].get(key)
            if entry is None:
                return None
            stamp, value = entry
            if stamp is not None and not stamp.fresh():
                del slot[1][key]
                return None
            if next(reversed(self._slots)) != id(fn):  # most recently used last
                self._slots[id(fn)] = self._slots.pop(id(fn))
            return value

    def put(self, fn: Any, key: Hashable, value: V, stamp: Stamp | None = None) -> None:
        """Keep `value` for (`fn`, `key`) while `stamp` is fresh."""
        with self._lock:
            slot = self._slots.pop(id(fn), None)
            if slot is None or slot[0]() is not fn:
                slot = (self._reference(fn), {})
            slot[1][key] = (stamp, value)
            self._slots[id(fn)] = slot
            while len(self._slots) > self.bound:
                self._slots.pop(next(iter(self._slots)), None)

    def _reference(self, fn: Any) -> Callable[[], Any]:
        key = id(fn)

        def forget(ref: weakref.ref[Any]) -> None:
            with self._lock:
                slot = self._slots.get(key)
                if slot is not None and slot[0] is ref:
                    del self._slots[key]

        try:
            return weakref.ref(fn, forget)
        except TypeError:  # a builtin: held until evicted
            return lambda: fn


# The caches (see the module docstring): nothing else memoises what is built from a
# user function. (The values of the first two are `runtime.builds`' records and linked
# functions: named there, which builds on this module.)
RECORDS: Memo[Any] = Memo(bound=512)
LINKED: Memo[Any] = Memo(bound=256)
LIST_PARAMETERS: Memo[frozenset[str]] = Memo(bound=1024)
FIXED_ARITY: Memo[Any] = Memo(bound=256)


def caches() -> dict[str, Memo[Any]]:
    """Every cache made here, by name."""
    return {"records": RECORDS, "linked": LINKED, "list parameters": LIST_PARAMETERS,
            "fixed arity": FIXED_ARITY}
