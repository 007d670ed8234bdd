"""Formulas for picture labels: an IR node printed as a short Python expression.

Contract: `formula(node, names)` prints `node` with each node in `names` (the drawn
graph's nodes) as its name, constants as short numbers and every other operation by
its primitive's own emitter (the table in `ir/primitives.py`), through `ast.unparse`,
so precedence and parentheses are Python's. ``math.`` prefixes are dropped: a picture
says ``cos(x)``, not ``math.cos(x)``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.ir.node import Node, Op, global_name
from symdiff.unparse import unparse


def number(value: Any) -> str:
    """A number as a label shows it: ``2`` for 2.0, six significant digits."""
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value)) if value or math.copysign(1.0, value) > 0 else "-0"
        return f"{value:.6g}"
    return str(value)


def formula(node: Node, names: Mapping[Node, str]) -> str:
    """`node` as an expression over the named nodes."""
    return unparse(_Tidy().visit(_expression(node, names)))


def operation(node: Node, names: Mapping[Node, str]) -> str:
    """The operation `node` performs on its arguments: ``a + b`` (even if it is named)."""
    return unparse(_Tidy().visit(_emit(node, names)))


def _expression(node: Node, names: Mapping[Node, str]) -> ast.expr:
    if node in names:
        return ast.Name(names[node], ast.Load())
    if node.op == Op.CONST:
        text = number(node.value)
        # A negative number is one token: (-2) ** x, not -2 ** x.
        return ast.Name(f"({text})" if text.startswith("-") else text, ast.Load())
    if node.op == Op.GLOBAL:
        return ast.Name(global_name(node.attrs), ast.Load())
    return _emit(node, names)


def _emit(node: Node, names: Mapping[Node, str]) -> ast.expr:
    primitive = node.prim
    if primitive is None:
        raise SymdiffError(f"cannot draw the operation {node.op!r}")
    expr = primitive.emit([_expression(a, names) for a in node.args], node.attrs)
    if not isinstance(expr, ast.expr):
        raise SymdiffError(f"cannot draw the operation {node.op!r}")
    return expr


class _Tidy(ast.NodeTransformer):
    """``math.cos`` -> ``cos``, ``math.inf`` -> ``inf``."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        if isinstance(node.value, ast.Name) and node.value.id == "math":
            return ast.Name(node.attr, ast.Load())
        return self.generic_visit(node)  # type: ignore[return-value]
