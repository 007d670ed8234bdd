"""Activity analysis: which values of a program depend on the values differentiated.

Contract: `Activity.active(order, wrt)` returns the nodes of `order` (a topological
order) whose value depends on a node of `wrt`: an operation is active when it is
differentiable and reads an active node; a region is active when an operand is (a
loop: any argument but its range), and of its outputs (``proj``) only those its
sub-programs compute from active values: a flag or a counter a loop carries from
constants is not, nor anything computed from it. `Activity.loop(node, active)` also
tells which carried values of a loop are active (`LoopActivity`), and
`Activity.nonzero_cotangents` which of those can get a nonzero cotangent in a backward
loop.

What a region gives depends only on the region and on which of its arguments are
active, so an `Activity` remembers it per (region, pattern of active arguments): the
body of a loop nested d deep is analysed once per pattern, not once per analysis of
each enclosing body (twice per level or more: 2**d times). Nodes never change, so one
`Activity` serves a derivative and the derivatives of the sub-programs it builds; it
holds what it remembers only as long as it lives (one reverse-mode transform).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from symdiff.ir.loop import Loop, loop_args
from symdiff.ir.node import Node, Op, topological
from symdiff.ir.regions import branches


@dataclass(frozen=True)
class LoopActivity:
    """Of a loop given which arguments are active: its active carried values (by
    position in the carried group) and its active outputs (``proj`` indices)."""

    carried: tuple[int, ...]
    outputs: frozenset[int]


class Activity:
    """Activity analysis for one reverse-mode derivative, remembered per region."""

    def __init__(self) -> None:
        self._loops: dict[tuple[Node, tuple[bool, ...]], LoopActivity] = {}
        self._conds: dict[tuple[Node, tuple[bool, ...]], frozenset[int]] = {}

    def active(self, order: list[Node], wrt: list[Node]) -> set[Node]:
        """Nodes whose value depends on a `wrt` node: only they carry cotangents."""
        active = set(wrt)
        for node in order:
            if node in active or not any(a in active for a in node.args):
                continue
            if node.op == Op.COND:
                if any(a in active for a in node.args[1:]):
                    active.add(node)
            elif node.op == Op.LOOP:
                if any(a in active for a in replace(loop_args(node), range=()).flat()):
                    active.add(node)
            elif node.op == Op.PROJ and node.args[0].op in (Op.COND, Op.LOOP):
                region = node.args[0]
                outputs = (self.cond_outputs(region, active) if region.op == Op.COND
                           else self.loop(region, active).outputs)
                if node.attrs[0] in outputs:
                    active.add(node)
            elif node.op == Op.PROJ or node.prim.differentiable:
                active.add(node)
        return active

    def cond_outputs(self, node: Node, active: set[Node]) -> frozenset[int]:
        """The outputs of a ``cond`` node that depend on an active operand in either
        branch (a flag or a counter both branches compute from constants does not)."""
        key = (node, tuple(a in active for a in node.args))
        found = self._conds.get(key)
        if found is None:
            seeded = [i for i, op in enumerate(node.args[1:]) if op in active]
            outputs: set[int] = set()
            for body in branches(node):
                inner = self.active(topological(list(body.outputs)),
                                    [body.params[i] for i in seeded])
                outputs |= {k for k, out in enumerate(body.outputs) if out in inner}
            found = self._conds[key] = frozenset(outputs)
        return found

    def loop(self, node: Node, active: set[Node]) -> LoopActivity:
        """Which carried values and outputs of a ``loop`` node depend on an active
        argument: its active carried values and appended values, and its tape and trip
        count (a backward loop's outputs all are)."""
        key = (node, tuple(a in active for a in node.args))
        found = self._loops.get(key)
        if found is None:
            found = self._loops[key] = self._loop(node, active)
        return found

    def _loop(self, node: Node, active: set[Node]) -> LoopActivity:
        loop: Loop = node.attrs[0]
        out = loop.outputs
        if loop.n_popped or loop.n_unstacked:  # a backward loop: every output
            return LoopActivity(tuple(range(loop.n_carry)), frozenset(range(loop.n_outputs)))
        given = loop_args(node)
        params = loop.split_params(loop.body.params)
        results = loop.split_results(loop.body.outputs)
        seeds = [p for p, op in zip(params.consts, given.consts, strict=True) if op in active]
        live = self._carries(loop, [x in active for x in given.inits], seeds)
        inner = self.active(topological(list(loop.body.outputs)),
                            [*seeds, *(params.carry[k] for k in live)])
        stacked = {i for i, v in zip(out.stacks, results.stacked, strict=True) if v in inner}
        rest = {i for i in (out.tape, out.trips) if i is not None}
        return LoopActivity(live, frozenset({*(out.carry[k] for k in live), *stacked, *rest}))

    def _carries(self, loop: Loop, starts: list[bool], seeds: list[Node]) -> tuple[int, ...]:
        """The carried values that depend on the inputs: those starting from an active
        value, and those the body computes from an active operand or carried value (a
        counter ``k = k + 1`` never does, so it gets no cotangent)."""
        carry = loop.split_params(loop.body.params).carry
        news = loop.split_results(loop.body.outputs).carry
        live = {k for k, start in enumerate(starts) if start}
        order = topological(list(news))
        while True:
            active = self.active(order, [*seeds, *(carry[k] for k in live)])
            grown = live | {k for k, new in enumerate(news) if new in active}
            if grown == live:
                return tuple(sorted(live))
            live = grown

    def nonzero_cotangents(self, loop: Loop, live: tuple[int, ...], seeded: set[int],
                           stacked: list[Node]) -> list[int]:
        """Of the `live` carried values, those whose cotangent can be nonzero in a
        backward loop: seeded after the loop, or read by the next value of one that is,
        or by a value appended to a list with a cotangent. (A value only a while test
        reads has none.)"""
        carry = loop.split_params(loop.body.params).carry
        news = loop.split_results(loop.body.outputs).carry
        order = topological(list(loop.body.outputs))
        nonzero = {k for k in live if k in seeded}
        while len(nonzero) < len(live):
            targets = {news[k] for k in nonzero} | set(stacked)
            grown = nonzero | {k for k in live if k not in nonzero
                               and targets & self.active(order, [carry[k]])}
            if grown == nonzero:
                break
            nonzero = grown
        return sorted(nonzero)
