"""Lowering of casts: ``x.astype(dtype)``, and NumPy's scalar types called as functions
(``np.float64(x)``, ``np.float32(x)``, ``np.int64(x)``, ``np.int32(x)``).

Contract: handlers of `frontend.arrays`' tables (see there).
- The dtype is one of `np_shapes.DTYPES`, named in the code (``float``, ``np.float32``,
  ``"int64"``). A cast to a float type passes the derivative through (a float32 input
  cast to float64 keeps a float32 gradient); one to ints or bools has none, as other
  roundings (``np.int64(W[:, -1])`` picks rows by the values of a column).
- Of a number: ``np.float64(x)`` is ``float(x)``, ``np.int64(x)`` and ``np.int32(x)``
  are ``int(x)`` (toward zero: an int, usable as a count); ``np.float32(x)`` rounds to
  float32. ``x.astype()`` of a number is a located error, as it is in Python.
- ``copy=`` of ``astype`` is read as a constant and left out: the cast's value is a new
  array either way for the derivative.
"""

from __future__ import annotations

from symdiff.frontend.arrays import Handlers, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import dtype_name
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()

# NumPy's scalar types that a call casts to (their names are the dtypes').
SCALAR_TYPES = ("float64", "float32", "int64", "int32")


@HANDLERS.method("astype")
def _astype(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    constant(low, args["copy"], bool, "astype() copy", e)
    dtype = dtype_name(low, args.written("dtype"), "x.astype() dtype")
    if dtype is None:
        raise low.src.error("x.astype(None): name the dtype", e)
    return cast(low, args.number("a"), dtype)


@HANDLERS.function(*SCALAR_TYPES)
def _scalar_type(low: Frame, args: Arguments, name: str) -> Node:
    x = args.array("value")
    if x.type is None and name != "float32":
        return low.b.apply("float" if name == "float64" else "int", x)
    return cast(low, x, name)


def cast(low: Frame, x: Node, dtype: str) -> Node:
    """`x` as `dtype` (itself when it has that dtype already, as NumPy's copy=False)."""
    if x.type is not None and x.type.dtype == dtype:
        return x
    return low.b.apply("astype", x, attrs=(dtype,))
