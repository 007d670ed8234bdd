"""Arrays indexed by loop variables: ``x[i]``, ``x[i + j]``, ``X[i, j]`` inside ``for``
loops over any ``range(...)``: constant bounds, ``len(x) - k``, ``n - k + 1`` with a
run-time ``n``, nested loops whose inner range starts at the outer index.

Derivatives (grad, jvp, vjp, hessian) are checked against finite differences. Where the
compiler proves an index in range (the loop runs inside the axis) the read is not an
effect, so a gradient needs no forward loop for it; where it cannot, the read is kept
and behaves as Python's: an index past the end raises IndexError in every transform, a
negative one counts from the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jvp, value_and_grad, vjp
from symdiff.frontend.lower import lower
from symdiff.ir.indexing import can_raise
from symdiff.ir.regions import all_nodes
from symdiff.runtime.dispatch import signature_of
from symdiff.testing import check_grads

pytestmark = pytest.mark.usefixtures("no_disk_cache")

RNG = np.random.default_rng(8)


def partial_loop(x):
    s = 0.0
    for i in range(2):
        s += x[i] * x[i + 1]
    return s


def convolution(w, x):
    n = len(x)
    k = len(w)
    total = 0.0
    for i in range(n - k + 1):
        out = 0.0
        for j in range(k):
            out += w[j] * x[i + j]
        total += out * out
    return total


def convolution_n(w, x, n):
    k = len(w)
    out = 0.0
    for i in range(n - k + 1):
        for j in range(k):
            out += w[j] * x[i + j] ** 2
    return out


def pairwise_products(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            s += x[i] * x[j] * x[j]
    return s


def pairwise(x):
    n = len(x)
    s = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            s += (x[i] - x[j]) ** 2 * x[j]
    return s


def neighbours(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += np.sin(x[i + 1] - x[i]) * x[i]
    return s


def matrix_loops(X):
    s = 0.0
    for i in range(len(X)):
        for j in range(X.shape[1]):
            s += X[i, j] ** 3 * (i + 1) - X[i, j] * X[i, X.shape[1] - 1 - j]
    return s


def negative_indices(x):
    s = 0.0
    for i in range(-2, 1):
        s += x[i] * x[i + 1] ** 2
    return s


def backwards(x):
    s = 0.0
    for i in range(len(x) - 1, -1, -2):
        s = s * 0.5 + x[i] ** 2
    return s


def up_to_n(x, n):
    s = 0.0
    for i in range(n):
        s += x[i] ** 2
    return s


def unused_read(x, n):
    s = 0.0
    for i in range(n):
        unused = x[i]  # noqa: F841  (raises past the end, as in Python)
        s += x[0] ** 2
    return s


FUNCTIONS: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (partial_loop, (RNG.standard_normal(3),)),
    (convolution, (RNG.standard_normal(3), RNG.standard_normal(7))),
    (convolution, (RNG.standard_normal(1), RNG.standard_normal(2))),
    (pairwise, (RNG.standard_normal(5),)),
    (pairwise_products, (RNG.standard_normal(4),)),
    (neighbours, (RNG.standard_normal(4),)),
    (matrix_loops, (RNG.standard_normal((3, 2)),)),
    (negative_indices, (RNG.standard_normal(4),)),
    (backwards, (RNG.standard_normal(5),)),
]
IDS = [f"{f.__name__}-{i}" for i, (f, _) in enumerate(FUNCTIONS)]


def fd_jacobian(g: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a gradient function: its Jacobian, the Hessian."""
    cols = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * h))
    return np.stack(cols, axis=-1).reshape(x.shape + x.shape)


@pytest.mark.parametrize(("f", "args"), FUNCTIONS, ids=IDS)
def test_loops_indexing_arrays_match_finite_differences(f: Callable[..., Any],
                                                        args: tuple[Any, ...]) -> None:
    check_grads(f, args)
    assert value_and_grad(f)(*args)[0] == pytest.approx(f(*args), rel=1e-12)


@pytest.mark.parametrize(("f", "args"), FUNCTIONS, ids=IDS)
def test_hessians_of_loops_indexing_arrays(f: Callable[..., Any],
                                           args: tuple[Any, ...]) -> None:
    x, rest = args[-1], args[:-1]
    got = hessian(f, argnums=len(args) - 1)(*args)
    want = fd_jacobian(lambda v: grad(f, argnums=len(args) - 1)(*rest, v), x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def _with_count(n: int) -> Callable[..., Any]:
    def fixed(w, x):
        return convolution_n(w, x, n)

    return fixed


def test_a_run_time_bound_n_minus_k_plus_one() -> None:
    w, x = RNG.standard_normal(3), RNG.standard_normal(6)
    for n in (3, 5, 6):
        check_grads(_with_count(n), (w, x))  # n a closure value, read at run time
        gw, gx = grad(convolution_n, argnums=(0, 1))(w, x, n)
        want_w = [sum(x[i + j] ** 2 for i in range(n - 2)) for j in range(3)]
        np.testing.assert_allclose(gw, want_w, rtol=1e-12)
        _, vjp_fn = vjp(convolution_n, w, x, n)
        np.testing.assert_allclose(vjp_fn(1.0)[1], gx, rtol=1e-12)
        h = hessian(convolution_n, argnums=1)(w, x, n)
        np.testing.assert_allclose(h, np.diag(gx / np.where(x == 0, 1, x)), atol=1e-12)


@pytest.mark.parametrize("f", [up_to_n, unused_read])
def test_an_index_past_the_end_raises_index_error_in_every_transform(
        f: Callable[..., Any]) -> None:
    x = RNG.standard_normal(3)
    assert grad(f)(x, 3).shape == (3,)  # in range: fine
    with pytest.raises(IndexError):
        f(x, 4)
    with pytest.raises(IndexError):
        grad(f)(x, 4)
    with pytest.raises(IndexError):
        jvp(f, (x, 4), (np.ones(3), 0.0))
    with pytest.raises(IndexError):
        vjp(f, x, 4)
    with pytest.raises(IndexError):
        hessian(f)(x, 4)


def _index_reads(f: Callable[..., Any], *args: Any) -> list[bool]:
    """Whether each array read ``x[...]`` of `f`'s program may raise, in program order."""
    sig = signature_of(args)
    types = tuple(None if isinstance(t, type) else t for t in sig)
    program = lower(f, types=types)
    return [can_raise(n.attrs[0]) for n in all_nodes(program)
            if n.op == "index" and n.type is None]


@pytest.mark.parametrize("f", [partial_loop, convolution, pairwise, neighbours,
                               matrix_loops, backwards])
def test_reads_the_loop_keeps_inside_the_axis_are_proved_in_range(
        f: Callable[..., Any]) -> None:
    args = next(a for g, a in FUNCTIONS if g is f)
    if f is partial_loop:
        args = (RNG.standard_normal(3),)  # its length is known at run time only
        assert _index_reads(f, *args) == [True, True]
        return
    reads = _index_reads(f, *args)
    assert reads and not any(reads), reads


def past_the_end(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i + 1]
    return s


def one_more(x):
    s = 0.0
    for i in range(len(x) + 1):
        s += x[i]
    return s


def too_negative(x):
    s = 0.0
    for i in range(-len(x) - 1, 0):
        s += x[i]
    return s


def other_array(x, w):
    s = 0.0
    for i in range(len(w)):
        s += x[i]
    return s


def from_the_end(x):
    s = 0.0
    for i in range(len(x), -1, -1):
        s += x[i]
    return s


def run_time_count(x, n):
    s = 0.0
    for i in range(n):
        s += x[i]
    return s


def wrong_axis(X):
    s = 0.0
    for i in range(X.shape[1]):
        s += X[i, 0]
    return s


def wider_inner(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i, len(x) + 1):
            s += x[j]
    return s


@pytest.mark.parametrize(("f", "args"), [
    (past_the_end, (np.ones(3),)),
    (one_more, (np.ones(3),)),
    (too_negative, (np.ones(3),)),
    (other_array, (np.ones(3), np.ones(2))),
    (from_the_end, (np.ones(3),)),
    (run_time_count, (np.ones(3), 2)),
    (wrong_axis, (np.ones((3, 2)),)),
    (wider_inner, (np.ones(3),)),
])
def test_reads_that_may_leave_the_axis_are_kept(f: Callable[..., Any],
                                                args: tuple[Any, ...]) -> None:
    assert any(_index_reads(f, *args))


def test_a_proved_read_needs_no_forward_loop_in_the_gradient() -> None:
    g = grad(pairwise_products)
    g(RNG.standard_normal(5))
    # Only the backward loops: reading x[i] and x[j] cannot fail (nor can * and +).
    assert g.source.count("for ") == 2, g.source
