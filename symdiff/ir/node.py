"""Expression DAG: immutable, interned nodes, programs over them, and what a builder is.

Contract:
- A `Node` is an operation name, a tuple of argument nodes and a tuple of static
  attributes, and for an application of a primitive, its record (`prim`, a
  `Primitive` of the table; None for a leaf, a region or a projection). Nodes are
  immutable and compared by identity; an `ir.builder.Builder` makes them, interned.
- `NodeBuilder` is what a builder offers the modules below the table: the rules of the
  primitives, regions and rewrites build IR through it without importing the builder
  (which imports the table, which imports them).
- A `Program` is a function over the DAG: ordered parameter nodes, a (possibly
  nested) tuple structure of result nodes, and the operations that must run for
  their errors even when no result needs their value (`effects`). A derivative
  transform's result also says what it made (`Derived`), until it is simplified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Protocol

Number = bool | int | float


class Op:
    """The names of the node kinds that apply no primitive (`Node.prim` is None). Code
    tests a node's kind by these names (``node.op == Op.COND``), and a primitive's
    node by its record (``node.prim is NEG``), never by a string literal."""

    __slots__ = ()
    CONST: Final = "const"
    PARAM: Final = "param"
    GLOBAL: Final = "global"
    # A parameter of a region's sub-program (a branch or loop body).
    ARG: Final = "arg"
    # One result of a region.
    PROJ: Final = "proj"
    COND: Final = "cond"
    LOOP: Final = "loop"


# Operations without arguments: values that come from outside the computation.
LEAVES = frozenset({Op.CONST, Op.PARAM, Op.GLOBAL, Op.ARG})

# The kinds of values: a number, or a Python list of numbers; a parameter may also be a
# number known to be an int (an int argument that is not differentiated): a length.
NUM = "num"
SEQ = "seq"
INT = "int"


@dataclass(frozen=True)
class Item:
    """A subscript in the path of a ``global`` node: ``("W", Item("b"))`` reads
    ``W["b"]`` (the other parts of a path are attribute names)."""

    key: str | int

    def __str__(self) -> str:
        return f"[{self.key!r}]"


def global_name(path: tuple[str | Item, ...]) -> str:
    """A global's path as Python reads it: ``config.K``, ``W['b']``, ``Ws[0]``."""
    return "".join(str(p) if isinstance(p, Item) or i == 0 else f".{p}"
                   for i, p in enumerate(path))


class Node:
    """One operation in the DAG; create nodes through a `Builder` only."""

    __slots__ = ("op", "args", "attrs", "serial", "prim", "type", "__weakref__")

    def __init__(self, op: str, args: tuple[Node, ...], attrs: tuple[Any, ...], serial: int,
                 prim: Any = None):
        self.op = op
        self.args = args
        self.attrs = attrs
        self.serial = serial
        # The `ir.primitive.Primitive` it applies (None for a leaf, region or projection).
        self.prim = prim
        # None for a number, else an `ir.types.ArrayType` (set by the builder).
        self.type: Any = None

    @property
    def value(self) -> Number:
        """The constant's value (only for ``const`` nodes)."""
        assert self.op == Op.CONST
        return self.attrs[0]

    @property
    def is_const(self) -> bool:
        return self.op == Op.CONST

    def __repr__(self) -> str:
        if self.op == Op.CONST:
            return f"const({self.attrs[0]!r})"
        if self.op == Op.PARAM:
            return f"{self.op}({'.'.join(map(str, self.attrs))})"
        if self.op == Op.GLOBAL:
            return f"{self.op}({global_name(self.attrs)})"
        inner = ", ".join(f"%{a.serial}" for a in self.args)
        extra = "".join(f", {a!r}" for a in self.attrs)
        return f"%{self.serial} = {self.op}({inner}{extra})"


class NodeBuilder(Protocol):
    """What `ir.builder.Builder` offers the rules of the primitives and the other modules
    below the table: nodes made through it are interned, and folded when constant."""

    names: dict[Node, str]

    def apply(self, op: str, *args: Node | Number, attrs: tuple[Any, ...] = ()) -> Node:
        """The node of primitive `op` applied to `args`."""
        ...

    def new(self, op: str, *args: Node | Number, attrs: tuple[Any, ...] = ()) -> Node:
        """A new array made by primitive `op`, never merged with another."""
        ...

    def structural(self, op: str, args: tuple[Node, ...], attrs: tuple[Any, ...]) -> Node:
        """A region or projection node."""
        ...

    def const(self, value: Number) -> Node: ...

    def param(self, name: str, kind: Any = ...) -> Node: ...

    def arg(self, hint: str, kind: Any = ...) -> Node: ...

    def global_(self, path: tuple[Any, ...], type_: Any = None) -> Node: ...

    def lift(self, x: Node | Number) -> Node: ...

    def fresh(self) -> int: ...

    def name(self, node: Node, hint: str) -> None: ...

    def sub_builder(self) -> NodeBuilder:
        """A new, empty builder for a sub-program (a branch, a loop body)."""
        ...

    def add(self, x: Node | Number, y: Node | Number) -> Node: ...

    def sub(self, x: Node | Number, y: Node | Number) -> Node: ...

    def mul(self, x: Node | Number, y: Node | Number) -> Node: ...

    def div(self, x: Node | Number, y: Node | Number) -> Node: ...

    def safe_div(self, x: Node | Number, y: Node | Number) -> Node: ...

    def neg(self, x: Node | Number) -> Node: ...

    def pow(self, x: Node | Number, y: Node | Number) -> Node: ...

    def square(self, x: Node | Number) -> Node: ...

    def select(self, cond: Node, x: Node | Number, y: Node | Number) -> Node: ...

    def __getattr__(self, op: str) -> Any:
        """``b.sin(x)``: any primitive by name."""
        ...




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


class Derived:
    """What a derivative transform made, for the simplifier (`transforms.simplify`):
    the nodes created from serial `start` on may have their constant factors gathered,
    except those reachable from `exact` (the user's values and effects as the derivative
    computes them, which stay as written); `names` name the simplified value of each
    node, over any name it has. (A plain class, like `Node`: cheaper to make at import
    than a dataclass.)"""

    __slots__ = ("start", "exact", "names")

    def __init__(self, start: int, exact: tuple[Node, ...] = (),
                 names: tuple[tuple[Node, str], ...] = ()) -> None:
        self.start, self.exact, self.names = start, exact, names


@dataclass(frozen=True)
class Program:
    """A function over the DAG: parameters in order and a nested tuple of results."""

    name: str
    params: tuple[Node, ...]
    result: Structure
    builder: NodeBuilder
    doc: str = ""
    # Operations of the user's code that can raise: every program derived from it
    # evaluates them, so that it raises where the user's function would.
    effects: tuple[Node, ...] = ()
    # Set on a derivative transform's result until it is simplified (see `Derived`).
    derived: Derived | None = None

    @property
    def outputs(self) -> tuple[Node, ...]:
        return tuple(flatten(self.result))

    def replace(self, **changes: Any) -> Program:
        if all(getattr(self, k) is v for k, v in changes.items()):
            return self
        fields = {
            f: getattr(self, f)
            for f in ("name", "params", "result", "builder", "doc", "effects", "derived")
        }
        fields.update(changes)
        return Program(**fields)


def topological(roots: tuple[Node, ...] | list[Node]) -> list[Node]:
    """Every node reachable from `roots`, arguments before users, in a deterministic order."""
    order: list[Node] = []
    seen: set[Node] = set()  # (nodes hash by identity)
    see, done = seen.add, order.append
    for root in roots:
        if root in seen:
            continue
        see(root)
        # The path from the root, with the arguments each node has still to visit.
        path, todo = [root], [iter(root.args)]
        while todo:
            for child in todo[-1]:
                if child not in seen:
                    see(child)
                    if not child.args:
                        done(child)  # (a leaf: finished as soon as it is reached)
                        continue
                    path.append(child)
                    todo.append(iter(child.args))
                    break
            else:
                todo.pop()
                done(path.pop())
    return order


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
        elif n.op in (Op.PARAM, Op.ARG):
            if n.attrs[1 if n.op == Op.PARAM else 2:] != (INT,):
                return False
        elif n.prim is not None and n.prim.keeps_int:
            stack.extend(n.args)
        elif n.prim is None or not n.prim.makes_int or n.type is not None:
            return False  # (np.floor of an array is a float array)
    return True
