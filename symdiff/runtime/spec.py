"""Transform specifications: which derivative of a function to build.

Contract: a `Spec` is hashable (a cache key in memory) and has a stable text form
(part of the disk cache key); `Spec.program(primal)` builds the derivative `Program`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from symdiff.ir.node import Program


@dataclass(frozen=True)
class Spec:
    """A transform and its options; hashable, with a stable text form for cache keys."""

    kind: str  # "grad", "value_and_grad", "jvp", "vjp", "primal"
    argnums: int | tuple[int, ...] | None = None

    def program(self, primal: Program) -> Program:
        from symdiff.transforms.programs import grad_program, jvp_program, vjp_program

        if self.kind in ("grad", "value_and_grad"):
            assert self.argnums is not None
            return grad_program(primal, self.argnums, with_value=self.kind == "value_and_grad")
        if self.kind == "jvp":
            return jvp_program(primal, self.argnums)
        if self.kind == "vjp":
            return vjp_program(primal)
        if self.kind == "primal":
            return primal
        raise ValueError(f"unknown transform {self.kind!r}")

    def key(self) -> str:
        return f"{self.kind}:{self.argnums!r}"
