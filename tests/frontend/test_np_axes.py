"""``np.swapaxes``, ``np.moveaxis``, ``np.rollaxis`` and ``np.rot90`` (issue 14) lowered
onto transposes and flips: NumPy's values, derivatives against finite differences in
both modes (to second order), batched jacobians, and NumPy's errors located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, jacfwd, jacrev
from symdiff.testing import check_grads
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(90)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def swapped(T):
    return np.sum(np.swapaxes(T, 0, 2) ** 3 * np.arange(3.0)[:, None]) + np.sum(
        T.swapaxes(-1, 1)[0] ** 2)


def moved(T):
    last = np.moveaxis(T, 0, -1)
    both = np.moveaxis(T, [0, 1], [2, 0])
    return np.sum(last ** 3 * np.arange(2.0)) + np.sum(both[0] ** 3) + np.sum(
        np.moveaxis(T, source=2, destination=1)[:, 0] ** 2)


def rolled(T):
    return (np.sum(np.rollaxis(T, 2)[1] ** 3) + np.sum(np.rollaxis(T, 0, 3)[0] ** 3)
            + np.sum(np.rollaxis(T, 1, start=1)[0] ** 2))


def rotated(A):
    return (np.sum(np.rot90(A)[0] ** 3) + np.sum(np.rot90(A, 2)[1] ** 3)
            + np.sum(np.rot90(A, -1)[0] ** 3) + np.sum(np.rot90(A, k=4)[0] ** 3)
            + np.sum(np.rot90(A, 3, axes=(1, 0))[1] ** 2))


def image_augment(images, w):
    """A linear score of a batch of images and their quarter turns (a test-time
    augmentation), as a vision model averages them."""
    quarter = np.rot90(images, 1, axes=(1, 2))
    half = np.rot90(images, 2, axes=(1, 2))
    back = np.rot90(images, -1, axes=(1, 2))
    total = images + quarter + half + back
    return np.sum(np.tanh(np.sum(total * w, axis=(1, 2)) / 4.0))


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (swapped, (rn(2, 3, 4),)),
    (moved, (rn(2, 3, 4),)),
    (rolled, (rn(2, 3, 4),)),
    (rotated, (rn(3, 4),)),
    (image_augment, (rn(2, 3, 3), rn(3, 3))),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_to_second_order(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2)


def test_values_are_numpys() -> None:
    T, A = rn(2, 3, 4), rn(3, 4)

    def views(T, A):
        return (np.swapaxes(T, 0, 2), T.swapaxes(1, 2), np.moveaxis(T, 0, -1),
                np.moveaxis(T, [0, 1], [2, 0]), np.rollaxis(T, 2), np.rollaxis(T, 0, 3),
                np.rollaxis(T, 1, 1), np.rot90(A), np.rot90(A, 2), np.rot90(A, -1),
                np.rot90(T, 1, axes=(2, 0)), np.rot90(A, 0))

    got = symdiff.vjp(views, T, A)[0]
    for g, w in zip(got, views(T, A), strict=True):
        np.testing.assert_array_equal(g, w)


def test_jacobians_are_the_permutations() -> None:
    A = rn(2, 3)

    def f(A):
        return np.rot90(A) * 2.0

    expected = np.rot90(np.eye(6).reshape(2, 3, 2, 3)) * 2.0
    np.testing.assert_array_equal(jacfwd(f)(A), expected)
    np.testing.assert_array_equal(jacrev(f)(A), expected)


def test_gradient_is_the_inverse_permutation() -> None:
    T = rn(2, 3, 4)
    weights = rn(4, 2, 3)
    g = grad(lambda T: np.sum(np.moveaxis(T, 2, 0) * weights))(T)
    np.testing.assert_array_equal(g, np.moveaxis(weights, 0, 2))


def swap_a_number(x):
    return np.swapaxes(x[0, 0, 0], 0, 1)  # E:number


def move_repeated(T):
    return np.sum(np.moveaxis(T, [0, 0], [1, 2]))  # E:repeated


def rot_same_axes(T):
    return np.sum(np.rot90(T, axes=(1, 1)))  # E:same


def rot_out_of_bounds(T):
    return np.sum(np.rot90(T, axes=(0, 3)))  # E:bounds


def roll_start(T):
    return np.sum(np.rollaxis(T, 0, 5))  # E:start


ERRORS = [
    (swap_a_number, "number", "np.swapaxes(", ["np.swapaxes", "a number"]),
    (move_repeated, "repeated", "np.moveaxis(", ["an axis is repeated"]),
    (rot_same_axes, "same", "np.rot90(", ["different"]),
    (rot_out_of_bounds, "bounds", "np.rot90(", ["out of bounds"]),
    (roll_start, "start", "np.rollaxis(", ["start must be in [-3, 3]"]),
]


@support.error_cases(ERRORS)
def test_numpys_errors_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                   words: list[str]) -> None:
    support.raises_located(lambda: grad(f)(rn(2, 3, 4)), THIS_FILE, LINES, tag, snippet, words)
