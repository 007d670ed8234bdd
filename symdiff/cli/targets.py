"""Find the functions a command names: ``path/to/file.py:function`` or ``module:function``,
the one way every subcommand names a function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.standalone.loading import load_module

# How `--help` describes a target.
TARGET_HELP = "path/to/file.py:function or package.module:function"


def split_target(target: str) -> tuple[str, str | None]:
    """``(module, function)`` from ``module:function``; ``(module, None)`` for a bare
    module or file (a drive letter's colon, ``C:\\x.py``, is part of the path)."""
    module, sep, attr = target.rpartition(":")
    if not sep or not attr or not all(p.isidentifier() for p in attr.split(".")):
        return target, None
    if not module:
        raise SymdiffError(f"expected {TARGET_HELP}, got {target!r}")
    return module, attr


def load_function(target: str) -> Callable[..., Any]:
    """The function named by ``module:function`` (a dotted attribute path is allowed)."""
    module_spec, attr = split_target(target)
    if attr is None:
        raise SymdiffError(f"expected {TARGET_HELP}, got {target!r}")
    obj: Any = load_module(module_spec)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise SymdiffError(f"{module_spec} has no function {attr!r}") from None
    if not callable(obj):
        raise SymdiffError(f"{target} is not a function")
    return obj  # type: ignore[no-any-return]
