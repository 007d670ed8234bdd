"""A NumPy function differentiated directly, as ``grad(math.sin)`` is: ``grad(np.sum)``
lowers a call of it (`symdiff.frontend.direct`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symdiff import (
    SymdiffError,
    grad,
    hessian,
    jacfwd,
    jacobian,
    jvp,
    source,
    value_and_grad,
    vjp,
)
from symdiff.cli import main

X = np.array([1.0, 2.0, 4.0])


def test_grad_of_numpy_reductions() -> None:
    np.testing.assert_array_equal(grad(np.sum)(X), np.ones(3))
    np.testing.assert_allclose(grad(np.mean)(X), np.full(3, 1 / 3))
    np.testing.assert_allclose(grad(np.prod)(X), np.array([8.0, 4.0, 2.0]))
    np.testing.assert_allclose(grad(np.linalg.norm)(X), X / math.sqrt(21.0))
    assert grad(np.sum).__name__ == "sum"


def test_every_transform_of_a_numpy_function() -> None:
    value, gradient = value_and_grad(np.sum)(X)
    assert value == 7.0
    np.testing.assert_array_equal(gradient, np.ones(3))
    assert jvp(np.sum, (X,), (np.array([1.0, 0.0, 2.0]),)) == (7.0, 3.0)
    out, vjp_fn = vjp(np.prod, X)
    assert out == 8.0
    np.testing.assert_allclose(vjp_fn(2.0)[0], [16.0, 8.0, 4.0])
    np.testing.assert_allclose(hessian(np.prod)(X),
                               [[0.0, 4.0, 2.0], [4.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    np.testing.assert_allclose(jacfwd(np.cumsum)(X), np.tril(np.ones((3, 3))))
    np.testing.assert_allclose(jacobian(np.linalg.norm)(X), X / math.sqrt(21.0))


def test_a_numpy_function_of_two_arrays() -> None:
    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    assert grad(np.dot, argnums=(0, 1))(a, b)[0].tolist() == [3.0, 5.0]
    assert grad(np.dot, argnums=1)(a, b).tolist() == [1.0, 2.0]


def test_its_source_calls_numpy() -> None:
    text = source(np.sum, args=(X,))
    assert "def sum_grad(a):" in text
    assert "np.ones_like(a)" in text or "np.broadcast_to" in text or "a_bar" in text


def test_a_numpy_function_without_positional_parameters_is_refused() -> None:
    with pytest.raises(SymdiffError, match="np.einsum"):
        grad(np.einsum)


def test_show_a_numpy_function(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "numpy:sum", "--signature", "float64[n]"]) == 0
    out = capsys.readouterr().out
    assert out == source(np.sum, args=(X,))


def test_show_checks_the_signature_of_a_numpy_function(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "numpy:dot", "--signature", "float64[n]"]) == 1
    assert "takes 2 positional argument(s)" in capsys.readouterr().err
