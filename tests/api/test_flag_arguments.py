"""A bool argument that is not differentiated is a flag: the code is specialised on its
value (the branch it chooses is taken while compiling), as an array's on its type."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff


def picked(x, idx, flag=True, n=2):
    y = x[idx] if flag else x  # the branches have different shapes
    return np.sum(y ** 2) * n


def signed(a, negate):
    return -a * a if negate else a * a


X = np.arange(3.0)
IDX = np.array([0, 2])


def test_a_flag_chooses_the_branch_for_every_transform():
    g = symdiff.grad(picked)
    np.testing.assert_allclose(g(X, IDX), [0.0, 0.0, 8.0])  # the default
    np.testing.assert_allclose(g(X, IDX, False), [0.0, 4.0, 8.0])
    np.testing.assert_allclose(g(X, IDX, flag=True, n=3), [0.0, 0.0, 12.0])
    value, grad = symdiff.value_and_grad(picked)(X, IDX, False)
    assert value == pytest.approx(10.0)
    np.testing.assert_allclose(grad, [0.0, 4.0, 8.0])
    np.testing.assert_allclose(symdiff.jacfwd(picked)(X, IDX, False), [0.0, 4.0, 8.0])
    np.testing.assert_allclose(symdiff.jacrev(picked)(X, IDX, True), [0.0, 0.0, 8.0])
    np.testing.assert_allclose(symdiff.hessian(picked)(X, IDX, False), 4.0 * np.eye(3))
    np.testing.assert_allclose(symdiff.hessian(picked)(X, IDX, True), np.diag([4.0, 0, 4.0]))
    out, tangent = symdiff.jvp(picked, (X, IDX, False, 2), (np.ones(3), np.zeros(2), 0.0, 0))
    assert (out, tangent) == (pytest.approx(10.0), pytest.approx(12.0))
    out, vjp_fn = symdiff.vjp(picked, X, IDX, True)
    np.testing.assert_allclose(vjp_fn(1.0)[0], [0.0, 0.0, 8.0])


def test_each_value_has_its_own_code():
    g = symdiff.grad(signed)
    assert (g(3.0, True), g(3.0, False), g(3.0, True)) == (-6.0, 6.0, -6.0)
    assert "if" not in symdiff.source(signed, args=(3.0, True)).split('"""')[-1]


def test_a_differentiated_bool_is_refused():
    with pytest.raises(TypeError, match="argument 'negate' .* got bool"):
        symdiff.grad(signed, argnums=1)(3.0, True)
