"""`transforms.prune`: loops and branches keep only the values something reads.

Contract tested here: a carried value that nothing after the loop reads and that only
feeds its own next value (or other such values) is removed, from the user's program and
from its derivatives; one read by a while test, a break, an appended value, a tape or an
operation that can raise stays. Unread lists, tapes and trip counts go, and so does a
region left with nothing to do. Loops nested in loops and branches, and the backward
loops of reverse mode (popping a tape and lists), are pruned too. Every pruned program
computes exactly what the unpruned one does (the same floats, the same exception), its
derivatives agree with finite differences, the forward loop still runs before the
derivative code, and pruning twice changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import symdiff
from symdiff import grad, jvp, value_and_grad, vjp
from symdiff.frontend.lower import lower
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Program, topological
from symdiff.ir.regions import Loop, all_nodes, branches, cond_node, loop_node, proj
from symdiff.runtime.pipeline import Unit, derivative_program, run, transforms
from symdiff.runtime.spec import Spec
from symdiff.testing import check_grads
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program

pytestmark = pytest.mark.usefixtures("no_disk_cache")


# Functions under test ---------------------------------------------------------------------


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def newton_sqrt(x):
    y = x
    err = 1.0  # read by the test only
    total = 0.0  # read by nothing
    while err > 1e-12:
        y_new = 0.5 * (y + x / y)
        err = abs(y_new - y)
        total = total + y_new
        y = y_new
    return y


def halvings(x):
    k = 0  # read by the test only
    s = x
    while k < 6:
        s = s * 0.5 + math.sin(x)
        k = k + 1
    return s


def until_large(x, n):
    s = 0.0  # read by the break only
    t = 1.0
    u = 0.0  # read by nothing
    for i in range(n):
        s = s + x * i
        t = t * x
        u = u + t
        if s > 10.0:
            break
    return t


def nested(x):
    s = 0.0
    u = 0.0  # read by nothing, and its inner loop's value with it
    for _ in range(3):
        a = 0.0
        b = 1.0
        for j in range(4):
            a = a + x * j
            b = b * math.log(x + j)  # can raise: still evaluated
        s = s + a
        u = u + b
    return s


def feeding_each_other(x, n):
    s = 0.0
    a = 1.0
    b = 2.0
    for i in range(n):
        a, b = b + 1.0, a * 2.0
        s = s + x * i
    return s


def dead_but_raises(x, n):
    s = 0.0
    t = 2.0  # read by nothing, but log(t) raises on the third iteration
    for _ in range(n):
        s = s + x
        t = math.log(t)
    return s


def unread_list(x, n):
    ys = []
    s = 0.0
    for i in range(n):
        ys.append(x * i)
        s = s + x
    return s


def read_list(x, n):
    ys = []
    z = 0.0  # read by nothing
    for i in range(n):
        ys.append(x * i)
        z = z + x
    return sum(ys)


def taped_counter(x):
    k = 0.0  # read by the test only: its cotangent is read by nothing
    s = 1.0
    while k < 4:
        s = s * x  # saved on the tape for the backward loop
        k = k + 1.0
    return s


def taped_list(x):
    ys = []
    k = 0.0
    s = 1.0
    while k < 3:
        ys.append(s * x)  # popped from its cotangent list in the backward loop
        s = s * x
        k = k + 1.0
    return sum(ys)


def branchy(x):
    s = 0.0
    t = 0.0  # read by nothing, but 1.0 / x in its branch raises at 0
    for i in range(5):
        if x < i:
            s = s + x
            t = t + 1.0 / x
        else:
            s = s - x
            t = t - x
    return s


# Helpers ----------------------------------------------------------------------------------


def primal(f: Callable[..., Any]) -> Program:
    """The program the pipeline differentiates, before pruning."""
    return simplify_program(lower(f))


def loops(program: Program) -> list[Loop]:
    """The loops of `program` itself (not those nested in them), in creation order."""
    found = [n for n in topological([*program.outputs, *program.effects]) if n.op == "loop"]
    return [n.attrs[0] for n in sorted(found, key=lambda n: n.serial)]


def carried(program: Program) -> list[int]:
    """How many values each loop carries, a nested loop right after the one holding it."""
    return [k for loop in loops(program) for k in (loop.n_carry, *carried(loop.body))]


def transform(f: Callable[..., Any], spec: Spec) -> Program:
    """The derivative program the pipeline emits."""
    return derivative_program(f, spec)


def unpruned(f: Callable[..., Any], spec: Spec) -> Program:
    """The derivative of the unpruned program, by the pipeline's passes but prune."""
    passes = [p for p in transforms(spec) if p.name != "prune"]
    program = run(Unit(f, spec, program=primal(f)), passes).program
    assert program is not None
    return program


def outcome(program: Program, args: Sequence[Any]) -> Any:
    """What evaluating `program` gives: its result, or the type of what it raises."""
    try:
        return evaluate(program, [list(a) if isinstance(a, list) else a for a in args])
    except (ArithmeticError, ValueError, IndexError) as e:
        return type(e)


def check_derivatives(f: Callable[..., Any], args: Sequence[Any], rel: float = 1e-6) -> None:
    """Every transform of `f` at `args` (the floats differentiated) against central finite
    differences, and the values they give against `f`'s own."""
    diff = tuple(i for i, a in enumerate(args) if type(a) is float)
    value = f(*args)
    v, g = value_and_grad(f, argnums=diff)(*args)
    assert v == value
    out, vjp_fn = vjp(f, *args)
    cotangents = vjp_fn(1.0)
    assert out == value
    for k, i in enumerate(diff):
        h = 1e-6 * max(1.0, abs(args[i]))
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        fd = (f(*up) - f(*down)) / (2 * h)
        assert math.isclose(g[k], fd, rel_tol=rel, abs_tol=rel), (f.__name__, args, g, fd)
        assert math.isclose(cotangents[i], g[k], rel_tol=1e-12, abs_tol=1e-14)
        primal_out, t = jvp(f, tuple(args), tuple(float(j == i) for j in range(len(args))))
        assert primal_out == value
        assert math.isclose(t, g[k], rel_tol=1e-12, abs_tol=1e-14)


FUNCTIONS = [
    (rosenbrock, [([0.5, 0.9, -0.3, 1.2],), ([0.7],), ([],)]),
    (newton_sqrt, [(2.0,), (0.3,)]),
    (halvings, [(0.7,)]),
    (until_large, [(1.5, 0), (1.5, 2), (1.5, 5), (1.5, 30)]),
    (nested, [(1.3,), (-0.5,)]),
    (feeding_each_other, [(0.8, 0), (0.8, 4)]),
    (dead_but_raises, [(0.8, 2), (0.8, 4)]),
    (unread_list, [(0.8, 3)]),
    (read_list, [(0.8, 3)]),
    (branchy, [(2.5,), (0.5,), (0.0,)]),
    (taped_counter, [(0.7,), (1.3,)]),
    (taped_list, [(0.7,), (-1.3,)]),
]
SPECS = [Spec("grad", 0), Spec("value_and_grad", 0), Spec("jvp", 0), Spec("vjp")]
CASES = [(f, spec, points) for f, points in FUNCTIONS for spec in SPECS]


# What goes --------------------------------------------------------------------------------


def test_rosenbrock_gradient_runs_a_forward_loop_without_the_sum() -> None:
    program = transform(rosenbrock, Spec("grad", 0))
    forward, backward = loops(program)
    assert not forward.reverse and forward.n_carry == 0 and forward.body.effects
    assert backward.reverse
    text = symdiff.source(rosenbrock)
    first, back = text.index("for "), text.index("reversed(")
    assert first < back  # the list reads run before the derivative code
    assert " s = " not in text[:back] and "s +" not in text


def test_rosenbrock_gradient_against_finite_differences() -> None:
    g = grad(rosenbrock)
    for x in ([0.5, 0.9, -0.3, 1.2], [1.0, 1.0], [0.7], []):
        got = g(x)
        for i in range(len(x)):
            up, down = list(x), list(x)
            up[i] += 1e-6
            down[i] -= 1e-6
            fd = (rosenbrock(up) - rosenbrock(down)) / 2e-6
            assert math.isclose(got[i], fd, rel_tol=1e-6, abs_tol=1e-6), (x, got, fd)


def test_unread_carried_values_leave_the_users_program() -> None:
    assert carried(primal(newton_sqrt)) == [3]
    assert carried(prune_program(primal(newton_sqrt))) == [2]  # y and the tested err
    assert carried(prune_program(primal(until_large))) == [2]  # s (the break) and t
    assert carried(prune_program(primal(feeding_each_other))) == [1]  # a and b go together
    assert carried(prune_program(primal(nested))) == [1, 1]  # s, and a inside


def test_a_value_read_only_by_the_while_test_stays_and_nothing_else() -> None:
    program = transform(halvings, Spec("grad", 0))
    (forward, _) = loops(program)
    assert forward.kind == "while" and forward.n_carry == 1  # k: s is not needed here
    assert forward.test is not None and forward.counted
    check_grads(halvings, (0.7,))
    check_grads(halvings, (-1.2,))


def test_while_loop_to_a_tolerance() -> None:
    for x in (2.0, 0.3, 9.0):
        check_grads(newton_sqrt, (x,), rtol=1e-5)
    assert "total" not in symdiff.source(newton_sqrt)


def test_nested_loop_keeps_its_effect_without_its_values() -> None:
    forward = loops(transform(nested, Spec("grad", 0)))[0]
    assert not forward.reverse and forward.n_carry == 0
    (inner,) = loops(forward.body)
    assert inner.n_carry == 0 and inner.body.effects  # log(x + j), for its errors
    with pytest.raises(ValueError):
        nested(-0.5)
    for t in (grad(nested), value_and_grad(nested)):
        with pytest.raises(ValueError):
            t(-0.5)


def test_a_value_read_by_an_effect_stays_and_raises() -> None:
    assert carried(prune_program(primal(dead_but_raises))) == [2]
    with pytest.raises(ValueError):
        dead_but_raises(0.8, 4)
    with pytest.raises(ValueError):
        grad(dead_but_raises)(0.8, 4)
    with pytest.raises(ValueError):
        jvp(dead_but_raises, (0.8, 4), (1.0, 0.0))
    assert grad(dead_but_raises)(0.8, 2) == 2.0


def test_unread_lists_go_and_read_ones_stay() -> None:
    (loop,) = loops(prune_program(primal(unread_list)))
    assert loop.n_stacked == 0 and loop.n_carry == 1
    (loop,) = loops(prune_program(primal(read_list)))
    assert loop.n_stacked == 1 and loop.n_carry == 0
    assert "z" not in symdiff.source(read_list)


def test_a_branch_in_the_loop_computes_only_what_is_read() -> None:
    (loop,) = loops(prune_program(primal(branchy)))
    assert loop.n_carry == 1
    (region,) = [n for n in all_nodes(loop.body) if n.op == "cond"]
    assert all(len(branch.outputs) == 1 for branch in branches(region))
    with pytest.raises(ZeroDivisionError):
        grad(branchy)(0.0)


@pytest.mark.parametrize(("f", "popped", "unstacked"),
                         [(taped_counter, 1, 0), (taped_list, 1, 1)])
def test_backward_loops_drop_the_cotangents_nothing_reads(
    f: Callable[..., Any], popped: int, unstacked: int,
) -> None:
    spec = Spec("grad", 0)
    before = loops(unpruned(f, spec))[-1]
    after = loops(transform(f, spec))[-1]
    assert before.reverse and after.reverse
    assert (after.n_popped, after.n_unstacked) == (before.n_popped, before.n_unstacked) \
        == (popped, unstacked)
    # The counter gets no cotangent (reverse mode sees it does not depend on x).
    assert after.n_carry <= before.n_carry
    assert "k_bar" not in symdiff.source(f)
    check_grads(f, (0.7,))


def test_an_unread_tape_and_trip_count_go() -> None:
    program = transform(newton_sqrt, Spec("grad", 0))
    (taped,) = [n for n in all_nodes(program) if n.op == "loop" and n.attrs[0].n_saved]
    assert taped.attrs[0].counted
    b, body = program.builder, taped.attrs[0].body
    y = next(k for k, p in enumerate(body.params) if p.attrs[0] == "y")
    only_value = Program("f", program.params, proj(b, taped, y), b, effects=program.effects)
    pruned = prune_program(only_value)
    (loop,) = loops(pruned)
    assert loop.n_saved == 0 and not loop.counted
    assert evaluate(pruned, [2.0]) == evaluate(only_value, [2.0]) == newton_sqrt(2.0)


def test_a_region_left_with_nothing_to_do_is_removed() -> None:
    b = Builder()
    x = b.param("x")
    bb = Builder()
    i, s = bb.arg("i"), bb.arg("s")
    body = Program("body", (i, s), (bb.add(s, i),), bb)
    loop = loop_node(b, Loop("range", body, 1), (b.const(0), b.const(3), b.const(1), x))
    tb, eb = Builder(), Builder()
    then = Program("then", (tb.arg("x"),), (tb.const(1.0),), tb)
    orelse = Program("orelse", (eb.arg("x"),), (eb.const(2.0),), eb)
    branch = cond_node(b, b.gt(x, 0.0), (x,), then, orelse)
    program = Program("f", (x,), b.mul(x, 2.0), b, effects=(loop, branch))
    pruned = prune_program(program)
    assert pruned.effects == () and loops(pruned) == []
    assert evaluate(pruned, [1.5]) == 3.0


# What stays the same ----------------------------------------------------------------------


@pytest.mark.parametrize(("f", "spec", "points"), CASES,
                         ids=[f"{f.__name__}-{s.kind}" for f, s, _ in CASES])
def test_pruned_derivative_computes_what_the_unpruned_one_does(
    f: Callable[..., Any], spec: Spec, points: list[tuple[Any, ...]],
) -> None:
    full = unpruned(f, spec)
    pruned, emitted = prune_program(full), transform(f, spec)
    assert prune_program(pruned) is pruned
    assert sum(carried(pruned)) <= sum(carried(full))
    for point in points:
        first = point[0]
        tangent = [1.0] * len(first) if isinstance(first, list) else 1.0
        # jvp takes a tangent of the first argument, vjp a cotangent of the output.
        extra = {"jvp": [tangent], "vjp": [1.0]}.get(spec.kind, [])
        before = outcome(full, [*point, *extra])
        # Pruned after the transform, and pruned before it too (as the pipeline does).
        for after in (outcome(pruned, [*point, *extra]), outcome(emitted, [*point, *extra])):
            assert repr(after) == repr(before), (f.__name__, spec, point, before, after)


@pytest.mark.parametrize(("f", "points"), FUNCTIONS[1:], ids=[f.__name__ for f, _ in
                                                             FUNCTIONS[1:]])
def test_derivatives_against_finite_differences(
    f: Callable[..., Any], points: list[tuple[Any, ...]],
) -> None:
    for point in points:
        try:
            f(*point)
        except (ArithmeticError, ValueError):
            continue  # the raising points are checked above
        check_derivatives(f, point)


def test_programs_with_nothing_to_remove_are_returned_as_they_are() -> None:
    for f in (rosenbrock, halvings):
        program = prune_program(primal(f))
        assert prune_program(program) is program
    program = transform(rosenbrock, Spec("grad", 0))
    assert prune_program(program) is program


def test_values_read_after_the_loop_keep_their_names() -> None:
    text = symdiff.source(until_large, mode="forward")
    assert all(f"{name} = " in text for name in ("s", "t", "t_dot"))
    assert "u = " not in text and "u_dot" not in text
