"""NumPy functions under benchmark, their hand-written gradients, and their data.

The functions are written as a user would write them, with `np.` ufuncs, reductions and
the ``@`` operator. Each hand-written gradient is what an expert writes: the closed form,
each intermediate computed once. They are checked against central finite differences in
``tests/test_benchmark_arrays.py``.
"""

from __future__ import annotations

import numpy as np

# Logistic regression: n samples of d features (issue 4, "Benchmarks").
LOGISTIC_SHAPE = (100_000, 100)
# Two-layer MLP: n samples of d features, a hidden layer of h units, k outputs.
MLP_SHAPE = (10_000, 50, 64, 10)
# The essay's point at scale: the gradient of a scalar function of n inputs.
SCALE_N = 10**6


def logistic_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Mean log-loss of a logistic regression with weights w on samples X and labels y in {0, 1}.

    ``log(1 + exp(z)) - y z`` per sample, written as ``max(z, 0) + log1p(exp(-|z|)) - y z``
    so that no exp overflows.
    """
    z = X @ w
    return np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z)


def logistic_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hand-written dL/dw of `logistic_loss`: ``X.T @ (sigmoid(X w) - y) / n``."""
    z = X @ w
    e = np.exp(-np.abs(z))
    # sigmoid(z) from the same exp(-|z|): 1 / (1 + e) for z >= 0, e / (1 + e) below.
    p = np.where(z >= 0.0, 1.0, e) / (1.0 + e)
    return X.T @ (p - y) / len(y)


def mlp_loss(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, X: np.ndarray, y: np.ndarray
) -> float:
    """Mean squared error of a two-layer perceptron with a tanh hidden layer."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def mlp_grad(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hand-written gradients of `mlp_loss` with respect to W1, b1, W2 and b2."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    g = (out - y) * (2.0 / y.size)  # dL/dout
    gh = (g @ W2.T) * (1.0 - h * h)  # dL/d(X W1 + b1), through tanh' = 1 - tanh^2
    return X.T @ gh, gh.sum(axis=0), h.T @ g, g.sum(axis=0)


def rosenbrock(x: np.ndarray) -> float:
    """The extended Rosenbrock function of a vector, with vector operations and slices."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    """Hand-written gradient of `rosenbrock`."""
    head = x[:-1]
    d = x[1:] - head * head
    g = np.zeros_like(x)
    g[:-1] = -400.0 * head * d - 2.0 * (1.0 - head)
    g[1:] += 200.0 * d
    return g


def logistic_data(
    n: int = LOGISTIC_SHAPE[0], d: int = LOGISTIC_SHAPE[1], seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(w, X, y)``: standard normal features, labels drawn from a true logistic model, and
    weights away from both the truth and zero."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    truth = rng.standard_normal(d) / np.sqrt(d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X @ truth))).astype(np.float64)
    w = 0.1 * rng.standard_normal(d)
    return w, X, y


def mlp_data(
    n: int = MLP_SHAPE[0],
    d: int = MLP_SHAPE[1],
    hidden: int = MLP_SHAPE[2],
    k: int = MLP_SHAPE[3],
    seed: int = 0,
) -> tuple[np.ndarray, ...]:
    """``(W1, b1, W2, b2, X, y)``: scaled random weights, standard normal samples, and
    targets a smooth function of them plus noise."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((d, hidden)) / np.sqrt(d)
    b1 = 0.1 * rng.standard_normal(hidden)
    W2 = rng.standard_normal((hidden, k)) / np.sqrt(hidden)
    b2 = 0.1 * rng.standard_normal(k)
    X = rng.standard_normal((n, d))
    y = np.sin(X[:, :k]) + 0.1 * rng.standard_normal((n, k))
    return W1, b1, W2, b2, X, y


def rosenbrock_point(n: int = SCALE_N) -> np.ndarray:
    """A point of dimension n away from the minimum (all entries 1)."""
    return 0.5 + 0.4 * np.sin(np.arange(n, dtype=np.float64))
