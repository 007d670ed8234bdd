"""Errors from the public functions name the user's things, and their tracebacks show
the user's call and code, not symdiff's own frames (`symdiff.tracebacks`)."""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import (
    UnsupportedSyntaxError,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)

PACKAGE = os.path.dirname(os.path.abspath(symdiff.__file__)) + os.sep


@pytest.fixture(autouse=True)
def _filtered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    monkeypatch.delenv("SYMDIFF_TRACEBACK", raising=False)


def with_a_set(x):
    seen = {x}  # sets are not supported
    return x * len(seen)


def with_a_set_of_arrays(x):
    seen = {1.0}
    return np.sum(x) * len(seen)


def internal(frames: traceback.StackSummary) -> list[traceback.FrameSummary]:
    """symdiff's own frames: its modules and its generated dispatch entries."""
    return [f for f in frames
            if f.filename.startswith(PACKAGE) or f.filename.startswith("<symdiff dispatch")]


CALLS: dict[str, Callable[[], Any]] = {
    "grad": lambda: grad(with_a_set)(1.0),
    "value_and_grad": lambda: value_and_grad(with_a_set)(1.0),
    "jvp": lambda: jvp(with_a_set, (1.0,), (1.0,)),
    "vjp": lambda: vjp(with_a_set, 1.0),
    "jacfwd": lambda: jacfwd(with_a_set_of_arrays)(np.ones(2)),
    "jacrev": lambda: jacrev(with_a_set_of_arrays)(np.ones(2)),
    "jacobian": lambda: jacobian(with_a_set)(1.0),
    "hessian": lambda: hessian(with_a_set)(1.0),
    "hessian-arrays": lambda: hessian(with_a_set_of_arrays)(np.ones(2)),
    "hvp": lambda: hvp(with_a_set, (1.0,), (1.0,)),
    "source": lambda: symdiff.source(with_a_set),
    "cost": lambda: symdiff.cost(with_a_set, 1.0),
}


@pytest.mark.parametrize("call", CALLS)
def test_a_located_error_shows_the_users_lines_not_symdiffs(call: str) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        CALLS[call]()  # the user's call
    frames = traceback.extract_tb(info.value.__traceback__)
    assert len(internal(frames)) <= 2, "".join(traceback.format_list(internal(frames)))
    assert any(f.filename == __file__ and "the user's call" in (f.line or "") for f in frames)
    assert "seen = {" in str(info.value)  # the located message itself is unchanged


def test_the_message_is_the_same_with_every_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnsupportedSyntaxError) as filtered:
        grad(with_a_set)(2.0)
    monkeypatch.setenv("SYMDIFF_TRACEBACK", "full")
    with pytest.raises(UnsupportedSyntaxError) as full:
        grad(with_a_set)(3.0)
    assert str(filtered.value) == str(full.value)
    assert len(internal(traceback.extract_tb(full.value.__traceback__))) > 5


def test_an_argument_error_shows_the_users_call() -> None:
    g = grad(lambda x, y: x * y)
    for bad in ({1: 1.0}, "s"):
        with pytest.raises(TypeError) as info:
            g(bad, 2.0)  # the user's call
        frames = traceback.extract_tb(info.value.__traceback__)
        assert len(internal(frames)) <= 2
        assert frames[0].filename == __file__


def test_a_bad_argnums_shows_one_frame_of_symdiff() -> None:
    with pytest.raises(ValueError) as info:
        jacfwd(with_a_set, argnums=3)
    assert len(internal(traceback.extract_tb(info.value.__traceback__))) <= 1


def sqrt_of(x):
    return math.sqrt(x * 2.0) + x


def test_an_error_of_the_generated_code_keeps_its_line() -> None:
    with pytest.raises(ValueError, match="math domain error") as info:
        jvp(sqrt_of, (-1.0,), (1.0,))
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(f.filename.startswith("<symdiff jvp of") and "math.sqrt" in (f.line or "")
               for f in frames)


def twice(x, y):
    return x * y


def spread(*args):
    return args[0]


FORBIDDEN = ("Dispatcher", "slow", "_symdiff", "<locals>",
             "setting an array element with a sequence", "items must be real numbers")


def _bad_calls() -> list[Callable[[], Any]]:
    g = grad(twice)
    g(1.0, 2.0)  # the fast path is installed
    return [
        lambda: g(1.0),
        lambda: g(1.0, 2.0, 3.0),
        lambda: grad(spread)(x=1.0),
        lambda: grad(lambda xs: xs[0] * xs[1])({"a": 1.0, "b": 2.0}),
        lambda: hessian(lambda xs: xs[0] * xs[1])([np.ones(2), np.ones(2)]),
        lambda: jacobian(lambda xs: xs[0] * xs[1])({"a": np.ones(2), 1: np.ones(2)}),
        lambda: jacobian(twice)(np.ones(2)),
        lambda: jvp(twice, (1.0, {"a": 1.0}), (1.0, 1.0)),
        lambda: vjp(twice, [np.ones(2)], 1.0),
    ]


@pytest.mark.parametrize("k", range(9))
def test_messages_name_no_internals(k: int) -> None:
    with pytest.raises(Exception) as info:  # noqa: PT011 (any error, its text is checked)
        _bad_calls()[k]()
    message = str(info.value)
    assert not [w for w in FORBIDDEN if w in message], message
