"""What the SciPy tests share: a function's value and derivatives against SciPy's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import symdiff
from symdiff.testing import check_grads


def every(x: tuple[Any, ...]) -> tuple[int, ...]:
    """argnums for every argument."""
    return tuple(range(len(x)))


def check_against_scipy(fn: Callable[..., Any], x: tuple[float, ...], rel: float) -> None:
    """The value symdiff's code computes is `fn`'s own (within `rel`: 0 for the same
    SciPy call), and its derivatives agree with central differences to second order."""
    value, _ = symdiff.value_and_grad(fn, argnums=every(x))(*x)
    assert value == pytest.approx(fn(*x), rel=rel, abs=1e-15 if rel else 0.0)
    check_grads(fn, x, order=2, rtol=1e-5, atol=1e-7)
