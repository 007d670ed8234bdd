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
  nested) structure of result nodes (tuples, and dicts and lists as `Container`s), and
  the operations that must run for their errors even when no result needs their value
  (`effects`). Where the user's parameters are pytrees, `inputs` groups the parameter
  nodes into the generated function's parameters (`TreeInput`). A derivative
  transform's result also says what it made (`Derived`), until it is simplified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
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




@dataclass(frozen=True)
class Container:
    """A dict (`kind` ``"dict"``, its str `keys` in order) or a list (``"list"``) in a
    program's result or inputs; a tuple there is a Python tuple."""

    kind: str
    keys: tuple[str, ...]
    items: tuple[Any, ...]


# A program's result: nodes in nested tuples, dicts and lists. (`flatten`, `assemble` and
# `rebuild` also walk the same structures over other leaves: `TreeInput`'s positions.)
Structure = Node | tuple["Structure", ...] | Container


def _parts(item: Any) -> tuple[Any, ...] | None:
    """The items of a tuple or `Container`, or None for a leaf. (A Python list, which a
    called function may return while lowering, is walked as a tuple.)"""
    if item.__class__ is tuple or item.__class__ is list:
        return tuple(item)
    if item.__class__ is Container:
        return item.items  # type: ignore[no-any-return]
    return None


def flatten(structure: Any) -> Iterator[Any]:
    """The leaves of a structure of tuples and `Container`s, left to right."""
    stack: list[Any] = [structure]
    while stack:
        item = stack.pop()
        parts = _parts(item)
        if parts is None:
            yield item
        else:
            stack.extend(reversed(parts))


def assemble(structure: Any, leaf: Callable[[Any], Any],
             join: Callable[[Any, list[Any]], Any]) -> Any:
    """`structure` built bottom-up without recursion: each leaf as ``leaf(x)``, each
    tuple or `Container` as ``join(it, its built items)``."""
    built: list[Any] = []
    stack: list[tuple[Any, bool]] = [(structure, False)]
    while stack:
        item, done = stack.pop()
        parts = _parts(item)
        if parts is None:
            built.append(leaf(item))
        elif done:
            n = len(parts)
            made = built[len(built) - n:] if n else []
            del built[len(built) - n:]
            built.append(join(item, made))
        else:
            stack.append((item, True))
            stack.extend((p, False) for p in reversed(parts))
    return built[0]


def same_kind(like: Any, items: list[Any]) -> Any:
    """A tuple or `Container` like `like` holding `items`: `assemble`'s usual join."""
    if like.__class__ is tuple:
        return tuple(items)
    if like.__class__ is list:
        return items
    return Container(like.kind, like.keys, tuple(items))


def as_python(like: Any, items: list[Any]) -> Any:
    """A join for `assemble`: the tuple, dict or list a structure stands for."""
    if like.__class__ is Container:
        return dict(zip(like.keys, items, strict=True)) if like.kind == "dict" else items
    return tuple(items)


def written(like: Any, items: list[str]) -> str:
    """A join for `assemble`: a tuple, dict or list of the texts `items` as Python
    writes it."""
    if like.__class__ is Container and like.kind == "dict":
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(like.keys, items,
                                                             strict=True)) + "}"
    if like.__class__ is Container:
        return "[" + ", ".join(items) + "]"
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def refill(structure: Any, leaves: Iterable[Any]) -> Any:
    """`structure` with its leaves, in order, replaced by `leaves`."""
    it = iter(leaves)
    return assemble(structure, lambda _: next(it), same_kind)


def rebuild(structure: Structure, mapping: dict[Node, Node]) -> Structure:
    """The same structure with every node replaced through `mapping`."""
    return assemble(structure, lambda n: mapping.get(n, n), same_kind)  # type: ignore


@dataclass(frozen=True)
class TreeInput:
    """A parameter of the generated function that is a pytree (dicts, tuples, lists) of
    the program's parameters: its `name`, and `tree`, the structure of their positions
    in `Program.params`."""

    name: str
    tree: Any


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
    """A function over the DAG: parameters in order and a nested structure of results."""

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
    # The generated function's parameters, when some are pytrees: per parameter, the
    # position of one of `params`, or a `TreeInput` of several. None: `params` as they are.
    inputs: tuple[int | TreeInput, ...] | None = None

    @property
    def outputs(self) -> tuple[Node, ...]:
        return tuple(flatten(self.result))

    def replace(self, **changes: Any) -> Program:
        if all(getattr(self, k) is v for k, v in changes.items()):
            return self
        fields = {
            f: getattr(self, f)
            for f in ("name", "params", "result", "builder", "doc", "effects", "derived",
                      "inputs")
        }
        fields.update(changes)
        return Program(**fields)


def topological(roots: Sequence[Node]) -> list[Node]:
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
        elif n.op == Op.PROJ and n.args[0].op == Op.COND:
            # A branch's output: an int whichever branch ran (inside, a value from
            # outside that is an int is a parameter of kind INT).
            i = n.attrs[0]
            stack.extend(arm.outputs[i] for arm in n.args[0].attrs[0].branches)
        elif n.prim is None or not n.prim.makes_int or n.type is not None:
            return False  # (np.floor of an array is a float array)
    return True
