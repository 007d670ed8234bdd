"""Reference interpreter: evaluates a `Program` directly from the DAG.

Contract: `evaluate(program, args, env)` returns the program's result structure with
every node computed by its primitive's Python `impl`, and of a ``cond`` region only
its tests up to the first that holds and the branch that selects; `env` supplies the
values of ``global`` nodes by dotted path. It is slow and simple on purpose:
transforms are tested against it before any code is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from symdiff.ir.node import (
    Node,
    Op,
    Program,
    Structure,
    as_python,
    assemble,
    global_name,
    topological,
)


def evaluate(
    program: Program, args: Sequence[Any], env: Mapping[str, Any] | None = None
) -> Any:
    """Run `program` on `args`; globals are looked up in `env` by dotted name."""
    if len(args) != len(program.params):
        raise TypeError(f"{program.name} takes {len(program.params)} arguments, got {len(args)}")
    values: dict[Node, Any] = dict(zip(program.params, args, strict=True))
    env = env or {}
    for node in topological([*program.outputs, *program.effects]):
        if node in values:
            continue
        if node.op == Op.CONST:
            values[node] = node.value
        elif node.op == Op.GLOBAL:
            values[node] = env[global_name(node.attrs)]
        elif node.op in (Op.PARAM, Op.ARG):
            raise ValueError(f"parameter {node.attrs[0]!r} is not a parameter of {program.name}")
        elif node.op == Op.COND:
            operands = [values[a] for a in node.args[1:]]
            chosen = _branch_taken(node.attrs[0], values[node.args[0]], operands, env)
            values[node] = evaluate(chosen, operands, env)
        elif node.op == Op.LOOP:
            values[node] = _run_loop(node, [values[a] for a in node.args], env)
        elif node.op == Op.PROJ:
            values[node] = values[node.args[0]][node.attrs[0]]
        else:
            impl = node.prim.impl
            if impl is None:  # an array operation: generated code runs those
                raise NotImplementedError(
                    f"the reference interpreter cannot run {node.op!r} (it has no Python "
                    "implementation); run the emitted code instead")
            values[node] = impl(*(values[a] for a in node.args))
    return _build(program.result, values)


def _branch_taken(arms: Any, pred: Any, operands: list[Any], env: Mapping[str, Any]
                  ) -> Program:
    """The branch of a cond region that runs: the first whose test holds (the region's
    predicate for the first), else the last."""
    if pred:
        return arms.branches[0]
    for test, branch in zip(arms.tests, arms.branches[1:], strict=False):
        if evaluate(test, operands, env)[0]:
            return branch
    return arms.branches[-1]


def _run_loop(node: Node, args: list[Any], env: Mapping[str, Any]) -> tuple[Any, ...]:
    from symdiff.ir.loop import BodyParams, Loop, LoopOutputs

    loop: Loop = node.attrs[0]
    given = loop.split_args(args)
    carry, consts = tuple(given.inits), given.consts
    tape = list(given.tape) if given.tape is not None else None
    lists = [list(xs) for xs in given.lists]
    # The lists it outputs, an entry pushed onto each per iteration (the trip count later).
    out: LoopOutputs[Any] = LoopOutputs((), tuple([] for _ in range(loop.n_stacked)),
                                        [] if loop.n_saved else None, None)
    count = 0

    def step(index: tuple[Any, ...]) -> bool:
        nonlocal carry
        popped = _pop(tape, loop.n_popped) if tape is not None else ()
        unstacked = tuple(v for xs in lists for v in _pop(xs, 1))
        params = BodyParams(index, popped, unstacked, carry, consts)
        results = loop.split_results(evaluate(loop.body, params.flat(), env))
        carry = results.carry
        for entries, values in zip(out.lists, results.pushed, strict=True):
            entries.append(values[0] if len(values) == 1 else values)
        return results.stop is not None and bool(results.stop)

    if loop.kind == "range":
        indices = range(*given.range)
        for i in reversed(indices) if loop.reverse else indices:
            count += 1
            if step((i,)):
                break
    else:
        assert loop.test is not None
        while evaluate(loop.test, BodyParams((), (), (), carry, consts).flat(), env)[0]:
            count += 1
            if step(()):
                break
    return replace(out, carry=carry, trips=count if loop.counted else None).flat()


def _pop(entries: list[Any], width: int) -> tuple[Any, ...]:
    """The values of the last entry of a list (an entry of several values is a tuple)."""
    entry = entries.pop()
    return (entry,) if width == 1 else tuple(entry)


def _build(structure: Structure, values: dict[Node, Any]) -> Any:
    return assemble(structure, values.__getitem__, as_python)
