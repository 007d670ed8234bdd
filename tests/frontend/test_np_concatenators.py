"""``np.r_[...]`` and ``np.c_[...]`` in user code: a heat rod's boundary values joined
to its interior, a design matrix with an intercept column, vectors, numbers, lists and
slices of arrays joined, constant ranges, an axis directive; in both modes and at
second order against NumPy's own values; located errors for the directives and forms
left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy import c_, r_

from symdiff import grad, hessian, jacfwd, jacrev, source
from symdiff.errors import UnsupportedSyntaxError
from tests.frontend import support

FILE = Path(__file__).resolve()
LINES = FILE.read_text().splitlines()
RNG = np.random.default_rng(37)
C = RNG.uniform(-1, 1, (3, 3))  # data, not differentiated

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rod_energy(u, left, right):
    # The interior temperatures of a rod between two fixed ends: the discrete Dirichlet
    # energy of the whole profile.
    full = np.r_[left, u, right]
    return 0.5 * np.sum(np.diff(full) ** 2)


def regression(w, x, y):
    # A design matrix with an intercept column, written with np.c_.
    X = np.c_[np.ones(x.shape[0]), x, x ** 2]
    return np.mean((X @ w - y) ** 2)


def joined(x, y):
    return np.r_[x[:2], y, [x[0] * y[0], 2.0], 0.5] * np.r_[1:8]


def stacked_rows(A):
    return np.r_[A, C[:, :2], A ** 2]


def side_by_side(A, v):
    return c_[A, v, C[:2, 1]] * 2.0 + r_["1", A, A][:, 1:7]


def on_a_grid(x):
    return np.r_[0.0:1.0:0.25] * x + np.r_[-1:x.shape[0] - 1] * x ** 2


def directive(a, b):
    return np.r_["0,2", a, b]  # E:directive


def points(a):
    return np.r_[0:1:5j] * a  # E:points


def open_ended(a):
    return np.r_[2:] * a  # E:open


def nothing(a):
    return np.r_["0"] * a  # E:nothing


@pytest.mark.parametrize(("f", "args", "numpy"), [
    (rod_energy, (RNG.uniform(-1, 1, 5), 0.3, -0.2), None),
    (regression, (RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 6), RNG.uniform(-1, 1, 6)),
     None),
    (joined, (RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 2)),
     lambda x, y: np.concatenate([x[:2], y, [x[0] * y[0], 2.0, 0.5]]) * np.arange(1, 8)),
    (stacked_rows, (RNG.uniform(-1, 1, (2, 2)),),
     lambda A: np.vstack([A, C[:, :2], A ** 2])),
    (side_by_side, (RNG.uniform(-1, 1, (2, 4)), RNG.uniform(-1, 1, 2)),
     lambda A, v: np.column_stack([A, v, C[:2, 1]]) * 2.0 + np.hstack([A, A])[:, 1:7]),
    (on_a_grid, (RNG.uniform(-1, 1, 4),),
     lambda x: np.arange(0.0, 1.0, 0.25) * x + np.arange(-1, 3) * x ** 2),
], ids=["rod", "regression", "joined", "rows", "columns", "ranges"])
def test_joins(f, args, numpy) -> None:
    support.check_with_value(f, args, numpy)


def test_rod_energy_is_the_laplacian() -> None:
    # The gradient of the Dirichlet energy is the negative discrete Laplacian.
    u, left, right = RNG.uniform(-1, 1, 5), 0.3, -0.2
    full = np.concatenate([[left], u, [right]])
    assert grad(rod_energy)(u, left, right) == pytest.approx(
        -(full[2:] - 2 * full[1:-1] + full[:-2]))
    H = hessian(rod_energy)(u, left, right)
    assert H == pytest.approx(2 * np.eye(5) - np.eye(5, k=1) - np.eye(5, k=-1))
    assert "np.r_" not in source(rod_energy, args=(u, left, right))


def test_columns_by_either_mode() -> None:
    w, x = RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 6)
    design = jacfwd(lambda w: np.c_[np.ones(6), x, x ** 2] @ w)(w)
    assert design == pytest.approx(np.column_stack([np.ones(6), x, x ** 2]))
    assert jacrev(lambda x: np.c_[x, 2 * x])(x).shape == (6, 2, 6)


@support.error_cases([
    (directive, "directive", '"0,2"', ["string directives", "'0,2'"]),
    (points, "points", "0:1:5j", ["np.linspace"]),
    (open_ended, "open", "2:", ["needs a stop"]),
    (nothing, "nothing", 'np.r_["0"]', ["of nothing to join"]),
])
def test_located_errors(f, tag, snippet, words) -> None:
    args = (np.ones(3), np.ones(3))[:f.__code__.co_argcount]
    with pytest.raises(UnsupportedSyntaxError) as info:
        jacfwd(f)(*args)
    support.assert_located(info.value, FILE, LINES, tag, snippet, words)
