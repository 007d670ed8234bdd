"""Calls used as statements: what they change is their effect.

Contract: `lower(frame, stmt)` lowers an expression statement that is a call whose
value is discarded and whose effect is to change a list or an array in place:
``xs.append(v)`` and ``xs.extend(ys)`` of a list (`sequences`); ``out.fill(v)``,
``np.copyto(out, v)`` and ``out.sort()`` of an array the function made, lowered as
``out[...] = v`` (and ``out[...] = np.sort(out)``) so they meet the rules of assigning
into it (`np_indexing`); ``np.add.at(out, key, v)``. A call of a function of the user's
is inlined for its checks (``validate(x)``), its value (None too) dropped. Any other
expression statement is a located error: its value would be lost, and a call for its
effect on anything else (``print``, a method of an object) has no meaning in the
derivative.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from symdiff.frontend import (
    calls,
    instances,
    names,
    np_indexing,
    np_signatures,
    objects,
    sequences,
)
from symdiff.frontend.array_like import array_like
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_sorting import along
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import is_array, is_inlined, is_sequence


def lower(low: Frame, stmt: ast.Expr) -> None:
    """The expression statement `stmt`."""
    e = stmt.value
    if isinstance(e, ast.Call):
        if sequences.is_append(e):
            sequences.append(low, e)
            return
        func = e.func
        if isinstance(func, ast.Attribute) and func.attr in _METHODS and isinstance(
                func.value, ast.Name):
            _METHODS[func.attr](low, e, stmt)
            return
        target = _numpy_target(low, func)
        if target in _FUNCTIONS:
            _FUNCTIONS[target](low, e, stmt)
            return
        if _dotted(func):
            called = names.callee(low, func)
            if isinstance(called, Resolved) and called.kind == "init":
                instances.run_init(low, called, e)  # super().__init__(...)
                return
            if is_inlined(called):
                calls.call(low, *objects.bound(called), e,  # type: ignore[arg-type]
                           discarded=True)
                return
    raise low.src.error(
        "unsupported construct: expression statement (its value is discarded)", stmt)


def _numpy_target(low: Frame, func: ast.expr) -> str | None:
    """"add.at" or "copyto" when `func` is ``np.add.at`` or ``np.copyto``, else None."""
    import numpy as np

    called = func.value if isinstance(func, ast.Attribute) and func.attr == "at" else func
    if not _dotted(called):
        return None
    value = names.callee(low, called)
    if not isinstance(value, Resolved):
        return None
    if called is not func:
        return "add.at" if value.value is np.add else None
    return "copyto" if value.value is np.copyto else None


def _dotted(e: ast.expr) -> bool:
    """Whether `e` is a name or a chain of attributes of one (``np.add``), or of
    ``super()``."""
    while isinstance(e, ast.Attribute):
        e = e.value
    return isinstance(e, ast.Name) or (isinstance(e, ast.Call) and isinstance(
        e.func, ast.Name) and e.func.id == "super")


def _in_place(low: Frame, name: ast.Name, value: ast.expr | None, e: ast.Call,
              stmt: ast.Expr, what: str) -> None:
    """``name[...] = value`` (`value` already lowered by the caller when None)."""
    target = ast.copy_location(ast.Subscript(
        ast.Name(name.id, ast.Load()), ast.Constant(Ellipsis), ast.Store()), name)
    ast.fix_missing_locations(target)
    current = names.lookup(low, name.id, name)
    if not is_array(current):
        raise low.src.error(f"{what} of {name.id!r}, which is not an array", e)
    given = along(low, "sort", current, low.b.lift(-1), e) if value is None else array_like(
        low, low.expr(value), what, value)
    np_indexing.assign(low, target, given, stmt)


def _fill(low: Frame, e: ast.Call, stmt: ast.Expr) -> None:
    if len(e.args) != 1 or e.keywords:
        raise low.src.error("fill() takes one value", e)
    assert isinstance(e.func, ast.Attribute) and isinstance(e.func.value, ast.Name)
    _in_place(low, e.func.value, e.args[0], e, stmt, "fill()")


def _sort(low: Frame, e: ast.Call, stmt: ast.Expr) -> None:
    assert isinstance(e.func, ast.Attribute) and isinstance(e.func.value, ast.Name)
    name = e.func.value
    if is_sequence(names.lookup(low, name.id, name)):
        raise low.src.error("sorting a list in place (not yet): sort an array, "
                            "np.sort(np.array(xs))", e)
    if e.args or e.keywords:
        raise low.src.error("sort() of an array takes no arguments here", e)
    _in_place(low, name, None, e, stmt, "sort()")


def _extend(low: Frame, e: ast.Call, stmt: ast.Expr) -> None:
    if len(e.args) != 1 or e.keywords:
        raise low.src.error("extend() takes one list", e)
    assert isinstance(e.func, ast.Attribute) and isinstance(e.func.value, ast.Name)
    sequences.extend(low, e.func.value, e.args[0], e)


def _copyto(low: Frame, e: ast.Call, stmt: ast.Expr) -> None:
    args = np_signatures.bind(low, e, "copyto")  # NumPy's parameters: dst, src
    dst = args.written("dst")
    if not isinstance(dst, ast.Name):
        raise low.src.error("np.copyto() takes an array name and a value here",
                            args.where("dst"))
    _in_place(low, dst, args.written("src"), e, stmt, "np.copyto()")
    args.finish()


def _add_at(low: Frame, e: ast.Call, stmt: ast.Expr) -> None:
    if len(e.args) != 3 or e.keywords:
        raise low.src.error("np.add.at() takes an array, indices and values", e)
    np_indexing.add_at(low, e, array_like(low, low.expr(e.args[2]), "add.at", e.args[2]))


_METHODS: dict[str, Callable[[Frame, ast.Call, ast.Expr], None]] = {
    "fill": _fill, "sort": _sort, "extend": _extend,
}
_FUNCTIONS: dict[str, Callable[[Frame, ast.Call, ast.Expr], None]] = {
    "add.at": _add_at, "copyto": _copyto,
}
