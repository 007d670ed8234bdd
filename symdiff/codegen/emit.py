"""Emission: from a schedule to Python source, through `ast` and `ast.unparse`.

Contract: `emit_module(program)` returns the text of a module that defines one
function named `program.name` taking the program's parameters and returning its
result structure (a value or nested tuples). Each assigned node becomes one
assignment; other nodes are inlined into their user. Output is byte-identical for
the same program. Negative constants are emitted as unary minus so ``(-2.0) ** x``
keeps its parentheses; inf and nan as ``math.inf`` / ``math.nan``; the exact values
of pi, e and tau by name.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from symdiff.codegen.naming import assign_names
from symdiff.codegen.schedule import schedule
from symdiff.ir.node import Node, Program, Structure
from symdiff.ir.primitives import PRIMITIVES, math_attr

_NAMED_CONSTANTS = {math.pi: "pi", math.e: "e", math.tau: "tau"}


def emit_module(program: Program, header: str = "") -> str:
    """Python module source defining `program` as a function."""
    return ast.unparse(emit_ast(program, header)) + "\n"


def emit_ast(program: Program, header: str = "") -> ast.Module:
    sched = schedule(program)
    names = assign_names(sched)
    exprs: dict[Node, ast.expr] = {}

    def ref(node: Node) -> ast.expr:
        if node in names:
            return ast.Name(names[node], ast.Load())
        if node.op == "const":
            return constant(node.value)
        if node.op == "global":
            return _dotted(node.attrs)
        return exprs[node]

    body: list[ast.stmt] = []
    if program.doc:
        body.append(ast.Expr(ast.Constant(program.doc)))
    for node in sched.order:
        expr = PRIMITIVES[node.op].emit([ref(a) for a in node.args], node.attrs)
        if node in sched.assigned:
            body.append(ast.Assign([ast.Name(names[node], ast.Store())], expr, lineno=1))
        elif node in sched.statements:
            body.append(ast.Expr(expr))
        else:
            exprs[node] = expr
    body.append(ast.Return(_structure(program.result, ref)))
    args = ast.arguments(
        posonlyargs=[], args=[ast.arg(names[p]) for p in program.params], vararg=None,
        kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    func = ast.FunctionDef(program.name, args, body, decorator_list=[], returns=None, lineno=1)
    module: list[ast.stmt] = []
    if header:
        module.append(ast.Expr(ast.Constant(header)))
    if any(isinstance(n, ast.Name) and n.id == "math" for n in ast.walk(func)):
        module.append(ast.Import([ast.alias("math")]))
    module.append(func)
    # Locations are not needed by ast.unparse; the text is compiled, not this tree.
    return ast.Module(module, type_ignores=[])


def constant(value: Any) -> ast.expr:
    """A literal for `value` that reads back to exactly `value`."""
    if isinstance(value, bool) or not isinstance(value, float):
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return ast.UnaryOp(ast.USub(), ast.Constant(-value))
        return ast.Constant(value)
    if math.isnan(value):
        return math_attr("nan")
    if math.copysign(1.0, value) < 0:
        return ast.UnaryOp(ast.USub(), constant(-value))
    if math.isinf(value):
        return math_attr("inf")
    if value in _NAMED_CONSTANTS:
        return math_attr(_NAMED_CONSTANTS[value])
    return ast.Constant(value)


def _dotted(path: tuple[str, ...]) -> ast.expr:
    expr: ast.expr = ast.Name(path[0], ast.Load())
    for part in path[1:]:
        expr = ast.Attribute(expr, part, ast.Load())
    return expr


def _structure(structure: Structure, ref: Any) -> ast.expr:
    if isinstance(structure, Node):
        return ref(structure)
    return ast.Tuple([_structure(s, ref) for s in structure], ast.Load())
