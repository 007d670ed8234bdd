"""NumPy rearrangements in user code, end to end: ``np.flip``, ``np.fliplr``,
``np.flipud``, ``np.swapaxes``, ``np.moveaxis``, ``np.rollaxis``, ``np.rot90``,
``np.roll``, ``np.repeat`` / ``x.repeat()``, ``np.tile`` and ``np.pad``, in realistic
functions (rotated and transposed views of an image, a periodic finite-difference
Laplacian, the energy of a 2-D grid, a circular convolution, nearest-neighbour
upsampling, a bias tiled over a batch, a zero-padded "same" convolution, an
edge-padded smoothing), in both modes and at second order against finite differences,
through hessian and jacobians; and located errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev
from symdiff.testing import check_grads
from tests.frontend import support

RNG = np.random.default_rng(9)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def dirichlet_energy(u, h):
    # The periodic second difference of u, by rolling it both ways.
    lap = (np.roll(u, 1) - 2.0 * u + np.roll(u, -1)) / h ** 2
    return 0.5 * np.sum(lap ** 2) + 0.1 * np.sum(u ** 4)


def grid_laplacian(U):
    lap = (np.roll(U, 1, axis=0) + np.roll(U, -1, axis=0) + np.roll(U, 1, axis=1)
           + np.roll(U, -1, axis=1) - 4.0 * U)
    return np.sum(lap ** 2) + np.sum(np.roll(U, (1, 2), axis=(0, 1)) * U) + \
        np.sum(np.roll(U, 5) * U ** 2)


def circular_convolution(x, k):
    # y[i] = sum_j k[j] x[i - j], a roll per tap.
    y = k[0] * x + k[1] * np.roll(x, 1) + k[2] * np.roll(x, 2)
    return np.sum(np.tanh(y) ** 2)


def shifted_by(x, s):
    return np.sum(np.roll(x, s) * x ** 2)


def mirrored(U, v):
    return np.sum(np.fliplr(U) * U) + np.sum(np.flipud(U) ** 3) + np.sum(np.flip(U) * U) + \
        np.sum(np.flip(v) * v) + np.sum(np.flip(U, axis=1)[0] * np.flip(U, (0, 1))[1])


def upsampled_fit(x, y):
    # Nearest-neighbour upsampling of a coarse signal, fitted to a fine one.
    return 0.5 * np.sum((np.repeat(x, 2) - y) ** 2) + np.sum(x.repeat(3) ** 4)


def upsampled_image(P):
    big = np.repeat(np.repeat(P, 2, axis=0), 2, axis=1)
    return np.sum(np.sin(big) * big) + np.sum(P.repeat(2) ** 2)


def tiled_bias(X, b):
    # A bias tiled over the rows of a batch (np.tile of run-time counts).
    Z = X + np.tile(b, (X.shape[0], 1))
    return np.sum(np.tanh(Z) ** 2) + np.sum(np.tile(b, 3)[2:5] * np.tile(X, (2, 1, 1))[1, 0])


def same_convolution(x, k):
    # A 3-tap filter over the signal padded with one zero each side: as long as x.
    xp = np.pad(x, 1)
    y = k[0] * xp[:-2] + k[1] * xp[1:-1] + k[2] * xp[2:]
    return np.sum((y - x) ** 2)


def edge_smoothing(U):
    # A 3 x 3 box blur of an image whose border pixels are repeated outward.
    P = np.pad(U, 1, mode="edge")
    n, m = U.shape
    blur = np.zeros_like(U)
    for i in range(3):
        for j in range(3):
            blur = blur + P[i:i + n, j:j + m] / 9
    return np.sum((blur - U) ** 2)


def padded_with_a_value(X, c):
    A = np.pad(X, ((1, 0), (2, 1)), constant_values=c)
    B = np.pad(X * c, [(1, 1)], mode="constant")
    return np.sum(np.tanh(A) ** 2) + np.sum(B ** 3) + np.sum(np.pad(X, (0, 2), "edge") ** 2)


def augmented_views(img, K):
    # An image (channels last) seen channels first, transposed and rotated, as a small
    # data-augmentation loss does; and a stack of matrices with its axes reordered.
    chw = np.moveaxis(img, -1, 0)
    rotations = np.rot90(chw, 1, axes=(1, 2)) + np.rot90(chw, 3, axes=(1, 2))
    loss = np.sum((rotations - np.swapaxes(chw, 1, 2)) ** 2) + np.sum(np.rot90(img[:, :, 0], 2)
                                                                      * img[:, :, 1])
    return loss + np.sum(np.rollaxis(K, 2) ** 3) + np.sum(np.rollaxis(K, 0, 3) * np.moveaxis(
        K, [0, 1], [2, 0])) + np.sum(K.swapaxes(0, 1)[0] ** 2) + np.sum(np.rot90(K[0]) ** 2)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (dirichlet_energy, (rn(6), 0.5)),
    (grid_laplacian, (rn(3, 4),)),
    (circular_convolution, (rn(5), rn(3))),
    (mirrored, (rn(3, 4), rn(4))),
    (upsampled_fit, (rn(3), rn(6))),
    (upsampled_image, (rn(2, 3),)),
    (tiled_bias, (rn(4, 3), rn(3) * 0.5)),
    (same_convolution, (rn(6), rn(3))),
    (edge_smoothing, (rn(4, 5),)),
    (padded_with_a_value, (rn(2, 3), 0.7)),
    (augmented_views, (rn(3, 3, 2), rn(2, 3, 4))),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_a_shift_known_at_run_time() -> None:
    x = rn(5)
    for s in (0, 2, -1, 7):
        check_grads(lambda x, s=s: shifted_by(x, s), (x,))
        want = np.roll(x, s) * 2 * x + np.roll(x ** 2, -s)
        np.testing.assert_allclose(grad(shifted_by)(x, s), want, rtol=1e-12)


def test_the_hessian_of_the_periodic_energy_is_the_squared_laplacian() -> None:
    n, h = 6, 0.5
    D = (np.roll(np.eye(n), 1, axis=0) - 2 * np.eye(n) + np.roll(np.eye(n), -1, axis=0)) / h ** 2
    u = rn(n)
    want = D.T @ D + np.diag(1.2 * u ** 2)
    np.testing.assert_allclose(hessian(dirichlet_energy)(u, h), want, rtol=1e-10)
    np.testing.assert_allclose(jacfwd(lambda u: np.roll(u, 2))(u), np.roll(np.eye(n), 2, axis=0))
    np.testing.assert_allclose(jacrev(np.flipud)(u), np.eye(n)[::-1])


def test_the_gradient_rolls_back() -> None:
    g = grad(dirichlet_energy)
    g(rn(6), 0.5)
    primal, derivative = g.source.split("lap = ")[1].split("\n", 1)
    assert "np.roll(u, 1)" in primal and "np.roll(u, -1)" in primal
    assert derivative.count("np.roll(") == 2  # the cotangent rolled back both ways


def test_an_upsampling_gradient_sums_over_the_copies() -> None:
    x, y = rn(3), rn(6)
    want = (np.repeat(x, 2) - y).reshape(3, 2).sum(axis=1) + 3 * 4 * x ** 3
    np.testing.assert_allclose(grad(upsampled_fit)(x, y), want, rtol=1e-12)
    np.testing.assert_allclose(hessian(upsampled_fit)(x, y), np.diag(2 + 36 * x ** 2),
                               rtol=1e-12)
    g = grad(tiled_bias, argnums=1)
    g(rn(4, 3), rn(3))
    assert "_t0 = X.shape[0]" in g.source and "np.tile(b, (_t0, 1))" in g.source


def test_the_padding_value_is_differentiated() -> None:
    X = rn(2, 3)
    # d/dc of sum(pad(X, c) ** 2) is 2 c times the number of padded entries.
    g = grad(lambda X, c: np.sum(np.pad(X, ((1, 0), (2, 1)), constant_values=c) ** 2),
             argnums=1)
    assert g(X, 0.7) == pytest.approx(2 * 0.7 * (3 * 6 - 6))
    np.testing.assert_allclose(jacfwd(lambda u: np.pad(u, (1, 2), mode="edge"))(rn(3)),
                               np.eye(3)[[0, 0, 1, 2, 2, 2]])
    # Its second derivatives alone: the batched JVP of a value padded around an array
    # that is not differentiated.
    dc = grad(padded_with_a_value, argnums=1)
    h = 1e-5
    want = (dc(X, 0.7 + h) - dc(X, 0.7 - h)) / (2 * h)
    assert hessian(padded_with_a_value, argnums=1)(X, 0.7) == pytest.approx(want, rel=1e-6)
    H = hessian(padded_with_a_value, argnums=(0, 1))(X, 0.7)
    np.testing.assert_allclose(H[1][1], want, rtol=1e-6)


# Errors ----------------------------------------------------------------------------------


def float_shift(x):
    return np.sum(np.roll(x, 1.5))  # E:shift


def shifts_and_axes(x):
    return np.sum(np.roll(x, (1, 2, 3), axis=(0, 1)))  # E:axes


def fliplr_of_a_vector(x):
    return np.sum(np.fliplr(x))  # E:fliplr


def repeat_counts(x):
    return np.sum(np.repeat(x, np.array([1, 2, 1])))  # E:counts


def negative_reps(x):
    return np.sum(np.tile(x, (2, -1)))  # E:negative


def reflect_mode(x):
    return np.sum(np.pad(x, 1, mode="reflect"))  # E:reflect


def pad_per_axis_values(x):
    return np.sum(np.pad(x, 1, constant_values=(0.0, 1.0)))  # E:values


def computed_width(x, k):
    return np.sum(np.pad(x, k))  # E:width


ERRORS = [
    (float_shift, (rn(4),), "shift", "np.roll", ["shift must be an int"]),
    (shifts_and_axes, (rn(3, 4),), "axes", "np.roll", ["one shift per axis"]),
    (fliplr_of_a_vector, (rn(4),), "fliplr", "np.fliplr", ["fewer than 2 axes"]),
    (repeat_counts, (rn(3),), "counts", "np.repeat", ["array of counts", "one int"]),
    (negative_reps, (rn(3),), "negative", "np.tile", ["reps must not be negative"]),
    (reflect_mode, (rn(3),), "reflect", '"reflect"', ["mode='reflect'", "not supported",
                                                      "'edge'"]),
    (pad_per_axis_values, (rn(3),), "values", "np.pad", ["constant_values", "one number"]),
    (computed_width, (rn(3), 1), "width", "np.pad", ["widths must be a constant int"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
