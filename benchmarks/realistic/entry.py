"""One function of the realistic corpus: what to call, at which point, what to
differentiate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entry:
    """A practitioner's function and how the corpus differentiates it.

    `args` are passed positionally and `kwargs` by keyword (options such as a mode
    string, never differentiated); `argnums` picks the differentiated arguments.
    `exact`, where given, is the derivative in closed form, checked beside central
    differences: the gradient (as ``grad`` returns it) of a function with a number
    for output, the Jacobian (as ``jacfwd`` returns it) of one with an array.
    """

    name: str
    category: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    argnums: int | tuple[int, ...] = 0
    kwargs: dict[str, Any] = field(default_factory=dict)
    has_aux: bool = False
    exact: Callable[..., Any] | None = None

    @property
    def differentiated(self) -> tuple[int, ...]:
        return (self.argnums,) if isinstance(self.argnums, int) else self.argnums
