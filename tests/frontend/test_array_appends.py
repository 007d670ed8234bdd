"""A loop appending arrays to a list: the IR's loop-built lists hold numbers, so such a
list is a located error, not arrays typed as numbers (which crashed at run time or was
refused with a misleading message). Numbers appended keep working."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff

X = np.array([1.0, 2.0, -1.0])
V = np.array([0.5, -1.0, 2.0])
W = np.array([0.3, -0.2, 0.5])


def summed_layers(w: np.ndarray) -> float:
    parts = []
    for i in range(3):
        parts.append(np.tanh(X * w[i]))
    return np.sum(np.tanh(sum(parts)))


def first_row(w: np.ndarray) -> float:
    parts = []
    for i in range(3):
        parts.append(X * w[i])
    return np.sum(np.exp(np.stack(parts)[0]) * V)


def averaged(w: np.ndarray) -> float:
    parts = []
    for i in range(3):
        parts.append(X * w[i])
    return np.mean(np.stack(parts), axis=0) @ V


@pytest.mark.parametrize("fn", [summed_layers, first_row, averaged])
def test_a_list_of_arrays_built_in_a_loop_is_a_located_error(fn) -> None:
    with pytest.raises(symdiff.UnsupportedSyntaxError,
                       match="a list of arrays built in a loop") as info:
        symdiff.grad(fn)(W)
    assert "parts.append(" in str(info.value)


def test_numbers_appended_in_a_loop_still_work() -> None:
    def total(w: np.ndarray) -> float:
        parts = []
        for i in range(3):
            parts.append(np.sum(np.tanh(X * w[i])))
        return sum(parts) + max(parts)

    got = symdiff.grad(total)(W)
    h = 1e-6
    want = [(total(W + h * e) - total(W - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(got, want, atol=1e-6)
