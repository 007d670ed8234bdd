"""Batching (`transforms.batch`) of reads and ``np.add.at`` updates whose integer-array
indices are apart from each other (``x[3, 2:, [1, 3]]``, autograd's test_index_mixed):
NumPy puts the axes of such indices first, before the batch axis a Jacobian adds, so
the rule moves that axis back to front (of the value read, or of the value written).
A Jacobian of a Jacobian and a Hessian through them are one batched call and match
central differences; so do casts, np.partition and np.gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import hessian, jacfwd, jacrev
from symdiff.ir.indexing import FULL
from symdiff.testing import check_grads
from tests.api.test_jacobian_reverse_batched import Compiled
from tests.ir.support import program_of
from tests.transforms.test_batch import K, check_rows
from tests.transforms.test_batch_rules import central, jacobian_of_jacobian_is_one_call

pytestmark = pytest.mark.usefixtures("no_disk_cache")

rng = np.random.default_rng(31)
CUBE = rng.uniform(-1, 1, (5, 6, 4))
ROWS = np.array([[1], [2]])  # a 2-D integer array: its (2, 1) axes go first


def mixed_index(x):
    return x[3, 2:, [1, 3]]


def picked_apart(x):
    # Two columns of one layer, the second twice: the cotangents add up.
    return np.sum(np.sin(x[1, :, [0, 2, 2]]) ** 2) * x[0, 0, 0]


def two_dimensional_index(x):
    a = x[1, :, [0, 1]] ** 2
    b = np.sin(x[0, 1:3, ROWS]) * x[1, 0, 0]
    return np.concatenate([np.ravel(a), np.ravel(b)])


def scattered(x):
    # Rows of x added into columns 0 and 2 of one layer of a new array.
    out = np.zeros((3, 4, 5))
    np.add.at(out, (1, slice(None), [0, 2]), np.sin(x) * x[0, 0])
    return out * x[1, 1]


def partition_and_gradient(x):
    low = np.partition(np.sin(x) * x, 2)
    return low[:3] * np.gradient(x)[1:4]


def in_float32(x):
    return np.sin(x.astype(np.float32)) * x


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (mixed_index, (CUBE,)), (picked_apart, (CUBE[:3, :4, :3],)),
    (two_dimensional_index, (CUBE[:2, :4, :3],)), (scattered, (CUBE[:2, :4, 0],)),
(partition_and_gradient, (CUBE[0, :, 0],)),
]
IDS = [f.__name__ for f, _ in CASES]


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Compiled:
    return Compiled(monkeypatch)


@pytest.mark.parametrize(("fun", "args"), CASES, ids=IDS)
def test_nested_transforms_match_finite_differences(fun: Callable[..., Any],
                                                    args: tuple[Any, ...]) -> None:
    check_grads(fun, args, modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize(("fun", "args"), CASES, ids=IDS)
def test_a_jacobian_of_a_jacobian_is_one_batched_call(fun: Callable[..., Any],
                                                      args: tuple[Any, ...],
                                                      compiled: Compiled) -> None:
    jacobian_of_jacobian_is_one_call(fun, args, compiled)


@pytest.mark.parametrize(("fun", "args"), CASES[1:], ids=IDS[1:])
def test_hessians_are_one_batched_call(fun: Callable[..., Any], args: tuple[Any, ...],
                                       compiled: Compiled) -> None:
    def scalar(x):
        return np.sum(fun(x) ** 3)

    got = hessian(scalar)(*args)
    assert compiled.kinds == ["jvp_batched of grad"] and compiled.calls == 1
    np.testing.assert_allclose(got, central(jacrev(scalar), args), rtol=1e-5, atol=1e-5)


KEY = (("int", 1), FULL, ("list", (0, 2)))  # base[1, :, [0, 2]]


def added_at(base: np.ndarray, value: np.ndarray) -> np.ndarray:
    out = base.copy()
    np.add.at(out, (1, slice(None), [0, 2]), value)
    return out


@pytest.mark.parametrize("which", [[0], [1], [0, 1]], ids=["base", "value", "both"])
def test_the_update_rule_maps_over_the_batch(which: list[int]) -> None:
    # The base, the value or both batched: the value's batch axis goes after the axis of
    # [0, 2], where base[:, 1, :, [0, 2]] has it.
    base, value = rng.normal(size=(3, 4, 5)), rng.normal(size=(2, 4))
    program = program_of(lambda b, p: b.apply("index_add", p[0], p[1], attrs=(KEY,)),
                         [base, value])
    args = [rng.normal(size=(K, *a.shape)) if i in which else a
            for i, a in enumerate((base, value))]
    check_rows(program, args, which, added_at)


def test_reading_maps_over_the_batch() -> None:
    program = program_of(lambda b, p: b.apply("index", p[0], attrs=(KEY,)), [CUBE[:3, :4]])
    check_rows(program, [rng.normal(size=(K, 3, 4, 4))], [0], lambda x: x[1, :, [0, 2]])


def test_a_cast_to_float32_batches(compiled: Compiled) -> None:
    x = CUBE[0, :, 0]
    got = jacfwd(jacrev(in_float32))(x)
    assert compiled.kinds == ["jvp_batched of jacobian"] and compiled.calls == 1
    assert got.dtype == np.float64
    want = jacfwd(jacrev(lambda x: np.sin(x) * x))(x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
