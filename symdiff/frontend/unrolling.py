"""Loops over a tuple or list of arrays the function computes, unrolled.

Contract: `lower(low, stmt)` lowers ``for v in xs`` (also ``enumerate(xs)``,
``reversed(xs)`` and ``zip(xs, ys)`` of such lists) when `xs` is a tuple or list whose
items include an array that is not data read from outside (``for w in (W1, W2)``, the
``*args`` of a function): its items may differ in shape, so no loop of one body fits
them, and the loop is unrolled: the body is lowered once per item, after binding the
target to that item as an assignment would. It returns False for any other loop,
which stays a loop. A ``break``, ``continue`` or ``return`` in such a loop is a
located error. Loops `unrolled` takes (a pytree's tuples of unlike items, a dict's
keys) are tried first; this one adds lists the function builds, ``reversed(...)`` and
tuples of arrays of one type the function computes.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend import names, unrolled
from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved
from symdiff.ir.node import Node, Op


def lower(low: Frame, stmt: ast.For) -> bool:
    """Lower `stmt` unrolled if it loops over arrays of a tuple or list; else False."""
    plan = _plan(low, stmt)
    if plan is None:
        return False
    items, n, hidden = plan
    unrolled.check_no_exit(low, stmt)
    for k in range(n):
        assign = ast.copy_location(ast.Assign([stmt.target], items(k)), stmt)
        ast.fix_missing_locations(assign)
        low.block([assign, *stmt.body])
    for name in hidden:
        low.env.pop(name)
    return True


def _plan(low: Frame, stmt: ast.For) -> tuple[Any, int, list[str]] | None:
    """How item k of the loop is written, how many there are, and the hidden names of
    the lists; None when the loop is not over a tuple or list holding arrays (or over
    an expression that is not a name or a tuple of names, which is not evaluated
    twice)."""
    it = stmt.iter
    call = it if isinstance(it, ast.Call) else None
    func = names.callee(low, call.func) if call is not None and isinstance(
        call.func, ast.Name) else None
    kind = func.value if isinstance(func, Resolved) else None
    if call is not None and call.keywords and not (
            kind is zip and all(kw.arg == "strict" for kw in call.keywords)):
        return None
    if kind in (enumerate, reversed) and call is not None and call.args:
        read = call.args[:1]
    elif kind is zip and call is not None and call.args:
        read = call.args
    elif call is None:
        read = [it]
    else:
        return None
    if not all(_simple(e) for e in read):
        return None
    lists = [_hidden(low, e, stmt) for e in read]
    values = [low.env[name] for name in lists]
    if not all(isinstance(v, (list, tuple)) for v in values) or not any(
            _holds_arrays(v) for v in values):
        for name in lists:
            low.env.pop(name)
        return None
    n = min(len(v) for v in values)  # type: ignore[arg-type]
    if kind is zip and len({len(v) for v in values}) > 1 and any(  # type: ignore[arg-type]
            isinstance(kw.value, ast.Constant) and kw.value.value is True
            for kw in call.keywords):  # type: ignore[union-attr]
        raise low.src.error("zip(..., strict=True) of tuples of different lengths", it)

    def item(name: str, k: int) -> ast.expr:
        return ast.Subscript(ast.Name(name, ast.Load()), ast.Constant(k), ast.Load())

    if kind is enumerate:
        first = call.args[1] if len(call.args) > 1 else ast.Constant(0)  # type: ignore
        return (lambda k: ast.Tuple([ast.BinOp(first, ast.Add(), ast.Constant(k)),
                                     item(lists[0], k)], ast.Load())), n, lists
    if kind is reversed:
        return (lambda k: item(lists[0], n - 1 - k)), n, lists
    if kind is zip:
        return (lambda k: ast.Tuple([item(name, k) for name in lists], ast.Load())), n, lists
    return (lambda k: item(lists[0], k)), n, lists


def _simple(e: ast.expr) -> bool:
    """Whether `e` is names, attributes of them and tuples or lists of those: reading
    it twice builds nothing twice."""
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Attribute):
            stack.append(node.value)
        elif not isinstance(node, ast.Name):
            return False
    return True


def _hidden(low: Frame, e: ast.expr, stmt: ast.For) -> str:
    """A hidden name holding the value of `e`, evaluated once."""
    name = f"#unrolled{id(stmt)}:{id(e)}"
    low.env[name] = low.expr(e)
    return name


def _holds_arrays(value: Any) -> bool:
    """Whether a tuple or list holds (in nested tuples too) an array that is not data
    read from outside the function."""
    stack = list(value)
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, Node) and item.type is not None and item.op != Op.GLOBAL:
            return True
    return False
