"""What a value is while a function body is lowered.

Contract: a name of the function being lowered holds a `Value`: a node (a number, an
array when its `type` is an `ir.types.ArrayType`, a sequence node of kind ``SEQ``), a
free name's meaning (`resolve.Resolved`: a module, a known callable, a function whose
call is inlined), a tuple of values, a list being built (a Python list of nodes), a
dict with string keys (`Keywords`), a string known while compiling (`Text`), a
``slice(...)`` (`Slice`), a symdiff transform of a function (`Transform`) or `NONE`
(the literal, or an optional argument given as None: ``x is None`` is then known). A
name that has a value on some paths only holds `MaybeUnbound` instead, and reading it
is a located error. The predicates here tell these apart; they read nothing but the
value.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from symdiff.frontend.callees import is_user_function
from symdiff.frontend.resolve import Resolved
from symdiff.ir.node import Node
from symdiff.ir.sequences import is_seq


@dataclass(frozen=True)
class Keywords:
    """A dict with string keys made by the function being lowered, or read from outside
    it (`outside` then names it: changing it in place would change the user's dict)."""

    items: tuple[tuple[str, Any], ...]
    outside: str = ""

    def get(self, key: str) -> Any:
        """The value at `key`, or None."""
        for k, v in self.items:
            if k == key:
                return v
        return None

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return [k for k, _ in self.items]

    def map(self, fn: Callable[[str, Any], Any]) -> Keywords:
        """The dict with each value replaced by ``fn(key, value)``."""
        return Keywords(tuple((k, fn(k, v)) for k, v in self.items), self.outside)


@dataclass(frozen=True)
class Text:
    """A string, known while compiling: a literal, or a str argument the code is
    specialised on (a mode). Comparing it gives a constant."""

    value: str
    origin: str = field(default="", compare=False)  # the global it was read from


@dataclass(frozen=True)
class Nothing:
    """``None``: the literal (`where`), or an optional argument given as None or left to
    a None default (`origin` names it; the code is specialised on it, so ``x is None`` is
    a constant). All are equal."""

    origin: str = field(default="", compare=False)
    where: ast.AST | None = field(default=None, compare=False)

@dataclass(frozen=True)
class Slice:
    """``slice(start, stop, step)``: its bounds, None where not given."""

    start: Node | None
    stop: Node | None
    step: Node | None

    def bounds(self) -> tuple[Node | None, Node | None, Node | None]:
        return self.start, self.stop, self.step


@dataclass(frozen=True)
class Transform:
    """A symdiff transform of a function, made inside the function being lowered
    (``grad(f, argnums=1)``): calling it lowers the derivative (`frontend.nested`).
    `fn` is a function value or another `Transform`."""

    kind: str
    argnums: int | tuple[int, ...]
    fn: Any


@dataclass(frozen=True)
class Frozen:
    """A ``scipy.stats`` distribution called with its parameters inside the function
    (``norm(loc, scale)``): its methods take the point alone (`frontend.scipy_stats`).
    `values`: the parameters given, lowered, by name."""

    distribution: str
    values: tuple[tuple[str, Any], ...]


# A number or sequence node, a free name's meaning, a tuple, a list being built, a dict,
# a string, None, a slice, a transform, a frozen distribution.
Value = Node | Resolved | Keywords | Text | Nothing | Slice | Transform | Frozen | tuple[
    "Value", ...] | list["Value"]


class MaybeUnbound:
    """A name that has a value on some paths only (assigned in one branch of an if, or
    inside a loop that may run zero times), with no value before."""

    def __init__(self, name: str, where: ast.AST, why: str | None = None) -> None:
        self.name = name
        self.where = where
        line = getattr(where, "lineno", "?")
        self.why = why or f"the if statement at line {line} assigns it in one branch only"


def is_array(value: Any) -> TypeGuard[Node]:
    """Whether `value` is an array: a node with an array type."""
    return isinstance(value, Node) and value.type is not None


def is_sequence(value: Any) -> bool:
    """Whether `value` is a list: one being built, or a sequence node."""
    return isinstance(value, list) or (isinstance(value, Node) and is_seq(value))


def is_dict(value: Any) -> TypeGuard[Keywords]:
    """Whether `value` is a dict the function made."""
    return isinstance(value, Keywords)


def is_function(value: Any) -> bool:
    """Whether `value` is a function a call can inline or a primitive."""
    return isinstance(value, Resolved) and (
        value.kind in ("local", "callable", "method") or (value.kind == "other"
                                                and is_user_function(value.value)))


def is_inlined(value: Any) -> bool:
    """Whether a call of `value` is lowered by inlining its body (not a primitive)."""
    return is_function(value) and value.kind != "callable"
