"""Lowering of the multivariate ``scipy.stats`` distributions' methods onto the formulas
SciPy computes (`scipy_stats` reads their arguments, frozen or not).

Contract: `normal(frame, e, method, values)`, `dirichlet(...)` and
`dirichlet_multinomial(...)` lower the call `e` given its arguments by name
(`PARAMETERS`, after the point ``x``).
- ``multivariate_normal``: ``cov`` is a 2-D array; ``logpdf``/``pdf`` take ``x`` of
  one sample (1-D) or one per row (2-D): ``-(d log(2 pi) + log det(cov) + (x - mean)
  cov^-1 (x - mean)) / 2``; ``entropy`` is ``(d (1 + log(2 pi)) + log det(cov)) / 2``.
  With a constant ``allow_singular=True``, as SciPy computes it: the rank and the
  pseudo-determinant (the product of the eigenvalues above SciPy's cutoff, ``1e6 *
  eps`` times the largest) replace ``d`` and the determinant, the pseudo-inverse
  (``np.linalg.pinv`` with that cutoff) the inverse, the log density is -inf at a
  point off the covariance's range (farther than the cutoff), and a covariance with
  an eigenvalue below minus the cutoff raises ValueError. Derivatives in ``cov`` are
  then those of a covariance of constant rank.
- ``dirichlet_multinomial``: ``pmf``/``logpmf`` of counts ``x`` (the categories along
  the last axis, broadcasting against ``alpha``'s) of ``n`` trials, as SciPy computes
  it, ``-inf`` where the counts do not sum to ``n``; SciPy's ValueErrors for counts or
  ``n`` that are not whole numbers >= 0 and for ``alpha <= 0``.
- ``dirichlet``: ``alpha`` is 1-D and ``x`` holds one point (1-D) or one per column
  (2-D, the components along its first axis): ``sum((alpha - 1) log x) - (sum(gammaln
  (alpha)) - gammaln(sum(alpha)))``. The generated code raises SciPy's ValueErrors: for
  ``alpha <= 0``, components outside ``[0, 1]``, a zero component whose ``alpha < 1``,
  and columns that do not sum to 1 (within ``1e-9``).
"""

from __future__ import annotations

import ast
import math
import sys
from typing import Any

from symdiff.frontend.arrays import constant
from symdiff.frontend.frame import Frame
from symdiff.ir.matrices import mm
from symdiff.ir.node import Node, NodeBuilder
from symdiff.unparse import unparse

_LOG_2PI = math.log(2.0 * math.pi)
# SciPy's cutoff of the eigenvalues of a singular covariance, relative to the largest.
_SINGULAR_CUTOFF = 1e6 * sys.float_info.epsilon

# The parameters of each distribution (after the point), and how many must be given.
PARAMETERS: dict[str, tuple[tuple[str, ...], int]] = {
    "multivariate_normal": (("mean", "cov", "allow_singular"), 0),
    "dirichlet": (("alpha",), 1),
    "dirichlet_multinomial": (("alpha", "n"), 2),
}


def normal(low: Frame, e: ast.Call, method: str, values: dict[str, Any]) -> Node:
    """``multivariate_normal.<method>`` of the call `e`."""
    label = unparse(e.func)
    cov = values.get("cov")
    if not (isinstance(cov, Node) and cov.type is not None and cov.type.ndim == 2):
        raise low.src.error(f"{label}() takes cov as a 2-D array here", e)
    singular = constant(low, values.get("allow_singular"), bool, "allow_singular", e)
    b = low.b
    if singular:
        rank, log_det, inverse, cutoff = _pseudo(b, cov)
    else:
        rank = b.apply("size", cov, attrs=((0,),))
        log_det = b.log(b.apply("det", cov))
    if method == "entropy":
        return b.mul(0.5, b.add(b.mul(rank, 1.0 + _LOG_2PI), log_det))
    x = low.number(values["x"], e)
    if x.type is None or x.type.ndim not in (1, 2):
        raise low.src.error(f"{label}() takes x as a 1-D array (one sample) or a 2-D one "
                            "(a sample per row) here", e)
    mean = values.get("mean")
    d = x if mean is None else b.sub(x, low.number(mean, e))
    rows = d if x.type.ndim == 1 else b.apply("transpose", d, attrs=(None,))
    # cov^-1 (x - mean), a column per sample
    solved = mm(b, inverse, rows) if singular else b.apply("solve", cov, rows)
    squares = b.apply("sum", b.mul(rows, solved), attrs=((0,), False))
    total = b.add(b.add(b.mul(rank, _LOG_2PI), log_det), squares)
    value = b.mul(-0.5, total)
    if singular:
        # -inf off the covariance's range, where SciPy's rank is below the dimension
        off = b.sub(rows, mm(b, cov, solved))
        distance = b.sqrt(b.apply("sum", b.square(off), attrs=((0,), False)))
        outside = b.apply("ge", distance, cutoff)
        short = b.apply("lt", rank, b.apply("size", cov, attrs=((0,),)))
        value = b.select(short, b.select(outside, -math.inf, value), value)
    return b.exp(value) if method == "pdf" else value


def _pseudo(b: NodeBuilder, cov: Node) -> tuple[Node, Node, Node, Node]:
    """The rank, log pseudo-determinant and pseudo-inverse of a covariance, and SciPy's
    cutoff of its eigenvalues; a ValueError where one is negative beyond it."""
    eigenvalues = b.apply("eigvalsh", cov, attrs=(True,))
    cutoff = b.mul(_SINGULAR_CUTOFF, b.apply("amax", b.apply("abs", eigenvalues),
                                             attrs=(None, False)))
    negative = b.apply("any", b.apply("lt", eigenvalues, b.neg(cutoff)), attrs=(None, False))
    b.apply("raise_if", negative, attrs=(
        "ValueError", "the input matrix must be symmetric positive semidefinite"))
    kept = b.apply("gt", eigenvalues, cutoff)
    logs = b.select(kept, b.log(b.select(kept, eigenvalues, 1.0)), 0.0)
    log_det = b.apply("sum", logs, attrs=(None, False))
    rank = b.apply("sum", kept, attrs=(None, False))
    return rank, log_det, b.apply("pinv", cov, attrs=(_SINGULAR_CUTOFF,)), cutoff


def dirichlet(low: Frame, e: ast.Call, method: str, values: dict[str, Any]) -> Node:
    """``dirichlet.<method>`` of the call `e`."""
    label = unparse(e.func)
    x, alpha = low.number(values["x"], e), low.number(values["alpha"], e)
    if alpha.type is None or alpha.type.ndim != 1:
        raise low.src.error(f"{label}() takes alpha as a 1-D array here", e)
    if x.type is None or x.type.ndim not in (1, 2):
        raise low.src.error(f"{label}() takes x as a 1-D array (one point) or a 2-D one (a "
                            "point per column) here", e)
    b = low.b
    column = alpha if x.type.ndim == 1 else b.apply("keepdims", alpha, attrs=((1,),))
    terms = b.apply("xlogy", b.sub(column, 1.0), x)
    sums = b.apply("sum", x, attrs=((0,), False))
    for test, message in (
            (b.apply("le", alpha, 0.0), "All parameters must be greater than 0"),
            (b.apply("lt", x, 0.0), "Each entry in 'x' must be greater than or equal to zero."),
            (b.apply("gt", x, 1.0), "Each entry in 'x' must be smaller or equal one."),
            (b.apply("eq", terms, math.inf), "Each entry in 'x' must be greater than zero "
             "if its alpha is less than one."),
            (b.apply("gt", b.apply("abs", b.sub(sums, 1.0)), 1e-9),
             "The input vector 'x' must lie within the normal simplex.")):
        failed = test if test.type is None else b.apply("any", test, attrs=(None, False))
        b.apply("raise_if", failed, attrs=("ValueError", message))
    log_beta = b.sub(b.apply("sum", b.apply("gammaln", alpha), attrs=(None, False)),
                     b.apply("gammaln", b.apply("sum", alpha, attrs=(None, False))))
    value = b.sub(b.apply("sum", terms, attrs=((0,), False)), log_beta)
    return b.exp(value) if method == "pdf" else value


def dirichlet_multinomial(low: Frame, e: ast.Call, method: str, values: dict[str, Any]
                          ) -> Node:
    """``dirichlet_multinomial.<method>`` of the call `e`."""
    x, alpha, n = (low.number(values[p], e) for p in ("x", "alpha", "n"))
    if x.type is None or alpha.type is None:
        raise low.src.error(f"{unparse(e.func)}() takes x and alpha as arrays (the "
                            "categories along their last axis) here", e)
    b = low.b
    last = ((max(x.type.ndim, alpha.type.ndim) - 1,), False)
    for test, message in (
            (b.apply("or_", b.apply("any", b.apply("lt", x, 0.0), attrs=(None, False)),
                     b.apply("any", b.apply("ne", x, b.apply("floor", x)),
                             attrs=(None, False))),
             "`x` must contain only non-negative integers."),
            (b.apply("any", b.apply("le", alpha, 0.0), attrs=(None, False)),
             "`alpha` must contain only positive values."),
            (_any_of(b, b.apply("or_", b.apply("lt", n, 0.0),
                                b.apply("ne", n, b.apply("floor", n)))),
             "`n` must be a non-negative integer.")):
        b.apply("raise_if", test, attrs=("ValueError", message))
    total = b.apply("sum", alpha, attrs=((alpha.type.ndim - 1,), False))
    terms = b.sub(b.apply("gammaln", b.add(x, alpha)),
                  b.add(b.apply("gammaln", alpha), b.apply("gammaln", b.add(x, 1.0))))
    value = b.add(b.sub(b.add(b.apply("gammaln", total), b.apply("gammaln", b.add(n, 1.0))),
                        b.apply("gammaln", b.add(n, total))),
                  b.apply("sum", terms, attrs=last))
    value = b.select(b.apply("ne", n, b.apply("sum", x, attrs=last)), -math.inf, value)
    return b.exp(value) if method == "pmf" else value


def _any_of(b: NodeBuilder, test: Node) -> Node:
    """Whether `test` holds anywhere (itself, of a number)."""
    return test if test.type is None else b.apply("any", test, attrs=(None, False))
