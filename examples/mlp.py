"""A two-layer perceptron fitted to a synthetic curve, gradients from symdiff.

``grad(loss, argnums=(0, 1, 2, 3))`` gives the gradients with respect to both layers'
weights and biases in one reverse pass; gradient descent with momentum fits
y = sin(3x) on [-1, 1] with 32 tanh units, and the loss falls.
"""

import numpy as np

import symdiff


def loss(W1, b1, W2, b2, X, y):
    """Mean squared error of a two-layer perceptron with a tanh hidden layer."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def make_data(n=256):
    """n points of y = sin(3x), x evenly spaced on [-1, 1], as columns."""
    X = np.linspace(-1.0, 1.0, n)[:, None]
    return X, np.sin(3.0 * X)


def init(hidden=32, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((1, hidden)), np.zeros(hidden),
            rng.standard_normal((hidden, 1)) / np.sqrt(hidden), np.zeros(1)]


def main() -> None:
    X, y = make_data()
    params = init()
    gradient = symdiff.grad(loss, argnums=(0, 1, 2, 3))
    velocity = [np.zeros_like(p) for p in params]
    for step in range(2001):
        if step % 400 == 0:
            print(f"step {step:4d}  loss {loss(*params, X, y):.5f}")
        grads = gradient(*params, X, y)
        velocity = [0.9 * v - 0.05 * g for v, g in zip(velocity, grads, strict=True)]
        params = [p + v for p, v in zip(params, velocity, strict=True)]
    fit = np.tanh(X @ params[0] + params[1]) @ params[2] + params[3]
    print(f"largest error of the fit on the curve: {np.max(np.abs(fit - y)):.3f}")


if __name__ == "__main__":
    main()
