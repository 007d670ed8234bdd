"""Every transform composes with every other: ``outer(inner(f))`` is the derivative of
``inner(f)``, checked against central differences of ``inner(f)`` itself.

For `grad` and `hessian` outside, ``inner(f)`` must be a number: the argument is a
number. For the Jacobians outside, the argument is a vector (and a number too).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdiff import grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp

TRANSFORMS: dict[str, Callable[..., Any]] = {
    "grad": grad, "jacfwd": jacfwd, "jacrev": jacrev, "jacobian": jacobian,
    "hessian": hessian,
}
JACOBIANS = ("jacfwd", "jacrev", "jacobian")
PAIRS = list(itertools.product(TRANSFORMS, TRANSFORMS))
H = 1e-5


def scalar_of_vector(x):
    return np.sum(np.sin(x) * x[::-1]) + np.prod(np.cos(x))


def vector_of_vector(x):
    return np.sin(x) * x[::-1]


def scalar_of_number(x):
    return math.sin(x) * x ** 3 + math.exp(0.5 * x)


def central(fun: Callable[[Any], Any], x: Any) -> Any:
    """The derivative of `fun` at `x` by central differences, the input's axes last."""
    if isinstance(x, float):
        return (np.asarray(fun(x + H)) - np.asarray(fun(x - H))) / (2 * H)
    columns = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = H
        columns.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * H))
    return np.moveaxis(np.array(columns), 0, -1).reshape(np.shape(fun(x)) + x.shape)


def second_central(fun: Callable[[float], float], x: float) -> float:
    h = 1e-4
    return (fun(x + h) - 2 * fun(x) + fun(x - h)) / (h * h)


@pytest.mark.parametrize(("outer", "inner"), PAIRS)
def test_pairs_of_number_arguments(outer: str, inner: str) -> None:
    x = 0.7
    inner_fun = TRANSFORMS[inner](scalar_of_number)
    got = TRANSFORMS[outer](inner_fun)(x)
    assert isinstance(got, float)
    want = second_central(inner_fun, x) if outer == "hessian" else central(inner_fun, x)
    assert got == pytest.approx(float(want), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize(("outer", "inner"), [p for p in PAIRS if p[0] in JACOBIANS])
def test_jacobians_of_each_transform_of_a_vector_function(outer: str, inner: str) -> None:
    x = np.array([0.3, -0.7, 1.1])
    inner_fun = TRANSFORMS[inner](scalar_of_vector)
    got = TRANSFORMS[outer](inner_fun)(x)
    want = central(inner_fun, x)
    assert np.shape(got) == np.shape(want) == np.shape(inner_fun(x)) + x.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("outer", "inner"), list(itertools.product(JACOBIANS, JACOBIANS)))
def test_jacobian_of_a_jacobian_is_the_second_derivative(outer: str, inner: str) -> None:
    x = np.array([0.3, -0.7])
    inner_fun = TRANSFORMS[inner](vector_of_vector)
    got = TRANSFORMS[outer](inner_fun)(x)
    assert np.shape(got) == (2, 2, 2)
    np.testing.assert_allclose(got, central(inner_fun, x), rtol=1e-6, atol=1e-6)


def test_jacobian_of_a_jacobian_of_a_matrix_argument() -> None:
    x = np.array([[0.3, -0.7, 0.2], [1.1, 0.4, -0.5]])

    def f(a):
        return np.sum(np.tanh(a), axis=0) * a[0]

    inner = jacfwd(f)
    got = jacrev(inner)(x)
    assert got.shape == (3, 2, 3, 2, 3)
    np.testing.assert_allclose(got, central(inner, x), rtol=1e-6, atol=1e-6)


def test_jvp_and_vjp_of_jacobians_and_hessians() -> None:
    x, t = np.array([0.3, -0.7, 1.1]), np.array([1.0, 0.5, -2.0])
    for inner in (jacfwd(vector_of_vector), jacrev(vector_of_vector),
                  hessian(scalar_of_vector)):
        value, tangent = jvp(inner, (x,), (t,))
        np.testing.assert_allclose(value, inner(x))
        np.testing.assert_allclose(tangent, central(inner, x) @ t, rtol=1e-6, atol=1e-6)
        out, vjp_fn = vjp(inner, x)
        ct = np.ones_like(out)
        (got,) = vjp_fn(ct)
        want = np.tensordot(ct, central(inner, x), axes=ct.ndim)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_value_and_grad_of_a_jacobian_and_a_tuple_argnums() -> None:
    def f(x, y):
        return math.sin(x * y) + x ** 3

    inner = jacfwd(f, argnums=(0, 1))
    value, gradient = value_and_grad(jacfwd(f))(0.4, 1.3)
    assert value == pytest.approx(jacfwd(f)(0.4, 1.3))
    assert gradient == pytest.approx(float(central(lambda x: jacfwd(f)(x, 1.3), 0.4)),
                                     rel=1e-6)
    first = grad(jacrev(f, argnums=1), argnums=(0, 1))(0.4, 1.3)
    want = (central(lambda x: jacrev(f, argnums=1)(x, 1.3), 0.4),
            central(lambda y: jacrev(f, argnums=1)(0.4, y), 1.3))
    assert first == pytest.approx(tuple(float(w) for w in want), rel=1e-6)
    both = jacobian(inner, argnums=0)(0.4, 1.3)
    assert both == pytest.approx(
        tuple(float(central(lambda x, k=k: inner(x, 1.3)[k], 0.4)) for k in range(2)),
        rel=1e-6)


def test_the_outer_object_describes_itself_not_the_inner_one() -> None:
    inner = jacfwd(vector_of_vector)
    outer = jacrev(inner)
    assert outer is not inner
    assert "jacobian of jacobian" in repr(outer)
    assert outer.__wrapped__ is vector_of_vector
    assert not hasattr(grad(scalar_of_number), "_fun")


# Property: random chains of two or three transforms on random one-line functions of a
# number match central differences of the chain one shorter.

BODIES = [
    "math.sin(x) * x ** 2",
    "math.exp(0.3 * x) + x ** 4",
    "math.tanh(x) * math.cos(2.0 * x)",
    "math.log(1.0 + x * x) * x",
    "x ** 5 - 3.0 * x ** 3",
]


def _function(body: str) -> Callable[[float], float]:
    import linecache

    filename = f"<test_compose {body}>"
    text = f"def f(x):\n    return {body}\n"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict[str, Any] = {"math": math}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["f"]  # type: ignore[no-any-return]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.sampled_from(BODIES),
       chain=st.lists(st.sampled_from(sorted(TRANSFORMS)), min_size=2, max_size=3),
       x=st.floats(-1.5, 1.5))
def test_property_nested_transforms_match_differences(body: str, chain: list[str],
                                                      x: float) -> None:
    fun = _function(body)
    inner: Any = fun
    for name in chain[:0:-1]:
        inner = TRANSFORMS[name](inner)
    outer = chain[0]
    got = TRANSFORMS[outer](inner)(x)
    want = second_central(inner, x) if outer == "hessian" else float(central(inner, x))
    assert got == pytest.approx(want, rel=1e-4, abs=1e-4)


def test_jacobian_of_a_hessian_with_two_array_arguments() -> None:
    def f(x, y):
        return np.sum(np.sin(x[0] * y)) + np.sum(x * x) * np.sum(y ** 3)

    x, y = np.array([0.3, -0.7]), np.array([1.1, 0.4, -0.2])
    inner = hessian(f, argnums=(0, 1))
    got = jacfwd(inner, argnums=1)(x, y)
    for i in range(2):
        for j in range(2):
            want = central(lambda v, i=i, j=j: inner(x, v)[i][j], y)
            np.testing.assert_allclose(got[i][j], want, rtol=1e-6, atol=1e-6)
    assert got[0][1].shape == (2, 3, 3)


def test_differentiating_a_jacobian_of_a_list_argument_says_so() -> None:
    from symdiff import SymdiffError

    def f(xs):
        return xs[0] * xs[1]

    with pytest.raises(SymdiffError, match="list argument 'xs'"):
        jvp(jacfwd(f), ([1.0, 2.0],), ([1.0, 0.0],))


def test_reverse_mode_over_a_jacobian_with_an_output_it_does_not_reach() -> None:
    def f(x, y):
        return np.sin(x) * 2.0, y * 3.0

    x, y = np.array([0.1, 0.2]), np.array([1.0, 2.0, 3.0])
    inner = jacfwd(f)
    got = jacrev(inner)(x, y)
    assert got[0].shape == (2, 2, 2) and got[1].shape == (3, 2, 2)
    np.testing.assert_allclose(got[0], central(lambda v: inner(v, y)[0], x), atol=1e-6)
    np.testing.assert_array_equal(got[1], np.zeros((3, 2, 2)))
    _, vjp_fn = vjp(inner, x, y)
    dx, dy = vjp_fn((np.ones((2, 2)), np.ones((3, 2))))
    np.testing.assert_allclose(dx, -2.0 * np.sin(x), rtol=1e-12)
    np.testing.assert_array_equal(dy, np.zeros(3))


def test_reverse_mode_over_a_hessian_whose_gradient_broadcasts() -> None:
    def f(x):
        return np.sum(x) ** 3 + np.sum(np.sin(x))

    x = np.array([0.3, -0.7, 1.1])
    inner = hessian(f)
    np.testing.assert_allclose(jacrev(inner)(x), central(inner, x), rtol=1e-6, atol=1e-6)
    _, vjp_fn = vjp(inner, x)
    np.testing.assert_allclose(vjp_fn(np.eye(3))[0],
                               np.einsum("ij,ijk->k", np.eye(3), central(inner, x)),
                               rtol=1e-6, atol=1e-6)
