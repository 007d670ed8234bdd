"""Reference interpreter: evaluates a `Program` directly from the DAG.

Contract: `evaluate(program, args, env)` returns the program's result structure with
every node computed by its primitive's Python `impl`, and of a ``cond`` region only
the branch its predicate selects; `env` supplies the values of ``global`` nodes by
dotted path. It is slow and simple on purpose: transforms are
tested against it before any code is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from symdiff.ir.node import Node, Program, Structure, topological
from symdiff.ir.primitives import PRIMITIVES


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
        if node.op == "const":
            values[node] = node.value
        elif node.op == "global":
            values[node] = env[".".join(node.attrs)]
        elif node.op in ("param", "arg"):
            raise ValueError(f"parameter {node.attrs[0]!r} is not a parameter of {program.name}")
        elif node.op == "cond":
            then, orelse = node.attrs
            chosen = then if values[node.args[0]] else orelse
            values[node] = evaluate(chosen, [values[a] for a in node.args[1:]], env)
        elif node.op == "loop":
            values[node] = _run_loop(node, [values[a] for a in node.args], env)
        elif node.op == "proj":
            values[node] = values[node.args[0]][node.attrs[0]]
        else:
            impl = PRIMITIVES[node.op].impl
            values[node] = impl(*(values[a] for a in node.args))
    return _build(program.result, values)


def _run_loop(node: Node, args: list[Any], env: Mapping[str, Any]) -> tuple[Any, ...]:
    from symdiff.ir.regions import Loop

    loop: Loop = node.attrs[0]
    rng, rest = args[:loop.n_range], args[loop.n_range:]
    tape_in = list(rest[-1]) if loop.n_popped else None
    if loop.n_popped:
        rest = rest[:-1]
    unstack = [list(xs) for xs in rest[len(rest) - loop.n_unstacked:]]
    rest = rest[:len(rest) - loop.n_unstacked]
    carry, operands = list(rest[:loop.n_carry]), rest[loop.n_carry:]
    saved: list[Any] = []
    stacks: list[list[Any]] = [[] for _ in range(loop.n_stacked)]
    count = 0

    def step(prefix: list[Any]) -> bool:
        nonlocal carry
        out = evaluate(loop.body, [*prefix, *carry, *operands], env)
        carry = list(out[:loop.n_carry])
        for stack, value in zip(stacks, out[loop.n_carry:], strict=False):
            stack.append(value)
        first = loop.n_carry + loop.n_stacked
        if loop.n_saved:
            saved.append(tuple(out[first:first + loop.n_saved]))
        return bool(out[-1]) if loop.breaks else False

    if loop.kind == "range":
        indices = range(*rng)
        for i in reversed(indices) if loop.reverse else indices:
            popped = list(tape_in.pop()) if tape_in is not None else []
            count += 1
            if step([i, *popped, *(xs.pop() for xs in unstack)]):
                break
    else:
        assert loop.test is not None
        while evaluate(loop.test, [*carry, *operands], env)[0]:
            count += 1
            if step([]):
                break
    outputs: list[Any] = [*carry, *stacks]
    if loop.n_saved:
        outputs.append(saved)
    if loop.counted:
        outputs.append(count)
    return tuple(outputs)


def _build(structure: Structure, values: dict[Node, Any]) -> Any:
    if isinstance(structure, Node):
        return values[structure]
    return tuple(_build(s, values) for s in structure)
