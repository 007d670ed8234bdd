"""Conditionals end to end: if/elif/else, ``x if c else y``, comparisons, and/or/not,
early return.

Every test runs the public transforms (`grad`, `value_and_grad`, `jvp`, `vjp`) on a small
function at points that take each side of every branch it has (the test asserts that
its points cover every branch), and compares values exactly with the function itself
and derivatives with central finite differences. At a branch boundary the derivative
must be that of the branch Python takes there. Errors are checked for their message
and location; lines are found by ``# E:<tag>`` markers, as in test_errors.py.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad, jvp, value_and_grad, vjp
from symdiff.frontend.lower import lower
from symdiff.ir.node import topological
from symdiff.ir.regions import all_nodes, branches
from symdiff.testing import check_grads, check_sympy

from . import support
from .support import all_transforms, close, derivatives, finite_diff, unit

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()


def marker_line(tag: str) -> int:
    return support.marker_line(LINES, tag)


THIS_MODULE = sys.modules[__name__]

GAIN = 2.0  # read inside branches; the tests change it between calls
LIMIT = 1.0


pytestmark = pytest.mark.usefixtures("no_disk_cache")


# Helpers ------------------------------------------------------------------------------------


def check(
    f: Callable[..., Any],
    points: Sequence[Sequence[float]],
    branch: Callable[..., Any] | None = None,
    branches: int | None = None,
    reference: Callable[..., Callable[..., float]] | None = None,
) -> None:
    """Values and derivatives of `f` at every point, against finite differences.

    `branch(*point)` names the branch Python takes; the points must reach `branches`
    different ones. `reference(*point)` is the function whose finite differences the
    derivative must match there (by default `f`; at a boundary, the taken branch).
    """
    if branch is not None:
        taken = {branch(*p) for p in points}
        assert len(taken) == branches, f"points reach branches {sorted(map(str, taken))}"
    for point in points:
        g = derivatives(f, point)
        ref = f if reference is None else reference(*point)
        want = finite_diff(ref, point)
        assert close(g, want), (f.__name__, point, g, want)


def check_tuple(f: Callable[..., tuple[float, ...]], point: Sequence[float]) -> None:
    """A tuple-valued `f`: the Jacobian by jvp columns and vjp rows against differences."""
    n = len(point)
    value = f(*point)
    m = len(value)
    # rows[k][j] = d out_k / d x_j
    rows = [finite_diff(lambda *a, k=k: f(*a)[k], point) for k in range(m)]
    for j in range(n):
        primal, tangent = jvp(f, point, unit(j, n))
        assert primal == value
        assert close(tangent, [rows[k][j] for k in range(m)]), (point, j, tangent)
    out, vjp_fn = vjp(f, *point)
    assert out == value
    for k in range(m):
        row = vjp_fn(unit(k, m))
        assert close(row, rows[k]), (point, k, row)


# if / else ----------------------------------------------------------------------------------


def if_else(x, y):
    if x > y:
        z = x * y
        w = math.sin(x)
    else:
        z = x - math.cos(y)
        w = y * y
    return z * w + x


def test_if_else():
    check(if_else, [(2.0, 1.0), (1.0, 2.0), (-0.5, -1.5), (-3.0, 0.25)],
          branch=lambda x, y: x > y, branches=2)


def if_without_else(x):
    y = x * 2.0
    if x > 1.0:
        y = y * x
    return y + math.exp(x)


def test_if_without_else_keeps_the_earlier_value():
    check(if_without_else, [(0.5,), (2.0,), (-3.0,)], branch=lambda x: x > 1.0, branches=2)


def augmented_in_branch(x, y):
    z = x
    if x > y:
        z += y
        z *= x
    else:
        pass
    return z


def tuple_assign_in_branch(x, y):
    u, v = x, y
    if x > 0:
        u, v = v * 2.0, u * 3.0
    return u * v + u


def test_augmented_and_tuple_assignments_in_branches():
    check(augmented_in_branch, [(2.0, 1.0), (1.0, 2.0)], branch=lambda x, y: x > y, branches=2)
    check(tuple_assign_in_branch, [(1.5, 2.0), (-1.5, 2.0)],
          branch=lambda x, y: x > 0, branches=2)


def branch_reassigns_param(x):
    if x > 1.0:
        x = x * x
    return x * 3.0


def test_branch_rebinding_a_parameter():
    check(branch_reassigns_param, [(0.5,), (2.0,)], branch=lambda x: x > 1.0, branches=2)


# elif chains ---------------------------------------------------------------------------------


def elif_chain(x):
    if x < -1.0:
        y = -x
    elif x < 0.0:
        y = x * x
    elif x < 1.0:
        y = math.sin(x)
    else:
        y = x**3
    return y * 2.0


def elif_without_else(x, y):
    z = x + y
    if x > 2.0:
        z = x * y
    elif x > 1.0:
        z = x - y
    elif y > 0.0:
        z = y * y
    return z * x


def elif_arm(x: float) -> int:
    return 0 if x < -1.0 else 1 if x < 0.0 else 2 if x < 1.0 else 3


def test_elif_chain_of_four_arms():
    check(elif_chain, [(-2.0,), (-0.5,), (0.5,), (2.0,)], branch=elif_arm, branches=4)


def test_elif_chain_without_else():
    check(elif_without_else, [(3.0, 1.0), (1.5, 1.0), (0.5, 1.0), (0.5, -1.0)],
          branch=lambda x, y: 0 if x > 2 else 1 if x > 1 else 2 if y > 0 else 3, branches=4)


# Nested ifs ----------------------------------------------------------------------------------


def nested_ifs(x, y):
    u, v = x, y
    if x > 0.0:
        if y > 0.0:
            u = x * y
            v = x + y
        else:
            v = x - y
        t = u * v
    else:
        if y > x:
            u = math.exp(y)
        t = x
    return u * v + t


def test_nested_ifs():
    check(nested_ifs, [(1.0, 1.5), (1.0, -1.5), (-1.0, 1.5), (-1.0, -1.5)],
          branch=lambda x, y: (x > 0, y > 0 if x > 0 else y > x), branches=4)


# Conditional expressions ---------------------------------------------------------------------


def ifexp(x):
    return x * x if x > 1.0 else math.sin(x)


def ifexp_nested(x, y):
    return x * y if x > y else (x - y if x < 0.0 else y * y)


def ifexp_in_arithmetic(x, y):
    return 2.0 * (x if x > y else y) + (y * y if y < 0.0 else math.exp(y)) * x


def ifexp_constant_arms(x):
    return (1.0 if x > 0.0 else 2.0) * x


def test_conditional_expression():
    check(ifexp, [(2.0,), (0.5,)], branch=lambda x: x > 1.0, branches=2)


def test_nested_conditional_expression():
    check(ifexp_nested, [(2.0, 1.0), (-2.0, 1.0), (0.5, 1.0)],
          branch=lambda x, y: 0 if x > y else 1 if x < 0 else 2, branches=3)


def test_conditional_expression_inside_arithmetic():
    check(ifexp_in_arithmetic, [(1.0, -1.0), (-1.0, 1.0), (2.0, 0.5), (-2.0, -1.0)],
          branch=lambda x, y: (x > y, y < 0), branches=4)


def test_conditional_expression_with_constant_arms():
    check(ifexp_constant_arms, [(1.5,), (-1.5,)], branch=lambda x: x > 0, branches=2)


# Comparisons ----------------------------------------------------------------------------------


def cmp_lt(x, y):
    return x * x if x < y else x * y + y


def cmp_le(x, y):
    return x * x if x <= y else x * y + y


def cmp_gt(x, y):
    return x * x if x > y else x * y + y


def cmp_ge(x, y):
    return x * x if x >= y else x * y + y


def cmp_eq(x, y):
    return x * x if x == y else x * y + y


def cmp_ne(x, y):
    return x * x if x != y else x * y + y


def then_arm(x, y):
    return x * x


def else_arm(x, y):
    return x * y + y


@pytest.mark.parametrize(
    ("fn", "python"),
    [
        (cmp_lt, lambda x, y: x < y),
        (cmp_le, lambda x, y: x <= y),
        (cmp_gt, lambda x, y: x > y),
        (cmp_ge, lambda x, y: x >= y),
        (cmp_eq, lambda x, y: x == y),
        (cmp_ne, lambda x, y: x != y),
    ],
)
def test_comparison_operators(fn, python):
    # Below, equal to and above y: == and != change branch only at equality, where the
    # derivative is the taken arm's.
    points = [(0.5, 1.5), (1.5, 1.5), (2.5, 1.5)]
    check(fn, points, branch=python, branches=2,
          reference=lambda x, y: then_arm if python(x, y) else else_arm)


def chained_unit(x):
    if 0.0 < x < 1.0:
        return x * x
    return x * 3.0


def chained_four(a, b, c, d):
    if a < b <= c < d:
        return a * b * c * d
    return a + b * c - d


def chain_arm(a: float, b: float, c: float, d: float) -> str:
    return "all" if a < b <= c < d else "a<b" if not a < b else "b<=c" if not b <= c else "c<d"


def test_chained_comparison():
    check(chained_unit, [(-0.5,), (0.5,), (1.5,)],
          branch=lambda x: "low" if x <= 0 else "in" if x < 1 else "high", branches=3)


def test_chained_comparison_of_four():
    points = [(1.0, 2.0, 2.5, 3.0), (3.0, 2.0, 2.5, 3.0), (1.0, 2.0, 1.5, 3.0),
              (1.0, 2.0, 2.5, 2.0)]
    check(chained_four, points, branch=chain_arm, branches=4)


def test_chained_comparison_with_equal_middle():
    # b <= c with b == c: the link holds, the product arm is taken.
    point = (1.0, 2.0, 2.0, 3.0)
    assert derivatives(chained_four, point) == [12.0, 6.0, 6.0, 4.0]


# and / or / not ------------------------------------------------------------------------------


def cond_and(x, y):
    if x > 0.0 and y > 0.0:
        return x * y
    return x + y


def cond_or(x, y):
    if x > 1.0 or y < -1.0:
        return x * y * y
    return x - y


def cond_and_or(x, y):
    if (x > 0.0 and y > 0.0) or x < -2.0:
        return math.sin(x) * y
    return x * x - y


def and_value(x):
    return (x - 1.0) and x * 5.0


def or_value(x):
    return (x - 1.0) or x * 5.0


def test_and_in_condition():
    check(cond_and, [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)],
          branch=lambda x, y: x > 0 and y > 0, branches=2)


def test_or_in_condition():
    check(cond_or, [(2.0, 0.0), (0.0, -2.0), (0.0, 0.0), (2.0, -2.0)],
          branch=lambda x, y: x > 1 or y < -1, branches=2)


def test_and_or_combined_in_condition():
    check(cond_and_or, [(1.0, 1.0), (-3.0, 1.0), (1.0, -1.0), (-1.0, 1.0)],
          branch=lambda x, y: (x > 0 and y > 0) or x < -2, branches=2)


def test_and_or_give_the_value_of_an_operand():
    # Python's value: 0.0 (falsy) or x * 5 and the derivative of whichever it is.
    assert derivatives(and_value, (1.0,)) == [1.0]
    assert derivatives(and_value, (3.0,)) == [5.0]
    assert derivatives(or_value, (1.0,)) == [5.0]
    assert derivatives(or_value, (3.0,)) == [1.0]
    check(and_value, [(3.0,), (-2.0,)])
    check(or_value, [(3.0,), (-2.0,)])


def not_condition(x):
    if not x > 0.0:
        return -x * 2.0
    return x * x


def not_in_expression(x, y):
    return x * y if not (x > y or y < 0.0) else x + y


@pytest.mark.parametrize(
    ("fn", "points", "python"),
    [
        (not_condition, [(1.0,), (-1.0,)], lambda x: not x > 0.0),
        (not_in_expression, [(0.5, 1.0), (2.0, 1.0), (0.5, -1.0)],
         lambda x, y: not (x > y or y < 0.0)),
    ],
)
def test_not(fn, points, python):
    check(fn, points, branch=python, branches=2)


# Short circuit: the right side is evaluated only when Python evaluates it ----------------------


def and_guards_log(x):
    if x > 0.0 and math.log(x) > 1.0:
        return x * x
    return x * 3.0


def or_guards_sqrt(x):
    if x <= 0.0 or math.sqrt(x) < 2.0:
        return x * x
    return math.sqrt(x)


def chain_guards_log(x):
    if 0.0 < x < math.log(x) + 5.0:
        return x * 2.0
    return -x


def test_and_does_not_evaluate_its_right_side():
    for thunk in all_transforms(and_guards_log, (-1.0,)):
        thunk()  # math.log(-1.0) would raise ValueError
    check(and_guards_log, [(-1.0,), (1.5,), (5.0,)],
          branch=lambda x: "short" if x <= 0 else x > math.e, branches=3)


def test_or_does_not_evaluate_its_right_side():
    for thunk in all_transforms(or_guards_sqrt, (-4.0,)):
        thunk()  # math.sqrt(-4.0) would raise ValueError
    check(or_guards_sqrt, [(-4.0,), (1.0,), (9.0,)],
          branch=lambda x: "short" if x <= 0 else math.sqrt(x) < 2, branches=3)


def test_chained_comparison_short_circuits():
    for thunk in all_transforms(chain_guards_log, (-1.0,)):
        thunk()
    check(chain_guards_log, [(-1.0,), (0.5,), (10.0,)],
          branch=lambda x: "short" if x <= 0 else x < math.log(x) + 5, branches=3)


# Only the taken branch runs --------------------------------------------------------------------


def guarded_log(x):
    if x > 0.0:
        y = math.log(x)
    else:
        y = -x
    return y * 2.0


def guarded_division(x, y):
    return x / y if y != 0.0 else x * 10.0


def guarded_ifexp(x):
    return math.sqrt(x) * math.log(x) if x > 0.0 else x


@pytest.mark.parametrize(
    ("fn", "bad", "good", "untaken_arm"),
    [
        (guarded_log, [(-1.0,), (0.0,), (-50.0,)], (2.0,), lambda x: -x * 2.0),
        (guarded_division, [(3.0, 0.0)], (3.0, 2.0), lambda x, y: x * 10.0),
        (guarded_ifexp, [(0.0,), (-2.0,)], (2.0,), lambda x: x),
    ],
)
def test_only_the_taken_branch_runs(fn, bad, good, untaken_arm):
    for point in bad:
        fn(*point)
        for thunk in all_transforms(fn, point):
            thunk()  # the other arm would raise (log, sqrt of <= 0; division by zero)
        check(fn, [point], reference=lambda *p: untaken_arm)
    check(fn, [good])


# Early return -----------------------------------------------------------------------------


def guard_clause(x):
    if x < 0.0:
        return -x
    y = x * x
    z = math.sin(y)
    return y + z


def returns_in_both_arms(x, y):
    if x > y:
        return x * math.exp(y)
    else:
        return y - x * x


def nested_returns(x, y):
    if x > 0.0:
        if y > 0.0:
            return x * y
        x = x + 1.0
    elif y > 2.0:
        return y * y
    return x - y


def return_in_some_elif_arms(x):
    if x < -1.0:
        return -x
    elif x < 0.0:
        y = x * x
    elif x < 1.0:
        return x**3
    else:
        y = x
    return y + 1.0


def returns_tuples(x, y):
    if x > y:
        return x * y, math.sin(x)
    if y > 2.0:
        return y, x + y
    return x - y, (x * x)


def returns_nested_tuples(x, y):
    if x > 0.0:
        return (x, (x * y, y)), x
    return (y, (x, x + y)), y * y


def test_guard_clause():
    check(guard_clause, [(-2.0,), (0.5,), (2.0,)], branch=lambda x: x < 0, branches=2)


def test_returns_in_both_arms():
    check(returns_in_both_arms, [(2.0, 1.0), (1.0, 2.0)], branch=lambda x, y: x > y,
          branches=2)


def test_nested_ifs_with_returns():
    check(nested_returns, [(1.0, 1.0), (1.0, -1.0), (-1.0, 3.0), (-1.0, 1.0)],
          branch=lambda x, y: (x > 0, y > 0) if x > 0 else y > 2, branches=4)


def test_return_in_some_elif_arms():
    check(return_in_some_elif_arms, [(-2.0,), (-0.5,), (0.5,), (2.0,)], branch=elif_arm,
          branches=4)


def test_returns_of_tuples_through_jvp_and_vjp():
    points = [(2.0, 1.0), (1.0, 3.0), (1.0, 1.5)]
    assert {0 if x > y else 1 if y > 2 else 2 for x, y in points} == {0, 1, 2}
    for point in points:
        check_tuple(returns_tuples, point)


def test_returns_of_nested_tuples():
    def flat(x, y):
        (a, (b, c)), d = returns_nested_tuples(x, y)
        return a, b, c, d

    for point in [(1.0, 2.0), (-1.0, 2.0)]:
        out, tangent = jvp(returns_nested_tuples, point, (1.0, 0.0))
        assert out == returns_nested_tuples(*point)
        (a, (b, c)), d = tangent
        want = [finite_diff(lambda x, y, k=k: flat(x, y)[k], point)[0] for k in range(4)]
        assert close([a, b, c, d], want)
        _, vjp_fn = vjp(returns_nested_tuples, *point)
        got = vjp_fn(((1.0, (1.0, 1.0)), 1.0))  # the gradient of the outputs' sum
        assert close(got, finite_diff(lambda x, y: sum(flat(x, y)), point))


# Errors -----------------------------------------------------------------------------------


def unbound_in_return(x):
    if x > 0.0:  # E:unbound-if
        y = x * 2.0
    return y  # E:unbound-read


def unbound_in_expression(x):
    if x > 0.0:  # E:unbound-else-if
        pass
    else:  # else: the if statement is still the one reported
        w = x
    z = x + 1.0
    return z * w  # E:unbound-expr


def falls_off_the_end(x):
    if x > 0.0:  # E:falls-through
        return x


def elif_falls_off_the_end(x):
    if x > 1.0:
        return x
    elif x > 0.0:  # E:elif-falls-through
        return x * x


def different_tuple_shapes(x):
    if x > 0.0:  # E:shapes
        return x, x
    return x


def different_tuple_lengths(x, y):
    if x > y:  # E:lengths
        return x, y, x
    else:
        return x, y


def check_error(fn, tag: str, *words: str) -> UnsupportedSyntaxError:
    lineno = marker_line(tag)
    for thunk in all_transforms(fn, (1.0,) * fn.__code__.co_argcount):
        with pytest.raises(UnsupportedSyntaxError) as info:
            thunk()
        err = info.value
        message = str(err)
        assert err.lineno == lineno, message
        assert Path(err.filename).resolve() == THIS_FILE
        assert f"line {lineno}" in message
        for word in words:
            assert word in message, f"{word!r} not in {message!r}"
    return err


def test_variable_assigned_in_one_branch_is_maybe_unbound():
    err = check_error(unbound_in_return, "unbound-read", "may be unbound", "'y'",
                      f"line {marker_line('unbound-if')}")
    assert err.col == LINES[err.lineno - 1].index("y")


def test_variable_assigned_only_in_else_is_maybe_unbound():
    check_error(unbound_in_expression, "unbound-expr", "may be unbound", "'w'",
                f"line {marker_line('unbound-else-if')}")


def test_path_falling_off_the_end_is_an_error():
    check_error(falls_off_the_end, "falls-through", "fall through")


def test_elif_falling_off_the_end_is_located_at_the_elif():
    check_error(elif_falls_off_the_end, "elif-falls-through", "fall through")


def test_branches_returning_different_shapes_is_an_error():
    check_error(different_tuple_shapes, "shapes", "a tuple of 2", "a number")
    check_error(different_tuple_lengths, "lengths", "a tuple of 3", "a tuple of 2")


# Constant predicates ----------------------------------------------------------------------


def constant_true(x):
    if 1 > 0:
        return x * x
    return open(x)  # never lowered: an unsupported call


def constant_false(x):
    y = x
    if 2 < 1:
        y = math.log(-1.0) + undefined_name  # noqa: F821 - never lowered
    else:
        y = y * 3.0
    return y


def constant_chain(x):
    if 0 < 1 < 2 and not_a_number_or_zero():
        return x
    return math.exp(x) if 0 else x * 4.0


def not_a_number_or_zero():
    return 0


def constant_ifexp(x):
    return x * 2.0 if 3 >= 3 else undefined_name  # noqa: F821 - never lowered


@pytest.mark.parametrize("fn", [constant_true, constant_false, constant_ifexp])
def test_constant_predicate_lowers_only_the_taken_branch(fn):
    program = lower(fn)
    assert not any(n.op in ("cond", "proj") for n in topological(program.outputs))
    for mode in ("reverse", "forward"):
        text = symdiff.source(fn, mode=mode)
        assert "if " not in text.split('"""', 4)[-1], text
    check(fn, [(1.5,), (-2.0,)])


# Globals and closures read inside branches ------------------------------------------------


def reads_global_in_branch(x):
    if x > LIMIT:
        return GAIN * x * x
    return x - GAIN


def assigns_global_in_branch(x):
    if x > 0.0:
        y = GAIN
    else:
        y = x
    return y * x


def make_closure() -> tuple[Callable[[float], float], Callable[[float], None]]:
    k = 2.0

    def f(x):
        if x > k:
            return x * k
        return x - k * k

    def set_k(value: float) -> None:
        nonlocal k
        k = value

    return f, set_k


def test_globals_in_branches_are_read_at_call_time(monkeypatch: pytest.MonkeyPatch):
    assert derivatives(reads_global_in_branch, (2.0,)) == [8.0]
    monkeypatch.setattr(THIS_MODULE, "GAIN", 5.0)
    assert derivatives(reads_global_in_branch, (2.0,)) == [20.0]
    assert derivatives(reads_global_in_branch, (0.5,)) == [1.0]
    monkeypatch.setattr(THIS_MODULE, "LIMIT", 3.0)  # the predicate reads it too
    assert derivatives(reads_global_in_branch, (2.0,)) == [1.0]
    assert value_and_grad(reads_global_in_branch)(2.0) == (-3.0, 1.0)


def test_global_assigned_in_a_branch_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch):
    assert derivatives(assigns_global_in_branch, (3.0,)) == [2.0]
    monkeypatch.setattr(THIS_MODULE, "GAIN", 5.0)
    assert derivatives(assigns_global_in_branch, (3.0,)) == [5.0]
    assert derivatives(assigns_global_in_branch, (-3.0,)) == [-6.0]


def test_closures_in_branches_are_read_at_call_time():
    f, set_k = make_closure()
    assert derivatives(f, (3.0,)) == [2.0]
    set_k(5.0)
    assert derivatives(f, (3.0,)) == [1.0]
    assert f(3.0) == jvp(f, (3.0,), (1.0,))[0] == -22.0
    set_k(1.0)
    assert derivatives(f, (3.0,)) == [1.0]
    assert vjp(f, 3.0)[0] == 3.0


# Errors and special values inside the taken branch ----------------------------------------


def log_when_negative(x):
    if x < 0.0:
        return math.log(x)
    return x


def sqrt_in_nested_branch(x, y):
    if x > 0.0:
        if y > 0.0:
            return math.sqrt(x - y)
        return x
    return y


@pytest.mark.parametrize(
    ("fn", "point"), [(log_when_negative, (-1.0,)), (sqrt_in_nested_branch, (1.0, 2.0))])
def test_domain_error_in_the_taken_branch_raises_like_python(fn, point):
    with pytest.raises(ValueError, match="math domain error"):
        fn(*point)
    for thunk in all_transforms(fn, point):
        with pytest.raises(ValueError, match="math domain error"):
            thunk()


def log_then_divide(x, y):
    if x < 1.0:
        a = math.log(y)
        b = 1.0 / x
        return a + b
    return x


def divide_then_log(x, y):
    if x < 1.0:
        b = 1.0 / x
        a = math.log(y)
        return a + b
    return x


@pytest.mark.parametrize(
    ("fn", "error"), [(log_then_divide, ValueError), (divide_then_log, ZeroDivisionError)])
def test_the_first_failing_operation_of_the_branch_raises(fn, error):
    # At x = 0, y = -1 both operations of the branch would fail: Python's order decides.
    with pytest.raises(error):
        fn(0.0, -1.0)
    for thunk in all_transforms(fn, (0.0, -1.0)):
        with pytest.raises(error):
            thunk()


def nan_in_branch(x):
    if x > 0.0:
        big = x * math.inf
        return big - big + x
    return x * 3.0


def test_nan_propagates_through_a_branch():
    g = derivatives(nan_in_branch, (2.0,))
    assert math.isnan(nan_in_branch(2.0)) and math.isnan(g[0])
    assert derivatives(nan_in_branch, (-2.0,)) == [3.0]


def test_nan_input_takes_the_branch_python_takes():
    # nan > 0.0 is False: the else arm, whose derivative is 3.0 whatever x is.
    value, g = value_and_grad(nan_in_branch)(math.nan)
    assert math.isnan(value) and g == 3.0
    assert derivatives(nan_in_branch, (math.nan,)) == [3.0]
    # and nan in the arm itself propagates
    assert all(math.isnan(v) for v in jvp(guard_clause, (math.nan,), (1.0,)))


def constant_factors_after_a_region(x):
    if x > 0.0:
        y = math.log(x)
    else:
        y = x
    return 1.5 * (1.5 * y)


def test_jvp_value_after_a_region_is_computed_as_written():
    x = 199 / 37
    assert jvp(constant_factors_after_a_region, (x,), (1.0,))[0] == (
        constant_factors_after_a_region(x))


def test_other_values_after_a_region_are_computed_as_written():
    x = 199 / 37
    value = constant_factors_after_a_region(x)
    assert value_and_grad(constant_factors_after_a_region)(x)[0] == value
    assert vjp(constant_factors_after_a_region, x)[0] == value


# The derivative at a branch boundary -------------------------------------------------------


def abs_like(x):
    return x if x > 0.0 else -x


def kink_ge(x):
    if x >= 1.0:
        return 3.0 * x
    return x * x


def kink_guard(x):
    if x < 0.0:
        return -2.0 * x
    return math.sin(x)


@pytest.mark.parametrize(
    ("fn", "point", "expected"),
    [
        (abs_like, 0.0, -1.0),  # 0 > 0 is False: the else arm
        (abs_like, -0.0, -1.0),
        (kink_ge, 1.0, 3.0),  # 1 >= 1: the then arm
        (kink_guard, 0.0, 1.0),  # 0 < 0 is False: sin'(0)
        (elif_chain, -1.0, -4.0),  # -1 < -1 is False: the x * x arm, 2 * 2x
        (elif_chain, 0.0, 2.0),  # the sin arm: 2 cos(0)
        (elif_chain, 1.0, 6.0),  # the x**3 arm: 2 * 3x^2
    ],
)
def test_derivative_at_a_boundary_is_the_taken_branch(fn, point, expected):
    assert derivatives(fn, (point,)) == [expected]


# Higher level: symdiff.testing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "points"),
    [
        (if_else, [(2.0, 1.0), (1.0, 2.0)]),
        (elif_chain, [(-2.0,), (-0.5,), (0.5,), (2.0,)]),
        (nested_returns, [(1.0, 1.0), (1.0, -1.0), (-1.0, 3.0), (-1.0, 1.0)]),
        (ifexp_in_arithmetic, [(1.0, -1.0), (-1.0, 1.0)]),
        (returns_tuples, [(2.0, 1.0), (1.0, 3.0), (1.0, 1.5)]),
        (or_guards_sqrt, [(-4.0,), (1.0,), (9.0,)]),
    ],
)
def test_check_grads_on_branching_functions(fn, points):
    for point in points:
        check_grads(fn, point)


@pytest.mark.parametrize(
    ("fn", "points"),
    [
        (if_else, [(2.0, 1.0), (1.0, 2.0)]),
        (elif_chain, [(-2.0,), (-0.5,), (0.5,), (2.0,)]),
        (nested_ifs, [(1.0, 1.5), (1.0, -1.5), (-1.0, 1.5), (-1.0, -1.5)]),
        (guard_clause, [(-2.0,), (2.0,)]),
        (cond_and, [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0)]),
        (cond_or, [(2.0, 0.0), (0.0, -2.0), (0.0, 0.0)]),
        (chained_four, [(1.0, 2.0, 2.5, 3.0), (1.0, 2.0, 1.5, 3.0)]),
        (and_guards_log, [(1.5,), (5.0,)]),
    ],
)
def test_check_sympy_on_branching_functions(fn, points):
    for point in points:
        check_sympy(fn, point)


def test_check_sympy_with_or_of_and_in_a_condition():
    check_sympy(cond_and_or, (-3.0, 1.0))


def test_check_sympy_with_a_global_read_in_a_branch():
    check_sympy(reads_global_in_branch, (2.0,))


def test_check_sympy_where_the_untaken_side_is_complex():
    check_sympy(and_guards_log, (-1.0,))


# Size: long chains and many guarded returns ---------------------------------------------------


def _load(source: str, name: str) -> Callable[..., float]:
    """The function `f` of generated source."""
    return support.namespace_of(source, f"test_control-{name}")["f"]


def elif_ladder(n: int) -> Callable[..., float]:
    arms = "".join(
        f"    {'if' if i == 0 else 'elif'} x < {i}.5:\n        return x * {i + 1}.0\n"
        for i in range(n))
    return _load(f"def f(x):\n{arms}    return -x\n", f"ladder-{n}")


def test_elif_ladder_of_a_hundred_arms():
    f = elif_ladder(100)
    check(f, [(-1.0,), (3.0,), (50.0,), (200.0,)],
          branch=lambda x: min(max(math.ceil(x - 0.5), 0), 100), branches=4)


def test_elif_ladder_of_three_hundred_arms():
    f = elif_ladder(300)
    assert grad(f)(150.0) == 151.0  # the arm x < 150.5 returns x * 151.0
    assert jvp(f, (150.0,), (1.0,)) == (f(150.0), 151.0)


def elif_assignments(n: int) -> Callable[..., float]:
    """An if/elif/else chain of `n` arms assigning y, as compile_scaling builds it."""
    arms = "".join(f"    elif x < {k}.0:\n        y = x * {k + 1}.0 + math.sin(x)\n"
                   for k in range(1, n))
    return _load(f"def f(x):\n    if x < 0.0:\n        y = math.sin(x)\n{arms}"
                 "    else:\n        y = x * x\n    return y\n", f"elif-{n}")


def test_an_elif_chain_of_eight_hundred_arms_is_one_region(monkeypatch):
    def refuse(limit: int) -> None:
        raise AssertionError("the recursion limit must be left alone")

    monkeypatch.setattr(sys, "setrecursionlimit", refuse)
    f = elif_assignments(800)
    (region,) = [n for n in all_nodes(lower(f)) if n.op == "cond"]
    assert len(branches(region)) == 801
    for x in (-0.5, 0.5, 399.5, 799.5, 900.0):
        want = math.cos(x) if x < 0 else 2 * x if x >= 799 else math.ceil(x) + 1 + math.cos(x)
        assert grad(f)(x) == pytest.approx(want, rel=1e-12)
        assert jvp(f, (x,), (1.0,)) == (f(x), grad(f)(x))
    assert vjp(f, 399.5)[1](1.0) == (grad(f)(399.5),)


def test_an_elif_chain_deeper_than_a_tree_python_compiles_is_linked():
    # 1,500 arms: CPython compiles the text (up to about 3,000) but not the same syntax
    # tree (about 1,000): the derivative's chain is linked as a match statement.
    f = elif_assignments(1500)
    assert grad(f)(1234.5) == 1236.0 + math.cos(1234.5)
    assert grad(f)(-1.0) == math.cos(-1.0)


def and_chain(n: int) -> Callable[..., float]:
    """``log(x + 1) and log(x + 2) and ...``: every operand can raise."""
    operands = " and ".join(f"math.log(x + {k}.0)" for k in range(1, n + 1))
    return _load(f"def f(x):\n    y = x * 2.0\n    return {operands}\n", f"and-{n}")


def test_an_and_chain_nesting_deeper_than_python_allows_is_a_located_error():
    f = and_chain(90)  # each operand after the first only runs when the one before holds
    assert grad(f)(0.5) == 1.0 / 90.5
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(and_chain(120))(0.5)
    error = info.value
    assert error.lineno == 3 and "return math.log(x + 1.0) and" in error.source_line
    assert "more than 98 deep" in str(error)


def test_a_chain_of_guard_clauses_is_one_region():
    lines = [f"    if x < {k}.0:\n        return x * {k}.0\n" for k in range(200)]
    f = _load("def f(x):\n" + "".join(lines) + "    return -x\n", "guard-clauses")
    (region,) = [n for n in all_nodes(lower(f)) if n.op == "cond"]
    assert len(branches(region)) == 201
    assert [grad(f)(x) for x in (-1.0, 0.5, 150.5, 300.0)] == [0.0, 1.0, 151.0, -1.0]
    text = symdiff.source(f, mode="forward")
    assert text.count("elif ") == 199 and "    else:\n        return (-x, -x_dot)" in text


def test_a_chain_of_conditional_expressions_is_one_region():
    arms = " else ".join(f"x * {k}.0 if x < {k}.0" for k in range(300))
    f = _load(f"def f(x):\n    return {arms} else -x\n", "ifexp-chain")
    (region,) = [n for n in all_nodes(lower(f)) if n.op == "cond"]
    assert len(branches(region)) == 301
    assert [grad(f)(x) for x in (-1.0, 0.5, 150.5, 300.0)] == [0.0, 1.0, 151.0, -1.0]


def guarded_returns(n: int) -> Callable[..., float]:
    """n blocks `if x > a: if x < b: return ...` each followed by more code: every if
    can fall through on two paths."""
    body = "".join(
        f"    if x > {i}.25:\n        if x < {i}.75:\n            return y * {i}.5\n"
        f"    y = y * 1.5 + x\n"
        for i in range(n))
    return _load(f"def f(x):\n    y = x\n{body}    return y\n", f"guards-{n}")


def test_guarded_returns_are_differentiated_correctly():
    f = guarded_returns(4)
    check(f, [(-1.0,), (0.5,), (1.0,), (1.5,), (2.5,), (3.5,), (9.0,)],
          branch=lambda x: next((i for i in range(4) if i + 0.25 < x < i + 0.75), -1),
          branches=5)


def test_guarded_returns_generate_code_linear_in_their_number():
    text = symdiff.source(guarded_returns(8))
    assert len(text.splitlines()) < 600
