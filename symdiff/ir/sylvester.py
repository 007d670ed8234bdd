"""``scipy.linalg.solve_sylvester`` and ``scipy.linalg.sqrtm``: the matrix functions whose
derivatives are Sylvester equations.

Contract:
- ``solve_sylvester(A, B, Q)`` is the X with ``A X + X B = Q`` (SciPy's call); its
  tangent solves the same equation for ``dQ - dA X - X dB``, and its cotangents are
  ``Q_bar = solve_sylvester(A^T, B^T, X_bar)``, ``A_bar = -Q_bar X^T``, ``B_bar = -X^T
  Q_bar``. ``attrs[0]`` counts leading loop axes of ``Q`` (a batch of seeds:
  `transforms.batch`), over which the call is vectorised; ``A`` and ``B`` are single
  matrices.
- ``sqrtm(A)`` is SciPy's principal square root X (``X X = A``), of a matrix whose
  root is real; its tangent is ``solve_sylvester(X, X, dA)`` and its cotangent
  ``solve_sylvester(X^T, X^T, X_bar)``: derivatives of every order are Sylvester
  solves again.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.convolution import attr, vectorized
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, accumulate, one_tangent
from symdiff.ir.types import ArrayType, Type


def _emit_sylvester(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    func = attr("scipy", "linalg", "solve_sylvester")
    if not attrs[0]:
        return ast.Call(func, list(args), [])
    return vectorized(func, args, "(n,n),(m,m),(n,m)->(n,m)", [])


def _sylvester_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    a, b, q = types
    if not (isinstance(a, ArrayType) and isinstance(b, ArrayType) and isinstance(q, ArrayType)
            and a.ndim == 2 and b.ndim == 2 and q.ndim == 2 + attrs[0]):
        raise TypeError("scipy.linalg.solve_sylvester of three matrices")
    return q


def _swap(b: NodeBuilder, x: Node) -> Node:
    """`x` with its last two axes swapped (each matrix of a stack transposed)."""
    n = x.type.ndim
    return b.apply("transpose", x, attrs=((*range(n - 2), n - 1, n - 2),))


def _solve(b: NodeBuilder, a: Node, c: Node, rhs: Node) -> Node:
    return b.apply("solve_sylvester", a, c, rhs, attrs=(rhs.type.ndim - 2,))


def _mm(b: NodeBuilder, x: Node, y: Node) -> Node:
    return b.apply("matmul", x, y)


def _summed(b: NodeBuilder, ct: Node) -> Node:
    """A cotangent of a single matrix: summed over the loop axes of `ct`."""
    extra = ct.type.ndim - 2
    return b.apply("sum", ct, attrs=(tuple(range(extra)), False)) if extra else ct


def _sylvester_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    a, c, _ = node.args
    ta, tc, tq = ts
    rhs = accumulate(b, tq, None if ta is None else b.neg(_mm(b, ta, node)))
    rhs = accumulate(b, rhs, None if tc is None else b.neg(_mm(b, node, tc)))
    return None if rhs is None else _solve(b, a, c, rhs)


def _sylvester_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    a, c, _ = node.args
    q_bar = _solve(b, _swap(b, a), _swap(b, c), ct)
    return (b.neg(_summed(b, _mm(b, q_bar, _swap(b, node)))),
            b.neg(_summed(b, _mm(b, _swap(b, node), q_bar))), q_bar)


def _sqrtm_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    if not isinstance(t, ArrayType) or t.ndim != 2:
        raise TypeError("scipy.linalg.sqrtm of a matrix")
    return ArrayType("float64" if t.dtype != "float32" else t.dtype, t.dims)


SOLVE_SYLVESTER = Primitive(
    "solve_sylvester", 3, None, _emit_sylvester, type_rule=_sylvester_type,
    jvp_rule=_sylvester_jvp, vjp_rule=_sylvester_vjp)

SQRTM = Primitive(
    "sqrtm", 1, None,
    lambda args, attrs: ast.Call(attr("scipy", "linalg", "sqrtm"), list(args), []),
    type_rule=_sqrtm_type,
    jvp_rule=lambda b, node, ts: _solve(b, node, node, one_tangent(ts)),
    vjp_rule=lambda b, node, ct: (_solve(b, _swap(b, node), _swap(b, node), ct),))

RECORDS: tuple[Primitive, ...] = (SOLVE_SYLVESTER, SQRTM)
