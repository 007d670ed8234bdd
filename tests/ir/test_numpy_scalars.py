"""`ir.numpy_scalars`: operators on NumPy float scalars only warn, so they are not kept
for their errors.

Contract tested here: an element of a float array, and a Python operator on one, is a
NumPy scalar; a ``math`` call on one, a loop's carried value and an element of a list
are not. The reverse-mode gradient of a loop over a float array no longer re-runs the
loop for ``(1.0 - x[i]) ** 2`` (NumPy overflows to inf there, as the function does);
over a list it still does, and raises OverflowError where the function raises; a
``math`` call on an element still raises where the function raises.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import symdiff
from examples.loops import rosenbrock
from symdiff.ir.builder import Builder
from symdiff.ir.numpy_scalars import numpy_scalars, raising
from symdiff.ir.types import ArrayType


def log_likelihood(x):
    """The log-likelihood of exponential waiting times with rate 1, summed."""
    s = 0.0
    for i in range(len(x)):
        s += math.log(x[i]) - x[i]
    return s


def test_elements_of_float_arrays_and_operators_on_them():
    b = Builder()
    x = b.param("x", ArrayType("float64", (None,)))
    n = b.param("n", ArrayType("int64", (None,)))
    i = b.param("i")
    item = b.apply("index", x, i, attrs=((("int", "?", "in range"),),))
    whole = b.apply("index", n, i, attrs=((("int", "?", "in range"),),))
    square = b.apply("pow", b.sub(1.0, item), 2)
    ratio = b.apply("div", i, item)
    logged = b.apply("log", item)
    outside = b.apply("pow", logged, 2)
    on_int = b.apply("div", 1.0, whole)
    found = numpy_scalars(b.nodes())
    assert {item, square, ratio} <= found
    assert not {whole, logged, outside, on_int, i} & found
    assert set(raising(b.nodes())) == {logged, outside, on_int}


def test_array_gradient_has_no_forward_rerun():
    x = np.linspace(-1.0, 1.0, 6)
    text = symdiff.source(rosenbrock, args=(x,))
    assert text.count("for ") == 1 and "** 2" not in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        big = np.array([1e200, 1.0, 1.0])
        assert rosenbrock(big) == math.inf  # NumPy overflows: no error
        symdiff.grad(rosenbrock)(big)


def test_list_gradient_still_raises_where_the_function_raises():
    assert "** 2" in symdiff.source(rosenbrock)
    big = [1.0, 1e200, 1.0]
    with pytest.raises(OverflowError):
        rosenbrock(big)
    with pytest.raises(OverflowError):
        symdiff.grad(rosenbrock)(big)


def test_math_call_on_an_element_keeps_its_check():
    x = np.array([1.0, 0.0, 2.0])
    with pytest.raises(ValueError):
        log_likelihood(x)
    with pytest.raises(ValueError):
        symdiff.grad(log_likelihood)(x)
    g = symdiff.grad(log_likelihood)(np.array([1.0, 2.0, 4.0]))
    assert np.allclose(g, [0.0, -0.5, -0.75])
