"""NumPy array operations: reductions, matrix products, transposes and the operations
rules use to fit a (co)tangent to a value's shape.

Contract:
- Elementwise operations are the scalar primitives themselves (``add``, ``sin``...):
  a node with an array argument is emitted through `Primitive.emit_array`
  (``np.sin``) and its type is the broadcast of its arguments' (`ir.types`).
- The (co)tangent of a node has the node's shape. `fit(b, value, like)` makes a value
  that broadcasts against `like` have exactly `like`'s shape: it sums the axes
  broadcasting added (``np.sum(g, axis=0)``) and broadcasts a smaller one
  (``np.broadcast_to``, a view); over an axis whose length in `like` is known only at
  run time, it sums when that length is one (``shapes.sum_if_one``). Reverse mode fits
  every contribution to its argument, forward mode every tangent to its node, so rules
  may ignore broadcasting.
- Each operation here has an emitter, a type rule, a JVP rule and a VJP rule written
  with the builder, like every other primitive.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.node import LEAVES, Node, NodeBuilder, Op
from symdiff.ir.primitive import Primitive
from symdiff.ir.regions import REGIONS, bodies
from symdiff.ir.scalars import FLOAT
from symdiff.ir.types import ArrayType, Type, broadcast, reduced

Axes = tuple[int, ...] | None


def _np(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())


def np_call(name: str, *args: ast.expr, **keywords: Any) -> ast.Call:
    kws = [ast.keyword(k, v if isinstance(v, ast.expr) else ast.Constant(v))
           for k, v in keywords.items()]
    return ast.Call(_np(name), list(args), kws)


def _shape(x: ast.expr) -> ast.expr:
    return ast.Attribute(x, "shape", ast.Load())


def _axis(axes: Axes) -> ast.expr:
    if axes is None:
        return ast.Constant(None)
    if len(axes) == 1:
        return ast.Constant(axes[0])
    return ast.Tuple([ast.Constant(a) for a in axes], ast.Load())


def same_shape(a: Type, b: Type) -> bool:
    if a is None or b is None:
        return a is b
    return a.dims == b.dims


def shape_source(node: Node) -> Node:
    """A node with the same shape as `node` that is cheaper to reach: through
    elementwise operations to an argument of exactly their shape (two axes known to be
    longer than one that broadcast together are equally long), so ``(a * b + c).shape``
    is ``a.shape``."""
    while node.prim is not None and node.type is not None \
            and node.prim.type_rule is None and None not in node.type.dims:
        same = [a for a in node.args if a.type is not None and a.type.dims == node.type.dims]
        if not same:
            break
        node = same[0]
    return node


# fit --------------------------------------------------------------------------------------


def fit(b: NodeBuilder, value: Node, like: Node, unsure: tuple[int, ...] = ()) -> Node:
    """`value`, which broadcasts against `like`, with exactly `like`'s shape; `unsure`:
    axes of `like` whose length is known only at run time, as is `value`'s, along
    which `value` may still be broadcast (summed there when `like`'s length is one)."""
    vt, lt = value.type, like.type
    fitted = fits(vt, lt)
    if fitted and not unsure:
        return value
    if vt is not None:
        lead = vt.ndim - (lt.ndim if lt is not None else 0)
        if lead > 0:
            value = b.apply("sum", value, attrs=(tuple(range(lead)), False))
        vt = value.type
        if vt is not None and lt is not None:
            offset = lt.ndim - vt.ndim
            kept = tuple(i for i, d in enumerate(vt.dims)
                         if lt.dims[offset + i] == 1 and d != 1)
            unknown = [i for i, d in enumerate(vt.dims)
                       if lt.dims[offset + i] is None and d != 1
                       and (not fitted or offset + i in unsure)]
            if kept:
                value = b.apply("sum", value, attrs=(kept, True))
            for i in unknown:
                # Whether `like` was broadcast along this axis is known only at run time.
                value = b.apply("sum_if_one", value, like, attrs=(i, offset + i))
    if not fits(value.type, lt) and lt is not None:
        value = b.apply("broadcast_like", value, like)
    return value


def fits(a: Type, b: Type) -> bool:
    """Whether a value of type `a` has the shape of `b` (as far as is known): an axis
    known to be 1 (or unknown) in one and not in the other would broadcast."""
    if a is None or b is None:
        return a is b
    return a.ndim == b.ndim and all(
        x == y or (x not in (1, None) and y not in (1, None)) for x, y in zip(
            a.dims, b.dims, strict=True))


# Rules ------------------------------------------------------------------------------------


def _sum_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    return None if t is None else reduced(t, attrs[0], attrs[1])


def _emit_sum(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axes, keepdims = attrs
    kws: dict[str, Any] = {}
    if axes is not None:
        kws["axis"] = _axis(axes)
    if keepdims:
        kws["keepdims"] = True
    return np_call("sum", args[0], **kws)


def _emit_mean(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    call = _emit_sum(args, attrs)
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
    call.func.attr = "mean"
    return call


def _mean_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    (x,) = node.args
    # An empty array's gradient is empty: any share does, but dividing by 0 must not raise.
    count = b.apply("max", b.apply("size", x, attrs=(node.attrs[0],)), 1)
    share = b.div(ct, count)
    return (b.apply("unsum", share, x, attrs=node.attrs),)


def _emit_unsum(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    g, like = args
    axes, keepdims = attrs
    if axes is not None and not keepdims:
        g = np_call("expand_dims", g, _axis(axes))
    return np_call("broadcast_to", g, _shape(like))


def _emit_size(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    (axes,) = attrs
    if axes is None:
        return ast.Attribute(args[0], "size", ast.Load())
    parts = [ast.Subscript(_shape(args[0]), ast.Constant(a), ast.Load()) for a in axes]
    out: ast.expr = parts[0]
    for p in parts[1:]:
        out = ast.BinOp(out, ast.Mult(), p)
    return out


def _matmul_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    a, b = types
    if a is None or b is None:
        raise TypeError("matmul of a number: use * for scalars")
    if a.ndim == 1 and b.ndim == 1:
        return None
    if b.ndim == 1:
        return ArrayType(a.dtype if a.dtype == b.dtype else _dtype(a, b), a.dims[:-1])
    if a.ndim == 1:
        return ArrayType(b.dtype if a.dtype == b.dtype else _dtype(a, b), (*b.dims[:-2],
                                                                            b.dims[-1]))
    batch = broadcast(ArrayType(a.dtype, a.dims[:-2]), ArrayType(b.dtype, b.dims[:-2]))
    assert batch is not None
    return ArrayType(batch.dtype, (*batch.dims, a.dims[-2], b.dims[-1]))


def _dtype(a: ArrayType, b: ArrayType) -> str:
    result = broadcast(ArrayType(a.dtype, ()), ArrayType(b.dtype, ()))
    assert result is not None
    return result.dtype


def _swap(b: NodeBuilder, x: Node) -> Node:
    """The matrix transpose of the last two axes."""
    t = x.type
    assert t is not None
    if t.ndim == 2:
        return b.apply("transpose", x, attrs=(None,))
    axes = (*range(t.ndim - 2), t.ndim - 1, t.ndim - 2)
    return b.apply("transpose", x, attrs=(axes,))


def _matmul_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, y = node.args
    xt, yt = x.type, y.type
    assert xt is not None and yt is not None
    if xt.ndim == 1 and yt.ndim == 1:
        return b.mul(ct, y), b.mul(ct, x)
    if yt.ndim == 1:
        if xt.ndim == 2:
            return b.apply("outer", ct, y), b.apply("matmul", _swap(b, x), ct)
        # A stack of matrices (..., n, m) @ a vector (m,): ct is (..., n).
        column = b.apply("expand_dims", ct, attrs=((xt.ndim - 1,),))
        return (b.mul(column, y),
                b.apply("sum", b.mul(x, column), attrs=(tuple(range(xt.ndim - 1)), False)))
    if xt.ndim == 1:
        if yt.ndim == 2:
            return b.apply("matmul", y, ct), b.apply("outer", x, ct)
        # A vector (m,) @ a stack of matrices (..., m, k): ct is (..., k).
        row = b.apply("expand_dims", ct, attrs=((yt.ndim - 2,),))
        axes = (*range(yt.ndim - 2), yt.ndim - 1)
        return (b.apply("sum", b.mul(y, row), attrs=(axes, False)),
                b.mul(b.apply("expand_dims", x, attrs=((1,),)), row))
    # Batch axes broadcast: reverse mode sums the cotangents back (see `fit`).
    return b.apply("matmul", ct, _swap(b, y)), b.apply("matmul", _swap(b, x), ct)


def _outer_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    a, b = types
    dims = (a.dims[0] if a is not None else 1, b.dims[0] if b is not None else 1)
    dtype = _dtype(a, b) if a is not None and b is not None else (a or b).dtype  # type: ignore
    return ArrayType(dtype, dims)


def _transpose_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    if t is None:
        return None
    (axes,) = attrs
    order = tuple(reversed(range(t.ndim))) if axes is None else axes
    return ArrayType(t.dtype, tuple(t.dims[a] for a in order))


def _emit_transpose(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    (axes,) = attrs
    if axes is None:
        return ast.Attribute(args[0], "T", ast.Load())
    return np_call("transpose", args[0], _axis(axes))


def _transpose_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    (axes,) = node.attrs
    if axes is None:
        return (b.apply("transpose", ct, attrs=(None,)),)
    inverse = tuple(sorted(range(len(axes)), key=lambda i: axes[i]))
    return (b.apply("transpose", ct, attrs=(inverse,)),)


def _like_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    return types[1]


def _cast_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    # x.astype(like.dtype) keeps x's shape (a batched x's too).
    x, like = types
    return like if x is None or like is None else ArrayType(like.dtype, x.dims)


def linear_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    """JVP of an operation linear in its first argument (the others only shape it)."""
    if ts[0] is None:
        return None
    return b.apply(node.op, ts[0], *node.args[1:], attrs=node.attrs)


def bilinear_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    """JVP of an operation linear in each of its two arguments."""
    x, y = node.args
    tx, ty = ts
    left = None if tx is None else b.apply(node.op, tx, y)
    right = None if ty is None else b.apply(node.op, x, ty)
    if left is None:
        return right
    return left if right is None else b.add(left, right)


def output(b: NodeBuilder, value: Node | None, like: Node) -> Node:
    """A derivative handed to the user for `like`: a new array of exactly its shape and
    dtype, or for a number parameter a Python float (not the NumPy scalar an array that
    is not differentiated may have made it)."""
    if like.type is None:
        if value is None:
            return b.const(0.0)
        if like.op == Op.PARAM and len(like.attrs) == 1 and value.prim is not FLOAT \
                and _made_of(value) != (set(), False):
            return b.apply("float", value)
        return value
    if value is None:
        return b.apply("zeros_like", like)
    value = fit(b, value, like)
    if value.prim is BROADCAST_LIKE:
        return b.apply("full_like", like, value.args[0])
    if value.op in LEAVES or value.prim is not None and value.prim.view:
        # A view (maybe read-only) or an argument itself: the user gets their own copy.
        return b.apply("full_like", like, value)
    if _may_differ(value, like) and not _written_into_zeros_like(value, like):
        value = b.apply("astype_like", value, like)
    return value


def _may_differ(value: Node, like: Node) -> bool:
    """Whether `value` may not have `like`'s dtype: a rule's constants
    (``np.where(c, 1.0, 0.0)``) may have widened a float32 value, and a float64 array's
    cotangent may be made of narrower arrays (or of a global) alone."""
    if like.type.dtype != "float64" or value.type is None or value.type.dtype != "float64":
        return True
    dtypes, reads_global = _made_of(value)
    return reads_global or any(d in NARROW for d in dtypes)


# Float dtypes that a float64 value made of them alone would not have.
NARROW = frozenset({"float16", "float32"})


def _made_of(value: Node) -> tuple[set[str], bool]:
    """The dtypes of the arrays `value` is computed from (inside branches and loops too),
    and whether it reads a global (of any type, known only at run time)."""
    dtypes: set[str] = set()
    seen: set[Node] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.op == Op.GLOBAL:
            return dtypes, True
        if node.type is not None:
            dtypes.add(node.type.dtype)
        stack.extend(node.args)
        if node.op in REGIONS:
            for body in bodies(node):
                stack.extend((*body.outputs, *body.effects))
    return dtypes, False


def _written_into_zeros_like(value: Node, like: Node) -> bool:
    """Whether `value` is ``np.zeros_like(like)`` with values written into it: it has
    `like`'s dtype whatever the values written."""
    while value.prim is not None and value.prim.inplace:  # x[i] = v, x[i] += v
        value = value.args[0]
    return value.prim is ZEROS_LIKE and value.args[0] is like


SUM = Primitive(
    "sum", 1, None, _emit_sum, type_rule=_sum_type,
    jvp_rule=linear_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("unsum", ct, node.args[0], attrs=node.attrs),),
    may_raise=False)

MEAN = Primitive(
    "mean", 1, None, _emit_mean, type_rule=_sum_type,
    jvp_rule=linear_jvp,
    vjp_rule=_mean_vjp, may_raise=False)

# The cotangent of a sum, broadcast back over the summed axes (a view).
UNSUM = Primitive(
    "unsum", 2, None, _emit_unsum, type_rule=_like_type,
    jvp_rule=linear_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("sum", ct, attrs=node.attrs), None),
    may_raise=False, view=True)

SIZE = Primitive(
    "size", 1, None, _emit_size, type_rule=lambda types, attrs: None,
    differentiable=False, may_raise=False, makes_int=True)

MATMUL = Primitive(
    "matmul", 2, None, lambda args, attrs: ast.BinOp(args[0], ast.MatMult(), args[1]),
    type_rule=_matmul_type, jvp_rule=bilinear_jvp, vjp_rule=_matmul_vjp)

OUTER = Primitive(
    "outer", 2, None, lambda args, attrs: np_call("outer", *args), type_rule=_outer_type,
    jvp_rule=bilinear_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("matmul", ct, node.args[1]),
                                  b.apply("matmul", node.args[0], ct)),
    may_raise=False)

TRANSPOSE = Primitive(
    "transpose", 1, None, _emit_transpose, type_rule=_transpose_type,
    jvp_rule=linear_jvp,
    vjp_rule=_transpose_vjp, may_raise=False, view=True)

# `value` broadcast to the shape of `like` (a read-only view).
BROADCAST_LIKE = Primitive(
    "broadcast_like", 2, None,
    lambda args, attrs: np_call("broadcast_to", args[0], _shape(args[1])),
    type_rule=_like_type,
    jvp_rule=linear_jvp,
    vjp_rule=lambda b, node, ct: (fit(b, ct, node.args[0]), None), may_raise=False,
    view=True)

# A new array shaped like `like` holding `value` (a gradient handed to the user).
FULL_LIKE = Primitive(
    "full_like", 2, None, lambda args, attrs: np_call("full_like", *args),
    type_rule=lambda types, attrs: types[0],
    jvp_rule=lambda b, node, ts: None if ts[1] is None else b.apply(
        "full_like", node.args[0], ts[1]),
    vjp_rule=lambda b, node, ct: (None, fit(b, ct, node.args[1])), may_raise=False)

ASTYPE_LIKE = Primitive(
    "astype_like", 2, None, lambda args, attrs: ast.Call(
        ast.Attribute(args[0], "astype", ast.Load()),
        [ast.Attribute(args[1], "dtype", ast.Load())],
        [ast.keyword("copy", ast.Constant(False))]),
    type_rule=_cast_type,
    jvp_rule=linear_jvp,
    vjp_rule=lambda b, node, ct: (ct, None), may_raise=False, shares=True)

ZEROS_LIKE = Primitive(
    "zeros_like", 1, None, lambda args, attrs: np_call("zeros_like", *args),
    type_rule=lambda types, attrs: types[0], differentiable=False, may_raise=False)


RECORDS: tuple[Primitive, ...] = (
    SUM, MEAN, UNSUM, SIZE, MATMUL, OUTER, TRANSPOSE, BROADCAST_LIKE, FULL_LIKE, ASTYPE_LIKE,
    ZEROS_LIKE,
)
