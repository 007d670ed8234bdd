"""A float64 vector read element by element, as a Python list (pure-Python speed).

Contract: `as_lists(program)` is `program`, or, when a 1-D float64 array parameter is
only read one element at a time and only its gradient is returned, the same function
reading ``x.tolist()`` and accumulating the gradient in a list (``[0.0] * n``), given
back as ``np.array(x_bar, dtype=float)``. CPython indexes a list about three times
faster than an array and computes on floats faster than on NumPy scalars.

It applies when, in the program and in the bodies of its ``range`` loops:
- the array is only indexed by one int known to be in range (``x[i]``), has its length
  read, gives the zeros of its gradient (``zeros_like``), or is an operand of a loop;
- that gradient only gets values added at such an index (``x_bar[i] += g``), is carried
  through loops and is an output, and every output is such a gradient;
- no operation can raise (`ir.regions.can_raise`): on floats and on NumPy's float64
  scalars every other operation gives the same value (IEEE arithmetic), so the result
  is the same, and none raises where a NumPy scalar would only warn.
Otherwise `program` is returned unchanged. Loops inside loops are left alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from symdiff.ir.arrays import SIZE, ZEROS_LIKE
from symdiff.ir.indexing import DYNAMIC, IN_RANGE, INDEX, INDEX_ADD
from symdiff.ir.loop import Loop
from symdiff.ir.node import SEQ, Node, Op, Program, rebuild, topological
from symdiff.ir.primitive import Primitive
from symdiff.ir.regions import REGIONS, all_nodes, can_raise
from symdiff.ir.types import ArrayType

_ONE_INDEX = (("int", DYNAMIC, IN_RANGE),)


def as_lists(program: Program) -> Program:
    """`program` with its qualifying vectors read as lists (see the module doc)."""
    vectors = {p for p in program.params if _is_vector(p.type)}
    if not vectors or any(_may_raise(n) for n in all_nodes(program)):
        return program
    roots = [*program.outputs, *program.effects]
    grads = _gradients(roots, vectors)
    if grads is None or not program.outputs or not all(o in grads for o in program.outputs):
        return program
    return _rewrite(program, roots, vectors, grads)


def _may_raise(node: Node) -> bool:
    # A region raises by what is inside it; an update at an index in range cannot.
    return node.op not in REGIONS and can_raise(node) and not (
        node.prim is INDEX_ADD and node.attrs == (_ONE_INDEX,))


def _is(node: Node, *records: Primitive) -> bool:
    return any(node.prim is r for r in records)


def _is_vector(t: Any) -> bool:
    return isinstance(t, ArrayType) and t.dtype == "float64" and t.ndim == 1


def _gradients(roots: list[Node], vectors: set[Node],
               seeds: frozenset[Node] = frozenset()) -> set[Node] | None:
    """The nodes of the vectors' gradients (`seeds` and those made from them), if every
    use of the vectors and of those qualifies (see the module doc); else None."""
    grads: set[Node] = set(seeds)
    for node in topological(roots):
        if node.op == Op.LOOP:
            if not _loop_qualifies(node, vectors, grads):
                return None
        elif node.op == Op.PROJ:
            loop_node = node.args[0]
            if loop_node.op == Op.LOOP and _carried(loop_node).get(node.attrs[0]) in grads:
                grads.add(node)
        elif not _use_qualifies(node, vectors, grads):
            return None
        elif _is(node, ZEROS_LIKE, INDEX_ADD) and node.args[0] in (vectors | grads):
            grads.add(node)
    return grads


def _use_qualifies(node: Node, vectors: set[Node], grads: set[Node]) -> bool:
    """Whether `node`, neither a loop nor a projection, uses the vectors and gradients
    among its arguments only as allowed."""
    if not any(a in vectors or a in grads for a in node.args):
        return True
    args = node.args
    if node.prim is INDEX:
        return args[0] in vectors and node.attrs == (_ONE_INDEX,) and all(
            a not in vectors and a not in grads for a in args[1:])
    if node.prim is SIZE:
        return args[0] in vectors and node.attrs == ((0,),)
    if node.prim is ZEROS_LIKE:
        return args[0] in vectors
    if node.prim is INDEX_ADD:
        return (args[0] in grads and node.attrs == (_ONE_INDEX,) and len(args) == 3
                and args[1].type is None and args[1] not in vectors and args[2] not in grads)
    return False


def _carried(node: Node) -> dict[int, Node]:
    """A loop's carried arguments by the position of their output."""
    loop: Loop = node.attrs[0]
    inits = loop.split_args(node.args).inits
    return dict(zip(loop.outputs.carry, inits, strict=True))


def _loop_qualifies(node: Node, vectors: set[Node], grads: set[Node]) -> bool:
    """Whether a ``range`` loop takes the vectors as operands and the gradients as
    carried values only, and its body uses them as the program may."""
    loop: Loop = node.attrs[0]
    args = loop.split_args(node.args)
    if not any(a in vectors or a in grads for a in node.args):
        return True
    if loop.kind != "range" or loop.has_lists or any(
            a in vectors or a in grads for a in (*args.range, *args.lists)):
        return False
    if any(a in grads for a in args.consts) or any(a in vectors for a in args.inits):
        return False
    inner_vectors, inner_grads = _inner(loop, node.args, vectors, grads)
    body = loop.body
    for n in topological([*body.outputs, *body.effects]):
        if any(a in inner_vectors or a in inner_grads for a in n.args) and (
                n.op in REGIONS or _is(n, SIZE, ZEROS_LIKE)):
            return False  # (a list parameter has no array to take a length from)
    found = _gradients([*body.outputs, *body.effects], inner_vectors, frozenset(inner_grads))
    if found is None:
        return False
    results = loop.split_results(body.outputs).carry
    return all((a in grads) == (r in found) for a, r in zip(args.inits, results, strict=True))


def _inner(loop: Loop, args: tuple[Node, ...], vectors: set[Node] | dict[Node, Any],
           grads: set[Node]) -> tuple[set[Node], set[Node]]:
    """The body parameters of a loop with arguments `args` that receive a vector, and
    those that receive a gradient."""
    split, params = loop.split_args(args), loop.split_params(loop.body.params)
    inner_vectors = {p for p, a in zip(params.consts, split.consts, strict=True)
                     if a in vectors}
    inner_grads = {p for p, a in zip(params.carry, split.inits, strict=True) if a in grads}
    return inner_vectors, inner_grads


def _rewrite(program: Program, roots: list[Node], vectors: set[Node],
             grads: set[Node]) -> Program:
    b = program.builder
    mapping: dict[Node, Node] = {v: b.apply("array_list", v) for v in vectors}
    _copy(b, roots, mapping, {v: v for v in vectors}, grads)
    outputs = {o: b.apply("list_array", mapping[o]) for o in program.outputs}
    return program.replace(
        result=rebuild(program.result, outputs),
        effects=tuple(mapping.get(e, e) for e in program.effects))


def _copy(b: Any, roots: list[Node], mapping: dict[Node, Node],
          vectors: dict[Node, Node | None], grads: set[Node]) -> None:
    """Copy the graph under `roots` into builder `b` through `mapping`, which holds the
    lists of `vectors` (each mapped to its array, None in a loop body) and of the
    starting gradients: element reads and gradient updates become list operations."""
    for node in topological(roots):
        if node in mapping or node.op in (Op.CONST, Op.PARAM, Op.ARG, Op.GLOBAL):
            continue
        args = tuple(mapping.get(a, a) for a in node.args)
        first = node.args[0] if node.args else None
        if node.prim is INDEX and first in vectors:
            new = b.apply("seq_get", args[0], args[1])
        elif _is(node, SIZE, ZEROS_LIKE) and first in vectors:
            size = b.apply("size", vectors[first], attrs=((0,),))
            new = size if node.prim is SIZE else b.new("list_zeros", size)
        elif node.prim is INDEX_ADD and first in grads:
            new = b.apply("list_add_at", args[0], args[2], args[1])
        elif node.op == Op.LOOP and any(a in vectors or a in grads for a in node.args):
            new = b.structural(Op.LOOP, args, (_loop(node, vectors, grads),))
        elif node.op in (Op.LOOP, Op.COND, Op.PROJ):
            new = b.structural(node.op, args, node.attrs)
        else:
            new = b.apply(node.op, *args, attrs=node.attrs)
        if _is(node, ZEROS_LIKE, INDEX_ADD) and first in (*vectors, *grads) or (
                node.op == Op.PROJ and first is not None and first.op == Op.LOOP
                and _carried(first).get(node.attrs[0]) in grads):
            grads.add(node)
        if new is not node:
            mapping[node] = new
            hint = b.names.get(node)
            if hint is not None:
                b.name(new, hint)


def _loop(node: Node, vectors: dict[Node, Node | None], grads: set[Node]) -> Loop:
    """The loop of `node` with a body that takes lists for the vectors and gradients it
    is passed."""
    loop: Loop = node.attrs[0]
    body = loop.body
    bb = body.builder
    inner_vectors, inner_grads = _inner(loop, node.args, vectors, grads)
    mapping = {p: bb.arg(p.attrs[0], SEQ) for p in (*inner_vectors, *inner_grads)}
    _copy(bb, [*body.outputs, *body.effects], mapping, dict.fromkeys(inner_vectors),
          set(inner_grads))
    new_body = body.replace(params=tuple(mapping.get(p, p) for p in body.params),
                            result=rebuild(body.result, mapping),
                            effects=tuple(mapping.get(e, e) for e in body.effects))
    return replace(loop, body=new_body)
