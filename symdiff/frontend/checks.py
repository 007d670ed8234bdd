"""Lowering of the user's checks: ``assert cond, msg`` and ``if cond: raise E(msg)``.

Contract: `lower_assert` and `lower_raise_if` add an `ir.checks` effect to the frame:
it runs in every derivative where the user's code runs it, in the user's order among
the operations that may raise, and raises the user's exception with the user's
message. A condition known while compiling to pass adds nothing. The exception is a
builtin one (``ValueError``, ``AssertionError``...), raised as a class or a call with
one string literal or none; any other raise is a located error.
"""

from __future__ import annotations

import ast
import builtins

from symdiff.frontend.frame import Frame
from symdiff.frontend.values import Text
from symdiff.ir.checks import ASSERT, RAISE_IF

RAISE_FORM = "a raise is supported as the whole body of an if without else " \
             "(`if cond: raise ValueError(\"msg\")`)"


def is_raise_if(stmt: ast.If) -> bool:
    """Whether `stmt` is ``if cond: raise ...`` with nothing else."""
    return len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Raise) and not stmt.orelse


def lower_assert(frame: Frame, stmt: ast.Assert) -> None:
    """``assert cond, msg``."""
    message = None if stmt.msg is None else _message(frame, stmt.msg)
    cond = frame.number(frame.expr(stmt.test), stmt.test)
    if cond.is_const and cond.value:
        return
    frame.b.apply(ASSERT.name, cond, attrs=("AssertionError", message))


def lower_raise_if(frame: Frame, stmt: ast.If) -> None:
    """``if cond: raise E(msg)``."""
    raise_ = stmt.body[0]
    assert isinstance(raise_, ast.Raise)
    name, message = _exception(frame, raise_)
    cond = frame.number(frame.expr(stmt.test), stmt.test)
    if cond.is_const and not cond.value:
        return
    frame.b.apply(RAISE_IF.name, cond, attrs=(name, message))


def _exception(frame: Frame, stmt: ast.Raise) -> tuple[str, str | None]:
    """The builtin exception `stmt` raises and its message."""
    exc = stmt.exc
    if exc is None or stmt.cause is not None:
        raise frame.src.error("unsupported raise: raise a builtin exception, as in "
                              "`raise ValueError(\"msg\")`", stmt)
    call = exc if isinstance(exc, ast.Call) else None
    func = call.func if call is not None else exc
    if call is not None and (call.keywords or len(call.args) > 1):
        raise frame.src.error("unsupported raise: the exception may take one string "
                              "literal as its message", exc)
    kind = getattr(builtins, func.id, None) if isinstance(func, ast.Name) else None
    if not (isinstance(kind, type) and issubclass(kind, Exception)) or _shadowed(frame, func):
        raise frame.src.error("unsupported raise: only builtin exceptions (ValueError, "
                              "TypeError, AssertionError...) can be raised here", func)
    message = _message(frame, call.args[0]) if call is not None and call.args else None
    assert isinstance(func, ast.Name)  # (`kind` is a builtin's)
    return func.id, message


def _shadowed(frame: Frame, func: ast.expr) -> bool:
    """Whether the builtin name `func` means something else here."""
    assert isinstance(func, ast.Name)
    return frame.visible(func.id) is not None or func.id in getattr(frame.fn, "__globals__", {})


def _message(frame: Frame, e: ast.expr) -> str:
    value = frame.expr(e)
    if not isinstance(value, Text):
        raise frame.src.error("unsupported message: only a string literal", e)
    return value.value
