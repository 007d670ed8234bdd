"""Transform specifications: which derivative of a function to build.

Contract: a `Spec` is hashable (a cache key in memory) and has a stable text form
(part of the disk cache key); the pipeline (`runtime.pipeline`) builds its derivative
program. A spec with an `inner` spec is a transform of a transform
(``grad(grad(f))``): the inner transform is applied to the primal program first, then
this one to its result; both the hash and the text form cover the whole chain. `types`
describe the user's function's parameters and are kept on the outermost spec only.
`has_aux` says the transformed function returns ``(output, aux)`` (see
`transforms.programs` for where each transform puts `aux`); `static` lists the
argument positions declared static, whose values the code is compiled for. `backend`
says what runs the code: ``"python"``, or ``"numba"`` (`runtime.native`); it shapes the
text, so it is part of the key (of the outermost spec; inner ones keep the default).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import Any

# The type of an int argument that is not differentiated (and stays an int: it may be a
# length); it lowers to a parameter of kind `ir.node.INT`.
INT = "int"


@dataclass(frozen=True)
class Spec:
    """A transform and its options; hashable, with a stable text form for cache keys."""

    kind: str  # "grad", "value_and_grad", "jvp", "jvp_batched", "vjp", "vjp_batched",
    # "hessian", "jacobian", "primal"
    argnums: int | tuple[int, ...] | None = None
    # Per parameter, the `ir.types.ArrayType` of an array argument, an `ir.types.FunctionArg`
    # for a function, `INT` for an int, the `host.data` layout of a pytree, None for a
    # float or list; None when every argument is a float or list (the code is then the
    # same for all).
    types: tuple[Any, ...] | None = None
    inner: Spec | None = None  # the transform applied first, for a derivative of one
    # The function returns ``(output, aux)``: only `output` is differentiated, and `aux`
    # is returned beside the derivative (JAX's ``has_aux``).
    has_aux: bool = False
    # The argument positions declared static (``static_argnums``): compiled in by value,
    # as `ir.types.StaticArg` types.
    static: tuple[int, ...] = ()
    backend: str = "python"  # "python" or "numba"

    def key(self) -> str:
        text = f"{self.kind}:{self.argnums!r}"
        if self.static:
            text += f":static{self.static!r}"
        if self.types is not None:
            text += ":" + ",".join("-" if t is None else str(t) for t in self.types)
        if self.has_aux:
            text += ":aux"
        if self.backend != "python":
            text += f":{self.backend}"
        if self.inner is not None:
            text += " of " + self.inner.key()
        return text

    def label(self) -> str:
        """The transforms of the chain, outermost first: ``"grad of grad"``."""
        return " of ".join(s.kind for s in self.chain())

    def chain(self) -> tuple[Spec, ...]:
        """This spec and its inner specs, outermost first."""
        return (self,) if self.inner is None else (self, *self.inner.chain())


def with_types(spec: Spec, signature: tuple[Any, ...]) -> Spec:
    """`spec` specialised for a call signature (a type per argument, an `ArrayType` for
    an array, a `FunctionArg` for a function): the same spec when every argument is a
    float or list."""
    types = tuple((INT if _is_int_type(t) else None) if isinstance(t, type) else t
                  for t in signature)
    return replace(spec, types=types) if any(t is not None for t in types) else spec


def _is_int_type(t: type) -> bool:
    # An int argument the dispatcher passes on as it is (a differentiated one becomes a
    # float first); NumPy's integer scalars are Integral too.
    return issubclass(t, numbers.Integral) and t is not bool
