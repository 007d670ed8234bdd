"""Lowering of the ``scipy.linalg`` functions Gaussian-process and least-squares code
uses: ``cholesky``, ``solve_triangular``, ``cho_factor`` and ``cho_solve``; and ``expm``.

Contract: `call(frame, name, e)` lowers the call `e` of ``scipy.linalg.<name>``, one of
`resolve.SCIPY_LINALG`. The first four are lowered onto NumPy primitives, so their
generated code needs NumPy only: a triangular solve is ``np.linalg.solve`` of the
triangle (``np.tril``/``np.triu``) it reads, whose derivatives are those of ``solve``
and of the triangle. ``expm`` is its own primitive (`ir.matrices`), emitted as SciPy's
call. The argument is a 2-D matrix (a stack of them is a located error). ``cho_factor``
gives ``(c, lower)`` with the factor in the triangle
``lower`` says and zeros in the other (SciPy leaves arbitrary values there; nothing
reads them), and ``cho_solve`` takes such a pair. Options must be constants;
``overwrite_*`` and ``check_finite`` are accepted and change nothing (generated code
never overwrites an argument).
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import arguments
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_matrices import cholesky, matrix, option, triangular
from symdiff.frontend.values import is_array
from symdiff.ir.node import Node

_IGNORED = ("overwrite_a", "overwrite_b", "check_finite")


def call(low: Frame, name: str, e: ast.Call) -> Any:
    """The value of the call `e` of ``scipy.linalg.<name>``."""
    return _LINALG[name](low, e)


def _label(e: ast.Call) -> str:
    return ast.unparse(e.func)


def _lower(low: Frame, kws: dict[str, Any], e: ast.Call) -> bool:
    return bool(option(low, kws.get("lower"), (False, True), "lower", e))


def _rhs(low: Frame, value: Any, e: ast.Call) -> Node:
    if not (is_array(value) and value.type.ndim in (1, 2)):
        raise low.src.error(f"{_label(e)} of a right-hand side that is a vector or a matrix "
                            "only here", e)
    return value


def solve_with(low: Frame, t: Node, rhs: Node, transposed: bool) -> Node:
    """The solution of ``t x = rhs`` (``t.T x = rhs`` when `transposed`)."""
    if transposed:
        t = low.b.apply("transpose", t, attrs=(None,))
    return low.b.apply("solve", t, rhs)


def _cholesky(low: Frame, e: ast.Call) -> Node:
    args, kws = arguments(low, e, 1, ("lower", *_IGNORED), optional=1)
    if len(args) == 2:
        kws["lower"] = args[1]
    return cholesky(low, matrix(low, args[0], _label(e), e), _lower(low, kws, e))


def _solve_triangular(low: Frame, e: ast.Call) -> Node:
    args, kws = arguments(low, e, 2, ("trans", "lower", "unit_diagonal", *_IGNORED),
                          optional=3)
    for key, value in zip(("trans", "lower", "unit_diagonal"), args[2:], strict=False):
        kws[key] = value
    a = matrix(low, args[0], _label(e), e)
    rhs = _rhs(low, args[1], e)
    trans = option(low, kws.get("trans"), (0, 1, 2, "N", "T", "C"), "trans", e)
    unit = option(low, kws.get("unit_diagonal"), (False, True), "unit_diagonal", e)
    t = triangular(low, a, _lower(low, kws, e), bool(unit))
    # For a real matrix, the conjugate transpose (2, "C") is the transpose.
    return solve_with(low, t, rhs, trans not in (0, "N"))


def _cho_factor(low: Frame, e: ast.Call) -> tuple[Node, Node]:
    args, kws = arguments(low, e, 1, ("lower", *_IGNORED), optional=1)
    if len(args) == 2:
        kws["lower"] = args[1]
    lower = _lower(low, kws, e)
    return cholesky(low, matrix(low, args[0], _label(e), e), lower), low.b.const(lower)


def _cho_solve(low: Frame, e: ast.Call) -> Node:
    (pair, rhs), _ = arguments(low, e, 2, _IGNORED)
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise low.src.error(f"{_label(e)} takes the pair (c, lower) that "
                            "scipy.linalg.cho_factor returns", e.args[0])
    c = matrix(low, pair[0], _label(e), e)
    lower = bool(option(low, pair[1], (False, True), "lower", e.args[0]))
    # c = L (lower) or U = L.T: A = L L^T, so x = L^-T (L^-1 b).
    t = triangular(low, c, lower)
    inner = solve_with(low, t, _rhs(low, rhs, e), transposed=not lower)
    return solve_with(low, t, inner, transposed=lower)


def _expm(low: Frame, e: ast.Call) -> Node:
    (a,), _ = arguments(low, e, 1, ())
    return low.b.apply("expm", matrix(low, a, _label(e), e))


_LINALG = {"cholesky": _cholesky, "solve_triangular": _solve_triangular,
           "cho_factor": _cho_factor, "cho_solve": _cho_solve, "expm": _expm}
