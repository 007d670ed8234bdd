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
reductions, transposes, indexing and the like shift their axes by one (where an
index's integer arrays are apart from each other, NumPy puts their axes first, and the
batch axis is moved back to front after a read, or into place in a value written);
``A @ t`` for a batched vector t becomes ``t @ A.T``, and other matmuls of batched operands are
matmuls of stacks of matrices with the batch axis first; an einsum gets a letter for
the batch axis; ``np.linalg.solve`` solves the k right-hand sides as the columns of
one; ``np.tril``, ``np.triu`` and ``scipy.linalg.expm`` act on the last two axes as
they did (the exponential of each matrix of a stack: its derivatives are exponentials
of blocks holding the seeds); an update of an array of zeros by a batched value writes
into batched zeros; an operation that reads only a batched value's shape
(``x.shape[1]``) gives an `Unbatched` value. A
branch on an unbatched predicate has both bodies batched (an output batched in one
body only is broadcast in the other); a loop carries a value
batched when its initial value or the body makes it so (found by iterating), and a
tape keeps, per saved value, whether it is batched, so that the loop popping it
batches the same values.

The result is a linear rewrite of a finished program: it is not marked for the
pipeline's simplify pass (`Program.derived`).

Only the seeds and what is computed from them are batched, and every derivative rule
is linear in the (co)tangents, so the operations that are not linear (``det``,
``inv``, ``prod``, ``max``...) only ever see values that do not depend on the seeds:
the rules that shift a reduction's axes serve ``prod``, ``max``, ``min`` and ``norm``
too, and ``det``, ``inv`` and the factorisations (``cholesky``, ``eigh``, ``svd``...)
have none. An operation without a rule, a predicate or a loop bound that depends on a
seed, or a Python list of batched values raises `BatchingError`, which names it as the
user wrote it (``np.linalg.det``):
`symdiff.jacobian` then falls back to a pass per seed direction, and a Jacobian inside
another transform (`transforms.jacobian`) raises `UnsupportedTransformError`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from symdiff.errors import SymdiffError
from symdiff.ir import indexing, linalg, sequences, shapes
from symdiff.ir.arrays import (
    ASTYPE,
    ASTYPE_LIKE,
    BROADCAST_LIKE,
    FULL_LIKE,
    MATMUL,
    MEAN,
    OUTER,
    SIZE,
    SUM,
    TRANSPOSE,
    UNSUM,
    ZEROS_LIKE,
)
from symdiff.ir.batching import BATCH_BROADCAST
from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.convolution import CONVOLVE, CORRELATE_VALID
from symdiff.ir.indexing import COPY, INDEX, INDEX_ADD, INDEX_SET, is_basic
from symdiff.ir.linalg import (
    AMAX,
    AMIN,
    DET,
    EINSUM,
    EYE_LIKE,
    INV,
    KEEPDIMS,
    NORM,
    PROD,
    SOLVE,
    TRACE,
)
from symdiff.ir.loop import Loop, LoopOutputs, loop_node
from symdiff.ir.matrices import CHOLESKY, EXPM, PINV, SLOGDET, TRIANGLE
from symdiff.ir.node import LEAVES, Node, Op, Program, flatten, rebuild, topological
from symdiff.ir.primitive import Primitive
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.rearrange import PAD, REPEAT, ROLL, TILE, UNPAD
from symdiff.ir.regions import Arms, cond_node, proj
from symdiff.ir.scalars import FLOAT
from symdiff.ir.sequences import is_seq
from symdiff.ir.shapes import (
    ARRAY,
    CONCATENATE,
    CUMPROD,
    CUMSUM,
    DIFF,
    EXPAND_DIMS,
    FLIP,
    LINSPACE,
    PAD_AXIS,
    PICK,
    RESHAPE,
    RESHAPE_LIKE,
    SLICE_AXIS,
    SQUEEZE,
    STACK,
    SUM_IF_ONE,
    size_of,
)
from symdiff.ir.sorting import PERMUTE
from symdiff.ir.special import LOGSUMEXP
from symdiff.ir.spectral import EIGH, EIGVALSH, QR, SVD
from symdiff.ir.structure import CROSS, DIAG, DIAGONAL, KRON, on_diagonal
from symdiff.ir.sylvester import SOLVE_SYLVESTER
from symdiff.ir.types import ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from symdiff.unparse import unparse


class BatchingError(SymdiffError):
    """An operation of a derivative program with no batching rule; `what` names it."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"no batching rule for {what}")


@dataclass(frozen=True)
class Unbatched:
    """A rule's result that is the same for every seed: it depends on a batched
    argument's shape alone (``x.shape[1]``, an identity matrix as long as an axis)."""

    value: Node


Rule = Callable[[Builder, Node, tuple[Node, ...], tuple[bool, ...]], "Node | Unbatched"]


def batched_jvp_program(primal: Program, argnum: int, has_aux: bool = False) -> Program:
    """The JVP of `primal` along a batch of tangents of argument `argnum` (an aux output
    the seeds do not reach, unbatched)."""
    jvp = finish(jvp_program(primal, argnum, has_aux))  # batched as the pipeline leaves it
    return batch_program(jvp, jvp.params[len(primal.params):],
                         f"{primal.name}_jvp_batched",
                         f"Forward-mode derivatives (JVP) of {primal.name} along a batch of "
                         "tangents (leading axis).")


def batched_vjp_program(primal: Program, has_aux: bool = False,
                        argnums: tuple[int, ...] | None = None) -> Program:
    """The VJP of `primal` for a batch of cotangents of every output (an aux output
    the seeds do not reach, unbatched), as `vjp_program` gives it for `argnums`."""
    vjp = finish(vjp_program(primal, has_aux=has_aux, argnums=argnums))
    return batch_program(vjp, vjp.params[len(primal.params):],
                         f"{primal.name}_vjp_batched",
                         f"Reverse-mode derivatives (VJP) of {primal.name} for a batch of "
                         "output cotangents (leading axis).")


def batch_program(program: Program, params: Sequence[Node], name: str, doc: str) -> Program:
    """`program` with each of `params` given a leading batch axis, and every value
    computed from them too."""
    b = builder_of(program)
    batcher = _Batcher(b, {p: _batched_leaf(b, p) for p in params})
    batcher.run([*flatten(program.result), *program.effects])
    new = batcher.new
    return Program(name, tuple(new.get(p, p) for p in program.params),
                   rebuild(program.result, new), b, doc,
                   tuple(new[e] for e in program.effects))


def _batched_leaf(b: Builder, leaf: Node) -> Node:
    """A parameter (or a body's argument) like `leaf` with a leading batch axis."""
    if is_seq(leaf):
        raise BatchingError("a Python list")
    t = leaf.type
    batched = ArrayType(t.dtype if t is not None else "float64",
                        (None, *(t.dims if t is not None else ())))
    if leaf.op == Op.PARAM:
        return b.param(leaf.attrs[0], batched)
    return b.arg(str(leaf.attrs[0]), batched)


def _repeated(b: Builder, value: Node, ref: Node) -> Node:
    """`value`, the same for every seed, with the batch axis of `ref`."""
    if is_seq(value):
        raise BatchingError("a Python list")
    if value.prim is ZEROS_LIKE:  # new zeros: batched zeros, without a view
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
        self.saved: dict[Node, tuple[int | None, tuple[bool, ...]]] = {}
        self.tapes: dict[Node, tuple[bool, ...]] = {}

    def run(self, roots: Sequence[Node]) -> None:
        b = self.b
        for node in topological(roots):
            if node in self.new:
                continue
            args = tuple(self.new[a] for a in node.args)
            flags = tuple(a in self.batched for a in args)
            if node.op == Op.PROJ:
                self.new[node] = self._proj(node, args[0])
            elif node.op in LEAVES or not any(flags):
                self.new[node] = _same(b, node, args)
            elif node.op in (Op.COND, Op.LOOP):
                rule = self._cond if node.op == Op.COND else self._loop
                self.new[node] = rule(node, args, flags)
            else:
                out = _rule(node)(b, node, args, flags)
                if isinstance(out, Unbatched):
                    self.new[node] = out.value
                    continue
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
            raise BatchingError("a branch on a batched value")
        self._no_tapes(args)
        arms: Arms = node.attrs[0]
        bodies = [_batch_body(body, flags[1:]) for body in arms.branches]
        out = tuple(any(got) for got in zip(*(body[1] for body in bodies), strict=True))
        tests = []
        for test in arms.tests:
            test, got, _ = _batch_body(test, flags[1:])
            if any(got):
                raise BatchingError("a branch on a batched value")
            tests.append(test)
        region = cond_node(self.b, args[0], args[1:],
                           *(_broadcast_outputs(*body, out) for body in bodies), tests=tests)
        self.outputs[region] = out
        return region

    def _no_tapes(self, args: Sequence[Node]) -> None:
        if any(a in self.tapes for a in args):
            raise BatchingError("a tape read other than by a loop")

    def _loop(self, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
        loop: Loop = node.attrs[0]
        given, batched = loop.split_args(args), loop.split_args(flags)
        if any(batched.range):
            raise BatchingError("a loop whose range is batched")
        if any(batched.lists):
            raise BatchingError("a list a loop pops from")
        self._no_tapes((*given.range, *given.inits, *given.consts))
        popped = (False,) * loop.n_popped
        if given.tape is not None and batched.tape:
            popped = self.tapes[given.tape]
            if len(popped) != loop.n_popped:
                raise BatchingError("a loop that pops part of a tape")
        n = loop.n_carry
        unbatched = loop.split_params((False,) * len(loop.body.params))
        carried = {k for k, f in enumerate(batched.inits) if f}
        while True:
            carry = tuple(k in carried for k in range(n))
            body, got, ref = _batch_body(loop.body, replace(
                unbatched, popped=popped, carry=carry, consts=batched.consts).flat())
            results = loop.split_results(got)
            grown = carried | {k for k, f in enumerate(results.carry) if f}
            if grown == carried:
                break
            carried = grown
        if any(results.stacked):
            raise BatchingError("a Python list built in a loop (list.append) from the "
                                "differentiated input")
        if results.stop:
            raise BatchingError("a loop that stops on a batched value")
        body = _broadcast_outputs(body, got, ref, replace(results, carry=carry).flat())
        test = loop.test
        if test is not None:
            test, test_got, _ = _batch_body(test, replace(
                unbatched, carry=carry, consts=batched.consts).flat())
            if any(test_got):
                raise BatchingError("a loop whose test is batched")
        assert self.ref is not None
        inits = tuple(init if batched.inits[k] or not carry[k] else _repeated(
            self.b, init, self.ref) for k, init in enumerate(given.inits))
        region = loop_node(self.b, replace(loop, body=body, test=test),
                           replace(given, inits=inits).flat())
        self.outputs[region] = LoopOutputs(
            carry, (False,) * loop.n_stacked, any(results.saved) if loop.n_saved else None,
            False if loop.counted else None).flat()
        if any(results.saved):
            self.saved[region] = (loop.outputs.tape, results.saved)
        return region


def _same(b: Builder, node: Node, args: tuple[Node, ...]) -> Node:
    """`node` over arguments that are not batched (but may be new nodes)."""
    if args == node.args:
        return node
    if node.op in (Op.COND, Op.LOOP):
        return b.structural(node.op, args, node.attrs)
    return b.apply(node.op, *args, attrs=node.attrs)


def _batch_body(body: Program, flags: Sequence[bool]
                ) -> tuple[Program, tuple[bool, ...], Node | None]:
    """A region's body with the parameters `flags` marks batched, which of its outputs
    are batched, and a batched parameter (None when there is none)."""
    nb = builder_of(body)
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
        raise BatchingError("a region with nested results")
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
    prim = node.prim
    rule = _RULES.get(prim)
    if rule is not None:
        return rule
    if prim in sequences.RECORDS:
        raise BatchingError(f"a Python list ({_spelled(node)})")
    if prim.type_rule is None and not prim.scalar_only and not prim.inplace:
        return _elementwise
    raise BatchingError(_spelled(node))


def _spelled(node: Node) -> str:
    """The operation of `node` as the user wrote it, as far as its emitted code tells
    (``np.linalg.det``, ``.tolist()``, ``len()``), else its primitive's name."""
    prim = node.prim
    emit = prim.emit_array or prim.emit
    code = emit([ast.Name(f"_{i}", ast.Load()) for i in range(len(node.args))], node.attrs)
    if isinstance(code, ast.Expr):
        code = code.value
    if not isinstance(code, ast.Call):
        return f"the operation {node.op!r}"
    func = code.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id.startswith("_"):
        return f".{func.attr}()"  # a method of an argument
    return unparse(func) + ("()" if isinstance(func, ast.Name) else "")


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


def _matmul(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
            ) -> Node:
    ra, rb = (_rank(a) for a in node.args)
    x, y = args
    if not flags[0] and rb == 1 and ra <= 2:
        # A @ t (or v @ t) for a batch of vectors t (k, n): the rows of t @ A.T (t @ v).
        return b.apply("matmul", y, _transposed(b, x) if ra == 2 else x)
    if all(flags) and ra == rb == 1:  # k inner products
        return b.apply("sum", b.mul(x, y), attrs=((1,), False))
    # Stacks of matrices, the batch axis first among the stack axes: a batched operand
    # gets axes of length one after it up to the result's stack axes (so that the other
    # operand's stack axes line up with its own), and a batched vector facing a batched
    # operand or a stack becomes a row (first) or column (second) matrix, dropped after.
    stack = max(ra, rb, 2) - 2
    row = flags[0] and ra == 1 and (flags[1] or rb > 2)
    column = flags[1] and rb == 1
    if row:
        x = _stacked(b, x, range(1, stack + 2))
    elif flags[0] and ra > 1:
        x = _stacked(b, x, range(1, stack + 3 - ra))
    if column:
        y = _stacked(b, y, (*range(1, stack + 1), stack + 2))
    elif flags[1]:
        y = _stacked(b, y, range(1, stack + 3 - rb))
    out = b.apply("matmul", x, y)
    if row or column:
        out = b.apply("squeeze", out, attrs=((stack + (1 if row else 2),),))
    return out


def _stacked(b: Builder, x: Node, new: Iterable[int]) -> Node:
    """`x` with axes of length one at the positions `new` (none: `x` itself)."""
    axes = tuple(new)
    return b.apply("expand_dims", x, attrs=(axes,)) if axes else x


def _transposed(b: Builder, x: Node) -> Node:
    """``x.T`` of a matrix (``X`` itself for ``X.T``)."""
    if x.prim is TRANSPOSE and x.attrs[0] in (None, (1, 0)):
        return x.args[0]
    return b.apply("transpose", x, attrs=(None,))


def _outer(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # x[:, None] * y, each batched operand a vector (k, n) after its batch axis:
    # (k, n, 1) * (m,), (n, 1) * (k, 1, m) or (k, n, 1) * (k, 1, m).
    x, y = (_lift(b, a, old, 1) if f else a
            for a, old, f in zip(args, node.args, flags, strict=True))
    return b.mul(b.apply("expand_dims", x, attrs=((2 if flags[0] else 1,),)),
                 b.apply("expand_dims", y, attrs=((1,),)) if flags[1] else y)


def _einsum(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
            ) -> Node:
    # A letter of its own for the batch axis, first in the batched operands and the output.
    specs, output = linalg.parse(node.attrs[0], len(args))
    try:
        k = linalg.fresh_letter("".join(specs))
    except ValueError as error:
        raise BatchingError(f"np.einsum: {error}") from None
    batched = [k + s if f else s for s, f in zip(specs, flags, strict=True)]
    return linalg.einsum(b, batched, k + output, list(args))


def _trace(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # The batch axis moved last, where np.trace keeps it (with any axes after the two
    # it sums over), then put back first.
    r = _rank(node.args[0])
    moved = b.apply("transpose", args[0], attrs=((*range(1, r + 1), 0),))
    out = b.apply("trace", moved)
    if r == 2:
        return out
    return b.apply("transpose", out, attrs=((r - 2, *range(r - 2)),))


def _diagonal(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
              ) -> Node:
    # np.diagonal of the last two axes: the batch axis one more in front, of the result
    # too.
    k, dims = node.attrs
    return b.apply("diagonal", args[0], attrs=(k, (None, *dims)))


def _diag(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # A batch of vectors, each put on the diagonal of a square matrix of zeros.
    (v,), (k, dims) = args, node.attrs
    side = b.add(size_of(b, v, 1), abs(k))
    return on_diagonal(b, v, side, side, k, dims)


def _kron(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # Each entry's blocks, an einsum with a letter for the batch axis, reshaped.
    n = _rank(node)
    letters = linalg.fresh_letters(2 * n + 1)
    batch, blocks = letters[-1], letters[:-1]
    specs = [batch + s if f else s for s, f in zip((blocks[0::2], blocks[1::2]), flags,
                                                   strict=True)]
    out = linalg.einsum(b, specs, batch + blocks, list(args))
    lengths = [b.mul(*(size_of(b, a, i + f) for a, f in zip(args, flags, strict=True)))
               for i in range(n)]
    return b.apply("reshape", out, _batch_length(b, out), *lengths,
                   attrs=((None, *node.type.dims),))


def _roll(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    if flags[1]:
        raise BatchingError("np.roll by a shift computed from a tangent")
    axis, ndim = node.attrs
    return b.apply("roll", *args, attrs=(axis + 1, ndim + 1))


def _repeat(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
            ) -> Node:
    if flags[1]:
        raise BatchingError("np.repeat by a count computed from a tangent")
    axis, dims = node.attrs
    return b.apply("repeat", *args, attrs=(axis + 1, (None, *dims)))


def _tile(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # The array given the tile's rank after its batch axis, which is tiled once.
    if any(flags[1:]):
        raise BatchingError("np.tile by a count computed from a tangent")
    x, *reps = args
    (dims,) = node.attrs
    x = _lift(b, x, node.args[0], len(dims))
    ones = [b.const(1)] * (len(dims) - len(reps) + 1)
    return b.apply("tile", x, *ones, *reps, attrs=((None, *dims),))


def _pad(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # No padding along the batch axis. A batch of constant values: the array padded
    # with zeros, plus each value times the border of ones.
    widths, mode, dims = node.attrs
    batched = (((0, 0), *widths), mode, (None, *dims))
    if mode == "edge" or not flags[1]:
        return b.apply("pad", *args, attrs=batched)
    attrs = batched if flags[0] else node.attrs
    x = b.apply("pad", args[0], 0.0, attrs=attrs)
    border = b.apply("pad", b.apply("zeros_like", args[0]), 1.0, attrs=attrs)
    return b.add(x, b.mul(_lift(b, args[1], node.args[1], len(dims)), border))


def _unpad(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    widths, dims = node.attrs
    return b.apply("unpad", args[0], attrs=(((0, 0), *widths), (None, *dims)))


def _permute(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
             ) -> Node:
    # The same permutation of every entry: a leading axis of length one broadcasts.
    if flags[1]:
        raise BatchingError("a permutation computed from a tangent")
    x, order = args
    order = b.apply("expand_dims", order, attrs=((0,),))
    return b.apply("permute", x, order, attrs=(node.attrs[0] + 1,))


def _solve(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    a, rhs = args
    ra, rr = _rank(node.args[0]), _rank(node.args[1])
    if not flags[0] and ra == 2 and rr <= 2:
        # k right-hand sides side by side as the columns of one: A is factorised once.
        if rr == 1:  # (k, n): solve(A, T.T).T
            return b.apply("transpose", b.apply("solve", a, _transposed(b, rhs)),
                           attrs=(None,))
        # (k, n, p) as (n, k * p), and back.
        _, n_dim, p_dim = rhs.type.dims
        k, n, p = _batch_length(b, rhs), size_of(b, rhs, 1), size_of(b, rhs, 2)
        side = b.apply("reshape", b.apply("transpose", rhs, attrs=((1, 0, 2),)), n, -1,
                       attrs=((n_dim, None),))
        solved = b.apply("solve", a, side)
        back = b.apply("reshape", solved, n, k, p, attrs=((n_dim, None, p_dim),))
        return b.apply("transpose", back, attrs=((1, 0, 2),))
    # Stacks: the batch axis is one more stack axis, first; a batched operand gets axes
    # of length one after it up to the result's stack axes, and a vector right-hand side
    # (of a batched matrix) is solved as one column.
    if rr == 1:
        rhs = b.apply("expand_dims", rhs, attrs=((rhs.type.ndim,),))
    stack = max(ra, rr, 2) - 2
    if flags[0]:
        a = _stacked(b, a, range(1, 1 + stack - (ra - 2)))
    if flags[1]:
        rhs = _stacked(b, rhs, range(1, 1 + stack - (max(rr, 2) - 2)))
    out = b.apply("solve", a, rhs)
    return b.apply("squeeze", out, attrs=((out.type.ndim - 1,),)) if rr == 1 else out


def _per_matrix(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                ) -> Node:
    """A function of each matrix of a stack (the last two axes): the batch axis is one
    more stack axis."""
    return b.apply(node.op, args[0], attrs=node.attrs)


def _convolution(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                 ) -> Node:
    # vectorised over one more loop axis, first: the unbatched argument broadcasts
    ndim, loops = node.attrs
    lifted = tuple(_lift(b, a, old, ndim + loops) if f else a
                   for a, old, f in zip(args, node.args, flags, strict=True))
    return b.apply(node.op, *lifted, attrs=(ndim, loops + 1))


def _sylvester(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
               ) -> Node:
    # one more loop axis of the right-hand side, first; the matrices are not seeded
    if flags[0] or flags[1]:
        raise BatchingError("scipy.linalg.solve_sylvester of a batched matrix")
    return b.apply("solve_sylvester", *args, attrs=(node.attrs[0] + 1,))


def _index(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # x[key] of each batch entry is x[:, *key]; where the key's integer arrays are apart,
    # NumPy puts their axes first, before the batch axis, which is moved back to front.
    if any(flags[1:]):
        raise BatchingError("an index computed from a tangent")
    (key,) = node.attrs
    out = b.apply("index", *args, attrs=((indexing.FULL, *key),))
    r = _advanced_rank(node.args[0], key, _rank(node))
    if not r:
        return out
    n = out.type.ndim
    return b.apply("transpose", out, attrs=((r, *range(r), *range(r + 1, n)),))


def _advanced_rank(x: Node, key: indexing.Key, picked: int) -> int:
    """How many axes NumPy puts first in ``x[key]`` (of `picked` axes), which a leading
    batch axis does not move: the axes of the key's integer arrays when they are apart
    from each other (ints among them), else 0."""
    if is_basic(key):
        return 0
    advanced = [i for i, item in enumerate(key) if item[0] in ("array", "list", "int")]
    if advanced == list(range(advanced[0], advanced[-1] + 1)):
        return 0
    consumed = sum(1 for item in key if item[0] in ("array", "list", "int", "slice"))
    basic = sum(1 for item in key if item[0] in ("slice", "none")) + _rank(x) - consumed
    return picked - basic


def _axis_first(result_rank: bool) -> Rule:
    """A rule for an operation whose first attribute is an axis (or a tuple of axes) of
    its operand (or of its result): shifted past the batch axis."""

    def rule(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
             ) -> Node:
        if node.prim in (CONCATENATE, STACK):  # the values repeated for every seed
            ref = next(a for a, f in zip(args, flags, strict=True) if f)
            args = tuple(a if f else _repeated(b, a, ref)
                         for a, f in zip(args, flags, strict=True))
        elif not flags[0]:
            raise BatchingError(f"{node.op} of a value along a tangent")
        axis, *rest = node.attrs
        if axis is None:
            raise BatchingError(f"{node.op} of a flattened tangent")
        r = _rank(node) if result_rank else _rank(node.args[0])
        shifted = _shift(axis, r) if isinstance(axis, tuple) else axis % r + 1
        if rest and isinstance(rest[-1], tuple) and node.prim in (SLICE_AXIS, PAD_AXIS):
            rest[-1] = (None, *rest[-1])  # the result's dims
        return b.apply(node.op, *args, attrs=(shifted, *rest))

    return rule


def _reshape(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    if any(flags[1:]):
        raise BatchingError("a reshape to a tangent's lengths")
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


def _diff(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    n, axis, dims = node.attrs
    return b.apply("diff", args[0], attrs=(n, axis % len(dims) + 1, (None, *dims)))


def _norm(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # np.linalg.norm over one or two axes (the 2-norm of the entries, Frobenius's).
    axes = node.attrs[0]
    if len(range(_rank(node.args[0])) if axes is None else axes) > 2:
        raise BatchingError("np.linalg.norm over more than two axes")
    return _reduce(b, node, args, flags)


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
        raise BatchingError("full_like of a tangent's shape")
    if _rank(node.args[1]) == _rank(like) and value.op not in LEAVES:
        return b.apply("copy", value)
    return b.add(_lift(b, value, node.args[1], _rank(like)), b.apply("zeros_like", like))


def _full(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # np.full(shape, t) for a batch of fill values: each added to zeros of that shape.
    if any(flags[1:]):
        raise BatchingError("np.full of a tangent's shape")
    zeros = b.apply("full", 0.0, *args[1:], attrs=node.attrs)
    return _in_dtype(b, b.add(_lift(b, args[0], node.args[0], _rank(node)), zeros), zeros)


def _linspace(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
              ) -> Node:
    # start * (1 - s) + stop * s for the fractions s = np.linspace(0, 1, num), as
    # `linspace`'s VJP rule writes it: linear in the batched ends (a derivative's), an
    # end that is a symbolic zero left out.
    if flags[2]:
        raise BatchingError("np.linspace of a tangent's length")
    s = b.apply("linspace", 0.0, 1.0, args[2], attrs=node.attrs)
    terms = [b.mul(_lift(b, end, old, 1) if f else end, weight)
             for end, old, f, weight in zip(args[:2], node.args[:2], flags[:2],
                                            (b.sub(1.0, s), s), strict=True)
             if not (end.is_const and end.value == 0.0)]
    return _in_dtype(b, terms[0] if len(terms) == 1 else b.add(*terms), s)


def _in_dtype(b: Builder, value: Node, like: Node) -> Node:
    """`value`, cast to `like`'s dtype where that is not float64 (float32 stays so)."""
    if like.type.dtype == value.type.dtype:
        return value
    return b.apply("astype_like", value, like)


def _astype_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                 ) -> Node | Unbatched:
    out = b.apply("astype_like", *args)
    return out if flags[0] else Unbatched(out)  # `like` gives its dtype alone


def _zeros_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                ) -> Node:
    return b.apply("zeros_like", args[0], attrs=node.attrs)  # of the batched shape


def _size(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
          ) -> Unbatched:
    (axes,) = node.attrs
    r = _rank(node.args[0])
    if axes is None and r == 0:
        return Unbatched(b.const(1))
    shifted = tuple(range(1, r + 1)) if axes is None else _shift(axes, r)
    return Unbatched(b.apply("size", args[0], attrs=(shifted,)))


def _eye_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
              ) -> Unbatched:
    return Unbatched(b.apply("eye_like", args[0], attrs=_shift(node.attrs, _rank(node.args[0]))))


def _broadcast_like(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                    ) -> Node:
    value, like = args
    if flags[1]:
        raise BatchingError("broadcast_like to a tangent's shape")
    return _spread(b, _lift(b, value, node.args[0], _rank(like)), like)


def _spread(b: Builder, value: Node, like: Node) -> Node:
    """The batched `value` (of `like`'s rank after its batch axis) broadcast to the
    shape of the unbatched `like` after its batch axis (a view)."""
    return b.apply("batch_broadcast", value, like, value, attrs=(like.type is not None,))


def _batch_broadcast(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                     ) -> Node:
    # A batch (of a Jacobian program differentiated again) of values each broadcast to
    # (len(ref), *like.shape): to that shape (of a view of zeros) after the new axis.
    if any(flags[1:]):
        raise BatchingError("a batch broadcast to a tangent's shape")
    value, like, ref = args
    shape = b.apply("batch_broadcast", 0.0, like, ref, attrs=node.attrs)
    return _spread(b, _lift(b, value, node.args[0], _rank(node)), shape)


def _unsum(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # The cotangent of a sum, broadcast back over the summed axes of `like`.
    if flags[1]:
        raise BatchingError("unsum to a tangent's shape")
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
        raise BatchingError("reshape_like to a tangent's shape")
    x, like = args
    r = _rank(like)
    lengths = [b.apply("size", like, attrs=((i,),)) for i in range(r)]
    dims = like.type.dims if like.type is not None else ()
    return b.apply("reshape", x, -1, *lengths, attrs=((None, *dims),))


def _update(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    # base[key] = value (or += value), one batch entry at a time: key gets a leading
    # full slice; an unbatched base is made batched first (new zeros stay new zeros).
    if any(flags[2:]):
        raise BatchingError("an update at an index computed from a tangent")
    base, value, *parts = args
    (key,) = node.attrs
    old = node.args[0]
    picked = PRIMITIVES["index"].type_rule([old.type, *(p.type for p in parts)],  # type: ignore
                                           node.attrs)
    rank = 0 if picked is None else picked.ndim
    apart = _advanced_rank(old, key, rank)
    if apart and not flags[1] and value.type is not None:
        value, flags = _repeated(b, value, base), (True, True)  # base is batched
    if not flags[0]:
        if base.prim is ZEROS_LIKE:
            base = b.apply("batch_zeros", base.args[0], value,
                           attrs=(base.type is not None, *base.attrs))
        else:
            base = b.apply("batch_broadcast", base, base, value, attrs=(True,))
    if flags[1]:
        value = _lift(b, value, node.args[1], rank)
        if apart:  # the batch axis after the integer arrays' axes, as x[:, *key] has it
            value = b.apply("transpose", value, attrs=(
                (*range(1, apart + 1), 0, *range(apart + 1, rank + 1)),))
    return b.apply(node.op, base, value, *parts, attrs=((indexing.FULL, *key),))


def _copy(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]) -> Node:
    return b.apply("copy", args[0])


def _sum_if_one(b: Builder, node: Node, args: tuple[Node, ...], flags: tuple[bool, ...]
                ) -> Node:
    if flags[1]:
        raise BatchingError("sum_if_one against a tangent")
    g_axis, like_axis = node.attrs
    return b.apply("sum_if_one", *args, attrs=(g_axis + 1, like_axis))


_RULES: dict[Primitive, Rule] = {
    SUM: _reduce,
    MEAN: _reduce,
    TRANSPOSE: _transpose,
    MATMUL: _matmul,
    OUTER: _outer,
    INDEX: _index,
    RESHAPE: _reshape,
    FULL_LIKE: _full_like,
    BROADCAST_LIKE: _broadcast_like,
    UNSUM: _unsum,
    RESHAPE_LIKE: _reshape_like,
    INDEX_SET: _update,
    INDEX_ADD: _update,
    COPY: _copy,
    SUM_IF_ONE: _sum_if_one,
    SQUEEZE: _axis_first(result_rank=False),
    EXPAND_DIMS: _axis_first(result_rank=True),
    PICK: _axis_first(result_rank=False),
    SLICE_AXIS: _axis_first(result_rank=False),
    PAD_AXIS: _axis_first(result_rank=False),
    FLIP: _axis_first(result_rank=False),
    CUMSUM: _cumulative,
    CUMPROD: _cumulative,
    DIFF: _diff,
    PROD: _reduce,
    AMAX: _reduce,
    AMIN: _reduce,
    LOGSUMEXP: _reduce,
    NORM: _norm,
    EINSUM: _einsum,
    TRACE: _trace,
    SOLVE: _solve,
    **dict.fromkeys((DET, INV, SLOGDET, CHOLESKY, PINV, EIGH, EIGVALSH, QR, SVD), _per_matrix),
    # np.tril and np.triu act on the last two axes, which a batch axis first leaves be.
    TRIANGLE: lambda b, node, args, flags: b.apply("triangle", args[0], attrs=node.attrs),
    # scipy.linalg.expm of a stack of matrices is the exponential of each.
    EXPM: lambda b, node, args, flags: b.apply("expm", args[0]),
    DIAGONAL: _diagonal,
    DIAG: _diag,
    KRON: _kron,
    CROSS: _elementwise,  # along the last axis, the others broadcasting
    ROLL: _roll,
    REPEAT: _repeat,
    TILE: _tile,
    PAD: _pad,
    UNPAD: _unpad,
    PERMUTE: _permute,
    shapes.FULL: _full,
    LINSPACE: _linspace,
    ASTYPE_LIKE: _astype_like,
    ASTYPE: lambda b, node, args, flags: b.apply("astype", args[0], attrs=node.attrs),
    ZEROS_LIKE: _zeros_like,
    SIZE: _size,
    EYE_LIKE: _eye_like,
    BATCH_BROADCAST: _batch_broadcast,
    ARRAY: _array,
    KEEPDIMS: _axis_first(result_rank=True),
    CONCATENATE: _axis_first(result_rank=False),
    STACK: _axis_first(result_rank=True),
    CONVOLVE: _convolution,
    SOLVE_SYLVESTER: _sylvester,
    CORRELATE_VALID: _convolution,
    # A batch of numbers is an array already: float() of each would give the same values.
    FLOAT: lambda b, node, args, flags: args[0],
}
