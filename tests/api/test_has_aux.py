"""``has_aux=True``: the function returns ``(output, aux)``; only `output` is
differentiated, and `aux` comes back as JAX returns it (docs.jax.dev, jax.grad,
jax.value_and_grad, jax.jvp, jax.vjp, jax.jacfwd, jax.jacrev):

    grad(f, has_aux=True)(x)            -> (gradient, aux)
    value_and_grad(f, has_aux=True)(x)  -> ((value, aux), gradient)
    jvp(f, primals, tangents, has_aux=True) -> (output, tangent_out, aux)
    vjp(f, *primals, has_aux=True)      -> (output, vjp_fn, aux)
    jacfwd / jacrev(f, has_aux=True)(x) -> (jacobian, aux)

`aux` is computed by the same generated code as the derivative (it appears in the
source, sharing its subexpressions), never by calling the function again."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, jacfwd, jacobian, jacrev, jvp, source, value_and_grad, vjp

# --- functions returning (output, aux) ------------------------------------------------


def scalar(x, y):
    s = math.sin(x) * y
    return s * s + x, (s, x + 1.0)


def array_loss(w, X, y):
    z = X @ w
    loss = np.mean((z - y) ** 2)
    return loss, z


def mlp(W1, W2, X, y):
    h = np.tanh(X @ W1)
    pred = h @ W2
    loss = np.mean((pred - y) ** 2)
    accuracy = np.mean(np.where(pred * y > 0.0, 1.0, 0.0))
    return loss, (accuracy, pred)


def looped(x, n):
    p = 0.0
    biggest = 0.0
    for k in range(n):
        p = p * x + (k + 1.0)
        biggest = max(biggest, p)
    return p, (biggest, p * 0.5)


def vector_out(x, y):
    return np.sin(x) * y, (np.sum(x), 2.0)


def constant_aux(x):
    return x * x, 3.0


def argument_aux(x):
    return x * x, x


RNG = np.random.default_rng(0)
W1 = RNG.standard_normal((3, 4))
W2 = RNG.standard_normal(4)
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal(5)
w = RNG.standard_normal(3)


def fd_grad(fun: Callable[..., Any], args: tuple[Any, ...], i: int) -> Any:
    """d fun(*args)[0] / d args[i] by central differences, shaped like out + args[i]."""
    h = 1e-6
    x = np.asarray(args[i], dtype=float)
    out = np.asarray(fun(*args)[0], dtype=float)
    jac = np.zeros(out.shape + x.shape)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        at = [(*args[:i], float(v) if v.ndim == 0 else v, *args[i + 1:]) for v in (up, down)]
        diff = np.asarray(fun(*at[0])[0], dtype=float) - np.asarray(fun(*at[1])[0], dtype=float)
        jac[(...,) + k] = diff / (2 * h)
    return jac


def assert_same(got: Any, want: Any) -> None:
    """Equal values in the same nested tuple structure."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w_ in zip(got, want, strict=True):
            assert_same(g, w_)
    else:
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# --- grad and value_and_grad ----------------------------------------------------------


def test_grad_returns_the_gradient_and_aux() -> None:
    g, aux = grad(scalar, has_aux=True)(0.7, 1.3)
    assert_same(aux, scalar(0.7, 1.3)[1])
    assert g == pytest.approx(float(fd_grad(scalar, (0.7, 1.3), 0)), rel=1e-6)


def test_grad_with_tuple_argnums_and_aux() -> None:
    (gx, gy), aux = grad(scalar, argnums=(0, 1), has_aux=True)(0.7, 1.3)
    assert_same(aux, scalar(0.7, 1.3)[1])
    assert gx == pytest.approx(float(fd_grad(scalar, (0.7, 1.3), 0)), rel=1e-6)
    assert gy == pytest.approx(float(fd_grad(scalar, (0.7, 1.3), 1)), rel=1e-6)


def test_value_and_grad_returns_value_and_aux_then_gradient() -> None:
    (value, aux), g = value_and_grad(scalar, has_aux=True)(0.7, 1.3)
    want_value, want_aux = scalar(0.7, 1.3)
    assert value == want_value
    assert_same(aux, want_aux)
    assert g == grad(scalar, has_aux=True)(0.7, 1.3)[0]


def test_an_mlp_loss_returns_its_accuracy_and_predictions() -> None:
    (loss, (accuracy, pred)), (g1, g2) = value_and_grad(mlp, argnums=(0, 1), has_aux=True)(
        W1, W2, X, Y)
    want_loss, (want_accuracy, want_pred) = mlp(W1, W2, X, Y)
    assert loss == pytest.approx(want_loss, rel=1e-15)
    assert accuracy == want_accuracy
    np.testing.assert_allclose(pred, want_pred, rtol=1e-15)
    np.testing.assert_allclose(g1, fd_grad(mlp, (W1, W2, X, Y), 0), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(g2, fd_grad(mlp, (W1, W2, X, Y), 1), rtol=1e-5, atol=1e-8)


def test_an_array_aux() -> None:
    g, z = grad(array_loss, has_aux=True)(w, X, Y)
    np.testing.assert_allclose(z, X @ w, rtol=1e-15)
    np.testing.assert_allclose(g, fd_grad(array_loss, (w, X, Y), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("fun", "want"), [(constant_aux, 3.0), (argument_aux, 1.5)])
def test_a_constant_or_an_argument_as_aux(fun: Callable[..., Any], want: float) -> None:
    assert grad(fun, has_aux=True)(1.5) == (3.0, want)
    assert value_and_grad(fun, has_aux=True)(1.5) == ((2.25, want), 3.0)
    assert jvp(fun, (1.5,), (1.0,), has_aux=True) == (2.25, 3.0, want)


def test_aux_computed_in_a_loop() -> None:
    for n in (0, 1, 4):
        (value, aux), g = value_and_grad(looped, has_aux=True)(0.8, n)
        assert (value, aux) == looped(0.8, n)
        assert g == pytest.approx(float(fd_grad(looped, (0.8, n), 0)), rel=1e-6, abs=1e-9)
        out, tangent, aux_f = jvp(looped, (0.8, n), (1.0, 0), has_aux=True)
        assert (out, aux_f) == looped(0.8, n)
        assert tangent == pytest.approx(g, rel=1e-12)


def test_the_source_computes_aux_with_the_gradient() -> None:
    g = grad(scalar, has_aux=True)
    text = g.source
    assert text.count("\ndef ") == 1
    assert text.count("math.sin(x)") == 1  # shared by the gradient and aux
    assert "return (x_bar, (s, x + 1.0))" in text


def test_repr_and_pickle_keep_has_aux() -> None:
    g = grad(scalar, has_aux=True)
    assert "has_aux=True" in repr(g)
    again = pickle.loads(pickle.dumps(g))
    assert again(0.7, 1.3) == g(0.7, 1.3)
    j = jacfwd(vector_out, has_aux=True)
    x = np.array([0.1, 0.2])
    assert "has_aux=True" in repr(j)
    assert_same(pickle.loads(pickle.dumps(j))(x, 2.0), j(x, 2.0))


def test_grad_of_grad_with_aux() -> None:
    # The inner gradient returns (g, aux): the outer one differentiates g alone.
    g2, aux = grad(grad(scalar, has_aux=True), has_aux=True)(0.7, 1.3)
    assert_same(aux, scalar(0.7, 1.3)[1])
    h = 1e-5
    inner = grad(scalar, has_aux=True)
    want = (inner(0.7 + h, 1.3)[0] - inner(0.7 - h, 1.3)[0]) / (2 * h)
    assert g2 == pytest.approx(want, rel=1e-6)


# --- jvp and vjp ----------------------------------------------------------------------


def test_jvp_returns_output_tangent_and_aux() -> None:
    out, tangent, aux = jvp(scalar, (0.7, 1.3), (1.0, 0.5), has_aux=True)
    want_out, want_aux = scalar(0.7, 1.3)
    assert out == want_out
    assert_same(aux, want_aux)
    fd = fd_grad(scalar, (0.7, 1.3), 0) + 0.5 * fd_grad(scalar, (0.7, 1.3), 1)
    assert tangent == pytest.approx(float(fd), rel=1e-6)


def test_jvp_of_arrays_with_aux() -> None:
    u = np.array([1.0, -2.0, 0.5])
    out, tangent, aux = jvp(array_loss, (w, X, Y), (u, np.zeros_like(X), np.zeros_like(Y)),
                            has_aux=True)
    want_out, want_aux = array_loss(w, X, Y)
    assert out == pytest.approx(want_out, rel=1e-15)
    np.testing.assert_allclose(aux, want_aux, rtol=1e-15)
    assert tangent == pytest.approx(float(fd_grad(array_loss, (w, X, Y), 0) @ u), rel=1e-6)


def test_vjp_returns_output_vjp_fn_and_aux() -> None:
    out, vjp_fn, aux = vjp(scalar, 0.7, 1.3, has_aux=True)
    want_out, want_aux = scalar(0.7, 1.3)
    assert out == want_out
    assert_same(aux, want_aux)
    gx, gy = vjp_fn(2.0)
    assert type(gx) is float and type(gy) is float
    assert gx == pytest.approx(2.0 * float(fd_grad(scalar, (0.7, 1.3), 0)), rel=1e-6)
    assert gy == pytest.approx(2.0 * float(fd_grad(scalar, (0.7, 1.3), 1)), rel=1e-6)


def test_vjp_of_an_array_output_with_aux() -> None:
    x = np.array([0.3, -0.4])
    out, vjp_fn, aux = vjp(vector_out, x, 2.0, has_aux=True)
    assert_same((out, aux), vector_out(x, 2.0))
    ct = np.array([1.0, -1.0])
    gx, gy = vjp_fn(ct)
    jac_x, jac_y = fd_grad(vector_out, (x, 2.0), 0), fd_grad(vector_out, (x, 2.0), 1)
    np.testing.assert_allclose(gx, ct @ jac_x, rtol=1e-6)
    assert gy == pytest.approx(float(ct @ jac_y), rel=1e-6)


# --- jacfwd, jacrev, jacobian ---------------------------------------------------------


@pytest.mark.parametrize("make", [jacfwd, jacrev, jacobian])
def test_jacobians_return_the_jacobian_and_aux(make: Callable[..., Any]) -> None:
    x = np.array([0.3, -0.4, 1.2])
    jac, aux = make(vector_out, has_aux=True)(x, 2.0)
    assert_same(aux, vector_out(x, 2.0)[1])
    np.testing.assert_allclose(jac, fd_grad(vector_out, (x, 2.0), 0), rtol=1e-6, atol=1e-9)
    jac_y, aux_y = make(vector_out, argnums=1, has_aux=True)(x, 2.0)
    assert_same(aux_y, aux)
    np.testing.assert_allclose(jac_y, fd_grad(vector_out, (x, 2.0), 1), rtol=1e-6)


@pytest.mark.parametrize("make", [jacfwd, jacrev])
def test_jacobians_of_numbers_and_of_a_scalar_loss_with_aux(make: Callable[..., Any]) -> None:
    jac, aux = make(scalar, argnums=(0, 1), has_aux=True)(0.7, 1.3)
    assert_same(aux, scalar(0.7, 1.3)[1])
    assert_same(jac, grad(scalar, argnums=(0, 1), has_aux=True)(0.7, 1.3)[0])
    jac, (accuracy, pred) = make(mlp, argnums=1, has_aux=True)(W1, W2, X, Y)
    want_loss, (want_accuracy, want_pred) = mlp(W1, W2, X, Y)
    assert accuracy == want_accuracy
    np.testing.assert_allclose(pred, want_pred, rtol=1e-15)
    np.testing.assert_allclose(jac, fd_grad(mlp, (W1, W2, X, Y), 1), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("make", [jacfwd, jacrev])
def test_jacobians_with_aux_per_seed(make: Callable[..., Any]) -> None:
    # A list argument takes a pass per seed: aux from those passes.
    def listed(xs, t):
        total = 0.0
        for v in xs:
            total = total + v * v * t
        return total, (total * 2.0, len(xs))

    jac, aux = make(listed, argnums=1, has_aux=True)([0.5, 1.5], 2.0)
    assert jac == pytest.approx(2.5, rel=1e-12)
    assert aux == (10.0, 2)


def test_jacfwd_of_a_gradient_with_aux_is_the_hessian() -> None:
    x = np.array([0.3, -0.2, 0.5])
    (hess, z) = jacfwd(grad(array_loss, has_aux=True), has_aux=True)(x, X, Y)
    np.testing.assert_allclose(z, X @ x, rtol=1e-15)
    np.testing.assert_allclose(hess, 2.0 / len(Y) * X.T @ X, rtol=1e-12)


# --- errors ---------------------------------------------------------------------------


def single(x):
    return x * x


def triple(x):
    return x, x * 2.0, x * 3.0


def with_dict(x):
    return x * x, {"pred": x}


@pytest.mark.parametrize("fun", [single, triple])
@pytest.mark.parametrize("call", [
    lambda f: grad(f, has_aux=True)(1.0),
    lambda f: value_and_grad(f, has_aux=True)(1.0),
    lambda f: jvp(f, (1.0,), (1.0,), has_aux=True),
    lambda f: vjp(f, 1.0, has_aux=True),
    lambda f: jacfwd(f, has_aux=True)(1.0),
    lambda f: jacrev(f, has_aux=True)(1.0),
    lambda f: jacfwd(f, has_aux=True)(np.ones(2)),
    lambda f: jacrev(f, has_aux=True)(np.ones(2)),
], ids=["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "jacfwd-array",
        "jacrev-array"])
def test_a_function_that_does_not_return_a_pair_is_refused(
        fun: Callable[..., Any], call: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match=r"has_aux=True requires .* to return a pair"):
        call(fun)


def test_has_aux_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="has_aux must be True or False"):
        grad(scalar, has_aux=1)  # type: ignore[arg-type]


def test_a_dict_aux_comes_back_as_a_dict() -> None:
    gradient, aux = grad(with_dict, has_aux=True)(1.5)
    assert gradient == 3.0
    assert aux == {"pred": 1.5}


def test_source_takes_has_aux() -> None:
    text = source(array_loss, args=(w, X, Y), has_aux=True)
    assert "return (w_bar, z)" in text
    forward = source(scalar, mode="forward", has_aux=True)
    assert forward.rstrip().endswith("(s, x + 1.0))")
