"""Lowering of NumPy: ``np.sum``/``np.mean`` with ``axis`` and ``keepdims``, matrix
products (``@``, ``np.dot``, ``np.matmul``, ``np.inner``, ``np.outer``), transposes,
``np.where``, ``np.square``, ``np.clip``, and the array methods and attributes
(``x.sum()``, ``x.mean()``, ``x.dot(y)``, ``x.T``, ``x.shape``, ``x.ndim``, ``x.size``).

Contract (functions over a `_Lowering` frame from `lower.py`): an array value is a node
whose `type` is an `ir.types.ArrayType`, known from the argument types the code is
specialised for. Axes and ``keepdims`` must be constants (the result's rank depends
on them); anything else is a located error naming the function.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from symdiff.ir.node import Node

if TYPE_CHECKING:
    from symdiff.frontend.lower import _Lowering

Axes = tuple[int, ...] | None

METHODS = ("sum", "mean", "dot", "transpose")


def is_array(value: Any) -> bool:
    return isinstance(value, Node) and value.type is not None


def call(low: _Lowering, name: str, e: ast.Call) -> Node:
    """``np.<name>(...)`` for a NumPy function the lowering handles itself."""
    if name in ("sum", "mean"):
        args, kws = _arguments(low, e, 1, ("axis", "keepdims"))
        return reduce(low, name, args[0], kws, e)
    if name in ("dot", "matmul", "inner"):
        (a, b), _ = _arguments(low, e, 2, ())
        return product(low, name, a, b, e)
    if name == "outer":
        (a, b), _ = _arguments(low, e, 2, ())
        if not (is_array(a) and is_array(b) and a.type.ndim == 1 and b.type.ndim == 1):
            raise low.src.error("np.outer takes two vectors here", e)
        return low.b.apply("outer", a, b)
    if name == "transpose":
        args, kws = _arguments(low, e, 1, ("axes",), optional=1)
        axes = kws.get("axes", args[1] if len(args) > 1 else None)
        return transpose(low, args[0], axes, e)
    if name == "where":
        (c, x, y), _ = _arguments(low, e, 3, ())
        return low.b.select(c, x, y)
    if name == "square":
        (x,), _ = _arguments(low, e, 1, ())
        return low.b.mul(x, x)
    if name == "clip":
        (x, lo, hi), _ = _arguments(low, e, 3, ())
        return low.b.apply("min", low.b.apply("max", x, lo), hi)
    raise low.src.error(f"unsupported NumPy function np.{name}", e)


def method(low: _Lowering, base: Node, name: str, e: ast.Call) -> Node:
    """``x.<name>(...)`` on an array."""
    if name in ("sum", "mean"):
        args, kws = _arguments(low, e, 0, ("axis", "keepdims"), optional=1)
        if args:
            kws["axis"] = args[0]
        return reduce(low, name, base, kws, e)
    if name == "dot":
        (other,), _ = _arguments(low, e, 1, ())
        return product(low, "dot", base, other, e)
    if name == "transpose":
        args, _ = _arguments(low, e, 0, (), optional=base.type.ndim)
        axes: Any = None
        if len(args) == 1:
            axes = args[0]
        elif args:
            axes = tuple(args)
        return transpose(low, base, axes, e)
    raise low.src.error(f"unsupported array method .{name}() (not yet)", e)


def attribute(low: _Lowering, base: Node, e: ast.Attribute) -> Any:
    """``x.T``, ``x.shape``, ``x.ndim``, ``x.size`` of an array."""
    t = base.type
    if e.attr == "T":
        return low.b.apply("transpose", base, attrs=(None,))
    if e.attr == "ndim":
        return low.b.const(t.ndim)
    if e.attr == "size":
        return low.b.apply("size", base, attrs=(None,))
    if e.attr == "shape":
        return tuple(low.b.apply("size", base, attrs=((i,),)) for i in range(t.ndim))
    raise low.src.error(f"unsupported array attribute .{e.attr} (not yet)", e)


def length(low: _Lowering, value: Node) -> Node:
    """``len(x)`` of an array: the length of its first axis."""
    if value.type.ndim == 0:
        raise TypeError("len() of a 0-d array")
    return low.b.apply("size", value, attrs=((0,),))


def reduce(low: _Lowering, name: str, x: Any, kws: dict[str, Any], e: ast.Call) -> Node:
    x = low.number(x, e)
    keepdims = _constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    if x.type is None:
        return x  # np.sum / np.mean of a number is that number
    axes = _axes(low, kws.get("axis"), x.type.ndim, e)
    total = low.b.apply("sum", x, attrs=(axes, keepdims))
    if name == "sum":
        return total
    return low.b.div(total, low.b.apply("size", x, attrs=(axes,)))


def product(low: _Lowering, name: str, a: Any, b: Any, e: ast.AST) -> Node:
    """``a @ b``, ``np.dot``, ``np.matmul``, ``np.inner``."""
    a, b = low.number(a, e), low.number(b, e)
    if a.type is None or b.type is None:
        if name == "matmul":
            raise low.src.error("the @ operator (a matrix product) of a number: use * to scale", e)
        return low.b.mul(a, b)
    if name == "inner" and not (a.type.ndim == 1 and b.type.ndim == 1):
        raise low.src.error("np.inner of arrays other than two vectors (not yet)", e)
    if name == "dot" and (a.type.ndim > 2 or b.type.ndim > 2):
        raise low.src.error("np.dot of arrays of more than two axes (not yet): use @", e)
    if a.type.ndim == 0 or b.type.ndim == 0:
        return low.b.mul(a, b)
    return low.b.apply("matmul", a, b)


def transpose(low: _Lowering, x: Any, axes: Any, e: ast.AST) -> Node:
    x = low.number(x, e)
    if x.type is None:
        return x
    if axes is None:
        return low.b.apply("transpose", x, attrs=(None,))
    order = _axes(low, axes, x.type.ndim, e, keep_order=True)
    if order is None or sorted(order) != list(range(x.type.ndim)):
        raise low.src.error("transpose axes must be a permutation of the axes", e)
    return low.b.apply("transpose", x, attrs=(order,))


def _arguments(low: _Lowering, e: ast.Call, count: int, keywords: tuple[str, ...],
               optional: int = 0) -> tuple[list[Any], dict[str, Any]]:
    label = ast.unparse(e.func)
    if not count <= len(e.args) <= count + optional:
        raise low.src.error(f"{label}() takes {count} positional arguments here, got "
                            f"{len(e.args)}", e)
    kws = {}
    for kw in e.keywords:
        if kw.arg not in keywords:
            raise low.src.error(f"unsupported keyword argument {kw.arg}= of {label}()", kw)
        none = isinstance(kw.value, ast.Constant) and kw.value.value is None
        kws[kw.arg] = None if none else low.expr(kw.value)
    return [low.expr(a) for a in e.args], kws


def _constant(low: _Lowering, value: Any, kind: type, what: str, e: ast.AST) -> Any:
    if value is None:
        return None
    if isinstance(value, Node) and value.is_const and isinstance(value.value, kind):
        return value.value
    raise low.src.error(f"{what} must be a constant {kind.__name__} here", e)


def _axes(low: _Lowering, value: Any, ndim: int, e: ast.AST, keep_order: bool = False
          ) -> Axes:
    """Constant axes, made non-negative (and sorted unless `keep_order`); None for all."""
    if value is None or (isinstance(value, Node) and value.is_const and value.value is None):
        return None
    items = value if isinstance(value, tuple) else (value,)
    axes = []
    for item in items:
        a = _constant(low, item, int, "axis", e)
        if not -ndim <= a < ndim:
            raise low.src.error(f"axis {a} is out of bounds for an array of {ndim} axes", e)
        axes.append(a % ndim)
    return tuple(axes) if keep_order else tuple(sorted(set(axes)))
