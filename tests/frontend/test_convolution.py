"""np.convolve, np.correlate, scipy.signal.convolve and scipy.signal.correlate
(`frontend.convolution`, `ir.convolution`): every mode, of vectors and matrices of
either length order, has the library's value and derivatives that agree with central
differences in both modes to second order (third for a loss); bad modes and shapes are
located errors or SciPy's ValueError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads

signal = pytest.importorskip("scipy.signal")

pytestmark = pytest.mark.usefixtures("no_disk_cache")

BOTH = ("fwd", "rev")
RNG = np.random.default_rng(7)


def np_convolve(mode: str) -> Callable[..., Any]:
    return lambda a, v: np.convolve(a, v, mode)


def np_correlate(mode: str) -> Callable[..., Any]:
    return lambda a, v: np.correlate(a, v, mode=mode)


def signal_convolve(mode: str) -> Callable[..., Any]:
    return lambda a, v: signal.convolve(a, v, mode)


def signal_correlate(mode: str) -> Callable[..., Any]:
    return lambda a, v: signal.correlate(a, v, mode=mode, method="direct")


MODES = ("full", "valid", "same")
VECTORS = [(5, 3), (3, 5), (4, 4), (6, 1), (2, 7)]


@pytest.mark.parametrize("make", [np_convolve, np_correlate, signal_convolve,
                                  signal_correlate])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("la", "lv"), VECTORS)
def test_vectors(make: Callable[..., Any], mode: str, la: int, lv: int) -> None:
    fn = make(mode)
    a, v = RNG.normal(size=la), RNG.normal(size=lv)
    out, _ = symdiff.jvp(fn, (a, v), (a, v))
    np.testing.assert_allclose(out, fn(a, v), rtol=1e-13, atol=1e-14)

    def loss(a, v):  # type: ignore[no-untyped-def]
        return np.sum(np.sin(fn(a, v)))

    check_grads(loss, (a, v), order=2, modes=BOTH)


@pytest.mark.parametrize("make", [signal_convolve, signal_correlate])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("sa", "sv"), [((4, 3), (2, 2)), ((2, 2), (4, 3)), ((5, 4), (3, 1))])
def test_matrices(make: Callable[..., Any], mode: str, sa: tuple[int, ...],
                  sv: tuple[int, ...]) -> None:
    fn = make(mode)
    a, v = RNG.normal(size=sa), RNG.normal(size=sv)
    out, _ = symdiff.jvp(fn, (a, v), (a, v))
    np.testing.assert_allclose(out, fn(a, v), rtol=1e-12, atol=1e-14)
    check_grads(lambda a, v: np.sum(fn(a, v) ** 3), (a, v), order=2, modes=BOTH)


def test_the_jacobian_is_the_convolution_matrix() -> None:
    a, v = RNG.normal(size=6), RNG.normal(size=3)
    jac = symdiff.jacrev(lambda a: np.convolve(a, v), argnums=0)(a)
    want = np.column_stack([np.convolve(np.eye(6)[i], v) for i in range(6)])
    np.testing.assert_allclose(jac, want, atol=1e-15)
    np.testing.assert_allclose(symdiff.jacfwd(lambda a: np.convolve(a, v))(a), want,
                               atol=1e-15)


def deconvolution_loss(kernel, x, y):  # type: ignore[no-untyped-def]
    """Least squares of a blurred signal against a measurement, with a smooth kernel."""
    blurred = np.convolve(x, kernel, mode="same")
    return np.sum((blurred - y) ** 2) + 0.1 * np.sum(np.diff(kernel) ** 2)


def test_a_signal_deconvolution_loss() -> None:
    true = np.array([0.1, 0.25, 0.3, 0.25, 0.1])
    x = RNG.normal(size=40)
    y = np.convolve(x, true, mode="same") + 0.01 * RNG.normal(size=40)
    kernel = np.full(5, 0.2)
    value, g = symdiff.value_and_grad(deconvolution_loss)(kernel, x, y)
    assert value == pytest.approx(deconvolution_loss(kernel, x, y), rel=1e-13)
    check_grads(deconvolution_loss, (kernel, x, y), order=3, modes=BOTH)
    # the loss is quadratic in the kernel: one Newton step solves it
    h = symdiff.hessian(deconvolution_loss)(kernel, x, y)
    fitted = kernel - np.linalg.solve(h, g)
    np.testing.assert_allclose(grad(deconvolution_loss)(fitted, x, y), 0.0, atol=1e-10)
    np.testing.assert_allclose(fitted, true, atol=0.02)


def image_filter_loss(image, kernel):  # type: ignore[no-untyped-def]
    edges = signal.correlate(image, kernel, mode="valid")
    return np.mean(np.tanh(edges) ** 2)


def test_a_two_dimensional_filter_in_the_image_and_the_kernel() -> None:
    image, kernel = RNG.normal(size=(6, 5)), RNG.normal(size=(3, 3))
    check_grads(image_filter_loss, (image, kernel), order=2, modes=BOTH)
    np.testing.assert_allclose(
        symdiff.jacfwd(symdiff.grad(image_filter_loss, argnums=1), argnums=1)(image, kernel),
        symdiff.hessian(image_filter_loss, argnums=1)(image, kernel), rtol=1e-12, atol=1e-14)


def mode_from_a_variable(a, v, mode):  # type: ignore[no-untyped-def]
    return np.convolve(a, v, mode)


def unknown_mode(a, v):  # type: ignore[no-untyped-def]
    return np.convolve(a, v, "circular")


def matrix_to_numpy(a, v):  # type: ignore[no-untyped-def]
    return np.convolve(a, v)


def unlike_ranks(a, v):  # type: ignore[no-untyped-def]
    return signal.convolve(a, v[0])


@pytest.mark.parametrize(("fn", "args", "message"), [
    (unknown_mode, (np.ones(3), np.ones(2)), "mode must be a constant string, one of"),
    (matrix_to_numpy, (np.ones((3, 2)), np.ones(2)), r"np\.convolve\(\) takes two 1-D"),
    (unlike_ranks, (np.ones((3, 2)), np.ones((2, 2))), "the same number of axes"),
])
def test_unsupported_calls_are_located_errors(fn: Callable[..., Any], args: tuple[Any, ...],
                                              message: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        grad(lambda a, v: np.sum(fn(a, v)))(*args)
    assert f"line {fn.__code__.co_firstlineno + 1}" in str(info.value)


def test_a_mode_given_as_a_static_argument() -> None:
    a, v = RNG.normal(size=5), RNG.normal(size=3)
    for mode in MODES:
        got = symdiff.jacrev(mode_from_a_variable, argnums=0, static_argnums=2)(a, v, mode)
        assert got.shape == (np.convolve(a, v, mode).size, 5)


def test_valid_mode_of_unlike_shapes_raises_as_scipy_does() -> None:
    a, v = np.ones((4, 2)), np.ones((2, 3))
    with pytest.raises(ValueError):
        signal.convolve(a, v, "valid")
    with pytest.raises(ValueError, match="at least as large as the other in every"):
        grad(lambda a, v: np.sum(signal.convolve(a, v, "valid")))(a, v)
