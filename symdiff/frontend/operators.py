"""Python's binary arithmetic operators as primitives.

Contract: `binop(frame, op, left, right, where)` is ``left <op> right`` for an
``ast.operator``: ``+ - * / ** // %`` are the primitives of `BINOPS` on numbers and
arrays, ``@`` is a matrix product (`arrays.product`); another operator is a located
error. With an object the function made as an operand, the operator is its class's
method (``__add__``, ``__rmul__``: `instances.operator`).
"""

from __future__ import annotations

import ast

from symdiff.frontend import arrays, instances
from symdiff.frontend.frame import Frame
from symdiff.frontend.values import Instance, Value
from symdiff.ir.node import Node

BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
    ast.Pow: "pow", ast.FloorDiv: "floordiv", ast.Mod: "mod",
}


def binop(frame: Frame, op: ast.operator, left: Value, right: Value, where: ast.AST
          ) -> Node:
    """``left <op> right``."""
    if isinstance(left, Instance) or isinstance(right, Instance):
        found = instances.operator(frame, op, left, right, where)
        if found is not None:
            return found  # type: ignore[return-value]  # what the method returns
    if isinstance(op, ast.MatMult):
        return arrays.product(frame, "matmul", left, right, where)
    prim = BINOPS.get(type(op))
    if prim is None:
        raise frame.src.error(f"unsupported operator {type(op).__name__}", where)
    return frame.b.apply(prim, frame.number(left, where), frame.number(right, where))
