"""Batched forward mode: a JVP program whose seeded tangents carry a leading batch axis.

Contract: `batched_jvp_program(primal, argnum)` is `jvp_program(primal, argnum)` with
its tangent parameter of type ``(k, *x.shape)`` for a batch of k seed directions (k
known only at run time); each output tangent gets that leading axis too (an output
whose tangent is zero stays unbatched: the caller broadcasts it). One call gives k
directional derivatives, so a full Jacobian is one pass over ``np.eye(n)``.

It is a pass over the finished JVP program (not over the JVP rules): every node that
depends on the tangent is rebuilt by a batching rule, which keeps the batch axis first.
Elementwise operations need only their batched operands' axes aligned; reductions,
transposes, indexing and the like shift their axes by one; ``A @ t`` for a batched
vector t becomes ``t @ A.T``. An operation without a rule, or a branch or loop that
reads a tangent, raises `BatchingError` (`symdiff.jacobian` then falls back to a pass
per seed direction).
"""

from __future__ import annotations

from collections.abc import Callable

from symdiff.errors import SymdiffError
from symdiff.ir.indexing import FULL, is_basic
from symdiff.ir.node import LEAVES, Builder, Node, Program, flatten, rebuild, topological
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.types import ArrayType
from symdiff.transforms.programs import jvp_program


class BatchingError(SymdiffError):
    """An operation of a JVP program with no batching rule."""


Rule = Callable[[Builder, Node, tuple[Node, ...], tuple[bool, ...]], Node]


def batched_jvp_program(primal: Program, argnum: int) -> Program:
    """The JVP of `primal` along a batch of tangents of argument `argnum`."""
    jvp = jvp_program(primal, argnum)
    (tangent,) = jvp.params[len(primal.params):]
    return batch_program(jvp, tangent, f"{primal.name}_jvp_batched",
                         f"Forward-mode derivatives (JVP) of {primal.name} along a batch of "
                         "tangents (leading axis).")


def batch_program(program: Program, param: Node, name: str, doc: str) -> Program:
    """`program` with `param` given a leading batch axis, and every value computed
    from it too."""
    b = program.builder
    t = param.attrs[1] if len(param.attrs) == 2 else None
    dims = t.dims if isinstance(t, ArrayType) else ()
    dtype = t.dtype if isinstance(t, ArrayType) else "float64"
    new_param = b.param(param.attrs[0], ArrayType(dtype, (None, *dims)))
    new: dict[Node, Node] = {param: new_param}
    batched = {new_param}
    for node in topological([*flatten(program.result), *program.effects]):
        if node in new:
            continue
        args = tuple(new[a] for a in node.args)
        flags = tuple(a in batched for a in args)
        if node.op in LEAVES or not any(flags):
            new[node] = node
            continue
        if node.op in ("cond", "loop", "proj"):
            raise BatchingError(f"no batching rule for a {node.op} that reads a tangent")
        out = _rule(node)(b, node, args, flags)
        new[node] = out
        batched.add(out)
        if node in b.names:
            b.name(out, b.names[node])
    params = tuple(new_param if p is param else p for p in program.params)
    effects = tuple(new[e] for e in program.effects)
    return Program(name, params, rebuild(program.result, new), b, doc, effects)


# Rules --------------------------------------------------------------------------------


def _rank(node: Node) -> int:
    """The rank of `node` without a batch axis."""
    return 0 if node.type is None else node.type.ndim


def _lift(b: Builder, x: Node, old: Node, rank: int) -> Node:
    """Batched `x` (for the unbatched `old`) with axes of length one after the batch
    axis, so that it has `rank` axes besides it and broadcasts like `old` did."""
    missing = rank - _rank(old)
    if missing <= 0:
        return x
    return b.apply("expand_dims", x, attrs=(tuple(range(1, 1 + missing)),))


def _rule(node: Node) -> Rule:
    if node.op in _RULES:
        return _RULES[node.op]
    prim = PRIMITIVES[node.op]
    if prim.type_rule is None and not prim.scalar_only and not prim.inplace:
        return _elementwise
    raise BatchingError(f"no batching rule for the primitive {node.op!r}")


def _elementwise(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                 ) -> Node:
    r = _rank(node)
    lifted = tuple(_lift(b, a, old, r) if f else a
                   for a, old, f in zip(args, node.args, flags, strict=True))
    return b.apply(node.op, *lifted, attrs=node.attrs)


def _shift(axes: tuple[int, ...], rank: int) -> tuple[int, ...]:
    return tuple(a % rank + 1 for a in axes)


def _reduce(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    (x,), (axes, keepdims) = args, node.attrs
    r = _rank(node.args[0])
    shifted = tuple(range(1, r + 1)) if axes is None else _shift(axes, r)
    return b.apply(node.op, x, attrs=(shifted, keepdims))


def _transpose(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
               ) -> Node:
    (x,), (axes,) = args, node.attrs
    r = _rank(node.args[0])
    order = tuple(reversed(range(r))) if axes is None else axes
    return b.apply("transpose", x, attrs=((0, *_shift(order, r)),))


def _matmul(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    ra, rb = (_rank(a) for a in node.args)
    if all(flags) or ra > 2 or rb > 2:
        raise BatchingError("no batching rule for a matmul of stacks of matrices or of two "
                            "tangents")
    x, y = args
    if flags[1] and rb == 1:
        # A @ t for a batch of vectors t (k, n): the rows of t @ A.T.
        return b.apply("matmul", y, _transposed(b, x) if ra == 2 else x)
    # (k, m, n) @ B and A @ (k, n, p) broadcast over the batch axis; so does (k, n) @ B
    # for a batch of vectors (its rows).
    return b.apply("matmul", x, y)


def _transposed(b: Builder, x: Node) -> Node:
    """``x.T`` of a matrix (``X`` itself for ``X.T``)."""
    if x.op == "transpose" and x.attrs[0] in (None, (1, 0)):
        return x.args[0]
    return b.apply("transpose", x, attrs=(None,))


def _outer(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    if all(flags):
        raise BatchingError("no batching rule for the outer product of two tangents")
    x, y = args
    if flags[0]:  # (k, n, 1) * (m,)
        return b.mul(b.apply("expand_dims", x, attrs=((2,),)), y)
    # (n, 1) * (k, 1, m)
    return b.mul(b.apply("expand_dims", x, attrs=((1,),)),
                 b.apply("expand_dims", y, attrs=((1,),)))


def _index(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    if any(flags[1:]):
        raise BatchingError("no batching rule for an index computed from a tangent")
    (key,) = node.attrs
    if not is_basic(key) and sum(item[0] in ("array", "list") for item in key) > 1:
        raise BatchingError("no batching rule for indexing with several integer arrays")
    return b.apply("index", *args, attrs=((FULL, *key),))


def _axis_first(result_rank: bool) -> Rule:
    """A rule for an operation whose first attribute is an axis (or a tuple of axes) of
    its operand (or of its result): shifted past the batch axis."""

    def rule(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
             ) -> Node:
        if not all(flags[:1]) or (node.op in ("concatenate", "stack") and not all(flags)):
            raise BatchingError(f"no batching rule for {node.op} of a tangent and a value")
        axis, *rest = node.attrs
        if axis is None:
            raise BatchingError(f"no batching rule for {node.op} of a flattened tangent")
        r = _rank(node) if result_rank else _rank(node.args[0])
        shifted = _shift(axis, r) if isinstance(axis, tuple) else axis % r + 1
        if rest and isinstance(rest[-1], tuple) and node.op in ("slice_axis", "pad_axis"):
            rest[-1] = (None, *rest[-1])  # the result's dims
        return b.apply(node.op, *args, attrs=(shifted, *rest))

    return rule


def _reshape(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    if any(flags[1:]) or any(a.is_const and a.value == -1 for a in node.args[1:]):
        raise BatchingError("no batching rule for this reshape")
    (dims,) = node.attrs
    return b.apply("reshape", args[0], -1, *args[1:], attrs=((None, *dims),))


def _full_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
               ) -> Node:
    # A new array of the output's shape holding a batched value: broadcast by adding
    # zeros where the value lacks axes, else a copy.
    like, value = args
    if flags[0]:
        raise BatchingError("no batching rule for full_like of a tangent's shape")
    if _rank(node.args[1]) == _rank(like) and value.op not in LEAVES:
        return b.apply("copy", value)
    return b.add(_lift(b, value, node.args[1], _rank(like)), b.apply("zeros_like", like))


def _broadcast_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                    ) -> Node:
    value, like = args
    if flags[1]:
        raise BatchingError("no batching rule for broadcast_like to a tangent's shape")
    return b.add(_lift(b, value, node.args[0], _rank(like)), b.apply("zeros_like", like))


def _copy(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    return b.apply("copy", args[0])


def _sum_if_one(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                ) -> Node:
    if flags[1]:
        raise BatchingError("no batching rule for sum_if_one against a tangent")
    g_axis, like_axis = node.attrs
    return b.apply("sum_if_one", *args, attrs=(g_axis + 1, like_axis))


_RULES: dict[str, Rule] = {
    "sum": _reduce,
    "mean": _reduce,
    "transpose": _transpose,
    "matmul": _matmul,
    "outer": _outer,
    "index": _index,
    "reshape": _reshape,
    "full_like": _full_like,
    "broadcast_like": _broadcast_like,
    "copy": _copy,
    "sum_if_one": _sum_if_one,
    "squeeze": _axis_first(result_rank=False),
    "expand_dims": _axis_first(result_rank=True),
    "pick": _axis_first(result_rank=False),
    "slice_axis": _axis_first(result_rank=False),
    "pad_axis": _axis_first(result_rank=False),
    "flip": _axis_first(result_rank=False),
    "cumsum": _axis_first(result_rank=False),
    "concatenate": _axis_first(result_rank=False),
    "stack": _axis_first(result_rank=True),
}
