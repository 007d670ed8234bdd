"""Lowering of NumPy's matrix structure: ``np.diagonal`` / ``x.diagonal()`` and
``np.diag`` (a matrix's diagonal, or a matrix made of a vector); and ``np.cross`` of
3-vectors. (``np.tril`` and ``np.triu`` are `np_matrices`'.)

Contract: handlers of `frontend.arrays`' tables (see there). Offsets (``k``,
``offset``) and axes must be constants; a diagonal of other axes than the last two is
that of a transpose moving them last (as NumPy defines it). What NumPy would compute
but symdiff does not (``np.diag`` of a stack of matrices) is a
located error naming the function. ``np.cross`` takes 3-vectors along the last axis,
or along ``axis=`` (moved last and back), their other axes broadcasting; vectors of
another length are a located error, or when their length is known only at run time, a
ValueError then (NumPy would give the z-component of 2-vectors).
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import array_of, one_axis
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node
from symdiff.ir.shapes import exact, size_of
from symdiff.ir.structure import diag_dims, diagonal_dims

_NOT_THREE = "np.cross here takes vectors of 3 components along its axis"

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("diagonal")
@HANDLERS.method("diagonal")
def _diagonal_call(low: Frame, args: Arguments, name: str) -> Node:
    """``np.diagonal(x, offset, axis1, axis2)``: a last axis in place of the two."""
    e = args.call
    x = args.array("a")
    if x.type is None or x.type.ndim < 2:
        raise low.src.error("np.diagonal of an array of fewer than two axes", e)
    ndim = x.type.ndim
    k = constant(low, args["offset"], int, "np.diagonal() offset", e)
    first, second = (one_axis(low, args[p], ndim, e) for p in ("axis1", "axis2"))
    if first == second:
        raise low.src.error("np.diagonal: axis1 and axis2 cannot be the same", e)
    if (first, second) != (ndim - 2, ndim - 1):
        rest = tuple(a for a in range(ndim) if a not in (first, second))
        x = low.b.apply("transpose", x, attrs=((*rest, first, second),))
    return _diagonal(low, x, k)


@HANDLERS.function("diag")
def _np_diag(low: Frame, args: Arguments, name: str) -> Node:
    x = args.array("v")
    k = constant(low, args["k"], int, "np.diag() k", args.call)
    if x.type is None or x.type.ndim > 2:
        raise low.src.error("np.diag takes a vector (to make a matrix of) or a matrix (to "
                            "take its diagonal)", args.call)
    if x.type.ndim == 2:
        return _diagonal(low, x, k)
    side = diag_dims(x.type.dims[0], k)
    return low.b.apply("diag", x, attrs=(k, (side, side)))


def _diagonal(low: Frame, x: Node, k: int) -> Node:
    *rest, n, m = x.type.dims
    return low.b.apply("diagonal", x, attrs=(k, (*rest, diagonal_dims(n, m, k))))


@HANDLERS.function("cross")
def _np_cross(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    a, b = (array_of(low, args[p], name, e) for p in ("a", "b"))
    axis = args["axis"]
    moved = [_axis_last(low, x, axis, e) for x in (a, b)]
    for x in moved:
        length = x.type.dims[-1]
        if exact(length) and length != 3:
            raise low.src.error(f"{_NOT_THREE} (these have {length}; NumPy's z-component "
                                "of 2-vectors is not supported)", e)
        if not exact(length):
            n = size_of(low.b, x, x.type.ndim - 1)
            low.b.apply("raise_if", low.b.apply("ne", n, 3), attrs=("ValueError", _NOT_THREE))
    out = low.b.apply("cross", *moved)
    if axis is None:
        return out
    last, ndim = out.type.ndim - 1, out.type.ndim
    at = one_axis(low, axis, ndim, e)
    order = (*range(at), last, *range(at, last))
    return out if at == last else low.b.apply("transpose", out, attrs=(order,))


def _axis_last(low: Frame, x: Node, axis: Any, e: ast.AST) -> Node:
    """`x` with its `axis` moved last (None: as it is)."""
    if axis is None:
        return x
    ndim = x.type.ndim
    at = one_axis(low, axis, ndim, e)
    if at == ndim - 1:
        return x
    return low.b.apply("transpose", x, attrs=((*range(at), *range(at + 1, ndim), at),))
