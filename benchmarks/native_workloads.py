"""Loop workloads of the native table (`benchmarks.report_native`): scalar code with
Python loops over NumPy arrays, the kind numba compiles, with their arguments.

Each function is written as a practitioner writes it in plain Python; `WORKLOADS` lists
them with the arguments to differentiate and the sizes the table runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def rosenbrock(x):
    """The extended Rosenbrock function of an array (or a list), as a Python loop."""
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_grad_by_hand(x):
    """The gradient of `rosenbrock`, written by hand (the njit baseline)."""
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i] * x[i]
        g[i] += -400.0 * d * x[i] - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * d
    return g


def horner(x, coefficients):
    """A polynomial in x by Horner's rule, its coefficients highest degree first."""
    p = 0.0
    for k in range(coefficients.shape[0]):
        p = p * x + coefficients[k]
    return p


def newton_sqrt(a):
    """sqrt(a) by Newton's iteration, until the residual is below 1e-12."""
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def pendulum(theta0, g_over_l, damping, steps):
    """A damped pendulum integrated by classical RK4 with steps of 0.01: the mean
    squared angle along the trajectory."""
    h = 0.01
    theta = theta0
    omega = 0.0
    total = 0.0
    for _ in range(steps):
        k1t = omega
        k1w = -g_over_l * math.sin(theta) - damping * omega
        k2t = omega + 0.5 * h * k1w
        k2w = -g_over_l * math.sin(theta + 0.5 * h * k1t) - damping * k2t
        k3t = omega + 0.5 * h * k2w
        k3w = -g_over_l * math.sin(theta + 0.5 * h * k2t) - damping * k3t
        k4t = omega + h * k3w
        k4w = -g_over_l * math.sin(theta + h * k3t) - damping * k4t
        theta = theta + h / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
        omega = omega + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
        total += theta * theta
    return total / steps


def garch_loglik(omega, alpha, beta, returns):
    """The Gaussian log-likelihood of a GARCH(1,1) model of `returns`."""
    var = omega / (1.0 - alpha - beta)
    ll = 0.0
    for t in range(returns.shape[0]):
        r = returns[t]
        ll += -0.5 * (math.log(2.0 * math.pi) + math.log(var) + r * r / var)
        var = omega + alpha * r * r + beta * var
    return ll


def convolution_loss(w, x, y):
    """The squared error of a valid 1-D convolution of signal x with kernel w against y."""
    loss = 0.0
    for t in range(y.shape[0]):
        acc = 0.0
        for k in range(w.shape[0]):
            acc += w[k] * x[t + k]
        loss += (acc - y[t]) ** 2
    return loss


@dataclass(frozen=True)
class Workload:
    """A row of the native table: a function, its arguments and what is differentiated."""

    name: str
    fn: Callable[..., float]
    args: tuple[Any, ...]
    argnums: int | tuple[int, ...] = 0
    hand: Callable[..., Any] | None = None  # a hand-written gradient, njit-able
    loop: bool = True  # a loop of n >= 100 iterations (the cheap-gradient target applies)


def workloads(small: bool = False) -> list[Workload]:
    """The table's rows; `small` sizes for the tests."""
    rng = np.random.default_rng(0)
    sizes = (10, 100) if small else (10, 100, 1000, 100_000)
    rows = [Workload(f"Rosenbrock n={n:g}", rosenbrock, (rng.uniform(-1.0, 1.0, n),),
                     hand=rosenbrock_grad_by_hand, loop=n >= 100) for n in sizes]
    degree = 20 if small else 100
    returns = rng.standard_normal(50 if small else 1000) * 0.01
    signal = rng.standard_normal(60 if small else 1000)
    kernel = np.array([0.2, -0.1, 0.5, 0.3, 0.1])
    target = np.convolve(signal, kernel[::-1], mode="valid") + 0.01
    rows += [
        Workload(f"Horner degree {degree - 1}", horner,
                 (0.9, rng.uniform(-1.0, 1.0, degree)), loop=degree >= 100),
        Workload("Newton sqrt (while)", newton_sqrt, (2.0,), loop=False),
        Workload("RK4 pendulum, 200 steps", pendulum, (0.5, 9.81, 0.3, 200),
                 argnums=(0, 1, 2)),
        Workload(f"GARCH(1,1), {returns.shape[0]} obs", garch_loglik,
                 (1e-5, 0.08, 0.9, returns), argnums=(0, 1, 2)),
        Workload(f"1-D convolution, {target.shape[0]} outputs", convolution_loss,
                 (kernel * 0.9, signal, target)),
    ]
    return rows
