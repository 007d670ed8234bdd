"""NumPy indexing end to end: reading with ints, slices, ``...``, ``None`` and integer
arrays; loops over indices and rows; unpacking; assignment into arrays the function
made. Derivatives are checked in both modes against finite differences (float64), and
for float32 arguments against the float64 derivatives, with their dtype and shape; the
generated code is checked to be what one would write by hand; and what is not supported
is a located error."""

from __future__ import annotations

import ast
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symdiff import UnsupportedSyntaxError, grad, jvp, value_and_grad, vjp
from symdiff.api.derivative import generate
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types
from symdiff.testing import check_grads
from symdiff.unparse import unparse
from tests.frontend.support import marker_line

RNG = np.random.default_rng(5)


def elements(x):
    return x[0] * x[-1] + x[1] ** 2


def computed_index(x):
    n = len(x)
    return x[n - 2] * x[n // 2]


def matrix_elements(X):
    return X[1, 2] * X[0][1] + X[-1, -1]


def slices(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[::2] ** 2) + np.sum(x[1:3])


def run_time_bounds(x):
    n = len(x)
    return np.sum(np.sin(x[1:n - 1]) * x[2:])


def zero_length(x):
    return np.sum(x[3:1]) + np.sum(x[len(x):] ** 2) + np.sum(x * x)


def ellipsis(X):
    return np.sum(X[..., 0] * X[..., -1])


def new_axis(x):
    return np.sum(np.tanh(x[:, None] - x[np.newaxis, :]))


def mixed(X):
    return np.sum(X[:, 0] ** 2) + np.sum(X[1:, ::2] * 3.0) + np.sum(X[0, 1:])


def constant_list(x):
    return np.sum(x[[0, 2, 0]] ** 3)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def index_loop(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * x[i]
    return s


def row_loop(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
    return s


def enumerate_zip(x, y):
    s = 0.0
    for i, v in enumerate(x):
        s = s + i * v
    for a, b in zip(x, y):  # noqa: B905  (stops at the shorter, like the user's code)
        s = s + a * b
    return s


def unpacking(x, X):
    a, b, c = x
    r, t = X
    return a * b - c + np.sum(r * t)


def assignment(x):
    out = x * 0.0
    out[0] = x[0] * x[1]
    out[1:] = np.sin(x[1:])
    out[-1] += x[0]
    return np.sum(out * out)


def copy_then_assign(X):
    Y = X.copy()
    Y[:, 0] = 1.0
    Y[1] = Y[1] * X[0]
    return np.sum(Y ** 2)


def assignment_in_branch(x, c):
    out = np.copy(x)
    if c > 0:
        out[0] = c * x[1]
    else:
        out[1:] = out[1:] * c
    return np.sum(out ** 2)


def recurrence(x):
    out = x * 0.0
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = 0.5 * out[i - 1] + x[i] ** 2
    return np.sum(out * out)


def loop_with_branch(x):
    out = x.copy()
    for i in range(len(x)):
        if x[i] > 0:
            out[i] = x[i] ** 2
    return np.sum(out * x)


def double_loop(X):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            s += X[i, j] * (i + 1) * X[i, j]
    return s


def alias(x):
    out = x * 2.0
    same = out
    out[0] = 0.0
    return np.sum(same * x)


def twins(x):
    # Two arrays computed alike are two arrays (though the IR shares the computation).
    a = x * 0.0
    b = x * 0.0
    a[0] = x[1]
    b[1] = x[2] * 3.0
    for i in range(len(x)):
        a[i] = a[i] + x[i] ** 2
    return np.sum(a * 2.0 + b * b)


FLOAT_CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (elements, (RNG.standard_normal(4),)),
    (computed_index, (RNG.standard_normal(5),)),
    (matrix_elements, (RNG.standard_normal((3, 4)),)),
    (slices, (RNG.standard_normal(6),)),
    (run_time_bounds, (RNG.standard_normal(6),)),
    (zero_length, (RNG.standard_normal(4),)),
    (ellipsis, (RNG.standard_normal((2, 3, 2)),)),
    (new_axis, (RNG.standard_normal(3),)),
    (mixed, (RNG.standard_normal((3, 5)),)),
    (constant_list, (RNG.standard_normal(3),)),
    (rosenbrock, (RNG.uniform(0.0, 1.0, 7),)),
    (index_loop, (RNG.standard_normal(5),)),
    (row_loop, (RNG.standard_normal((4, 3)), RNG.standard_normal(3))),
    (enumerate_zip, (RNG.standard_normal(4), RNG.standard_normal(3))),
    (unpacking, (RNG.standard_normal(3), RNG.standard_normal((2, 4)))),
    (assignment, (RNG.standard_normal(4),)),
    (copy_then_assign, (RNG.standard_normal((3, 2)),)),
    (assignment_in_branch, (RNG.standard_normal(3), 0.7)),
    (assignment_in_branch, (RNG.standard_normal(3), -0.7)),
    (recurrence, (RNG.standard_normal(5),)),
    (alias, (RNG.standard_normal(3),)),
    (loop_with_branch, (RNG.standard_normal(6),)),
    (twins, (RNG.standard_normal(4),)),
    (double_loop, (RNG.standard_normal((3, 2)),)),
]
IDS = [f"{f.__name__}-{i}" for i, (f, _) in enumerate(FLOAT_CASES)]


@pytest.mark.parametrize(("f", "args"), FLOAT_CASES, ids=IDS)
def test_derivatives_match_finite_differences(f: Callable[..., Any], args: tuple[Any, ...],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    check_grads(f, args)


@pytest.mark.parametrize(("f", "args"), FLOAT_CASES, ids=IDS)
def test_float32_derivatives_keep_their_dtype(f: Callable[..., Any], args: tuple[Any, ...],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    narrow = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    n = len(args)
    value, grads = value_and_grad(f, argnums=tuple(range(n)))(*narrow)
    _, want = value_and_grad(f, argnums=tuple(range(n)))(*args)
    assert value == pytest.approx(f(*narrow), rel=1e-5)
    for a, g, w in zip(narrow, grads, want, strict=True):
        assert np.shape(g) == np.shape(a)
        if isinstance(a, np.ndarray):
            assert g.dtype == np.float32 and g.flags.writeable
        np.testing.assert_allclose(g, w, rtol=2e-3, atol=2e-3)
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in narrow)
    _, t_out = jvp(f, narrow, tangents)
    assert t_out == pytest.approx(sum(float(np.sum(w)) for w in want), rel=2e-3, abs=2e-3)


def gather(x, idx):
    return np.sum(np.sin(x[idx]) * x[idx])


def gather_rows(X, idx):
    return np.sum(X[idx, 1:] ** 2) + np.sum(X[:, idx])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_integer_array_indexing_accumulates_repeated_indices(dtype: type) -> None:
    x = RNG.standard_normal(4).astype(dtype)
    idx = np.array([0, 2, 0, 3, 0])
    g = grad(gather)(x, idx)
    # d/dx of sum(sin(x[k]) * x[k]) over the picks: each pick adds its own term.
    want = np.zeros(4)
    for k in idx:
        want[k] += math.cos(x[k]) * x[k] + math.sin(x[k])
    assert g.dtype == dtype and g.shape == x.shape
    np.testing.assert_allclose(g, want, rtol=1e-4 if dtype == np.float32 else 1e-10)
    X = RNG.standard_normal((3, 3)).astype(dtype)
    rows = np.array([2, 2, 0])
    _, vjp_fn = vjp(gather_rows, X, rows)
    gX, g_rows = vjp_fn(1.0)
    want_X = np.zeros((3, 3))
    for k in rows:
        want_X[k, 1:] += 2 * X[k, 1:]
        want_X[:, k] += 1.0
    np.testing.assert_allclose(gX, want_X, rtol=1e-5)
    assert g_rows.shape == rows.shape
    assert "np.add.at(x_bar, idx," in _source(gather, "grad", x, idx)


OFFSETS = np.arange(12.0).reshape(3, 4)


def column_plus_rest(M):
    # Two slices whose lengths are known only at run time: the first column (length
    # one) broadcasts along the other three.
    return np.sum(M[:, :1] * M[:, 1:]) + np.sum(M[:, :1] + OFFSETS[:, 1:])


def test_slices_of_unknown_lengths_that_broadcast_have_their_own_shape() -> None:
    M = RNG.standard_normal((3, 4))
    want = np.zeros((3, 4))
    want[:, 0] = M[:, 1:].sum(axis=1) + 3.0
    want[:, 1:] = M[:, :1]
    np.testing.assert_allclose(grad(column_plus_rest)(M), want, rtol=1e-12)
    u = RNG.standard_normal((3, 4))
    assert jvp(column_plus_rest, (M,), (u,))[1] == pytest.approx(float(np.sum(want * u)))
    check_grads(column_plus_rest, (M,))


def test_rosenbrock_gradient_is_written_as_by_hand() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks import arrays

    x = RNG.uniform(0.0, 1.0, 10)
    np.testing.assert_allclose(grad(arrays.rosenbrock)(x), arrays.rosenbrock_grad(x),
                               rtol=1e-10)
    text = _source(rosenbrock, "grad", x)
    assert "x_bar = np.zeros_like(x)" in text
    assert "x_bar[:-1] = " in text and "x_bar[1:] += " in text
    assert ".copy()" not in text and "x_bar + " not in text


def test_a_loop_over_indices_updates_the_gradient_in_place() -> None:
    x = RNG.standard_normal(5)
    text = _source(index_loop, "grad", x)
    # No forward loop (reading x[i] for i in range(len(x)) cannot fail), one backward
    # loop adding into one gradient array.
    assert text.count("for ") == 1
    assert "x_bar[i] += " in text and ".copy()" not in text
    text = _source(recurrence, "jvp", x)
    assert re.search(r"out\w*\[i\] = ", text) and ".copy()" not in text


@pytest.mark.parametrize("f", [loop_with_branch, double_loop, recurrence, row_loop])
def test_loops_write_gradients_in_place(f: Callable[..., Any]) -> None:
    args = (RNG.standard_normal((3, 2)),) if f is double_loop else (
        RNG.standard_normal((4, 3)), RNG.standard_normal(3)) if f is row_loop else (
        RNG.standard_normal(5),)
    tree = ast.parse(_source(f, "grad", *args))
    # No array is made or copied inside a loop: the gradient array is updated in place.
    for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
        for node in ast.walk(loop):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in ("zeros_like", "copy"), unparse(loop)


def test_assignment_is_in_place_in_the_generated_code() -> None:
    x = RNG.standard_normal(4)
    text = _source(assignment, "jvp", x)
    assert "out = x * 0.0" in text and "out[0] = " in text and "out[1:] = " in text
    assert ".copy()" not in text


def test_assigning_does_not_change_the_callers_array() -> None:
    X = RNG.standard_normal((3, 2))
    before = X.copy()
    grad(copy_then_assign)(X)
    jvp(copy_then_assign, (X,), (np.ones_like(X),))
    np.testing.assert_array_equal(X, before)


def test_an_alias_sees_the_assignment() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert value_and_grad(alias)(x)[0] == pytest.approx(alias(x))


def read_past_end(x):
    return x[3] * 2.0


def unpack_three(x):
    a, b, c = x
    return a + b * c


def test_run_time_errors_are_numpys() -> None:
    with pytest.raises(IndexError):
        grad(read_past_end)(np.ones(3))
    with pytest.raises(IndexError):
        jvp(read_past_end, (np.ones(3),), (np.ones(3),))
    with pytest.raises(ValueError, match="cannot unpack"):
        grad(unpack_three)(np.ones(4))
    with pytest.raises(ValueError, match="cannot unpack"):
        grad(unpack_three)(np.ones(2))
    assert grad(unpack_three)(np.array([1.0, 2.0, 3.0])).tolist() == [1.0, 3.0, 2.0]


def into_argument(x):
    x[0] = 1.0  # E:argument
    return np.sum(x)


def into_argument_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        x[i] = x[i] * 2.0  # E:loop
        s += x[i]
    return s


def into_view_of_argument(x):
    head = x[:2]
    head[0] = 1.0  # E:view
    return np.sum(head)


def into_shared(x):
    out = x * 2.0
    tail = out[1:]
    out[0] = 1.0  # E:shared
    return np.sum(tail)


def into_outer_alias(x):
    out = x * 2.0
    keep = out
    for i in range(2):
        out[i] = 0.0  # E:outer
    return np.sum(keep)


def through_branch(x):
    out = x * 2.0
    z = out if x[0] > 0 else out * 3.0
    z[0] = 1.0  # E:branch alias
    return np.sum(out)


def argument_through_branch(x):
    y = x if x[0] > 0 else x * 2.0
    y[0] = 1.0  # E:branch argument
    return np.sum(y)


def row_of_argument(X):
    s = 0.0
    for row in X:
        row[0] = 1.0  # E:row
        s += np.sum(row)
    return s


def too_many(x):
    return x[0, 1]  # E:too many


def float_index(x):
    return x[1.0]  # E:float


def zero_step(x):
    return np.sum(x[::0])  # E:step


def scatter_assign(x):
    out = x * 1.0
    out[[0, 0]] = 1.0  # E:array assign
    return np.sum(out)


def unpack_wrong(x):
    a, b, c = x[[0, 1]]  # E:unpack
    return a


def into_number(x):
    y = 2.0 * x[0]
    y[0] = 1.0  # E:number
    return y


ERRORS = [
    (into_argument, "argument", "would change the caller's data"),
    (into_argument_in_loop, "loop", "would change the caller's data"),
    (into_view_of_argument, "view", "a view of the argument 'x'"),
    (into_shared, "shared", "would change 'tail' too"),
    (into_outer_alias, "outer", "would change 'keep' too"),
    (through_branch, "branch alias", "would change 'out' too"),
    (argument_through_branch, "branch argument", "may be (after an if or a loop)"),
    (row_of_argument, "row", "a view of the argument 'X'"),
    (too_many, "too many", "too many indices"),
    (float_index, "float", "must be an integer"),
    (zero_step, "step", "step cannot be zero"),
    (scatter_assign, "array assign", "integer-array index"),
    (unpack_wrong, "unpack", "length 2 into 3 names"),
    (into_number, "number", "'y' is a number"),
]


@pytest.mark.parametrize(("f", "tag", "words"), ERRORS, ids=[e[1] for e in ERRORS])
def test_unsupported_indexing_is_located(f: Callable[..., Any], tag: str, words: str) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(RNG.standard_normal((3, 3) if tag == "row" else 3))
    message = str(info.value)
    assert words in message
    line = marker_line(Path(__file__).read_text().splitlines(), tag)
    assert f"{Path(__file__).name}\", line {line}" in message


def _source(f: Callable[..., Any], kind: str, *args: Any) -> str:
    spec = Spec(kind, 0) if kind != "vjp" else Spec("vjp")
    return generate(f, with_types(spec, signature_of(args)))  # type: ignore[no-any-return]


# Augmented assignment to a name holding an array works in place, as NumPy's does: into
# an argument (or a view of one) it is the located error assignment into it is; names of
# the same array see the new value; ``x = x + v`` makes a new array and is always fine.


def augmented_argument(x):
    x += 1.0  # E:aug argument
    return np.sum(x * x)


def augmented_alias_of_argument(x):
    y = x
    y *= 2.0  # E:aug alias
    return np.sum(y)


def augmented_row(X):
    s = 0.0
    for row in X:
        row -= 1.0  # E:aug row
        s += np.sum(row)
    return s


def augmented_in_branch(x):
    if x[0] > 0:
        x /= 2.0  # E:aug branch
    return np.sum(x)


def bump(v):
    v += 1.0  # E:aug callee
    return v


def augmented_in_callee(x):
    y = x * 2.0
    z = bump(y)
    return np.sum(y * z)


def augmented_grows(x):
    out = np.zeros(3)
    out += np.ones((2, 3)) * x  # E:aug grows
    return np.sum(out)


AUGMENTED_ERRORS = [
    (augmented_argument, "aug argument", "would change the caller's data: 'x' is the argument"),
    (augmented_alias_of_argument, "aug alias", "'y' is the argument 'x'"),
    (augmented_row, "aug row", "a view of the argument 'X'"),
    (augmented_in_branch, "aug branch", "'x' is the argument 'x'"),
    (augmented_in_callee, "aug callee", "cannot change 'v' in place"),
    (augmented_grows, "aug grows", "does not fit"),
]


@pytest.mark.parametrize(("f", "tag", "words"), AUGMENTED_ERRORS,
                         ids=[e[1] for e in AUGMENTED_ERRORS])
def test_augmented_assignment_into_an_argument_is_located(f: Callable[..., Any], tag: str,
                                                         words: str) -> None:
    x = RNG.standard_normal((3, 3) if tag == "aug row" else 3)
    for run in (lambda: grad(f)(x), lambda: jvp(f, (x,), (np.ones_like(x),))):
        with pytest.raises(UnsupportedSyntaxError) as info:
            run()
        message = str(info.value)
        assert words in message, message
        line = marker_line(Path(__file__).read_text().splitlines(), tag)
        assert f"{Path(__file__).name}\", line {line}" in message


def rebinding(x):
    x = x + 1.0
    x *= x
    return np.sum(x)


def augmented_alias(x):
    out = x * 2.0
    keep = out
    out += 1.0
    return np.sum(keep * x)


def augmented_in_loop(x):
    out = x * 2.0
    total = 0.0
    for i in range(3):
        out += x * i
        total += out
    return np.sum(out * total)


def augmented_number(x, a):
    a += 1.0
    a *= np.sum(x)
    return a


def augmented_narrow(x):
    out = np.zeros(3, dtype=np.float32)
    out += x
    return np.sum(out * x)


AUGMENTED = [
    (rebinding, (RNG.standard_normal(3),)),
    (augmented_alias, (RNG.standard_normal(3),)),
    (augmented_in_loop, (RNG.standard_normal(3),)),
    (augmented_number, (RNG.standard_normal(3), 0.7)),
]


@pytest.mark.parametrize(("f", "args"), AUGMENTED, ids=[f.__name__ for f, _ in AUGMENTED])
def test_augmented_assignment_of_arrays_the_function_made(f: Callable[..., Any],
                                                          args: tuple[Any, ...]) -> None:
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    check_grads(f, args)
    assert value_and_grad(f)(*args)[0] == pytest.approx(f(*[
        a.copy() if isinstance(a, np.ndarray) else a for a in before]), rel=1e-12)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_augmented_assignment_keeps_the_arrays_dtype() -> None:
    x = RNG.standard_normal(3)
    value, g = value_and_grad(augmented_narrow)(x)
    assert value == augmented_narrow(x)  # out stays float32, as NumPy keeps it
    np.testing.assert_allclose(g, 2 * x.astype(np.float32).astype(float), rtol=1e-6)
