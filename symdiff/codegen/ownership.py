"""Which updates of arrays the generated code makes in place.

Contract: an update (a primitive with `inplace` and an array first argument:
``index_set``, ``index_add``) is a new value in the IR; the emitter writes it into its
first argument's array when nothing can tell, else into a copy. `analyse(sched, owned)`
says, for one block, which updates write in place, and for each region which of its
parameters hold arrays its body or branches may update in place.

- An array is *exclusive* when no other value shares its memory: one this block makes
  with an operation that makes a new array (`ir.indexing.owns_memory`: not a view, not
  an argument), a parameter in `owned`, or a value a region gives from such an array.
- An update writes in place when its array is exclusive and every other reader of it
  runs before the update (the schedule puts them first where it can), none of them a
  view still used after it.
- A loop's carried array is exclusive in its body when the loop starts from an
  exclusive array nothing else reads (or, when the body updates it, from a copy made on
  entry), and each iteration ends with one (a new array of the body's own, or the
  parameter itself) that no other output holds: a tape that saves it rules it out.
- A branch's parameter is exclusive when its operand is exclusive and only the branch
  region reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from symdiff.codegen.schedule import Schedule, schedule
from symdiff.ir.indexing import may_alias, owns_memory
from symdiff.ir.loop import Loop, loop_args
from symdiff.ir.node import Node, Op, Program

REGION_OPS = (Op.PROJ, Op.COND, Op.LOOP)


@dataclass(frozen=True)
class Region:
    """What a region may update in place."""

    params: frozenset[Node]  # parameters of its body (or branches) holding exclusive arrays
    copied: frozenset[int]  # carried values copied when the loop starts
    outputs: frozenset[int]  # outputs that are exclusive arrays after it


@dataclass(frozen=True)
class Ownership:
    in_place: frozenset[Node]
    regions: Mapping[Node, Region]


def analyse(sched: Schedule, owned: frozenset[Node] = frozenset()) -> Ownership:
    """The updates of `sched`'s block that write in place (`owned`: its parameters that
    hold exclusive arrays), and what each of its regions may update in place."""
    mine, regions = _exclusive(sched, owned)
    return Ownership(frozenset(_in_place(sched, mine)), regions)


def _exclusive(sched: Schedule, owned: frozenset[Node]) -> tuple[set[Node], dict[Node, Region]]:
    mine = set(owned)
    regions: dict[Node, Region] = {}
    for node in sched.order:
        if node.op == Op.LOOP:
            region = _loop(node, sched, mine)
        elif node.op == Op.COND:
            region = _cond(node, sched, mine)
        else:
            continue
        regions[node] = region
        mine |= {p for p in sched.order if p.op == Op.PROJ and p.args[0] is node
                 and p.attrs[0] in region.outputs}
    return mine, regions


def _owns(node: Node, mine: set[Node]) -> bool:
    return node.type is not None and (owns_memory(node) or node in mine)


def _loop(node: Node, outer: Schedule, mine: set[Node]) -> Region:
    loop: Loop = node.attrs[0]
    inits = loop_args(node).inits
    body = loop.body
    params = loop.split_params(body.params).carry
    news = loop.split_results(body.outputs).carry
    inner = schedule(body, list(body.outputs), frozenset(news))
    # Per candidate, whether the loop starts from an exclusive array (else from a copy).
    candidates: dict[int, bool] = {}
    for k, (param, init) in enumerate(zip(params, inits, strict=True)):
        if param.type is None or body.outputs.count(param) > (news[k] is param):
            continue
        exclusive = _owns(init, mine) and outer.uses.get(init) == 1
        if exclusive or _updated(param, inner):
            candidates[k] = exclusive
    while True:
        body_mine, _ = _exclusive(inner, frozenset(params[k] for k in candidates))
        kept = {k: e for k, e in candidates.items()
                if _ends_exclusive(news[k], params[k], body, inner, body_mine)}
        if kept.keys() == candidates.keys():
            break
        candidates = kept
    return Region(frozenset(params[k] for k in candidates),
                  frozenset(k for k, e in candidates.items() if not e), frozenset(candidates))


def _cond(node: Node, outer: Schedule, mine: set[Node]) -> Region:
    operands = node.args[1:]
    exclusive = [_owns(op, mine) and outer.uses.get(op) == 1 and node.args.count(op) == 1
                 for op in operands]
    params: set[Node] = set()
    outputs: set[int] | None = None
    for branch in node.attrs[0].branches:
        mine_here = frozenset(p for p, e in zip(branch.params, exclusive, strict=True) if e)
        params |= mine_here
        if outputs == set() or all(out.type is None for out in branch.outputs):
            # None can end exclusive (only an array can): the branch needs no schedule.
            outputs = set()
            continue
        sched = schedule(branch, list(branch.outputs))
        branch_mine, _ = _exclusive(sched, mine_here)
        good = {m for m, out in enumerate(branch.outputs)
                if _ends_exclusive(out, out if out in mine_here else None, branch, sched,
                                   branch_mine)}
        outputs = good if outputs is None else outputs & good
    return Region(frozenset(params), frozenset(), frozenset(outputs or ()))


def _updated(param: Node, inner: Schedule) -> bool:
    """Whether the body updates `param`, or passes it to a region that may."""
    for node in inner.order:
        if node.op in (Op.COND, Op.LOOP):
            if param in node.args:
                return True
        elif node.op != Op.PROJ and node.prim.inplace and node.args[0] is param:
            return True
    return False


def _ends_exclusive(new: Node, param: Node | None, body: Program, sched: Schedule,
                    mine: set[Node]) -> bool:
    """Whether `new`, an output of `body`, is an exclusive array no other output shares:
    `param` itself (passed on; no output is a view of it), or a new array of the body's
    own read by nothing else."""
    if body.outputs.count(new) != 1:
        return False
    if param is not None and new is param:
        for out in body.outputs:
            while may_alias(out):
                out = out.args[0]
                if out is param:
                    return False
        return True
    return _owns(new, mine) and sched.uses.get(new) == 1


def _in_place(sched: Schedule, mine: set[Node]) -> set[Node]:
    users: dict[Node, list[Node]] = {}
    for node in sched.order:
        for arg in node.args:
            users.setdefault(arg, []).append(node)
    position = {node: i for i, node in enumerate(sched.order)}
    found = set()
    for node in sched.order:
        if node.op in REGION_OPS or not node.prim.inplace:
            continue
        target = node.args[0]
        if not _owns(target, mine):
            continue
        readers = [u for u in users.get(target, []) if u is not node]
        if sched.uses.get(target) != len(readers) + 1 or len(readers) + 1 != len(
                users[target]):
            continue  # also an output, or read twice by the update itself
        if all(_done_before(u, position[node], sched, users) for u in readers):
            found.add(node)
    return found


def _done_before(node: Node, when: int, sched: Schedule, users: dict[Node, list[Node]]
                 ) -> bool:
    """Whether `node`, which reads an array, is evaluated by the statement at position
    `when` or before, and so is everything reading it when it is a view of the array."""
    if node.op in REGION_OPS or node.prim.inplace:
        return False
    if sched.runs_at.get(node, when + 1) > when:
        return False
    if not may_alias(node):
        return True
    readers = users.get(node, [])
    return sched.uses.get(node) == len(readers) and all(
        _done_before(r, when, sched, users) for r in readers)
