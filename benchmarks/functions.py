"""The functions under benchmark and their hand-written gradients.

Each hand-written gradient is what a careful person would write by hand: the
closed-form partial derivatives with shared subexpressions computed once. They are
checked against finite differences in ``tests/test_benchmark_functions.py``.
"""

from __future__ import annotations

import math

SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def essay(a: float, b: float) -> float:
    """The essay's example ``e = (a + b) * (b + 1)``."""
    c = a + b
    d = b + 1
    e = c * d
    return e


def essay_grad(a: float, b: float) -> tuple[float, float]:
    """Hand-written ``(de/da, de/db)`` of `essay`."""
    c = a + b
    d = b + 1
    return d, c + d


def call_price(S: float, K: float, T: float, r: float, sigma: float) -> float:
    """Black–Scholes price of a European call (spot, strike, years, rate, volatility)."""
    sqrt_t = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
    n2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    return S * n1 - K * math.exp(-r * T) * n2


def call_price_grad(
    S: float, K: float, T: float, r: float, sigma: float
) -> tuple[float, float, float, float, float]:
    """Hand-written ``(dV/dS, dV/dK, dV/dT, dV/dr, dV/dsigma)`` of `call_price`.

    That is (delta, dual delta, minus the usual theta, rho, vega).
    """
    sqrt_t = math.sqrt(T)
    vol = sigma * sqrt_t
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / vol
    d2 = d1 - vol
    n1 = 0.5 * (1.0 + math.erf(d1 / SQRT2))
    n2 = 0.5 * (1.0 + math.erf(d2 / SQRT2))
    discounted_n2 = math.exp(-r * T) * n2
    s_pdf = S * INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    dT = s_pdf * sigma / (2.0 * sqrt_t) + r * K * discounted_n2
    return n1, -discounted_n2, dT, K * T * discounted_n2, s_pdf * sqrt_t


ESSAY_ARGS = (2.0, 1.0)
CALL_ARGS = (100.0, 95.0, 0.5, 0.03, 0.25)


def rosenbrock(x: list[float]) -> float:
    """The extended Rosenbrock function of a vector, as a loop over its entries."""
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_point(n: int) -> list[float]:
    """A point of dimension n away from the minimum (all entries 1)."""
    return [0.5 + 0.4 * math.sin(i) for i in range(n)]


LOOP_SIZES = (10, 100, 1000, 10000)


def warm_up(x: float, y: float) -> float:
    """Built before a first-call timing, so that the timing is of one more build in a
    process that has built a derivative already."""
    return math.sin(x) * y + math.exp(y) / (1.0 + x * x)
