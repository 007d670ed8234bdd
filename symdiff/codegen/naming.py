"""Names in generated code: deterministic and meaningful.

Contract: `assign_names(schedule, reserved)` gives every assigned node a Python
identifier: its hint from the builder (the user's variable name, or ``x_dot`` /
``x_bar`` for tangents and adjoints) when free, the hint with ``_1``, ``_2``... when
taken, and ``_t0``, ``_t1``... in schedule order for unnamed temporaries. Parameters
keep their names unless one would shadow a name the emitters use (``math``, ``abs``...).
Names the code reads as globals and names the emitters use are never reused.
The same schedule always yields the same names.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterable

from symdiff.codegen.schedule import Schedule
from symdiff.ir.node import Node

EMITTER_NAMES = frozenset({"math", "float", "abs", "min", "max", "pow"})


def assign_names(sched: Schedule, reserved: Iterable[str] = ()) -> dict[Node, str]:
    """Map each parameter and assigned node of `sched` to its identifier."""
    program = sched.program
    taken = set(EMITTER_NAMES) | set(reserved)
    for node in (*sched.order, *program.outputs):
        for leaf in (node, *node.args):
            if leaf.op == "global":
                taken.add(leaf.attrs[0])
    names: dict[Node, str] = {}
    for p in program.params:
        # A parameter may not shadow a name the generated code calls (math, abs, ...).
        names[p] = _fresh(p.attrs[0], taken) if p.attrs[0] in EMITTER_NAMES else p.attrs[0]
        taken.add(names[p])
    hints = program.builder.names
    counter = 0
    for node in sched.order:
        if node not in sched.assigned:
            continue
        hint = hints.get(node)
        if hint is not None:
            names[node] = _fresh(hint, taken)
        else:
            while f"_t{counter}" in taken:
                counter += 1
            names[node] = f"_t{counter}"
            counter += 1
        taken.add(names[node])
    return names


def _fresh(hint: str, taken: set[str]) -> str:
    if hint not in taken and not keyword.iskeyword(hint) and not hasattr(builtins, hint):
        return hint
    i = 1
    while f"{hint}_{i}" in taken:
        i += 1
    return f"{hint}_{i}"
