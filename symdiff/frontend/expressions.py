"""Lowering of expressions: one handler per kind of expression, in `EXPRESSIONS`.

Contract: a handler ``(frame, e) -> value`` gives the value of the expression `e` in
`frame` (see `values`); `Frame.expr` looks it up by the node's type, and a kind of
expression without a handler is a located error. Constants are numbers, True and
False; a list literal holds numbers; a generator expression is read only inside
``sum(...)``. A call lowers by what it calls (`call`).
"""

from __future__ import annotations

import ast

from symdiff.frontend import (
    calls,
    control,
    dicts,
    fence,
    loops,
    names,
    numpy_calls,
    objects,
    sequences,
)
from symdiff.frontend.call_sites import call
from symdiff.frontend.frame import ExpressionHandler, Frame
from symdiff.frontend.operators import binop
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Nothing, Text, Value, is_array
from symdiff.ir.node import Node


def _constant(frame: Frame, e: ast.Constant) -> Node | Text | Nothing:
    v = e.value
    if isinstance(v, str):
        return Text(v)
    if v is None:
        return Nothing(where=e)
    if not isinstance(v, (int, float)):  # bool is an int: True, False
        raise frame.src.error(
            f"unsupported constant {v!r}: only numbers, strings, None, True and False", e)
    return frame.b.const(v)


def _name(frame: Frame, e: ast.Name) -> Value:
    return names.lookup(frame, e.id, e)


def _attribute(frame: Frame, e: ast.Attribute) -> Value:
    base = frame.expr(e.value)
    if is_array(base):
        return numpy_calls.get_attribute(frame, base, e)  # type: ignore[arg-type]
    if not isinstance(base, Resolved):
        raise frame.src.error(f"unsupported attribute access .{e.attr} on a number", e)
    if base.kind in ("object", "class"):
        return objects.attribute(frame, base, e.attr, e)  # type: ignore[no-any-return]
    resolved = frame.scope.attribute(base, e.attr)
    if resolved is None:
        raise frame.src.error(f"{'.'.join(base.path)} has no attribute {e.attr!r}", e)
    return names.free(frame, resolved, e)


def _operators(frame: Frame, e: ast.BinOp | ast.UnaryOp) -> Value:
    """A tree of binary and unary operators, lowered with a stack of its own rather
    than by recursion (a sum of 2,000 terms nests 2,000 deep), left operand first; its
    other operands through `Frame.expr`."""
    values: list[Value] = []
    todo: list[tuple[ast.expr, bool]] = [(e, False)]
    while todo:
        node, operands_done = todo.pop()
        if operands_done:
            if isinstance(node, ast.BinOp):
                right = values.pop()
                values.append(binop(frame, node.op, values.pop(), right, node))
            else:
                values.append(_unary(frame, node, values.pop()))  # type: ignore[arg-type]
        elif isinstance(node, ast.BinOp):
            todo += [(node, True), (node.right, False), (node.left, False)]
        elif isinstance(node, ast.UnaryOp):
            todo += [(node, True), (node.operand, False)]
        else:
            values.append(frame.expr(node))
    (value,) = values
    return value


def _unary(frame: Frame, e: ast.UnaryOp, value: Value) -> Node:
    operand = frame.number(value, e.operand)
    if isinstance(e.op, ast.Not):
        return frame.b.apply("not_", operand)
    return frame.b.neg(operand) if isinstance(e.op, ast.USub) else operand


def _tuple(frame: Frame, e: ast.Tuple) -> tuple[Value, ...]:
    return tuple(frame.expr(x) for x in e.elts)


def _list(frame: Frame, e: ast.List) -> list[Value]:
    """A list of numbers and arrays, or of tuples of them (``[(0, 1), (1, 2)]``)."""
    items: list[Value] = []
    for x in e.elts:
        value = frame.expr(x)
        items.append(_fields(frame, value, x) if isinstance(value, tuple)
                     else frame.number(value, x))
    return items


def _fields(frame: Frame, value: tuple[Value, ...], where: ast.expr) -> tuple[Value, ...]:
    """A tuple that is an item of a list: its leaves must be numbers or arrays."""
    todo: list[Value] = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, tuple):
            todo.extend(item)
        else:
            frame.number(item, where)
    return value


def _generator(frame: Frame, e: ast.GeneratorExp) -> Value:
    raise frame.src.error(
        f"unsupported construct: {fence.NAMES[type(e)]} outside sum(...) (write a list "
        "comprehension [...] to make a list)", e)


EXPRESSIONS: dict[type[ast.expr], ExpressionHandler] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.BinOp: _operators,
    ast.UnaryOp: _operators,
    ast.Call: call,
    ast.Lambda: calls.lambda_,
    ast.Tuple: _tuple,
    ast.List: _list,
    ast.Subscript: sequences.subscript,
    ast.Dict: dicts.literal,
    ast.IfExp: control.lower_ifexp,
    ast.BoolOp: control.lower_boolop,
    ast.Compare: control.lower_compare,
    ast.ListComp: loops.comprehension,
    ast.GeneratorExp: _generator,
}
