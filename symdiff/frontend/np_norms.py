"""Lowering of ``np.linalg.norm`` with ``ord``, ``axis`` and ``keepdims``, each norm as
the operations NumPy computes it with, so its derivatives are theirs.

Contract: a handler of `frontend.arrays`' tables. NumPy computes a vector norm (over
one axis, or all of a 1-D array), a matrix norm (over two axes, or all of a 2-D
array) or, without ``ord`` and ``axis``, the 2-norm of every entry.
- Vector norms: ``ord`` None or 2 is the 2-norm (the ``norm`` primitive); 1 is
  ``sum(abs(x))``; ``inf`` and ``-inf`` are ``max(abs(x))`` and ``min(abs(x))``; 0 counts
  the entries that are not zero (derivative 0); any other p is
  ``sum(abs(x) ** p) ** (1 / p)``.
- Matrix norms: None and ``'fro'`` are the Frobenius norm (``norm`` over both axes); 1
  and -1 the largest and smallest column sum of ``abs(x)``; ``inf`` and ``-inf`` the
  largest and smallest row sum; ``2``, ``-2`` and ``'nuc'`` the largest, the smallest
  and the sum of the singular values (the ``svd`` primitive, `np_matrices`) of a 2-D
  array (over two axes of more, a stack of matrices: a located error).
- Kinks: ``abs'(0) = 0`` (a zero entry adds nothing to the gradient of the 1-norm); ties
  for the largest (smallest) entry or column or row sum share the derivative equally,
  as ``np.max`` does; the 2-norm's derivatives are 0 where it is 0. The singular-value
  norms' first derivatives are ``U diag(w) Vh`` of NumPy's factors (w the derivative
  of the reduction); their second need distinct nonzero singular values (`ir.spectral`).
- ``ord`` is a number (``np.inf`` and ``-np.inf`` too) or ``'fro'``/``'nuc'`` known
  while compiling; axes and ``keepdims`` are constants.
"""

from __future__ import annotations

import math
from typing import Any

from symdiff.frontend.arrays import Axes, Handlers, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.names import UNKNOWN, compile_time
from symdiff.frontend.np_matrices import singular_values
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node

# The NumPy functions this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("linalg.norm")
def _norm(low: Frame, args: Arguments, name: str) -> Node:
    x = args.array("x")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", args.call)
    order = _order(low, args)
    where = args.written("ord") or args.call
    if x.type is None:
        if order is not None:
            raise low.src.error("np.linalg.norm with ord of a number", args.call)
        return low.b.apply("abs", x)
    ndim = x.type.ndim
    axes = axes_of(low, args["axis"], ndim, args.call, keep_order=True)
    if axes is not None and len(set(axes)) != len(axes):
        raise low.src.error("np.linalg.norm: an axis is repeated", args.call)
    if axes is not None and len(axes) > 2 or axes is None and order is not None and ndim > 2:
        raise low.src.error("np.linalg.norm over more than two axes: NumPy has no such norm "
                            "(leave out ord and axis for the 2-norm of every entry)", args.call)
    if order is None:  # the 2-norm of the entries: of a vector, the Frobenius of a matrix
        chosen = None if axes is None or len(axes) == ndim else tuple(sorted(axes))
        return low.b.apply("norm", x, attrs=(chosen, keepdims))
    if axes is None:
        axes = tuple(range(ndim))
    if len(axes) == 1:
        if isinstance(order, str):
            raise low.src.error(f"np.linalg.norm(ord={order!r}) is a norm of matrices, not "
                                "of vectors", where)
        return vector_norm(low, x, order, axes, keepdims)
    if order in (2, -2, "nuc"):
        if ndim != 2:
            raise low.src.error(
                f"np.linalg.norm(ord={order!r}) of a stack of matrices (an array of more "
                "than two axes) is not supported yet: call it on each matrix", where)
        return _singular_norm(low, x, order, axes, keepdims)
    if order == "fro":
        return low.b.apply("norm", x, attrs=(tuple(sorted(axes)) if ndim > 2 else None,
                                             keepdims))
    if order not in (1, -1, math.inf, -math.inf):
        raise low.src.error(f"np.linalg.norm(ord={order!r}) is not a norm of matrices: "
                            "ord is None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf", where)
    return _matrix_norm(low, x, order, axes, keepdims)


def _order(low: Frame, args: Arguments) -> Any:
    value = args["ord"]
    if value is None:
        return None
    order = compile_time(low, value)
    if order is UNKNOWN or isinstance(order, bool) or not isinstance(order, (int, float, str)):
        raise low.src.error("np.linalg.norm: ord must be a number or 'fro' or 'nuc' known "
                            "while compiling (a literal, np.inf, or an int from a global)",
                            args.written("ord"))
    if isinstance(order, str) and order not in ("fro", "nuc"):
        raise low.src.error(f"np.linalg.norm(ord={order!r}) is not a norm: the strings are "
                            "'fro' and 'nuc'", args.written("ord"))
    return order


def vector_norm(low: Frame, x: Node, order: float, axes: tuple[int, ...], keepdims: bool
                ) -> Node:
    """The `order`-norm of `x` along its one axis in `axes`, as NumPy computes it."""
    b = low.b
    attrs = (None if x.type.ndim == 1 else axes, keepdims)
    if order == 2:
        return b.apply("norm", x, attrs=attrs)
    if order == 0:
        # NumPy counts in x's dtype: (x != 0).astype(x.dtype).sum(axis)
        return b.apply("sum", b.apply("astype_like", b.apply("ne", x, 0.0), x), attrs=attrs)
    size = b.apply("abs", x)
    if order == math.inf:
        return b.apply("amax", size, attrs=attrs)
    if order == -math.inf:
        return b.apply("amin", size, attrs=attrs)
    if order == 1:
        return b.apply("sum", size, attrs=attrs)
    return b.pow(b.apply("sum", b.pow(size, order), attrs=attrs), b.div(1.0, order))


def _singular_norm(low: Frame, x: Node, order: Any, axes: tuple[int, ...], keepdims: bool
                   ) -> Node:
    """The 2, -2 or 'nuc' norm of the matrix `x` with rows along ``axes[0]``: its largest,
    its smallest or the sum of its singular values."""
    b = low.b
    if axes != (0, 1):
        x = b.apply("transpose", x, attrs=(None,))
    reduction = {2: "amax", -2: "amin", "nuc": "sum"}[order]
    norm = b.apply(reduction, singular_values(low, x), attrs=(None, False))
    return b.apply("expand_dims", norm, attrs=((0, 1),)) if keepdims else norm


def _matrix_norm(low: Frame, x: Node, order: float, axes: Axes, keepdims: bool) -> Node:
    """The 1, -1, inf or -inf norm over the two `axes` (rows, columns) of `x`: the
    largest or smallest column sum (1) or row sum (inf) of ``abs(x)``."""
    assert axes is not None
    rows, columns = axes
    summed, extreme = (rows, columns) if abs(order) == 1 else (columns, rows)
    b = low.b
    sums = b.apply("sum", b.apply("abs", x), attrs=((summed,), keepdims))
    if not keepdims and extreme > summed:
        extreme -= 1  # the summed axis is gone
    reduction = "amax" if order > 0 else "amin"
    return b.apply(reduction, sums, attrs=(None if sums.type.ndim == 1 else (extreme,),
                                           keepdims))
