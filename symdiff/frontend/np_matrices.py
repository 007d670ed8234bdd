"""Lowering of NumPy's matrix functions and decompositions: ``np.tril``, ``np.triu`` and
``np.linalg.cholesky``, ``slogdet``, ``eigh``, ``eigvalsh``, ``pinv``, ``matrix_power``,
``lstsq``, ``qr``, ``svd``.

Contract: handlers of `frontend.arrays`' tables (see there), given the arguments bound
to NumPy's parameters (`np_signatures`). The argument is a matrix or a stack of
matrices (the last two axes, as NumPy takes them), except for ``lstsq`` (a 2-D matrix,
as NumPy's). Options
(``UPLO``, ``mode``, ``upper``, ``full_matrices``, ``k``, the power) must be known while
compiling (literals, or read from a global: `names.compile_time`); a function returning
several values gives a tuple of nodes, one per value (``sign, logdet =
np.linalg.slogdet(A)``): NumPy's named results (``EighResult``...) are tuples with
their field names (`values.Named`). What NumPy computes but symdiff does not differentiate
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
from symdiff.frontend.values import Named, is_array
from symdiff.ir.linalg import mT
from symdiff.ir.node import Node

# The NumPy functions this module lowers.
HANDLERS = Handlers()

# Why symdiff does not lower the NumPy functions nearest to those here.
_COMPLEX = ("the eigenvalues and eigenvectors of a general real matrix are complex numbers "
            "(where it is not symmetric), and symdiff differentiates real numbers only; "
            "for a symmetric matrix use np.linalg.{} (real, and differentiated)")
WHY_NOT = {"np.linalg.eig": _COMPLEX.format("eigh"),
           "np.linalg.eigvals": _COMPLEX.format("eigvalsh")}


def matrix(low: Frame, value: Any, label: str, e: ast.AST, stacks: bool = False) -> Node:
    """`value`, which must be a 2-D array (or, with `stacks`, a stack of them): else a
    located error naming `label`."""
    if stacks and is_array(value) and value.type.ndim > 2:
        return value
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
    return low.b.add(strict, identity(low, a))


def identity(low: Frame, a: Node) -> Node:
    """The identity matrix shaped like the matrix `a`; a new stack of them for a stack."""
    nd = a.type.ndim
    eye = low.b.apply("eye_like", a, attrs=(nd - 2, nd - 1))
    return eye if nd == 2 else low.b.add(low.b.apply("zeros_like", a), eye)


def cholesky(low: Frame, a: Node, lower: bool) -> Node:
    """The lower (upper) Cholesky factor of `a`, read from that triangle of it."""
    if lower:
        return low.b.apply("cholesky", a)
    return mT(low.b, low.b.apply("cholesky", mT(low.b, a)))


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


def _matrix(low: Frame, args: Arguments, stacks: bool = True) -> Node:
    return matrix(low, args.array("a"), args.label, args.call, stacks)


@HANDLERS.function("linalg.cholesky")
def _np_cholesky(low: Frame, args: Arguments, name: str) -> Node:
    upper = option(low, args["upper"], (False, True), "upper", args.call)
    return cholesky(low, _matrix(low, args), lower=not upper)


@HANDLERS.function("linalg.slogdet")
def _np_slogdet(low: Frame, args: Arguments, name: str) -> tuple[Node, Node]:
    a = _matrix(low, args)
    return Named((low.b.apply("slogdet", a, attrs=(i,)) for i in (0, 1)),
                 ("sign", "logabsdet"))


def _uplo(low: Frame, args: Arguments) -> tuple[Node, bool]:
    uplo = option(low, args["UPLO"], ("L", "U"), "UPLO", args.call)
    return _matrix(low, args), uplo == "L"


@HANDLERS.function("linalg.eigh")
def _np_eigh(low: Frame, args: Arguments, name: str) -> tuple[Node, Node]:
    a, lower = _uplo(low, args)
    return Named((low.b.apply("eigh", a, attrs=(i, lower)) for i in (0, 1)),
                 ("eigenvalues", "eigenvectors"))


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
        return identity(low, a)
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
    if is_array(args["a"]) and args["a"].type.ndim > 2:
        raise low.src.error(f"{args.label} of a stack of matrices: NumPy takes a matrix (2-D "
                            "array) only (it raises LinAlgError); call it on each matrix",
                            args.call)
    a = _matrix(low, args, stacks=False)
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
    return Named((low.b.apply("qr", a, attrs=(i,)) for i in (0, 1)), ("Q", "R"))


@HANDLERS.function("linalg.svd")
def _np_svd(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, ...]:
    a = _matrix(low, args)
    if not option(low, args["compute_uv"], (True, False), "compute_uv", args.call):
        return singular_values(low, a)
    if option(low, args["full_matrices"], (True, False), "full_matrices", args.call):
        raise low.src.error("np.linalg.svd with full_matrices=True (the default): the extra "
                            "columns of a rectangular matrix's U or Vh are not "
                            "differentiable; pass full_matrices=False", args.call)
    return Named((low.b.apply("svd", a, attrs=(i,)) for i in range(3)), ("U", "S", "Vh"))


def singular_values(low: Frame, a: Node) -> Node:
    """The singular values of the matrix `a` (of each matrix of a stack), largest
    first."""
    return low.b.apply("svd", a, attrs=(1,))
