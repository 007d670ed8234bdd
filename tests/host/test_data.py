"""Layouts of data read from globals (`host.data`), their inline test, and watches of
bindings by layout (`host.freshness`)."""

from __future__ import annotations

import ast
import types

import numpy as np
import pytest

from symdiff.host import data
from symdiff.host.freshness import Stamp, Watch, guarded, stale_test

VALUES = [
    np.arange(3.0), np.arange(3.0).reshape(1, 3), np.ones((2, 3)), np.float32(1.0) * np.ones(3),
    np.arange(3), np.ones(1), 2.0, 2, np.float64(2.0), [np.ones(3), 1.0], (np.ones(3), 1.0),
    [np.ones(3)], {"a": 1.0, "b": np.ones(2)}, {"a": 1.0}, {"b": np.ones(2), "a": 1.0},
    {"W": [np.ones((2, 2)), {"x": 3}]}, "tanh", "relu", {"act": "tanh", "scale": 2.0},
    np.ones(2, dtype=np.float16), np.array([True, False]), [np.ones(2) > 0.0, np.ones(2)],
]
NOT_DATA = [None, b"bytes", {1.0, 2.0}, object(), [], {}, {1: 2.0}, [1.0, None],
            np.array(["a"]), np.ones(2, dtype=np.complex128), np.ones(2, dtype=np.longdouble),
            list(range(data.MAX_LEAVES + 1)), np.ones(3).view(np.matrix), len]


def test_layout_of_data():
    assert str(data.layout(np.ones((2, 1)))) == "float64[n,1]"
    assert str(data.layout({"a": 1.0, "b": (np.arange(2), 3)})) == (
        "{'a': builtins.float, 'b': tuple(int64[n], builtins.int=3)}")
    # An int's value is part of it (code may be built on it: an axis); a float's is not.
    assert data.layout(1) != data.layout(2) and data.layout(True) != data.layout(1)
    assert data.layout(np.int64(1)) != data.layout(np.int64(0))
    assert data.layout(1.0) == data.layout(2.0)
    # Lengths are read when the code runs: not part of the layout.
    assert data.layout(np.ones(3)) == data.layout(np.ones(7))
    assert data.layout([1.0, 2.0]) != data.layout([1.0, 2.0, 3.0])
    assert data.layout([1.0]) != data.layout((1.0,))


@pytest.mark.parametrize("value", NOT_DATA,
                         ids=[f"{i}-{type(v).__name__}" for i, v in enumerate(NOT_DATA)])
def test_other_values_are_not_data(value):
    assert data.layout(value) is None


def _fits(lay, value) -> bool:
    namespace: dict = {}
    test = data.fits(lay, ast.Name("value", ast.Load()), namespace, "read")
    expr = ast.fix_missing_locations(ast.Expression(test))
    try:
        return bool(eval(compile(expr, "<fits>", "eval"), {**namespace, "value": value}))
    except (KeyError, IndexError):
        return False


def test_the_inline_test_agrees_with_the_layout():
    for a in VALUES:
        for b in [*VALUES, *NOT_DATA]:
            assert _fits(data.layout(a), b) == (data.layout(b) == data.layout(a)), (a, b)


def test_a_watch_by_layout_changes_with_the_layout_only():
    fn = types.FunctionType(compile("lambda: B", "<t>", "eval").co_consts[0],
                            {"B": np.ones(3)})
    watch = Watch("global", fn, "B", None, data.layout(np.ones(3)))
    stamp = Stamp([watch])
    namespace: dict = {}
    check = guarded(stale_test([watch], namespace), ast.Constant("stale"), namespace)
    func = ast.FunctionDef("check", ast.arguments([], [], None, [], [], None, []),
                           [check, ast.Return(ast.Constant("fresh"))], [], None)
    module = ast.fix_missing_locations(ast.Module([func], []))
    exec(compile(module, "<check>", "exec"), namespace)
    for value, fresh in [(np.zeros(5), True), (np.ones((1, 3)), False),
                         (np.ones(3, dtype=np.float32), False), (1.0, False)]:
        fn.__globals__["B"] = value
        assert watch.changed() is not fresh
        assert stamp.fresh() is fresh
        assert namespace["check"]() == ("fresh" if fresh else "stale")
    del fn.__globals__["B"]
    assert watch.changed() and not stamp.fresh()
    assert namespace["check"]() == "stale"


def test_shapes_of_the_arrays_in_data():
    assert data.shapes({"a": np.ones((2, 3)), "b": [1.0, np.arange(2)]}) == (
        ((2,), np.dtype(np.int64)), ((2, 3), np.dtype(np.float64)))
