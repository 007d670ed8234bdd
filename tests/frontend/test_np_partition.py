"""``np.partition`` and ``np.argpartition`` in user code: a trimmed loss that keeps the k
smallest residuals, a median-of-rows by partition along an axis, several kth; the
derivative flows to the entries each position holds, as for a sort, in both modes and
at second order; located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, source
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads
from tests.frontend import support

FILE = Path(__file__).resolve()
LINES = FILE.read_text().splitlines()
RNG = np.random.default_rng(23)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def trimmed_loss(w, X, y):
    # Least trimmed squares: the 4 smallest squared residuals, robust to outliers.
    r2 = (X @ w - y) ** 2
    return np.sum(np.partition(r2, 3)[:4])


def row_medians(A):
    # The middle entry of each row of 5, by partitioning along the last axis.
    return np.partition(A, 2, axis=1)[:, 2]


def extremes(x):
    p = np.partition(x, (0, -1))
    return p[-1] - p[0] + np.sum(x[np.argpartition(x, 1)[:2]] ** 2)


def flattened(A):
    return np.partition(A, 4, axis=None)[4] * np.sum(A)


def moving_kth(x, k):
    return np.partition(x, k)  # E:kth


def out_of_range(x):
    return np.partition(np.zeros(3) + x[0], 9)  # E:range


def test_partition_follows_the_entries() -> None:
    # The Jacobian is the permutation matrix of the arrangement the value has.
    x = np.array([0.3, -1.2, 2.5, 0.9, -0.4, 1.7, 0.1])
    J = jacfwd(lambda x: np.partition(x, 3))(x)
    assert J == pytest.approx(jacrev(lambda x: np.partition(x, 3))(x))
    assert sorted(np.argmax(J, axis=1)) == list(range(7)) and np.sum(J) == 7
    p = J @ x
    assert p[3] == np.sort(x)[3] and max(p[:3]) <= p[3] <= min(p[4:])


@pytest.mark.parametrize(("f", "args"), [
    (trimmed_loss, (RNG.normal(size=3), RNG.normal(size=(8, 3)), RNG.normal(size=8))),
    (row_medians, (RNG.normal(size=(3, 5)),)),
    (extremes, (RNG.normal(size=6),)),
    (flattened, (RNG.normal(size=(3, 3)),)),
], ids=["trimmed", "medians", "extremes", "flattened"])
def test_partition(f, args) -> None:
    check_grads(f, args, modes=("fwd", "rev"), order=2)


def test_trimmed_loss_gradient() -> None:
    w, X, y = RNG.normal(size=3), RNG.normal(size=(8, 3)), RNG.normal(size=8)
    keep = np.argsort((X @ w - y) ** 2)[:4]
    want = 2 * X[keep].T @ (X[keep] @ w - y[keep])
    assert grad(trimmed_loss)(w, X, y) == pytest.approx(want)
    assert hessian(trimmed_loss)(w, X, y) == pytest.approx(2 * X[keep].T @ X[keep])
    assert "np.argpartition(" in source(trimmed_loss, args=(w, X, y))


@support.error_cases([
    (moving_kth, "kth", "np.partition(x, k)", ["kth must be a constant int"]),
    (out_of_range, "range", "np.partition(np.zeros(3) + x[0], 9)",
     ["kth 9 is out of bounds", "length 3"]),
])
def test_located_errors(f, tag, snippet, words) -> None:
    args = (np.ones(4), 2)[:f.__code__.co_argcount]
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(lambda *a: np.sum(f(*a)))(*args)
    support.assert_located(info.value, FILE, LINES, tag, snippet, words)
