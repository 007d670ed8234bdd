"""Indexing primitives (index, index_set, index_add, copy, check_len) and fitting a
cotangent against an axis whose length only the run time knows: types, emitted code, and
derivatives of emitted code against central finite differences in both modes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff.codegen.emit import emit_module
from symdiff.ir.arrays import fit
from symdiff.ir.builder import Builder
from symdiff.ir.indexing import DYNAMIC, FULL, result_type, slice_length
from symdiff.ir.node import Node, Program
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import Build, check_primitive
from tests.ir.support import program_of as _program
from tests.ir.support import run_emitted as _run


def _index(b: Builder, x: Node, *key: tuple[Any, ...], parts: tuple[Any, ...] = ()) -> Node:
    return b.apply("index", x, *parts, attrs=(key,))


CASES: list[tuple[str, Build, list[Any]]] = [
    ("element", lambda b, p: _index(b, p[0], ("int", 1)), [np.ones(4)]),
    ("negative-element", lambda b, p: _index(b, p[0], ("int", -1)), [np.ones(4)]),
    ("computed-index", lambda b, p: _index(b, p[0], ("int", DYNAMIC), parts=(2,)),
     [np.ones(4)]),
    ("tail", lambda b, p: _index(b, p[0], ("slice", 1, None, None)), [np.ones(5)]),
    ("head", lambda b, p: _index(b, p[0], ("slice", None, -1, None)), [np.ones(5)]),
    ("every-other", lambda b, p: _index(b, p[0], ("slice", None, None, 2)), [np.ones(5)]),
    ("reversed", lambda b, p: _index(b, p[0], ("slice", None, None, -1)), [np.ones(5)]),
    ("computed-bounds", lambda b, p: _index(b, p[0], ("slice", DYNAMIC, DYNAMIC, None),
                                            parts=(1, 4)), [np.ones(6)]),
    ("empty-slice", lambda b, p: _index(b, p[0], ("slice", 3, 1, None)), [np.ones(4)]),
    ("column", lambda b, p: _index(b, p[0], FULL, ("int", 0)), [np.ones((3, 4))]),
    ("sub-block", lambda b, p: _index(b, p[0], ("slice", 1, None, None),
                                      ("slice", None, None, 2)), [np.ones((3, 5))]),
    ("new-axis", lambda b, p: b.mul(_index(b, p[0], FULL, ("none",)),
                                    _index(b, p[0], ("none",), FULL)), [np.ones(3)]),
    ("ellipsis", lambda b, p: _index(b, p[0], ("ellipsis",), ("int", 1)), [np.ones((2, 3, 2))]),
    ("list-repeats", lambda b, p: _index(b, p[0], ("list", (0, 2, 0, 0))), [np.ones(4)]),
    ("list-of-columns", lambda b, p: _index(b, p[0], FULL, ("list", (1, 1, 0))),
     [np.ones((2, 3))]),
    ("lists-apart", lambda b, p: _index(b, p[0], ("list", (0, 1, 1)), FULL, ("int", 0)),
     [np.ones((2, 3, 2))]),
    ("set-slice", lambda b, p: b.apply("index_set", b.mul(p[0], 2.0), b.apply("sin", p[1]),
                                       attrs=((("slice", 1, None, None),),)),
     [np.ones(4), np.ones(3)]),
    ("set-broadcast-number", lambda b, p: b.apply("index_set", b.mul(p[0], p[0]), p[1],
                                                  attrs=((FULL, ("int", 1)),)),
     [np.ones((3, 2)), 0.5]),
    ("add-repeats", lambda b, p: b.apply("index_add", b.mul(p[0], 1.5), p[1],
                                         attrs=((("list", (0, 2, 0)),),)),
     [np.ones(4), np.ones(3)]),
    ("copy", lambda b, p: b.apply("copy", b.mul(p[0], p[0])), [np.ones(3)]),
    # Lengths only the run time knows: x[:1] has length one, so y's cotangent is summed
    # back to it; x[1:] and y have the same length, so nothing is summed.
    ("fit-unknown-one", lambda b, p: b.mul(_index(b, p[0], ("slice", None, 1, None)), p[1]),
     [np.ones(3), np.ones(4)]),
    ("fit-unknown-same", lambda b, p: b.mul(_index(b, p[0], ("slice", 1, None, None)), p[1]),
     [np.ones(4), np.ones(3)]),
]


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_indexing_derivatives(name: str, build: Build, shapes: list[Any], dtype: type) -> None:
    rng = np.random.default_rng(11)
    values = [rng.uniform(0.5, 1.5, np.shape(v)).astype(dtype) if isinstance(v, np.ndarray)
              else float(v) for v in shapes]
    out = check_primitive(build, values, dtype)
    want = build_numpy(name, values)
    if want is not None:
        np.testing.assert_allclose(out, want, rtol=1e-6)


def build_numpy(name: str, values: list[Any]) -> Any:
    """What NumPy gives for some of the cases, written directly."""
    x = values[0]
    return {
        "element": lambda: x[1], "negative-element": lambda: x[-1],
        "computed-bounds": lambda: x[1:4], "empty-slice": lambda: x[3:1],
        "sub-block": lambda: x[1:, ::2], "ellipsis": lambda: x[..., 1],
        "list-repeats": lambda: x[[0, 2, 0, 0]], "lists-apart": lambda: x[[0, 1, 1], :, 0],
        "new-axis": lambda: x[:, None] * x[None, :],
    }.get(name, lambda: None)()


def test_a_repeated_index_accumulates_its_cotangents() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float64", (MANY,)))
    primal = Program("f", (x,), _index(b, x, ("list", (0, 2, 0, 0))), b)
    program = finish(vjp_program(primal))
    text = emit_module(program)
    assert "np.add.at(x_bar, [0, 2, 0, 0], out_bar)" in text
    (g,) = _run(program, np.ones(4), np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(g, [8.0, 0.0, 2.0, 0.0])


def _emitted(build: Build, types: list[ArrayType]) -> str:
    b = Builder()
    params = [b.param(f"x{i}", t) for i, t in enumerate(types)]
    return emit_module(Program("f", tuple(params), build(b, params), b))


VECTOR = ArrayType("float64", (MANY,))
MATRIX = ArrayType("float64", (MANY, MANY))


@pytest.mark.parametrize(("key", "text"), [
    ((("int", -1),), "x0[-1]"),
    ((("slice", 1, None, None),), "x0[1:]"),
    ((("slice", None, -1, None),), "x0[:-1]"),
    ((FULL, ("int", 0)), "x0[:, 0]"),
    ((("slice", 1, None, None), ("slice", None, None, 2)), "x0[1:, ::2]"),
    ((FULL, ("none",)), "x0[:, None]"),
    ((("ellipsis",), ("int", 1)), "x0[..., 1]"),
    ((("list", (0, 2)),), "x0[[0, 2]]"),
])
def test_a_subscript_is_emitted_as_written(key: tuple[Any, ...], text: str) -> None:
    assert text in _emitted(lambda b, p: _index(b, p[0], *key), [MATRIX])


def test_the_transpose_of_a_read_puts_into_new_zeros() -> None:
    b = Builder()
    x = b.param("x", MATRIX)
    primal = Program("f", (x,), b.apply("sum", _index(b, x, FULL, ("list", (1, 1))),
                                        attrs=(None, False)), b)
    text = emit_module(finish(vjp_program(primal)))
    assert "x_bar = np.zeros_like(x)" in text
    assert "np.add.at(x_bar, np.s_[:, [1, 1]]," in text
    primal = Program("f", (x,), b.apply("sum", _index(b, x, ("slice", 1, None, None)),
                                        attrs=(None, False)), b)
    text = emit_module(finish(vjp_program(primal)))
    assert "x_bar[1:] = " in text and ".copy()" not in text


def test_an_update_copies_an_array_something_else_reads() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        y = b.mul(p[0], 2.0)
        b.name(y, "y")
        z = b.apply("index_set", y, 0.0, attrs=((("int", 0),),))
        return b.add(z, y)  # y is read after the update: it must not change

    text = _emitted(build, [VECTOR])
    assert ".copy()" in text
    program = _program(build, [np.ones(3)])
    np.testing.assert_array_equal(_run(program, np.ones(3)), [2.0, 4.0, 4.0])


def test_an_update_into_an_argument_or_a_view_copies_it() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        head = _index(b, p[0], ("slice", None, 2, None))
        return b.apply("index_set", head, 5.0, attrs=((("int", 0),),))

    x = np.ones(3)
    out = _run(_program(build, [x]), x)
    np.testing.assert_array_equal(out, [5.0, 1.0])
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0])


def test_an_update_of_new_array_read_once_is_in_place() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        y = b.mul(p[0], 2.0)
        b.name(y, "y")
        return b.apply("index_set", y, 0.0, attrs=((("slice", 1, None, None),),))

    text = _emitted(build, [VECTOR])
    assert "y[1:] = 0.0" in text and ".copy()" not in text


def test_check_len_raises_as_unpacking_does() -> None:
    b = Builder()
    x = b.param("x", VECTOR)
    check = b.apply("check_len", x, attrs=(2,))
    value = b.mul(_index(b, x, ("int", 0)), _index(b, x, ("int", 1)))
    program = Program("f", (x,), value, b, effects=(check,))
    assert _run(program, np.array([2.0, 3.0])) == 6.0
    with pytest.raises(ValueError, match="cannot unpack an array into 2 names"):
        _run(program, np.array([2.0, 3.0, 4.0]))


def test_an_index_out_of_range_raises_index_error() -> None:
    program = _program(lambda b, p: _index(b, p[0], ("int", 3)), [np.ones(3)])
    with pytest.raises(IndexError):
        _run(program, np.ones(3))


def test_fit_sums_an_axis_of_unknown_length_at_run_time() -> None:
    b = Builder()
    like = _index(b, b.param("x", VECTOR), ("slice", DYNAMIC, None, None),
                  parts=(b.param("k"),))
    value = b.param("g", VECTOR)
    fitted = fit(b, value, like)
    assert fitted.op == "sum_if_one"
    program = Program("f", (like.args[0], like.args[1], value), fitted, b)
    g = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(_run(program, np.ones(4), 3, g), [6.0])
    np.testing.assert_array_equal(_run(program, np.ones(4), 1, g), g)
    assert "np.sum(g, axis=0, keepdims=True) if _t0.shape[0] == 1 else g" in emit_module(program)


def test_types_of_subscripts() -> None:
    x = ArrayType("float32", (MANY, 1, MANY))
    ints = ArrayType("int64", (MANY,))
    assert result_type(x, (("int", 0),), []) == ArrayType("float32", (1, MANY))
    assert result_type(x, (("int", 0), ("int", 0), ("int", DYNAMIC)), [None]) is None
    assert result_type(x, (("slice", 1, None, None),), []) == ArrayType(
        "float32", (None, 1, MANY))
    assert result_type(x, (FULL, ("slice", 0, 1, None)), []) == x
    assert result_type(x, (FULL, ("slice", 1, None, None)), []) == ArrayType(
        "float32", (MANY, 0, MANY))
    assert result_type(x, (("none",), ("ellipsis",), ("none",)), []) == ArrayType(
        "float32", (1, MANY, 1, MANY, 1))
    assert result_type(x, (("array",),), [ints]) == ArrayType("float32", (MANY, 1, MANY))
    assert result_type(x, (FULL, FULL, ("list", (0, 1, 2))), []) == ArrayType(
        "float32", (MANY, 1, 3))
    # Integer arrays apart: their axes come first, as in NumPy.
    assert result_type(x, (("array",), FULL, ("int", 0)), [ints]) == ArrayType(
        "float32", (MANY, 1))
    with pytest.raises(IndexError, match="too many indices"):
        result_type(x, (("int", 0),) * 4, [])
    with pytest.raises(TypeError, match="integers"):
        result_type(x, (("array",),), [ArrayType("float64", (MANY,))])


def test_slice_lengths() -> None:
    assert slice_length(5, ("slice", 1, None, 2)) == 2
    assert slice_length(1, ("slice", 1, None, None)) == 0
    assert slice_length(MANY, ("slice", None, None, -1)) == MANY
    assert slice_length(MANY, ("slice", 1, None, None)) is None
    assert slice_length(None, ("slice", DYNAMIC, None, None)) is None


def _random_program(rng: np.random.Generator, steps: int) -> tuple[Build, Callable[..., Any]]:
    """A random program of reads and updates of vectors of length 5, and the same
    computation in NumPy with every update made into a copy (what it means)."""
    plan = []
    for _ in range(steps):
        op = str(rng.choice(["scale", "sin", "set-slice", "set-element", "add-at", "add",
                             "copy", "read"]))
        plan.append((op, int(rng.integers(0, 1 << 30)), int(rng.integers(0, 1 << 30)),
                     float(rng.uniform(-1.5, 1.5))))
    sub = ("slice", 1, 4, None)

    def build(b: Builder, p: list[Node]) -> Node:
        arrays, numbers = [p[0], b.apply("sin", p[0])], [_index(b, p[0], ("int", 2))]
        for op, i, j, c in plan:
            a, other = arrays[i % len(arrays)], arrays[j % len(arrays)]
            if op == "scale":
                arrays.append(b.mul(a, c))
            elif op == "sin":
                arrays.append(b.apply("sin", a))
            elif op == "set-slice":
                value = b.mul(_index(b, other, sub), c)
                arrays.append(b.apply("index_set", a, value, attrs=((sub,),)))
            elif op == "set-element":
                arrays.append(b.apply("index_set", a, numbers[j % len(numbers)],
                                      attrs=((("int", i % 5),),)))
            elif op == "add-at":
                value = b.mul(_index(b, other, sub), c)
                arrays.append(b.apply("index_add", a, value, attrs=((("list", (0, 3, 0)),),)))
            elif op == "add":
                arrays.append(b.add(a, other))
            elif op == "copy":
                arrays.append(b.apply("copy", a))
            else:
                numbers.append(_index(b, a, ("int", i % 5)))
        total = b.apply("sum", b.mul(arrays[-1], arrays[len(arrays) // 2]), attrs=(None, False))
        for n in numbers[1:]:
            total = b.add(total, b.mul(n, n))
        return total

    def reference(x: Any) -> Any:
        arrays, numbers = [x, np.sin(x)], [x[2]]
        for op, i, j, c in plan:
            a, other = arrays[i % len(arrays)], arrays[j % len(arrays)]
            if op == "scale":
                arrays.append(a * c)
            elif op == "sin":
                arrays.append(np.sin(a))
            elif op == "set-slice":
                new = a.copy()
                new[1:4] = other[1:4] * c
                arrays.append(new)
            elif op == "set-element":
                new = a.copy()
                new[i % 5] = numbers[j % len(numbers)]
                arrays.append(new)
            elif op == "add-at":
                new = a.copy()
                np.add.at(new, [0, 3, 0], other[1:4] * c)
                arrays.append(new)
            elif op == "add":
                arrays.append(a + other)
            elif op == "copy":
                arrays.append(a.copy())
            else:
                numbers.append(a[i % 5])
        total = np.sum(arrays[-1] * arrays[len(arrays) // 2])
        return total + sum(n * n for n in numbers[1:])

    return build, reference


@pytest.mark.parametrize("seed", range(40))
def test_updates_in_place_never_change_a_value_read_later(seed: int) -> None:
    rng = np.random.default_rng(seed)
    build, reference = _random_program(rng, int(rng.integers(3, 12)))
    x = rng.uniform(-1.0, 1.0, 5)
    before = x.copy()
    primal = _program(build, [x])
    assert _run(primal, x) == pytest.approx(reference(x), rel=1e-12)
    t = rng.standard_normal(5)
    value, tangent = _run(finish(jvp_program(primal)), x, t)
    assert value == pytest.approx(reference(x), rel=1e-12)
    h = 1e-6
    fd = (reference(x + h * t) - reference(x - h * t)) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-5, abs=1e-6)
    (g,) = _run(finish(vjp_program(primal)), x, 1.0)
    assert float(g @ t) == pytest.approx(tangent, rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(x, before)
