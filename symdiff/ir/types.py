"""Static types of array values: what the compiler knows of a NumPy array's shape.

Contract:
- A node's `type` is None for a number (a Python float or int, or a NumPy scalar) and
  an `ArrayType` for an ndarray: its dtype name and, per axis, what is known of its
  length: ``1`` (known to be one), `MANY` (known not to be one) or an exact length, or
  None (unknown). The dispatcher specialises on dtype, rank and which axes have length
  one, which is all NumPy broadcasting depends on, so for the arguments every axis is
  known to be ``1`` or `MANY`.
- `broadcast` gives the type of an elementwise result; `summed_axes` the axes a
  cotangent of that result must be summed over to fit an operand (None when that is
  only known at run time).
- A primitive's `type_rule` gives its result type from its arguments' types and its
  attributes; without one, the result is the broadcast of the arguments.
- An argument that is a function has the type `FunctionArg` (in a `runtime.spec.Spec`'s
  types): it is inlined, so each function gets its own specialisation. A bool or str
  that is not differentiated has the type `StaticArg`: it lowers as its constant, so
  each value gets its own specialisation (a flag or a mode chooses its branch while
  compiling).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from symdiff.ir.node import Op

MANY = -1  # an axis known not to have length one (the dispatcher's "not 1")

Dim = int | None


@dataclass(frozen=True)
class ArrayType:
    """An ndarray of `dtype` whose axes have the lengths `dims` (see the module doc)."""

    dtype: str
    dims: tuple[Dim, ...]

    @property
    def ndim(self) -> int:
        return len(self.dims)

    def __str__(self) -> str:
        shown = ", ".join("1" if d == 1 else "n" if d == MANY else "?" if d is None
                          else str(d) for d in self.dims)
        return f"{self.dtype}[{shown}]"


@dataclass(frozen=True)
class FunctionArg:
    """The type of an argument that is a function: its code is inlined, so each function
    gets its own specialisation (compared by identity)."""

    fn: Callable[..., Any]

    def __str__(self) -> str:
        module = getattr(self.fn, "__module__", "?")
        return f"fn:{module}.{getattr(self.fn, '__qualname__', '?')}"


class StaticArg:
    """The type of an argument the code is specialised on by value, which lowers as a
    constant: a bool, str or None that is not differentiated (a flag, a mode, an
    optional argument left out), or any value of a position the user declared static
    (``static_argnums``: a number, a str, a bool, None, or a tuple of them). Two are
    equal when their values are of the same types and equal (`static_key`): ``1``,
    ``1.0`` and ``True`` are three values, and so are ``0.0`` and ``-0.0``."""

    __slots__ = ("value", "key")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.key = static_key(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaticArg) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"StaticArg({self.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return StaticArg, (self.value,)

    def __str__(self) -> str:
        return f"static:{self.value!r}"


def static_key(value: Any) -> Any:
    """What tells static values apart: each value with its type, a NumPy number as the
    Python one, a float by its text (so ``-0.0`` is not ``0.0`` and a NaN equals
    itself), a tuple item by item."""
    cls = value.__class__
    if cls is tuple:
        return tuple, tuple(static_key(v) for v in value)
    if cls is bool or cls is str or value is None:
        return cls, value
    if isinstance(value, numbers.Integral):
        return int, int(value)
    if isinstance(value, numbers.Real):
        return float, repr(float(value))
    return cls, value


Type = ArrayType | None


def of_value(value: Any) -> Type:
    """The type of an argument value: what the dispatcher specialises on."""
    dims = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if dims is None or dtype is None or not hasattr(value, "ndim"):
        return None
    name = _DTYPE_NAMES.get(dtype)
    if name is None:  # str(dtype) runs Python code in NumPy: ~5 us a call
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return ArrayType(name, tuple(1 if d == 1 else MANY for d in dims))


_DTYPE_NAMES: dict[Any, str] = {}


def _dim(a: Dim, b: Dim) -> Dim:
    if a == 1:
        return b
    if b == 1:
        return a
    if a == b:
        return a
    if a is None or b is None:
        known = b if a is None else a
        # An unknown length broadcast with a known one other than 1 gives that one
        # (or NumPy raises).
        return known
    if MANY in (a, b):
        return b if a == MANY else a
    return None  # two different exact lengths: NumPy raises when it runs


def broadcast(*types: Type) -> Type:
    """The type of an elementwise operation's result."""
    arrays = [t for t in types if t is not None]
    if not arrays:
        return None
    ndim = max(t.ndim for t in arrays)
    dims: list[Dim] = [1] * ndim
    for t in arrays:
        offset = ndim - t.ndim
        for i, d in enumerate(t.dims):
            dims[offset + i] = _dim(dims[offset + i], d)
    dtypes = {t.dtype for t in arrays}
    dtype = dtypes.pop() if len(dtypes) == 1 else _promote(arrays)
    return ArrayType(dtype, tuple(dims))


def _promote(arrays: list[ArrayType]) -> str:
    import numpy as np

    return str(np.result_type(*(t.dtype for t in arrays)))


def summed_axes(out: Type, operand: Type) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The axes to sum a cotangent of type `out` over so it fits `operand`: the leading
    axes `operand` lacks (dropped), then axes it has with length one (kept). None when
    that depends on lengths known only at run time."""
    if out is None:
        return (), ()
    lead = out.ndim - (operand.ndim if operand is not None else 0)
    dropped = tuple(range(lead))
    if operand is None:
        return dropped, ()
    kept = []
    for i, d in enumerate(operand.dims):
        o = out.dims[lead + i]
        if d == 1 and o != 1:
            kept.append(i)
        elif d is None and o != 1:
            return None
    return dropped, tuple(kept)


def reduced(t: ArrayType, axes: tuple[int, ...] | None, keepdims: bool) -> Type:
    """The type of a reduction of `t` over `axes` (None: all of them)."""
    chosen = set(range(t.ndim)) if axes is None else {a % t.ndim for a in axes}
    if keepdims:
        return ArrayType(t.dtype, tuple(1 if i in chosen else d for i, d in enumerate(t.dims)))
    dims = tuple(d for i, d in enumerate(t.dims) if i not in chosen)
    return ArrayType(t.dtype, dims) if dims else None


def infer(node: Any) -> Type:
    """The type of a new node, from its arguments' types (see `Primitive.type_rule`)."""
    op = node.op
    if op == Op.PARAM:
        return node.attrs[1] if len(node.attrs) == 2 and isinstance(
            node.attrs[1], ArrayType) else None
    if op == Op.ARG:
        return node.attrs[2] if len(node.attrs) == 3 and isinstance(
            node.attrs[2], ArrayType) else None
    if op == Op.PROJ:
        return _proj_type(node.args[0], node.attrs[0])
    if node.prim is None:  # a region
        return None
    rule = node.prim.type_rule
    types = [a.type for a in node.args]
    return rule(types, node.attrs) if rule is not None else broadcast(*types)


def _proj_type(region: Any, index: int) -> Type:
    if region.op == Op.COND:
        return region.attrs[0].branches[0].outputs[index].type  # every branch gives one type
    if region.op == Op.LOOP:
        loop = region.attrs[0]
        if index in loop.outputs.carry:
            return loop.body.outputs[index].type
    return None
