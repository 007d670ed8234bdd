"""The ``quantile`` primitive (NumPy's median, quantiles and percentiles), checked through
emitted code: its value is NumPy's, forward and reverse mode agree with central
differences and with each other (with respect to the array and to q), and at ties the
derivative is shared equally among the entries equal to the statistic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff.ir import order
from symdiff.ir.builder import Builder
from symdiff.ir.node import Node
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, vjp_program
from tests.ir.support import check_primitive, program_of, run_emitted

Build = Callable[[Builder, list[Node]], Node]
RNG = np.random.default_rng(23)


def _statistic(function: str, axes: Any = None, keepdims: bool = False,
               method: str = "linear", q: float | None = None) -> Build:
    """The statistic of p[0] at q (a constant), or at p[1] when q is None."""
    def build(b: Builder, p: list[Node]) -> Node:
        at = p[1] if q is None else b.const(q)
        return b.apply("quantile", p[0], at, attrs=(axes, keepdims, function, method))
    return build


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


CASES: list[tuple[str, Build, list[Any], Callable[..., Any]]] = [
    ("median-odd", _statistic("median", q=0.5), [_normal(7)], lambda x: np.median(x)),
    ("median-even", _statistic("median", q=0.5), [_normal(6)], lambda x: np.median(x)),
    ("median-axis0", _statistic("median", (0,), q=0.5), [_normal(4, 3)],
     lambda x: np.median(x, axis=0)),
    ("median-axes-keep", _statistic("median", (0, 2), True, q=0.5), [_normal(3, 2, 4)],
     lambda x: np.median(x, axis=(0, 2), keepdims=True)),
    ("quantile-linear", _statistic("quantile", (1,), q=0.3), [_normal(3, 5)],
     lambda x: np.quantile(x, 0.3, axis=1)),
    ("quantile-at-q", _statistic("quantile"), [_normal(9), 0.62],
     lambda x, q: np.quantile(x, q)),
    ("percentile-at-q", _statistic("percentile", (0,)), [_normal(6, 2), 41.0],
     lambda x, q: np.percentile(x, q, axis=0)),
    ("quantile-lower", _statistic("quantile", method="lower", q=0.4), [_normal(8)],
     lambda x: np.quantile(x, 0.4, method="lower")),
    ("quantile-higher", _statistic("quantile", method="higher", q=0.4), [_normal(8)],
     lambda x: np.quantile(x, 0.4, method="higher")),
    ("quantile-nearest", _statistic("quantile", (1,), method="nearest", q=0.7),
     [_normal(2, 6)], lambda x: np.quantile(x, 0.7, axis=1, method="nearest")),
    ("quantile-midpoint-at-q", _statistic("quantile", method="midpoint"), [_normal(7), 0.3],
     lambda x, q: np.quantile(x, q, method="midpoint")),
]


@pytest.mark.parametrize(("name", "build", "values", "numpy"), CASES,
                         ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_match_finite_differences(name: str, build: Build, values: list[Any],
                                              numpy: Callable[..., Any], dtype: type) -> None:
    values = [v.astype(dtype) if isinstance(v, np.ndarray) else v for v in values]
    out = check_primitive(build, values, dtype, seed=23)
    np.testing.assert_array_equal(out, numpy(*values))


def _gradient(build: Build, x: np.ndarray) -> np.ndarray:
    (g,) = run_emitted(finish(vjp_program(program_of(build, [x]))), x, 1.0)
    return g


def test_the_derivative_follows_the_entries_read() -> None:
    x = np.array([4.0, -1.0, 7.0, 2.0, 0.5])
    np.testing.assert_array_equal(_gradient(_statistic("median", q=0.5), x), [0, 0, 0, 1, 0])
    # Even length: the mean of the middle two.
    np.testing.assert_allclose(_gradient(_statistic("median", q=0.5), x[:4]),
                               [0.5, 0, 0, 0.5])
    # q = 0.3 of 5 entries sits at 1.2: 0.8 of the second smallest, 0.2 of the third.
    np.testing.assert_allclose(_gradient(_statistic("quantile", q=0.3), x),
                               [0, 0, 0, 0.2, 0.8])


def test_ties_share_the_derivative_equally() -> None:
    x = np.array([3.0, 1.0, 3.0, 5.0, 3.0])
    np.testing.assert_allclose(_gradient(_statistic("median", q=0.5), x),
                               [1 / 3, 0, 1 / 3, 0, 1 / 3])
    rows = np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 1.0]])
    build = lambda b, p: b.apply("sum", _statistic("median", (1,), q=0.5)(b, p),  # noqa: E731
                                 attrs=(None, False))
    np.testing.assert_allclose(_gradient(build, rows), [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])


def test_type_and_emitted_call() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float32", (MANY, MANY)))
    q = b.param("q")
    node = b.apply("quantile", x, q, attrs=((1,), True, "percentile", "nearest"))
    assert node.type == ArrayType("float32", (MANY, 1))
    median = b.apply("quantile", x, 0.5, attrs=(None, False, "median", "linear"))
    assert median.type is None
    with pytest.raises(TypeError):
        b.apply("quantile", x, x, attrs=(None, False, "quantile", "linear"))
    assert order.METHODS[0] == "linear"
