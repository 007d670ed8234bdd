"""`cost`: operation counts of a function and of its derivative programs.

Counts are of the generated programs' operations (one per IR node: an array operation
counts once, whatever its size), by kind. Code outside loops runs once; each loop's
body is counted once and reported on its own, per iteration, since trip counts are known
only when the code runs. A branch counts its costlier arm, with the tests of the
``elif`` arms before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from symdiff.api.arguments import check_transformable, normalize_argnums, unwrap
from symdiff.api.variadic import for_count
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types
from symdiff.tracebacks import boundary

if TYPE_CHECKING:
    from symdiff.ir.node import Program

KINDS = ("arithmetic", "transcendental", "comparison", "array", "list", "other")

@dataclass(frozen=True)
class Counts:
    """Operation counts by kind (`KINDS`)."""

    arithmetic: int = 0
    transcendental: int = 0
    comparison: int = 0
    array: int = 0
    list: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, k) for k in KINDS)

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{k: getattr(self, k) + getattr(other, k) for k in KINDS})


@dataclass(frozen=True)
class ProgramCost:
    """One program's counts: what runs once, and each loop body per iteration (in
    program order; a nested loop is listed after the loop around it)."""

    once: Counts
    loops: tuple[Counts, ...] = ()


@dataclass(frozen=True)
class Cost:
    """Operation counts of a function (`primal`), its forward-mode derivative (`forward`,
    one JVP) and its reverse-mode gradient (`reverse`); ``str()`` gives a table."""

    name: str
    primal: ProgramCost
    forward: ProgramCost
    reverse: ProgramCost
    programs: tuple[str, ...] = ("primal", "forward (jvp)", "reverse (grad)")

    def __str__(self) -> str:
        rows = list(zip(self.programs, (self.primal, self.forward, self.reverse), strict=True))
        shown = [k for k in KINDS if any(getattr(c, k) for _, p in rows
                                         for c in (p.once, *p.loops))]
        header = ["", *shown, "total", "× primal"]
        lines: list[list[str]] = []

        def add(label: str, counts: Counts, base: Counts | None) -> None:
            ratio = f"{counts.total / base.total:.1f}" if base and base.total else ""
            lines.append([label, *(str(getattr(counts, k)) for k in shown),
                          str(counts.total), ratio])

        primal_loops = sum(self.primal.loops, Counts())
        for label, p in rows:
            add(label, p.once, self.primal.once)
            if p.loops:
                add("  loop bodies, per iteration", sum(p.loops, Counts()), primal_loops)
            if len(p.loops) > 1:
                for i, body in enumerate(p.loops):
                    add(f"    loop {i + 1}", body, None)
        widths = [max(len(row[c]) for row in [header, *lines]) for c in range(len(header))]
        out = [f"operation counts of {self.name}"]
        for row in [header, *lines]:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
            out.append("  ".join(cells).rstrip())
        if self.primal.loops or self.reverse.loops:
            out.append("(code outside loops runs once; each loop body is counted once per "
                       "iteration)")
        return "\n".join(out)


@boundary
def cost(fun: Callable[..., Any], *args: Any, argnums: int | Sequence[int] = 0) -> Cost:
    """Operation counts of `fun` and of its JVP and gradient with respect to `argnums`,
    specialised for the example `args` (needed for array arguments; for numbers and
    lists any values do)."""
    from symdiff.runtime.pipeline import derivative_program

    fun = for_count(fun, len(args))
    check_transformable(fun)
    user, inner = unwrap(fun)
    nums = normalize_argnums(user, argnums)
    sig = signature_of(tuple(args))
    programs = []
    for kind in ("primal", "jvp", "grad"):
        spec = with_types(Spec(kind, None if kind == "primal" else nums, inner=inner), sig)
        programs.append(program_cost(derivative_program(user, spec)))
    primal, forward, reverse = programs
    return Cost(getattr(user, "__name__", "function"), primal, forward, reverse)


def program_cost(program: Program) -> ProgramCost:
    """The counts of one program."""
    loops: list[Counts] = []
    once = _count(program, loops)
    return ProgramCost(once, tuple(loops))


def _count(program: Program, loops: list[Counts]) -> Counts:
    """Counts of `program` outside loops; its loops' bodies are appended to `loops`."""
    from symdiff.ir.node import LEAVES, Op, topological
    from symdiff.ir.regions import arms

    # Bookkeeping that is not computation: leaves and reading a region's outputs (and
    # the primitives whose record says so: checking a length).
    free = LEAVES | {Op.PROJ}
    tally = dict.fromkeys(KINDS, 0)
    total = Counts()
    # Effects first: a forward loop kept only for its errors is listed before the backward one.
    for node in topological([*program.effects, *program.outputs]):
        if node.op in free or node.prim is not None and node.prim.cost == "free":
            continue
        if node.op == Op.COND:
            # The path to each branch runs the tests before it (the last, every test).
            tested, tested_loops = Counts(), list[Counts]()
            region = arms(node)
            paths = []
            for k, body in enumerate(region.branches):
                found: list[Counts] = []
                paths.append((tested + _count(body, found), [*tested_loops, *found]))
                if k < len(region.tests):
                    tested = tested + _count(region.tests[k], tested_loops)
            counts, inner = max(paths, key=lambda path: path[0].total)
            total = total + counts
            loops.extend(inner)
            continue
        if node.op == Op.LOOP:
            loop = node.attrs[0]
            slot = len(loops)
            loops.append(Counts())
            per_trip = _count(loop.body, loops)
            if loop.test is not None:
                per_trip = per_trip + _count(loop.test, loops)
            loops[slot] = per_trip
            continue
        tally[_kind(node)] += 1
    return total + Counts(**tally)


def _kind(node: Any) -> str:
    """The kind its record gives (`Primitive.cost`), else by whether it touches arrays."""
    if node.prim.cost is not None:
        return node.prim.cost  # type: ignore[no-any-return]
    if node.type is not None or any(a.type is not None for a in node.args):
        return "array"
    return "other"
