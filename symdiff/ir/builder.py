"""The builder: the one way new IR comes into being.

Contract:
- A `Builder` owns an intern table: asking it twice for the same (op, args, attrs)
  returns the same object, so equal subexpressions are one node (CSE by construction).
  The table is scoped to the builder, never to the process. A new array (`Builder.new`)
  is the exception: its last attribute is a number unique in the builder, given in
  order of creation, so two arrays made alike stay two values.
- `apply` looks the operation up in the table of primitives (`ir.primitives`), checks
  its number of arguments, gives the node its record and its type (`ir.types.infer`).
- The builder folds operations whose arguments are all constants when the
  primitive's Python implementation succeeds; an operation that would raise is kept,
  so the generated code raises exactly where the user's code would.
- It is the `ir.node.NodeBuilder` the rules of the primitives are given: they build
  their derivatives with it, never import it.
"""

from __future__ import annotations

import math
from typing import Any, cast

from symdiff.ir.node import LEAVES, NUM, Node, Number, Op, Program
from symdiff.ir.primitive import Primitive
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.types import infer


class Builder:
    """Creates interned nodes; the one way new IR comes into being (a `NodeBuilder`)."""

    def __init__(self) -> None:
        self._table: dict[tuple[Any, ...], Node] = {}
        self.names: dict[Node, str] = {}
        self._args = 0

    def __len__(self) -> int:
        return len(self._table)

    def nodes(self) -> list[Node]:
        """Every node made so far, in creation order."""
        return list(self._table.values())

    def _intern(self, op: str, args: tuple[Node, ...], attrs: tuple[Any, ...], key: Any,
                prim: Primitive | None = None) -> Node:
        full_key = (op, args, key)
        node = self._table.get(full_key)
        if node is None:
            node = Node(op, args, attrs, len(self._table), prim)
            if op != Op.CONST and (op in (Op.PARAM, Op.ARG, Op.PROJ) or (
                    prim is not None and prim.constructor) or any(
                    a.type is not None for a in args)):
                node.type = infer(node)
            self._table[full_key] = node
        return node

    def const(self, value: Number) -> Node:
        if not isinstance(value, (int, float)):
            raise TypeError(f"constant must be a bool, int or float, got {type(value).__name__}")
        if type(value) not in (bool, int, float):
            # numpy.float64 and friends: generated code must print a plain literal.
            value = float(value) if isinstance(value, float) else int(value)
        return self._intern(Op.CONST, (), (value,), _const_key(value))

    def param(self, name: str, kind: Any = NUM) -> Node:
        """A parameter of the program: a number, an int (``INT``), a sequence of numbers
        (``SEQ``), or an array (its `ir.types.ArrayType`)."""
        attrs = (name,) if kind == NUM else (name, kind)
        return self._intern(Op.PARAM, (), attrs, attrs)

    def arg(self, hint: str, kind: Any = NUM) -> Node:
        """A fresh parameter of a region's sub-program; never equal to another."""
        attrs = (hint, self.fresh()) if kind == NUM else (hint, self.fresh(), kind)
        return self._intern(Op.ARG, (), attrs, attrs)

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

    def global_(self, path: tuple[Any, ...], type_: Any = None) -> Node:
        """A module-level or closure value read when the generated code runs: a number,
        or an array of `ir.types.ArrayType` `type_` (its path may hold `Item`s)."""
        node = self._intern(Op.GLOBAL, (), path, (path, type_))
        node.type = type_
        return node

    def lift(self, x: Node | Number) -> Node:
        return x if isinstance(x, Node) else self.const(x)

    def apply(self, op: str, *args: Node | Number, attrs: tuple[Any, ...] = ()) -> Node:
        """The node for primitive `op` applied to `args`, folded when all are constants."""
        prim = PRIMITIVES[op]
        nodes = tuple(self.lift(a) for a in args)
        if prim.arity is not None and len(nodes) != prim.arity:
            raise TypeError(f"primitive {op!r} takes {prim.arity} arguments, got {len(nodes)}")
        if prim.impl is not None and all(a.op == Op.CONST for a in nodes):
            folded = _fold(prim.impl, [a.attrs[0] for a in nodes])
            if folded is not None:
                return self.const(folded)
        if prim.commutative:
            swapped = self._table.get((op, nodes[::-1], attrs))
            if swapped is not None:
                return swapped
        return self._intern(op, nodes, attrs, attrs, prim)

    def sub_builder(self) -> Builder:
        """A new, empty builder for a sub-program (a branch, a loop body): it shares no
        node with this one."""
        return Builder()

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
        if op in PRIMITIVES:
            return lambda *args, attrs=(): self.apply(op, *args, attrs=attrs)
        raise AttributeError(op)


def builder_of(program: Program) -> Builder:
    """`program`'s builder, the `Builder` it is (`Program` names only the `NodeBuilder`
    protocol: `ir.node` cannot import this module)."""
    return cast(Builder, program.builder)


def _const_key(value: Number) -> tuple[Any, ...]:
    # 0.0 and -0.0, 1 and 1.0 and True are distinct constants; every NaN is one constant.
    if isinstance(value, float):
        return ("float", value.hex() if not math.isnan(value) else "nan")
    return (type(value).__name__, value)


def _fold(impl: Any, values: list[Number]) -> Number | None:
    try:
        result = impl(*values)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not isinstance(result, (int, float)):
        return None
    return result
