"""Lowering of NumPy's matrix functions and decompositions: ``np.tril``, ``np.triu`` and
``np.linalg.cholesky``, ``slogdet``, ``eigh``, ``eigvalsh``, ``pinv``, ``matrix_power``,
``lstsq``, ``qr``, ``svd``.

Contract: handlers of `frontend.arrays`' tables (see there), given the arguments bound
to NumPy's parameters (`np_signatures`). The argument is a 2-D matrix; a stack of
matrices (more axes) is a located error saying it is not supported yet. Options
(``UPLO``, ``mode``, ``upper``, ``full_matrices``, ``k``, the power) must be known while
compiling (literals, or read from a global: `names.compile_time`); a function returning
several values gives a tuple of nodes, one per value (``sign, logdet =
np.linalg.slogdet(A)``). What NumPy computes but symdiff does not differentiate
(``svd`` with full matrices, ``qr`` with ``mode='complete'``) is a located error naming
it. `matrix` and `triangular` serve the SciPy functions too.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.names import UNKNOWN, compile_time
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.values import is_array
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
    """The value `value` has while compiling (`names.compile_time`), one of `allowed`
    (its first when not given)."""
    found = None if value is None else compile_time(low, value)
    if found is None:
        return allowed[0]
    if found is UNKNOWN:
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


@HANDLERS.function("tril", "triu")
def _np_triangle(low: Frame, args: Arguments, name: str) -> Node:
    x = args.array("m")
    k = constant(low, args["k"], int, "k", args.call)
    if k is None:
        raise low.src.error(f"np.{name}: k must be a constant int", args.call)
    if not is_array(x) or x.type.ndim < 2:
        raise low.src.error(f"np.{name} of an array of fewer than two axes (not yet)",
                            args.call)
    return low.b.apply("triangle", x, attrs=(name == "tril", k))


def _matrix(low: Frame, args: Arguments) -> Node:
    return matrix(low, args.array("a"), args.label, args.call)


@HANDLERS.function("linalg.cholesky")
def _np_cholesky(low: Frame, args: Arguments, name: str) -> Node:
    upper = option(low, args["upper"], (False, True), "upper", args.call)
    return cholesky(low, _matrix(low, args), lower=not upper)


@HANDLERS.function("linalg.slogdet")
def _np_slogdet(low: Frame, args: Arguments, name: str) -> tuple[Node, Node]:
    a = _matrix(low, args)
    return low.b.apply("slogdet", a, attrs=(0,)), low.b.apply("slogdet", a, attrs=(1,))


def _uplo(low: Frame, args: Arguments) -> tuple[Node, bool]:
    uplo = option(low, args["UPLO"], ("L", "U"), "UPLO", args.call)
    return _matrix(low, args), uplo == "L"


@HANDLERS.function("linalg.eigh")
def _np_eigh(low: Frame, args: Arguments, name: str) -> tuple[Node, Node]:
    a, lower = _uplo(low, args)
    return tuple(low.b.apply("eigh", a, attrs=(i, lower)) for i in (0, 1))  # type: ignore


@HANDLERS.function("linalg.eigvalsh")
def _np_eigvalsh(low: Frame, args: Arguments, name: str) -> Node:
    a, lower = _uplo(low, args)
    return low.b.apply("eigvalsh", a, attrs=(lower,))


@HANDLERS.function("linalg.pinv")
def _np_pinv(low: Frame, args: Arguments, name: str) -> Node:
    return low.b.apply("pinv", _matrix(low, args))


@HANDLERS.function("linalg.matrix_power")
def _np_matrix_power(low: Frame, args: Arguments, name: str) -> Node:
    """``A @ A @ ...`` by repeated squaring; a negative power of the inverse."""
    a = _matrix(low, args)
    n = constant(low, args["n"], int, "the power n", args.call)
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
def _np_lstsq(low: Frame, args: Arguments, name: str) -> tuple[Node, ...]:
    """``(x, residuals, rank, s)``; `rcond` must be None (NumPy 2's default)."""
    option(low, args["rcond"], (None,), "rcond", args.call)
    a = _matrix(low, args)
    rhs = args.array("b")
    if not (is_array(rhs) and rhs.type.ndim in (1, 2)):
        raise low.src.error(f"{args.label} of a right-hand side that is a vector or a "
                            "matrix only here", args.call)
    return (*(low.b.apply("lstsq", a, rhs, attrs=(i,)) for i in range(3)),
            low.b.apply("svd", a, attrs=(1,)))


@HANDLERS.function("linalg.qr")
def _np_qr(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, Node]:
    mode = option(low, args["mode"], ("reduced", "r"), "mode", args.call)
    a = _matrix(low, args)
    if mode == "r":
        return low.b.apply("qr", a, attrs=(1,))
    return low.b.apply("qr", a, attrs=(0,)), low.b.apply("qr", a, attrs=(1,))


@HANDLERS.function("linalg.svd")
def _np_svd(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, ...]:
    a = _matrix(low, args)
    if not option(low, args["compute_uv"], (True, False), "compute_uv", args.call):
        return singular_values(low, a)
    if option(low, args["full_matrices"], (True, False), "full_matrices", args.call):
        raise low.src.error("np.linalg.svd with full_matrices=True (the default): the extra "
                            "columns of a rectangular matrix's U or Vh are not "
                            "differentiable; pass full_matrices=False", args.call)
    return tuple(low.b.apply("svd", a, attrs=(i,)) for i in range(3))


def singular_values(low: Frame, a: Node) -> Node:
    """The singular values of the matrix `a`, largest first."""
    return low.b.apply("svd", a, attrs=(1,))
