"""Find the functions a command names: ``module:function`` or ``path/to/file.py:function``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.standalone.loading import load_module


def load_function(target: str) -> Callable[..., Any]:
    """The function named by ``module:function`` (a dotted attribute path is allowed)."""
    module_spec, sep, attr = target.rpartition(":")
    if not sep or not module_spec or not attr:
        raise SymdiffError(f"expected module:function, got {target!r}")
    obj: Any = load_module(module_spec)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise SymdiffError(f"{module_spec} has no function {attr!r}") from None
    if not callable(obj):
        raise SymdiffError(f"{target} is not a function")
    return obj  # type: ignore[no-any-return]
