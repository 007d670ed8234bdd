"""NumPy shape operations and array constructors: reshape, squeeze, expand_dims,
concatenate, stack, arrays built from values (``np.array``), constants (``np.zeros``,
``np.full``, ``np.arange``, ``np.linspace``, ``np.eye``), cumulative sums and products,
and differences.

Contract:
- Each primitive has an emitter, a type rule and JVP/VJP rules built with the builder.
  Lengths given by run-time ints (``x.shape[0]``) are arguments; what is known of the
  result's axis lengths (`ir.types` dims) is worked out by whoever builds the node (the
  frontend, or a rule that knows the result has its operand's shape) and carried in
  the attributes as ``dims``, so type rules never look at argument values.
- Derivative-only helpers are linear and each other's transposes: ``slice_axis`` and
  ``pad_axis`` (the cotangents of ``concatenate`` and ``diff``), ``pick`` (of ``stack``
  and ``np.array``), ``flip`` (of ``cumsum``), ``reshape_like``.
- ``cumprod`` is differentiated exactly where its operand has zeros, to second order:
  the product so far is that of the non-zero entries (a quotient by ``x`` gives the
  derivatives there) times that of the zero ones, written as the polynomial it is to
  second order (see `_Zeros`).
- Constructors are differentiable only in their fill values and endpoints
  (``np.full``'s value, ``np.linspace``'s start and stop, ``np.arange``'s start and
  step); their lengths are integers. The user's ``np.array`` and constructors are
  made with `NodeBuilder.new`, whose number after the attributes listed below keeps each
  one a value of its own.
- ``sum_if_one`` is `arrays.fit`'s tool for an axis whose length is known only at run
  time: it sums a cotangent over it when the value it fits has length one there.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from typing import Any, TypeGuard

from symdiff.ir.arrays import np_call
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, one_tangent
from symdiff.ir.types import MANY, ArrayType, Dim, Type, broadcast

Dims = tuple[Dim, ...]

FLOATS = frozenset({"float16", "float32", "float64"})



# What is known of lengths --------------------------------------------------------------


def exact(d: Dim) -> TypeGuard[int]:
    """Whether an axis length is known exactly (1 included)."""
    return d is not None and d != MANY


def product_dim(dims: Dims) -> Dim:
    """What is known of the product of axis lengths."""
    if all(exact(d) for d in dims):
        return math.prod(d for d in dims)  # type: ignore[misc]
    if any(d == 0 for d in dims):
        return 0
    if any(d is None for d in dims):
        return None
    return MANY  # a factor is 0 or at least 2, the others whole numbers: never 1


def sum_dim(dims: Dims) -> Dim:
    """What is known of a sum of axis lengths (of arrays joined along an axis)."""
    known = sum(d for d in dims if exact(d))  # type: ignore[misc]
    if all(exact(d) for d in dims):
        return known
    if known >= 2:
        return MANY
    if known == 0 and None not in dims:
        return MANY  # a sum of lengths each 0 or at least 2
    return None


def merge_dims(a: Dim, b: Dim) -> Dim:
    """The better known of two lengths NumPy requires to be equal."""
    if exact(a) or b is None:
        return a
    return b


def with_dims(dtype: str, dims: Dims) -> Type:
    """The type of an array of `dims`; None (a number) for a 0-d result."""
    return ArrayType(dtype, tuple(dims)) if dims else None


def size_of(b: NodeBuilder, x: Node, axis: int) -> Node:
    """The length of an axis of `x`: a constant when it is known."""
    d = x.type.dims[axis]
    return b.const(d) if exact(d) else b.apply("size", x, attrs=((axis,),))


def result_dtype(types: Sequence[Type], default: str = "float64") -> str:
    """The dtype NumPy gives arrays of `types` joined (`default` for numbers alone)."""
    arrays_ = [t for t in types if t is not None]
    result = broadcast(*(ArrayType(t.dtype, ()) for t in arrays_)) if arrays_ else None
    return result.dtype if result is not None else default


# Emitting -----------------------------------------------------------------------------


def _np(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())


def _axis_value(axes: tuple[int, ...]) -> ast.expr:
    if len(axes) == 1:
        return ast.Constant(axes[0])
    return ast.Tuple([ast.Constant(a) for a in axes], ast.Load())


def _is(arg: ast.expr, value: Any) -> bool:
    """Whether an emitted argument is the literal `value` (of that exact type)."""
    return isinstance(arg, ast.Constant) and type(arg.value) is type(value) \
        and arg.value == value


def _keywords(call: ast.Call, **keywords: Any) -> ast.Call:
    for name, value in keywords.items():
        call.keywords.append(ast.keyword(name, value if isinstance(value, ast.expr)
                                         else ast.Constant(value)))
    return call


def _dtype_keyword(call: ast.Call, dtype: str, explicit: bool) -> ast.Call:
    return _keywords(call, dtype=_np(dtype)) if explicit else call


def _index(x: ast.expr, axis: int, items: list[ast.expr]) -> ast.expr:
    """``x[:, :, *items]``: `items` from `axis` on."""
    parts = [ast.Slice() for _ in range(axis)] + items
    index = parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())
    return ast.Subscript(x, index, ast.Load())


def _shape_of(x: ast.expr) -> ast.expr:
    return ast.Attribute(x, "shape", ast.Load())


def _shape_arg(args: list[ast.expr], like: bool) -> ast.expr:
    if like:
        return _shape_of(args[0])
    return args[0] if len(args) == 1 else ast.Tuple(list(args), ast.Load())


# Shape operations ----------------------------------------------------------------------


def _emit_reshape(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.Call(ast.Attribute(args[0], "reshape", ast.Load()), args[1:], [])


def _reshape_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    if ts[0] is None:
        return None
    return b.apply(node.op, ts[0], *node.args[1:], attrs=node.attrs)


def _back_to_shape(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x = node.args[0]
    return (b.apply("reshape_like", ct, x), *(None,) * (len(node.args) - 1))


def _squeeze_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    t, (axes,) = types[0], attrs
    return with_dims(t.dtype, tuple(d for i, d in enumerate(t.dims) if i not in axes))


def _expand_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    t, (axes,) = types[0], attrs
    dims = list(t.dims) if t is not None else []
    for a in sorted(axes):
        dims.insert(a, 1)
    return ArrayType(t.dtype if t is not None else "float64", tuple(dims))


def _concatenate_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    (axis,) = attrs
    dims: list[Dim] = list(types[0].dims)
    for t in types[1:]:
        dims = [merge_dims(a, d) for a, d in zip(dims, t.dims, strict=True)]
    dims[axis] = sum_dim(tuple(t.dims[axis] for t in types))
    return ArrayType(result_dtype(types), tuple(dims))


def _emit_joined(name: str) -> Any:
    def emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
        call = np_call(name, ast.List(list(args), ast.Load()))
        return _keywords(call, axis=attrs[0]) if attrs[0] != 0 else call
    return emit


def _parts_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node:
    """The same joining of the parts' tangents (zeros for parts without one)."""
    parts = [t if t is not None else _zero(b, p) for p, t in zip(node.args, ts, strict=True)]
    return b.apply(node.op, *parts, attrs=node.attrs)


def _zero(b: NodeBuilder, like: Node) -> Node:
    return b.apply("zeros_like", like) if like.type is not None else b.const(0.0)


def _concatenate_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    (axis,) = node.attrs
    out: list[Node | None] = []
    start = b.const(0)
    last = len(node.args) - 1
    for i, part in enumerate(node.args):
        length = size_of(b, part, axis)
        stop = start if i == last else length if _is_zero(start) else b.add(start, length)
        bounds = (start,) if i == last else (start, stop)
        out.append(b.apply("slice_axis", ct, *bounds, attrs=(axis, part.type.dims)))
        start = stop
    return tuple(out)


def _is_zero(node: Node) -> bool:
    return node.is_const and node.value == 0


def _stack_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (axis,) = attrs
    dims: list[Dim] = list(types[0].dims) if types[0] is not None else []
    for t in types[1:]:
        dims = [merge_dims(a, d) for a, d in zip(dims, t.dims if t is not None else (),
                                                  strict=True)]
    dims.insert(axis, len(types))
    return ArrayType(result_dtype(types), tuple(dims))


def _stack_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    (axis,) = node.attrs
    return tuple(b.apply("pick", ct, attrs=(axis, (i,))) for i in range(len(node.args)))


# Arrays built from values, and their cotangents -----------------------------------------


def _array_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    shape, dtype = attrs[:2]
    inner = next((t.dims for t in types if t is not None), ())
    return ArrayType(dtype, (*shape, *inner))


def _emit_array(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    shape, dtype, explicit = attrs[:3]
    items = iter(args)

    def nest(level: int) -> ast.expr:
        if level == len(shape):
            return next(items)
        return ast.List([nest(level + 1) for _ in range(shape[level])], ast.Load())

    return _dtype_keyword(np_call("array", nest(0)), dtype, explicit)


def _array_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    shape = node.attrs[0]
    return tuple(b.apply("pick", ct, attrs=(0, _unravel(k, shape)))
                 for k in range(len(node.args)))


def _unravel(k: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for n in reversed(shape):
        index.append(k % n)
        k //= n
    return tuple(reversed(index))


def _pick_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    t, (axis, index) = types[0], attrs
    return with_dims(t.dtype, t.dims[:axis] + t.dims[axis + len(index):])


def _emit_pick(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axis, index = attrs
    return _index(args[0], axis, [ast.Constant(i) for i in index])


def _pick_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    # Put the cotangent back at its index, zeros around it, one axis at a time.
    (x,), (axis, index) = node.args, node.attrs
    dims = x.type.dims
    g = ct
    for level in reversed(range(len(index))):
        g = b.apply("expand_dims", g, attrs=((axis,),))
        before = b.const(index[level])
        after = b.sub(b.sub(size_of(b, x, axis + level), index[level]), 1)
        g = b.apply("pad_axis", g, before, after,
                    attrs=(axis, dims[:axis] + dims[axis + level:]))
    return (g,)


def _emit_slice_axis(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    start = None if _is(args[1], 0) else args[1]
    stop = args[2] if len(args) > 2 else None
    return _index(args[0], attrs[0], [ast.Slice(start, stop)])


def _slice_axis_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    g, start, *stop = node.args
    axis = node.attrs[0]
    after = b.sub(size_of(b, g, axis), stop[0]) if stop else b.const(0)
    padded = b.apply("pad_axis", ct, start, after, attrs=(axis, g.type.dims))
    return (padded, *(None,) * (len(node.args) - 1))


def _emit_pad_axis(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axis, dims = attrs
    widths: ast.expr = ast.Tuple(args[1:], ast.Load())
    if len(dims) > 1:
        none = ast.Tuple([ast.Constant(0), ast.Constant(0)], ast.Load())
        widths = ast.List([widths if i == axis else none for i in range(len(dims))],
                          ast.Load())
    return np_call("pad", args[0], widths)


def _pad_axis_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    g, before, _ = node.args
    axis = node.attrs[0]
    stop = b.add(before, size_of(b, g, axis))
    return b.apply("slice_axis", ct, before, stop, attrs=(axis, g.type.dims)), None, None


def dims_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    """The type of a result whose lengths are in the attributes (its dims come last)."""
    return with_dims(types[0].dtype, attrs[-1])


# Cumulative operations and differences -------------------------------------------------


def _cumulative_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    t, (axis,) = types[0], attrs
    if axis is None:
        return ArrayType(t.dtype, (product_dim(t.dims),))
    return t


def _emit_cumulative(name: str) -> Any:
    def emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
        call = np_call(name, args[0])
        return _keywords(call, axis=attrs[0]) if attrs[0] is not None else call
    return emit


def _flat(b: NodeBuilder, x: Node, axis: int | None) -> tuple[Node, int]:
    """`x` and `axis` as a cumulative operation sees them (flattened for axis None)."""
    if axis is not None:
        return x, axis
    if x.type.ndim == 1:
        return x, 0
    return b.apply("reshape", x, -1, attrs=((product_dim(x.type.dims),),)), 0


def _unflat(b: NodeBuilder, g: Node, x: Node) -> Node:
    return g if g.type.ndim == x.type.ndim else b.apply("reshape_like", g, x)


def _cumulative(b: NodeBuilder, op: str, x: Node, axis: int) -> Node:
    """``np.cumsum`` / ``np.cumprod`` of `x` along `axis` (written without it in 1-d)."""
    return b.apply(op, x, attrs=(None if x.type.ndim == 1 else axis,))


def _reverse_cumsum(b: NodeBuilder, g: Node, axis: int) -> Node:
    """``sum(g[j:])`` along `axis` for every j."""
    flip = b.apply("flip", g, attrs=(axis,))
    return b.apply("flip", _cumulative(b, "cumsum", flip, axis), attrs=(axis,))


def _cumsum_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x = node.args[0]
    _, axis = _flat(b, x, node.attrs[0])
    return (_unflat(b, _reverse_cumsum(b, ct, axis), x),)


class _Zeros:
    """Where `x` has zeros along `axis`, for the derivatives of its cumulative product.

    The product so far is that of the non-zero entries (`partial`, the zeros replaced by
    ones) times that of the zero ones, written as the polynomial it is to second order
    (`of_zeros`, `d_of_zeros`): 1 before the first zero, the sum of the zeros so far while
    there is one (its value is 0, its derivative the product's), 0 after. The rules'
    derivatives, built from the same operations, are then exact at zeros too."""

    def __init__(self, b: NodeBuilder, x: Node, axis: int):
        self.b, self.axis = b, axis
        self.zero = b.apply("eq", x, 0.0)
        self.nonzero = b.select(self.zero, 1.0, x)
        self.zeros = b.select(self.zero, x, 0.0)  # varied by the derivatives, though 0
        count = _cumulative(b, "cumsum", self.zero, axis)  # zeros so far
        self.none, self.one, self.two = (b.apply("eq", count, k) for k in (0, 1, 2))
        self.partial = _cumulative(b, "cumprod", self.nonzero, axis)
        self.sum_zeros = _cumulative(b, "cumsum", self.zeros, axis)
        self.of_zeros = b.select(self.none, 1.0, b.select(self.one, self.sum_zeros, 0.0))
        b.name(self.zero, "is_zero")
        b.name(self.nonzero, "nonzero")

    def d_of_zeros(self, t: Node) -> Node:
        """The derivative of `of_zeros` along the tangent `t` of `x`."""
        b = self.b
        at_zeros = b.select(self.zero, t, 0.0)
        first = _cumulative(b, "cumsum", at_zeros, self.axis)
        second = b.sub(b.mul(self.sum_zeros, first),
                       _cumulative(b, "cumsum", b.mul(self.zeros, at_zeros), self.axis))
        return b.select(self.one, first, b.select(self.two, second, 0.0))


def _cumprod_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node:
    x, axis = _flat(b, node.args[0], node.attrs[0])
    t, _ = _flat(b, one_tangent(ts), node.attrs[0])
    z = _Zeros(b, x, axis)
    # d(partial * of_zeros) = partial * (sum(t / x over the non-zero entries) * of_zeros
    #                                    + d of_zeros)
    relative = _cumulative(b, "cumsum", b.div(b.select(z.zero, 0.0, t), z.nonzero), axis)
    return b.mul(z.partial, b.add(b.mul(relative, z.of_zeros), z.d_of_zeros(t)))


def _cumprod_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The transpose of `_cumprod_jvp`: a non-zero entry's cotangent is that of the
    products from it on over itself; a zero entry's, that of `of_zeros` from it on."""
    x0 = node.args[0]
    x, axis = _flat(b, x0, node.attrs[0])
    z = _Zeros(b, x, axis)
    weighted = b.mul(ct, z.partial)
    nonzero_ct = b.div(_reverse_cumsum(b, b.mul(weighted, z.of_zeros), axis), z.nonzero)
    one = _reverse_cumsum(b, b.select(z.one, weighted, 0.0), axis)
    two = _reverse_cumsum(b, b.select(z.two, weighted, 0.0), axis)
    two_sum = _reverse_cumsum(b, b.select(z.two, b.mul(weighted, z.sum_zeros), 0.0), axis)
    zero_ct = b.sub(b.add(one, two_sum), b.mul(x, two))
    return (_unflat(b, b.select(z.zero, zero_ct, nonzero_ct), x0),)


def _emit_flip(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return _index(args[0], attrs[0], [ast.Slice(None, None, ast.UnaryOp(
        ast.USub(), ast.Constant(1)))])


def _emit_diff(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    n, axis, dims = attrs
    call = np_call("diff", args[0])
    if n != 1:
        _keywords(call, n=n)
    return _keywords(call, axis=axis) if axis != len(dims) - 1 else call


def _diff_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    # The transpose of n differences: (-1)**n times the n-th difference of the
    # cotangent padded with n zeros at each end.
    (x,), (n, axis, _) = node.args, node.attrs
    dims = x.type.dims
    padded_dims = tuple(d + 2 * n if i == axis and exact(d) else None if i == axis else d
                        for i, d in enumerate(ct.type.dims))
    padded = b.apply("pad_axis", ct, n, n, attrs=(axis, padded_dims))
    g = b.apply("diff", padded, attrs=(n, axis, dims))
    return (b.neg(g) if n % 2 else g,)


def _emit_sum_if_one(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    g, like = args
    axis, like_axis = attrs
    length = ast.Subscript(_shape_of(like), ast.Constant(like_axis), ast.Load())
    summed = np_call("sum", g, axis=ast.Constant(axis), keepdims=True)
    return ast.IfExp(ast.Compare(length, [ast.Eq()], [ast.Constant(1)]), summed, g)


def _sum_if_one_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    g, like = types
    axis, like_axis = attrs
    dims = list(g.dims)
    dims[axis] = like.dims[like_axis]
    return ArrayType(g.dtype, tuple(dims))


# Constructors ------------------------------------------------------------------------


def _emit_full(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    _, dtype, explicit, like = attrs[:4]
    value, shape = args[0], _shape_arg(args[1:], like)
    if _is(value, 0.0):
        call = np_call("zeros", shape)
    elif _is(value, 1.0):
        call = np_call("ones", shape)
    else:
        call = np_call("full", shape, value)
    return _dtype_keyword(call, dtype, explicit)


def _full_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    return with_dims(attrs[1], attrs[0])


def _full_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    if ts[0] is None or node.attrs[1] not in FLOATS:
        return None
    return b.apply("full", ts[0], *node.args[1:], attrs=node.attrs)


def _full_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    # The fill value's cotangent is `ct` summed to its shape (reverse mode fits it).
    differentiable = node.attrs[1] in FLOATS
    return (ct if differentiable else None, *(None,) * (len(node.args) - 1))


def _emit_arange(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    start, stop, step = args
    if not _is(step, 1):
        shown = [start, stop, step]
    elif not _is(start, 0):
        shown = [start, stop]
    else:
        shown = [stop]
    return _dtype_keyword(np_call("arange", *shown), attrs[1], attrs[2])


def _counting(b: NodeBuilder, like: Node) -> Node:
    """``np.arange(like.size)``: the index of each element of the 1-d `like`."""
    dims = like.type.dims
    return b.apply("arange", 0, size_of(b, like, 0), 1, attrs=(dims, "int64", False))


def _arange_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    t_start, _, t_step = ts
    if node.attrs[1] not in FLOATS or (t_start is None and t_step is None):
        return None
    scaled = None if t_step is None else b.mul(t_step, _counting(b, node))
    if t_start is None:
        return scaled
    return t_start if scaled is None else b.add(t_start, scaled)


def _arange_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    if node.attrs[1] not in FLOATS:
        return None, None, None
    return ct, None, b.mul(ct, _counting(b, node))


def _emit_linspace(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    endpoint, _, dtype, explicit = attrs[:4]
    call = np_call("linspace", *args)
    if not endpoint:
        _keywords(call, endpoint=False)
    return _dtype_keyword(call, dtype, explicit)


def _linspace_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    t_start, t_stop, _ = ts
    if node.attrs[2] not in FLOATS or (t_start is None and t_stop is None):
        return None
    return b.apply("linspace", 0.0 if t_start is None else t_start,
                   0.0 if t_stop is None else t_stop, node.args[2], attrs=node.attrs)


def _linspace_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    # start + (stop - start) * s for fixed fractions s = np.linspace(0.0, 1.0, num)
    if node.attrs[2] not in FLOATS:
        return None, None, None
    s = b.apply("linspace", 0.0, 1.0, node.args[2], attrs=node.attrs)
    return b.mul(ct, b.sub(1.0, s)), b.mul(ct, s), None


def _emit_eye(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    k, _, dtype, explicit = attrs[:4]
    call = np_call("eye", *args)
    if k != 0:
        _keywords(call, k=k)
    return _dtype_keyword(call, dtype, explicit)


# x.reshape(*shape); attrs (dims,)
RESHAPE = Primitive(
    "reshape", None, None, _emit_reshape, type_rule=dims_type,
    jvp_rule=_reshape_jvp, vjp_rule=_back_to_shape, view=True)

# x reshaped to like's shape
RESHAPE_LIKE = Primitive(
    "reshape_like", 2, None, lambda args, attrs: ast.Call(
        ast.Attribute(args[0], "reshape", ast.Load()), [_shape_of(args[1])], []),
    type_rule=lambda types, attrs: ArrayType(types[0].dtype, types[1].dims),
    jvp_rule=_reshape_jvp, vjp_rule=_back_to_shape, view=True)

# attrs (axes,): axes of length one removed / inserted (positions in the result)
SQUEEZE = Primitive(
    "squeeze", 1, None, lambda args, attrs: np_call(
        "squeeze", args[0], axis=_axis_value(attrs[0])),
    type_rule=_squeeze_type, jvp_rule=_reshape_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("expand_dims", ct, attrs=node.attrs),), view=True)

EXPAND_DIMS = Primitive(
    "expand_dims", 1, None, lambda args, attrs: np_call(
        "expand_dims", args[0], _axis_value(attrs[0])),
    type_rule=_expand_type, jvp_rule=_reshape_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("squeeze", ct, attrs=node.attrs),),
    may_raise=False, view=True, constructor=True)

# attrs (axis,)
CONCATENATE = Primitive(
    "concatenate", None, None, _emit_joined("concatenate"), type_rule=_concatenate_type,
    jvp_rule=_parts_jvp, vjp_rule=_concatenate_vjp)

STACK = Primitive(
    "stack", None, None, _emit_joined("stack"), type_rule=_stack_type,
    jvp_rule=_parts_jvp, vjp_rule=_stack_vjp, constructor=True)

# np.array of nested lists of values; attrs (nesting shape, dtype, dtype written)
ARRAY = Primitive(
    "array", None, None, _emit_array, type_rule=_array_type,
    jvp_rule=_parts_jvp, vjp_rule=_array_vjp, constructor=True)

# x[:, i] (attrs (axis, (i, ...)): constant indices from axis on)
PICK = Primitive(
    "pick", 1, None, _emit_pick, type_rule=_pick_type, jvp_rule=_reshape_jvp,
    vjp_rule=_pick_vjp, may_raise=False, view=True)

# x[:, start:stop] (stop optional); attrs (axis, dims)
SLICE_AXIS = Primitive(
    "slice_axis", None, None, _emit_slice_axis, type_rule=dims_type,
    jvp_rule=_reshape_jvp, vjp_rule=_slice_axis_vjp, may_raise=False, view=True)

# np.pad(x, ...) with zeros before and after along one axis; attrs (axis, dims)
PAD_AXIS = Primitive(
    "pad_axis", 3, None, _emit_pad_axis, type_rule=dims_type,
    jvp_rule=_reshape_jvp, vjp_rule=_pad_axis_vjp, may_raise=False)

FLIP = Primitive(
    "flip", 1, None, _emit_flip, type_rule=lambda types, attrs: types[0],
    jvp_rule=_reshape_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("flip", ct, attrs=node.attrs),),
    may_raise=False, view=True)

# attrs (axis,); axis None: of the flattened array
CUMSUM = Primitive(
    "cumsum", 1, None, _emit_cumulative("cumsum"), type_rule=_cumulative_type,
    jvp_rule=_reshape_jvp, vjp_rule=_cumsum_vjp, may_raise=False)

CUMPROD = Primitive(
    "cumprod", 1, None, _emit_cumulative("cumprod"), type_rule=_cumulative_type,
    jvp_rule=_cumprod_jvp, vjp_rule=_cumprod_vjp, may_raise=False)

# attrs (n, axis, dims)
DIFF = Primitive(
    "diff", 1, None, _emit_diff, type_rule=dims_type, jvp_rule=_reshape_jvp,
    vjp_rule=_diff_vjp, may_raise=False)

# attrs (axis of g, axis of like)
SUM_IF_ONE = Primitive(
    "sum_if_one", 2, None, _emit_sum_if_one, type_rule=_sum_if_one_type,
    jvp_rule=lambda b, node, ts: None if ts[0] is None else b.apply(
        "sum_if_one", ts[0], node.args[1], attrs=node.attrs),
    vjp_rule=lambda b, node, ct: (b.apply("broadcast_like", ct, node.args[0]), None),
    atomic_args=True, may_raise=False, view=True)

# np.zeros / np.ones / np.full: (value, *lengths) or (value, like) for like.shape;
# attrs (dims, dtype, dtype written, shape of like)
FULL = Primitive(
    "full", None, None, _emit_full, type_rule=_full_type, jvp_rule=_full_jvp,
    vjp_rule=_full_vjp, constructor=True)

# (start, stop, step); attrs (dims, dtype, dtype written)
ARANGE = Primitive(
    "arange", 3, None, _emit_arange, type_rule=lambda types, attrs: with_dims(
        attrs[1], attrs[0]), jvp_rule=_arange_jvp, vjp_rule=_arange_vjp, constructor=True)

# (start, stop, num); attrs (endpoint, dims, dtype, dtype written)
LINSPACE = Primitive(
    "linspace", 3, None, _emit_linspace, type_rule=lambda types, attrs: with_dims(
        attrs[2], attrs[1]), jvp_rule=_linspace_jvp, vjp_rule=_linspace_vjp, constructor=True)

# (n[, m]); attrs (k, dims, dtype, dtype written)
EYE = Primitive(
    "eye", None, None, _emit_eye, type_rule=lambda types, attrs: with_dims(
        attrs[2], attrs[1]), differentiable=False, constructor=True)


RECORDS: tuple[Primitive, ...] = (
    RESHAPE, RESHAPE_LIKE, SQUEEZE, EXPAND_DIMS, CONCATENATE, STACK, ARRAY, PICK, SLICE_AXIS,
    PAD_AXIS, FLIP, CUMSUM, CUMPROD, DIFF, SUM_IF_ONE, FULL, ARANGE, LINSPACE, EYE,
)
