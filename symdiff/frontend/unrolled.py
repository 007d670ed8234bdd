"""Loops over a pytree's items, unrolled while lowering: ``for k in params``, ``for k, v
in params.items()``, ``for W, b in layers`` (a tuple or list of pairs), and
``enumerate(...)`` and ``zip(...)`` of those.

Contract: `items(frame, it)` is the list of values a ``for`` over the expression `it`
runs through, when they are known while compiling and a loop region cannot carry them:
the keys of a dict (as `Text`), the items of a tuple (a pytree's tuples and lists are
tuples while lowering) that holds something other than numbers and arrays of one type,
and ``enumerate``/``zip`` of such; None otherwise (the ``for`` is a loop region,
`loops`). `lower(frame, stmt, items)` lowers the body once per item, its target bound
to the item as an assignment binds it; a ``break``, ``continue`` or ``return`` in the
body is a located error. A comprehension over such items (``sum(np.sum(w ** 2) for w
in params.values())``) is unrolled alike, being such a loop.
"""

from __future__ import annotations

import ast

from symdiff.frontend import names
from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Keywords, Text, Value
from symdiff.ir.node import Node
from symdiff.ir.sequences import is_seq, kind

_ITEM = "#item"  # the hidden name each item is bound to before the target


def items(low: Frame, it: ast.expr) -> list[Value] | None:
    """The values a ``for`` over `it` unrolls through, or None (see the module doc)."""
    call = it if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) else None
    func = names.callee(low, call.func) if call is not None else None
    if call is not None and isinstance(func, Resolved) and func.value in (enumerate, zip) \
            and not (func.value is enumerate and call.keywords):
        parts = [_known(low, a) for a in call.args[:1 if func.value is enumerate else None]]
        if not parts or all(p is None or _uniform(p) for p in parts):
            return None  # (a loop region, as `sequences.iteration` makes it)
        if any(p is None for p in parts):
            raise low.src.error(
                "unsupported loop: zip() of a dict or tuple of unlike items, which is "
                "unrolled while compiling, with a list whose length is known only at run "
                "time; index that list instead", call)
        if func.value is enumerate:
            return _enumerated(low, call, parts[0])  # type: ignore[arg-type]
        return _zipped(low, call, parts)  # type: ignore[arg-type]
    found = _known(low, it)
    return None if found is None or _uniform(found) else found


def _known(low: Frame, e: ast.expr) -> list[Value] | None:
    """The items of `e` when it is a dict (its keys) or a tuple, by a read with no
    effects (a name, a subscript, an attribute, a dict's view); else None."""
    view = isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and \
        e.func.attr in ("keys", "values", "items") and not e.args
    if not (view or isinstance(e, ast.Name | ast.Subscript | ast.Attribute)):
        return None
    value = low.expr(e)
    if isinstance(value, Keywords):
        return [Text(k) for k in value.keys()]
    return list(value) if isinstance(value, tuple) else None


def _uniform(values: list[Value]) -> bool:
    """Whether a loop region can run through `values`: numbers, or arrays of one type."""
    nodes = [v for v in values if isinstance(v, Node) and not is_seq(v)]
    return len(nodes) == len(values) and len({(v.type, kind(v)) for v in nodes}) <= 1


def _enumerated(low: Frame, call: ast.Call, values: list[Value]) -> list[Value]:
    start = 0
    if len(call.args) == 2:
        given = low.expr(call.args[1])
        if not (isinstance(given, Node) and given.is_const and type(given.value) is int):
            raise low.src.error("enumerate() over a dict or tuple of unlike items takes a "
                                "start known while compiling", call)
        start = given.value
    return [(low.b.const(start + k), v) for k, v in enumerate(values)]


def _zipped(low: Frame, call: ast.Call, parts: list[list[Value]]) -> list[Value]:
    strict = any(kw.arg == "strict" and isinstance(kw.value, ast.Constant)
                 and kw.value.value is True for kw in call.keywords)
    lengths = {len(p) for p in parts}
    if strict and len(lengths) > 1:
        raise low.src.error(f"zip(..., strict=True) of items of lengths "
                            f"{', '.join(str(len(p)) for p in parts)}", call)
    return list(zip(*parts, strict=False))  # (to the shortest, as zip goes)


def lower(low: Frame, stmt: ast.For, values: list[Value]) -> None:
    """The body of `stmt` lowered once per value, the loop's target bound to it."""
    check_no_exit(low, stmt)
    bind = ast.Assign([stmt.target], ast.Name(_ITEM, ast.Load()))
    ast.copy_location(bind, stmt)
    ast.fix_missing_locations(bind)
    for value in values:
        low.env[_ITEM] = value
        end = low.block([bind, *stmt.body])
        assert end is None
    low.env.pop(_ITEM, None)


def check_no_exit(low: Frame, stmt: ast.For) -> None:
    """Raise for a break, continue or return of this loop in its body."""
    node = first_exit(stmt)
    if node is not None:
        word = type(node).__name__.lower()
        raise low.src.error(
            f"unsupported construct: {word} inside a loop over a dict or a tuple of "
            "unlike items (such a loop is unrolled while compiling)", node)


def first_exit(stmt: ast.For) -> ast.stmt | None:
    """A break, continue or return of this loop in its body, if any."""
    stack: list[tuple[ast.AST, bool]] = [(s, False) for s in stmt.body]
    while stack:
        node, nested = stack.pop()
        if isinstance(node, ast.Return) or (isinstance(node, ast.Break | ast.Continue)
                                            and not nested):
            return node
        if isinstance(node, ast.FunctionDef | ast.Lambda | ast.AsyncFunctionDef):
            continue
        inner = nested or isinstance(node, ast.For | ast.While)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return None
