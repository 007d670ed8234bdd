"""Lowering of NumPy reductions beyond sum/mean (``np.prod``, ``np.max``/``np.amax``,
``np.min``/``np.amin`` and the methods ``x.prod()``, ``x.max()``, ``x.min()``),
``np.trace``/``x.trace()`` with ``offset``, ``axis1`` and ``axis2``, ``np.vdot`` and
``np.outer`` of arrays of any shapes (flattened, as NumPy does), ``np.tensordot`` (an
einsum), ``np.kron`` and ``np.linalg.det``/``inv``/``solve`` (``np.einsum`` is in
`np_einsum`, ``np.linalg.norm`` in `np_norms`).

Contract: handlers of `frontend.arrays`' tables (see there). Axes, ``keepdims``,
``offset`` and tensordot's ``axes`` must be constants; what NumPy would compute but
symdiff does not
differentiate is a located error naming it. A trace is the ``trace`` primitive of the
array with the two axes moved first and sliced so that the diagonal is the main one.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, axes_of, constant, literal
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import ravel
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.values import is_array
from symdiff.ir import linalg
from symdiff.ir.node import Node
from symdiff.ir.shapes import exact

# The primitive of each reduction, by the NumPy name it is called by.
_REDUCTIONS = {"prod": "prod", "max": "amax", "amax": "amax", "min": "amin", "amin": "amin"}

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("prod", "max", "amax", "min", "amin")
@HANDLERS.method("prod", "max", "min")
def _reduction(low: Frame, args: Arguments, name: str) -> Node:
    """``np.prod``/``np.max``/``np.min`` with the constant ``axis`` and ``keepdims``."""
    x = args.array("a")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", args.call)
    if x.type is None:
        return x  # of a number: that number
    axes = axes_of(low, args["axis"], x.type.ndim, args.call)
    return low.b.apply(_REDUCTIONS[name], x, attrs=(axes, keepdims))


@HANDLERS.function("trace")
@HANDLERS.method("trace")
def _trace(low: Frame, args: Arguments, name: str) -> Node:
    """The sum of the diagonal ``offset`` above the main one of axes ``axis1`` and
    ``axis2``: those axes moved first, the array sliced so that diagonal is the main
    one, and the trace of the first two axes taken."""
    x = args.number("a")
    if not is_array(x) or x.type.ndim < 2:
        raise low.src.error("trace of an array of fewer than two axes", args.call)
    ndim = x.type.ndim
    offset = constant(low, args["offset"], int, "trace offset", args.call)
    first, second = (axes_of(low, args[p], ndim, args.call) for p in ("axis1", "axis2"))
    assert first is not None and second is not None
    if first == second:
        raise low.src.error("trace axis1 and axis2 must be different axes", args.call)
    order = (*first, *second, *(a for a in range(ndim) if a not in (*first, *second)))
    if order != tuple(range(ndim)):
        x = low.b.apply("transpose", x, attrs=(order,))
    if offset:
        axis = 1 if offset > 0 else 0
        length = x.type.dims[axis]
        dims = tuple((max(d - abs(offset), 0) if exact(d) else None) if i == axis else d
                     for i, d in enumerate(x.type.dims))
        # Past the end the slice is empty: it starts at the end (its cotangent is padded
        # back to the axis's length).
        start: Node | int = min(abs(offset), length) if exact(length) else low.b.apply(
            "min", abs(offset), low.b.apply("size", x, attrs=((axis,),)))
        x = low.b.apply("slice_axis", x, start, attrs=(axis, dims))
    return low.b.apply("trace", x)


@HANDLERS.function("vdot")
def _np_vdot(low: Frame, args: Arguments, name: str) -> Node:
    """The sum of the products of the entries, the arrays flattened (of the same size)."""
    a, b = args.number("a"), args.number("b")
    if a.type is None or b.type is None:
        raise low.src.error("np.vdot of a number: NumPy takes arrays of one size", args.call)
    return low.b.apply("matmul", ravel(low, a, args.call), ravel(low, b, args.call))


@HANDLERS.function("outer")
def _np_outer(low: Frame, args: Arguments, name: str) -> Node:
    """The outer product of the arrays flattened (a number is an array of one entry)."""
    a, b = args.number("a"), args.number("b")
    e = args.call
    if a.type is not None and b.type is not None:
        return low.b.apply("outer", ravel(low, a, e), ravel(low, b, e))
    if a.type is None and b.type is None:
        return low.b.apply("expand_dims", low.b.mul(a, b), attrs=((0, 1),))
    if a.type is None:
        return low.b.mul(a, low.b.apply("expand_dims", ravel(low, b, e), attrs=((0,),)))
    return low.b.mul(low.b.apply("expand_dims", ravel(low, a, e), attrs=((1,),)), b)


@HANDLERS.function("tensordot")
def _np_tensordot(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    a, b = args.number("a"), args.number("b")
    # The axes are read as written: a list of lists is not a list of numbers.
    written = args.written("axes")
    given = literal(low, written) if written is not None else low.b.const(2)
    na, nb = (x.type.ndim if x.type is not None else 0 for x in (a, b))
    first, second = _contracted(low, given, na, nb, e)
    if a.type is None or b.type is None:
        return low.b.mul(a, b)  # nothing contracted: a number scales the other
    letters = linalg.fresh_letters(a.type.ndim + b.type.ndim)
    spec_a = letters[:a.type.ndim]
    spec_b = list(letters[a.type.ndim:])
    for i, j in zip(first, second, strict=True):
        spec_b[j] = spec_a[i]
    output = "".join(c for i, c in enumerate(spec_a) if i not in first) + "".join(
        c for j, c in enumerate(spec_b) if j not in second)
    return linalg.einsum(low.b, [spec_a, "".join(spec_b)], output, [a, b])


def _contracted(low: Frame, given: Any, na: int, nb: int, e: ast.AST
                ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The axes of each array tensordot's ``axes`` contracts, in pairs."""
    if isinstance(given, Node):
        n = constant(low, given, int, "np.tensordot() axes", e)
        if not 0 <= n <= min(na, nb):
            raise low.src.error(f"np.tensordot(): cannot contract {n} axes of arrays of "
                                f"{na} and {nb} axes", e)
        return tuple(range(na - n, na)), tuple(range(n))
    if not isinstance(given, tuple) or len(given) != 2:
        raise low.src.error("np.tensordot() axes must be an int or a pair of axes or of "
                            "lists of axes", e)
    first, second = (axes_of(low, g, n, e, keep_order=True) for g, n in zip(
        given, (na, nb), strict=True))
    if first is None or second is None or len(first) != len(second) or \
            len(set(first)) != len(first) or len(set(second)) != len(second):
        raise low.src.error("np.tensordot(): give as many different axes of each array", e)
    return first, second


@HANDLERS.function("kron")
def _np_kron(low: Frame, args: Arguments, name: str) -> Node:
    a, b = args.number("a"), args.number("b")
    if a.type is None or b.type is None:
        return low.b.mul(a, b)
    # Each array given the other's rank, as NumPy does, by leading axes of length one.
    n = max(a.type.ndim, b.type.ndim)
    a, b = (x if x.type.ndim == n else low.b.apply(
        "expand_dims", x, attrs=(tuple(range(n - x.type.ndim)),)) for x in (a, b))
    return low.b.apply("kron", a, b)


@HANDLERS.function("linalg.det", "linalg.inv")
def _np_square(low: Frame, args: Arguments, name: str) -> Node:
    a = args.number("a")
    if not is_array(a) or a.type.ndim != 2:
        raise low.src.error(f"np.{name} of a matrix (2-D array) only here", args.call)
    return low.b.apply(name.split(".")[1], a)


@HANDLERS.function("linalg.solve")
def _np_solve(low: Frame, args: Arguments, name: str) -> Node:
    a, rhs = args.number("a"), args.number("b")
    if not (is_array(a) and a.type.ndim == 2 and is_array(rhs) and rhs.type.ndim in (1, 2)):
        raise low.src.error("np.linalg.solve of a matrix and a vector or matrix only here",
                            args.call)
    return low.b.apply("solve", a, rhs)
