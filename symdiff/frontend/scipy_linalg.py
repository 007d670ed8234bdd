"""Lowering of the ``scipy.linalg`` functions Gaussian-process and least-squares code
uses: ``cholesky``, ``solve_triangular``, ``cho_factor``, ``cho_solve`` and
``solve_banded``; and ``expm``, ``sqrtm`` and ``solve_sylvester``.

Contract: `call(frame, name, e)` lowers the call `e` of ``scipy.linalg.<name>``, one of
`resolve.SCIPY_LINALG`. The first five are lowered onto NumPy primitives, so their
generated code needs NumPy only: a triangular solve is ``np.linalg.solve`` of the
triangle (``np.tril``/``np.triu``) it reads, whose derivatives are those of ``solve``
and of the triangle. ``solve_banded((l, u), ab, b)`` (constant ``l`` and ``u``) is
``np.linalg.solve`` of the dense matrix ``sum_k np.diag(band k, k)`` read off ``ab``'s
rows (a ValueError, as SciPy's, when ``ab`` has not ``l + u + 1`` rows). ``expm``,
``sqrtm`` and ``solve_sylvester`` are primitives (`ir.matrices`, `ir.sylvester`),
emitted as SciPy's calls. ``cholesky`` and ``expm`` take a matrix or a stack of them
(the last two axes, as SciPy does); the others a 2-D matrix (a stack is a located
error). ``cho_factor`` gives ``(c, lower)`` with the factor in the triangle ``lower``
says and zeros in the other (SciPy leaves arbitrary values there; nothing reads them),
and ``cho_solve`` takes such a pair. Arguments are bound by position or
by SciPy's parameter names (`scipy_special.bind`); options must be known while
compiling; ``overwrite_*`` and ``check_finite`` are accepted and change nothing
(generated code never overwrites an argument).
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.frontend.names import compile_time
from symdiff.frontend.np_indexing import read
from symdiff.frontend.np_matrices import cholesky, matrix, option, triangular
from symdiff.frontend.scipy_special import bind
from symdiff.frontend.values import is_array
from symdiff.ir.node import Node
from symdiff.unparse import unparse

# SciPy's parameters of each function, in order, and how many of them are required;
# ``overwrite_*`` and ``check_finite`` are read and change nothing.
_PARAMETERS: dict[str, tuple[tuple[str, ...], int]] = {
    "cholesky": (("a", "lower", "overwrite_a", "check_finite"), 1),
    "solve_triangular": (("a", "b", "trans", "lower", "unit_diagonal", "overwrite_b",
                          "check_finite"), 2),
    "cho_factor": (("a", "lower", "overwrite_a", "check_finite"), 1),
    "cho_solve": (("c_and_lower", "b", "overwrite_b", "check_finite"), 2),
    "expm": (("A",), 1),
    "sqrtm": (("A",), 1),
    "solve_sylvester": (("a", "b", "q"), 3),
    "solve_banded": (("l_and_u", "ab", "b", "overwrite_ab", "overwrite_b", "check_finite"), 3),
}


def call(low: Frame, name: str, e: ast.Call) -> Any:
    """The value of the call `e` of ``scipy.linalg.<name>``."""
    return _LINALG[name](low, e, bind(low, e, *_PARAMETERS[name]))


def _label(e: ast.Call) -> str:
    return unparse(e.func)


def _lower(low: Frame, args: dict[str, Any], e: ast.Call) -> bool:
    return bool(option(low, args.get("lower"), (False, True), "lower", e))


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


def _cholesky(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    a = matrix(low, args["a"], _label(e), e, stacks=True)
    return cholesky(low, a, _lower(low, args, e))


def _solve_triangular(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    a = matrix(low, args["a"], _label(e), e)
    rhs = _rhs(low, args["b"], e)
    trans = option(low, args.get("trans"), (0, 1, 2, "N", "T", "C"), "trans", e)
    unit = option(low, args.get("unit_diagonal"), (False, True), "unit_diagonal", e)
    t = triangular(low, a, _lower(low, args, e), bool(unit))
    # For a real matrix, the conjugate transpose (2, "C") is the transpose.
    return solve_with(low, t, rhs, trans not in (0, "N"))


def _cho_factor(low: Frame, e: ast.Call, args: dict[str, Any]) -> tuple[Node, Node]:
    lower = _lower(low, args, e)
    return cholesky(low, matrix(low, args["a"], _label(e), e), lower), low.b.const(lower)


def _cho_solve(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    pair = args["c_and_lower"]
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise low.src.error(f"{_label(e)} takes the pair (c, lower) that "
                            "scipy.linalg.cho_factor returns", e.args[0] if e.args else e)
    c = matrix(low, pair[0], _label(e), e)
    lower = bool(option(low, pair[1], (False, True), "lower", e))
    # c = L (lower) or U = L.T: A = L L^T, so x = L^-T (L^-1 b).
    t = triangular(low, c, lower)
    inner = solve_with(low, t, _rhs(low, args["b"], e), transposed=not lower)
    return solve_with(low, t, inner, transposed=lower)


def _expm(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    return low.b.apply("expm", matrix(low, args["A"], _label(e), e, stacks=True))


def _sqrtm(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    return low.b.apply("sqrtm", matrix(low, args["A"], _label(e), e))


def _solve_sylvester(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    a, b, q = (matrix(low, args[p], _label(e), e) for p in ("a", "b", "q"))
    return low.b.apply("solve_sylvester", a, b, q, attrs=(0,))


def _solve_banded(low: Frame, e: ast.Call, args: dict[str, Any]) -> Node:
    pair = args["l_and_u"]
    counts = tuple(compile_time(low, v) for v in pair) if isinstance(pair, tuple) else ()
    if len(counts) != 2 or not all(type(c) is int and c >= 0 for c in counts):
        raise low.src.error(f"{_label(e)} takes (l, u), two constant whole numbers, as the "
                            "numbers of lower and upper diagonals here", e)
    lower, upper = counts
    ab = matrix(low, args["ab"], _label(e), e)
    b = low.b
    rows = b.apply("size", ab, attrs=((0,),))
    b.apply("raise_if", b.apply("ne", rows, lower + upper + 1), attrs=(
        "ValueError", "invalid values for the number of lower and upper diagonals"))
    side = ab.type.dims[1]
    dense: Node | None = None
    for k in range(-lower, upper + 1):  # the band's row u - k is the diagonal k
        columns = ("slice", k, None, None) if k >= 0 else ("slice", None, k, None)
        band = read(low, ab, (("int", upper - k), columns), [], e)
        diagonal = b.apply("diag", band, attrs=(k, (side, side)))
        dense = diagonal if dense is None else b.add(dense, diagonal)
    assert dense is not None
    return b.apply("solve", dense, _rhs(low, args["b"], e))


_LINALG = {"cholesky": _cholesky, "solve_triangular": _solve_triangular,
           "cho_factor": _cho_factor, "cho_solve": _cho_solve, "expm": _expm,
           "sqrtm": _sqrtm, "solve_sylvester": _solve_sylvester,
           "solve_banded": _solve_banded}
