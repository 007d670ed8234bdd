"""Lowering of ``np.take_along_axis`` onto integer-array indexing.

Contract (functions over a `frame.Frame`): ``np.take_along_axis(arr, indices, axis)``
with an integer array `indices` of as many axes as `arr` reads
``arr[i0, ..., indices, ..., in]``, each ``ik`` the positions ``np.arange`` along axis
`k` shaped to broadcast against `indices` (NumPy's own definition), so it is one
``index`` node whose derivatives, batching and transpose (``np.add.at``, repeated
indices accumulating) are those of indexing. ``axis=None`` reads the flattened `arr` by
a 1-d `indices`. The axis must be a constant; a rank mismatch or float indices are
located errors, and an index out of range raises IndexError when the code runs.
"""

from __future__ import annotations

from symdiff.frontend.arrays import Handlers
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_indexing import read
from symdiff.frontend.np_shapes import array_of, one_axis, ravel
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.indexing import FULL
from symdiff.ir.node import Node
from symdiff.ir.shapes import size_of

# The NumPy functions this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("take_along_axis")
def _take_along_axis(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    x = array_of(low, args["arr"], name, e)
    indices = array_of(low, args["indices"], name, e)
    if not indices.type.dtype.startswith(("int", "uint")):
        raise low.src.error(f"np.take_along_axis(): indices must hold integers, not "
                            f"{indices.type.dtype}", e)
    if args["axis"] is None:
        x, a = ravel(low, x, e), 0
    else:
        a = one_axis(low, args["axis"], x.type.ndim, e)
    n = x.type.ndim
    if indices.type.ndim != n:
        raise low.src.error(f"np.take_along_axis(): indices have {indices.type.ndim} axes, "
                            f"the array {n} (they must have as many)", e)
    parts = [indices if k == a else _positions(low, x, k) for k in range(n)]
    return read(low, x, (("array",),) * n, parts, e)


def _positions(low: Frame, x: Node, k: int) -> Node:
    """``np.arange(x.shape[k])`` with axes of length one after it, to broadcast along
    axis `k` of an array of `x`'s rank."""
    b = low.b
    count = b.apply("arange", 0, size_of(b, x, k), 1,
                    attrs=((x.type.dims[k],), "int64", False))
    after = x.type.ndim - 1 - k
    if not after:
        return count
    return b.apply("index", count, attrs=((FULL, *(("none",),) * after),))
