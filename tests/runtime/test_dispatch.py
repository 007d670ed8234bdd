"""`runtime.dispatch`: one entry point choosing a specialisation per argument signature.

Contract tested here, on a `Dispatcher` whose builds are recorded stand-ins: a
signature is each argument's type after conversion (a differentiated int becomes a
float; an ndarray is its dtype, rank and which axes have length one, not its
lengths; a function argument is itself); each signature is built once and then
called straight from the generated entry, without the slow path; a new signature
builds again; the entry has the user's parameter names and defaults; an argument of
an unsupported type raises `TypeError` naming the transform and the parameter and
builds nothing; the fast path of the first signature falls back to the entry for
others; and a changed binding drops every specialisation. (What each bad argument
says, per public entry point, is in `test_arguments.py`.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff.host.freshness import Watch
from symdiff.ir.types import MANY, ArrayType, FunctionArg
from symdiff.runtime.dispatch import Dispatcher, Signature, shape_key, signature_of


class Recorder:
    """A dispatcher over `params` whose builds return ``(signature, *arguments)`` and
    are recorded, as is every callable it exposes."""

    def __init__(self, params: list[str] | None = None, defaults: tuple[Any, ...] | None = None,
                 diff: frozenset[int] = frozenset({0}),
                 watches: tuple[Watch, ...] = (),
                 guarded: Callable[[Signature, Callable[..., Any]], Any] | None = None
                 ) -> None:
        self.built: list[Signature] = []
        self.exposed: list[Callable[..., Any]] = []
        self.watches = watches
        self.dispatcher = Dispatcher(
            "f", "grad of 'f'", ["x", "n"] if params is None else params, defaults, diff,
            self.build, self.exposed.append, guarded)

    def build(self, sig: Signature) -> tuple[Callable[..., Any], tuple[Watch, ...]]:
        self.built.append(sig)
        return (lambda *args: (sig, *args)), self.watches

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """A call through what the dispatcher exposes now (its first entry before that)."""
        current = self.exposed[-1] if self.exposed else self.dispatcher.entry
        return current(*args, **kwargs)


def test_each_signature_is_built_once() -> None:
    f = Recorder()
    assert f(1.0, 2) == ((float, int), 1.0, 2)
    assert f(-3.5, 7) == ((float, int), -3.5, 7)
    assert f.built == [(float, int)]
    assert f(1.0, 2.0) == ((float, float), 1.0, 2.0)  # a new signature: built
    assert f(0.5, 1) == ((float, int), 0.5, 1)
    assert f.built == [(float, int), (float, float)]


def test_a_differentiated_int_is_a_float_and_another_int_stays_an_int() -> None:
    f = Recorder()
    sig, x, n = f(2, 3)
    assert sig == (float, int) and type(x) is float and x == 2.0 and type(n) is int
    assert f(2.0, 3)[0] == (float, int) and len(f.built) == 1


def test_known_signatures_are_called_without_the_slow_path() -> None:
    f = Recorder()
    f(1.0, 2)
    f(1.0, 2.0)

    def refuse(args: tuple[Any, ...]) -> Any:
        raise AssertionError(f"slow path for {args}")

    f.dispatcher._specialisation = refuse  # type: ignore[method-assign]
    assert f(4.0, 5) == ((float, int), 4.0, 5)
    assert f(4.0, 5.0) == ((float, float), 4.0, 5.0)
    with pytest.raises(AssertionError, match="slow path"):
        f(4.0, "five")


def test_an_array_signature_is_its_dtype_rank_and_axes_of_length_one() -> None:
    f = Recorder(["x"])
    assert f(np.ones(3))[0] == (ArrayType("float64", (MANY,)),)
    f(np.ones(5))  # another length, not one: the same specialisation
    f(np.ones((4, 2)) @ np.ones(2))
    assert len(f.built) == 1
    f(np.ones(1))
    f(np.ones((2, 3)))
    f(np.ones(3, np.float32))
    assert f.built[1:] == [(ArrayType("float64", (1,)),),
                           (ArrayType("float64", (MANY, MANY)),),
                           (ArrayType("float32", (MANY,)),)]
    # A differentiated integer array arrives as float64: no new specialisation.
    sig, x = f(np.arange(3))
    assert sig == (ArrayType("float64", (MANY,)),) and x.dtype == np.float64
    assert len(f.built) == 4


def test_a_function_argument_is_its_own_signature() -> None:
    def square(v: float) -> float:
        return v * v

    def cube(v: float) -> float:
        return v * v * v

    f = Recorder(["x", "g"])
    assert f(1.0, square)[0] == (float, FunctionArg(square))
    f(2.0, square)
    f(1.0, cube)
    assert f.built == [(float, FunctionArg(square)), (float, FunctionArg(cube))]


def test_the_entry_takes_keywords_and_defaults_as_the_user_s_function_does() -> None:
    f = Recorder(["x", "n"], defaults=(3,))
    assert f(1.0) == ((float, int), 1.0, 3)
    assert f(n=4, x=2.0) == ((float, int), 2.0, 4)
    with pytest.raises(TypeError, match=r"f\(\) missing 1 required positional argument: 'x'"):
        f()
    with pytest.raises(TypeError, match=r"f\(\) got an unexpected keyword argument 'm'"):
        f(1.0, m=2)


def test_without_parameter_names_arguments_go_by_position_only() -> None:
    f = Recorder()
    f.dispatcher = Dispatcher("f", "grad of 'f'", None, None, frozenset({0}), f.build,
                              f.exposed.append)
    assert f.dispatcher.entry == f.dispatcher.slow
    assert f.dispatcher.entry(1.0, 2) == ((float, int), 1.0, 2)
    with pytest.raises(TypeError, match=r"by position only.*got n by keyword"):
        f.dispatcher.entry(1.0, n=2)


def test_none_is_specialised_on_and_checked_by_identity() -> None:
    from symdiff.ir.types import StaticArg

    f = Recorder()
    assert f(1.0, None) == ((float, StaticArg(None)), 1.0, None)
    assert f(1.0, 2) == ((float, int), 1.0, 2)
    assert f(1.0, None) == ((float, StaticArg(None)), 1.0, None)
    assert len(f.built) == 2


@pytest.mark.parametrize(("value", "what"), [
    (b"two", r"argument 'n' \(position 1\) must be"),
    (1j, r"argument 'n' \(position 1\) must be"),
    ({1: 1.0}, r"argument 'n' \(position 1\) is a dict with the key 1"),
    (np.array(["a"]), r"argument 'n' \(position 1\) is an array of <U1"),
])
def test_an_unsupported_argument_raises_a_type_error_and_builds_nothing(value: Any,
                                                                        what: str) -> None:
    f = Recorder()
    with pytest.raises(TypeError, match=rf"^grad of 'f': {what}"):
        f(1.0, value)
    assert f.built == []


def test_the_fast_path_falls_back_to_the_entry_for_other_signatures() -> None:
    calls: list[str] = []

    def guarded(sig: Signature, fallback: Callable[..., Any]) -> Any:
        def fast(x: Any, n: Any) -> Any:
            if type(x) is float and type(n) is int:
                calls.append("fast")
                return ("fast", x, n)
            calls.append("fallback")
            return fallback(x, n)

        return fast, ()

    f = Recorder(guarded=guarded)
    assert f(1.0, 2) == ("fast", 1.0, 2)
    assert f.built == []  # the fast path is the first signature's specialisation
    assert f(1.0, 2.0) == ((float, float), 1.0, 2.0)
    assert f(3.0, 4.0) == ((float, float), 3.0, 4.0)
    assert f(5.0, 6) == ("fast", 5.0, 6)
    assert f.built == [(float, float)]
    assert calls == ["fast", "fallback", "fallback", "fast"]


def test_an_array_signature_gets_the_fast_path_too() -> None:
    offered: list[Signature] = []

    def guarded(sig: Signature, fallback: Callable[..., Any]) -> Any:
        offered.append(sig)
        return (lambda x, n: ("fast", x, n)), ()

    f = Recorder(guarded=guarded)
    x = np.ones(3)
    assert f(x, 2) == ("fast", x, 2)
    assert offered == [(ArrayType("float64", (MANY,)), int)] and f.built == []


def test_the_guard_of_an_array_checks_its_dtype_rank_and_axes_of_length_one() -> None:
    import math

    def loss(w: Any, X: Any) -> Any:
        return np.sum(np.tanh(X @ w)) + math.sin(w[0])

    g = symdiff.grad(loss)
    w, X = np.array([0.5, -0.25]), np.arange(6.0).reshape(3, 2) / 6.0

    def want(w: Any, X: Any) -> Any:
        first = np.zeros_like(w)
        first[0] = math.cos(w[0])
        return X.T @ (1.0 - np.tanh(X @ w) ** 2) + first

    np.testing.assert_allclose(g(w, X), want(w, X), rtol=1e-12)
    assert g._dispatcher.fast is not None  # the first signature: one frame per call
    # Each of these fails the guard, goes through the entry and is built for itself.
    for args in [(w, X[:1]), (w.astype(np.float32), X), (w[:1], X[:, :1]),
                 (w, X.astype(int))]:
        np.testing.assert_allclose(g(*args), want(np.asarray(args[0], dtype=float),
                                                  np.asarray(args[1], dtype=float)),
                                   rtol=1e-6)
    np.testing.assert_allclose(g(w, X), want(w, X), rtol=1e-12)


def test_a_changed_binding_drops_every_specialisation() -> None:
    def inlined(v: float) -> float:
        return v

    def replacement(v: float) -> float:
        return -v

    f = Recorder(watches=(Watch.now("code", inlined, "__code__"),))
    f(1.0, 2)
    f(1.0, 2.0)
    f(1.0, 3)
    assert len(f.built) == 2
    inlined.__code__ = replacement.__code__
    f(1.0, 2)  # the entry sees the change: both specialisations are dropped
    assert f.built[2:] == [(float, int)]
    assert list(f.dispatcher.specialisations) == [(float, int)]
    f(1.0, 2.0)
    assert len(f.built) == 4


def test_signature_of_and_shape_key() -> None:
    def g(v: float) -> float:
        return v

    args = (np.zeros((2, 1), np.float32), 1.5, 4, g)
    assert signature_of(args) == (ArrayType("float32", (MANY, 1)), float, int,
                                  FunctionArg(g))
    # A plan's key: exact shapes and int values (an int may size an array).
    assert shape_key(args[:3]) == (((2, 1), np.dtype("float32")), float, ("int", 4))
    assert shape_key((np.zeros(3), 5)) != shape_key((np.zeros(4), 5))
    assert shape_key((1.0, 5)) != shape_key((1.0, 6))
    assert shape_key((1.0, [1.0])) is None and shape_key((g,)) is None
