"""``hessian(f, has_aux=True)``: `f` returns ``(output, aux)``; the result is ``(Hessian
of output, aux)``, as JAX's ``jacfwd(jacrev(f, has_aux=True), has_aux=True)``."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import symdiff

X = np.array([0.3, -0.5, 1.2])


def cubic_loss(x: np.ndarray, y: float) -> tuple[float, dict[str, float]]:
    loss = np.sum(x ** 3) * y + np.sum(np.sin(x))
    return loss, {"loss": loss, "norm2": np.sum(x * x)}


def cubic_only(x: np.ndarray, y: float) -> float:
    return np.sum(x ** 3) * y + np.sum(np.sin(x))


def scalar_pair(a: float, b: float) -> tuple[float, float]:
    return a * a * b + math.sin(a), a + b


def no_pair(x: np.ndarray) -> float:
    return np.sum(x ** 2)


def test_the_hessian_of_the_output_and_the_aux_beside_it() -> None:
    hess, aux = symdiff.hessian(cubic_loss, has_aux=True)(X, 2.0)
    np.testing.assert_allclose(hess, np.diag(6 * X * 2.0 - np.sin(X)), rtol=1e-12)
    np.testing.assert_allclose(hess, symdiff.hessian(cubic_only)(X, 2.0), rtol=1e-12)
    assert aux == pytest.approx({"loss": cubic_only(X, 2.0), "norm2": np.sum(X * X)})


def test_tuple_argnums_nest_as_jax_does() -> None:
    hess, aux = symdiff.hessian(scalar_pair, argnums=(0, 1), has_aux=True)(0.5, 2.0)
    a, b = 0.5, 2.0
    want = ((2 * b - math.sin(a), 2 * a), (2 * a, 0.0))
    for row, want_row in zip(hess, want, strict=True):
        assert [float(v) for v in row] == pytest.approx(want_row)
    assert aux == pytest.approx(2.5)


def test_a_function_without_a_pair_is_refused() -> None:
    with pytest.raises((TypeError, symdiff.UnsupportedSyntaxError)):
        symdiff.hessian(no_pair, has_aux=True)(X)
    with pytest.raises(TypeError, match="has_aux"):
        symdiff.hessian(no_pair, has_aux="yes")  # type: ignore[arg-type]


def test_it_pickles_with_its_has_aux() -> None:
    again = pickle.loads(pickle.dumps(symdiff.hessian(cubic_loss, has_aux=True)))
    hess, aux = again(X, 2.0)
    np.testing.assert_allclose(hess, np.diag(6 * X * 2.0 - np.sin(X)), rtol=1e-12)
    assert "has_aux=True" in repr(again)
