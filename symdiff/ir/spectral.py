"""Decompositions with orthogonal factors: ``np.linalg.eigh``/``eigvalsh``, ``qr`` and
``svd`` of a 2-D matrix.

Contract:
- Each factor is its own node, ``attrs[0]`` saying which: ``eigh`` 0 the eigenvalues
  (ascending), 1 the eigenvectors, ``attrs[1]`` whether the lower triangle is read
  (NumPy's ``UPLO='L'``); ``eigvalsh`` the eigenvalues alone (``attrs[0]`` as eigh's
  ``attrs[1]``); ``qr`` 0 Q, 1 R (mode ``'reduced'``); ``svd`` 0 U, 1 the singular
  values, 2 Vh (``full_matrices=False``), each emitted as its own call indexed
  (``np.linalg.eigh(a)[1]``): code that reads two factors factorises twice. Rules read
  the other factors as those same nodes, so they add no factorisation of their own.
- Where the derivatives hold: eigh of a symmetric matrix (one triangle read, as in
  `matrices.symmetric_from`) with distinct eigenvalues; qr of a matrix with at least as
  many rows as columns and full rank; svd with distinct nonzero singular values. At
  repeated eigenvalues (singular values) the eigenvectors (singular vectors) are not
  differentiable: the derivatives divide by zero (NumPy warns, inf or nan results),
  and those of the eigenvalues are those of the basis LAPACK returned. A wide matrix's
  qr derivative raises LinAlgError (it solves with a rectangular R). Eigenvectors and
  singular vectors are unique up to sign only: their derivatives are those of the
  vectors NumPy returned, continued with the same signs.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.matrices import (
    fold,
    linalg_call,
    matrix_type,
    mm,
    mT,
    part,
    right_solve,
    symmetric_from,
    tri,
)
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, one_tangent
from symdiff.ir.types import MANY, ArrayType, Dim, Type


def _short(m: Dim, n: Dim) -> Dim:
    """The length of the shorter of two axes (``min(m, n)``) as far as it is known."""
    if m == 1 or n == 1:
        return 1
    if m is None or n is None:
        return None
    if MANY in (m, n):
        return MANY  # both longer than one
    return min(m, n)


def _gaps(b: NodeBuilder, x: Node, like: Node) -> Node:
    """``1 / (x[j] - x[i])`` at (i, j) off the diagonal and 0 on it: how eigenvectors
    turn when eigenvalues `x` move (infinite where two are equal)."""
    diagonal = b.apply("eq", b.apply("eye_like", like, attrs=(0, 0)), 1.0)
    diff = b.sub(b.apply("expand_dims", x, attrs=((0,),)),
                 b.apply("expand_dims", x, attrs=((1,),)))
    gaps = b.select(diagonal, 0.0, b.div(1.0, b.select(diagonal, 1.0, diff)))
    b.name(gaps, "gaps")
    return gaps


def _diagonal_of(b: NodeBuilder, u: Node, t: Node, v: Node) -> Node:
    """The diagonal of ``u.T @ t @ v``, without forming the product."""
    return b.apply("einsum", u, t, v, attrs=("ji,jk,ki->i",))


# eigh ---------------------------------------------------------------------------------


def _eigh_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    t = matrix_type(types, attrs)
    return ArrayType(t.dtype, t.dims[:1]) if attrs[0] == 0 else t


def _emit_eigh(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    which, lower = attrs
    return part(linalg_call("eigh", args[0], **({} if lower else {"UPLO": "U"})), which)


def _emit_eigvalsh(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return linalg_call("eigvalsh", args[0], **({} if attrs[0] else {"UPLO": "U"}))


def _eigen(b: NodeBuilder, node: Node) -> tuple[Node, Node, Node, bool]:
    """The matrix, its eigenvalues and eigenvectors, and whether the lower triangle is
    read, for an eigh or eigvalsh node."""
    a, lower = node.args[0], node.attrs[-1]
    return (a, b.apply("eigh", a, attrs=(0, lower)), b.apply("eigh", a, attrs=(1, lower)),
            lower)


def _eigh_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # With S = V^T dA V: dw = diag(S), dV = V (gaps * S).
    a, w, v, lower = _eigen(b, node)
    assert ts[0] is not None
    s = symmetric_from(b, ts[0], lower)
    if node.prim is EIGVALSH or node.attrs[0] == 0:
        return _diagonal_of(b, v, s, v)
    return mm(b, v, b.mul(_gaps(b, w, a), mm(b, mT(b, v), s, v)))


def _eigh_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``V (diag(w_bar) + gaps * V^T V_bar) V^T``, folded onto the triangle read."""
    a, w, v, lower = _eigen(b, node)
    if node.prim is EIGVALSH or node.attrs[0] == 0:
        inner = mm(b, b.mul(v, ct), mT(b, v))
    else:
        inner = mm(b, v, b.mul(_gaps(b, w, a), mm(b, mT(b, v), ct)), mT(b, v))
    return (fold(b, inner, lower),)


# qr -----------------------------------------------------------------------------------


def _qr_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    t = matrix_type(types, attrs)
    m, n = t.dims
    k = _short(m, n)
    return ArrayType(t.dtype, (m, k) if attrs[0] == 0 else (k, n))


def _qr_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # C = Q^T dA R^-1, O = tril(C, -1) - its transpose (skew): dQ = Q (O - C) + dA R^-1,
    # dR = (C - O) R.
    a, t = node.args[0], one_tangent(ts)
    q, r = (b.apply("qr", a, attrs=(i,)) for i in (0, 1))
    t_rinv = right_solve(b, t, r)
    c = mm(b, mT(b, q), t_rinv)
    low = tri(b, c, True, -1)
    skew = b.sub(low, mT(b, low))
    if node.attrs[0] == 0:
        return b.add(mm(b, q, b.sub(skew, c)), t_rinv)
    return mm(b, b.sub(c, skew), r)


def _qr_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``(Q_bar + Q C_bar) R^-T`` with ``M = Q^T Q_bar - R_bar R^T`` and ``C_bar =
    tril(M - M^T, -1) - M``: the transpose of the JVP."""
    a = node.args[0]
    q, r = (b.apply("qr", a, attrs=(i,)) for i in (0, 1))
    m = mm(b, mT(b, q), ct) if node.attrs[0] == 0 else b.neg(mm(b, ct, mT(b, r)))
    c_bar = b.sub(tri(b, b.sub(m, mT(b, m)), True, -1), m)
    total = mm(b, q, c_bar)
    if node.attrs[0] == 0:
        total = b.add(ct, total)
    return (mT(b, b.apply("solve", r, mT(b, total))),)


# svd ----------------------------------------------------------------------------------


def _svd_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    t = matrix_type(types, attrs)
    m, n = t.dims
    k = _short(m, n)
    return ArrayType(t.dtype, ((m, k), (k,), (k, n))[attrs[0]])


def _svd_factors(b: NodeBuilder, a: Node) -> tuple[Node, Node, Node]:
    return tuple(b.apply("svd", a, attrs=(i,)) for i in range(3))  # type: ignore[return-value]


def _svd_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # dS = U^T dA V; ds = diag(dS); with F the gaps of the squares of s,
    # dU = U (F * (dS s + s dS^T)) + (I - U U^T) dA V / s,
    # dV = V (F * (s dS + dS^T s)) + (I - V V^T) dA^T U / s.
    a, t = node.args[0], one_tangent(ts)
    u, s, vh = _svd_factors(b, a)
    which = node.attrs[0]
    if which == 1:
        return _diagonal_of(b, u, t, mT(b, vh))
    v = mT(b, vh)
    ds = mm(b, mT(b, u), t, v)
    gaps = _gaps(b, b.mul(s, s), vh)
    column_s = b.apply("expand_dims", s, attrs=((1,),))
    if which == 0:
        turn = b.mul(gaps, b.add(b.mul(ds, s), b.mul(column_s, mT(b, ds))))
        t_v = mm(b, t, v)
        return b.add(mm(b, u, turn), b.div(b.sub(t_v, mm(b, u, mT(b, u), t_v)), s))
    turn = b.mul(gaps, b.add(b.mul(column_s, ds), b.mul(mT(b, ds), s)))
    tt_u = mm(b, mT(b, t), u)
    dv = b.add(mm(b, v, turn), b.div(b.sub(tt_u, mm(b, v, vh, tt_u)), s))
    return mT(b, dv)


def _svd_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``U (diag(s_bar) + (J + J^T) s + s (K + K^T)) Vh`` with ``J = F * U^T U_bar``, ``K =
    F * V^T V_bar``, plus the parts of U_bar and V_bar outside the spans of U and V."""
    a = node.args[0]
    u, s, vh = _svd_factors(b, a)
    which = node.attrs[0]
    if which == 1:
        return (mm(b, b.mul(u, ct), vh),)
    v = mT(b, vh)
    column_s = b.apply("expand_dims", s, attrs=((1,),))
    if which == 0:
        j = b.mul(_gaps(b, b.mul(s, s), vh), mm(b, mT(b, u), ct))
        inner = b.mul(b.add(j, mT(b, j)), s)
        outside = mm(b, b.div(b.sub(ct, mm(b, u, mT(b, u), ct)), s), vh)
    else:
        k = b.mul(_gaps(b, b.mul(s, s), vh), mm(b, vh, mT(b, ct)))
        inner = b.mul(column_s, b.add(k, mT(b, k)))
        outside = mm(b, u, b.div(b.sub(ct, mm(b, ct, v, vh)), column_s))
    return (b.add(mm(b, u, inner, vh), outside),)


EIGH = Primitive(
    "eigh", 1, None, _emit_eigh, type_rule=_eigh_type, jvp_rule=_eigh_jvp,
    vjp_rule=_eigh_vjp)

EIGVALSH = Primitive(
    "eigvalsh", 1, None, _emit_eigvalsh,
    type_rule=lambda types, attrs: _eigh_type(types, (0,)), jvp_rule=_eigh_jvp,
    vjp_rule=_eigh_vjp)

QR = Primitive(
    "qr", 1, None, lambda args, attrs: part(linalg_call("qr", args[0]), attrs[0]),
    type_rule=_qr_type, jvp_rule=_qr_jvp, vjp_rule=_qr_vjp)

SVD = Primitive(
    "svd", 1, None, lambda args, attrs: part(
        linalg_call("svd", args[0], full_matrices=False), attrs[0]),
    type_rule=_svd_type, jvp_rule=_svd_jvp, vjp_rule=_svd_vjp)

RECORDS: tuple[Primitive, ...] = (EIGH, EIGVALSH, QR, SVD)
