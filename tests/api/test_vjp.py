"""`vjp`: the cotangent given to ``vjp_fn`` must have the shape of the output, as JAX
requires; the cotangent of a number is a number."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symdiff import vjp


def sines(x):
    return np.sin(x)


def twice(x):
    return x * 2.0


def pair(x, y):
    return x * np.sum(y), np.cos(x) * y


@pytest.mark.parametrize("shape", [(1,), (), (3, 1), (2, 3), (4,)])
def test_a_cotangent_of_another_shape_is_refused(shape: tuple[int, ...]) -> None:
    _, vjp_fn = vjp(sines, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(3,\)") as info:
        vjp_fn(np.ones(shape))
    assert str(info.value).endswith(f"got an array of shape {shape}")


def test_the_message_names_the_expected_and_given_shapes_and_dtype() -> None:
    _, vjp_fn = vjp(sines, np.ones(3))
    with pytest.raises(ValueError) as info:
        vjp_fn(np.ones((2, 3)))
    assert str(info.value) == ("vjp_fn: expected a cotangent of shape (3,) and dtype "
                               "float64 (the output's), got an array of shape (2, 3)")


def test_a_number_is_not_the_cotangent_of_an_array() -> None:
    _, vjp_fn = vjp(sines, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(3,\).*got a float"):
        vjp_fn(1.0)


def test_the_cotangent_of_a_number_is_a_number() -> None:
    out, vjp_fn = vjp(twice, 1.5)
    assert out == 3.0
    with pytest.raises(ValueError, match=r"expected a number.*got an array of shape \(3,\)"):
        vjp_fn(np.ones(3))
    (got,) = vjp_fn(1.0)
    assert type(got) is float and got == 2.0
    (got,) = vjp_fn(np.array(1.0))  # a 0-d array is a number, as JAX takes it
    assert type(got) is float and got == 2.0
    (got,) = vjp_fn(1)
    assert type(got) is float and got == 2.0


def test_each_output_of_a_tuple_is_checked() -> None:
    out, vjp_fn = vjp(pair, 0.5, np.ones(3))
    with pytest.raises(ValueError, match=r"cotangent\[1\].*shape \(3,\).*shape \(1,\)"):
        vjp_fn((1.0, np.ones(1)))
    with pytest.raises(ValueError, match=r"expected a number as cotangent\[0\]"):
        vjp_fn((np.ones(3), np.ones(3)))
    dx, dy = vjp_fn((1.0, np.ones(3)))
    assert type(dx) is float
    assert dx == pytest.approx(3.0 - 3 * math.sin(0.5))
    np.testing.assert_allclose(dy, 0.5 + np.cos(0.5))


def test_a_cotangent_that_is_not_a_number_or_an_array() -> None:
    _, vjp_fn = vjp(twice, 1.5)
    with pytest.raises(TypeError, match="cotangent must be a number.*got a str"):
        vjp_fn("1.0")


def test_a_tuple_for_a_single_output_is_a_structure_error() -> None:
    _, vjp_fn = vjp(sines, np.ones(3))
    with pytest.raises(ValueError, match=r"structure of the output array\(3,\), got a tuple"):
        vjp_fn((np.ones(3),))
