"""Lowering of NumPy's matrix functions and decompositions: ``np.tril``, ``np.triu`` and
``np.linalg.cholesky``, ``slogdet``, ``eigh``, ``eigvalsh``, ``pinv``, ``matrix_power``,
``lstsq``, ``qr``, ``svd``.

Contract: handlers of `frontend.arrays`' tables (see there). The argument is a 2-D
matrix; a stack of matrices (more axes) is a located error saying it is not supported
yet. Options (``UPLO``, ``mode``, ``upper``, ``full_matrices``, the power) must be
constants; a function returning several values gives a tuple of nodes, one per value
(``sign, logdet = np.linalg.slogdet(A)``). What NumPy computes but symdiff does not
differentiate (``svd`` with full matrices, ``qr`` with ``mode='complete'``) is a located
error naming it. `matrix` and `triangular` serve the SciPy functions too.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, arguments, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.values import Nothing, Text, is_array
from symdiff.ir.node import Node

# The NumPy functions this module lowers.
HANDLERS = Handlers()


def matrix(low: Frame, value: Any, label: str, e: ast.AST) -> Node:
    """`value`, which must be a 2-D array: else a located error naming `label`."""
    if is_array(value) and value.type.ndim > 2:
        raise low.src.error(f"{label} of a stack of matrices (an array of more than two "
                            "axes) is not supported yet: call it on each matrix", e)
    if not is_array(value) or value.type.ndim != 2:
        raise low.src.error(f"{label} of a matrix (2-D array) only", e)
    return value


def option(low: Frame, value: Any, allowed: tuple[Any, ...], what: str, e: ast.AST) -> Any:
    """The constant `value` of an option, one of `allowed` (its first when not given)."""
    if value is None or isinstance(value, Nothing):
        return allowed[0]
    if isinstance(value, Text):
        found: Any = value.value
    elif isinstance(value, Node) and value.is_const:
        found = value.value
    else:
        raise low.src.error(f"{what} must be a constant here", e)
    if found not in allowed:
        raise low.src.error(f"{what}={found!r} is not supported here: one of "
                            f"{', '.join(repr(a) for a in allowed)}", e)
    return found


def triangular(low: Frame, a: Node, lower: bool, unit: bool = False) -> Node:
    """The lower (upper) triangle of `a`, with ones on the diagonal when `unit`."""
    if not unit:
        return low.b.apply("triangle", a, attrs=(lower, 0))
    strict = low.b.apply("triangle", a, attrs=(lower, -1 if lower else 1))
    return low.b.add(strict, low.b.apply("eye_like", a, attrs=(0, 1)))


def cholesky(low: Frame, a: Node, lower: bool) -> Node:
    """The lower (upper) Cholesky factor of `a`, read from that triangle of it."""
    if lower:
        return low.b.apply("cholesky", a)
    flip = low.b.apply("transpose", a, attrs=(None,))
    return low.b.apply("transpose", low.b.apply("cholesky", flip), attrs=(None,))


def _label(e: ast.Call) -> str:
    return ast.unparse(e.func)


@HANDLERS.function("tril", "triu")
def _np_triangle(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("k",), optional=1)
    k_value = args[1] if len(args) == 2 else kws.get("k")
    k = constant(low, k_value, int, "k", e) or 0
    x = low.number(args[0], e)
    if not is_array(x) or x.type.ndim < 2:
        raise low.src.error(f"np.{name} of an array of fewer than two axes (not yet)", e)
    return low.b.apply("triangle", x, attrs=(name == "tril", k))


@HANDLERS.function("linalg.cholesky")
def _np_cholesky(low: Frame, e: ast.Call, name: str) -> Node:
    (a,), kws = arguments(low, e, 1, ("upper",))
    upper = option(low, kws.get("upper"), (False, True), "upper", e)
    return cholesky(low, matrix(low, a, _label(e), e), lower=not upper)


@HANDLERS.function("linalg.slogdet")
def _np_slogdet(low: Frame, e: ast.Call, name: str) -> tuple[Node, Node]:
    (a,), _ = arguments(low, e, 1, ())
    a = matrix(low, a, _label(e), e)
    return low.b.apply("slogdet", a, attrs=(0,)), low.b.apply("slogdet", a, attrs=(1,))


def _uplo(low: Frame, e: ast.Call) -> tuple[Node, bool]:
    args, kws = arguments(low, e, 1, ("UPLO",), optional=1)
    uplo = option(low, args[1] if len(args) == 2 else kws.get("UPLO"), ("L", "U"), "UPLO", e)
    return matrix(low, args[0], _label(e), e), uplo == "L"


@HANDLERS.function("linalg.eigh")
def _np_eigh(low: Frame, e: ast.Call, name: str) -> tuple[Node, Node]:
    a, lower = _uplo(low, e)
    return tuple(low.b.apply("eigh", a, attrs=(i, lower)) for i in (0, 1))  # type: ignore


@HANDLERS.function("linalg.eigvalsh")
def _np_eigvalsh(low: Frame, e: ast.Call, name: str) -> Node:
    a, lower = _uplo(low, e)
    return low.b.apply("eigvalsh", a, attrs=(lower,))


@HANDLERS.function("linalg.pinv")
def _np_pinv(low: Frame, e: ast.Call, name: str) -> Node:
    (a,), _ = arguments(low, e, 1, ())
    return low.b.apply("pinv", matrix(low, a, _label(e), e))


@HANDLERS.function("linalg.matrix_power")
def _np_matrix_power(low: Frame, e: ast.Call, name: str) -> Node:
    """``A @ A @ ...`` by repeated squaring; a negative power of the inverse."""
    (a, n_value), _ = arguments(low, e, 2, ())
    a = matrix(low, a, _label(e), e)
    n = constant(low, n_value, int, "the power n", e)
    if n == 0:
        return low.b.apply("eye_like", a, attrs=(0, 1))
    base = low.b.apply("inv", a) if n < 0 else a
    n = abs(n)
    result: Node | None = None
    while True:
        if n & 1:
            result = base if result is None else low.b.apply("matmul", result, base)
        n >>= 1
        if not n:
            return result  # type: ignore[return-value]
        base = low.b.apply("matmul", base, base)


@HANDLERS.function("linalg.lstsq")
def _np_lstsq(low: Frame, e: ast.Call, name: str) -> tuple[Node, ...]:
    """``(x, residuals, rank, s)``; `rcond` must be None (NumPy 2's default)."""
    args, kws = arguments(low, e, 2, ("rcond",), optional=1)
    rcond = args[2] if len(args) == 3 else kws.get("rcond")
    option(low, rcond, (None,), "rcond", e)
    a = matrix(low, args[0], _label(e), e)
    rhs = args[1]
    if not (is_array(rhs) and rhs.type.ndim in (1, 2)):
        raise low.src.error(f"{_label(e)} of a right-hand side that is a vector or a matrix "
                            "only here", e)
    return (*(low.b.apply("lstsq", a, rhs, attrs=(i,)) for i in range(3)),
            low.b.apply("svd", a, attrs=(1,)))


@HANDLERS.function("linalg.qr")
def _np_qr(low: Frame, e: ast.Call, name: str) -> Node | tuple[Node, Node]:
    args, kws = arguments(low, e, 1, ("mode",), optional=1)
    mode_value = args[1] if len(args) == 2 else kws.get("mode")
    mode = option(low, mode_value, ("reduced", "r"), "mode", e)
    a = matrix(low, args[0], _label(e), e)
    if mode == "r":
        return low.b.apply("qr", a, attrs=(1,))
    return low.b.apply("qr", a, attrs=(0,)), low.b.apply("qr", a, attrs=(1,))


@HANDLERS.function("linalg.svd")
def _np_svd(low: Frame, e: ast.Call, name: str) -> Node | tuple[Node, ...]:
    args, kws = arguments(low, e, 1, ("full_matrices", "compute_uv"), optional=2)
    if len(args) > 1:
        kws["full_matrices"] = args[1]
    if len(args) > 2:
        kws["compute_uv"] = args[2]
    a = matrix(low, args[0], _label(e), e)
    uv = option(low, kws.get("compute_uv"), (True, False), "compute_uv", e)
    if not uv:
        return low.b.apply("svd", a, attrs=(1,))
    full = kws.get("full_matrices")
    if full is None or option(low, full, (True, False), "full_matrices", e):
        raise low.src.error("np.linalg.svd with full_matrices=True (the default): the extra "
                            "columns of a rectangular matrix's U or Vh are not "
                            "differentiable; pass full_matrices=False", e)
    return tuple(low.b.apply("svd", a, attrs=(i,)) for i in range(3))
