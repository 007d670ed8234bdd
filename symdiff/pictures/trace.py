"""The straight-line program a function runs at one point: its branches and loops
resolved by the values there.

Contract: `at_point(program, values, env)` returns a program without ``cond`` regions
whose outputs and effects are the program's at `values`: int parameters that set trip
counts become constants, each loop is inlined once per iteration it runs at `values`
(its range bounds, ``while`` test and ``break`` flag evaluated there), and each branch
region is replaced by the branch its predicate and ``elif`` tests take at `values`,
until nothing changes. Loops that remain (more
than `MAX_TRIPS` iterations in all, loops that append to lists) are left for the
caller to refuse. The branch not taken is not drawn: the picture is of the path the
function runs, as the essay's graphs are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from symdiff.ir.node import Node, Op, Program, topological
from symdiff.ir.rewrite import inline, rebuilt, substitute, with_regions_inlined
from symdiff.ir.sequences import SEQ_GET, SEQ_LEN, SEQ_NEW

MAX_TRIPS = 200  # iterations drawn in all; a longer loop makes no readable picture


def at_point(program: Program, values: Sequence[Any], env: Mapping[str, Any]) -> Program:
    program = _fold_sequences(_fix_ints(program, values))
    budget = [MAX_TRIPS]
    while True:
        resolved = _fold_sequences(_resolve(program, values, env, budget))
        if resolved is program:
            return program
        program = resolved


def _value(program: Program, node: Node, values: Sequence[Any], env: Mapping[str, Any]
           ) -> Any:
    from symdiff.ir.evaluate import evaluate

    return evaluate(program.replace(result=(node,), effects=()), values, env)[0]


def _resolve(program: Program, values: Sequence[Any], env: Mapping[str, Any],
             budget: list[int]) -> Program:
    """`program` with each branch replaced by the one its predicate takes at `values`,
    and each loop inlined once per iteration it runs there (its range bounds, ``while``
    test and ``break`` flag evaluated there), within `budget` iterations in all; loops
    that save or pop a tape or append to lists stay. Regions inside the inlined ones
    come out for the next round."""
    from symdiff.ir.loop import Loop

    b = program.builder
    done: dict[Node, Node] = {}
    inlined: dict[Node, tuple[tuple[Node, ...], tuple[Node, ...]]] = {}
    for node in topological([*program.outputs, *program.effects]):
        args = tuple(done.get(a, a) for a in node.args)
        if node.op == Op.PROJ and node.args[0] in inlined:
            done[node] = inlined[node.args[0]][0][node.attrs[0]]
            continue
        if node.op == Op.COND:
            body, tested = _taken(program, node.attrs[0], args, values, env)
            result, effects = inline(b, body, list(args[1:]))
            inlined[node] = (tuple(_leaves(result if isinstance(result, tuple) else (result,))),
                             (*tested, *effects))
            continue
        loop = node.attrs[0] if node.op == Op.LOOP else None
        if isinstance(loop, Loop) and not loop.has_lists:
            outcome = _iterate(program, loop, args, values, env, budget)
            if outcome is not None:
                inlined[node] = outcome
                continue
        done[node] = rebuilt(b, node, args)
    return with_regions_inlined(program, done, inlined) if inlined else program


def _taken(program: Program, arms: Any, args: tuple[Node, ...], values: Sequence[Any],
           env: Mapping[str, Any]) -> tuple[Program, tuple[Node, ...]]:
    """The branch of a cond region taken at `values`, and the effects of the tests run
    to choose it."""
    if _value(program, args[0], values, env):
        return arms.branches[0], ()
    effects: list[Node] = []
    for test, branch in zip(arms.tests, arms.branches[1:], strict=False):
        result, test_effects = inline(program.builder, test, list(args[1:]))
        effects.extend(test_effects)
        if _value(program, _leaves(result if isinstance(result, tuple) else (result,))[0],
                  values, env):
            return branch, tuple(effects)
    return arms.branches[-1], tuple(effects)


def _iterate(program: Program, loop: Any, args: tuple[Node, ...], values: Sequence[Any],
             env: Mapping[str, Any], budget: list[int]
             ) -> tuple[tuple[Node, ...], tuple[Node, ...]] | None:
    """The loop's outputs and effects with its iterations at `values` inlined, or None
    when it runs more than `budget` allows."""
    from symdiff.ir.loop import BodyParams, LoopOutputs

    b = program.builder
    given = loop.split_args(args)
    carry, consts = given.inits, given.consts
    effects: list[Node] = []
    count = 0

    def value(node: Node) -> Any:
        return _value(program, node, values, env)

    if loop.kind == "range":
        indices = range(*(value(a) for a in given.range))
        order = list(reversed(indices) if loop.reverse else indices)
    else:
        order = None
    while True:
        if order is not None:
            if count == len(order):
                break
            index: tuple[Node, ...] = (b.const(order[count]),)
        else:
            test, _ = inline(b, loop.test, BodyParams((), (), (), carry, consts).flat())
            if not value(_leaves(test if isinstance(test, tuple) else (test,))[0]):
                break
            index = ()
        if count >= budget[0]:
            return None
        count += 1
        params = BodyParams(index, (), (), carry, consts)
        result, body_effects = inline(b, loop.body, params.flat())
        results = loop.split_results(_leaves(result if isinstance(result, tuple) else (result,)))
        carry = results.carry
        effects.extend(body_effects)
        if results.stop is not None and value(results.stop):
            break
    budget[0] -= count
    outputs = LoopOutputs(carry, (), None, b.const(count) if loop.counted else None)
    return outputs.flat(), tuple(effects)


def _fix_ints(program: Program, values: Sequence[Any]) -> Program:
    """Int parameters a loop reads (its trip count, directly or in a nested loop) as the
    constants they are here; other ints stay inputs (``--at a=2`` draws a)."""
    b = program.builder
    loops = [n for n in topological([*program.outputs, *program.effects]) if n.op == Op.LOOP]
    read = set(topological([a for n in loops for a in n.args]))
    mapping = {p: b.const(v) for p, v in zip(program.params, values, strict=True)
               if type(v) is int and p in read}
    if not mapping:
        return program
    done = substitute(b, [*program.outputs, *program.effects], mapping)
    return with_regions_inlined(program, done, {})


def _fold_sequences(program: Program) -> Program:
    """``len`` and constant-index reads of a list literal (``for c in (1.0, 2.0)``) as
    the count and the item, so that a loop over the literal has known bounds."""
    b = program.builder
    done: dict[Node, Node] = {}
    for node in topological([*program.outputs, *program.effects]):
        args = tuple(done.get(a, a) for a in node.args)
        items = args[0].args if args and args[0].prim is SEQ_NEW else None
        if node.prim is SEQ_LEN and items is not None:
            done[node] = b.const(len(items))
            continue
        if node.prim is SEQ_GET and items is not None and args[1].op == Op.CONST \
                and type(args[1].value) is int and -len(items) <= args[1].value < len(items):
            done[node] = items[args[1].value]
            continue
        done[node] = rebuilt(b, node, args)
    if all(done[n] is n for n in done):
        return program
    return with_regions_inlined(program, done, {})


def _leaves(outputs: tuple[Any, ...]) -> list[Node]:
    out: list[Node] = []
    for item in outputs:
        out.extend(_leaves(item) if isinstance(item, tuple) else [item])
    return out
