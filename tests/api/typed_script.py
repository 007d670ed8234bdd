"""A user's fully annotated script: `mypy --strict` must accept it as it stands
(tests/api/test_typing.py), and running it checks that the types it states are true."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

import symdiff
from symdiff.testing import check_grads


def softplus(x: float) -> float:
    return math.log(1.0 + math.exp(x))


@symdiff.grad
def logistic(x: float) -> float:  # the gradient of softplus
    return math.log(1.0 + math.exp(x))


@symdiff.value_and_grad(argnums=1)
def huber(r: float, delta: float) -> float:
    return 0.5 * r * r if abs(r) <= delta else delta * (abs(r) - 0.5 * delta)


def nll(mu: float, sigma: float, data: NDArray[np.float64]) -> float:
    """Negative log-likelihood of `data` under a normal distribution."""
    z = (data - mu) / sigma
    return float(np.sum(0.5 * z * z) + data.size * math.log(sigma))


@symdiff.custom_jvp
def softclip(x: float) -> float:
    return x / (1.0 + abs(x))


@softclip.defjvp
def softclip_jvp(primals: tuple[float], tangents: tuple[float]) -> tuple[float, float]:
    (x,), (dx,) = primals, tangents
    return softclip(x), dx / (1.0 + abs(x)) ** 2


@symdiff.custom_vjp
def scaled(x: float, s: float) -> float:
    return x * s


scaled.defvjp(lambda x, s: (x * s, (x, s)), lambda res, g: (g * res[1], g * res[0]))


def fitted_mu(data: NDArray[np.float64], steps: int = 50) -> float:
    """Gradient descent on the mean, the way a user writes a training loop."""
    step = symdiff.value_and_grad(nll)
    mu = 0.0
    for _ in range(steps):
        _, dmu = step(mu, 1.0, data)
        mu -= 0.5 * dmu / data.size
    return mu


data = np.array([0.5, 1.5, 2.0, 2.4])
slope: float = logistic(0.3)
cost, ddelta = huber(3.0, 1.0)
loss, dmu = symdiff.value_and_grad(nll)(0.1, 1.2, data)
grads = symdiff.grad(nll, argnums=(0, 1))(0.1, 1.2, data)
y, dy = symdiff.jvp(nll, (0.1, 1.2, data), (1.0, 0.0, np.zeros(4)))
out, pullback = symdiff.vjp(nll, 0.1, 1.2, data)
hess = symdiff.hessian(nll, argnums=(0, 1))(0.1, 1.2, data)
jac = symdiff.jacfwd(nll)(0.1, 1.2, data)
jac_rev = symdiff.jacrev(scaled, argnums=(0, 1))(2.0, 3.0)
dsigma = symdiff.jacobian(nll, argnums=1)(0.1, 1.2, data)
hv = symdiff.hvp(nll, (0.1, 1.2, data), (1.0, 0.0, np.zeros(4)))
dclip: float = symdiff.grad(softclip)(0.5)
check_grads(nll, (0.1, 1.2, data), order=2)

assert math.isclose(slope, 1 / (1 + math.exp(-0.3))) and ddelta == 2.0
assert isinstance(slope, float) and isinstance(loss, float) and isinstance(dmu, float)
assert math.isclose(dmu, grads[0]) and math.isclose(dy, dmu) and math.isclose(y, out)
assert math.isclose(pullback(1.0)[0], dmu) and math.isclose(jac, dmu)
assert math.isclose(hess[0][0], data.size / 1.2**2) and math.isclose(dclip, 1 / 1.5**2)
assert jac_rev == (3.0, 2.0) and math.isclose(dsigma, grads[1]) and math.isclose(hv, hess[0][0])
assert math.isclose(fitted_mu(data), float(np.mean(data)), rel_tol=1e-3)
assert logistic.__wrapped__ is not softplus and "def" in symdiff.grad(softplus).source
print(symdiff.to_sympy(softplus), cost)
