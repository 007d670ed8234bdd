"""Every entry point checks its arguments the same way (`symdiff.runtime.arguments`):
a dict with keys other than strings, a list holding a string, a string or None gives
the same clear `TypeError`, naming the transform, the function, the parameter and its
position (and the path of the leaf at fault) and what is supported, never an error from
inside generated code."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp


def pairwise(xs):
    return xs[0] * xs[1]


def looped(xs):
    total = 0.0
    for v in xs:
        total = total + v * v
    return total


def summed(x):
    return np.sum(x * x)


# How each entry point is called with `value` as the function's first argument.
ENTRY_POINTS: dict[str, Callable[[Callable[..., Any], Any], Any]] = {
    "grad": lambda f, v: grad(f)(v),
    "value_and_grad": lambda f, v: value_and_grad(f)(v),
    "jvp": lambda f, v: jvp(f, (v,), (v,)),
    "vjp": lambda f, v: vjp(f, v),
    "jacobian": lambda f, v: jacobian(f)(v),
    "jacfwd": lambda f, v: jacfwd(f)(v),
    "jacrev": lambda f, v: jacrev(f)(v),
    "hessian": lambda f, v: hessian(f)(v),
    "hvp": lambda f, v: hvp(f, (v,), (v,)),
}
LABELS = {"jacfwd": "jacobian", "jacrev": "jacobian"}

BAD: dict[str, tuple[Any, str]] = {
    "array-and-str": ([np.ones(2), "s"], r", at \[1\], is a str; a dict, tuple or list "
                                         r"argument holds"),
    "dict-int-keys": ({1: 1.0, 2: 2.0}, r"is a dict with the key 1: symdiff takes dicts "
                                        r"with str keys"),
    "str": ("ab", r"got str"),
    "None": (None, r"got NoneType"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("fun", [pairwise, looped, summed], ids=lambda f: f.__name__)
def test_every_entry_point_rejects_the_same_values_the_same_way(
        entry: str, bad: str, fun: Callable[..., Any]) -> None:
    value, problem = BAD[bad]
    name = "xs" if fun is not summed else "x"
    if bad == "str" and fun is not summed:
        problem = r"used as a list, so it must be a list or tuple of numbers, got str"
    label = LABELS.get(entry, entry)
    with pytest.raises(TypeError) as info:
        ENTRY_POINTS[entry](fun, value)
    message = str(info.value)
    assert message.startswith(f"{label} of '{fun.__name__}': argument '{name}' (position 0)")
    assert re.search(problem, message), message


def test_the_message_says_what_is_supported() -> None:
    with pytest.raises(TypeError) as info:
        jvp(pairwise, ([np.ones(2), {"a": np.ones(2, dtype=complex)}],), ([1.0, 2.0],))
    assert str(info.value) == (
        "jvp of 'pairwise': argument 'xs' (position 0), at [1]['a'], is an array of "
        "complex128; symdiff takes float32, float64 and integer arrays")
    with pytest.raises(TypeError) as info:
        vjp(summed, {"a": np.ones(2), "b": ()})
    assert str(info.value) == (
        "vjp of 'summed': argument 'x' (position 0) is {'a': array(2,), 'b': ()}: symdiff "
        "takes dicts (str keys), tuples and lists that are not empty, nest at most 8 "
        "levels deep and hold at most 1024 numbers and arrays")


def test_a_tangent_is_checked_like_its_primal() -> None:
    with pytest.raises(TypeError, match=r"jvp of 'summed': the tangent of argument 'x' "
                                        r"\(position 0\) must be a real number"):
        jvp(summed, (np.ones(2),), ("ab",))
    with pytest.raises(ValueError, match=r"jvp of 'pairwise': the tangent of argument 'xs' "
                                         r"\(position 0\)\[0\] must be a number"):
        jvp(pairwise, ([1.0, 2.0],), ([np.ones(2), np.ones(2)],))
    with pytest.raises(TypeError, match=r"jvp of 'pairwise': the tangent of argument 'xs' "
                                        r"\(position 0\) must have the structure of the "
                                        r"primal, \[\*, \*\]; got \[\*, \(\*, \*\)\]"):
        jvp(pairwise, ([1.0, 2.0],), ([1.0, (1.0, 2.0)],))


def test_a_second_argument_is_named_with_its_position() -> None:
    def two(x, ys):
        return x * ys[0]

    bad = {1: 1.0}
    for call in (lambda: grad(two)(1.0, bad), lambda: jvp(two, (1.0, bad), (1.0, bad)),
                 lambda: jacobian(two)(1.0, bad), lambda: hessian(two)(1.0, bad)):
        with pytest.raises(TypeError, match=r"argument 'ys' \(position 1\) is a dict with"):
            call()
