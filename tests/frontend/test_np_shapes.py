"""NumPy shape operations and constructors in user code, end to end: reshape, ravel,
squeeze, expand_dims, concatenate, stack, np.array of computed values, np.zeros and
friends, cumsum, cumprod and diff, in both modes against finite differences
(`symdiff.testing.check_grads`) for float64 and float32, with lengths known only at run
time; gradients of each argument's shape and dtype; the generated code; and located
errors for what is not supported."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, jvp, value_and_grad, vjp
from symdiff.testing import check_grads
from tests.frontend import support

RNG = np.random.default_rng(4)


pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


# Shape operations ---------------------------------------------------------------------


def reshape_rows(x, w):
    y = x.reshape(x.shape[0], -1)
    return np.sum(np.sin(y) * w)


def reshape_tuple(t, v):
    W = np.reshape(t, (2, 3))
    return np.sum(np.tanh(W @ v))


def reshape_hole(t, v):
    W = t.reshape(2, -1)
    return np.sum(np.tanh(W @ v))


def reshape_halves(x, w):
    y = x.reshape(len(x) // 2, 2)
    return np.sum(y * w)


def reshape_like(x, y):
    return np.sum(np.reshape(x, y.shape) * y)


def ravel_flatten(x):
    return np.sum(np.cumsum(x.ravel()) ** 2) + np.sum(np.ravel(x) * x.flatten())


def squeeze_expand(x, b):
    s = np.squeeze(x, axis=1) * b + x.squeeze()
    return np.sum(np.expand_dims(s, 0) * np.expand_dims(b, axis=1))


def concatenate_reshape(x, y):
    z = np.concatenate([x, y * 2.0])
    m = z.reshape(2, -1)
    return np.sum(np.sin(m) * m)


def concatenate_axes(A, B):
    C = np.concatenate([A, B], axis=1)
    D = np.concatenate((A, A * B), axis=-2)
    return np.sum(C ** 2) + np.sum(np.exp(D)) + np.sum(np.concatenate([A, B], axis=None))


def stack_axes(a, b):
    S = np.stack([a, b * a], axis=1)
    return np.sum(S ** 3) + np.sum(np.stack((a, b)) * 2.0) + np.sum(np.stack([a, b], -1) ** 2)


# Arrays from computed values ------------------------------------------------------------


def from_scalars(a, b):
    v = np.array([a * b, a + b, np.sin(a)])
    M = np.array([[a, b], [b * b, a]])
    return np.sum(v ** 2) + np.sum(M @ M)


def from_arrays(x, y):
    M = np.array([x * y, x + y])
    return np.sum(M ** 2) + np.sum(np.asarray(x) * 3.0) + np.sum(np.array(y) ** 2)


def scalars_times_vector(a, b, w):
    return np.sum(np.array([a * b, a - b]) * w)


# Constants ---------------------------------------------------------------------------


def constants(x):
    n = x.shape[0]
    z = np.zeros(n) + 2.0 * np.ones((n,)) + np.full(n, 3.0) + np.arange(n)
    z = z + np.linspace(0.0, 1.0, n)
    E = np.eye(n) + np.eye(n, k=1)
    like = np.zeros_like(x) + np.ones_like(x) * x + np.full_like(x, 2.0)
    return np.sum(x * z) + np.sum(E @ x) + np.sum(like * x)


def fill_values(s, x):
    return np.sum(np.full(x.shape, s) * x) + np.sum(np.full_like(x, s) ** 2) + \
        np.sum(np.full((3,), s * s))


def endpoints(a, b):
    return np.sum(np.sin(np.linspace(a, b, 7))) + np.sum(np.linspace(a, b, 4, endpoint=False) ** 2)


def arange_start_step(s, h):
    return np.sum(np.sin(np.arange(s, 10.0, 1.5))) + np.sum(np.cos(np.arange(0.0, 5.0, h)))


def with_dtype(x):
    z = np.zeros(x.shape, dtype=np.float32) + np.ones_like(x, dtype="float32")
    return np.sum(z * x) + np.sum(np.arange(3, dtype=float)) * np.sum(x)


# Cumulative operations and differences -------------------------------------------------


def cumulative_sums(x):
    return np.sum(np.cumsum(x, axis=0) ** 2) + np.sum(np.cumsum(x) ** 2) + \
        np.sum(x.cumsum(axis=1) ** 3)


def cumulative_products(x):
    return np.sum(np.cumprod(x, axis=1)) + np.sum(np.cumprod(x) ** 2) + np.sum(x.cumprod(0))


def cumulative_named(x, v):
    # NumPy 2's names of cumsum and cumprod.
    return np.sum(np.cumulative_sum(x, axis=1) ** 2) + np.sum(np.cumulative_prod(v) * v) + \
        np.sum(np.cumulative_prod(x, axis=0) ** 2)


def differences(x):
    return np.sum(np.diff(x) ** 2) + np.sum(np.diff(x, axis=0) ** 3) + np.sum(np.diff(x, n=2) ** 2)


def differences_weighted(x, w):
    return np.sum(np.diff(x) * w)


def loop_of_cumsums(x):
    acc = np.zeros(x.shape[0])
    for i in range(3):
        acc = acc + np.cumsum(x * i)
    return np.sum(acc ** 2)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (reshape_rows, (rn(3, 4), rn(3, 4))),
    (reshape_tuple, (rn(6), rn(3))),
    (reshape_hole, (rn(6), rn(3))),
    (reshape_halves, (rn(6), rn(3, 2))),
    (reshape_like, (rn(6), rn(2, 3))),
    (ravel_flatten, (rn(2, 3),)),
    (squeeze_expand, (rn(3, 1), rn(3))),
    (concatenate_reshape, (rn(4), rn(2))),
    (concatenate_axes, (rn(2, 3), rn(2, 3))),
    (stack_axes, (rn(4), rn(4))),
    (from_scalars, (0.3, 0.7)),
    (from_arrays, (rn(3), rn(3))),
    (scalars_times_vector, (0.3, 0.7, rn(2))),
    (constants, (rn(4),)),
    (fill_values, (0.4, rn(2, 3))),
    (endpoints, (0.2, 1.3)),
    (arange_start_step, (0.5, 0.7)),
    (with_dtype, (rn(3, 2),)),
    (cumulative_sums, (rn(3, 4),)),
    (cumulative_products, (rn(3, 4),)),
    (cumulative_named, (rn(3, 4), rn(4))),
    (differences, (rn(4, 5),)),
    (differences_weighted, (rn(4), rn(3))),
    (loop_of_cumsums, (rn(4),)),
]


def _cast(args: tuple[Any, ...], dtype: type) -> tuple[Any, ...]:
    return tuple(a.astype(dtype) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_against_finite_differences_float64(f: Callable[..., Any],
                                                       args: tuple[Any, ...]) -> None:
    check_grads(f, args)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_against_finite_differences_float32(f: Callable[..., Any],
                                                       args: tuple[Any, ...]) -> None:
    check_grads(f, _cast(args, np.float32), eps=1e-3, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_have_each_arguments_shape_and_dtype(
        f: Callable[..., Any], args: tuple[Any, ...], dtype: type) -> None:
    args = _cast(args, dtype)
    value, grads = value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    assert value == pytest.approx(f(*args), rel=1e-5 if dtype == np.float64 else 1e-4)
    for a, g in zip(args, grads, strict=True):
        assert np.shape(g) == np.shape(a)
        if isinstance(a, np.ndarray):
            assert g.dtype == a.dtype and g.flags.writeable


# Lengths known only at run time --------------------------------------------------------

RUN_TIME = [
    # the unknown axis of y has length one here, and w is broadcast along it
    (reshape_halves, (rn(2), rn(3, 2))),
    (reshape_halves, (rn(6), rn(1, 2))),
    (reshape_hole, (rn(2), rn(1))),
    (differences_weighted, (rn(2), rn(3))),
    (concatenate_reshape, (rn(6), rn(4))),
    (constants, (rn(1),)),
]


@pytest.mark.parametrize(("f", "args"), RUN_TIME, ids=[f"{f.__name__}-{i}" for i, (f, _)
                                                       in enumerate(RUN_TIME)])
def test_lengths_known_only_at_run_time(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args)
    check_grads(f, _cast(args, np.float32), eps=1e-3, rtol=2e-2, atol=2e-2)


def test_the_length_a_run_time_reshape_leaves_is_known_where_it_can_be() -> None:
    # x.reshape(x.shape[0], -1) keeps x's other axes: w broadcasts against nothing
    # unknown, so no run-time test is generated; reshape(2, -1) leaves it unknown.
    g = grad(reshape_rows, argnums=(0, 1))
    g(rn(3, 4), rn(3, 4))
    assert " if " not in g.source and "shape[1] == 1" not in g.source
    g = grad(reshape_hole, argnums=(0, 1))
    g(rn(6), rn(3))
    assert "W.shape[1] == 1" in g.source


def test_constants_have_their_numpy_values_and_dtypes() -> None:
    def f(x):
        n = len(x)
        return (np.zeros((2, n)), np.ones(n, dtype=np.float32), np.full(3, 7),
                np.arange(n), np.arange(1.0, 2.0, 0.25), np.linspace(0.0, 1.0, n, endpoint=False),
                np.eye(n, 3, k=-1, dtype=np.int64), np.zeros_like(x, dtype=np.float32),
                np.array([[1, 2], [3, 4]]), np.array([1.5, 2.5], dtype=np.float32))

    x = rn(4)
    got = jvp(f, (x,), (np.zeros(4),))[0]
    for a, b in zip(got, f(x), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_an_array_of_computed_values_has_jvp_and_vjp() -> None:
    def f(a, b):
        return np.array([[a * b, a + b], [np.sin(a), b]])

    out, t = jvp(f, (0.3, 0.7), (1.0, 0.0))
    np.testing.assert_allclose(out, f(0.3, 0.7))
    np.testing.assert_allclose(t, [[0.7, 1.0], [np.cos(0.3), 0.0]])
    _, back = vjp(f, 0.3, 0.7)
    ga, gb = back(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert ga == pytest.approx(0.7 + 2.0 + 3.0 * np.cos(0.3))
    assert gb == pytest.approx(0.3 + 2.0 + 4.0)


def test_cumprod_gradient_is_exact_where_the_array_has_zeros() -> None:
    def f(x):
        return np.sum(np.cumprod(x, axis=1) * np.arange(1.0, 5.0))

    x = np.array([[1.0, 0.0, 2.0, 3.0], [0.5, 2.0, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0]])
    g = grad(f)(x)
    assert np.all(np.isfinite(g))
    check_grads(f, (x,))


# The generated code ---------------------------------------------------------------------


def test_concatenate_and_reshape_gradient_reads_as_numpy() -> None:
    g = grad(concatenate_reshape, argnums=(0, 1))
    g(rn(4), rn(2))
    text = g.source
    split = re.search(r"(_t\d+) = x\.shape\[0\]", text)
    assert split is not None, text
    for line in ["z = np.concatenate([x, y * 2.0])", "m = z.reshape(2, -1)",
                 "z_bar = m_bar.reshape(z.shape)", f"y_bar = z_bar[{split[1]}:] * 2.0",
                 f"z_bar[:{split[1]}]"]:
        assert line in text, text


def test_shapes_of_arguments_are_written_as_shapes() -> None:
    def f(x, y):
        ones = np.ones_like(x, dtype=np.float32)
        return np.sum(np.zeros(x.shape) + np.reshape(y, x.shape) + ones)

    g = grad(f, argnums=(0, 1))
    g(rn(2, 3), rn(6))
    text = g.source
    assert "np.zeros(x.shape)" in text and "y.reshape(x.shape)" in text
    assert "np.ones(x.shape, dtype=np.float32)" in text


# Errors ----------------------------------------------------------------------------------


def order_keyword(x):
    return np.sum(x.reshape(2, -1, order="F"))  # E:order


def squeeze_long_axis(x):
    return np.sum(np.squeeze(x, axis=0))  # E:squeeze


def concatenate_ranks(x, y):
    return np.sum(np.concatenate([x, y]))  # E:ranks


def ragged(a, b):
    return np.sum(np.array([[a, b], [a]]))  # E:ragged


def complex_dtype(x):
    return np.sum(np.zeros(3, dtype=np.complex128) + x)  # E:dtype


def float_length(x, n):
    return np.sum(np.zeros(n) + x)  # E:float


def two_holes(x):
    return np.sum(x.reshape(-1, -1))  # E:holes


def cumsum_dtype(x):
    return np.sum(np.cumsum(x, dtype=np.float32))  # E:cumsum


def run_time_n(x):
    return np.sum(np.diff(x, n=len(x) - 1))  # E:diffn


def exact_mismatch(x):
    return np.sum(np.zeros((2, 3)).reshape(4, 2) + x)  # E:reshape


def array_endpoints(x):
    return np.sum(np.linspace(x, 1.0, 3))  # E:linspace


def cumulative_sum_without_axis(x):
    return np.sum(np.cumulative_sum(x))  # E:cumulative


def stack_of_a_variable(x):
    return np.sum(np.stack(x))  # E:stack


ERRORS = [
    (order_keyword, (rn(6),), "order", "order=", ["order=", "reshape"]),
    (squeeze_long_axis, (rn(3, 2),), "squeeze", "np.squeeze", ["axis 0", "length one"]),
    (concatenate_ranks, (rn(3), rn(3, 2)), "ranks", "np.concatenate", ["different ranks"]),
    (ragged, (1.0, 2.0), "ragged", "np.array", ["ragged"]),
    (complex_dtype, (rn(3),), "dtype", "np.complex128", ["dtype=", "float32"]),
    (float_length, (rn(3), 3.0), "float", "np.zeros", ["must be an int", "float"]),
    (two_holes, (rn(6),), "holes", "x.reshape", ["-1"]),
    (cumsum_dtype, (rn(3),), "cumsum", "dtype=", ["dtype=", "np.cumsum"]),
    (run_time_n, (rn(3),), "diffn", "np.diff", ["n must be a constant"]),
    (exact_mismatch, (rn(3),), "reshape", "np.zeros((2, 3)).reshape", ["6 elements", "(4, 2)"]),
    (array_endpoints, (rn(3),), "linspace", "np.linspace", ["np.linspace", "numbers"]),
    (stack_of_a_variable, (rn(3, 2),), "stack", "np.stack", ["list or tuple"]),
    (cumulative_sum_without_axis, (rn(3, 2),), "cumulative", "np.cumulative_sum",
     ["more than one axis", "axis="]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
