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
    sequences,
)
from symdiff.frontend.call_sites import call
from symdiff.frontend.frame import ExpressionHandler, Frame
from symdiff.frontend.operators import binop
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Text, Value, is_array
from symdiff.ir.node import Node


def _constant(frame: Frame, e: ast.Constant) -> Node | Text:
    v = e.value
    if isinstance(v, str):
        return Text(v)
    if not isinstance(v, (int, float)):  # bool is an int: True, False
        raise frame.src.error(
            f"unsupported constant {v!r}: only numbers, strings, True and False", e)
    return frame.b.const(v)


def _name(frame: Frame, e: ast.Name) -> Value:
    return names.lookup(frame, e.id, e)


def _attribute(frame: Frame, e: ast.Attribute) -> Value:
    base = frame.expr(e.value)
    if is_array(base):
        return numpy_calls.get_attribute(frame, base, e)  # type: ignore[arg-type]
    if not isinstance(base, Resolved):
        raise frame.src.error(f"unsupported attribute access .{e.attr} on a number", e)
    resolved = frame.scope.attribute(base, e.attr)
    if resolved is None:
        raise frame.src.error(f"{'.'.join(base.path)} has no attribute {e.attr!r}", e)
    return names.free(frame, resolved, e)


def _binary(frame: Frame, e: ast.BinOp) -> Node:
    return binop(frame, e.op, frame.expr(e.left), frame.expr(e.right), e)


def _unary(frame: Frame, e: ast.UnaryOp) -> Node:
    operand = frame.number(frame.expr(e.operand), e.operand)
    if isinstance(e.op, ast.Not):
        return frame.b.apply("not_", operand)
    return frame.b.neg(operand) if isinstance(e.op, ast.USub) else operand


def _tuple(frame: Frame, e: ast.Tuple) -> tuple[Value, ...]:
    return tuple(frame.expr(x) for x in e.elts)


def _list(frame: Frame, e: ast.List) -> list[Value]:
    return [frame.number(frame.expr(x), x) for x in e.elts]


def _generator(frame: Frame, e: ast.GeneratorExp) -> Value:
    raise frame.src.error(
        f"unsupported construct: {fence.NAMES[type(e)]} outside sum(...) (write a list "
        "comprehension [...] to make a list)", e)


EXPRESSIONS: dict[type[ast.expr], ExpressionHandler] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.BinOp: _binary,
    ast.UnaryOp: _unary,
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
