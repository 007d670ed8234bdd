"""Lowering of NumPy's core: ``np.sum``/``np.mean`` with ``axis`` and ``keepdims``,
matrix products (``@``, ``np.dot``, ``np.matmul``, ``np.inner``: of stacks, and of
arrays of any rank by an einsum where NumPy's product is not a matmul), transposes,
``np.square``, ``np.clip``, and ``x.sum()``, ``x.mean()``, ``x.dot(y)``, ``x.clip()``,
``x.T``, ``x.shape``, ``x.ndim``, ``x.size``; and what every module that
lowers a part of NumPy shares: the `Handlers` table each fills, and the reading of
constants and axes.

Contract (functions over a `frame.Frame`):
- An array value is a node whose `type` is an `ir.types.ArrayType`, known from the
  argument types the code is specialised for.
- A module that lowers NumPy functions, array methods or attributes lists them in its
  own `Handlers`, by name, next to each handler; `numpy_calls` merges the tables.
- A handler is given the call's arguments bound to NumPy's parameters
  (`np_signatures`); a method's handler is the function's, given the array as its
  first parameter.
- Axes and ``keepdims`` must be constants (the result's rank depends on them): literals,
  or ints read from a global or closure (`names.compile_time`); anything else is a
  located error naming the function.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Callable
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.frontend.names import compile_time
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node

Axes = tuple[int, ...] | None

# ``np.<name>(...)`` and ``x.<name>(...)``: (frame, the call's arguments bound to NumPy's
# parameters, name) -> value; ``x.<name>``: (frame, array, node) -> value.
Handler = Callable[[Frame, Arguments, str], Any]
AttributeHandler = Callable[[Frame, Node, ast.Attribute], Any]


class Handlers:
    """The NumPy functions, array methods and array attributes one module lowers, by
    name: its decorators list a handler under the names it lowers. A method's handler
    is given the array as the function's first parameter (``a``), so one handler can
    serve ``np.sum(x, 1)`` and ``x.sum(1)``."""

    def __init__(self) -> None:
        self.functions: dict[str, Handler] = {}
        self.methods: dict[str, Handler] = {}
        self.attributes: dict[str, AttributeHandler] = {}

    def function(self, *names: str) -> Callable[[Handler], Handler]:
        """List the handler as ``np.<name>(...)`` for each of `names`."""
        return _lister(self.functions, names)

    def method(self, *names: str) -> Callable[[Handler], Handler]:
        """List the handler as ``x.<name>(...)`` of an array for each of `names`."""
        return _lister(self.methods, names)

    def attribute(self, *names: str) -> Callable[[AttributeHandler], AttributeHandler]:
        """List the handler as ``x.<name>`` of an array for each of `names`."""
        return _lister(self.attributes, names)


def _lister(table: dict[str, Any], names: tuple[str, ...]) -> Callable[[Any], Any]:
    def register(handler: Any) -> Any:
        for name in names:
            table[name] = handler
        return handler
    return register


# The core entries' table (more handlers in np_indexing, np_linalg and np_shapes).
HANDLERS = Handlers()


# The core entries ---------------------------------------------------------------------


@HANDLERS.function("sum", "mean")
@HANDLERS.method("sum", "mean")
def _reduce(low: Frame, args: Arguments, name: str) -> Node:
    x = args.array("a")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", args.call)
    if x.type is None:
        return x  # np.sum / np.mean of a number is that number
    axes = axes_of(low, args["axis"], x.type.ndim, args.call)
    return low.b.apply(name, x, attrs=(axes, keepdims))


@HANDLERS.function("dot", "matmul", "inner")
def _np_product(low: Frame, args: Arguments, name: str) -> Node:
    first, second = args.signature.positional[:2]
    return product(low, name, args[first], args[second], args.call)


@HANDLERS.method("dot")
def _dot_method(low: Frame, args: Arguments, name: str) -> Node:
    return product(low, "dot", args["a"], args["b"], args.call)


@HANDLERS.function("transpose")
@HANDLERS.method("transpose")
def _transpose(low: Frame, args: Arguments, name: str) -> Node:
    if "axes" in args.signature.positional:
        axes = args["axes"]
    else:  # x.transpose(*axes): x.transpose(1, 0), x.transpose((1, 0)), x.transpose()
        given = args["axes"]
        axes = given[0] if len(given) == 1 else given or None
    return transpose(low, args["a"], axes, args.call)


@HANDLERS.function("square")
def _np_square(low: Frame, args: Arguments, name: str) -> Node:
    x = args["x"]
    return low.b.mul(x, x)


@HANDLERS.function("clip")
@HANDLERS.method("clip")
def _clip(low: Frame, args: Arguments, name: str) -> Node:
    """``np.clip(x, lo, hi)``: either bound may be None (or left out); NumPy's a_min and
    a_max, or min and max, by name."""
    x = args.array("a")
    bounds = []
    for old, new in (("a_min", "min"), ("a_max", "max")):
        if args.given(old) and args.given(new):
            raise low.src.error(f"{args.label}() got both {old}= and {new}=", args.call)
        bounds.append(args[old] if args.given(old) else args[new])
    lo, hi = bounds
    if lo is not None:
        x = low.b.apply("max", x, low.number(lo, args.call))
    if hi is not None:
        x = low.b.apply("min", x, low.number(hi, args.call))
    return x


@HANDLERS.attribute("T")
def _t(low: Frame, base: Node, e: ast.Attribute) -> Node:
    return low.b.apply("transpose", base, attrs=(None,))


@HANDLERS.attribute("ndim")
def _ndim(low: Frame, base: Node, e: ast.Attribute) -> Node:
    return low.b.const(0 if base.type is None else base.type.ndim)


@HANDLERS.attribute("size")
def _size(low: Frame, base: Node, e: ast.Attribute) -> Node:
    if base.type is None:
        return low.b.const(1)
    return low.b.apply("size", base, attrs=(None,))


@HANDLERS.attribute("shape")
def _shape(low: Frame, base: Node, e: ast.Attribute) -> tuple[Node, ...]:
    ndim = 0 if base.type is None else base.type.ndim
    return tuple(low.b.apply("size", base, attrs=((i,),)) for i in range(ndim))


# The attributes a number offers as the 0-d array it is to NumPy (``x.shape == ()``).
NUMBER_ATTRIBUTES = ("ndim", "size", "shape")


@HANDLERS.function("shape", "ndim", "size")
def _np_shape(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, ...]:
    """``np.shape(x)``, ``np.ndim(x)``, ``np.size(x)`` (of a number too) and ``np.size(x,
    axis)``."""
    x = args.array("a")
    if name == "size" and args["axis"] is not None:
        if x.type is None:
            raise low.src.error("np.size(x, axis) of a number: it has no axes", args.call)
        axes = axes_of(low, args["axis"], x.type.ndim, args.call)
        if axes is None or len(axes) != 1:
            raise low.src.error("np.size() axis must be one constant int here", args.call)
        return low.b.apply("size", x, attrs=(axes,))
    return HANDLERS.attributes[name](low, x, args.call)  # type: ignore[arg-type]


def length(low: Frame, value: Node) -> Node:
    """``len(x)`` of an array: the length of its first axis."""
    if value.type.ndim == 0:
        raise TypeError("len() of a 0-d array")
    return low.b.apply("size", value, attrs=((0,),))


def product(low: Frame, name: str, a: Any, b: Any, e: ast.AST) -> Node:
    """``a @ b``, ``np.dot``, ``np.matmul``, ``np.inner``."""
    a, b = low.number(a, e), low.number(b, e)
    if a.type is None or b.type is None:
        if name == "matmul":
            raise low.src.error("the @ operator (a matrix product) of a number: use * to scale", e)
        return low.b.mul(a, b)
    m, n = a.type.ndim, b.type.ndim
    if m == 0 or n == 0:
        return low.b.mul(a, b)
    if name == "inner" and n > 1:  # over the last axes of both
        return _contract(low, a, b, n - 1, 0)
    if name == "dot" and m > 1 and n > 2:  # a's last axis with b's second to last
        return _contract(low, a, b, n - 2, 1)
    return low.b.apply("matmul", a, b)


def _contract(low: Frame, a: Node, b: Node, lead: int, tail: int) -> Node:
    """``a``'s last axis summed with the axis of ``b`` after its `lead` first ones (and
    before its `tail` last ones): the result has a's other axes, then b's."""
    letters = iter(string.ascii_letters)
    first = "".join(next(letters) for _ in range(a.type.ndim - 1))
    second, rest = ("".join(next(letters) for _ in range(k)) for k in (lead, tail))
    summed = next(letters)
    subscripts = f"{first}{summed},{second}{summed}{rest}->{first}{second}{rest}"
    return low.b.apply("einsum", a, b, attrs=(subscripts,))


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


def literal(low: Frame, e: ast.expr) -> Any:
    """The value of `e`, with a list or tuple literal, and each one in it, as a tuple of
    its items' values (a list of pairs such as ``[(1, 1), (0, 2)]`` is not a list of
    numbers)."""
    if not isinstance(e, (ast.List, ast.Tuple)):
        return low.expr(e)
    return tuple(tuple(low.expr(i) for i in item.elts) if isinstance(item, (ast.List, ast.Tuple))
                 else low.expr(item) for item in e.elts)


def constant(low: Frame, value: Any, kind: type, what: str, e: ast.AST) -> Any:
    """The value `value` has while compiling (`names.compile_time`: a literal, or an int
    read from a global), which must be a `kind`; None for None."""
    if value is None:
        return None
    known = compile_time(low, value)
    if isinstance(known, kind) and (kind is not int or not isinstance(known, bool)):
        return known
    raise low.src.error(f"{what} must be a constant {kind.__name__} here", e)


def axes_of(low: Frame, value: Any, ndim: int, e: ast.AST, keep_order: bool = False
          ) -> Axes:
    """Constant axes (an int, or a tuple or list of them), made non-negative (and sorted
    unless `keep_order`); None for all."""
    if value is None or compile_time(low, value) is None:
        return None
    items = value if isinstance(value, (tuple, list)) else (value,)
    axes = []
    for item in items:
        a = constant(low, item, int, "axis", e)
        if not -ndim <= a < ndim:
            raise low.src.error(f"axis {a} is out of bounds for an array of {ndim} axes", e)
        axes.append(a % ndim)
    return tuple(axes) if keep_order else tuple(sorted(set(axes)))
