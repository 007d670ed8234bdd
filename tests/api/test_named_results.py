"""A function returning NumPy's named result tuples (``EighResult``, ``SVDResult``,
``SlogdetResult``) directly: each transform takes the result as the tuple the generated
code returns."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.host import pytrees

A = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.3], [0.1, 0.3, 3.0]])


def eigen(x: np.ndarray) -> object:
    return np.linalg.eigh(x + x.T)


def log_det(x: np.ndarray) -> object:
    return np.linalg.slogdet(x)


def central(f, x: np.ndarray, k: int) -> np.ndarray:
    """d f(x)[k] / dx by central differences, output axes first."""
    h = 1e-6
    out = np.asarray(f(x)[k])
    jac = np.zeros(out.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        jac[(..., *idx)] = (np.asarray(f(x + e)[k]) - np.asarray(f(x - e)[k])) / (2 * h)
    return jac


@pytest.mark.parametrize("fn", [eigen, log_det])
@pytest.mark.parametrize("jacobian", [symdiff.jacrev, symdiff.jacfwd])
def test_the_jacobian_of_a_named_result_is_a_tuple(fn, jacobian) -> None:
    got = jacobian(fn)(A)
    assert type(got) is tuple and len(got) == 2
    np.testing.assert_allclose(got[0], central(fn, A, 0), atol=1e-6)
    np.testing.assert_allclose(got[1], central(fn, A, 1), atol=1e-6)


def test_vjp_takes_a_cotangent_shaped_as_the_tuple() -> None:
    out, vjp_fn = symdiff.vjp(eigen, A)
    assert type(out) is tuple
    w_bar, v_bar = np.array([1.0, -2.0, 0.5]), np.zeros((3, 3))
    (x_bar,) = vjp_fn((w_bar, v_bar))
    want = np.tensordot(w_bar, central(eigen, A, 0), axes=1)
    np.testing.assert_allclose(x_bar, want, atol=1e-6)


def test_plain_turns_nested_named_tuples_into_tuples() -> None:
    result = np.linalg.eigh(A)
    value = {"eig": result, "rest": [1.0, (result, 2.0)]}
    flat = pytrees.plain(value)
    assert type(flat["eig"]) is tuple and type(flat["rest"][1][0]) is tuple
    assert pytrees.structure(flat) == pytrees.structure(
        {"eig": (1, 2), "rest": [1.0, ((1, 2), 2.0)]})
    plain = {"a": (1.0, [2.0])}
    assert pytrees.plain(plain) is plain  # nothing named: the value itself
