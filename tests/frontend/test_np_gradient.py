"""``np.gradient`` in user code, end to end: a velocity from sampled positions, a field's
partial derivatives on a grid (a tuple, one per axis), spacing given or differentiated,
edge_order 1 and 2, against NumPy's values, in both modes and at second order; NumPy's
ValueError for too short an axis; located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev
from symdiff.errors import UnsupportedSyntaxError
from tests.frontend import support

FILE = Path(__file__).resolve()
LINES = FILE.read_text().splitlines()
RNG = np.random.default_rng(17)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def kinetic_energy(x, dt):
    # Positions sampled every dt: velocities by central differences, then 1/2 m v^2.
    v = np.gradient(x, dt)
    return 0.5 * np.sum(v ** 2)


def smoothness(u):
    # A field on a grid: the squared norm of its gradient, one array per axis.
    du_dy, du_dx = np.gradient(u, 0.5, 0.25)
    return np.sum(du_dx ** 2 + du_dy ** 2)


def second_order_edges(f):
    return np.gradient(np.sin(f), 0.1, edge_order=2)


def along_columns(X):
    return np.gradient(X, axis=1) * X


def one_entry(x):
    return np.gradient(x)  # E:short


def coordinates(x, t):
    return np.gradient(x, t)  # E:coords


def bad_order(x):
    return np.gradient(x, edge_order=3)  # E:order


@pytest.mark.parametrize(("f", "args", "numpy"), [
    (kinetic_energy, (RNG.uniform(-1, 1, 7), 0.2), None),
    (smoothness, (RNG.uniform(-1, 1, (4, 5)),), None),
    (second_order_edges, (RNG.uniform(-1, 1, 6),),
     lambda f: np.gradient(np.sin(f), 0.1, edge_order=2)),
    (along_columns, (RNG.uniform(-1, 1, (3, 4)),), lambda X: np.gradient(X, axis=1) * X),
    (lambda x: np.gradient(x), (RNG.uniform(-1, 1, 2),), np.gradient),
], ids=["velocity", "grid", "edge_order_2", "axis", "two_entries"])
def test_gradient(f, args, numpy) -> None:
    support.check_with_value(f, args, numpy)


def test_gradient_is_linear() -> None:
    # The Jacobian of np.gradient is its finite-difference matrix, whichever mode.
    x = RNG.uniform(-1, 1, 5)
    D = jacrev(lambda x: np.gradient(x, 0.5))(x)
    assert D == pytest.approx(jacfwd(lambda x: np.gradient(x, 0.5))(x))
    assert D @ x == pytest.approx(np.gradient(x, 0.5))
    assert hessian(kinetic_energy)(x, 0.5) == pytest.approx(D.T @ D)
    assert grad(kinetic_energy, argnums=1)(x, 0.5) == pytest.approx(
        -np.sum(np.gradient(x, 0.5) ** 2) / 0.5)


def test_too_short_an_axis_raises_as_numpy() -> None:
    with pytest.raises(ValueError, match="too small"):
        np.gradient(np.ones(2), edge_order=2)
    with pytest.raises(ValueError, match="too small"):
        grad(lambda x: np.sum(np.gradient(x, edge_order=2)))(np.ones(2))


@support.error_cases([
    (one_entry, "short", "np.gradient(x)", ["too small", "length 1"]),
    (coordinates, "coords", "np.gradient(x, t)", ["coordinate arrays", "number"]),
    (bad_order, "order", "np.gradient(x, edge_order=3)", ["edge_order must be 1 or 2"]),
])
def test_located_errors(f, tag, snippet, words) -> None:
    args = (np.ones(1 if f is one_entry else 4), np.arange(4.0))[:f.__code__.co_argcount]
    with pytest.raises(UnsupportedSyntaxError) as info:
        jacfwd(f)(*args)
    support.assert_located(info.value, FILE, LINES, tag, snippet, words)
