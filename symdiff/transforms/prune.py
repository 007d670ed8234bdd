"""Dead region outputs: loop-carried values, lists and branch values nothing reads.

Contract: `prune_program(program)` returns an equivalent program (same parameters,
result and effects, raising where it raises) whose loops carry only the values something
needs and build only the lists, tape and trip count read after them, and whose branch
regions compute only the values read after them. A carried value is needed when its
final value is read after the loop, or when the while test, the break flag, an appended
or saved value, an effect of the body (an operation that can raise) or the next value of
another needed carried value reads it. Operands no longer read are not passed. A region
left with no outputs and no effects is removed. Bodies and branches are pruned the same
way, nested regions included.

A program with nothing to remove is returned as is (the same object). Otherwise it is
rebuilt in a new builder in its original creation order, which the code generator
follows: a rebuilt loop keeps its place before the derivative code that comes after it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from symdiff.ir.builder import Builder
from symdiff.ir.loop import Loop
from symdiff.ir.node import Node, Op, Program, topological
from symdiff.ir.regions import REGIONS, Arms
from symdiff.ir.rewrite import copy_in_order


@dataclass(frozen=True)
class _Plan:
    """A region as rebuilt: its attributes, the positions of the arguments it keeps, and
    each wanted output's new index."""

    attrs: tuple[Any, ...]
    keep: tuple[int, ...]
    moved: dict[int, int]

    def changes(self, node: Node) -> bool:
        return (self.attrs is not node.attrs or len(self.keep) != len(node.args)
                or any(i != k for i, k in self.moved.items()))


def prune_program(program: Program) -> Program:
    """`program` without the region outputs nothing reads."""
    return _apply(program, _analyse(program))


@dataclass(frozen=True)
class _Analysis:
    """What a program needs: its nodes (in creation order once it has a region), and
    each region's plan."""

    order: list[Node]
    plans: dict[Node, _Plan | None]

    @property
    def reads(self) -> set[Node]:
        return set(self.order)


def _analyse(program: Program) -> _Analysis:
    """The nodes `program` needs once each region keeps only what is read of it."""
    roots = [*program.outputs, *program.effects]
    nodes = topological(roots)
    if not any(n.op in REGIONS for n in nodes):
        return _Analysis(nodes, {})  # no region: everything reachable is needed
    order = sorted(nodes, key=lambda n: n.serial)
    needed = set(roots)
    wanted: dict[Node, set[int]] = {}
    plans: dict[Node, _Plan | None] = {}
    # Users before what they use: a region is planned once every read of it is known.
    for node in reversed(order):
        if node not in needed:
            continue
        if node.op == Op.PROJ:
            wanted.setdefault(node.args[0], set()).add(node.attrs[0])
            needed.add(node.args[0])
        elif node.op in REGIONS:
            plan_region = _plan_loop if node.op == Op.LOOP else _plan_cond
            plan = plans[node] = plan_region(node, wanted.get(node, set()))
            if plan is not None:
                needed.update(node.args[i] for i in plan.keep)
        else:
            needed.update(node.args)
    return _Analysis([n for n in order if n in needed and plans.get(n, True) is not None],
                     plans)


def _apply(program: Program, analysis: _Analysis) -> Program:
    """`program` with its regions rebuilt as `analysis` plans (itself if none changes)."""
    plans = analysis.plans
    if not any(plan is None or plan.changes(node) for node, plan in plans.items()):
        return program
    return _rebuilt(program, analysis.order, plans)


def _rebuilt(program: Program, order: list[Node], plans: dict[Node, _Plan | None]) -> Program:
    """`program` copied node by node in `order` into a new builder, regions as planned."""

    def remake(node: Node, new: dict[Node, Node]) -> Node | None:
        plan = plans.get(node)
        if plan is not None:
            return nb.structural(node.op, tuple(new[node.args[i]] for i in plan.keep),
                                 plan.attrs)
        if node.op == Op.PROJ:
            moved = plans[node.args[0]].moved  # type: ignore[union-attr]
            return nb.structural(Op.PROJ, (new[node.args[0]],), (moved[node.attrs[0]],))
        return None

    nb = Builder()
    return copy_in_order(program, order, nb, remake)


def _plan_loop(node: Node, wanted: set[int]) -> _Plan | None:
    """The loop giving the `wanted` outputs, or None when it has nothing left to do."""
    loop: Loop = node.attrs[0]
    out = loop.outputs
    results = loop.split_results(loop.body.outputs)
    # The lists it pushes onto (one per appended value, the tape) and its trip count,
    # when read after it.
    stacks = [j for j, i in enumerate(out.stacks) if i in wanted]
    saved = results.saved if out.tape in wanted else ()
    body = loop.body.replace(result=replace(
        results, stacked=tuple(results.stacked[j] for j in stacks), saved=saved).flat())
    new = replace(loop, body=body, n_stacked=len(stacks), n_saved=len(saved),
                  counted=out.trips in wanted)
    carried, new = _needed_carries(new, {k for k, i in enumerate(out.carry) if i in wanted})
    if new.test is not None:
        new = replace(new, test=prune_program(new.test))
    if len(carried) < loop.n_carry:
        new = _drop_carries(new, carried)
    new, consts = _keep_read_consts(new)

    now = new.outputs
    moved = {out.carry[k]: now.carry[i] for i, k in enumerate(carried)}
    moved.update({out.stacks[j]: now.stacks[i] for i, j in enumerate(stacks)})
    for before, after in ((out.tape, now.tape), (out.trips, now.trips)):
        if after is not None:
            assert before is not None
            moved[before] = after
    if not moved and not new.body.effects and not (new.test is not None and new.test.effects):
        return None
    at = loop.split_args(range(len(node.args)))
    keep = replace(at, inits=tuple(at.inits[k] for k in carried),
                   consts=tuple(at.consts[j] for j in consts)).flat()
    return _Plan(node.attrs if new == loop else (new,), keep, moved)


def _needed_carries(loop: Loop, live: set[int]) -> tuple[list[int], Loop]:
    """The positions of the carried values that are needed (see the module docstring),
    given those read after the loop (`live`), and the loop whose body computes only
    their next values (it keeps all its carried-value parameters).

    The body's results are the next values of those carried values, then only values
    that are read. Starting from the values read from outside, a carried value is added
    when something needed reads it, so values that only feed each other stay out.
    """
    params = loop.split_params(loop.body.params).carry
    results = loop.split_results(loop.body.outputs)
    if loop.test is not None:
        tested = _analyse(loop.test).reads
        live |= {k for k, p in enumerate(loop.split_params(loop.test.params).carry)
                 if p in tested}
    while True:
        trial = loop.body.replace(result=replace(
            results, carry=tuple(results.carry[k] for k in sorted(live))).flat())
        analysis = _analyse(trial)
        grown = live | {k for k, p in enumerate(params) if p in analysis.reads}
        if grown == live:
            break
        live = grown
    return sorted(live), replace(loop, body=_apply(trial, analysis))


def _drop_carries(loop: Loop, kept: list[int]) -> Loop:
    """`loop` carrying only the values `kept`; its body computes only their next values
    already, and keeps the parameters of all."""
    body, test = loop.body, loop.test
    params = loop.split_params(body.params)
    body = body.replace(params=replace(
        params, carry=tuple(params.carry[k] for k in kept)).flat())
    if test is not None:
        params = loop.split_params(test.params)
        test = test.replace(params=replace(
            params, carry=tuple(params.carry[k] for k in kept)).flat())
    return replace(loop, body=body, test=test, n_carry=len(kept))


def _keep_read_consts(loop: Loop) -> tuple[Loop, list[int]]:
    """`loop` without the operands neither its body nor its test reads, and the positions
    of the operands kept."""
    body, test = loop.body, loop.test
    read = _reads(body) | (_reads(test) if test is not None else set())
    params = loop.split_params(body.params)
    tested = loop.split_params(test.params) if test is not None else params
    kept = [j for j, (p, q) in enumerate(zip(params.consts, tested.consts, strict=True))
            if p in read or q in read]
    if len(kept) == len(params.consts):
        return loop, kept
    body = body.replace(params=replace(
        params, consts=tuple(params.consts[j] for j in kept)).flat())
    if test is not None:
        test = test.replace(params=replace(
            tested, consts=tuple(tested.consts[j] for j in kept)).flat())
    return replace(loop, body=body, test=test), kept


def _plan_cond(node: Node, wanted: set[int]) -> _Plan | None:
    """The branch region giving the `wanted` outputs, or None when it has nothing left
    to do."""
    keep = sorted(wanted)
    arms: Arms = node.attrs[0]
    branches = arms.branches
    if len(keep) < len(branches[0].outputs):
        branches = tuple(p.replace(result=tuple(p.outputs[i] for i in keep))
                         for p in branches)
    new = Arms(tuple(prune_program(p) for p in branches),
               tuple(prune_program(t) for t in arms.tests))
    if not keep and not any(p.effects for p in new.programs):
        return None
    operands = sorted({i for p in new.programs for read in (_reads(p),)
                       for i, q in enumerate(p.params) if q in read})
    if len(operands) < len(branches[0].params):
        new = new.map(lambda p: p.replace(params=tuple(p.params[i] for i in operands)))
    same = all(x is y for x, y in zip(new.programs, arms.programs, strict=True))
    return _Plan(node.attrs if same else (new,), (0, *(1 + i for i in operands)),
                 {old: k for k, old in enumerate(keep)})


def _reads(program: Program) -> set[Node]:
    return set(topological([*program.outputs, *program.effects]))
