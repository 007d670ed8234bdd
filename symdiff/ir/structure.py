"""Matrix structure: diagonals (``np.diagonal`` and ``np.diag`` both ways); the
Kronecker product (``np.kron``) and the cross product of 3-vectors (``np.cross``).
(Triangles, ``np.tril`` and ``np.triu``, are `ir.matrices`' ``triangle``.)

Contract:
- ``diagonal`` is diagonal ``attrs[0]`` of the last two axes, as a last axis (a
  read-only view, as NumPy's); ``diag`` makes a square matrix with its vector on
  diagonal ``attrs[0]``. Both carry the result's lengths (`ir.types` dims) last in
  their attributes, worked out by whoever builds the node (`diagonal_dims`,
  `diag_dims`). Each is the other's transpose, through `on_diagonal`: values put on a
  diagonal of zeros, as zeros padded after them times an identity with that offset.
- ``kron`` is the Kronecker product of two arrays of the same rank (the frontend gives
  the smaller leading axes of length one, as NumPy does): bilinear, each cotangent an
  einsum of the other array with the cotangent seen as blocks (`kron_blocks`).
- ``cross`` is the cross product along the last axis of two arrays of 3-vectors (the
  frontend checks the length), whose other axes broadcast; it is bilinear, and its
  cotangents are cross products again (``<c, a x b> = <a, b x c> = <b, c x a>``).
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import bilinear_jvp, linear_jvp, np_call
from symdiff.ir.linalg import einsum, fresh_letters
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive
from symdiff.ir.shapes import dims_type, exact, product_dim, result_dtype, size_of
from symdiff.ir.types import MANY, ArrayType, Dim, Type, broadcast

# Diagonals -----------------------------------------------------------------------------


def diagonal_dims(n: Dim, m: Dim, k: int) -> Dim:
    """What is known of the length of diagonal `k` of a matrix of `n` rows and `m`
    columns."""
    if exact(n) and exact(m):
        return max(0, min(n, m - k) if k >= 0 else min(n + k, m))  # type: ignore[operator]
    if k == 0 and n == MANY and m == MANY:
        return MANY  # each is 0 or at least 2, and so is the shorter
    return None


def diag_dims(n: Dim, k: int) -> Dim:
    """What is known of the side of the matrix ``np.diag`` makes of a vector of `n`."""
    if exact(n):
        return n + abs(k)  # type: ignore[operator]
    if k == 0 or abs(k) >= 2:
        return n if k == 0 else MANY
    return None


def on_diagonal(b: NodeBuilder, values: Node, n: Node, m: Node, k: int,
                dims: tuple[Dim, Dim]) -> Node:
    """Zeros of `n` rows and `m` columns (of lengths `dims`) with `values` (a last axis
    as long as the diagonal) on diagonal `k`, the other axes of `values` in front: the
    values, padded with zeros to the rows (columns for ``k < 0``), times the identity
    with offset `k` (which has no one past the diagonal's end)."""
    t = values.type
    axis = t.ndim - 1
    length, side = (n, dims[0]) if k >= 0 else (m, dims[1])
    rest = b.sub(length, size_of(b, values, axis))
    if not (rest.is_const and rest.value == 0):
        values = b.apply("pad_axis", values, 0, rest, attrs=(axis, (*t.dims[:-1], side)))
    placed = b.apply("expand_dims", values, attrs=((axis + 1 if k >= 0 else axis,),))
    eye = b.apply("eye", n, m, attrs=(k, dims, t.dtype, t.dtype != "float64"))
    return b.mul(placed, eye)


def _emit_diagonal(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    k, dims = attrs
    if len(dims) > 1:  # of a stack of matrices: of its last two axes
        return np_call("diagonal", args[0], ast.Constant(k), ast.Constant(-2),
                       ast.Constant(-1))
    return np_call("diagonal", args[0], *([ast.Constant(k)] if k else []))


def _diagonal_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    (x,), k = node.args, node.attrs[0]
    last = x.type.ndim - 1
    n, m = size_of(b, x, last - 1), size_of(b, x, last)
    return (on_diagonal(b, ct, n, m, k, x.type.dims[-2:]),)


def _diag_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    v = node.args[0]
    return (b.apply("diagonal", ct, attrs=(node.attrs[0], v.type.dims)),)


# The Kronecker product ----------------------------------------------------------------


def _kron_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    a, b = types
    dims = tuple(product_dim((p, r)) for p, r in zip(a.dims, b.dims, strict=True))
    return ArrayType(result_dtype(types), dims)


def kron_blocks(b: NodeBuilder, value: Node, x: Node, y: Node) -> Node:
    """`value`, shaped like ``np.kron(x, y)``, as its blocks: axes (p0, r0, p1, r1, ...)
    for `x` of shape (p0, p1, ...) and `y` of (r0, r1, ...)."""
    lengths: list[Node] = []
    dims: list[Dim] = []
    for i in range(x.type.ndim):
        for z in (x, y):
            lengths.append(size_of(b, z, i))
            dims.append(z.type.dims[i])
    return b.apply("reshape", value, *lengths, attrs=(tuple(dims),))


def _kron_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, y = node.args
    letters = fresh_letters(2 * x.type.ndim)
    blocks, xs, ys = letters, letters[0::2], letters[1::2]
    g = kron_blocks(b, ct, x, y)
    return einsum(b, [blocks, ys], xs, [g, y]), einsum(b, [blocks, xs], ys, [g, x])


def _cross_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    joined = broadcast(*types)
    assert joined is not None
    return ArrayType(joined.dtype, (*joined.dims[:-1], 3))


# attrs (k, dims)
DIAGONAL = Primitive(
    "diagonal", 1, None, _emit_diagonal, type_rule=dims_type, jvp_rule=linear_jvp,
    vjp_rule=_diagonal_vjp, may_raise=False, view=True)

DIAG = Primitive(
    "diag", 1, None, lambda args, attrs: np_call(
        "diag", args[0], *([ast.Constant(attrs[0])] if attrs[0] else [])),
    type_rule=dims_type, jvp_rule=linear_jvp, vjp_rule=_diag_vjp, may_raise=False)


KRON = Primitive(
    "kron", 2, None, lambda args, attrs: np_call("kron", *args), type_rule=_kron_type,
    jvp_rule=bilinear_jvp, vjp_rule=_kron_vjp, may_raise=False)


CROSS = Primitive(
    "cross", 2, None, lambda args, attrs: np_call("cross", *args), type_rule=_cross_type,
    jvp_rule=bilinear_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("cross", node.args[1], ct),
                                  b.apply("cross", ct, node.args[0])),
    may_raise=False)


RECORDS: tuple[Primitive, ...] = (DIAGONAL, DIAG, KRON, CROSS)
