"""Lists and tuples of numbers: arguments, literals, indexing, len, sum, iteration,
and lists built with append in loops; both modes against finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, jvp, vjp
from symdiff.errors import UnsupportedSyntaxError

H = 1e-6


def numeric_grad(f: Callable[..., float], args: tuple[Any, ...]) -> list[Any]:
    """Central differences for every argument: a list of them for a list argument."""
    out: list[Any] = []
    for i, a in enumerate(args):
        if isinstance(a, list):
            parts = []
            for k in range(len(a)):
                up, down = list(a), list(a)
                up[k] += H
                down[k] -= H
                parts.append((f(*args[:i], up, *args[i + 1:]) -
                              f(*args[:i], down, *args[i + 1:])) / (2 * H))
            out.append(parts)
        elif isinstance(a, float):
            out.append((f(*args[:i], a + H, *args[i + 1:]) -
                        f(*args[:i], a - H, *args[i + 1:])) / (2 * H))
        else:
            out.append(None)
    return out


def assert_close(got: Any, want: Any) -> None:
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        for g, w in zip(got, want, strict=True):
            assert_close(g, w)
    else:
        assert math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-6), (got, want)


def check(f: Callable[..., float], *args: Any) -> None:
    """grad, value_and_grad, jvp and vjp of `f` agree with finite differences."""
    diff = tuple(i for i, a in enumerate(args) if not isinstance(a, int))
    want = numeric_grad(f, args)
    got = grad(f, argnums=diff)(*args)
    for i, g in zip(diff, got, strict=True):
        assert_close(g, want[i])
    value, _ = symdiff.value_and_grad(f, argnums=diff)(*args)
    assert value == pytest.approx(f(*args))
    out, vjp_fn = vjp(f, *args)
    cts = vjp_fn(1.0)
    for i in diff:
        assert_close(cts[i], want[i])
    # Forward mode: one direction per differentiated number.
    for i in diff:
        for k in range(len(args[i]) if isinstance(args[i], list) else 1):
            tangents = [[0.0] * len(a) if isinstance(a, list) else 0 * a for a in args]
            if isinstance(args[i], list):
                tangents[i][k] = 1.0
                expected = want[i][k]
            else:
                tangents[i] = 1.0
                expected = want[i]
            value, t = jvp(f, args, tuple(tangents))
            assert value == pytest.approx(f(*args))
            assert_close(t, expected)


def indexing(x: list[float]) -> float:
    return x[0] * x[-1] + x[1] ** 3 + len(x) * sum(x)


def literal(a: float, b: float) -> float:
    ys = [a, a * b, math.sin(b)]
    ys.append(a - b)
    return sum(ys) + ys[1] * len(ys) + ys[-1] ** 2


def dynamic_index(x: list[float], k: int) -> float:
    ys = [x[0], x[1] * 2.0, x[2] ** 2]
    return ys[k] * x[k]


def over_list(x: list[float]) -> float:
    s = 1.0
    for v in x:
        s = s * v + math.cos(v)
    return s


def over_tuple(a: float) -> float:
    s = 0.0
    for c in (1.0, 2.0, a):
        s += c * a
    return s


def with_enumerate(x: list[float]) -> float:
    t = 0.0
    for i, v in enumerate(x, 1):
        t += i * v ** 2
    return t


def with_zip(x: list[float], y: list[float]) -> float:
    s = 0.0
    for a, b in zip(x, y):  # noqa: B905  (stops at the shorter, like the user's code)
        s += a * b - math.exp(a - b)
    return s


def branches(x: list[float]) -> float:
    s = 0.0
    for v in x:
        if v > 0:
            s += math.log(v)
        else:
            s -= v * v
    return s


def generators(x: list[float]) -> float:
    return sum(v * v for v in x) + sum([math.exp(v) for v in x if v < 1.0])


def residuals(p: list[float], ts: list[float], ys: list[float]) -> float:
    r = [p[0] * math.exp(-p[1] * t) - y for t, y in zip(ts, ys, strict=True)]
    return sum(v * v for v in r) + r[0] * len(r)


def filtered_squares(x: list[float]) -> float:
    v = 3.0  # the comprehension's v is its own: this one is kept
    sq = [v * v for v in x if v > 0.0]
    return sum(sq) * v + (sq[-1] if len(sq) > 0 else 0.0)


def powers_list(a: float, n: int) -> float:
    pw = [a ** k for k in range(n)]
    return sum(pw) * pw[-1]


def comprehension_reads_its_name(x: list[float]) -> float:
    x = [v / sum(x) for v in x if v > 0.0]  # the old x, as Python reads it
    return sum(w * w for w in x) + x[0]


def arrays_of_lists(x: list[float]) -> float:
    v = np.array([math.sin(t) * t for t in x])
    w = np.asarray(x[1:])
    return float(np.sum(v * v) + np.sum(np.tanh(w)) * x[0])


def errors(p: float, ts: list[float], ys: list[float]) -> list[float]:
    return [p * math.exp(-0.3 * t) - y for t, y in zip(ts, ys, strict=True)]


def squared_residuals(p: float, ts: list[float], ys: list[float]) -> float:
    # ts and ys are lists because the helper uses them as lists.
    return sum(r * r for r in errors(p, ts, ys)) + p


def comprehension_names_in_a_branch(x: float) -> float:
    i = 1.0
    if x > 0.0:
        i = x * 3.0  # assigned in the branch: merged after it, whatever the loops use
        y = sum(x * i for i in range(3)) + len([x for i in range(2)])
    else:
        y = x
    return y + i


def rosenbrock_pairs(x: list[float]) -> float:
    return sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2
               for a, b in zip(x[:-1], x[1:], strict=False))


def strict_pairs(x: list[float], y: list[float]) -> float:
    return sum(a * math.sin(b) for a, b in zip(x, y[1:], strict=True))


def test_zip_strict_checks_the_lengths_in_every_transform() -> None:
    check(strict_pairs, [0.5, -1.0], [2.0, 0.3, 1.5])
    for transform in (lambda: grad(strict_pairs)([0.5], [2.0, 0.3, 1.5]),
                      lambda: jvp(strict_pairs, ([0.5], [2.0, 0.3, 1.5]),
                                  ([1.0], [0.0, 0.0, 0.0])),
                      lambda: vjp(strict_pairs, [0.5], [2.0, 0.3, 1.5])):
        with pytest.raises(ValueError, match=r"different lengths|zip\(\) argument 2"):
            transform()


def slices(x: list[float], k: int) -> float:
    s = sum(x[1:-1]) * x[0] + sum(x[-2:]) * 2.0 + sum(x[:2]) ** 2
    for v in x[k:]:
        s = s + v * v
    for v in x[:k]:
        s = s + 3.0 * math.sin(v)
    return s + sum(x[1:k + 2]) + sum(x[::1]) + sum(x[k:-9])


def literal_slices(a: float) -> float:
    ys = [a, 2.0 * a, math.exp(a)]
    return sum(ys[1:]) * ys[:1][0] + sum(ys[-2:-1])


def accumulate(y0: float, k: float, n: int) -> float:
    ys = [y0]
    y = y0
    for _ in range(n):
        y = y - 0.1 * k * y
        ys.append(y)
    return sum(ys) + ys[-1] * len(ys)


def collect_while(x: float) -> float:
    xs = []
    t = x
    while t < 10.0:
        t = t * 1.5 + 0.1
        xs.append(math.sin(t))
    return sum(xs) * len(xs) + (xs[0] if len(xs) > 0 else 0.0)


def collect_then_loop(x: list[float]) -> float:
    squares = []
    for v in x:
        squares.append(v * v)
    total = 0.0
    for i in range(len(squares)):
        total += squares[i] * x[i]
    return total


def euler(y0: float, h: float, n: int) -> float:
    ys = [y0]
    for _ in range(n):
        ys.append(ys[-1] + h * math.sin(ys[-1]))
    return sum(ys) / len(ys)


def recurrence(a: float, b: float, n: int) -> float:
    xs = [a, b]
    for _ in range(n):
        xs.append(0.5 * xs[-1] + xs[-2] / len(xs))
    return xs[-1] + xs[0]


def positives(x: list[float]) -> float:
    squares = []
    for v in x:
        if v > 0:
            squares.append(v * v)
    return sum(squares) + len(squares)


def first_then_products(x: float, n: int) -> float:
    ys = []
    for i in range(n):
        if i == 0:
            ys.append(x)
        else:
            ys.append(ys[-1] * x)
    return sum(ys)


def skip_and_stop(x: list[float]) -> float:
    out = [0.0]
    for v in x:
        if v < 0:
            continue
        if out[-1] > 4.0:
            break
        out.append(out[-1] + v * v)
    return sum(out) * len(out)


def grow_while(x: float) -> float:
    ys = [x]
    while ys[-1] < 10.0 and len(ys) < 50:
        ys.append(ys[-1] * 1.5 + 0.1)
    return ys[-1] + len(ys)


def nested_reads(x: float) -> float:
    ys = [x]
    for _ in range(3):
        s = 0.0
        for j in range(2):
            s += ys[-1] * j
        ys.append(s + x)
    return sum(ys)


CASES = [
    (indexing, ([1.0, 2.0, 3.0],)),
    (literal, (0.7, 1.3)),
    (dynamic_index, ([1.0, 2.0, 3.0], 0)),
    (dynamic_index, ([1.0, 2.0, 3.0], 2)),
    (over_list, ([0.5, -1.5, 2.0],)),
    (over_list, ([],)),
    (over_list, ([0.3],)),
    (over_tuple, (0.9,)),
    (with_enumerate, ([1.0, 2.0, 3.0],)),
    (with_zip, ([1.0, 2.0], [0.5, 0.25, 4.0])),
    (branches, ([1.0, -2.0, 3.0],)),  # both sides of the if in one call
    (generators, ([0.1, 0.2, 1.5],)),
    (accumulate, (1.0, 0.5, 0)),
    (accumulate, (1.0, 0.5, 1)),
    (accumulate, (1.0, 0.5, 10)),
    (collect_while, (1.0,)),
    (collect_while, (20.0,)),  # the loop runs zero times
    (collect_then_loop, ([0.5, 1.5, -2.0],)),
    (euler, (0.3, 0.1, 0)),
    (euler, (0.3, 0.1, 1)),
    (euler, (0.3, 0.1, 20)),
    (recurrence, (0.3, 0.7, 6)),
    (positives, ([1.0, -2.0, 3.0],)),  # both sides of the if
    (positives, ([-1.0],)),
    (first_then_products, (1.5, 4)),
    (first_then_products, (1.5, 0)),
    (skip_and_stop, ([1.0, -1.0, 1.5, 2.0, 0.5],)),  # continues, then breaks
    (grow_while, (1.0,)),
    (grow_while, (20.0,)),
    (nested_reads, (0.8,)),
    (rosenbrock_pairs, ([1.2, -0.5, 2.0, 0.3],)),
    (residuals, ([1.5, 0.3], [0.0, 1.0, 2.0], [1.4, 1.1, 0.8])),
    (squared_residuals, (1.5, [0.0, 1.0, 2.0], [1.4, 1.1, 0.8])),
    (filtered_squares, ([1.0, -2.0, 3.0],)),
    (filtered_squares, ([-1.0, -2.0],)),
    (powers_list, (0.7, 4)),
    (comprehension_names_in_a_branch, (0.5,)),
    (comprehension_names_in_a_branch, (-0.5,)),
    (arrays_of_lists, ([0.5, -1.0, 2.0],)),
    (arrays_of_lists, ([0.5],)),  # an empty slice: an array of no values
    (comprehension_reads_its_name, ([1.0, -2.0, 3.0],)),
    (slices, ([1.0, -2.0, 3.0, 0.5, 2.5], 1)),
    (slices, ([1.0, -2.0, 3.0, 0.5, 2.5], -2)),  # negative bounds mean what Python says
    (slices, ([1.0, -2.0, 3.0, 0.5, 2.5], 9)),  # and so do bounds past the end
    (literal_slices, (0.4,)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in
                                                     enumerate(CASES)])
def test_lists_in_both_modes(f: Callable[..., float], args: tuple[Any, ...],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    check(f, *args)


def test_gradient_of_a_list_is_a_new_list_each_call() -> None:
    g = grad(indexing)
    x = [1.0, 2.0, 3.0]
    first, second = g(x), g(x)
    assert first == second and first is not second
    assert x == [1.0, 2.0, 3.0]  # the argument is never changed
    # A tuple is indexed as a list is; its gradient is a tuple, as JAX keeps its structure.
    assert g((1.0, 2.0, 3.0)) == tuple(first)


def test_reverse_mode_keeps_the_loop_and_tapes_nothing_for_a_list_argument() -> None:
    text = symdiff.source(over_list)
    assert text.count("for ") == 2 and "reversed(range(" in text
    rosen = symdiff.source(with_enumerate)
    assert "tape" not in rosen  # reads of the list are recomputed, not saved


def test_appended_values_are_popped_in_the_backward_loop() -> None:
    text = symdiff.source(accumulate, argnums=(0, 1))
    assert ".append(" in text and ".pop()" in text


def test_an_index_out_of_range_raises_as_in_python() -> None:
    with pytest.raises(IndexError):
        grad(dynamic_index)([1.0, 2.0, 3.0], 3)


def short_list(x: float, n: int) -> float:
    ys = []
    for _ in range(n):
        ys.append(ys[-1] * x)  # ys is empty on the first iteration
    return sum(ys)


def test_a_last_value_the_list_does_not_have_raises_as_in_python() -> None:
    assert grad(short_list)(2.0, 0) == 0.0
    with pytest.raises(IndexError):
        grad(short_list)(2.0, 1)
    with pytest.raises(IndexError):
        jvp(short_list, (2.0, 1), (1.0, 0))


def test_a_loop_carries_the_last_values_it_reads_not_the_list() -> None:
    text = symdiff.source(recurrence, argnums=(0, 1))
    assert "xs_last2" in text and "xs_len" in text
    # The length is a counter: it gets no cotangent.
    assert "xs_len_bar" not in text


def test_appending_under_an_if_keeps_a_flag_per_iteration() -> None:
    text = symdiff.source(positives)
    assert "squares_each" in text and "squares_kept" in text


def test_argument_kinds_are_checked() -> None:
    with pytest.raises(TypeError, match="used as a list"):
        grad(indexing)(1.0)
    with pytest.raises(TypeError, match="as a number"):
        grad(over_tuple)([1.0])
    with pytest.raises(TypeError, match="items must be real numbers"):
        grad(indexing)([1.0, "a"])
    with pytest.raises(ValueError, match="tangents"):
        jvp(indexing, ([1.0, 2.0],), ([1.0],))


def read_while_appending(x: float) -> float:
    xs = [x]
    for _ in range(3):  # E:read-while-appending
        xs.append(xs[0] * 2.0)
    return sum(xs)


def append_in_if(x: float) -> float:
    xs = []
    if x > 1:
        xs.append(x)  # E:append-in-if
    return sum(xs)


def append_in_nested_loop(x: float) -> float:
    xs = []
    for _ in range(2):
        for _ in range(2):
            xs.append(x)  # E:append-nested
    return sum(xs)


def append_to_argument(x: list[float]) -> float:
    x.append(1.0)  # E:append-argument
    return sum(x)


def list_carried(x: float) -> float:
    xs = [x]
    for _ in range(2):  # E:list-carried
        xs = [xs[0] * 2.0]
    return xs[0]


def twice_per_iteration(x: float) -> float:
    xs = []
    for _ in range(2):
        xs.append(x)
        xs.append(x)  # E:twice
    return sum(xs)


def index_none(x: float) -> float:
    table = None
    return x * table[0]  # E:index-none


def slice_text(x: float) -> float:
    name = "abc"
    return x * len(name[1:])  # E:slice-text


ERRORS = [
    (index_none, "indexing something that is not a list"),
    (slice_text, "slicing something that is not a list"),
    (read_while_appending, "read inside the loop"),
    (append_in_if, "inside an if statement"),
    (append_in_nested_loop, "in a nested loop"),
    (append_to_argument, "change the caller's list"),
    (list_carried, "holds a list"),
    (twice_per_iteration, "second append"),
]


@pytest.mark.parametrize(("f", "words"), ERRORS, ids=[f.__name__ for f, _ in ERRORS])
def test_unsupported_list_uses_are_located(f: Callable[..., float], words: str) -> None:
    arg: Any = [1.0, 2.0] if f is append_to_argument else 1.0
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(arg)
    message = str(info.value)
    assert words in message
    assert __file__.rsplit("/", 1)[-1] in message


def cubes_of_slice(x: list[float], a: int, b: int) -> float:
    return sum(v * v * v for v in x[a:b]) + sum(x[a:]) * sum(x[:b])


@pytest.mark.usefixtures("no_disk_cache")
def test_slices_with_any_bounds_match_finite_differences() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(n=st.integers(0, 6), a=st.integers(-8, 8), b=st.integers(-8, 8))
    def run(n: int, a: int, b: int) -> None:
        x = [0.5 + 0.25 * k for k in range(n)]
        got = grad(cubes_of_slice)(x, a, b)
        assert_close(got, numeric_grad(cubes_of_slice, (x, a, b))[0])
        out, vjp_fn = vjp(cubes_of_slice, x, a, b)
        assert out == pytest.approx(cubes_of_slice(x, a, b))
        assert_close(vjp_fn(1.0)[0], got)

    run()



def comprehension_values(x: list[float]) -> float:
    return sum([t * t for t in x if t > 0]) + len([t for t in x]) * x[0] + [
        math.sin(t) for t in x][-1]


def test_a_comprehension_is_a_list_wherever_it_stands() -> None:
    check(comprehension_values, [0.5, -1.0, 2.0])
