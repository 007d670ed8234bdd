"""The gradient of a scalar function of numbers by forward mode, one JVP per argument.

Contract: `forward_gradient(primal, wrt)` returns, over the primal's builder, the
derivative of its single output along each parameter of `wrt` (numbers only; ``None``
for a symbolic zero), the primal values and effects as those derivatives compute them.
It serves ``grad`` of a derivative program whose loops pop a tape, which reverse mode
does not go through yet: forward mode does, and for a few number arguments it costs
about as much.
"""

from __future__ import annotations

from collections.abc import Sequence

from symdiff.ir.builder import builder_of
from symdiff.ir.node import Node, Program
from symdiff.transforms.ad import jvp_full


def takes_numbers(params: Sequence[Node]) -> bool:
    """Whether every parameter is a number (not a list or an array)."""
    return all(len(p.attrs) == 1 for p in params)


def forward_gradient(
    primal: Program, wrt: Sequence[Node]
) -> tuple[list[Node | None], Node, tuple[Node, ...]]:
    """(derivative along each of `wrt`, the output, the effects), by forward mode."""
    assert isinstance(primal.result, Node)
    b = builder_of(primal)
    roots = [primal.result, *primal.effects]
    derivatives: list[Node | None] = []
    first: dict[Node, Node] | None = None
    for x in wrt:
        new, tangent = jvp_full(b, roots, {x: b.const(1.0)})
        first = first or new
        derivatives.append(tangent.get(new[primal.result]))
    assert first is not None
    return derivatives, first[primal.result], tuple(first[e] for e in primal.effects)
