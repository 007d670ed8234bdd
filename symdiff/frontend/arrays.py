"""Lowering of NumPy's core: ``np.sum``/``np.mean`` with ``axis`` and ``keepdims``,
matrix products (``@``, ``np.dot``, ``np.matmul``, ``np.inner``, ``np.outer``),
transposes, ``np.where``, ``np.square``, ``np.clip``, and ``x.sum()``, ``x.mean()``,
``x.dot(y)``, ``x.T``, ``x.shape``, ``x.ndim``, ``x.size``; and what every module that
lowers a part of NumPy shares: the `Handlers` table each fills, and the reading of
arguments, constants and axes.

Contract (functions over a `frame.Frame`):
- An array value is a node whose `type` is an `ir.types.ArrayType`, known from the
  argument types the code is specialised for.
- A module that lowers NumPy functions, array methods or attributes lists them in its
  own `Handlers`, by name, next to each handler; `numpy_calls` merges the tables.
- Axes and ``keepdims`` must be constants (the result's rank depends on them);
  anything else is a located error naming the function.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.frontend.values import is_array
from symdiff.ir.node import Node

Axes = tuple[int, ...] | None

# ``np.<name>(...)``: (frame, call, name) -> value; ``x.<name>(...)`` of an array:
# (frame, array, call, name) -> value; ``x.<name>``: (frame, array, node) -> value.
Handler = Callable[[Frame, ast.Call, str], Any]
MethodHandler = Callable[[Frame, Node, ast.Call, str], Any]
AttributeHandler = Callable[[Frame, Node, ast.Attribute], Any]


class Handlers:
    """The NumPy functions, array methods and array attributes one module lowers, by
    name: its decorators list a handler under the names it lowers."""

    def __init__(self) -> None:
        self.functions: dict[str, Handler] = {}
        self.methods: dict[str, MethodHandler] = {}
        self.attributes: dict[str, AttributeHandler] = {}

    def function(self, *names: str) -> Callable[[Handler], Handler]:
        """List the handler as ``np.<name>(...)`` for each of `names`."""
        return _lister(self.functions, names)

    def method(self, *names: str) -> Callable[[MethodHandler], MethodHandler]:
        """List the handler as ``x.<name>(...)`` of an array for each of `names`."""
        return _lister(self.methods, names)

    def attribute(self, *names: str) -> Callable[[AttributeHandler], AttributeHandler]:
        """List the handler as ``x.<name>`` of an array for each of `names`."""
        return _lister(self.attributes, names)

    def function_and_method(self, name: str) -> Callable[[Any], Any]:
        """List ``impl(frame, x, call)`` as both ``np.<name>(x)`` and ``x.<name>()``."""
        def register(impl: Any) -> Any:
            def as_function(low: Frame, e: ast.Call, called: str) -> Any:
                (x,), _ = arguments(low, e, 1, ())
                return impl(low, x, e)

            def as_method(low: Frame, base: Node, e: ast.Call, called: str) -> Any:
                arguments(low, e, 0, ())
                return impl(low, base, e)

            self.functions[name] = as_function
            self.methods[name] = as_method
            return impl
        return register


    def function_and_method_along(self, name: str, count: int) -> Callable[[Any], Any]:
        """List ``impl(frame, x, *args, axis, call)`` as both ``np.<name>(x, *args,
        axis=None)`` and ``x.<name>(*args, axis=None)``: `count` arguments after the
        array, then an optional axis, by position or name (None when not given)."""
        def register(impl: Any) -> Any:
            def as_function(low: Frame, e: ast.Call, called: str) -> Any:
                args, kws = arguments(low, e, 1 + count, ("axis",), optional=1)
                axis = args[1 + count] if len(args) > 1 + count else kws.get("axis")
                return impl(low, *args[:1 + count], axis, e)

            def as_method(low: Frame, base: Node, e: ast.Call, called: str) -> Any:
                args, kws = arguments(low, e, count, ("axis",), optional=1)
                axis = args[count] if len(args) > count else kws.get("axis")
                return impl(low, base, *args[:count], axis, e)

            self.functions[name] = as_function
            self.methods[name] = as_method
            return impl
        return register


def _lister(table: dict[str, Any], names: tuple[str, ...]) -> Callable[[Any], Any]:
    def register(handler: Any) -> Any:
        for name in names:
            table[name] = handler
        return handler
    return register


# The core entries' table (more handlers in np_indexing, np_linalg and np_shapes).
HANDLERS = Handlers()


def vectors(*values: Any) -> bool:
    """Whether every value is a one-axis array."""
    return all(is_array(v) and v.type.ndim == 1 for v in values)


# The core entries ---------------------------------------------------------------------


@HANDLERS.function("sum", "mean")
def _np_reduce(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "keepdims"))
    return reduce(low, name, args[0], kws, e)


@HANDLERS.function("dot", "matmul", "inner")
def _np_product(low: Frame, e: ast.Call, name: str) -> Node:
    (a, b), _ = arguments(low, e, 2, ())
    return product(low, name, a, b, e)


@HANDLERS.function("outer")
def _np_outer(low: Frame, e: ast.Call, name: str) -> Node:
    (a, b), _ = arguments(low, e, 2, ())
    if not vectors(a, b):
        raise low.src.error("np.outer takes two vectors here", e)
    return low.b.apply("outer", a, b)


@HANDLERS.function("transpose")
def _np_transpose(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axes",), optional=1)
    axes = kws.get("axes", args[1] if len(args) > 1 else None)
    return transpose(low, args[0], axes, e)


@HANDLERS.function("where")
def _np_where(low: Frame, e: ast.Call, name: str) -> Node:
    (c, x, y), _ = arguments(low, e, 3, ())
    return low.b.select(c, x, y)


@HANDLERS.function("square")
def _np_square(low: Frame, e: ast.Call, name: str) -> Node:
    (x,), _ = arguments(low, e, 1, ())
    return low.b.mul(x, x)


@HANDLERS.function("clip")
def _np_clip(low: Frame, e: ast.Call, name: str) -> Node:
    (x, lo, hi), _ = arguments(low, e, 3, ())
    return low.b.apply("min", low.b.apply("max", x, lo), hi)


@HANDLERS.method("sum", "mean")
def _reduce_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, ("axis", "keepdims"), optional=1)
    if args:
        kws["axis"] = args[0]
    return reduce(low, name, base, kws, e)


@HANDLERS.method("dot")
def _dot_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    (other,), _ = arguments(low, e, 1, ())
    return product(low, "dot", base, other, e)


@HANDLERS.method("transpose")
def _transpose_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, _ = arguments(low, e, 0, (), optional=base.type.ndim)
    axes: Any = None
    if len(args) == 1:
        axes = args[0]
    elif args:
        axes = tuple(args)
    return transpose(low, base, axes, e)


@HANDLERS.attribute("T")
def _t(low: Frame, base: Node, e: ast.Attribute) -> Node:
    return low.b.apply("transpose", base, attrs=(None,))


@HANDLERS.attribute("ndim")
def _ndim(low: Frame, base: Node, e: ast.Attribute) -> Node:
    return low.b.const(base.type.ndim)


@HANDLERS.attribute("size")
def _size(low: Frame, base: Node, e: ast.Attribute) -> Node:
    return low.b.apply("size", base, attrs=(None,))


@HANDLERS.attribute("shape")
def _shape(low: Frame, base: Node, e: ast.Attribute) -> tuple[Node, ...]:
    return tuple(low.b.apply("size", base, attrs=((i,),)) for i in range(base.type.ndim))


def length(low: Frame, value: Node) -> Node:
    """``len(x)`` of an array: the length of its first axis."""
    if value.type.ndim == 0:
        raise TypeError("len() of a 0-d array")
    return low.b.apply("size", value, attrs=((0,),))


def reduce(low: Frame, name: str, x: Any, kws: dict[str, Any], e: ast.Call) -> Node:
    x = low.number(x, e)
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    if x.type is None:
        return x  # np.sum / np.mean of a number is that number
    axes = axes_of(low, kws.get("axis"), x.type.ndim, e)
    return low.b.apply(name, x, attrs=(axes, keepdims))


def product(low: Frame, name: str, a: Any, b: Any, e: ast.AST) -> Node:
    """``a @ b``, ``np.dot``, ``np.matmul``, ``np.inner``."""
    a, b = low.number(a, e), low.number(b, e)
    if a.type is None or b.type is None:
        if name == "matmul":
            raise low.src.error("the @ operator (a matrix product) of a number: use * to scale", e)
        return low.b.mul(a, b)
    if name == "inner" and not vectors(a, b):
        raise low.src.error("np.inner of arrays other than two vectors (not yet)", e)
    if name == "dot" and (a.type.ndim > 2 or b.type.ndim > 2):
        raise low.src.error("np.dot of arrays of more than two axes (not yet): use @", e)
    if a.type.ndim == 0 or b.type.ndim == 0:
        return low.b.mul(a, b)
    return low.b.apply("matmul", a, b)


def transpose(low: Frame, x: Any, axes: Any, e: ast.AST) -> Node:
    x = low.number(x, e)
    if x.type is None:
        return x
    if axes is None:
        return low.b.apply("transpose", x, attrs=(None,))
    order = axes_of(low, axes, x.type.ndim, e, keep_order=True)
    if order is None or sorted(order) != list(range(x.type.ndim)):
        raise low.src.error("transpose axes must be a permutation of the axes", e)
    return low.b.apply("transpose", x, attrs=(order,))


def arguments(low: Frame, e: ast.Call, count: int, keywords: tuple[str, ...],
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


def literal(low: Frame, e: ast.expr) -> Any:
    """The value of `e`, with a list or tuple literal, and each one in it, as a tuple of
    its items' values (a list of pairs such as ``[(1, 1), (0, 2)]`` is not a list of
    numbers)."""
    if not isinstance(e, (ast.List, ast.Tuple)):
        return low.expr(e)
    return tuple(tuple(low.expr(i) for i in item.elts) if isinstance(item, (ast.List, ast.Tuple))
                 else low.expr(item) for item in e.elts)


def constant(low: Frame, value: Any, kind: type, what: str, e: ast.AST) -> Any:
    if value is None:
        return None
    if isinstance(value, Node) and value.is_const and isinstance(value.value, kind):
        return value.value
    raise low.src.error(f"{what} must be a constant {kind.__name__} here", e)


def axes_of(low: Frame, value: Any, ndim: int, e: ast.AST, keep_order: bool = False
          ) -> Axes:
    """Constant axes, made non-negative (and sorted unless `keep_order`); None for all."""
    if value is None or (isinstance(value, Node) and value.is_const and value.value is None):
        return None
    items = value if isinstance(value, tuple) else (value,)
    axes = []
    for item in items:
        a = constant(low, item, int, "axis", e)
        if not -ndim <= a < ndim:
            raise low.src.error(f"axis {a} is out of bounds for an array of {ndim} axes", e)
        axes.append(a % ndim)
    return tuple(axes) if keep_order else tuple(sorted(set(axes)))
