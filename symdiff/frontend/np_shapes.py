"""Lowering of NumPy shape operations and array constructors: ``np.reshape`` /
``x.reshape``, ``np.ravel`` / ``x.ravel()`` / ``x.flatten()``, ``np.squeeze`` /
``x.squeeze()``, ``np.expand_dims``, ``np.concatenate``, ``np.stack``, ``np.array`` /
``np.asarray`` of (nested) lists of values, ``np.zeros`` / ``np.ones`` / ``np.full`` and
their ``_like`` forms, ``np.arange``, ``np.linspace``, ``np.eye``, ``np.cumsum`` /
``np.cumprod`` (and the methods, and NumPy 2's ``np.cumulative_sum`` /
``np.cumulative_prod``) and ``np.diff``.

Contract (functions over a `frame.Frame`):
- A shape is an int or a tuple or list of ints: constants, or ints known only at run
  time (``x.shape[0]``, ``len(x)``, arithmetic on them). What is known of each length
  (`ir.types`) is worked out here: a constant is exact; another array's length is what
  is known of that axis; ``-1`` in a reshape is the product of the array's axes the
  other lengths do not name, when they name some of its own axes (``x.reshape(
  x.shape[0], -1)``), else unknown. A shape that is exactly ``y.shape`` is kept as one.
- ``dtype=`` is float32, float64, int32, int64 or bool (``np.float32``, ``float``,
  ``"float32"``...); it is written out in the generated code when the user wrote it.
- Axes, ``n``, ``k`` and ``endpoint`` must be constants (the result's type depends on
  them); anything else unsupported is a located error naming the function.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from symdiff.frontend import names
from symdiff.frontend.array_like import (
    array_like,
    dtype_of,
    listed,
    nested,
    new_array,
    same_length,
)
from symdiff.frontend.arrays import Handlers, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.resolve import Resolved
from symdiff.ir.arrays import SIZE
from symdiff.ir.node import Node, Op, is_int
from symdiff.ir.scalars import DIV
from symdiff.ir.sequences import is_seq
from symdiff.ir.shapes import exact, product_dim
from symdiff.ir.types import Dim

DTYPES = ("float32", "float64", "int32", "int64", "bool")

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@dataclass(frozen=True)
class Shape:
    """A shape argument: its lengths, what is known of each, and the array it is the
    whole shape of (``y.shape``), if it is one."""

    lengths: tuple[Node, ...]
    dims: tuple[Dim, ...]
    like: Node | None = None

    def args(self) -> tuple[Node, ...]:
        return (self.like,) if self.like is not None else self.lengths


# Shape operations ----------------------------------------------------------------------


@HANDLERS.function("reshape")
def _np_reshape(low: Frame, args: Arguments, name: str) -> Node:
    key = "newshape" if args.given("newshape") else "shape"
    if args.given("shape") and args.given("newshape"):
        raise low.src.error("np.reshape() got both shape= and newshape=", args.call)
    if not args.given(key):
        raise low.src.error("np.reshape() needs a shape", args.call)
    return reshape(low, args["a"], args[key], args.call, args.written(key))


@HANDLERS.method("reshape")
def _reshape_method(low: Frame, args: Arguments, name: str) -> Node:
    lengths = args["shape"]
    if not lengths:
        raise low.src.error(".reshape() needs a shape", args.call)
    if len(lengths) == 1:  # x.reshape((2, 3)), x.reshape(n)
        return reshape(low, args["a"], lengths[0], args.call, args.written("shape")[0])
    return reshape(low, args["a"], lengths, args.call)


@HANDLERS.function("ravel")
@HANDLERS.method("ravel", "flatten")
def _ravel(low: Frame, args: Arguments, name: str) -> Node:
    return ravel(low, args["a"], args.call)


@HANDLERS.function("squeeze")
@HANDLERS.method("squeeze")
def _squeeze(low: Frame, args: Arguments, name: str) -> Node:
    return squeeze(low, args["a"], args["axis"], args.call)


@HANDLERS.function("expand_dims")
def _np_expand_dims(low: Frame, args: Arguments, name: str) -> Node:
    axis, e = args["axis"], args.call
    x = args.number("a")
    ndim = (x.type.ndim if x.type is not None else 0) + _count(axis)
    axes = axes_of(low, axis, ndim, e)
    if axes is None or len(axes) != _count(axis):
        raise low.src.error("np.expand_dims() axes must be different", e)
    return low.b.apply("expand_dims", x, attrs=(axes,))


@HANDLERS.function("concatenate", "stack")
def _np_join(low: Frame, args: Arguments, name: str) -> Node:
    items, axis = args["arrays"], args["axis"]
    if name == "stack" and isinstance(items, Node) and is_seq(items) and \
            isinstance(axis, Node) and axis.is_const and axis.value in (0, -1):
        return low.b.apply("list_array", items)  # the numbers of a list the function has
    parts = array_parts(low, items, name, args.call)
    if name == "stack":
        return _stack(low, parts, axis, args.call)
    return concatenate(low, parts, axis, args.call)


def reshape(low: Frame, x: Any, shape: Any, e: ast.AST, written: ast.expr | None = None
            ) -> Node:
    """``x.reshape(shape)`` (the shape `written` as that expression)."""
    x = array_of(low, x, "reshape", e)
    s = _shape(low, shape, "reshape", e, written, holes=True)
    if s.like is not None and s.like is x:
        return x
    if s.like is not None:
        return low.b.apply("reshape_like", x, s.like)
    if not s.lengths:
        raise low.src.error("reshape to a 0-d array (not yet): index it, x[0]", e)
    dims = _reshape_dims(low, x, s, e)
    return low.b.apply("reshape", x, *s.lengths, attrs=(dims,))


def ravel(low: Frame, x: Any, e: ast.AST) -> Node:
    """``np.ravel(x)``, ``x.ravel()``, ``x.flatten()``: a 1-d array."""
    x = array_of(low, x, "ravel", e)
    if x.type.ndim == 1:
        return x
    return low.b.apply("reshape", x, -1, attrs=((product_dim(x.type.dims),),))


def squeeze(low: Frame, x: Any, axis: Any, e: ast.AST) -> Node:
    x = low.number(x, e)
    if x.type is None:
        return x
    dims = x.type.dims
    if axis is None:
        if None in dims:
            raise low.src.error(
                "np.squeeze() of an array with an axis whose length is known only at run "
                "time: give axis=", e)
        axes: tuple[int, ...] = tuple(i for i, d in enumerate(dims) if d == 1)
    else:
        axes = axes_of(low, axis, x.type.ndim, e) or ()
        for a in axes:
            if dims[a] not in (1, None):
                raise low.src.error(f"np.squeeze(): axis {a} does not have length one", e)
    return low.b.apply("squeeze", x, attrs=(axes,)) if axes else x


def concatenate(low: Frame, parts: list[Node], axis: Node | None, e: ast.AST) -> Node:
    """``np.concatenate(parts, axis)`` (axis None: of the flattened parts)."""
    for p in parts:
        if p.type is None:
            raise low.src.error("np.concatenate() of a number: use np.stack or np.array", e)
    if axis is None:
        parts, a = [ravel(low, p, e) for p in parts], 0
    else:
        _same_rank(low, parts, "concatenate", e)
        a = one_axis(low, axis, parts[0].type.ndim, e)
        for i in range(parts[0].type.ndim):
            if i != a:
                same_length(low, [p.type.dims[i] for p in parts], "concatenate", e)
    if len(parts) == 1:
        return parts[0]
    return low.b.apply("concatenate", *parts, attrs=(a,))


def _stack(low: Frame, parts: list[Node], axis: Node | None, e: ast.AST) -> Node:
    _same_rank(low, parts, "stack", e)
    ndim = parts[0].type.ndim if parts[0].type is not None else 0
    if axis is None:
        raise low.src.error("np.stack() axis must be a constant int here", e)
    a = one_axis(low, axis, ndim + 1, e)
    for i in range(ndim):
        same_length(low, [p.type.dims[i] for p in parts], "stack", e)
    return low.b.apply("stack", *parts, attrs=(a,))


# Arrays from values ---------------------------------------------------------------------


@HANDLERS.function("array", "asarray")
def _nparray_of(low: Frame, args: Arguments, name: str) -> Node:
    e, dtype = args.call, _dtype(low, args)
    arg = args.written(args.signature.positional[0])
    if isinstance(arg, (ast.List, ast.Tuple)):
        value = nested(low, arg)
    else:
        whole = low.expr(arg)  # lowered once: it may be a call or a comprehension
        if isinstance(whole, Node) and is_seq(whole):
            if dtype not in (None, "float64"):
                raise low.src.error(f"np.{name}() of a list with dtype {dtype} (not yet)", e)
            return low.b.new("list_array", whole)  # a list the function has: float64
        value = listed(low, whole, arg)
    if isinstance(value, Node):
        if value.type is not None and dtype not in (None, value.type.dtype):
            raise low.src.error(f"np.{name}() of an array with another dtype (not yet)", e)
        if name == "array" and value.type is not None:
            return low.b.new("copy", value)  # a new array, which may be written into
        return value
    return new_array(low, value, name, e, dtype)


# Constants -------------------------------------------------------------------------------


@HANDLERS.function("zeros", "ones", "empty")
def _np_zeros(low: Frame, args: Arguments, name: str) -> Node:
    # np.empty's values are unspecified until written: zeros are as good as any.
    s = _shape(low, args["shape"], name, args.call, args.written("shape"))
    return full(low, 1.0 if name == "ones" else 0.0, s, _dtype(low, args))


@HANDLERS.function("full")
def _np_full(low: Frame, args: Arguments, name: str) -> Node:
    value = args.number("fill_value")
    s = _shape(low, args["shape"], name, args.call, args.written("shape"))
    return full(low, value, s, _dtype(low, args))


@HANDLERS.function("zeros_like", "ones_like", "full_like", "empty_like")
def _np_like(low: Frame, args: Arguments, name: str) -> Node:
    dtype = _dtype(low, args)
    x = args.number(args.signature.positional[0])
    value = args.number("fill_value") if name == "full_like" else low.b.const(
        1.0 if name == "ones_like" else 0.0)
    if x.type is None:
        return value  # of a number: a number
    if dtype is not None and dtype != x.type.dtype:
        shape = Shape((), x.type.dims, like=x)
        return full(low, value, shape, dtype)
    if name in ("zeros_like", "empty_like"):
        return low.b.new("zeros_like", x)
    return low.b.new("full_like", x, value)


def full(low: Frame, value: Node | float, shape: Shape, dtype: str | None) -> Node:
    """``np.full(shape, value)`` (``np.zeros``, ``np.ones`` for 0.0 and 1.0)."""
    value = low.b.lift(value)
    guessed = value.type.dtype if value.type is not None else dtype_of([value])
    attrs = (shape.dims, dtype or guessed, dtype is not None, shape.like is not None)
    return low.b.new("full", value, *shape.args(), attrs=attrs)


@HANDLERS.function("arange")
def _np_arange(low: Frame, args: Arguments, name: str) -> Node:
    e, dtype = args.call, _dtype(low, args)
    zero, one = low.b.const(0), low.b.const(1)
    first = _scalar(low, args["start_or_stop"], "arange", e)
    stop = args["stop"]
    start, stop = (zero, first) if stop is None else (first, _scalar(low, stop, "arange", e))
    step = args["step"]
    step = one if step is None else _scalar(low, step, "arange", e)
    if step.is_const and step.value == 0:
        raise low.src.error("np.arange() with a step of zero", e)
    dims: tuple[Dim, ...] = (None,)
    if start.is_const and stop.is_const and step.is_const:
        dims = (max(0, math.ceil((stop.value - start.value) / step.value)),)
    elif start is zero and step is one:
        dims = (dim_of(stop),)
    guessed = "int64" if all(is_int(v) for v in (start, stop, step)) else "float64"
    return low.b.new("arange", start, stop, step,
                     attrs=(dims, dtype or guessed, dtype is not None))


@HANDLERS.function("linspace")
def _np_linspace(low: Frame, args: Arguments, name: str) -> Node:
    e, dtype = args.call, _dtype(low, args)
    start, stop = (_scalar(low, args[p], "linspace", e) for p in ("start", "stop"))
    num = _length(low, args["num"], "linspace", e)
    endpoint = constant(low, args["endpoint"], bool, "endpoint", e)
    attrs = (endpoint is not False, (dim_of(num),), dtype or "float64", dtype is not None)
    return low.b.new("linspace", start, stop, num, attrs=attrs)


@HANDLERS.function("eye")
def _np_eye(low: Frame, args: Arguments, name: str) -> Node:
    e, dtype = args.call, _dtype(low, args)
    n = _length(low, args["N"], "eye", e)
    m = args["M"]
    m = _length(low, m, "eye", e) if m is not None else None
    k = constant(low, args["k"], int, "np.eye() k", e)
    sizes = (n,) if m is None else (n, m)
    dims = (dim_of(n), dim_of(m if m is not None else n))
    return low.b.new("eye", *sizes, attrs=(k, dims, dtype or "float64", dtype is not None))


# Cumulative operations and differences ----------------------------------------------------


@HANDLERS.function("cumsum", "cumprod")
@HANDLERS.method("cumsum", "cumprod")
def _cumulative(low: Frame, args: Arguments, name: str) -> Node:
    return cumulative(low, name, args["a"], args["axis"], args.call)


@HANDLERS.function("cumulative_sum", "cumulative_prod")
def _cumulative_named(low: Frame, args: Arguments, name: str) -> Node:
    # NumPy 2's names: the same, but an array of more than one axis needs its axis.
    x = array_of(low, args["x"], name, args.call)
    if args["axis"] is None and x.type.ndim > 1:
        raise low.src.error(f"np.{name}() of an array of more than one axis needs axis=",
                            args.call)
    return cumulative(low, "cumsum" if name == "cumulative_sum" else "cumprod", x,
                      args["axis"], args.call)


def cumulative(low: Frame, name: str, x: Any, axis: Any, e: ast.AST) -> Node:
    """``np.cumsum`` / ``np.cumprod`` along `axis` (None: of the flattened array)."""
    x = array_of(low, x, name, e)
    a = None if axis is None else one_axis(low, axis, x.type.ndim, e)
    if x.type.ndim == 1:
        a = None  # the same thing, written without axis=
    return low.b.apply(name, x, attrs=(a,))


@HANDLERS.function("diff")
def _np_diff(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    x = array_of(low, args["a"], "diff", e)
    n = constant(low, args["n"], int, "np.diff() n", e)
    if n < 0:
        raise low.src.error("np.diff() n must not be negative", e)
    a = one_axis(low, args["axis"], x.type.ndim, e)
    if n == 0:
        return x
    dims = tuple((max(d - n, 0) if exact(d) else None) if i == a else d
                 for i, d in enumerate(x.type.dims))
    return low.b.apply("diff", x, attrs=(n, a, dims))


# Helpers -------------------------------------------------------------------------------


def dim_of(node: Node) -> Dim:
    """What is known of an axis length given by the int `node`."""
    if node.is_const:
        return node.value if isinstance(node.value, int) and node.value >= 0 else None
    if node.prim is SIZE:
        x, (axes,) = node.args[0], node.attrs
        dims = x.type.dims if axes is None else tuple(x.type.dims[a] for a in axes)
        return product_dim(dims)
    return None


def array_of(low: Frame, x: Any, name: str, e: ast.AST) -> Node:
    """`x`, which ``np.<name>`` takes as an array here, read as NumPy reads an array-like
    (`array_like`; a number is a located error)."""
    x = array_like(low, x, name, e)
    if x.type is None:
        raise low.src.error(f"np.{name}() of a number: it takes an array here", e)
    return x


def _scalar(low: Frame, value: Any, name: str, e: ast.AST) -> Node:
    value = low.number(value, e)
    if value.type is not None:
        raise low.src.error(f"np.{name}() of an array (not yet): it takes numbers here", e)
    return value


def _length(low: Frame, value: Any, name: str, e: ast.AST, hole: bool = False) -> Node:
    """An int length of a shape (-1 too where `hole`)."""
    if isinstance(value, (list, tuple)) or not isinstance(value, Node):
        raise low.src.error(f"np.{name}(): a length must be an int", e)
    if value.type is not None:
        raise low.src.error(f"np.{name}(): a length must be an int, not an array", e)
    if value.is_const:
        v = value.value
        if not isinstance(v, int) or isinstance(v, bool):
            raise low.src.error(f"np.{name}(): a length must be an int, got {v!r}", e)
        if v < 0 and not (hole and v == -1):
            raise low.src.error(f"np.{name}(): negative length {v}", e)
    elif (value.op == Op.PARAM or value.prim is DIV) and not is_int(value):
        raise low.src.error(
            f"np.{name}(): a length must be an int (this is a float; use x.shape[i], "
            "len(x) or //)", e)
    return value


def _shape(low: Frame, value: Any, name: str, e: ast.AST, written: ast.expr | None,
           holes: bool = False) -> Shape:
    """The shape `value`, `written` as that expression (None: as several arguments)."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    lengths = tuple(_length(low, v, name, e, holes) for v in items)
    dims = tuple(dim_of(n) for n in lengths)
    whole = isinstance(written, ast.Attribute) and written.attr == "shape"
    return Shape(lengths, dims, _whole_shape(lengths) if whole else None)


def _whole_shape(lengths: tuple[Node, ...]) -> Node | None:
    """The array whose shape `lengths` is (``y.shape``), if they are all of its lengths."""
    if not lengths or any(n.prim is not SIZE for n in lengths):
        return None
    y = lengths[0].args[0]
    if y.type.ndim != len(lengths):
        return None
    for i, n in enumerate(lengths):
        if n.args[0] is not y or n.attrs[0] != (i,):
            return None
    return y


def _reshape_dims(low: Frame, x: Node, s: Shape, e: ast.AST) -> tuple[Dim, ...]:
    holes = [i for i, n in enumerate(s.lengths) if n.is_const and n.value == -1]
    if len(holes) > 1:
        raise low.src.error("reshape: only one length can be -1", e)
    dims = list(s.dims)
    total = product_dim(x.type.dims)
    if holes:
        dims[holes[0]] = _hole(x, s, holes[0])
    if exact(total) and all(exact(d) for d in dims) and math.prod(dims) != total:  # type: ignore
        shown = ", ".join(str(n.value) if n.is_const else "?" for n in s.lengths)
        raise low.src.error(f"cannot reshape an array of {total} elements into ({shown})", e)
    return tuple(dims)


def _hole(x: Node, s: Shape, hole: int) -> Dim:
    """What is known of the length -1 stands for in a reshape of `x`."""
    others = [(n, d) for i, (n, d) in enumerate(zip(s.lengths, s.dims, strict=True))
              if i != hole]
    xdims = x.type.dims
    if all(exact(d) for d in xdims) and all(exact(d) for _, d in others):
        known = math.prod(d for _, d in others)  # type: ignore[misc]
        total = math.prod(xdims)  # type: ignore[arg-type]
        return total // known if known and total % known == 0 else None
    used: set[int] = set()
    for n, _ in others:
        if n.is_const and n.value == 1:
            continue
        axes = n.attrs[0] if n.prim is SIZE and n.args[0] is x else None
        if axes is None or len(axes) != 1 or axes[0] in used:
            return None
        used.add(axes[0])
    return product_dim(tuple(d for i, d in enumerate(xdims) if i not in used))


def array_parts(low: Frame, value: Any, name: str, e: ast.AST) -> list[Node]:
    """The values of the list or tuple of arrays ``np.<name>`` joins."""
    if not isinstance(value, (list, tuple)):
        raise low.src.error(
            f"np.{name}() takes a list or tuple of arrays written in the function here", e)
    if not value:
        raise low.src.error(f"np.{name}() of an empty list", e)
    return [array_like(low, v, name, e) for v in value]


def _same_rank(low: Frame, parts: list[Node], name: str, e: ast.AST) -> None:
    ranks = {p.type.ndim if p.type is not None else 0 for p in parts}
    if len(ranks) > 1:
        raise low.src.error(f"np.{name}() of arrays of different ranks", e)


def one_axis(low: Frame, value: Any, ndim: int, e: ast.AST) -> int:
    """One constant axis of an array of `ndim` axes, made non-negative."""
    if isinstance(value, tuple):
        raise low.src.error("axis must be one constant int here", e)
    axes = axes_of(low, value, ndim, e)
    if axes is None:
        raise low.src.error("axis must be a constant int here", e)
    return axes[0]


def _count(axis: Any) -> int:
    return len(axis) if isinstance(axis, tuple) else 1


def _dtype(low: Frame, args: Arguments) -> str | None:
    """The name of the ``dtype=`` of the call (None if absent)."""
    written = args.written("dtype")
    return None if written is None else _dtype_name(low, written)


def _dtype_name(low: Frame, e: ast.expr) -> str | None:
    if isinstance(e, ast.Constant) and e.value is None:
        return None
    if isinstance(e, ast.Constant) and isinstance(e.value, str):
        candidate: Any = e.value
    else:
        resolved = names.callee(low, e)
        if not isinstance(resolved, Resolved):
            raise low.src.error("dtype= must be a NumPy type named in the code here", e)
        candidate = resolved.value
    import numpy as np

    try:
        name = np.dtype(candidate).name
    except TypeError:
        name = None
    if name not in DTYPES:
        raise low.src.error(f"dtype= must be one of {', '.join(DTYPES)} here", e)
    return name
