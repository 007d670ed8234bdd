"""Lowering of NumPy: the tables of NumPy functions, array methods and attributes the
lowering knows, and the core entries: ``np.sum``/``np.mean`` with ``axis`` and
``keepdims``, matrix products (``@``, ``np.dot``, ``np.matmul``, ``np.inner``,
``np.outer``), transposes, ``np.where``, ``np.square``, ``np.clip``, and ``x.sum()``,
``x.mean()``, ``x.dot(y)``, ``x.T``, ``x.shape``, ``x.ndim``, ``x.size``.

Contract (functions over a `_Lowering` frame from `lower.py`):
- An array value is a node whose `type` is an `ir.types.ArrayType`, known from the
  argument types the code is specialised for.
- `FUNCTIONS` maps a NumPy function's name under ``np`` (``"sum"``, ``"linalg.norm"``)
  to its handler ``(frame, call, name) -> value``; `METHODS` an array method's name to
  ``(frame, array, call, name) -> value``; `ATTRIBUTES` an attribute's name to
  ``(frame, array, node) -> value``. Other modules of the frontend add entries with the
  `function`, `method` and `attribute` decorators; `resolve` finds NumPy's callables
  from `FUNCTIONS`. Elementwise NumPy functions are not here: they are the scalar
  primitives (`resolve.NUMPY_ELEMENTWISE`).
- Axes and ``keepdims`` must be constants (the result's rank depends on them);
  anything else is a located error naming the function.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from symdiff.frontend.values import is_array
from symdiff.ir.node import Node

if TYPE_CHECKING:
    from symdiff.frontend.lower import _Lowering

Axes = tuple[int, ...] | None

Handler = Callable[["_Lowering", ast.Call, str], Any]
MethodHandler = Callable[["_Lowering", Node, ast.Call, str], Any]
AttributeHandler = Callable[["_Lowering", Node, ast.Attribute], Any]

FUNCTIONS: dict[str, Handler] = {}
METHODS: dict[str, MethodHandler] = {}
ATTRIBUTES: dict[str, AttributeHandler] = {}


def _registrar(table: dict[str, Any]) -> Callable[..., Callable[[Any], Any]]:
    def decorator(*names: str) -> Callable[[Any], Any]:
        def register(handler: Any) -> Any:
            for name in names:
                table[name] = handler
            return handler
        return register
    return decorator


# Register a handler for ``np.<name>(...)``, ``x.<name>(...)`` on an array, ``x.<name>``.
function = _registrar(FUNCTIONS)
method = _registrar(METHODS)
attribute = _registrar(ATTRIBUTES)


def function_and_method(name: str) -> Callable[[Any], Any]:
    """Register ``impl(frame, x, call)`` as both ``np.<name>(x)`` and ``x.<name>()``."""
    def register(impl: Any) -> Any:
        def as_function(low: _Lowering, e: ast.Call, called: str) -> Any:
            (x,), _ = arguments(low, e, 1, ())
            return impl(low, x, e)

        def as_method(low: _Lowering, base: Node, e: ast.Call, called: str) -> Any:
            arguments(low, e, 0, ())
            return impl(low, base, e)

        FUNCTIONS[name] = as_function
        METHODS[name] = as_method
        return impl
    return register


def vectors(*values: Any) -> bool:
    """Whether every value is a one-axis array."""
    return all(is_array(v) and v.type.ndim == 1 for v in values)


def call(low: _Lowering, name: str, e: ast.Call) -> Any:
    """``np.<name>(...)``."""
    handler = FUNCTIONS.get(name)
    if handler is None:
        raise low.src.error(f"unsupported NumPy function np.{name} (not yet)", e)
    return handler(low, e, name)


def call_method(low: _Lowering, base: Node, name: str, e: ast.Call) -> Any:
    """``x.<name>(...)`` on an array."""
    handler = METHODS.get(name)
    if handler is None:
        raise low.src.error(f"unsupported array method .{name}() (not yet)", e)
    return handler(low, base, e, name)


def get_attribute(low: _Lowering, base: Node, e: ast.Attribute) -> Any:
    """``x.<name>`` of an array."""
    handler = ATTRIBUTES.get(e.attr)
    if handler is None:
        raise low.src.error(f"unsupported array attribute .{e.attr} (not yet)", e)
    return handler(low, base, e)


# The core entries ---------------------------------------------------------------------


@function("sum", "mean")
def _np_reduce(low: _Lowering, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "keepdims"))
    return reduce(low, name, args[0], kws, e)


@function("dot", "matmul", "inner")
def _np_product(low: _Lowering, e: ast.Call, name: str) -> Node:
    (a, b), _ = arguments(low, e, 2, ())
    return product(low, name, a, b, e)


@function("outer")
def _np_outer(low: _Lowering, e: ast.Call, name: str) -> Node:
    (a, b), _ = arguments(low, e, 2, ())
    if not vectors(a, b):
        raise low.src.error("np.outer takes two vectors here", e)
    return low.b.apply("outer", a, b)


@function("transpose")
def _np_transpose(low: _Lowering, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axes",), optional=1)
    axes = kws.get("axes", args[1] if len(args) > 1 else None)
    return transpose(low, args[0], axes, e)


@function("where")
def _np_where(low: _Lowering, e: ast.Call, name: str) -> Node:
    (c, x, y), _ = arguments(low, e, 3, ())
    return low.b.select(c, x, y)


@function("square")
def _np_square(low: _Lowering, e: ast.Call, name: str) -> Node:
    (x,), _ = arguments(low, e, 1, ())
    return low.b.mul(x, x)


@function("clip")
def _np_clip(low: _Lowering, e: ast.Call, name: str) -> Node:
    (x, lo, hi), _ = arguments(low, e, 3, ())
    return low.b.apply("min", low.b.apply("max", x, lo), hi)


@method("sum", "mean")
def _reduce_method(low: _Lowering, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, ("axis", "keepdims"), optional=1)
    if args:
        kws["axis"] = args[0]
    return reduce(low, name, base, kws, e)


@method("dot")
def _dot_method(low: _Lowering, base: Node, e: ast.Call, name: str) -> Node:
    (other,), _ = arguments(low, e, 1, ())
    return product(low, "dot", base, other, e)


@method("transpose")
def _transpose_method(low: _Lowering, base: Node, e: ast.Call, name: str) -> Node:
    args, _ = arguments(low, e, 0, (), optional=base.type.ndim)
    axes: Any = None
    if len(args) == 1:
        axes = args[0]
    elif args:
        axes = tuple(args)
    return transpose(low, base, axes, e)


@attribute("T")
def _t(low: _Lowering, base: Node, e: ast.Attribute) -> Node:
    return low.b.apply("transpose", base, attrs=(None,))


@attribute("ndim")
def _ndim(low: _Lowering, base: Node, e: ast.Attribute) -> Node:
    return low.b.const(base.type.ndim)


@attribute("size")
def _size(low: _Lowering, base: Node, e: ast.Attribute) -> Node:
    return low.b.apply("size", base, attrs=(None,))


@attribute("shape")
def _shape(low: _Lowering, base: Node, e: ast.Attribute) -> tuple[Node, ...]:
    return tuple(low.b.apply("size", base, attrs=((i,),)) for i in range(base.type.ndim))


def length(low: _Lowering, value: Node) -> Node:
    """``len(x)`` of an array: the length of its first axis."""
    if value.type.ndim == 0:
        raise TypeError("len() of a 0-d array")
    return low.b.apply("size", value, attrs=((0,),))


def reduce(low: _Lowering, name: str, x: Any, kws: dict[str, Any], e: ast.Call) -> Node:
    x = low.number(x, e)
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    if x.type is None:
        return x  # np.sum / np.mean of a number is that number
    axes = axes_of(low, kws.get("axis"), x.type.ndim, e)
    return low.b.apply(name, x, attrs=(axes, keepdims))


def product(low: _Lowering, name: str, a: Any, b: Any, e: ast.AST) -> Node:
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


def transpose(low: _Lowering, x: Any, axes: Any, e: ast.AST) -> Node:
    x = low.number(x, e)
    if x.type is None:
        return x
    if axes is None:
        return low.b.apply("transpose", x, attrs=(None,))
    order = axes_of(low, axes, x.type.ndim, e, keep_order=True)
    if order is None or sorted(order) != list(range(x.type.ndim)):
        raise low.src.error("transpose axes must be a permutation of the axes", e)
    return low.b.apply("transpose", x, attrs=(order,))


def arguments(low: _Lowering, e: ast.Call, count: int, keywords: tuple[str, ...],
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


def constant(low: _Lowering, value: Any, kind: type, what: str, e: ast.AST) -> Any:
    if value is None:
        return None
    if isinstance(value, Node) and value.is_const and isinstance(value.value, kind):
        return value.value
    raise low.src.error(f"{what} must be a constant {kind.__name__} here", e)


def axes_of(low: _Lowering, value: Any, ndim: int, e: ast.AST, keep_order: bool = False
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


# The other areas of NumPy register their entries in these tables.
from symdiff.frontend import np_indexing, np_linalg, np_shapes  # noqa: E402, F401
