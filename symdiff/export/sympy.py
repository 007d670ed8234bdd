"""Translate a `Program` into SymPy expressions.

Contract: `to_sympy(program, symbols)` returns the program's result structure (a single
expression, or nested tuples mirroring `program.result`) with every node translated by
its primitive's ``sympy`` field, called as ``prim.sympy(sympy_module, *args)``.

- A parameter becomes ``sympy.Symbol(name, real=True)`` unless `symbols` maps its name
  to something else (a symbol with other assumptions, a number, any expression).
- A global becomes a real symbol named by its dotted path (``"np.pi"``); `symbols` may
  map that dotted path too.
- Constants become SymPy numbers: ``bool`` to ``sympy.true`` / ``sympy.false``, ``int``
  to ``sympy.Integer``, ``float`` to ``sympy.Float`` (exact: 53-bit precision), with
  ``inf`` / ``-inf`` as ``sympy.oo`` / ``-sympy.oo`` and NaN as ``sympy.nan``.
- A primitive without a SymPy translation, or an operation that is no primitive (a
  region other than ``cond``), raises ``NotImplementedError`` naming it.
- A ``cond`` region becomes, for each of its outputs,
  ``Piecewise((then_value, condition), (elif_value, test), ..., (else_value, True))``:
  each branch and test program is translated (recursively, so nested regions nest)
  with its parameters bound to the translated operands, and a condition is the
  predicate's (or the test's) Python truth value (a
  number ``x`` that is not a SymPy boolean means ``Ne(x, 0)``; a ``Piecewise``, as
  ``and`` / ``or`` give, is true where the piece that applies is). ``proj`` picks an
  output. A branch parameter (``arg``) that is not bound raises ``ValueError``.

SymPy is imported when the function is called, never when this module is imported.
The traversal is iterative (`topological`) and translates each node once, so deep and
heavily shared DAGs are fine (only nested regions recurse, one level per region).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from symdiff.errors import require
from symdiff.ir.node import (
    Node,
    Op,
    Program,
    Structure,
    as_python,
    assemble,
    global_name,
    topological,
)
from symdiff.ir.regions import Arms
from symdiff.ir.scalars import sp_truth

__all__ = ["to_sympy"]


def to_sympy(program: Program, symbols: Mapping[str, Any] | None = None) -> Any:
    """The SymPy expression(s) computed by `program`, shaped like its result."""
    sympy: Any = require("sympy", "sympy", "to_sympy")

    symbols = dict(symbols or {})
    exprs: dict[Node, Any] = {}
    for p in program.params:
        name = p.attrs[0]
        exprs[p] = symbols[name] if name in symbols else sympy.Symbol(name, real=True)
    _translate(sympy, program, exprs, symbols)
    return _build(program.result, exprs)


def _translate(
    sympy: Any, program: Program, exprs: dict[Node, Any], symbols: dict[str, Any]
) -> None:
    """Fill `exprs` (which already binds the parameters) for every node of `program`."""
    for node in topological(program.outputs):
        if node in exprs:
            continue
        if node.op == Op.CONST:
            exprs[node] = _constant(sympy, node.value)
        elif node.op in (Op.PARAM, Op.GLOBAL):
            # A param that is not one of the program's parameters is still a free symbol.
            name = global_name(node.attrs) if node.op == Op.GLOBAL else str(node.attrs[0])
            exprs[node] = symbols[name] if name in symbols else sympy.Symbol(name, real=True)
        elif node.op == Op.ARG:
            raise ValueError(
                f"{program.name} reads a region parameter {node.attrs[0]!r} it does not declare")
        elif node.op == Op.COND:
            exprs[node] = _cond(sympy, node, exprs, symbols)
        elif node.op == Op.PROJ:
            exprs[node] = exprs[node.args[0]][node.attrs[0]]
        else:
            prim = node.prim
            translate = None if prim is None else prim.sympy
            if translate is None:
                what = "primitive" if prim is not None else "operation"
                raise NotImplementedError(f"{what} {node.op!r} has no SymPy translation")
            exprs[node] = translate(sympy, *(exprs[a] for a in node.args))


def _cond(
    sympy: Any, node: Node, exprs: dict[Node, Any], symbols: dict[str, Any]
) -> tuple[Any, ...]:
    """One ``Piecewise`` per output of the region `node`: a piece per branch, on the
    predicate, then on each test, the last on True."""
    arms: Arms = node.attrs[0]
    operands = [exprs[a] for a in node.args[1:]]

    def run(body: Program) -> list[Any]:
        inner: dict[Node, Any] = dict(zip(body.params, operands, strict=True))
        _translate(sympy, body, inner, symbols)
        return [inner[out] for out in body.outputs]

    conditions = [sp_truth(sympy, exprs[node.args[0]]),
                  *(sp_truth(sympy, run(test)[0]) for test in arms.tests), sympy.true]
    values = [run(body) for body in arms.branches]
    return tuple(sympy.Piecewise(*zip(pieces, conditions, strict=True))
                 for pieces in zip(*values, strict=True))


def _constant(sympy: Any, value: Any) -> Any:
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    if isinstance(value, int):
        return sympy.Integer(value)
    if math.isnan(value):
        return sympy.nan
    if math.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    return sympy.Float(value, precision=53)


def _build(structure: Structure, exprs: dict[Node, Any]) -> Any:
    return assemble(structure, exprs.__getitem__, as_python)
