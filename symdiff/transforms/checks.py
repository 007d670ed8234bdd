"""A loop run only for its checks, made part of the backward loop over its range.

Contract: `fuse_checks(program)` returns `program`, or the same function computed with
fewer loops, for the pure-Python code. A loop of the program kept only for what its
body can raise (a ``range`` loop with no outputs among the program's effects: ``(1.0 -
x[i]) ** 2`` evaluated so that a derivative raises where the user's code raises) is
paired with a later loop over the same range in the other direction (the reverse sweep
of that loop); that loop computes the checks in each of its iterations too, sharing
what both compute (``x[i + 1] - x[i] * x[i]``, once for a check and the adjoint). It is
marked with the checks' body (`Loop.checks`), and the loop of checks stays in its place,
marked `Loop.deferred`: the code generator runs what comes from that place up to the end
of the loop that took its checks inside ``try``, and on an exception runs the checks
forwards and re-raises what was caught. So the first error in the user's order is still
the one raised: the checks raise it when one of theirs fails (every operation is
computed from the same values again); otherwise the error came from code that ran after
the checks before too, and raises the same way.

Loops pair like brackets, each with the first later one over its range that no later
loop of checks took, so the ``try`` blocks nest. A loop of checks that calls a function
of the user's (a custom rule) is left alone: its calls would run in another order.
Only the program's own loops are paired, not loops inside loops.
"""

from __future__ import annotations

from dataclasses import replace

from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.calls import CUSTOM_CALL
from symdiff.ir.loop import Loop, loop_args
from symdiff.ir.node import Node, Op, Program, topological
from symdiff.ir.regions import all_nodes
from symdiff.ir.rewrite import copy_in_order, inline


def fuse_checks(program: Program) -> Program:
    """`program` with its loops of checks computed by later loops (see the module doc)."""
    order = sorted(topological([*program.outputs, *program.effects]), key=lambda n: n.serial)
    pairs = _pairs(order, set(program.effects))
    if not pairs:
        return program
    checked = set(pairs.values())
    nb = Builder()

    def remake(node: Node, new: dict[Node, Node]) -> Node | None:
        if node in checked:
            deferred = replace(node.attrs[0], deferred=True)
            return nb.structural(Op.LOOP, tuple(new[a] for a in node.args), (deferred,))
        if node in pairs:
            loop, args = _with_checks(node, pairs[node])
            return nb.structural(Op.LOOP, tuple(new[a] for a in args), (loop,))
        return None

    return copy_in_order(program, order, nb, remake)


def _pairs(order: list[Node], effects: set[Node]) -> dict[Node, Node]:
    """Each loop that takes the checks of a loop of checks -> that loop."""
    waiting: list[Node] = []  # loops of checks not paired yet, innermost last
    pairs: dict[Node, Node] = {}
    for node in order:
        if node.op != Op.LOOP:
            continue
        loop: Loop = node.attrs[0]
        if node in effects and _only_checks(loop):
            waiting.append(node)
            continue
        if loop.kind != "range" or loop.breaks:
            continue
        span = loop_args(node).range
        for k in range(len(waiting) - 1, -1, -1):
            other: Loop = waiting[k].attrs[0]
            if other.reverse != loop.reverse and loop_args(waiting[k]).range == span:
                pairs[node] = waiting[k]
                del waiting[k:]  # (those after it would end after this one: not nested)
                break
    return pairs


def _only_checks(loop: Loop) -> bool:
    """Whether `loop` runs only for what its body may raise, each iteration on its own."""
    return (loop.kind == "range" and loop.n_outputs == 0 and not loop.breaks
            and not loop.n_popped and not loop.n_unstacked and bool(loop.body.effects)
            and not any(n.prim is CUSTOM_CALL for n in all_nodes(loop.body)))


def _with_checks(node: Node, checks: Node) -> tuple[Loop, tuple[Node, ...]]:
    """The loop of `node` that also computes the checks of the loop `checks` each
    iteration, and its arguments (`node`'s, with the operands of `checks` it lacks)."""
    loop: Loop = node.attrs[0]
    inner: Loop = checks.attrs[0]
    bb = builder_of(loop.body)
    params, given = loop.split_params(loop.body.params), loop.split_args(node.args)
    theirs = inner.split_params(inner.body.params)
    consts, operands = list(params.consts), list(given.consts)
    inputs = []
    for param, operand in zip(theirs.consts, inner.split_args(checks.args).consts,
                              strict=True):
        if operand not in operands:
            consts.append(bb.arg(str(param.attrs[0]), *param.attrs[2:]))
            operands.append(operand)
        inputs.append(consts[operands.index(operand)])
    _, effects = inline(bb, inner.body, [params.index[0], *inputs])
    body = loop.body.replace(params=replace(params, consts=tuple(consts)).flat(),
                             effects=tuple(dict.fromkeys((*loop.body.effects, *effects))))
    return (replace(loop, body=body, checks=inner.body),
            replace(given, consts=tuple(operands)).flat())
