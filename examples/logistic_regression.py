"""Logistic regression trained by gradient descent, the gradient from symdiff.

The loss is ordinary NumPy; ``@grad`` makes its gradient with respect to the weights,
as generated NumPy code. Plain gradient descent then fits weights to labels drawn from a
known logistic model, and the loss falls.
"""

import numpy as np

from symdiff import grad


@grad
def loss_grad(w, X, y):
    """Mean log-loss of a logistic regression, written so that no exp overflows."""
    z = X @ w
    return np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z)


loss = loss_grad.__wrapped__


def make_data(n=2000, d=5, seed=0):
    """Standard normal features, labels from a logistic model with known weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    truth = np.linspace(-2.0, 2.0, d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X @ truth))).astype(np.float64)
    return X, y, truth


def main() -> None:
    X, y, truth = make_data()
    w = np.zeros(X.shape[1])
    # At w = 0 every probability is 1/2, so the gradient is X.T @ (1/2 - y) / n.
    exact = X.T @ (0.5 - y) / len(y)
    print(f"gradient at w = 0 matches X.T @ (1/2 - y) / n: "
          f"{np.allclose(loss_grad(w, X, y), exact)}")
    for step in range(101):
        if step in (0, 5, 10, 20, 50, 100):
            accuracy = np.mean((X @ w > 0) == (y == 1.0))
            print(f"step {step:3d}  loss {loss(w, X, y):.4f}  accuracy {accuracy:.3f}")
        w = w - 0.5 * loss_grad(w, X, y)
    print(f"learned weights {np.round(w, 2)}")
    print(f"true weights    {np.round(truth, 2)}")


if __name__ == "__main__":
    main()
