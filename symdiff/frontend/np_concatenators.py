"""Lowering of ``np.r_[...]`` and ``np.c_[...]``: NumPy's index objects that join what
the subscript lists, onto ``np.concatenate`` (and ``np.arange``, ``np.expand_dims``).

Contract (functions over a `frame.Frame`):
- `concatenator(value)` says which of the two a value read from the function's scope
  is (None for anything else); `subscript(low, which, e)` lowers ``np.r_[...]`` or
  ``np.c_[...]`` (`e` the subscript).
- Each item is an array, a number (an array of one entry), a list or tuple (read as
  ``np.array`` reads it), or a slice ``start:stop:step`` with numbers, which is
  ``np.arange(start, stop, step)`` (start 0 and step 1 when left out).
- ``np.r_`` joins along the first axis, numbers and slices as vectors; ``np.c_`` along
  the last, with every item made at least 2-D, a vector (a slice too) as a column and
  a number as a 1 x 1 array: ``np.c_[a, b]`` of vectors is the matrix of columns a and b.
- A first item that is a string naming an int (``np.r_['-1', a, b]``) is the axis to
  join along; other string directives (``'0,2'``, ``'r'``, ``'c'``) and a complex step
  (NumPy's ``linspace`` form) are located errors, as is an empty subscript.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from symdiff.frontend.array_like import array_like, nested, new_array
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_joins import at_least_1d
from symdiff.frontend.np_shapes import arange, concatenate
from symdiff.frontend.resolve import NUMPY_CONCATENATORS
from symdiff.ir.node import Node


def concatenator(value: Any) -> str | None:
    """``"r_"`` or ``"c_"`` for NumPy's ``np.r_`` and ``np.c_``, else None."""
    np = sys.modules.get("numpy")
    if np is None:
        return None
    return next((name for name in NUMPY_CONCATENATORS if getattr(np, name) is value), None)


def subscript(low: Frame, which: str, e: ast.Subscript) -> Node:
    """``np.r_[...]`` (`which` ``"r_"``) or ``np.c_[...]`` (``"c_"``)."""
    items = list(e.slice.elts) if isinstance(e.slice, ast.Tuple) else [e.slice]
    axis = 0 if which == "r_" else -1
    first = items[0] if items else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        items.pop(0)
        axis = _directive(low, which, first, first.value)
    if not items:
        raise low.src.error(f"np.{which}[] of nothing to join", e)
    parts = [_item(low, which, item) for item in items]
    if which == "c_":
        parts = [_at_least_2d_column(low, p) for p in parts]
    return concatenate(low, parts, low.b.const(axis), e)


def _directive(low: Frame, which: str, item: ast.Constant, text: str) -> int:
    """The axis the string directive `text` (written as `item`) names."""
    try:
        return int(text)
    except ValueError:
        raise low.src.error(
            f"np.{which}[{text!r}, ...]: string directives other than an axis "
            "(not yet): write np.concatenate, np.stack or np.expand_dims", item) from None


def _item(low: Frame, which: str, item: ast.expr) -> Node:
    """An item as the array (of at least one axis) it adds."""
    if isinstance(item, ast.Slice):
        return _range(low, which, item)
    if isinstance(item, (ast.List, ast.Tuple)):
        return new_array(low, nested(low, item), which, item)
    return at_least_1d(low, array_like(low, low.expr(item), which, item))


def _range(low: Frame, which: str, item: ast.Slice) -> Node:
    """``start:stop:step`` as ``np.arange(start, stop, step)``."""
    if isinstance(item.step, ast.Constant) and isinstance(item.step.value, complex):
        raise low.src.error(f"np.{which}[start:stop:{item.step.value!r}], a number of "
                            "points (not yet): write np.linspace", item)
    if item.upper is None:
        raise low.src.error(f"np.{which}[start:stop] needs a stop", item)
    b = low.b
    start = b.const(0) if item.lower is None else _number(low, which, item.lower)
    step = b.const(1) if item.step is None else _number(low, which, item.step)
    return arange(low, start, _number(low, which, item.upper), step, None, item)


def _number(low: Frame, which: str, bound: ast.expr) -> Node:
    value = low.number(low.expr(bound), bound)
    if value.type is not None:
        raise low.src.error(f"np.{which}[start:stop:step] takes numbers", bound)
    return value


def _at_least_2d_column(low: Frame, x: Node) -> Node:
    """What ``np.c_`` makes of an item: a vector as a column, a matrix as it is."""
    if x.type.ndim == 1:
        return low.b.apply("expand_dims", x, attrs=((1,),))
    return x
