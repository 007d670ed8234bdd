"""How code around the maths is written: methods, partials, mode strings, dicts, aux."""

from __future__ import annotations

import functools

import numpy as np

from benchmarks.realistic.entry import Entry

rng = np.random.default_rng(5)
X = rng.normal(size=(10, 3))
y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=10)
w0 = np.array([0.3, -0.1, 0.2])


class RidgeRegression:
    def __init__(self, X, y, alpha=0.1):
        self.X, self.y, self.alpha = X, y, alpha

    def loss(self, w):
        r = self.X @ w - self.y
        return np.mean(r**2) + self.alpha * np.sum(w**2)


class Normal:
    """A distribution object whose parameters are attributes."""

    def __init__(self, mu, sigma):
        self.mu, self.sigma = mu, sigma

    def log_prob(self, x):
        return -0.5 * ((x - self.mu) / self.sigma) ** 2 - np.log(self.sigma * np.sqrt(2 * np.pi))


def normal_nll(mu, sigma, x):
    return -np.sum(Normal(mu, sigma).log_prob(x))


def squared_error(w, X, y):
    return np.mean((X @ w - y) ** 2)


def squared_error_grad(w, X, y):
    return 2 * X.T @ (X @ w - y) / len(y)


def regression_loss(w, X, y, loss="mse", delta=1.0):
    r = X @ w - y
    if loss == "mse":
        return np.mean(r**2)
    elif loss == "mae":
        return np.mean(np.abs(r))
    return np.mean(np.where(np.abs(r) < delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)))


def loss_from_config(w, data, config):
    r = data["X"] @ w - data["y"]
    return np.mean(r**2) + config["l2"] * np.sum(w**2)


def loss_with_metrics(w, X, y):
    pred = X @ w
    mse = np.mean((pred - y) ** 2)
    return mse, {"mae": np.mean(np.abs(pred - y)), "max_error": np.max(np.abs(pred - y))}


model = RidgeRegression(X, y)
ENTRIES = [
    Entry("bound_method", "usage", model.loss, (w0,)),
    Entry("class_instance_inside", "usage", normal_nll, (0.4, 1.3, y), argnums=(0, 1)),
    Entry("functools_partial", "usage", functools.partial(squared_error, X=X, y=y), (w0,),
          exact=functools.partial(squared_error_grad, X=X, y=y)),
    Entry("mode_string", "usage", regression_loss, (w0, X, y), kwargs={"loss": "huber"}),
    Entry("dict_arguments", "usage", loss_from_config,
          (w0, {"X": X, "y": y}, {"l2": 0.01})),
    Entry("has_aux_dict", "usage", loss_with_metrics, (w0, X, y), has_aux=True,
          exact=squared_error_grad),
]
