"""NumPy's array-likes: what a NumPy function called with a list or tuple makes of it.

Contract (functions over a `frame.Frame`):
- `nested(low, e)` is the value of a (nested) list or tuple literal as Python lists of
  values; `new_array(low, value, ...)` the array ``np.array`` makes of such lists (a
  number or array at each leaf, all of one rank, rectangular), typed by its leaves
  unless a dtype is given. Ragged lists, or numbers beside arrays, are located errors.
- `array_like(low, value, name, e)` is `value` where a NumPy function takes an array:
  a number or an array as it is, a list of numbers the function has (a sequence node)
  as a float64 vector, and a list or tuple of numbers and arrays as ``np.array`` of it.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.ir.node import Node, is_int
from symdiff.ir.sequences import is_seq
from symdiff.ir.shapes import exact, merge_dims, result_dtype
from symdiff.ir.types import MANY, Dim


def array_like(low: Frame, value: Any, name: str, e: ast.AST) -> Node:
    """`value` as the array (or number) NumPy's `name` reads it as."""
    if isinstance(value, Node) and is_seq(value):
        return low.b.apply("list_array", value)
    if isinstance(value, (list, tuple)):
        return new_array(low, listed(low, value, e), name, e)
    return low.number(value, e)


def nested(low: Frame, e: ast.expr) -> Any:
    """The value of a (nested) list or tuple literal, or of any other expression."""
    if isinstance(e, (ast.List, ast.Tuple)):
        return [nested(low, item) for item in e.elts]
    value = low.expr(e)
    return listed(low, value, e)


def listed(low: Frame, value: Any, e: ast.AST) -> Any:
    """`value` with its tuples as lists and its leaves as numbers or arrays."""
    if isinstance(value, (list, tuple)):
        return [listed(low, v, e) for v in value]
    if isinstance(value, Node) and is_seq(value):
        raise low.src.error("np.array() of a list argument (not yet): pass an array", e)
    return low.number(value, e)


def new_array(low: Frame, value: list[Any], name: str, e: ast.AST,
             dtype: str | None = None) -> Node:
    """The new array ``np.<name>(value)`` makes of the lists `value` (`dtype` if given)."""
    shape, leaves = _rectangular(low, value, name, e)
    kinds = {leaf.type.ndim if leaf.type is not None else -1 for leaf in leaves}
    if len(kinds) > 1:
        raise low.src.error(
            f"np.{name}() of numbers and arrays, or of arrays of different ranks", e)
    arrays = [leaf for leaf in leaves if leaf.type is not None]
    if arrays:
        for i in range(arrays[0].type.ndim):
            same_length(low, [a.type.dims[i] for a in arrays], name, e)
    guessed = dtype_of(leaves)
    return low.b.new("array", *leaves, attrs=(shape, dtype or guessed, dtype is not None))


def same_length(low: Frame, dims: list[Dim], name: str, e: ast.AST) -> None:
    """Lengths NumPy requires to be equal: an error when they are known to differ."""
    first = dims[0]
    for d in dims[1:]:
        if d is None or first is None:
            continue
        if (exact(d) and exact(first) and d != first) or (1 in (d, first) and d != first) or (
                d == MANY and first == 1) or (first == MANY and d == 1):
            raise low.src.error(f"np.{name}() of arrays whose shapes differ", e)
        first = merge_dims(first, d)


def _rectangular(low: Frame, value: list[Any], name: str, e: ast.AST
                 ) -> tuple[tuple[int, ...], list[Node]]:
    """The nesting shape of nested lists, and their leaves in order."""
    if not all(isinstance(v, list) for v in value):
        if any(isinstance(v, list) for v in value):
            raise low.src.error(f"np.{name}() of ragged nested lists", e)
        return (len(value),), value
    inner = [_rectangular(low, v, name, e) for v in value]
    shapes = {s for s, _ in inner}
    if len(shapes) > 1:
        raise low.src.error(f"np.{name}() of ragged nested lists", e)
    shape = shapes.pop() if shapes else ()
    return (len(value), *shape), [leaf for _, leaves in inner for leaf in leaves]


def dtype_of(leaves: list[Node]) -> str:
    """The dtype NumPy gives an array of the values `leaves`."""
    if any(leaf.type is not None for leaf in leaves):
        return result_dtype([leaf.type for leaf in leaves])
    if leaves and all(leaf.is_const and isinstance(leaf.value, bool) for leaf in leaves):
        return "bool"
    return "int64" if leaves and all(is_int(leaf) for leaf in leaves) else "float64"
