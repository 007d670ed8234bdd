"""Names in generated code: deterministic and meaningful.

Contract: a `Namer` hands out the identifiers of one generated function: a hint from
the builder (the user's variable name, or ``x_dot`` / ``x_bar`` for tangents and
adjoints) when free, the hint with ``_1``, ``_2``... when taken, and ``_t0``, ``_t1``...
in emission order for unnamed temporaries. Names reserved up front (the names the
code reads as globals, and those the emitters use: ``math``, ``abs``...) are never
handed out; a parameter that would shadow an emitter name or a builtin (emitters
call ``len``, ``range``, ``reversed``, ``zip``...) is renamed. The same program always
yields the same names.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterable

EMITTER_NAMES = frozenset({"math", "np", "scipy", "float", "abs", "min", "max", "pow"})


class Namer:
    """The identifiers of one generated function."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken = set(EMITTER_NAMES) | set(reserved)
        self.counter = 0

    def parameter(self, name: str) -> str:
        shadows = name in EMITTER_NAMES or hasattr(builtins, name)
        chosen = self.fresh(name) if shadows else name
        self.taken.add(chosen)
        return chosen

    def hinted(self, hint: str | None) -> str:
        """A fresh name from `hint`, or a temporary when there is none."""
        if hint is None:
            while f"_t{self.counter}" in self.taken:
                self.counter += 1
            name = f"_t{self.counter}"
            self.counter += 1
        else:
            name = self.fresh(hint)
        self.taken.add(name)
        return name

    def fresh(self, hint: str) -> str:
        if not hint.isidentifier():
            # A hidden variable of the lowering ("#total"): keep what reads as a name.
            kept = "".join(c for c in hint if c.isalnum() or c == "_").lstrip("0123456789")
            hint = kept or "_t"
        if hint not in self.taken and not keyword.iskeyword(hint) and not hasattr(builtins, hint):
            return hint
        i = 1
        while f"{hint}_{i}" in self.taken:
            i += 1
        return f"{hint}_{i}"
