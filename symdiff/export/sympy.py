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
- A primitive without a SymPy translation raises ``NotImplementedError`` naming it.

SymPy is imported when the function is called, never when this module is imported.
The traversal is iterative (`topological`) and translates each node once, so deep and
heavily shared DAGs are fine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from symdiff.ir.node import Node, Program, Structure, topological
from symdiff.ir.primitives import PRIMITIVES

__all__ = ["to_sympy"]


def to_sympy(program: Program, symbols: Mapping[str, Any] | None = None) -> Any:
    """The SymPy expression(s) computed by `program`, shaped like its result."""
    import sympy

    symbols = dict(symbols or {})
    exprs: dict[Node, Any] = {}
    for p in program.params:
        name = p.attrs[0]
        exprs[p] = symbols[name] if name in symbols else sympy.Symbol(name, real=True)
    for node in topological(program.outputs):
        if node in exprs:
            continue
        if node.op == "const":
            exprs[node] = _constant(sympy, node.value)
        elif node.op in ("param", "global"):
            # A param that is not one of the program's parameters is still a free symbol.
            name = ".".join(map(str, node.attrs))
            exprs[node] = symbols[name] if name in symbols else sympy.Symbol(name, real=True)
        else:
            translate = PRIMITIVES[node.op].sympy
            if translate is None:
                raise NotImplementedError(f"primitive {node.op!r} has no SymPy translation")
            exprs[node] = translate(sympy, *(exprs[a] for a in node.args))
    return _build(program.result, exprs)


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
    if isinstance(structure, Node):
        return exprs[structure]
    return tuple(_build(s, exprs) for s in structure)
