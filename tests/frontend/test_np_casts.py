"""Casts in user code: ``x.astype(...)`` to floats (the derivative passes, cast back to
the argument's dtype) and to ints (no derivative: indices, bucket numbers), NumPy's
scalar types called on numbers and arrays (``np.float64(x)``, ``np.int64(col)``) and
``int(x)``, in both modes and at second order; located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, jvp, source, value_and_grad
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads
from tests.frontend import support

FILE = Path(__file__).resolve()
LINES = FILE.read_text().splitlines()
RNG = np.random.default_rng(29)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def energy64(x):
    # Accumulate in float64 whatever precision the input has.
    return np.sum(np.sin(x.astype(np.float64)) ** 2)


def half_precision_model(w, X):
    # A forward pass computed in float32, the loss in float64.
    h = np.tanh(X.astype(np.float32) @ w.astype("float32"))
    return np.sum(h.astype(float) ** 2)


def bucketed(x, table):
    # A lookup table indexed by the bucket each value falls in (no derivative through
    # the bucket number), times the value.
    k = (x * 4.0).astype(int)
    return np.sum(table[k] * x ** 2)


def rows_by_column(W):
    # autograd's test_cast_to_int: rows picked by the values of the last column.
    idx = np.int64(W[:, -1])
    return np.sum(W[:, :-1][idx] ** 2)


def scalar_casts(x, y):
    n = np.int64(y)  # a count
    total = np.float64(x)
    for _ in range(n):
        total = total * x + int(y) * np.float32(x)
    return total


def ramp(x):
    return np.arange(4).astype(float) * x


def complex_cast(x):
    return x.astype(np.complex128)  # E:complex


def test_float32_input_keeps_a_float32_gradient() -> None:
    x = RNG.uniform(-1, 1, 5).astype(np.float32)
    g = grad(energy64)(x)
    assert g.dtype == np.float32
    assert g == pytest.approx(np.sin(2 * x.astype(np.float64)), rel=1e-6)
    check_grads(energy64, (x.astype(np.float64),), modes=("fwd", "rev"), order=2)


def test_computed_in_float32() -> None:
    w, X = RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, (4, 3))
    g = grad(half_precision_model)(w, X)
    assert g.dtype == np.float64
    h = np.tanh(X @ w)
    assert g == pytest.approx(X.T @ (2 * h * (1 - h ** 2)), rel=1e-5, abs=1e-6)
    assert hessian(half_precision_model)(w, X) == pytest.approx(
        jacfwd(grad(half_precision_model))(w, X), rel=1e-5, abs=1e-6)
    text = source(half_precision_model, args=(w, X))
    assert ".astype(np.float32)" in text and ".astype(np.float64)" in text


@pytest.mark.parametrize(("f", "args"), [
    (bucketed, (RNG.uniform(0.05, 0.95, 6), np.array([1.0, -2.0, 0.5, 3.0]))),
    (rows_by_column, (np.hstack([RNG.uniform(-1, 1, (4, 3)),
                                 np.array([[0.5], [3.5], [1.5], [1.5]])]),)),
    (ramp, (0.7,)),
], ids=["bucketed", "rows", "ramp"])
def test_int_casts_have_no_derivative(f, args) -> None:
    check_grads(f, args, modes=("fwd", "rev"), order=2)


def test_bucket_numbers_are_constant() -> None:
    x, table = RNG.uniform(0.05, 0.95, 6), np.array([1.0, -2.0, 0.5, 3.0])
    assert grad(bucketed)(x, table) == pytest.approx(2 * x * table[(x * 4).astype(int)])
    assert jacrev(ramp)(0.7) == pytest.approx([0.0, 1.0, 2.0, 3.0])


def test_casts_of_numbers() -> None:
    x, y = 0.6, 2.7  # int(2.7) == np.int64(2.7) == 2
    value, g = value_and_grad(scalar_casts, argnums=(0, 1))(x, y)
    assert value == pytest.approx((x * x + 2 * x) * x + 2 * x, rel=1e-6)
    assert g[0] == pytest.approx(3 * x * x + 4 * x + 2, rel=1e-6) and g[1] == 0.0
    assert jvp(scalar_casts, (x, y), (1.0, 1.0))[1] == pytest.approx(g[0], rel=1e-6)
    assert hessian(scalar_casts)(x, y) == pytest.approx(6 * x + 4, rel=1e-6)


@support.error_cases([
    (complex_cast, "complex", "np.complex128", ["astype() dtype must be one of"]),
])
def test_located_errors(f, tag, snippet, words) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        jacfwd(f)(np.ones(3))
    support.assert_located(info.value, FILE, LINES, tag, snippet, words)
