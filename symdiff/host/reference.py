"""Naming a user's function: by ``module.qualname`` for people (`qualified_name`), and
by reference for pickle, as pickle itself does, through decorators (`by_reference`);
a wrapper of it takes its name and docstring (`wrap_metadata`).

Contract: `by_reference(fn)` returns what a derivative object pickles in place of the
user's function `fn`. When `fn`'s module (already imported) holds, under `fn`'s
qualified name, `fn` itself or an object whose ``__wrapped__`` chain reaches `fn` (the
derivative that ``@grad`` left in the function's place), it is a `Reference`, which
unpickles by importing the module, looking the name up and following ``__wrapped__``
as many times again. Otherwise it is `fn` unchanged, for pickle's own handling (a
builtin by name; a lambda or a local function raises pickle's usual error). So a
derivative pickles when its function is importable under its name in the process that
unpickles it, as for any function passed to a process pool.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Reference", "by_reference", "qualified_name", "resolve", "wrap_metadata"]

_MAX_WRAPPERS = 16


@dataclass(frozen=True)
class Reference:
    """A function named by module and qualified name, behind `depth` wrappers."""

    module: str
    qualname: str
    depth: int

    def __reduce__(self) -> tuple[Any, tuple[str, str, int]]:
        return resolve, (self.module, self.qualname, self.depth)


def by_reference(fn: Any) -> Any:
    """A `Reference` to `fn` when its module finds it by name, else `fn` itself."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module not in sys.modules:
        return fn
    found = _lookup(sys.modules[module], qualname)
    for depth in range(_MAX_WRAPPERS):
        if found is fn:
            return Reference(module, qualname, depth)
        found = getattr(found, "__wrapped__", None)
        if found is None:
            break
    return fn


def resolve(module: str, qualname: str, depth: int) -> Any:
    """The function a `Reference` names (what unpickling it gives)."""
    found = _lookup(importlib.import_module(module), qualname)
    if found is None:
        raise AttributeError(f"cannot unpickle a symdiff derivative: {module} has no "
                             f"{qualname!r} (the function must be importable by its name)")
    for _ in range(depth):
        found = found.__wrapped__
    return found


def qualified_name(fn: Any) -> str:
    """``module.qualname`` of a function (its repr when it has no name)."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if not isinstance(name, str):
        return repr(fn)
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if isinstance(module, str) else name


def _lookup(obj: Any, qualname: str) -> Any:
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def wrap_metadata(obj: Any, fn: Callable[..., Any]) -> None:
    """Give `obj` the name, qualified name, module, docstring and ``__wrapped__`` of `fn`.

    Unlike `functools.update_wrapper`'s default, nothing of `fn`'s ``__dict__`` is
    copied: when `fn` is itself a derivative or a custom rule, its state (its function,
    its transform) must not overwrite the wrapper's own."""
    functools.update_wrapper(obj, fn, updated=())
