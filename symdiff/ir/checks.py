"""The user's own checks: ``assert cond, msg`` and ``if cond: raise E(msg)``.

Contract: `ASSERT` (raises when its argument is false) and `RAISE_IF` (raises when it is
true) have the attributes ``(exception name, message or None)``; they are effects:
they run for their error only, in the user's order among the operations that may
raise, in every derivative, and are emitted as the statement the user wrote (``assert
cond, msg``; ``if cond: raise E(msg)``). Their value is never read. The reference
interpreter raises `AssertionError` or `CheckFailed` without the user's message (the
attributes are the emitted code's business).
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.primitive import Primitive


class CheckFailed(Exception):
    """The reference interpreter's error for a ``raise`` the user's code reaches."""


def _assert(cond: Any) -> None:
    if not cond:
        raise AssertionError("an assert of the function failed")


def _raise_if(cond: Any) -> None:
    if cond:
        raise CheckFailed("the function raised")


def _error(attrs: tuple[Any, ...]) -> list[ast.expr]:
    return [] if attrs[1] is None else [ast.Constant(attrs[1])]


def _emit_assert(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    """``assert cond, msg``."""
    return ast.Assert(args[0], None if attrs[1] is None else ast.Constant(attrs[1]))


def _emit_raise_if(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    """``if cond: raise E(msg)``."""
    error = ast.Call(ast.Name(attrs[0], ast.Load()), _error(attrs), [])
    return ast.If(args[0], [ast.Raise(error, None)], [])


ASSERT = Primitive("assert", 1, _assert, _emit_assert, differentiable=False)
RAISE_IF = Primitive("raise_if", 1, _raise_if, _emit_raise_if, differentiable=False)

RECORDS: tuple[Primitive, ...] = (ASSERT, RAISE_IF)
