"""Loops end to end: ``for i in range(...)`` and ``while``, through the public transforms.

Every test runs `grad`, `value_and_grad`, `jvp` and `vjp` on a small function with a loop
and checks that they agree with each other, that the values they compute are exactly the
function's own, and that the derivatives match central finite differences. The loop
count ``n`` is an int argument that is never differentiated (its tangent is 0.0, so it
stays an int). ``continue`` and ``break`` end an iteration / the loop; a ``return`` at
any depth ends every loop around it. Unsupported loop forms (``for``/``while`` ...
``else``, iterating a generator, a tuple carried from one iteration to the next) and
names that may be unbound after a loop must raise located errors; their lines are found
by ``# E:<tag>`` markers, as in test_errors.py. Known bugs are pinned by strict xfails.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad, jvp, value_and_grad, vjp
from symdiff.testing import check_grads

from . import support
from .support import all_transforms, close, derivatives, finite_diff, floats_of

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()


def marker_line(tag: str) -> int:
    return support.marker_line(LINES, tag)


THIS_MODULE = sys.modules[__name__]

GAIN = 2.0  # a loop-invariant global read inside loops; tests change it between calls
OFFSET = 0.25
COUNTS = [0, 1, 2, 7]  # zero, one and many iterations


pytestmark = pytest.mark.usefixtures("no_disk_cache")


# Helpers ------------------------------------------------------------------------------------


def check(f: Callable[..., Any], points: Sequence[Sequence[Any]],
          diff: Sequence[int] | None = None, rel: float = 1e-6) -> None:
    """Values and derivatives of `f` at every point, against finite differences."""
    for point in points:
        nums = floats_of(point) if diff is None else tuple(diff)
        g = derivatives(f, point, nums)
        want = finite_diff(f, point, nums)
        assert close(g, want, rel), (f.__name__, point, g, want)


# for i in range(n) ----------------------------------------------------------------------------


def horner(x, n):
    p = 0.0
    for k in range(n):
        p = p * x + (k + 1)
    return p


def running_sum(x, n):
    s = 0.0
    for i in range(n):
        s += x * i
    return s


def power_sum(x, n):
    s = 0.0
    for i in range(n):
        s += x ** i
    return s


def sine_sum(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(i * x)
    return s


def nonlinear(x, n):
    s = x
    for i in range(n):
        s = math.sin(s) * x + math.exp(-s * s) * i
    return s


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize("f", [horner, running_sum, power_sum, sine_sum, nonlinear])
def test_range_n_zero_one_and_many_iterations(f: Callable[..., float], n: int) -> None:
    check(f, [(0.7, n), (-1.3, n), (2.0, n)])


@pytest.mark.parametrize("n", COUNTS)
def test_loop_index_in_the_body_has_the_closed_form_derivative(n: int) -> None:
    x = 0.7
    assert derivatives(running_sum, (x, n)) == pytest.approx([n * (n - 1) / 2])
    assert derivatives(power_sum, (x, n)) == pytest.approx(
        [sum(i * x ** (i - 1) for i in range(1, n))])
    assert derivatives(sine_sum, (x, n)) == pytest.approx(
        [sum(i * math.cos(i * x) for i in range(n))])
    assert derivatives(horner, (x, n)) == pytest.approx(
        [sum((n - j) * j * x ** (j - 1) for j in range(1, n))])


def test_running_sum_value_and_zero_iterations() -> None:
    assert value_and_grad(running_sum)(1.5, 4) == (1.5 * 6, 6.0)
    assert value_and_grad(running_sum)(1.5, 0) == (0.0, 0.0)
    assert jvp(horner, (0.5, 0), (1.0, 0.0)) == (0.0, 0.0)
    assert grad(horner)(0.5, 0) == 0.0


def test_power_sum_at_zero() -> None:
    assert power_sum(0.0, 3) == 1.0
    assert grad(power_sum)(0.0, 3) == 1.0
    assert jvp(power_sum, (0.0, 3), (1.0, 0.0)) == (1.0, 1.0)


def range_start_stop(x, a, b):
    s = 1.0
    for i in range(a, b):
        s = s * x + i
    return s


def range_step(x, a, b, c):
    s = 1.0
    for i in range(a, b, c):
        s = s * math.sin(i * x) + x
    return s


@pytest.mark.parametrize(("a", "b"), [(2, 6), (0, 1), (-3, 2), (6, 2), (4, 4)])
def test_range_start_stop(a: int, b: int) -> None:
    check(range_start_stop, [(0.7, a, b), (-1.1, a, b)])


@pytest.mark.parametrize(("a", "b", "c"), [
    (1, 9, 3), (0, 10, 2), (6, -1, -2), (5, 0, -1), (-2, -9, -3), (0, 5, -1), (3, 3, 1),
])
def test_range_step_including_negative(a: int, b: int, c: int) -> None:
    check(range_step, [(0.7, a, b, c), (1.9, a, b, c)])
    # The loop runs over exactly Python's range: the value says so.
    x = 0.7
    s = 1.0
    for i in range(a, b, c):
        s = s * math.sin(i * x) + x
    assert value_and_grad(range_step)(x, a, b, c)[0] == s


def fib_like(x, n):
    a = 0.0
    b = 1.0
    for _ in range(n):
        a, b = b, a + x
    return b


def three_carried(x, y, n):
    a = x
    b = y
    c = 1.0
    for _ in range(n):
        a, b, c = b * c, a + c * 0.5, math.cos(a) * 0.5
    return a + 2.0 * b + 3.0 * c


@pytest.mark.parametrize("n", COUNTS)
def test_several_carried_updated_together(n: int) -> None:
    check(fib_like, [(0.7, n), (-2.0, n)])
    check(three_carried, [(0.7, -0.4, n), (1.3, 0.9, n)])


def test_swap_derivative_counts_the_additions() -> None:
    # (a, b) -> (b, a + x): x reaches b on every other iteration, so db/dx is exact.
    for n in range(8):
        assert derivatives(fib_like, (0.3, n)) == [float((n + 1) // 2)]


def read_before_and_after(x, n):
    a = x
    b = 1.0
    for _ in range(n):
        t = a * b  # the old a
        a = a + x
        b = t + a * 0.5  # the new a
    return a + b


def augmented_carried(x, y, n):
    s = x
    p = 1.0
    for i in range(n):
        s += y * i
        p *= s
        s -= p * 0.125
    return s + p


@pytest.mark.parametrize("n", COUNTS)
def test_carried_values_read_before_and_after_reassignment(n: int) -> None:
    check(read_before_and_after, [(0.7, n), (-0.3, n)])
    check(augmented_carried, [(0.7, 0.2, n), (1.1, -0.5, n)])


def running_sum_of_product(x, n):
    s = 0.0
    for i in range(n):
        s += x * i
    return s


def horner_constant(x):
    p = 0.0
    for c in range(5):
        p = p * x + (c + 1)
    return p


def test_running_sum_saves_nothing() -> None:
    text = symdiff.source(running_sum_of_product)
    assert "tape" not in text and ".pop(" not in text, text
    assert "reversed(range(n))" in text, text


def test_horner_saves_its_carried_value_on_a_tape() -> None:
    text = symdiff.source(horner_constant)
    assert "tape.append(" in text and "tape.pop()" in text, text
    assert "reversed(range(5))" in text, text
    check(horner_constant, [(0.7,), (-1.5,)])
    # 5x^4 + ... written with the coefficients 1..5: p(x) = x^4 + 2x^3 + 3x^2 + 4x + 5.
    x = 0.7
    assert grad(horner_constant)(x) == pytest.approx(4 * x**3 + 6 * x**2 + 6 * x + 4)


# Nesting ----------------------------------------------------------------------------------------


def double_sum(x, y, n, m):
    s = 0.0
    for i in range(n):
        for j in range(m):
            s = s + math.sin(i * x + j * y) * x
    return s


def triangle(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i):
            s = s * x + j
    return s


def nested_product(x, n):
    s = 1.0
    for _ in range(n):
        t = 0.0
        for _ in range(3):
            t = t * s + x
        s = s * 0.5 + t * 0.25
    return s


@pytest.mark.parametrize(("n", "m"), [(0, 3), (3, 0), (1, 1), (3, 4)])
def test_nested_for_loops(n: int, m: int) -> None:
    check(double_sum, [(0.7, -0.3, n, m), (1.2, 0.4, n, m)])
    if n and m:
        x, y = 0.7, -0.3
        want = [sum(math.sin(i * x + j * y) + x * i * math.cos(i * x + j * y)
                    for i in range(n) for j in range(m)),
                sum(x * j * math.cos(i * x + j * y) for i in range(n) for j in range(m))]
        assert derivatives(double_sum, (x, y, n, m)) == pytest.approx(want)


@pytest.mark.parametrize("n", COUNTS)
def test_inner_range_depends_on_outer_index(n: int) -> None:
    check(triangle, [(0.7, n), (-1.2, n)])
    check(nested_product, [(0.7, n), (-0.4, n)])


def inner_loop_reads_outer_value(x, n):
    s = x
    for _ in range(n):
        t = s
        for _ in range(2):
            s = s * 0.5 + t
    return s


def test_inner_loop_operand_aliasing_the_carried_value() -> None:
    check(inner_loop_reads_outer_value, [(0.7, 3)])


def update_then_scale(x, n):
    a = x
    for _ in range(n):
        a += x
        a = x * a
    return a


def swap_after_nonlinear_update(x, n):
    a = x
    b = x
    for _ in range(n):
        a += math.sin(a) * a
        a, b = b, a + b
    return a + b


@pytest.mark.parametrize("f", [update_then_scale, swap_after_nonlinear_update])
def test_update_reading_a_cotangent_after_it_is_overwritten(f: Callable[..., float]) -> None:
    check(f, [(0.5, 1), (0.3, 3)])


def branch_in_loop_additive(x, n):
    s = x
    for i in range(n):
        if i % 2 == 0:
            s = s + x * x
        else:
            s = s - math.sin(x)
    return s


def branch_on_carried_additive(x, n):
    s = x
    for _ in range(n):
        if s > 1.0:
            s = s - x
        else:
            s = s + 0.5
    return s


def branch_in_loop_temp(x, y, n):
    s = x
    for i in range(n):
        if i < 2:
            t = math.sin(y)
        else:
            t = y * y
        s = s * 0.5 + t * x
    return s


def test_if_else_inside_a_loop_body() -> None:
    check(branch_in_loop_additive, [(0.7, n) for n in COUNTS])
    # 0.7 -> 1.2 -> 0.5 -> 1.0 -> 1.5 -> 0.8: both branches taken, away from s == 1.0.
    check(branch_on_carried_additive, [(0.7, n) for n in (0, 1, 2, 5)])
    check(branch_in_loop_temp, [(0.7, -0.4, n) for n in COUNTS])


def branch_in_loop_multiplies(x, n):
    s = x
    for i in range(n):
        if i % 2 == 0:
            s = s * x + 1.0
        else:
            s = s - x
    return s


def branch_squares_carried(x, n):
    s = x
    for _ in range(n):
        if s < 10.0:
            s = s * s
    return s


def conditional_expression_in_loop(x, n):
    s = x
    for _ in range(n):
        s = s * x if s < 2.0 else s * 0.5
    return s


def branch_then_common_update(x, n):
    a = x
    for _ in range(n):
        if a < 0.5:
            a = a * 2.0
        else:
            a = a - a
        a = a + x
    return a


@pytest.mark.parametrize("f", [branch_in_loop_multiplies, branch_squares_carried,
                               conditional_expression_in_loop, branch_then_common_update])
def test_branch_reading_the_carried_value_it_reassigns(f: Callable[..., float]) -> None:
    check(f, [(0.7, 3), (1.3, 4)])


def continue_on_sign(x, n):
    s = 0.0
    for i in range(n):
        t = math.sin(x * i)
        if t < 0:
            continue
        s = s + t
    return s


def continue_in_inner_loop(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            if j > i:
                continue
            s = s + x * j
        s = s * 0.5
    return s


def continue_in_while(x):
    s = 0.0
    while x > 1.0:
        x = x * 0.5
        if x < 2.0:
            continue
        s = s + x
    return s + x


def continue_then_multiply(x, n):
    s = x
    for i in range(n):
        if i % 2 == 1:
            continue
        s = s * x + 1.0
    return s


@pytest.mark.parametrize("n", COUNTS)
def test_continue_ends_the_iteration(n: int) -> None:
    check(continue_on_sign, [(0.7, n), (2.9, n)])
    check(continue_in_inner_loop, [(0.7, n)])
    if n:
        x = 0.7
        assert derivatives(continue_on_sign, (x, n)) == pytest.approx(
            [sum(i * math.cos(i * x) for i in range(n) if math.sin(i * x) >= 0)])
    for x in (11.0, 3.0, 0.5):  # continue on some trips, on every trip, no trip
        check(continue_in_while, [(x,)])


def test_continue_then_update_reading_the_carried_value() -> None:
    check(continue_then_multiply, [(0.7, 5)])


def break_on_sign(x, n):
    s = 0.0
    for i in range(n):
        t = math.sin(x * i)
        if t < -0.5:
            break
        s = s + t
    return s


def break_after_update(x, a, b, c):
    s = x
    for i in range(a, b, c):
        s = s + x * i * 0.1 + math.sin(s) * 0.5
        if s > 3.0:
            break
    return s


def while_true_halving(x):
    s = x
    while True:
        s = s * 0.5
        if s < 1.0:
            break
    return s


def break_inner_loop_only(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            s = s + x * j
        s = s * 0.5
    return s


def newton_with_break(a):
    x = a
    for _ in range(100):
        x_new = 0.5 * (x + a / x)
        if abs(x_new - x) < 1e-15 * a:
            break
        x = x_new
    return x


@pytest.mark.parametrize("n", [*COUNTS, 12])
def test_break_ends_the_loop(n: int) -> None:
    check(break_on_sign, [(0.7, n), (0.3, n)])
    check(break_inner_loop_only, [(0.7, n)])
    x = 0.7
    ran = []
    for i in range(n):
        if math.sin(x * i) < -0.5:
            break
        ran.append(i)
    assert derivatives(break_on_sign, (x, n)) == pytest.approx(
        [sum(i * math.cos(i * x) for i in ran)])


@pytest.mark.parametrize(("a", "b", "c"), [(3, 9, 1), (10, 0, -2), (2, 4, 1), (0, 0, 1),
                                           (-4, 20, 3)])
def test_break_in_a_range_with_start_and_step(a: int, b: int, c: int) -> None:
    # The backward loop runs over exactly the indices the forward loop ran.
    check(break_after_update, [(0.7, a, b, c), (0.2, a, b, c)])


def test_break_in_while_true_and_newton() -> None:
    for x, trips in ((11.0, 4), (0.5, 1), (1.5, 1), (2.5, 2)):
        assert derivatives(while_true_halving, (x,)) == [0.5**trips]
        check(while_true_halving, [(x,)])
    for a in (0.5, 2.0, 30.0):
        assert derivatives(newton_with_break, (a,)) == pytest.approx(
            [0.5 / math.sqrt(a)], rel=1e-9)


def break_after_multiplying(x, n):
    s = x
    for _ in range(n):
        if s > 5.0:
            break
        s = s * 2.0 + math.sin(x)
    return s


def test_break_then_update_reading_the_carried_value() -> None:
    check(break_after_multiplying, [(0.7, 5)])


def loop_in_branch(x, n):
    s = x
    if x > 0:
        for _ in range(n):
            s = s * x + math.sin(s)
    else:
        s = -x * x
    return s


def loop_in_both_branches(x, n):
    s = 0.0
    if x > 1.0:
        for i in range(n):
            s = s + x * i
    else:
        k = 0
        while k < n:
            s = s * 0.5 + x
            k = k + 1
    return s


@pytest.mark.parametrize("n", COUNTS)
def test_loop_inside_an_if_branch(n: int) -> None:
    check(loop_in_branch, [(0.7, n), (-0.7, n)])
    check(loop_in_both_branches, [(1.5, n), (0.5, n), (-2.0, n)])


# while -------------------------------------------------------------------------------------


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def halve(x):
    while x > 1:
        x = x / 2
    return x


def bisect_sqrt(a):
    lo = 0.0
    hi = a + 1.0
    while hi - lo > 1e-10:
        mid = (lo + hi) / 2
        if mid * mid > a:
            hi = mid
        else:
            lo = mid
    return lo


def power_by_countdown(x, n):
    s = 1.0
    while n > 0:
        s = s * x
        n = n - 1
    return s


@pytest.mark.parametrize("a", [0.25, 2.0, 9.0, 100.0, 12345.0])
def test_newton_sqrt_gradient_is_that_of_sqrt(a: float) -> None:
    assert newton_sqrt(a) == pytest.approx(math.sqrt(a), rel=1e-12)
    g = derivatives(newton_sqrt, (a,))
    assert g == pytest.approx([0.5 / math.sqrt(a)], rel=1e-9)
    check_grads(newton_sqrt, (a,), rtol=1e-5)


@pytest.mark.parametrize(("x", "trips"), [(0.5, 0), (1.0, 0), (1.5, 1), (100.0, 7), (-3.0, 0)])
def test_halving_while_loop_zero_one_and_many_iterations(x: float, trips: int) -> None:
    assert halve(x) == x / 2**trips
    assert derivatives(halve, (x,)) == [1.0 / 2**trips]
    if x != 1.0:  # at 1.0 the trip count changes: finite differences straddle it
        check(halve, [(x,)])


def test_bisection_derivative_follows_the_iterations() -> None:
    # lo is always a dyadic fraction of hi's start a + 1: its derivative is lo / (a + 1)
    # (the piecewise derivative the iterations compute, not that of sqrt).
    for a in (0.3, 2.0, 7.5):
        lo = bisect_sqrt(a)
        assert lo == pytest.approx(math.sqrt(a), abs=1e-9)
        assert derivatives(bisect_sqrt, (a,)) == pytest.approx([lo / (a + 1.0)], rel=1e-12)


@pytest.mark.parametrize("n", COUNTS)
def test_while_counting_down_an_int(n: int) -> None:
    check(power_by_countdown, [(0.7, n), (-1.3, n)])
    assert derivatives(power_by_countdown, (0.7, n)) == pytest.approx(
        [n * 0.7 ** (n - 1)] if n else [0.0])


def test_while_reverse_source_counts_trips() -> None:
    text = symdiff.source(halve)
    assert "trips += 1" in text and "for _ in reversed(range(trips))" in text, text
    # x is only halved: the backward sweep needs nothing from the forward one.
    assert "tape" not in text, text
    newton = symdiff.source(newton_sqrt)
    assert "tape.append(x)" in newton and "tape.pop()" in newton, newton


# Free names read inside loops ---------------------------------------------------------------


def scaled_by_global(x, n):
    s = x
    for _ in range(n):
        s = s * GAIN + x * OFFSET
    return s


def test_loop_invariant_globals_are_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    f = grad(scaled_by_global)
    check(scaled_by_global, [(0.7, 3)])
    first = f(0.7, 3)
    assert first == pytest.approx(GAIN**3 + OFFSET * (GAIN**2 + GAIN + 1))
    monkeypatch.setattr(THIS_MODULE, "GAIN", 3.0)
    monkeypatch.setattr(THIS_MODULE, "OFFSET", -1.0)
    assert f(0.7, 3) == pytest.approx(27.0 - (9.0 + 3.0 + 1.0))
    check(scaled_by_global, [(0.7, 3)])


def make_closure(k: float) -> tuple[Callable[..., float], Callable[[float], None]]:
    def f(x, n):
        s = 0.0
        for _ in range(n):
            s = s * k + math.sin(x)
        return s

    def set_k(value: float) -> None:
        nonlocal k
        k = value

    return f, set_k


def test_loop_invariant_closure_values_are_read_at_call_time() -> None:
    f, set_k = make_closure(2.0)
    g = grad(f)
    x = 0.7
    assert g(x, 3) == pytest.approx(math.cos(x) * (4.0 + 2.0 + 1.0))
    set_k(-0.5)
    assert g(x, 3) == pytest.approx(math.cos(x) * (0.25 - 0.5 + 1.0))
    check(f, [(x, 3), (x, 0)])


tape = 3.0  # globals whose names the generated code also uses
trips = 2.0


def reads_global_named_tape(x, n):
    s = x
    for _ in range(n):
        s = s * x * tape
    return s


def reads_global_named_trips(x):
    s = x
    while s < 100.0:
        s = s * trips + x
    return s


def test_global_named_tape_inside_a_loop() -> None:
    check(reads_global_named_tape, [(0.7, 3)])


def test_global_named_trips_inside_a_while_loop() -> None:
    check(reads_global_named_trips, [(0.7,)])


# Unbound names after a loop -------------------------------------------------------------------


def assigned_only_inside(x, n):
    for i in range(n):
        t = x * i
    return t  # E:unbound-for


def assigned_only_inside_while(x):
    while x > 1:
        x = x / 2
        t = x * x
    return t + x  # E:unbound-while


def loop_variable_after(x, n):
    s = x
    for i in range(n):  # noqa: B007  # E:loop-var-for
        s = s * x
    return s + i  # E:loop-var


def assigned_before_is_fine(x, n):
    t = 0.0
    for i in range(n):
        t = x * i
    return t


@pytest.mark.parametrize(("f", "tag", "name", "origin"), [
    (assigned_only_inside, "unbound-for", "t", None),
    (assigned_only_inside_while, "unbound-while", "t", None),
    (loop_variable_after, "loop-var", "i", "loop-var-for"),
])
def test_names_assigned_in_a_loop_may_be_unbound_after_it(
    f: Callable[..., float], tag: str, name: str, origin: str | None,
) -> None:
    args = (2.0,) if f is assigned_only_inside_while else (2.0, 3)
    for run in all_transforms(f, args):
        with pytest.raises(UnsupportedSyntaxError) as info:
            run()
        err = info.value
        assert err.lineno == marker_line(tag), str(err)
        assert "may be unbound" in err.what and repr(name) in err.what, str(err)
        assert Path(err.filename).resolve() == THIS_FILE
        if origin is not None:
            assert f"line {marker_line(origin)}" in err.what, err.what
    with pytest.raises(UnsupportedSyntaxError, match="may be unbound"):
        symdiff.source(f)


def test_a_name_bound_before_the_loop_is_not_unbound_after_it() -> None:
    check(assigned_before_is_fine, [(0.7, 0), (0.7, 3)])
    assert grad(assigned_before_is_fine)(0.7, 0) == 0.0
    assert grad(assigned_before_is_fine)(0.7, 3) == 2.0


def index_rebound_in_body(x):
    i = 10
    s = 0.0
    for i in range(3):
        i = i + 1
        s = s + x * i
    return s


def test_loop_variable_rebound_in_the_body() -> None:
    assert index_rebound_in_body(0.7) == pytest.approx(4.2)
    check(index_rebound_in_body, [(0.7,)])


# Errors raised while the loop runs --------------------------------------------------------------


def log_at_third_iteration(x):
    s = 0.0
    for i in range(5):
        s = s + math.log(x - i)
    return s


def log_only_needed_for_value(x, n):
    s = 0.0
    for i in range(n):
        s += math.log(x - i) * 2.0
    return s


def sqrt_in_while(x):
    s = 0.0
    while x > -5.0:
        s = s + math.sqrt(x)
        x = x - 1.0
    return s


@pytest.mark.parametrize(("f", "args"), [
    (log_at_third_iteration, (1.5,)),
    (log_only_needed_for_value, (1.5, 5)),
    (sqrt_in_while, (2.5,)),
])
def test_domain_errors_inside_a_loop_raise_like_the_function(
    f: Callable[..., float], args: tuple[Any, ...],
) -> None:
    with pytest.raises(ValueError, match="math domain error"):
        f(*args)
    for run in all_transforms(f, args):
        with pytest.raises(ValueError, match="math domain error"):
            run()


def test_domain_error_in_a_loop_that_stops_in_time_is_not_raised() -> None:
    check(log_only_needed_for_value, [(2.5, 2), (2.5, 0)])
    check(log_at_third_iteration, [(4.5,)])


# Gradients that vanish, and several at once ---------------------------------------------------


def independent_of_x(x, n):
    s = 1.0
    for i in range(n):
        s = s * 2.0 + i
    return s


def independent_in_while(x):
    s = 1.0
    while s < 50.0:
        s = s * 3.0
    return s


@pytest.mark.parametrize("n", COUNTS)
def test_loop_not_depending_on_the_argument_has_zero_gradient(n: int) -> None:
    value = independent_of_x(0.7, n)
    assert grad(independent_of_x)(0.7, n) == 0.0
    assert grad(independent_of_x, argnums=(0,))(0.7, n) == (0.0,)
    assert jvp(independent_of_x, (0.7, n), (1.0, 0.0)) == (value, 0.0)
    assert vjp(independent_of_x, 0.7, n)[1](1.0)[0] == 0.0
    assert value_and_grad(independent_of_x)(0.7, n) == (independent_of_x(0.7, n), 0.0)
    assert grad(independent_in_while)(0.7) == 0.0
    assert jvp(independent_in_while, (0.7,), (1.0,)) == (81.0, 0.0)


def invariant_operand(x, y, z, n):
    s = x
    for _ in range(n):
        s = math.sin(s) * y + x * z
    return s


@pytest.mark.parametrize("n", COUNTS)
def test_gradient_with_respect_to_several_arguments(n: int) -> None:
    args = (0.7, -0.4, 1.3, n)
    check(invariant_operand, [args])
    gx, gy, gz = grad(invariant_operand, argnums=(0, 1, 2))(*args)
    # y and z are only loop-invariant operands: zero iterations give them no gradient.
    if n == 0:
        assert (gx, gy, gz) == (1.0, 0.0, 0.0)
    else:
        assert gy != 0.0 and gz != 0.0
    gz_only = grad(invariant_operand, argnums=2)(*args)
    assert gz_only == pytest.approx(gz, rel=1e-15)
    g_yx = grad(invariant_operand, argnums=(1, 0))(*args)
    assert g_yx == pytest.approx((gy, gx), rel=1e-15)


# check_grads -----------------------------------------------------------------------------------


def make_iterated(n: int) -> Callable[..., float]:
    def f(x, y):
        s = x
        for i in range(n):
            s = s * math.cos(y) + math.sin(s) * 0.5 + i * 0.1
        return s

    return f


def make_nested(n: int) -> Callable[..., float]:
    def f(x, y):
        s = 0.0
        for i in range(n):
            for j in range(i + 1):
                s = s * 0.5 + math.tanh(x * j - y)
        return s

    return f


@pytest.mark.parametrize("n", COUNTS)
def test_check_grads_on_loop_functions(n: int) -> None:
    check_grads(make_iterated(n), (0.7, 0.3))
    check_grads(make_nested(n), (0.7, 0.3))
    check_grads(newton_sqrt, (3.0,))
    check_grads(halve, (37.0,))


def test_check_grads_takes_floats_only_so_loop_counts_go_through_closures() -> None:
    with pytest.raises(TypeError):
        check_grads(horner, (0.7, 3))  # range(3.0)


# Unsupported loop forms: located errors ---------------------------------------------------------


def gen():
    yield 1.0


def for_else(x):
    for _ in range(3):  # E:for-else
        x = x * 2
    else:
        x = x + 1
    return x


def while_else(x):
    while x > 1:  # E:while-else
        x = x / 2
    else:
        x = x + 1
    return x


def return_in_loop(x):
    for _ in range(3):  # E:return-loop
        return x  # E:return
    return x


def return_in_while(x):
    while x > 1:  # E:return-while-loop
        x = x / 2
        return x  # E:return-while
    return x


def return_in_branch_in_loop(x):
    for _ in range(3):
        x = x * 2
        if x > 5:
            return x  # E:return-branch
    return x


def over_generator(x):
    for c in gen():  # E:generator
        x = x * c
    return x


def over_enumerate(x):
    for _ in enumerate(range(3)):  # E:enumerate
        x = x * 2
    return x


def over_zip(x):
    for _ in zip(range(3), range(3)):  # noqa: B905  # E:zip
        x = x * 2
    return x


def over_enumerate_unpacked(x):
    for _i, c in enumerate(range(3)):  # E:enumerate-unpacked
        x = x * c
    return x


def tuple_carried(x, n):
    p = (x, 1.0)
    for _ in range(n):  # E:tuple-carried
        a, b = p
        p = (b, a * x)
    a, b = p
    return a + b


def unpacked_target(x):
    for _i, _j in range(3):  # E:target
        x = x * 2
    return x


LOCATED = [
    (for_else, "for-else", "for _", ["for ... else"]),
    (while_else, "while-else", "while", ["while ... else"]),
    (over_generator, "generator", "gen()", ["gen()", "range(...)"]),
    (over_enumerate, "enumerate", "enumerate(", ["enumerate(range(3))", "range(...)"]),
    (over_zip, "zip", "zip(", ["zip(", "range(...)"]),
    (tuple_carried, "tuple-carried", "for _", ["'p'", "tuple", "carried"]),
    (unpacked_target, "target", "_i, _j", ["loop target", "plain name"]),
]


@pytest.mark.parametrize(("f", "tag", "snippet", "words"), LOCATED,
                         ids=[case[1] for case in LOCATED])
def test_unsupported_loop_forms_are_located(
    f: Callable[..., float], tag: str, snippet: str, words: list[str],
) -> None:
    args = (2.0, 3) if f is tuple_carried else (2.0,)
    lineno = marker_line(tag)
    line = LINES[lineno - 1]
    for run in [*all_transforms(f, args), lambda: symdiff.source(f, mode="forward")]:
        with pytest.raises(UnsupportedSyntaxError) as info:
            run()
        err = info.value
        message = str(err)
        assert err.lineno == lineno, message
        assert Path(err.filename).resolve() == THIS_FILE
        assert err.col == line.index(snippet), message
        assert f"line {lineno}" in message
        for word in words:
            assert word in err.what, f"{word!r} not in {err.what!r}"


@pytest.mark.parametrize("f", [return_in_loop, return_in_while, return_in_branch_in_loop])
@pytest.mark.parametrize("x", [0.7, 2.0, 3.5])
def test_return_inside_a_loop(f: Callable[..., float], x: float) -> None:
    # A return leaves the loop and the function: value and derivatives as Python's.
    value, g = value_and_grad(f)(x)
    assert value == f(x)
    fd = finite_diff(f, (x,), [0])[0]
    assert math.isclose(g, fd, rel_tol=1e-6, abs_tol=1e-8)
    assert math.isclose(jvp(f, (x,), (1.0,))[1], fd, rel_tol=1e-6, abs_tol=1e-8)
    assert math.isclose(vjp(f, x)[1](1.0)[0], fd, rel_tol=1e-6, abs_tol=1e-8)


def returns_a_pair_from_a_loop(x, n):
    t = x
    for i in range(n):
        t = t * x
        if t > 3.0:
            return t, i * x
    return x, t


def newton_returning(a):
    x = a
    while True:
        nx = 0.5 * (x + a / x)
        if abs(nx - x) < 1e-12:
            return nx
        x = nx


def test_return_of_a_pair_from_inside_a_loop() -> None:
    for x in (0.5, 1.5):
        out, t_out = jvp(returns_a_pair_from_a_loop, (x, 5), (1.0, 0))
        assert out == returns_a_pair_from_a_loop(x, 5)
        fd = finite_diff(lambda v: sum(returns_a_pair_from_a_loop(v, 5)), (x,), [0])[0]
        assert math.isclose(sum(t_out), fd, rel_tol=1e-6)
        assert math.isclose(vjp(returns_a_pair_from_a_loop, x, 5)[1]((1.0, 1.0))[0], fd,
                            rel_tol=1e-6)


def return_from_nested_loops(x, n):
    for i in range(n):
        for j in range(n):
            if x * i * j > 3.0:
                return x * i + j
    return -x


def return_from_a_for_in_a_while(x):
    t = x
    while t < 100.0:
        for k in range(3):
            t = t * 1.3 + k
            if t > 50.0:
                return math.sin(t) * x
    return t


def loop_return_in_a_partial_if(x):
    if x > 0:
        for i in range(4):
            if x * i > 2.5:
                return x * i
    y = x * x
    return y


NESTED_RETURNS = [
    (return_from_nested_loops, (0.7, 4)),
    (return_from_nested_loops, (0.01, 4)),  # no return inside the loops
    (return_from_nested_loops, (0.7, 0)),
    (return_from_a_for_in_a_while, (1.0,)),
    (return_from_a_for_in_a_while, (200.0,)),
    (loop_return_in_a_partial_if, (1.0,)),
    (loop_return_in_a_partial_if, (0.1,)),
    (loop_return_in_a_partial_if, (-1.0,)),
]


@pytest.mark.parametrize(("f", "args"), NESTED_RETURNS,
                         ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(NESTED_RETURNS)])
def test_return_from_inside_nested_loops(f: Callable[..., float], args: tuple[Any, ...]
                                         ) -> None:
    # The return ends every loop around it: value and derivatives as Python's.
    value, g = value_and_grad(f)(*args)
    assert value == f(*args)
    fd = finite_diff(f, args, [0])[0]
    assert math.isclose(g, fd, rel_tol=1e-6, abs_tol=1e-8)
    assert math.isclose(jvp(f, args, (1.0, *(0,) * (len(args) - 1)))[1], fd, rel_tol=1e-6,
                        abs_tol=1e-8)


def test_while_true_left_only_by_a_return() -> None:
    value, g = value_and_grad(newton_returning)(2.0)
    assert value == newton_returning(2.0)
    assert math.isclose(g, 0.5 / math.sqrt(2.0), rel_tol=1e-9)


def test_enumerate_with_unpacking_names_enumerate() -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(over_enumerate_unpacked)(2.0)
    assert "enumerate" in info.value.what
    assert info.value.lineno == marker_line("enumerate-unpacked")


# sum() over a generator or list comprehension on a range ----------------------------------


def power_series(x, n):
    return sum(x ** k / (k + 1) for k in range(n))


def filtered_sum_with_start(x, n):
    i = 100.0  # the generator's own i must not touch this one
    s = sum([math.sin(i * x) for i in range(n) if i % 2 == 0], 1.0)
    return s + i


@pytest.mark.parametrize("n", [0, 1, 2, 7])
@pytest.mark.parametrize("f", [power_series, filtered_sum_with_start])
def test_sum_over_a_generator_on_a_range(f: Callable[..., float], n: int) -> None:
    x = 0.7
    assert value_and_grad(f)(x, n)[0] == f(x, n)
    fd = finite_diff(f, (x, n), [0])[0]
    assert math.isclose(grad(f)(x, n), fd, rel_tol=1e-6, abs_tol=1e-8)
    assert math.isclose(jvp(f, (x, n), (1.0, 0))[1], fd, rel_tol=1e-6, abs_tol=1e-8)


def test_sum_is_a_loop_not_a_list() -> None:
    text = symdiff.source(power_series)
    # (The forward loop runs only to find the first error when the backward loop raises.)
    assert "for k in reversed(range(n)):" in text and " in range(n):" in text
    assert "[" not in text.split('"""')[-1]  # no list is built


# while True: the body runs at least once, and the code after the loop runs only after
# a break, so a name every path through the body assigns has a value after the loop.


def newton_new_value(a):
    x = a
    while True:
        x_new = 0.5 * (x + a / x)
        if abs(x_new - x) < 1e-12 * a:
            break
        x = x_new
    return x_new


def assigned_in_both_arms(x):
    while True:
        if x > 1.0:
            last = x * x
            break
        else:
            last = math.sin(x)
        x = x + last
    return last * x


def break_or_return(x):
    while True:
        y = x * x
        if y > 50.0:
            return y + x
        if y > 10.0:
            break
        x = x + y
    return y * x


def array_made_in_the_body(x, s):
    while True:
        y = x * s
        if np.sum(y) > 10.0:
            break
        s = s * 2.0
    return np.sum(y * y)


def assigned_after_the_break(x):
    while True:
        if x < 1.0:
            break
        x = x / 2.0
        t = x
    return t + x  # E:after-break


def read_before_assigned(x):
    while True:
        x = x + 1.0
        if x > 4.0:
            u = x * 2.0
            break
        x = x + u  # E:before-assigned
    return u


def test_while_true_names_assigned_before_the_break_have_a_value_after_it() -> None:
    for a in (0.5, 2.0, 30.0):
        assert derivatives(newton_new_value, (a,)) == pytest.approx(
            [0.5 / math.sqrt(a)], rel=1e-9)
    check(assigned_in_both_arms, [(0.3,), (2.0,)])
    check(break_or_return, [(0.5,), (2.0,), (4.0,), (8.0,)])
    for s in (0.5, 3.0, 20.0):
        check_grads(array_made_in_the_body, (np.array([0.5, 1.0, 1.5]), s))


@pytest.mark.parametrize(("f", "tag", "words"), [
    (assigned_after_the_break, "after-break", "variable 't' may be unbound"),
    (read_before_assigned, "before-assigned", "'u' is used before it is assigned"),
])
def test_while_true_names_not_assigned_on_every_path_are_still_errors(
        f: Callable[..., float], tag: str, words: str) -> None:
    for run in all_transforms(f, (3.0,)):
        with pytest.raises(UnsupportedSyntaxError) as info:
            run()
        assert info.value.lineno == marker_line(tag), str(info.value)
        assert words in str(info.value)
