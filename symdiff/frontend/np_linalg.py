"""Lowering of NumPy reductions beyond sum/mean (``np.prod``, ``np.max``/``np.amax``,
``np.min``/``np.amin`` and the methods ``x.prod()``, ``x.max()``, ``x.min()``),
``np.einsum``, ``np.tensordot`` (an einsum), ``np.kron``, ``np.trace``/``x.trace()``
(with ``offset``, ``axis1``, ``axis2``: the sum of a ``np.diagonal``),
``np.vdot`` of vectors, ``np.linalg.norm`` (vector 2-norms and Frobenius norms) and
``np.linalg.det``/``inv``/``solve``.

Contract: handlers of `frontend.arrays`' tables (see there). Axes, ``keepdims``,
``ord``, tensordot's ``axes`` and einsum subscripts must be constants; what NumPy would
compute but symdiff does not differentiate (another ``ord``, ``'...'`` in subscripts) is a
located error naming it.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, arguments, axes_of, constant, literal, vectors
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_structure import diagonal, given_arguments
from symdiff.frontend.values import is_array
from symdiff.ir import linalg
from symdiff.ir.node import Node

# The primitive of each reduction, by the NumPy name it is called by.
_REDUCTIONS = {"prod": "prod", "max": "amax", "amax": "amax", "min": "amin", "amin": "amin"}

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("prod", "max", "amax", "min", "amin")
def _np_reduction(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "keepdims"), optional=1)
    if len(args) == 2:
        kws["axis"] = args[1]
    return reduction(low, name, args[0], kws, e)


@HANDLERS.method("prod", "max", "min")
def _reduction_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, ("axis", "keepdims"), optional=1)
    if args:
        kws["axis"] = args[0]
    return reduction(low, name, base, kws, e)


def reduction(low: Frame, name: str, x: Any, kws: dict[str, Any], e: ast.Call) -> Node:
    """``np.prod``/``np.max``/``np.min`` of `x` with the constant ``axis`` and ``keepdims``
    of `kws`."""
    x = low.number(x, e)
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    if x.type is None:
        return x  # of a number: that number
    axes = axes_of(low, kws.get("axis"), x.type.ndim, e)
    return low.b.apply(_REDUCTIONS[name], x, attrs=(axes, keepdims))


@HANDLERS.function("einsum")
def _np_einsum(low: Frame, e: ast.Call, name: str) -> Node:
    if e.keywords:
        raise low.src.error(f"unsupported keyword argument {e.keywords[0].arg}= of "
                            f"{ast.unparse(e.func)}()", e.keywords[0])
    if not e.args or not (isinstance(e.args[0], ast.Constant)
                          and isinstance(e.args[0].value, str)):
        raise low.src.error("np.einsum takes its subscripts as a string literal here "
                            "(\"ij,jk->ik\")", e)
    operands = [low.number(low.expr(a), a) for a in e.args[1:]]
    try:
        specs, output = linalg.parse(e.args[0].value, len(operands))
    except ValueError as error:
        raise low.src.error(str(error), e.args[0]) from None
    for spec, x, where in zip(specs, operands, e.args[1:], strict=True):
        ndim = x.type.ndim if x.type is not None else 0
        if len(spec) != ndim:
            raise low.src.error(f"einsum subscripts {spec!r} for an operand of {ndim} axes",
                                where)
    if all(x.type is None for x in operands):
        raise low.src.error("np.einsum of numbers only: use *", e)
    return low.b.apply("einsum", *operands, attrs=(linalg.subscripts_of(specs, output),))


@HANDLERS.function("tensordot")
def _np_tensordot(low: Frame, e: ast.Call, name: str) -> Node:
    if len(e.args) > 3 or len(e.args) < 2:
        raise low.src.error("np.tensordot() takes two arrays and axes here", e)
    # The axes are read as written: a list of lists is not a list of numbers.
    rest = ast.copy_location(ast.Call(e.func, e.args[:2], [
        kw for kw in e.keywords if kw.arg != "axes"]), e)
    (a, b), _ = arguments(low, rest, 2, ())
    written = e.args[2] if len(e.args) > 2 else next(
        (kw.value for kw in e.keywords if kw.arg == "axes"), None)
    a, b = low.number(a, e), low.number(b, e)
    given = literal(low, written) if written is not None else low.b.const(2)
    first, second = _contracted(low, given, *(x.type.ndim if x.type is not None else 0
                                              for x in (a, b)), e)
    if a.type is None or b.type is None:
        return low.b.mul(a, b)  # nothing contracted: a number scales the other
    letters = linalg.fresh_letters(a.type.ndim + b.type.ndim)
    spec_a = letters[:a.type.ndim]
    spec_b = list(letters[a.type.ndim:])
    for i, j in zip(first, second, strict=True):
        spec_b[j] = spec_a[i]
    output = "".join(c for i, c in enumerate(spec_a) if i not in first) + "".join(
        c for j, c in enumerate(spec_b) if j not in second)
    return linalg.einsum(low.b, [spec_a, "".join(spec_b)], output, [a, b])


def _contracted(low: Frame, given: Any, na: int, nb: int, e: ast.AST
                ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The axes of each array tensordot's ``axes`` contracts, in pairs."""
    if isinstance(given, Node):
        n = constant(low, given, int, "np.tensordot() axes", e)
        if not 0 <= n <= min(na, nb):
            raise low.src.error(f"np.tensordot(): cannot contract {n} axes of arrays of "
                                f"{na} and {nb} axes", e)
        return tuple(range(na - n, na)), tuple(range(n))
    if not isinstance(given, tuple) or len(given) != 2:
        raise low.src.error("np.tensordot() axes must be an int or a pair of axes or of "
                            "lists of axes", e)
    first, second = (axes_of(low, g, n, e, keep_order=True) for g, n in zip(
        given, (na, nb), strict=True))
    if first is None or second is None or len(first) != len(second) or \
            len(set(first)) != len(first) or len(set(second)) != len(second):
        raise low.src.error("np.tensordot(): give as many different axes of each array", e)
    return first, second


@HANDLERS.function("kron")
def _np_kron(low: Frame, e: ast.Call, name: str) -> Node:
    (a, b), _ = arguments(low, e, 2, ())
    a, b = low.number(a, e), low.number(b, e)
    if a.type is None or b.type is None:
        return low.b.mul(a, b)
    # Each array given the other's rank, as NumPy does, by leading axes of length one.
    n = max(a.type.ndim, b.type.ndim)
    a, b = (x if x.type.ndim == n else low.b.apply(
        "expand_dims", x, attrs=(tuple(range(n - x.type.ndim)),)) for x in (a, b))
    return low.b.apply("kron", a, b)


@HANDLERS.function("trace")
def _np_trace(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, _DIAGONAL, optional=3)
    return trace(low, args[0], given_arguments(args[1:], kws, _DIAGONAL), e)


@HANDLERS.method("trace")
def _trace_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, _DIAGONAL, optional=3)
    return trace(low, base, given_arguments(args, kws, _DIAGONAL), e)


_DIAGONAL = ("offset", "axis1", "axis2")


def trace(low: Frame, x: Any, given: dict[str, Any], e: ast.Call) -> Node:
    """The sum of a diagonal (by default that of the first two axes): of another offset
    or other axes, the sum of ``np.diagonal``'s last axis."""
    x = low.number(x, e)
    if not is_array(x) or x.type.ndim < 2:
        raise low.src.error("trace of an array of fewer than two axes", e)
    defaults = {"offset": 0, "axis1": 0, "axis2": 1}
    if all(isinstance(v, Node) and v.is_const and v.value == defaults[k]
           for k, v in given.items()):
        return low.b.apply("trace", x)
    d = diagonal(low, x, given, e)
    return low.b.apply("sum", d, attrs=((d.type.ndim - 1,), False))


@HANDLERS.function("vdot")
def _np_vdot(low: Frame, e: ast.Call, name: str) -> Node:
    (a, b), _ = arguments(low, e, 2, ())
    if not vectors(a, b):
        raise low.src.error("np.vdot of arrays other than two vectors (not yet)", e)
    return low.b.apply("matmul", a, b)


@HANDLERS.function("linalg.norm")
def _np_norm(low: Frame, e: ast.Call, name: str) -> Node:
    if not 1 <= len(e.args) <= 2:
        raise low.src.error("np.linalg.norm takes x and ord positionally here (axis= and "
                            "keepdims= by name)", e)
    ord_node = e.args[1] if len(e.args) == 2 else None
    kws: dict[str, Any] = {}
    for kw in e.keywords:
        if kw.arg == "ord":
            ord_node = kw.value
        elif kw.arg in ("axis", "keepdims"):
            kws[kw.arg] = low.expr(kw.value)
        else:
            raise low.src.error(f"unsupported keyword argument {kw.arg}= of "
                                f"{ast.unparse(e.func)}()", kw)
    x = low.number(low.expr(e.args[0]), e.args[0])
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    order = _order(low, ord_node)
    if x.type is None:
        if order is not None:
            raise low.src.error("np.linalg.norm with ord of a number", e)
        return low.b.apply("abs", x)
    ndim = x.type.ndim
    axes = axes_of(low, kws.get("axis"), ndim, e, keep_order=True)
    if axes is not None and len(set(axes)) != len(axes):
        raise low.src.error("np.linalg.norm: an axis is repeated", e)
    # NumPy computes a vector norm (one axis, or all of a 1-D array), a matrix norm (two
    # axes, or all of a 2-D array) or, without ord and axis, the 2-norm of every entry.
    if axes is not None and len(axes) > 2 or axes is None and order is not None and ndim > 2:
        raise low.src.error("np.linalg.norm over more than two axes: NumPy has no such norm "
                            "(leave out ord and axis for the 2-norm of every entry)", e)
    matrix = len(axes) == 2 if axes is not None else ndim == 2
    where = ord_node if ord_node is not None else e
    if order == "fro" and not matrix:
        raise low.src.error("np.linalg.norm(ord='fro') is a norm of matrices, not of vectors",
                            where)
    if order == 2 and matrix:
        raise low.src.error("np.linalg.norm(ord=2) of a matrix (its largest singular value) "
                            "is not supported; ord=None or 'fro' is the Frobenius norm", where)
    if order not in (None, 2, "fro"):
        raise low.src.error(f"np.linalg.norm(ord={order!r}) is not supported: only the vector "
                            "2-norm (ord=None or 2) and the Frobenius norm (ord=None or 'fro')",
                            where)
    chosen = None if axes is None or len(axes) == ndim else tuple(sorted(axes))
    return low.b.apply("norm", x, attrs=(chosen, keepdims))


def _order(low: Frame, node: ast.expr | None) -> Any:
    if node is None or isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) \
            and not isinstance(node.value, bool):
        return node.value
    raise low.src.error(f"np.linalg.norm(ord={ast.unparse(node)}) is not supported: ord must "
                        "be None, 2 or 'fro', written as a literal", node)


@HANDLERS.function("linalg.det", "linalg.inv")
def _np_square(low: Frame, e: ast.Call, name: str) -> Node:
    (a,), _ = arguments(low, e, 1, ())
    if not is_array(a) or a.type.ndim != 2:
        raise low.src.error(f"np.{name} of a matrix (2-D array) only here", e)
    return low.b.apply(name.split(".")[1], a)


@HANDLERS.function("linalg.solve")
def _np_solve(low: Frame, e: ast.Call, name: str) -> Node:
    (a, rhs), _ = arguments(low, e, 2, ())
    if not (is_array(a) and a.type.ndim == 2 and is_array(rhs) and rhs.type.ndim in (1, 2)):
        raise low.src.error("np.linalg.solve of a matrix and a vector or matrix only here", e)
    return low.b.apply("solve", a, rhs)
