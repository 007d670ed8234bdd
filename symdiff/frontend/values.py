"""What a value is while a function body is lowered.

Contract: a name of the function being lowered holds a `Value`: a node (a number, an
array when its `type` is an `ir.types.ArrayType`, a sequence node of kind ``SEQ``), a
free name's meaning (`resolve.Resolved`: a module, a known callable, a function whose
call is inlined), a tuple of values (`Named` when NumPy names its items), a list
being built (a Python list of nodes), a dict with string keys (`Keywords`), a string
known while compiling (`Text`), a ``slice(...)`` (`Slice`), a symdiff transform of a
function (`Transform`), an object the function made (`Instance`) or `NONE` (the
literal, or an optional argument given as None: ``x is None`` is then known). A
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



class Instance:
    """An object of a user's class made by the function being lowered: its class (as
    the code reached it) and the values of its attributes, which live in `builder`
    (`frontend.instances`). It has an identity, as a Python object does: every name
    that holds it sees a change to it. A branch or loop body reads an object of an
    enclosing frame through a view (`outer` the object it shows, `frame` the body's
    frame), which captures each attribute as it is read and cannot be changed."""

    def __init__(self, cls: Resolved, builder: Any, outer: Instance | None = None,
                 frame: Any = None) -> None:
        self.cls = cls
        self.builder = builder
        self.attrs: dict[str, Any] = {}
        self.outer = outer
        self.frame = frame

    @property
    def klass(self) -> type:
        """The Python class of the object."""
        return self.cls.value  # type: ignore[no-any-return]

    def view(self, frame: Any) -> Instance:
        """This object as the branch or loop body of `frame` reads it."""
        return Instance(self.cls, frame.b, self, frame)

    def origin(self) -> Instance:
        """The object itself, past any views of it."""
        found = self
        while found.outer is not None:
            found = found.outer
        return found



# A number or sequence node, a free name's meaning, a tuple, a list being built, a dict,
# a string, None, a slice, a transform, a frozen distribution, an object.
Value = Node | Resolved | Keywords | Text | Nothing | Slice | Transform | Frozen | Instance | tuple[
    "Value", ...] | list["Value"]


class Named(tuple):
    """A tuple whose items also have names, as NumPy's result tuples (``EighResult``,
    ``SVDResult``...) do: ``r.eigenvalues`` is ``r[0]``. Everywhere else it is a tuple."""

    names: tuple[str, ...]

    def __new__(cls, items: Any, names: tuple[str, ...]) -> Named:
        made = super().__new__(cls, items)
        made.names = names
        return made

    def field(self, name: str) -> Any:
        """The item called `name`, or None when no item is."""
        return self[self.names.index(name)] if name in self.names else None


def rebuilt(like: tuple[Any, ...], items: Any) -> tuple[Any, ...]:
    """A tuple of `items` in place of the tuple `like`, with its field names if it has
    them."""
    return Named(items, like.names) if isinstance(like, Named) else tuple(items)


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
