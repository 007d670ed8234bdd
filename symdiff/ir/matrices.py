"""Functions of one matrix beyond det and inv: triangles, the Cholesky factor, the
log-determinant, the pseudo-inverse, least squares and the matrix exponential.

Contract:
- ``triangle`` is ``np.tril`` (``attrs[0]`` true) or ``np.triu`` of its argument with the
  diagonal offset ``attrs[1]``: linear, its own transpose.
- ``cholesky``, ``slogdet`` and ``pinv`` are NumPy's ``np.linalg`` functions of a matrix
  or of each matrix of a stack (the last two axes); ``lstsq`` is of a 2-D matrix only.
  ``slogdet`` is one part of NumPy's pair, ``attrs[0]``: 0 the sign (its derivative is
  0), 1 the log of the absolute determinant.
- ``np.linalg.cholesky`` and ``np.linalg.eigh`` read one triangle of their argument
  only; their derivatives are those of that function, exact in every direction: a
  perturbation of the other triangle changes nothing (`symmetric_from`, `fold`). For
  a symmetric argument built from other values (a kernel matrix) this is the same
  chain rule as the symmetric convention of other tools.
- ``pinv``'s derivative is that of the pseudo-inverse of a matrix of constant rank
  (full rank: it is not continuous where the rank changes).
- ``expm`` is ``scipy.linalg.expm``, emitted as SciPy's call (the generated module
  imports ``scipy.linalg``); it acts on the last two axes of a stack of matrices too.
  Its derivative in direction E is the top right block of the exponential of the
  block matrix ``[[A, E], [0, A]]``, and its transpose that of ``[[A^T, G], [0, A^T]]``:
  both exponentials again, so every order is one more exponential of a larger block.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.linalg import matrix_and_rhs, matrix_sum, mT, per_matrix, square_type
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, accumulate, one_tangent
from symdiff.ir.types import ArrayType, Type


def linalg_call(name: str, *args: ast.expr, **keywords: Any) -> ast.Call:
    """``np.linalg.<name>(*args, **keywords)``."""
    func = ast.Attribute(ast.Attribute(ast.Name("np", ast.Load()), "linalg", ast.Load()),
                         name, ast.Load())
    return ast.Call(func, list(args), [ast.keyword(k, ast.Constant(v))
                                       for k, v in keywords.items()])


def part(call: ast.expr, index: int) -> ast.expr:
    """``call[index]``: one value of a function returning several."""
    return ast.Subscript(call, ast.Constant(index), ast.Load())


def matrix_type(types: list[Type], attrs: tuple[Any, ...]) -> ArrayType:
    """The type of a matrix or a stack of them (TypeError for anything else)."""
    return square_type(types[:1], attrs)


def mm(b: NodeBuilder, *factors: Node) -> Node:
    """The matrix product of `factors`, left to right."""
    out = factors[0]
    for f in factors[1:]:
        out = b.apply("matmul", out, f)
    return out


def tri(b: NodeBuilder, x: Node, lower: bool, k: int = 0) -> Node:
    return b.apply("triangle", x, attrs=(lower, k))


def eye(b: NodeBuilder, x: Node, axis: int = 0) -> Node:
    """The identity matrix as long as the rows (`axis` 0) or columns (1) of the matrix
    or matrices `x`, in its dtype."""
    at = x.type.ndim - 2 + axis
    return b.apply("eye_like", x, attrs=(at, at))


def symmetric_from(b: NodeBuilder, t: Node, lower: bool) -> Node:
    """The symmetric matrix a function that reads only the lower (upper) triangle of
    its argument sees in `t`: that triangle mirrored."""
    return b.add(tri(b, t, lower), mT(b, tri(b, t, lower, -1 if lower else 1)))


def fold(b: NodeBuilder, g: Node, lower: bool) -> Node:
    """The transpose of `symmetric_from`: a cotangent `g` of the symmetric matrix onto
    the triangle it was read from (the other triangle gets 0)."""
    return b.add(tri(b, g, lower), tri(b, mT(b, g), lower, -1 if lower else 1))


def right_solve(b: NodeBuilder, x: Node, a: Node) -> Node:
    """``x @ inv(a)``."""
    return mT(b, b.apply("solve", mT(b, a), mT(b, x)))


# triangle -----------------------------------------------------------------------------


def _emit_triangle(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    lower, k = attrs
    func = ast.Attribute(ast.Name("np", ast.Load()), "tril" if lower else "triu", ast.Load())
    return ast.Call(func, [args[0], *([ast.Constant(k)] if k else [])], [])


def _triangle_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    if t is None or t.ndim < 2:
        raise TypeError("np.tril and np.triu of an array of fewer than two axes")
    return t


# cholesky -----------------------------------------------------------------------------


def _phi(b: NodeBuilder, x: Node) -> Node:
    """The lower triangle of `x` with its diagonal halved."""
    return b.sub(tri(b, x, True), b.mul(0.5, b.mul(x, eye(b, x))))


def _cholesky_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # A = L L^T: dL = L phi(L^-1 dA L^-T), dA the symmetric matrix cholesky reads.
    t = one_tangent(ts)
    s = symmetric_from(b, t, lower=True)
    x = b.apply("solve", node, mT(b, b.apply("solve", node, s)))
    return mm(b, node, _phi(b, x))


def _cholesky_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The transpose of the JVP: ``L^-T phi(L^T ct) L^-1``, folded onto the lower
    triangle NumPy reads."""
    lt = mT(b, node)
    x_bar = _phi(b, mm(b, lt, ct))
    s_bar = mT(b, b.apply("solve", lt, mT(b, b.apply("solve", lt, x_bar))))
    return (fold(b, s_bar, lower=True),)


# slogdet ------------------------------------------------------------------------------


def _slogdet_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    if node.attrs[0] == 0:
        return None  # the sign is piecewise constant
    inv_t = mT(b, b.apply("inv", node.args[0]))
    return matrix_sum(b, b.mul(inv_t, one_tangent(ts)))


def _slogdet_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``ct * inv(A).T`` for the log-determinant (A invertible), nothing for the sign."""
    if node.attrs[0] == 0:
        return (None,)
    return (b.mul(per_matrix(b, ct), mT(b, b.apply("inv", node.args[0]))),)


def _batch_type(t: ArrayType) -> Type:
    """One number per matrix of a stack of type `t` (a number for one matrix)."""
    return ArrayType(t.dtype, t.dims[:-2]) if t.ndim > 2 else None


# pinv ---------------------------------------------------------------------------------


def _pinv_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    t = matrix_type(types, attrs)
    return ArrayType(t.dtype, (*t.dims[:-2], t.dims[-1], t.dims[-2]))


def _pinv_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node:
    # d(A+) = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+
    t = one_tangent(ts)
    a, p = node.args[0], node
    tt, pt = mT(b, t), mT(b, p)
    left = b.sub(eye(b, a, 0), mm(b, a, p))  # I - A A+ (m x m)
    right = b.sub(eye(b, a, 1), mm(b, p, a))  # I - A+ A (n x n)
    return b.add(b.sub(mm(b, p, pt, tt, left), mm(b, p, t, p)), mm(b, right, tt, pt, p))


def _pinv_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The transpose of each of the JVP's three terms (constant rank)."""
    a, p = node.args[0], node
    gt, pt = mT(b, ct), mT(b, p)
    left = b.sub(eye(b, a, 0), mm(b, a, p))
    right = b.sub(eye(b, a, 1), mm(b, p, a))
    return (b.add(b.sub(mm(b, left, gt, p, pt), mm(b, pt, ct, pt)), mm(b, pt, p, gt, right)),)


# expm ---------------------------------------------------------------------------------


def _emit_expm(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    linalg = ast.Attribute(ast.Name("scipy", ast.Load()), "linalg", ast.Load())
    return ast.Call(ast.Attribute(linalg, "expm", ast.Load()), [args[0]], [])


def _square_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    if t is None or t.ndim < 2:
        raise TypeError("scipy.linalg.expm of a matrix (2-D array) or a stack of them")
    return t


def _frechet(b: NodeBuilder, a: Node, e: Node) -> Node:
    """The derivative of ``expm`` at `a` in direction `e`: the top right block of
    ``expm([[a, e], [0, a]])`` (of each matrix of a stack: over the last two axes)."""
    rows, columns = a.type.ndim - 2, a.type.ndim - 1
    top = b.apply("concatenate", a, e, attrs=(columns,))
    bottom = b.apply("concatenate", b.apply("zeros_like", a), a, attrs=(columns,))
    big = b.apply("expm", b.apply("concatenate", top, bottom, attrs=(rows,)))
    n = b.apply("size", a, attrs=((rows,),))
    upper = b.apply("slice_axis", big, b.const(0), n,
                    attrs=(rows, (*a.type.dims[:-1], big.type.dims[-1])))
    return b.apply("slice_axis", upper, n, attrs=(columns, a.type.dims))


def _expm_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The derivative in direction `ct` at the transpose (of each matrix of a stack)."""
    return (_frechet(b, mT(b, node.args[0]), ct),)


# lstsq --------------------------------------------------------------------------------


def _lstsq_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    a, rhs, dtype = matrix_and_rhs(types, "lstsq")
    if attrs[0] == 0:
        return ArrayType(dtype, (a.dims[1], *rhs.dims[1:]))
    # NumPy's residuals are empty unless A is tall and of full rank: a length unknown.
    return ArrayType(dtype, (None,)) if attrs[0] == 1 else None


def _emit_lstsq(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return part(linalg_call("lstsq", *args, rcond=None), attrs[0])


def _residual(b: NodeBuilder, node: Node) -> tuple[Node, Node]:
    """The solution and the residual ``rhs - A x`` of an lstsq node."""
    a, rhs = node.args
    x = b.apply("lstsq", a, rhs, attrs=(0,))
    return x, b.sub(rhs, mm(b, a, x))


def _lstsq_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # x = pinv(A) rhs; the residuals' sum of squares moves with d(rhs) - dA x only,
    # as A^T r = 0 at the least-squares solution.
    (a, rhs), (ta, tr) = node.args, ts
    which = node.attrs[0]
    if which == 2:
        return None  # the rank
    if which == 0:
        p = b.apply("pinv", a)
        terms = [mm(b, _pinv_jvp(b, p, (ta,)), rhs) if ta is not None else None,
                 mm(b, p, tr) if tr is not None else None]
        return accumulate(b, *terms)
    x, r = _residual(b, node)
    moved = accumulate(b, tr, b.neg(mm(b, ta, x)) if ta is not None else None)
    assert moved is not None
    return b.mul(2.0, b.apply("sum", b.mul(r, moved), attrs=((0,), rhs.type.ndim == 1)))


def _lstsq_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """Through ``x = pinv(A) rhs`` (A of full rank), and for the residuals ``2 r ct`` to
    the right-hand side and ``-2 r ct x^T`` to A."""
    (a, rhs), which = node.args, node.attrs[0]
    if which == 2:
        return None, None
    if which == 0:
        p = b.apply("pinv", a)
        if rhs.type.ndim == 1:
            p_bar = b.apply("outer", ct, rhs)
        else:
            p_bar = mm(b, ct, mT(b, rhs))
        return _pinv_vjp(b, p, p_bar)[0], mm(b, mT(b, p), ct)
    x, r = _residual(b, node)
    rhs_bar = b.mul(2.0, b.mul(r, ct))
    if rhs.type.ndim == 1:
        return b.neg(b.apply("outer", rhs_bar, x)), rhs_bar
    return b.neg(mm(b, rhs_bar, mT(b, x))), rhs_bar


TRIANGLE = Primitive(
    "triangle", 1, None, _emit_triangle, type_rule=_triangle_type,
    jvp_rule=lambda b, node, ts: b.apply("triangle", one_tangent(ts), attrs=node.attrs),
    vjp_rule=lambda b, node, ct: (b.apply("triangle", ct, attrs=node.attrs),),
    may_raise=False)

# np.linalg.cholesky raises LinAlgError for a matrix that is not positive definite.
CHOLESKY = Primitive(
    "cholesky", 1, None, lambda args, attrs: linalg_call("cholesky", args[0]),
    type_rule=matrix_type, jvp_rule=_cholesky_jvp, vjp_rule=_cholesky_vjp)

SLOGDET = Primitive(
    "slogdet", 1, None, lambda args, attrs: part(linalg_call("slogdet", args[0]), attrs[0]),
    type_rule=lambda types, attrs: _batch_type(matrix_type(types, attrs)),
    jvp_rule=_slogdet_jvp, vjp_rule=_slogdet_vjp)

# attrs: () or the cutoff ``rcond`` (relative to the largest singular value).
PINV = Primitive(
    "pinv", 1, None,
    lambda args, attrs: linalg_call("pinv", args[0], **({"rcond": attrs[0]} if attrs else {})),
    type_rule=_pinv_type,
    jvp_rule=_pinv_jvp, vjp_rule=_pinv_vjp)

# The parts of np.linalg.lstsq(a, b, rcond=None), attrs[0]: 0 the solution, 1 the
# residuals' sums of squares, 2 the rank (its derivative is 0). The singular values
# are svd's (`spectral`).
LSTSQ = Primitive(
    "lstsq", 2, None, _emit_lstsq, type_rule=_lstsq_type, jvp_rule=_lstsq_jvp,
    vjp_rule=_lstsq_vjp)

EXPM = Primitive(
    "expm", 1, None, _emit_expm, type_rule=_square_type,
    jvp_rule=lambda b, node, ts: _frechet(b, node.args[0], one_tangent(ts)),
    vjp_rule=_expm_vjp)

RECORDS: tuple[Primitive, ...] = (TRIANGLE, CHOLESKY, SLOGDET, PINV, LSTSQ, EXPM)
