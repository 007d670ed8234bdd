"""Structured control flow in the DAG: regions that hold sub-programs.

Contract:
- A ``cond`` node has arguments ``(pred, *operands)`` and two sub-programs (its
  branches) as attributes. Each branch is a closed `Program` over its own builder:
  its parameters are ``arg`` nodes, one per operand, and its result is a tuple with
  the same number of values in both branches. Only the branch `pred` selects runs,
  so an operation in the other branch never raises.
- The values of a region come out through ``proj`` nodes (``proj(region, i)``).
- A ``loop`` node runs a body sub-program repeatedly over loop-carried values: over a
  ``range`` (its arguments ``(start, stop, step, *inits, *operands[, tape])``, the body's
  parameters ``(i, *popped, *carry, *operands)``) or ``while`` a test sub-program holds
  (arguments ``(*inits, *operands)``, parameters ``(*carry, *operands)``). The body
  returns the new carried values, then the values it appends to lists
  (``xs.append(v)``), then the values to save for a backward sweep, then (when the loop
  has a ``break``) whether to stop after this iteration; its outputs are the final
  carried values, then one list per appended value, then the tape (a list, one entry
  per iteration) when it saves, then the trip count when asked. A backward loop runs
  its range in reverse, pops its entries from a tape (parameters after the index) and
  pops one value from each of its unstacked lists (parameters after those).
- Branch and loop bodies never share nodes with the enclosing program (each has its
  own builder), so nothing inside can be hoisted out by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

from symdiff.ir.node import Builder, Node, Program

REGIONS = frozenset({"cond", "loop"})


@dataclass(frozen=True)
class Loop:
    """The static description of a loop region (its node's only attribute)."""

    kind: str  # "range" or "while"
    body: Program
    n_carry: int
    test: Program | None = None
    n_saved: int = 0  # values the body appends to the tape each iteration
    n_popped: int = 0  # values each iteration pops from the tape (a backward loop)
    reverse: bool = False  # run the range backwards
    counted: bool = False  # also output the number of iterations
    breaks: bool = False  # the body's last output says whether to stop after it
    # Values the body appends, each to its own list, every iteration (``xs.append(v)``);
    # the loop outputs those lists after its carried values.
    n_stacked: int = 0
    # Lists the loop pops one value from each iteration (the cotangents of a forward
    # loop's stacks, in a backward loop); they come as arguments just before the tape.
    n_unstacked: int = 0

    @property
    def n_range(self) -> int:
        return 3 if self.kind == "range" else 0


def loop_node(b: Builder, loop: Loop, args: tuple[Node, ...]) -> Node:
    return b.structural("loop", args, (loop,))


def loop_parts(node: Node) -> tuple[tuple[Node, ...], tuple[Node, ...], tuple[Node, ...],
                                    Node | None]:
    """(range arguments, initial carried values, operands, tape) of a loop node."""
    loop: Loop = node.attrs[0]
    args = node.args
    rng, rest = args[:loop.n_range], args[loop.n_range:]
    tape = rest[-1] if loop.n_popped else None
    if loop.n_popped:
        rest = rest[:-1]
    if loop.n_unstacked:
        rest = rest[:-loop.n_unstacked]
    return rng, rest[:loop.n_carry], rest[loop.n_carry:], tape


def unstacked(node: Node) -> tuple[Node, ...]:
    """The lists a (backward) loop node pops a value from each iteration."""
    loop: Loop = node.attrs[0]
    end = len(node.args) - (1 if loop.n_popped else 0)
    return node.args[end - loop.n_unstacked:end]


def all_nodes(program: Program) -> list[Node]:
    """Every live node of `program` and of the branch and loop bodies inside it."""
    from symdiff.ir.node import topological

    found: list[Node] = []
    stack = [program]
    while stack:
        p = stack.pop()
        for node in topological([*p.outputs, *p.effects]):
            found.append(node)
            if node.op in REGIONS:
                stack.extend(bodies(node))
    return found


def bodies(node: Node) -> tuple[Program, ...]:
    """Every sub-program of a region node."""
    if node.op == "cond":
        return tuple(node.attrs)
    loop: Loop = node.attrs[0]
    return (loop.body,) if loop.test is None else (loop.test, loop.body)


def cond(
    b: Builder, pred: Node, operands: tuple[Node, ...], then: Program, orelse: Program
) -> tuple[Node, ...]:
    """The outputs of ``then(*operands) if pred else orelse(*operands)``."""
    node = cond_node(b, pred, operands, then, orelse)
    return tuple(proj(b, node, i) for i in range(n_outputs(node)))


def cond_node(
    b: Builder, pred: Node, operands: tuple[Node, ...], then: Program, orelse: Program
) -> Node:
    """The region node itself (its values come out through `proj`).

    A constant operand is not passed in: the branches are rebuilt with the constant in
    place of their parameter, so it folds there.
    """
    n = len(then.outputs)
    if len(orelse.outputs) != n:
        raise ValueError(f"branches return {n} and {len(orelse.outputs)} values")
    if not (len(then.params) == len(orelse.params) == len(operands)):
        raise ValueError("each branch takes one parameter per operand")
    if any(op.op == "const" for op in operands):
        keep = [i for i, op in enumerate(operands) if op.op != "const"]
        then, orelse = (_specialise(body, operands, keep) for body in (then, orelse))
        operands = tuple(operands[i] for i in keep)
    # An operand neither branch reads is not passed (so nothing is kept alive for it).
    used = _used(then) | _used(orelse)
    keep = [i for i, p in enumerate(then.params) if p in used or orelse.params[i] in used]
    if len(keep) < len(operands):
        then = then.replace(params=tuple(then.params[i] for i in keep))
        orelse = orelse.replace(params=tuple(orelse.params[i] for i in keep))
        operands = tuple(operands[i] for i in keep)
    return b.structural("cond", (pred, *operands), (then, orelse))


def _used(program: Program) -> set[Node]:
    from symdiff.ir.node import topological

    return set(topological([*program.outputs, *program.effects]))


def _specialise(body: Program, operands: tuple[Node, ...], keep: list[int]) -> Program:
    from symdiff.ir.rewrite import inline

    nb = Builder()
    # (A parameter keeps its kind: an array's type, a list's marker.)
    params = [nb.arg(str(body.params[i].attrs[0]), *body.params[i].attrs[2:]) for i in keep]
    args: list[Node] = []
    it = iter(params)
    for op in operands:
        args.append(nb.const(op.value) if op.op == "const" else next(it))
    result, effects = inline(nb, body, args)
    return Program(body.name, tuple(params), result, nb, body.doc, effects)


def proj(b: Builder, region: Node, i: int) -> Node:
    return b.structural("proj", (region,), (i,))


def branches(node: Node) -> tuple[Program, Program]:
    then, orelse = node.attrs
    return then, orelse


def output_kind(region: Node, i: int) -> str:
    """The kind (number or sequence) of a region's `i`-th output."""
    from symdiff.ir.node import NUM, SEQ
    from symdiff.ir.sequences import kind

    if region.op == "cond":
        return kind(region.attrs[0].outputs[i])
    loop: Loop = region.attrs[0]
    if i < loop.n_carry:
        return kind(loop.body.outputs[i])
    if i < loop.n_carry + loop.n_stacked:
        return SEQ
    return NUM


def n_outputs(node: Node) -> int:
    return len(node.attrs[0].outputs)
