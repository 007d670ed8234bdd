"""Unroll range loops whose trip count is known while compiling.

Contract: `unroll_loops(program, max_trips)` returns a program computing the same
values in which every forward ``range`` loop region with constant bounds, no ``break``,
no tape, no appended lists and no trip count output is replaced by its body inlined
once per iteration (the index a constant, so it folds), in order, with the carried
values threaded through; the body's effects become the program's. Loops nested in
such loops or in branches are unrolled too. At most `max_trips` iterations are inlined
in all; the loops beyond that budget, and loops of other kinds, are kept as they are,
so a caller that needs a loop-free program checks for ``loop`` nodes afterwards. The
program is returned unchanged (the same object) when nothing was unrolled.
Used by `symdiff.to_sympy`, where an expression cannot hold a loop; generated code
keeps its loops.
"""

from __future__ import annotations

from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.loop import BodyParams, Loop
from symdiff.ir.node import Node, Op, Program, flatten, topological
from symdiff.ir.rewrite import inline, rebuilt, with_regions_inlined

__all__ = ["unroll_loops"]


def unroll_loops(program: Program, max_trips: int) -> Program:
    """`program` with its constant-bound range loops unrolled (see the module contract)."""
    budget = [max_trips]
    while True:  # each round unrolls one more level of nested loops
        unrolled = _unroll(program, budget)
        if unrolled is program:
            return program
        program = unrolled


def _unroll(program: Program, budget: list[int]) -> Program:
    b = builder_of(program)
    done: dict[Node, Node] = {}
    loops: dict[Node, tuple[tuple[Node, ...], tuple[Node, ...]]] = {}  # outputs, effects
    for node in topological([*program.outputs, *program.effects]):
        args = tuple(done.get(a, a) for a in node.args)
        if node.op == Op.PROJ and node.args[0] in loops:
            done[node] = loops[node.args[0]][0][node.attrs[0]]
            continue
        if node.op == Op.LOOP:
            trips = _trips(node.attrs[0], args, budget[0])
            if trips is not None:
                budget[0] -= len(trips)
                loops[node] = _inline_loop(b, node.attrs[0], args, trips)
                continue
        attrs = node.attrs
        if node.op == Op.COND:
            attrs = (node.attrs[0].map(lambda body: _unroll(body, budget)),)
        done[node] = rebuilt(b, node, args, attrs)
    if not loops and all(done[n] is n for n in done):
        return program
    return with_regions_inlined(program, done, loops)


def _trips(loop: Loop, args: tuple[Node, ...], budget: int) -> range | None:
    """The indices the loop runs over, when it can be unrolled within `budget` trips."""
    if not _simple(loop):
        return None
    bounds = loop.split_args(args).range
    if not all(_is_int(a) for a in bounds):
        return None
    start, stop, step = (a.value for a in bounds)
    if step == 0:
        return None  # range() raises: leave it to the generated code
    trips = range(start, stop, step)  # type: ignore[arg-type]
    return trips if len(trips) <= budget else None


def _simple(loop: Loop) -> bool:
    """A forward range loop that only carries values: no break, no lists, no tape."""
    return (loop.kind == "range" and not loop.reverse and not loop.counted
            and not loop.breaks and not loop.has_lists)


def _is_int(node: Node) -> bool:
    return node.op == Op.CONST and type(node.value) is int


def _inline_loop(
    b: Builder, loop: Loop, args: tuple[Node, ...], trips: range
) -> tuple[tuple[Node, ...], tuple[Node, ...]]:
    """The final carried values of the loop, and the effects of its iterations."""
    given = loop.split_args(args)
    carry = given.inits
    effects: list[Node] = []
    for i in trips:
        params = BodyParams((b.const(i),), (), (), carry, given.consts)
        result, body_effects = inline(b, loop.body, params.flat())
        carry = loop.split_results(tuple(flatten(result))).carry
        effects.extend(body_effects)
    return carry, tuple(effects)
