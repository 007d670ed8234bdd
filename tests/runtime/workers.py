"""Functions for the process-pool tests (test_pickle.py), importable by name in a worker:
derivatives of them pickle by reference, as any function sent to a process pool does."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import symdiff


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def loss(x, y):
    """A scalar function of two numbers."""
    return math.sin(x) * y ** 3 + math.exp(x * y)


def outputs(x):
    return np.tanh(x) * x[0]


@symdiff.grad
def decorated(x, y):
    return x * y * x


def minimize(fun: Callable[..., Any], jac: Any, x0: Sequence[float]) -> tuple[list[float], bool]:
    """scipy.optimize.minimize (BFGS) from `x0`: the solution and whether it converged."""
    from scipy.optimize import minimize as scipy_minimize

    result = scipy_minimize(fun, np.asarray(x0, dtype=float), jac=jac, method="BFGS")
    return result.x.tolist(), bool(result.success)


def call(fun: Callable[..., Any], *args: Any) -> Any:
    return fun(*args)


def forbid_generating() -> None:
    """A worker initializer: generating code raises, so a derivative can only come from
    the disk cache."""
    import symdiff.runtime.pipeline as pipeline

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("generate called in the worker: disk cache miss")

    pipeline.generate = forbidden
