"""`ir.evaluate`: the reference interpreter every transform is tested against.

Contract tested here: a program's result structure comes back with each node computed
by its primitive's Python implementation (numbers, and NumPy arrays for the operations
whose implementation is an operator); of a ``cond`` only the branch the predicate
selects runs; ``range`` and ``while`` loops (with ``break``, counting down, and the
reverse loops of a gradient) give what Python gives; ``global`` nodes are read from
`env` by dotted path; effects run even when the result does not need them; and
misuse raises: a wrong number of arguments, a parameter of another program, a global
missing from `env`, and the errors of the operations themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symdiff.frontend.lower import lower
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Program
from symdiff.ir.types import of_value
from symdiff.transforms.programs import finish, grad_program

FLOATS = st.floats(-3.0, 3.0, allow_nan=False)


def scalar_program() -> Program:
    """f(x, y) = (sin(x) * y + exp(x - y) / 2, x ** 2): a nested result."""
    b = Builder()
    x, y = b.param("x"), b.param("y")
    first = b.add(b.mul(b.sin(x), y), b.div(b.exp(b.sub(x, y)), 2.0))
    return Program("f", (x, y), (first, (b.pow(x, 2.0),)), b)


@settings(max_examples=100, deadline=None)
@given(FLOATS, FLOATS)
def test_a_scalar_program_gives_what_python_gives(x: float, y: float) -> None:
    first, (second,) = evaluate(scalar_program(), [x, y])
    assert first == math.sin(x) * y + math.exp(x - y) / 2.0
    assert second == x ** 2.0


def test_operator_primitives_evaluate_arrays_with_numpy() -> None:
    u, v = np.array([1.0, -2.0, 0.5]), np.array([[3.0], [4.0]])
    b = Builder()
    x, y = b.param("x", of_value(u)), b.param("y", of_value(v))
    out = b.sub(b.mul(b.add(x, y), x), b.neg(y))  # broadcasts to (2, 3)
    got = evaluate(Program("f", (x, y), out, b), [u, v])
    np.testing.assert_array_equal(got, (u + v) * u + v)
    assert got.shape == (2, 3)


def test_an_array_operation_without_an_implementation_raises() -> None:
    # Operations like ``np.sum`` have no Python implementation: arrays beyond
    # arithmetic are checked through generated code, not through the interpreter.
    b = Builder()
    x = b.param("x", of_value(np.ones(3)))
    program = Program("f", (x,), b.apply("sum", x, attrs=(None, False)), b)
    with pytest.raises(NotImplementedError, match="cannot run 'sum'"):
        evaluate(program, [np.ones(3)])


# Regions ----------------------------------------------------------------------------


def guarded_log(x):
    if x > 0.0:
        y = math.log(x)
    else:
        y = -x
    return y * 2.0


def test_only_the_selected_branch_runs() -> None:
    program = lower(guarded_log)
    assert evaluate(program, [math.e]) == 2.0
    # The other branch would raise (math.log of a negative number): it never runs.
    assert evaluate(program, [-2.0]) == 4.0


def newton_sqrt(a):
    y = a
    while abs(y * y - a) > 1e-12:
        y = 0.5 * (y + a / y)
    return y


def first_over(x, limit):
    total = 0.0
    for i in range(10):
        total = total + x * i
        if total > limit:
            break
    return total


def countdown(x):
    s = 0.0
    for i in range(5, 0, -1):
        s = s * x + i
    return s


@pytest.mark.parametrize(("fun", "args"), [
    (newton_sqrt, (2.0,)), (newton_sqrt, (9.0,)), (first_over, (1.5, 7.0)),
    (first_over, (0.1, 100.0)), (countdown, (0.5,)), (countdown, (-1.25,)),
], ids=["while", "while-exact", "break", "no-break", "countdown", "countdown-negative"])
def test_loops_give_what_python_gives(fun: Callable[..., float], args: tuple[float, ...]
                                      ) -> None:
    assert evaluate(lower(fun), list(args)) == fun(*args)


@pytest.mark.parametrize("x", [0.5, -1.25, 2.0])
def test_the_reverse_loop_of_a_gradient_pops_its_tape(x: float) -> None:
    # countdown is 5x^4 + 4x^3 + 3x^2 + 2x + 1 (Horner's scheme).
    gradient = finish(grad_program(lower(countdown), 0))
    assert evaluate(gradient, [x]) == pytest.approx(20 * x**3 + 12 * x**2 + 6 * x + 2,
                                                    rel=1e-14)


# Globals, effects, errors -----------------------------------------------------------


def test_globals_are_read_from_env_by_dotted_path() -> None:
    b = Builder()
    x = b.param("x")
    out = b.add(b.mul(x, b.global_(("scale",))), b.global_(("config", "offset")))
    program = Program("f", (x,), out, b)
    assert evaluate(program, [2.0], {"scale": 3.0, "config.offset": 0.5}) == 6.5
    with pytest.raises(KeyError, match="config.offset"):
        evaluate(program, [2.0], {"scale": 3.0})


def test_effects_run_even_when_the_result_does_not_need_them() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    program = Program("f", (x, y), b.mul(x, 2.0), b, effects=(b.div(x, y),))
    assert evaluate(program, [1.0, 4.0]) == 2.0
    with pytest.raises(ZeroDivisionError):
        evaluate(program, [1.0, 0.0])


def test_an_operation_raises_as_python_does() -> None:
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.log(x), b)
    assert evaluate(program, [1.0]) == 0.0
    with pytest.raises(ValueError, match="math domain error"):
        evaluate(program, [-1.0])


def test_the_number_of_arguments_is_checked() -> None:
    with pytest.raises(TypeError, match=r"^f takes 2 arguments, got 1$"):
        evaluate(scalar_program(), [1.0])


def test_a_parameter_of_another_program_is_refused() -> None:
    b = Builder()
    x, stray = b.param("x"), b.param("stray")
    program = Program("f", (x,), b.add(x, stray), b)
    with pytest.raises(ValueError, match=r"'stray' is not a parameter of f"):
        evaluate(program, [1.0])
