"""Fitting a model to data with scipy.optimize, derivatives from symdiff.

The model is a damped oscillation ``a * exp(-k * t) * cos(w * t) + c``; the residuals
are a list comprehension over the data, turned into an array, as one writes them
without thinking of derivatives. `symdiff.jacobian` gives the residuals' Jacobian with
respect to the four parameters: 4 inputs and 40 outputs, so it picks forward mode (the
essay's point: fewer inputs than outputs). `scipy.optimize.least_squares` uses it, and
`scipy.optimize.minimize` uses the gradient and Hessian of the sum of squares.
"""

from __future__ import annotations

import math

import numpy as np

import symdiff
from symdiff.api.jacobian import choose_mode

TRUE = np.array([2.0, 0.3, 1.7, 0.5])  # a, k, w, c


def model(p, t):
    return p[0] * math.exp(-p[1] * t) * math.cos(p[2] * t) + p[3]


def residuals(p, ts, ys):
    """Model minus data at each sample, as an array."""
    return np.array([model(p, t) - y for t, y in zip(ts, ys, strict=True)])


def loss(p, ts, ys):
    """Half the sum of squared residuals."""
    r = residuals(p, ts, ys)
    return 0.5 * np.sum(r * r)


def data(n: int = 40, seed: int = 0) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    ts = [float(t) for t in np.linspace(0.0, 6.0, n)]
    ys = [model(TRUE, t) + 0.02 * float(rng.standard_normal()) for t in ts]
    return ts, ys


def main() -> None:
    from scipy.optimize import least_squares, minimize

    ts, ys = data()
    start = np.array([1.5, 0.5, 1.5, 0.0])
    jac = symdiff.jacobian(residuals)
    print("mode jacobian picks:", choose_mode(residuals, (start, ts, ys)))
    print("Jacobian shape:", jac(start, ts, ys).shape)
    fit = least_squares(residuals, start, jac=jac, args=(ts, ys))
    print("least_squares:", np.round(fit.x, 3), f"({fit.njev} Jacobians)")
    grad, hess = symdiff.grad(loss), symdiff.hessian(loss)
    newton = minimize(loss, start, args=(ts, ys), jac=grad, hess=hess, method="trust-exact")
    print("trust-exact:  ", np.round(newton.x, 3), f"({newton.nit} iterations)")
    print("true:         ", TRUE)
    print("fits agree:", bool(np.allclose(fit.x, newton.x, atol=1e-6)))


if __name__ == "__main__":
    main()
