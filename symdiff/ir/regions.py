"""Structured control flow in the DAG: regions that hold sub-programs.

Contract:
- A ``cond`` node has arguments ``(pred, *operands)`` and one attribute, an `Arms`: its
  branches and the tests between them, each a closed `Program` over its own builder
  whose parameters are ``arg`` nodes, one per operand. It runs ``branches[0]`` when
  `pred` holds, else ``branches[k]`` for the first ``tests[k - 1]`` (run in order on the
  operands) that holds, else the last branch: ``if``/``elif``/``else`` with n arms, one
  region however long the chain (as JAX's ``cond`` holds a list of branches). Every
  branch returns a tuple of the same number of values; each test, one value. Only the
  tests up to the one that holds and the branch it selects run, so an operation
  elsewhere never raises.
- The values of a region come out through ``proj`` nodes (``proj(region, i)``).
- A ``loop`` node runs a body sub-program repeatedly over loop-carried values: over a
  ``range`` or ``while`` a test sub-program holds. Its record and the layout of its
  arguments, parameters, results and outputs, by named group, are in `symdiff.ir.loop`.
- Branch and loop bodies never share nodes with the enclosing program (each has its
  own builder), so nothing inside can be hoisted out by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from symdiff.ir.loop import Loop, loop_node
from symdiff.ir.node import Node, NodeBuilder, Op, Program

__all__ = ["REGIONS", "Arms", "Loop", "all_nodes", "arms", "bodies", "branches", "can_raise",
           "cond", "cond_node", "loop_node", "n_outputs", "output_source", "proj"]

REGIONS = frozenset({Op.COND, Op.LOOP})


@dataclass(frozen=True)
class Arms:
    """The sub-programs of a ``cond`` node (its only attribute): ``if pred:
    branches[0] elif tests[0]: branches[1] ... else: branches[-1]``, every test and
    branch a function of the region's operands."""

    branches: tuple[Program, ...]
    tests: tuple[Program, ...] = ()

    def __post_init__(self) -> None:
        if len(self.branches) < 2 or len(self.tests) != len(self.branches) - 2:
            raise ValueError(f"{len(self.branches)} branches need "
                             f"{max(len(self.branches) - 2, 0)} tests, got {len(self.tests)}")

    @property
    def programs(self) -> tuple[Program, ...]:
        """Every sub-program: the branches, then the tests."""
        return (*self.branches, *self.tests)

    def map(self, f: Callable[[Program], Program]) -> Arms:
        """Every sub-program replaced by ``f(program)``; `self` when none changes."""
        branches = tuple(f(p) for p in self.branches)
        tests = tuple(f(t) for t in self.tests)
        if all(x is y for x, y in zip((*branches, *tests), self.programs, strict=True)):
            return self
        return Arms(branches, tests)


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
    if node.op == Op.COND:
        return node.attrs[0].programs
    loop: Loop = node.attrs[0]
    return (loop.body,) if loop.test is None else (loop.test, loop.body)


def can_raise(node: Node) -> bool:
    """Whether evaluating `node` may raise: an operation that can (`Primitive.can_raise`),
    or a region with a body that has effects; never a constant, parameter or global."""
    if node.op in REGIONS:
        return any(body.effects for body in bodies(node))
    return node.prim is not None and node.prim.can_raise(node)


def cond(
    b: NodeBuilder, pred: Node, operands: tuple[Node, ...], *branches: Program,
    tests: Sequence[Program] = (),
) -> tuple[Node, ...]:
    """The outputs of ``then(*operands) if pred else orelse(*operands)`` for branches
    ``then, orelse``; of more branches, with `tests` between them (see `Arms`)."""
    node = cond_node(b, pred, operands, *branches, tests=tests)
    return tuple(proj(b, node, i) for i in range(n_outputs(node)))


def cond_node(
    b: NodeBuilder, pred: Node, operands: tuple[Node, ...], *branches: Program,
    tests: Sequence[Program] = (),
) -> Node:
    """The region node itself (its values come out through `proj`).

    A constant operand is not passed in: the branches and tests are rebuilt with the
    constant in place of their parameter, so it folds there.
    """
    arms = Arms(branches, tuple(tests))
    n = len(arms.branches[0].outputs)
    for other in arms.branches[1:]:
        if len(other.outputs) != n:
            raise ValueError(f"branches return {n} and {len(other.outputs)} values")
    if any(len(t.outputs) != 1 for t in arms.tests):
        raise ValueError("each test returns one value")
    if any(len(p.params) != len(operands) for p in arms.programs):
        raise ValueError("each branch takes one parameter per operand")
    if any(op.op == Op.CONST for op in operands):
        keep = [i for i, op in enumerate(operands) if op.op != Op.CONST]
        arms = arms.map(lambda body: _specialise(b, body, operands, keep))
        operands = tuple(operands[i] for i in keep)
    # An operand no branch or test reads is not passed (so nothing is kept alive for it).
    read = {i for p in arms.programs for i in _read_params(p)}
    keep = sorted(read)
    if len(keep) < len(operands):
        arms = arms.map(lambda p: p.replace(params=tuple(p.params[i] for i in keep)))
        operands = tuple(operands[i] for i in keep)
    return b.structural("cond", (pred, *operands), (arms,))


def _read_params(program: Program) -> list[int]:
    """The positions of the parameters `program` reads."""
    from symdiff.ir.node import topological

    used = set(topological([*program.outputs, *program.effects]))
    return [i for i, p in enumerate(program.params) if p in used]


def _specialise(b: NodeBuilder, body: Program, operands: tuple[Node, ...], keep: list[int]
                ) -> Program:
    from symdiff.ir.rewrite import inline

    nb = b.sub_builder()
    # (A parameter keeps its kind: an array's type, a list's marker.)
    params = [nb.arg(str(body.params[i].attrs[0]), *body.params[i].attrs[2:]) for i in keep]
    args: list[Node] = []
    it = iter(params)
    for op in operands:
        args.append(nb.const(op.value) if op.op == Op.CONST else next(it))
    result, effects = inline(nb, body, args)
    return Program(body.name, tuple(params), result, nb, body.doc, effects)


def proj(b: NodeBuilder, region: Node, i: int) -> Node:
    return b.structural(Op.PROJ, (region,), (i,))


def arms(node: Node) -> Arms:
    """The `Arms` of a ``cond`` node."""
    return node.attrs[0]


def branches(node: Node) -> tuple[Program, ...]:
    """The branches of a ``cond`` node, in order (the last is its ``else``)."""
    return node.attrs[0].branches


def output_source(region: Node, i: int) -> Node | None:
    """The value inside the region that its `i`-th output is (of a branch, the first
    one's), when it is one: a branch's result, a loop's carried value."""
    if region.op == Op.COND:
        return branches(region)[0].outputs[i]
    loop: Loop = region.attrs[0]
    return loop.body.outputs[i] if i in loop.outputs.carry else None


def n_outputs(node: Node) -> int:
    if node.op == Op.COND:
        return len(branches(node)[0].outputs)
    return node.attrs[0].n_outputs
