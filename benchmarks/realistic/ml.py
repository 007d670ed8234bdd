"""Machine learning: small NumPy models as they appear in tutorials and notebooks."""

from __future__ import annotations

import numpy as np

from benchmarks.realistic.entry import Entry

rng = np.random.default_rng(0)
X = rng.normal(size=(8, 3))
y = rng.normal(size=8)
labels01 = (rng.uniform(size=8) > 0.5).astype(float)
classes = rng.integers(0, 4, size=8)


def init_mlp(sizes: list[int]) -> dict[str, np.ndarray]:
    params = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        params[f"W{i + 1}"] = rng.normal(size=(m, n)) / np.sqrt(m)
        params[f"b{i + 1}"] = np.zeros(n) + 0.1
    return params


def mlp_loss(params, X, y):
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    pred = h @ params["W2"] + params["b2"]
    return np.mean((pred.ravel() - y) ** 2)


def softmax_cross_entropy(W, X, labels):
    logits = X @ W
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def logistic_l2(w, b, X, y, lam=0.1):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    nll = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return nll + 0.5 * lam * np.dot(w, w)


def logistic_l2_grad(w, b, X, y, lam=0.1):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return X.T @ (p - y) / len(y) + lam * w, np.mean(p - y)


def rnn_step(h, x, Wxh, Whh, b):
    return np.tanh(Wxh @ x + Whh @ h + b)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_loss(W, b, xs, target):
    hidden = W.shape[0] // 4
    h = np.zeros(hidden)
    c = np.zeros(hidden)
    for x in xs:
        gates = W @ np.concatenate([x, h]) + b
        i, f, o, g = np.split(gates, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
    return np.sum((h - target) ** 2)


def attention(Q, K, V):
    scores = Q @ K.T / np.sqrt(Q.shape[-1])
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ V


H = 3
ENTRIES = [
    Entry("mlp_params_dict", "ml", mlp_loss, (init_mlp([3, 5, 1]), X, y)),
    Entry("softmax_cross_entropy", "ml", softmax_cross_entropy,
          (rng.normal(size=(3, 4)), X, classes)),
    Entry("logistic_l2", "ml", logistic_l2, (rng.normal(size=3), 0.2, X, labels01),
          argnums=(0, 1), exact=logistic_l2_grad),
    Entry("rnn_step", "ml", rnn_step,
          (rng.normal(size=H), rng.normal(size=2), rng.normal(size=(H, 2)),
           rng.normal(size=(H, H)), rng.normal(size=H)), argnums=(0, 2)),
    Entry("lstm_loss", "ml", lstm_loss,
          (0.3 * rng.normal(size=(4 * 2, 2 + 2)), 0.1 * rng.normal(size=8),
           rng.normal(size=(5, 2)), np.array([0.2, -0.1])), argnums=(0, 1)),
    Entry("attention", "ml", attention,
          (rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))),
          argnums=(0, 1, 2)),
]
