"""Batched derivatives: JVP and VJP programs whose seeds carry a leading batch axis.

Contract: `batched_jvp_program(primal, argnum)` is `jvp_program(primal, argnum)` with
its tangent parameter of type ``(k, *x.shape)`` for a batch of k seed directions (k
known only at run time); `batched_vjp_program(primal)` is `vjp_program(primal)` with
every output cotangent parameter given such an axis (the batched transpose). Each
output (co)tangent gets that leading axis too (one that is zero, or that does not
depend on the seeds, stays unbatched: the caller broadcasts it). One call gives k
directional derivatives, so a full Jacobian is one pass over the rows of ``np.eye(n)``.

It is a pass over the finished program (not over the derivative rules): every node
that depends on a seed is rebuilt by a batching rule, which keeps the batch axis
first. Elementwise operations need only their batched operands' axes aligned;
reductions, transposes, indexing and the like shift their axes by one; ``A @ t`` for a
batched vector t becomes ``t @ A.T``; an update of an array of zeros by a batched value
writes into batched zeros. A branch on an unbatched predicate has both bodies batched
(an output batched in one body only is broadcast in the other); a loop carries a value
batched when its initial value or the body makes it so (found by iterating), and a
tape keeps, per saved value, whether it is batched, so that the loop popping it
batches the same values. An operation without a rule, a predicate or a loop bound that
depends on a seed, or a list, raises `BatchingError` (`symdiff.jacobian` then falls
back to a pass per seed direction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from symdiff.errors import SymdiffError
from symdiff.ir import sequences
from symdiff.ir.indexing import FULL, is_basic
from symdiff.ir.node import LEAVES, Builder, Node, Program, flatten, rebuild, topological
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.regions import Loop, cond_node, loop_node, proj
from symdiff.ir.sequences import is_seq
from symdiff.ir.types import ArrayType
from symdiff.transforms.programs import jvp_program, vjp_program


class BatchingError(SymdiffError):
    """An operation of a derivative program with no batching rule."""


Rule = Callable[[Builder, Node, tuple[Node, ...], tuple[bool, ...]], Node]


def batched_jvp_program(primal: Program, argnum: int) -> Program:
    """The JVP of `primal` along a batch of tangents of argument `argnum`."""
    jvp = jvp_program(primal, argnum)
    return batch_program(jvp, jvp.params[len(primal.params):],
                         f"{primal.name}_jvp_batched",
                         f"Forward-mode derivatives (JVP) of {primal.name} along a batch of "
                         "tangents (leading axis).")


def batched_vjp_program(primal: Program) -> Program:
    """The VJP of `primal` for a batch of cotangents of every output."""
    vjp = vjp_program(primal)
    return batch_program(vjp, vjp.params[len(primal.params):],
                         f"{primal.name}_vjp_batched",
                         f"Reverse-mode derivatives (VJP) of {primal.name} for a batch of "
                         "output cotangents (leading axis).")


def batch_program(program: Program, params: Sequence[Node], name: str, doc: str) -> Program:
    """`program` with each of `params` given a leading batch axis, and every value
    computed from them too."""
    b = program.builder
    batcher = _Batcher(b, {p: _batched_leaf(b, p) for p in params})
    batcher.run([*flatten(program.result), *program.effects])
    new = batcher.new
    return Program(name, tuple(new.get(p, p) for p in program.params),
                   rebuild(program.result, new), b, doc,
                   tuple(new[e] for e in program.effects))


def _batched_leaf(b: Builder, leaf: Node) -> Node:
    """A parameter (or a body's argument) like `leaf` with a leading batch axis."""
    if is_seq(leaf):
        raise BatchingError("no batching rule for a list")
    t = leaf.type
    batched = ArrayType(t.dtype if t is not None else "float64",
                        (None, *(t.dims if t is not None else ())))
    if leaf.op == "param":
        return b.param(leaf.attrs[0], batched)
    return b.arg(str(leaf.attrs[0]), batched)


def _repeated(b: Builder, value: Node, ref: Node) -> Node:
    """`value`, the same for every seed, with the batch axis of `ref`."""
    if is_seq(value):
        raise BatchingError("no batching rule for a list")
    if value.op == "zeros_like":  # new zeros: batched zeros, without a view
        return b.apply("batch_zeros", value.args[0], ref, attrs=(True, *value.attrs))
    return b.apply("batch_broadcast", value, value, ref, attrs=(value.type is not None,))


class _Batcher:
    """Rebuilds the nodes of one builder that depend on the seeds (`new` maps each old
    node to its new one; `batched` holds the new nodes with a batch axis)."""

    def __init__(self, b: Builder, seeds: dict[Node, Node]) -> None:
        self.b = b
        self.new: dict[Node, Node] = dict(seeds)
        self.batched: set[Node] = set(seeds.values())
        # A batched value to take the batch length from.
        self.ref: Node | None = next(iter(seeds.values()), None)
        # Per rebuilt region, which of its outputs are batched; per tape (a loop's
        # output), which of the values each entry saves are.
        self.outputs: dict[Node, tuple[bool, ...]] = {}
        self.saved: dict[Node, tuple[int, tuple[bool, ...]]] = {}
        self.tapes: dict[Node, tuple[bool, ...]] = {}

    def run(self, roots: Sequence[Node]) -> None:
        b = self.b
        for node in topological(roots):
            if node in self.new:
                continue
            args = tuple(self.new[a] for a in node.args)
            flags = tuple(a in self.batched for a in args)
            if node.op == "proj":
                self.new[node] = self._proj(node, args[0])
            elif node.op in LEAVES or not any(flags):
                self.new[node] = _same(b, node, args)
            elif node.op in ("cond", "loop"):
                rule = self._cond if node.op == "cond" else self._loop
                self.new[node] = rule(node, args, flags)
            else:
                out = _rule(node)(b, node, args, flags)
                self.new[node] = out
                self.batched.add(out)
                if node in b.names:
                    b.name(out, b.names[node])

    def _proj(self, node: Node, region: Node) -> Node:
        i = node.attrs[0]
        out = proj(self.b, region, i)
        flags = self.outputs.get(region)
        if flags is not None and flags[i]:
            self.batched.add(out)
        tape = self.saved.get(region)
        if tape is not None and tape[0] == i:
            self.tapes[out] = tape[1]
        return out

    def _cond(self, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
        if flags[0]:
            raise BatchingError("no batching rule for a branch on a batched value")
        self._no_tapes(args)
        then, orelse = node.attrs
        bodies = [_batch_body(body, flags[1:]) for body in (then, orelse)]
        out = tuple(x or y for x, y in zip(bodies[0][1], bodies[1][1], strict=True))
        then, orelse = (_broadcast_outputs(*body, out) for body in bodies)
        region = cond_node(self.b, args[0], args[1:], then, orelse)
        self.outputs[region] = out
        return region

    def _no_tapes(self, args: Sequence[Node]) -> None:
        if any(a in self.tapes for a in args):
            raise BatchingError("no batching rule for a tape read other than by a loop")

    def _loop(self, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
        loop: Loop = node.attrs[0]
        nr, n = loop.n_range, loop.n_carry
        n_pop, n_un = loop.n_popped, loop.n_unstacked
        tail = len(args) - n_un - (1 if n_pop else 0)
        if any(flags[:nr]):
            raise BatchingError("no batching rule for a loop whose range is batched")
        if any(flags[tail:tail + n_un]):
            raise BatchingError("no batching rule for a list a loop pops from")
        self._no_tapes(args[:tail])
        popped = (False,) * n_pop
        if n_pop and flags[-1]:
            popped = self.tapes[args[-1]]
            if len(popped) != n_pop:
                raise BatchingError("no batching rule for a loop that pops part of a tape")
        inits, init_f, op_f = args[nr:nr + n], flags[nr:nr + n], flags[nr + n:tail]
        prefix = (False, *popped, *(False,) * n_un) if loop.kind == "range" else ()
        carried = {k for k, f in enumerate(init_f) if f}
        while True:
            body, got, ref = _batch_body(loop.body, (*prefix,
                                                     *(k in carried for k in range(n)), *op_f))
            grown = carried | {k for k in range(n) if got[k]}
            if grown == carried:
                break
            carried = grown
        s, n_saved = loop.n_stacked, loop.n_saved
        if any(got[n:n + s]) or (loop.breaks and got[-1]):
            raise BatchingError("no batching rule for a loop that appends a batched value "
                                "or stops on one")
        want = (*(k in carried for k in range(n)), *got[n:])
        body = _broadcast_outputs(body, got, ref, want)
        test = loop.test
        if test is not None:
            test, test_got, _ = _batch_body(test, (*(k in carried for k in range(n)), *op_f))
            if any(test_got):
                raise BatchingError("no batching rule for a loop whose test is batched")
        assert self.ref is not None
        new_inits = tuple(init if init_f[k] or k not in carried else _repeated(
            self.b, init, self.ref) for k, init in enumerate(inits))
        region = loop_node(self.b, replace(loop, body=body, test=test),
                           (*args[:nr], *new_inits, *args[nr + n:]))
        saved = tuple(got[n + s:n + s + n_saved])
        self.outputs[region] = (*want[:n], *(False,) * s, *(any(saved),) * (n_saved > 0),
                                *(False,) * loop.counted)
        if any(saved):
            self.saved[region] = (n + s, saved)
        return region


def _same(b: Builder, node: Node, args: tuple[Node, ...]) -> Node:
    """`node` over arguments that are not batched (but may be new nodes)."""
    if args == node.args:
        return node
    if node.op in ("cond", "loop"):
        return b.structural(node.op, args, node.attrs)
    return b.apply(node.op, *args, attrs=node.attrs)


def _batch_body(body: Program, flags: Sequence[bool]
                ) -> tuple[Program, tuple[bool, ...], Node | None]:
    """A region's body with the parameters `flags` marks batched, which of its outputs
    are batched, and a batched parameter (None when there is none)."""
    nb = body.builder
    batcher = _Batcher(nb, {p: _batched_leaf(nb, p)
                            for p, f in zip(body.params, flags, strict=True) if f})
    outputs = tuple(body.outputs)
    batcher.run([*outputs, *body.effects])
    new = batcher.new
    program = Program(body.name, tuple(new.get(p, p) for p in body.params),
                      rebuild(body.result, new), nb, body.doc,
                      tuple(new[e] for e in body.effects))
    return program, tuple(new[o] in batcher.batched for o in outputs), batcher.ref


def _broadcast_outputs(body: Program, got: tuple[bool, ...], ref: Node | None,
                       want: tuple[bool, ...]) -> Program:
    """`body` with each output `want` marks batched but `got` does not repeated along
    the batch axis (of its batched parameter `ref`)."""
    if got == want:
        return body
    assert ref is not None  # an output is batched in some body: a parameter is
    if not isinstance(body.result, tuple) or not all(
            isinstance(r, Node) for r in body.result):
        raise BatchingError("no batching rule for a region with nested results")
    nb = body.builder
    result = tuple(_repeated(nb, o, ref) if w and not g else o  # type: ignore[arg-type]
                   for o, g, w in zip(body.result, got, want, strict=True))
    return body.replace(result=result)


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
    if node.op in sequences.OPS:
        raise BatchingError(f"no batching rule for the list operation {node.op!r}")
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
    _check_key(key)
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
    if any(flags[1:]):
        raise BatchingError("no batching rule for a reshape to a tangent's lengths")
    (dims,) = node.attrs
    x = args[0]
    # The batch axis's length: -1 unless the new shape has a -1 of its own.
    lead = _batch_length(b, x) if any(
        a.is_const and a.value == -1 for a in node.args[1:]) else -1
    return b.apply("reshape", x, lead, *args[1:], attrs=((None, *dims),))


def _batch_length(b: Builder, x: Node) -> Node:
    """``x.shape[0]`` of a batched `x`."""
    return b.apply("size", x, attrs=((0,),))


def _cumulative(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                ) -> Node:
    (x,), (axis,) = args, node.attrs
    r = _rank(node.args[0])
    if axis is None and r != 1:  # of the flattened array: flatten each batch entry
        x = b.apply("reshape", x, _batch_length(b, x), -1, attrs=((None, None),))
    return b.apply(node.op, x, attrs=(1 if axis is None else axis % r + 1,))


def _array(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # np.array of values, some batched: each repeated if not, stacked after the batch
    # axis, the nesting restored.
    shape = node.attrs[0]
    ref = next(a for a, f in zip(args, flags, strict=True) if f)
    parts = [_lift(b, a, old, max(_rank(p) for p in node.args)) if f
             else _repeated(b, a, ref) for a, old, f in zip(args, node.args, flags, strict=True)]
    stacked = b.apply("stack", *parts, attrs=(1,))
    if len(shape) == 1:
        return stacked
    inner = node.type.dims[len(shape):] if node.type is not None else ()
    lengths = [b.const(d) for d in shape] + [
        b.apply("size", ref, attrs=((1 + i,),)) for i in range(len(inner))]
    return b.apply("reshape", stacked, _batch_length(b, stacked), *lengths,
                   attrs=((None, *shape, *inner),))


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
    return _spread(b, _lift(b, value, node.args[0], _rank(like)), like)


def _spread(b: Builder, value: Node, like: Node) -> Node:
    """The batched `value` (of `like`'s rank after its batch axis) broadcast to the
    shape of the unbatched `like` after its batch axis (a view)."""
    return b.apply("batch_broadcast", value, like, value, attrs=(like.type is not None,))


def _unsum(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # The cotangent of a sum, broadcast back over the summed axes of `like`.
    if flags[1]:
        raise BatchingError("no batching rule for unsum to a tangent's shape")
    g, like = args
    axes, keepdims = node.attrs
    r = _rank(like)
    if axes is None:
        g = _lift(b, g, node.args[0], r)
    elif not keepdims:
        g = b.apply("expand_dims", g, attrs=(_shift(axes, r),))
    return _spread(b, g, like)


def _reshape_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                  ) -> Node:
    if flags[1]:
        raise BatchingError("no batching rule for reshape_like to a tangent's shape")
    x, like = args
    r = _rank(like)
    lengths = [b.apply("size", like, attrs=((i,),)) for i in range(r)]
    dims = like.type.dims if like.type is not None else ()
    return b.apply("reshape", x, -1, *lengths, attrs=((None, *dims),))


def _update(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # base[key] = value (or += value), one batch entry at a time: key gets a leading
    # full slice; an unbatched base is made batched first (new zeros stay new zeros).
    if any(flags[2:]):
        raise BatchingError("no batching rule for an update at an index computed from a "
                            "tangent")
    base, value, *parts = args
    (key,) = node.attrs
    _check_key(key)
    if not flags[0]:
        if base.op == "zeros_like":
            base = b.apply("batch_zeros", base.args[0], value,
                           attrs=(base.type is not None, *base.attrs))
        else:
            base = b.apply("batch_broadcast", base, base, value, attrs=(True,))
    if flags[1]:
        old = node.args[0]
        picked = PRIMITIVES["index"].type_rule([old.type, *(p.type for p in parts)],  # type: ignore
                                               node.attrs)
        value = _lift(b, value, node.args[1], 0 if picked is None else picked.ndim)
    return b.apply(node.op, base, value, *parts, attrs=((FULL, *key),))


def _check_key(key: tuple[tuple[object, ...], ...]) -> None:
    """An index whose meaning does not change with a full slice put before it: its
    integer-array items (and ints among them) are next to each other, so NumPy keeps
    their result axes in place rather than moving them first."""
    if is_basic(key):
        return
    advanced = [i for i, item in enumerate(key) if item[0] in ("array", "list", "int")]
    if advanced != list(range(advanced[0], advanced[-1] + 1)):
        raise BatchingError("no batching rule for integer-array indices apart from each "
                            "other")


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
    "unsum": _unsum,
    "reshape_like": _reshape_like,
    "index_set": _update,
    "index_add": _update,
    "copy": _copy,
    "sum_if_one": _sum_if_one,
    "squeeze": _axis_first(result_rank=False),
    "expand_dims": _axis_first(result_rank=True),
    "pick": _axis_first(result_rank=False),
    "slice_axis": _axis_first(result_rank=False),
    "pad_axis": _axis_first(result_rank=False),
    "flip": _axis_first(result_rank=False),
    "cumsum": _cumulative,
    "array": _array,
    "keepdims": _axis_first(result_rank=True),
    "concatenate": _axis_first(result_rank=False),
    "stack": _axis_first(result_rank=True),
    # A batch of numbers is an array already: float() of each would give the same values.
    "float": lambda b, node, args, flags: args[0],
}
