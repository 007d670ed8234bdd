"""What the ``scipy.special`` records share (`ir.special`, `ir.bessel`): SciPy's own call
as their emission and implementation, the record maker, Taylor polynomials near a
removable singularity, and the node of a partial derivative symdiff does not have.

Contract:
- `function` makes the record of an elementwise ``scipy.special.<name>``, emitted as
  ``scipy.special.<name>(...)`` and computed by SciPy (imported when first called).
- `no_derivative` is the partial of a call in an argument symdiff cannot differentiate
  in: a `NO_DERIVATIVE` node that cannot be emitted; emitting it raises
  `UnsupportedSyntaxError` at the call (the `Place` in ``attrs[0]`` of the call's node).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from symdiff.errors import UnsupportedSyntaxError
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import PartialsRule, Primitive


def _special() -> Any:
    import scipy.special  # here: the table loads without SciPy

    return scipy.special


def _impl(name: str) -> Callable[..., Any]:
    return lambda *args: getattr(_special(), name)(*args)


def scipy_attr(name: str) -> ast.expr:
    """``scipy.special.<name>``."""
    special = ast.Attribute(ast.Name("scipy", ast.Load()), "special", ast.Load())
    return ast.Attribute(special, name, ast.Load())


def _scipy_call(name: str) -> Callable[[list[ast.expr], tuple[Any, ...]], ast.expr]:
    return lambda args, attrs: ast.Call(scipy_attr(name), list(args), [])


def math_call(name: str) -> Callable[[list[ast.expr], tuple[Any, ...]], ast.expr]:
    """The emission ``math.<name>(...)``: a ``scipy.special`` function's spelling for the
    numba backend on numbers (`Primitive.emit_native`), where the two agree."""
    module = ast.Name("math", ast.Load())
    return lambda args, attrs: ast.Call(ast.Attribute(module, name, ast.Load()), list(args), [])


def function(name: str, arity: int, partials: PartialsRule | None, sympy: Callable[..., Any],
              *, record: str | None = None, aliases: tuple[str, ...] = (),
              named: bool = True, **facts: Any) -> Primitive:
    """The record of ``scipy.special.<name>``, elementwise; a call of it (or of an alias)
    is this primitive unless `named` is False (the frontend lowers those calls itself)."""
    facts.setdefault("may_raise", False)
    return Primitive(record or name, arity, _impl(name), _scipy_call(name), partials,
                     sympy=sympy, scipy=(name, *aliases) if named else (),
                     cost="transcendental", **facts)


def log(b: NodeBuilder, x: Node | float) -> Node:
    """log(x) that is -inf at 0 and nan below, never an error: ``xlogy(1, x)``."""
    return b.apply("xlogy", 1.0, x)


def poly(b: NodeBuilder, u: Node, coefficients: tuple[float, ...]) -> Node | float:
    """sum(c_k u**k), by Horner's rule."""
    total: Node | float = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        total = b.add(c, b.mul(u, total))
    return total


def near_zero(b: NodeBuilder, u: Node, width: float, series: Node | float,
               away: Callable[[Node], Node]) -> Node:
    """`series` (a Taylor polynomial in `u`) where ``|u| < width``, else ``away(u')``
    with `u'` `u` there and 1 near 0, so that the formula never divides by zero: exact
    at 0 to every order of the polynomial."""
    near = b.apply("lt", b.apply("abs", u), width)
    return b.select(near, series, away(b.select(near, 1.0, u)))


class Place:
    """Where a call is in the user's source, for an error about it (an attribute of the
    call's node: equal places are one, and the IR's text shows ``file:line``). A call
    the user wrote as another function (``scipy.stats.t.cdf`` lowered onto ``stdtr``)
    names it in `label`, its arguments by the primitive's names in `names`, and the
    arguments it has derivatives in in `only`."""

    __slots__ = ("filename", "lineno", "col", "source_line", "label", "names", "only")

    def __init__(self, filename: str, lineno: int | None, col: int | None,
                 source_line: str | None, label: str | None = None,
                 names: tuple[tuple[str, str], ...] = (), only: str | None = None) -> None:
        self.filename, self.lineno, self.col = filename, lineno, col
        self.source_line = source_line
        self.label, self.names, self.only = label, names, only

    def _key(self) -> tuple[Any, ...]:
        return (self.filename, self.lineno, self.col, self.source_line, self.label,
                self.names, self.only)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Place) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


def no_derivative(b: NodeBuilder, node: Node, argument: str, only: str) -> Node:
    """The partial of `node` in its `argument`, which symdiff does not have: a node of
    `node`'s arguments that cannot be emitted, and whose own derivatives are itself, so
    that a derivative of any order that needs it is an error at the call."""
    place = node.attrs[0] if node.attrs else None
    label = f"scipy.special.{node.op}"
    if place is not None and place.label is not None:
        label, argument = place.label, dict(place.names).get(argument, argument)
        only = place.only or only
    message = (f"{label}() has no derivative with respect to its argument {argument} in "
               f"symdiff (only with respect to {only}): keep {argument} out of the "
               "differentiated arguments, or give the function a custom_jvp")
    return b.apply("no_derivative", *node.args, attrs=(message, place))


def _emit_no_derivative(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    message, place = attrs
    if place is None:
        raise UnsupportedSyntaxError(message)
    raise UnsupportedSyntaxError(message, place.filename, place.lineno, place.col,
                                 place.source_line)


# A partial derivative symdiff does not have (see `no_derivative`), of the arguments of
# the call it belongs to: ``attrs`` are the message and the call's `Place` or None.
NO_DERIVATIVE = Primitive("no_derivative", None, None, _emit_no_derivative,
                          lambda b, out, *args: (out,) * len(args), may_raise=False)
