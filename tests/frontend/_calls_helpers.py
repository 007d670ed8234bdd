"""Helpers in another module than the functions that call them (tests/frontend/test_calls)."""

import math

import numpy as np

GAIN = 2.0


def scaled(x, factor=1.5):
    return factor * GAIN * x


def softplus(x):
    return math.log1p(math.exp(x))


def level3(x):
    return math.sin(x) * x


def level2(x, y):
    return level3(x * y) + y


def layer(W, x):
    return np.tanh(W @ x)


def make_scaler(k):
    def scale(x):
        return k * x * x

    return scale


def unsupported(x):
    try:  # E:callee-try
        y = x
    finally:
        pass
    return y
