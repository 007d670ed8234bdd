"""Expression DAG: immutable, interned nodes and the builder that makes them.

Contract:
- A `Node` is an operation name, a tuple of argument nodes and a tuple of static
  attributes. Nodes are immutable and compared by identity.
- A `Builder` owns an intern table: asking it twice for the same (op, args, attrs)
  returns the same object, so equal subexpressions are one node (CSE by construction).
  The table is scoped to the builder, never to the process. A new array (`Builder.new`)
  is the exception: its last attribute is a number unique in the builder, given in
  order of creation, so two arrays made alike stay two values.
- The builder folds operations whose arguments are all constants when the
  primitive's Python implementation succeeds; an operation that would raise is kept,
  so the generated code raises exactly where the user's code would.
- A `Program` is a function over the DAG: ordered parameter nodes, a (possibly
  nested) tuple structure of result nodes, and the operations that must run for
  their errors even when no result needs their value (`effects`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Number = bool | int | float

# Operations without arguments: values that come from outside the computation.
# "arg" is a parameter of a region's sub-program (a branch or loop body).
LEAVES = frozenset({"const", "param", "global", "arg"})

# The kinds of values: a number, or a Python list of numbers; a parameter may also be a
# number known to be an int (an int argument that is not differentiated): a length.
NUM = "num"
SEQ = "seq"
INT = "int"

# Operations that make an array from numbers alone (``np.zeros(3)``): typed (see
# `ir.types.infer`) even when no argument is an array. Array modules add theirs.
CONSTRUCTORS: set[str] = set()


class Node:
    """One operation in the DAG; create nodes through a `Builder` only."""

    __slots__ = ("op", "args", "attrs", "serial", "type", "__weakref__")

    def __init__(self, op: str, args: tuple[Node, ...], attrs: tuple[Any, ...], serial: int):
        self.op = op
        self.args = args
        self.attrs = attrs
        self.serial = serial
        # None for a number, else an `ir.types.ArrayType` (set by the builder).
        self.type: Any = None

    @property
    def value(self) -> Number:
        """The constant's value (only for ``const`` nodes)."""
        assert self.op == "const"
        return self.attrs[0]

    @property
    def is_const(self) -> bool:
        return self.op == "const"

    def __repr__(self) -> str:
        if self.op == "const":
            return f"const({self.attrs[0]!r})"
        if self.op in ("param", "global"):
            return f"{self.op}({'.'.join(map(str, self.attrs))})"
        inner = ", ".join(f"%{a.serial}" for a in self.args)
        extra = "".join(f", {a!r}" for a in self.attrs)
        return f"%{self.serial} = {self.op}({inner}{extra})"


def _const_key(value: Number) -> tuple[Any, ...]:
    # 0.0 and -0.0, 1 and 1.0 and True are distinct constants; every NaN is one constant.
    if isinstance(value, float):
        return ("float", value.hex() if not math.isnan(value) else "nan")
    return (type(value).__name__, value)


class Builder:
    """Creates interned nodes; the one way new IR comes into being."""

    def __init__(self) -> None:
        self._table: dict[tuple[Any, ...], Node] = {}
        self.names: dict[Node, str] = {}
        self._args = 0

    def __len__(self) -> int:
        return len(self._table)

    def nodes(self) -> list[Node]:
        """Every node made so far, in creation order."""
        return list(self._table.values())

    def _intern(self, op: str, args: tuple[Node, ...], attrs: tuple[Any, ...], key: Any) -> Node:
        full_key = (op, args, key)
        node = self._table.get(full_key)
        if node is None:
            node = Node(op, args, attrs, len(self._table))
            if op != "const" and (op in ("param", "arg", "proj") or op in CONSTRUCTORS or any(
                    a.type is not None for a in args)):
                from symdiff.ir.types import infer

                node.type = infer(node)
            self._table[full_key] = node
        return node

    def const(self, value: Number) -> Node:
        if not isinstance(value, (int, float)):
            raise TypeError(f"constant must be a bool, int or float, got {type(value).__name__}")
        if type(value) not in (bool, int, float):
            # numpy.float64 and friends: generated code must print a plain literal.
            value = float(value) if isinstance(value, float) else int(value)
        return self._intern("const", (), (value,), _const_key(value))

    def param(self, name: str, kind: Any = NUM) -> Node:
        """A parameter of the program: a number, an int (``INT``), a sequence of numbers
        (``SEQ``), or an array (its `ir.types.ArrayType`)."""
        attrs = (name,) if kind == NUM else (name, kind)
        return self._intern("param", (), attrs, attrs)

    def arg(self, hint: str, kind: Any = NUM) -> Node:
        """A fresh parameter of a region's sub-program; never equal to another."""
        attrs = (hint, self.fresh()) if kind == NUM else (hint, self.fresh(), kind)
        return self._intern("arg", (), attrs, attrs)

    def fresh(self) -> int:
        """A number this builder never returns again (for nodes that must stay distinct)."""
        self._args += 1
        return self._args

    def new(self, op: str, *args: Node | Number, attrs: tuple[Any, ...] = ()) -> Node:
        """A new array made by primitive `op` (``np.zeros``, ``x.copy()``): its attributes
        end with a `fresh` number, so it is never merged with another array made alike
        (either may be written into apart), and a rebuilt copy stays one node."""
        return self.apply(op, *args, attrs=(*attrs, self.fresh()))

    def structural(self, op: str, args: tuple[Node, ...], attrs: tuple[Any, ...]) -> Node:
        """An interned node of a structural operation (a region or a projection)."""
        return self._intern(op, args, attrs, attrs)

    def global_(self, path: tuple[str, ...]) -> Node:
        """A module-level or closure value read when the generated code runs."""
        return self._intern("global", (), path, path)

    def lift(self, x: Node | Number) -> Node:
        return x if isinstance(x, Node) else self.const(x)

    def apply(self, op: str, *args: Node | Number, attrs: tuple[Any, ...] = ()) -> Node:
        """The node for primitive `op` applied to `args`, folded when all are constants."""
        prim = _primitives()[op]
        nodes = tuple(self.lift(a) for a in args)
        if prim.arity is not None and len(nodes) != prim.arity:
            raise TypeError(f"primitive {op!r} takes {prim.arity} arguments, got {len(nodes)}")
        if prim.impl is not None and all(a.op == "const" for a in nodes):
            folded = _fold(prim.impl, [a.attrs[0] for a in nodes])
            if folded is not None:
                return self.const(folded)
        if prim.commutative:
            swapped = self._table.get((op, nodes[::-1], attrs))
            if swapped is not None:
                return swapped
        return self._intern(op, nodes, attrs, attrs)

    def name(self, node: Node, hint: str) -> None:
        """Suggest a name for `node` in generated code; the first suggestion wins."""
        if node.op not in LEAVES:
            self.names.setdefault(node, hint)

    # Spelled-out helpers for the operations rules use most.
    def add(self, x: Node | Number, y: Node | Number) -> Node:
        return self.apply("add", x, y)

    def sub(self, x: Node | Number, y: Node | Number) -> Node:
        return self.apply("sub", x, y)

    def mul(self, x: Node | Number, y: Node | Number) -> Node:
        return self.apply("mul", x, y)

    def div(self, x: Node | Number, y: Node | Number) -> Node:
        return self.apply("div", x, y)

    def safe_div(self, x: Node | Number, y: Node | Number) -> Node:
        """x / y with IEEE results (inf, nan) where y == 0 instead of an exception."""
        return self.apply("safe_div", x, y)

    def neg(self, x: Node | Number) -> Node:
        return self.apply("neg", x)

    def pow(self, x: Node | Number, y: Node | Number) -> Node:
        return self.apply("pow", x, y)

    def square(self, x: Node | Number) -> Node:
        # x * x, not x ** 2: a float power goes through libm pow, several times slower.
        return self.apply("mul", x, x)

    def select(self, cond: Node, x: Node | Number, y: Node | Number) -> Node:
        return self.apply("select", cond, x, y)

    def __getattr__(self, op: str) -> Any:
        # b.sin(x), b.exp(x), ...: any primitive by name.
        if op in _primitives():
            return lambda *args, attrs=(): self.apply(op, *args, attrs=attrs)
        raise AttributeError(op)


def _primitives() -> dict[str, Any]:
    # Imported on first use: the table's rules are written with this module's Builder.
    global _PRIMITIVES
    if _PRIMITIVES is None:
        from symdiff.ir.primitives import PRIMITIVES

        _PRIMITIVES = PRIMITIVES
    return _PRIMITIVES


_PRIMITIVES: dict[str, Any] | None = None


def _fold(impl: Any, values: list[Number]) -> Number | None:
    try:
        result = impl(*values)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not isinstance(result, (int, float)):
        return None
    return result


Structure = Node | tuple["Structure", ...]


def flatten(structure: Structure) -> Iterator[Node]:
    """The nodes of a nested tuple structure, left to right."""
    stack: list[Structure] = [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            yield item
        else:
            stack.extend(reversed(item))


def rebuild(structure: Structure, mapping: dict[Node, Node]) -> Structure:
    """The same nested structure with every node replaced through `mapping`."""
    if isinstance(structure, Node):
        return mapping.get(structure, structure)
    return tuple(rebuild(s, mapping) for s in structure)


@dataclass(frozen=True)
class Program:
    """A function over the DAG: parameters in order and a nested tuple of results."""

    name: str
    params: tuple[Node, ...]
    result: Structure
    builder: Builder
    doc: str = ""
    # Operations of the user's code that can raise: every program derived from it
    # evaluates them, so that it raises where the user's function would.
    effects: tuple[Node, ...] = ()

    @property
    def outputs(self) -> tuple[Node, ...]:
        return tuple(flatten(self.result))

    def replace(self, **changes: Any) -> Program:
        if all(getattr(self, k) is v for k, v in changes.items()):
            return self
        fields = {
            f: getattr(self, f) for f in ("name", "params", "result", "builder", "doc", "effects")
        }
        fields.update(changes)
        return Program(**fields)


def topological(roots: tuple[Node, ...] | list[Node]) -> list[Node]:
    """Every node reachable from `roots`, arguments before users, in a deterministic order."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        stack: list[tuple[Node, int]] = [(root, 0)]
        seen.add(id(root))
        while stack:
            node, i = stack[-1]
            if i < len(node.args):
                stack[-1] = (node, i + 1)
                child = node.args[i]
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, 0))
            else:
                stack.pop()
                order.append(node)
    return order


# Operations whose value is an int when their arguments are ints.
INT_OPS = frozenset({"add", "sub", "mul", "floordiv", "mod", "neg", "max", "min", "abs"})


def is_int(node: Node) -> bool:
    """Whether `node` is known to be an int (a constant, a length, an int argument, or
    ints combined)."""
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n.is_const:
            if not isinstance(n.value, int):
                return False
        elif n.op in ("param", "arg"):
            if n.attrs[1 if n.op == "param" else 2:] != (INT,):
                return False
        elif n.op in INT_OPS:
            stack.extend(n.args)
        elif n.op not in ("size", "seq_len"):
            return False
    return True
