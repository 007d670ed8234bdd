"""NumPy float scalars among a program's numbers, and the operations on them that
cannot raise.

Contract:
- `numpy_scalars(nodes)` is the set of `nodes` (given arguments first, as a builder
  makes them) whose value is a NumPy float scalar when the generated code runs: an
  element of a float array (``x[i]``), and the result of a Python operator
  (`Primitive.numpy_operator`) on numbers one of which is such a scalar. Anything else
  (a ``math`` call, a loop's carried value, a node not among `nodes`) counts as a
  Python number: the set may miss a NumPy scalar, never holds a float.
- `raising(nodes)` are those of `nodes` that `ir.regions.can_raise` says may raise,
  less the operators on a NumPy float scalar: there a floating-point error only warns
  (``x[i] ** 2`` overflows to inf, as ``x[i] / 0.0`` gives inf), so the user's
  function does not raise there either.
"""

from __future__ import annotations

from collections.abc import Sequence

from symdiff.ir.indexing import INDEX
from symdiff.ir.node import Node
from symdiff.ir.regions import can_raise
from symdiff.ir.types import ArrayType


def numpy_scalars(nodes: Sequence[Node]) -> set[Node]:
    """The nodes of `nodes` whose value is a NumPy float scalar (see the module doc)."""
    found: set[Node] = set()
    for node in nodes:
        if node.type is not None or node.prim is None:
            continue
        if node.prim is INDEX:
            source = node.args[0].type
            if isinstance(source, ArrayType) and source.dtype.startswith("float"):
                found.add(node)
        elif node.prim.numpy_operator and any(a in found for a in node.args) and all(
                a.type is None for a in node.args):
            found.add(node)
    return found


def raising(nodes: Sequence[Node]) -> tuple[Node, ...]:
    """The nodes of `nodes` that may raise when they run, in order."""
    scalars = numpy_scalars(nodes)
    return tuple(n for n in nodes if can_raise(n) and not (
        n.prim is not None and n.prim.numpy_operator and any(a in scalars for a in n.args)))
