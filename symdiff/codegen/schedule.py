"""Scheduling: from the DAG to a flat single-assignment program.

Contract: `schedule(program)` lists the operation nodes reachable from the results in
creation order, which is topological (anything unreachable is dead and left out), and
decides which of them get their own assignment: nodes with a user-given name, nodes used more than
once (a shared subexpression is computed once), arguments of emitters that mention
an argument twice, and nodes whose inlined expression would hold more than
`MAX_SIZE` operations (which also bounds nesting depth, so printing never recurses
deeply, and keeps lines short). Every other node is inlined into its single user.
Constants, parameters and globals are atoms and never assigned. The program's
`effects` (user operations that can raise) are live too and never inlined, so they
run in the user's order before any derivative code; one that nothing uses becomes an
expression statement. A statement reading an array that an update (an `inplace`
primitive) writes comes before that update when it does not depend on it, so that the
update can write in place (see `codegen.ownership`).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field

from symdiff.ir.loop import loop_args
from symdiff.ir.node import LEAVES, Node, Op, Program, topological

MAX_SIZE = 6


@dataclass(frozen=True)
class Schedule:
    program: Program
    order: tuple[Node, ...]  # operation nodes, arguments before users
    assigned: frozenset[Node]  # nodes that get their own assignment
    # Effects nothing else uses: evaluated as expression statements for their errors.
    statements: frozenset[Node] = frozenset()
    # How many operations (and results) of this block read each node.
    uses: Mapping[Node, int] = field(default_factory=dict)
    # Per node, the position in `order` of the statement that evaluates it (its own, or
    # its user's where it is inlined); absent when that is not one statement.
    runs_at: Mapping[Node, int] = field(default_factory=dict)


def schedule(
    program: Program, roots: list[Node] | None = None, inline: frozenset[Node] = frozenset()
) -> Schedule:
    """Order the live operations of `program` and choose which are assigned.

    `roots` are the values needed (by default all outputs); effects are always live. A
    region (``cond``) is a statement of its own; its ``proj`` values are assigned inside
    its branches, and its operands must be names.
    """
    outputs = program.outputs if roots is None else tuple(roots)
    # Creation order is a topological order (a node's arguments always exist before it)
    # and keeps the user's statement order for primal code.
    live = topological([*outputs, *program.effects])
    order = sorted((n for n in live if n.op not in LEAVES), key=lambda n: n.serial)
    uses: dict[Node, int] = {}
    for node in order:
        for arg in node.args:
            uses[arg] = uses.get(arg, 0) + 1
    for out in outputs:
        uses[out] = uses.get(out, 0) + 1
    needs_atom: set[Node] = set()
    for node in order:
        if node.op == Op.COND:
            needs_atom.update(node.args[1:])
        elif node.op == Op.LOOP:
            # Read on every iteration (the range: once); an initial value is only
            # assigned to the carried variable.
            inits = loop_args(node).inits
            needs_atom.update(a for a in node.args if a not in inits)
        elif node.op != Op.PROJ and node.prim.atomic_args:
            needs_atom.update(node.args)
        elif node.op != Op.PROJ and node.prim.inplace:
            needs_atom.add(node.args[0])  # the variable it updates
    names = program.builder.names
    # Operations that can raise keep their own statement: inlined into a later
    # expression they would run after derivative code that may raise differently.
    effects = set(program.effects)
    assigned: set[Node] = set()
    size: dict[Node, int] = {}
    for node in order:
        if node.op in (Op.COND, Op.LOOP):
            continue
        n = 1 + sum(size.get(a, 0) for a in node.args)
        named = node in names and node not in inline
        if (named or uses.get(node, 0) > 1 or node in needs_atom or n > MAX_SIZE
                or node in effects or node.op == Op.PROJ or node.prim.inplace):
            assigned.add(node)
            n = 0
        size[node] = n
    unused = {n for n in program.effects
              if uses.get(n, 0) == 0 and n not in names and n.op not in (Op.COND, Op.LOOP)}
    # (`inline`: nodes whose user-given name alone does not make them assigned.)
    assigned -= unused
    statements = frozenset(assigned | unused | {n for n in order if n.op in (Op.COND, Op.LOOP)})
    users: dict[Node, list[Node]] = {}
    for node in order:
        for arg in node.args:
            users.setdefault(arg, []).append(node)
    final = _readers_first(order, statements, users)
    position = {node: i for i, node in enumerate(final)}
    runs_at = {}
    for node in final:
        at: Node | None = node
        while at is not None and at not in statements:
            after = users.get(at, [])
            at = after[0] if len(after) == 1 else None
        if at is not None:
            runs_at[node] = position[at]
    return Schedule(program, tuple(final), frozenset(assigned), frozenset(unused), uses,
                    runs_at)


def _readers_first(order: list[Node], statements: frozenset[Node],
                   users: dict[Node, list[Node]]) -> list[Node]:
    """`order`, changed where an update of an array (an `inplace` primitive) comes before
    a statement that reads the array it updates and does not depend on it: that
    statement comes first, so that the update may write in place."""

    def statement(node: Node) -> Node | None:
        while node not in statements:
            after = users.get(node, [])
            if len(after) != 1:
                return None
            node = after[0]
        return node

    updates = [n for n in order if n.op not in (Op.PROJ, Op.COND, Op.LOOP)
               and n.prim.inplace and n.args[0].type is not None]
    if not updates:
        return order
    serial = {node: i for i, node in enumerate(order)}
    # What must come after each node: its users, and the updates it must precede.
    succ: dict[Node, list[Node]] = {node: list(users.get(node, ())) for node in order}
    added = False
    for update in updates:
        for reader in users.get(update.args[0], []):
            first = statement(reader) if reader is not update else None
            if first is not None and serial[first] > serial[update] and not _reaches(
                    update, first, succ):
                succ[first].append(update)
                added = True
    if not added:
        return order
    # Kahn's algorithm, taking the earliest created node that is ready.
    waiting = dict.fromkeys(order, 0)
    for node in order:
        for nxt in set(succ[node]):
            waiting[nxt] += 1
    ready = [(serial[n], n) for n in order if waiting[n] == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        _, node = heapq.heappop(ready)
        result.append(node)
        for nxt in set(succ[node]):
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, (serial[nxt], nxt))
    assert len(result) == len(order)
    return result


def _reaches(start: Node, goal: Node, succ: dict[Node, list[Node]]) -> bool:
    """Whether `goal` must come after `start`."""
    seen: set[Node] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node is goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(succ.get(node, ()))
    return False
