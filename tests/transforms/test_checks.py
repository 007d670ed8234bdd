"""A loop kept only for its checks is computed by the backward loop over its range
(`transforms.checks`): one loop runs where two did, and a gradient still raises where
the function raises, the error the function raises first."""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest

import symdiff
from examples.loops import rosenbrock
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Op, topological
from symdiff.runtime.pipeline import derivative_program, generate, primal_program
from symdiff.runtime.spec import Spec
from symdiff.testing import check_grads
from symdiff.transforms.checks import fuse_checks


def poisson_nll(eta, counts):
    """The negative log-likelihood of counts under a Poisson model of log-means `eta`."""
    nll = 0.0
    for i in range(len(eta)):
        nll += math.exp(eta[i]) - counts[i] * eta[i] + math.lgamma(counts[i] + 1.0)
    return nll


def spring_chain(pos, rest):
    """The elastic energy of a chain of unit springs between points on a line, and the
    energy of the chain's two ends pinned to 0 and 1."""
    energy = 0.0
    for i in range(len(pos) - 1):
        stretch = pos[i + 1] - pos[i] - rest
        energy += 0.5 * stretch ** 2
    energy += 0.5 * (pos[0] ** 2 + (pos[-1] - 1.0) ** 2)
    return energy


def present_value(rates, cashflows):
    """The present value of yearly cash flows at a term structure of yearly rates."""
    pv = 0.0
    for t in range(len(rates)):
        pv += cashflows[t] / (1.0 + rates[t]) ** (t + 1)
    return pv


def two_penalties(x, y):
    """A squared loss on x plus a smoothness penalty on y: two loops of checks."""
    loss = 0.0
    for i in range(len(x)):
        loss += (x[i] - 1.0) ** 2
    for i in range(len(y) - 1):
        loss += (y[i + 1] - y[i]) ** 2
    return loss


def loss_and_log(x, scale):
    """A loop of checks followed by a statement that may raise by itself."""
    s = 0.0
    for i in range(len(x)):
        s += (x[i] - 1.0) ** 2
    return s + math.log(scale)


def _loops_run(source: str) -> list[ast.For]:
    """The ``for`` loops of the generated function that run when nothing raises (not
    those of an ``except`` block)."""
    func = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    found, stack = [], list(func.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.For):
            found.append(stmt)
        for field in ("body", "orelse", "finalbody"):  # (not handlers)
            stack += getattr(stmt, field, [])
    return found


def _source(fn, *args, **kwargs) -> str:
    g = symdiff.grad(fn, **kwargs)
    g(*args)
    return g.source


def test_the_checks_move_into_the_backward_loop_and_give_the_same_values() -> None:
    program = derivative_program(rosenbrock, Spec("grad", 0))
    fused = fuse_checks(program)
    loops = [n.attrs[0] for n in sorted(topological([*fused.outputs, *fused.effects]),
                                        key=lambda n: n.serial) if n.op == Op.LOOP]
    assert [(loop.deferred, loop.reverse) for loop in loops] == [(True, False), (False, True)]
    assert loops[1].checks is loops[0].body and loops[1].body.effects
    x = [0.5, -0.25, 1.5, 2.0]
    assert evaluate(fused, [x]) == evaluate(program, [x])
    with pytest.raises(OverflowError):
        evaluate(fused, [[0.5, 1e200, 1.5]])
    # Nothing to pair: the same program.
    primal = primal_program(rosenbrock)
    assert fuse_checks(primal) is primal


def test_rosenbrock_gradient_has_no_loop_run_only_for_checks() -> None:
    source = _source(rosenbrock, [0.5, -0.25, 1.5])
    (loop,) = _loops_run(source)
    assert "reversed" in ast.unparse(loop.iter)
    # The backward loop computes the checks with the adjoint: the difference once.
    body = ast.unparse(loop)
    assert body.count(" ** 2") == 2 and body.count(" * _t") >= 1
    assert "except Exception" in source


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_two_loops_of_checks_run_in_their_backward_loops(argnums) -> None:
    # (y's backward loop carries the sum's cotangent even when y's is not wanted.)
    source = _source(two_penalties, [1.0, 2.0], [0.5, 0.25, 3.0], argnums=argnums)
    loops = _loops_run(source)
    assert len(loops) == 2 and all("reversed" in ast.unparse(f.iter) for f in loops)
    assert source.count("try:") == 4  # each backward loop's, and each handler's


def test_gradient_overflows_where_the_function_does() -> None:
    x = [0.5, 1e200, 1.5, 2.0]
    with pytest.raises(OverflowError) as expected:
        rosenbrock(x)
    with pytest.raises(OverflowError) as got:
        symdiff.grad(rosenbrock)(x)
    assert str(got.value) == str(expected.value)
    # The one error shown is the function's, not the one the backward loop met first.
    assert got.value.__suppress_context__ or got.value.__context__ is None


@pytest.mark.parametrize("eta, counts, error", [
    # lgamma(0.0) at index 1 (ValueError) before exp(800.0) at index 2 (OverflowError)
    ([0.5, 0.1, 800.0, 0.2], [1.0, -1.0, 3.0, 0.0], ValueError),
    ([0.5, 800.0, 0.1, 0.2], [1.0, 2.0, -1.0, 0.0], OverflowError),
])
def test_gradient_raises_the_first_error_in_the_functions_order(eta, counts, error) -> None:
    with pytest.raises(error) as expected:
        poisson_nll(eta, counts)
    with pytest.raises(Exception) as got:
        symdiff.grad(poisson_nll)(eta, counts)
    assert type(got.value) is error
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("x, scale, error", [
    ([0.5, 1e200, 2.0], -1.0, OverflowError),  # the loop's error comes first
    ([0.5, 0.25, 2.0], -1.0, ValueError),
])
def test_an_error_after_the_loop_comes_after_the_loops_errors(x, scale, error) -> None:
    # (The logarithm runs in the try block: the checks run first, then its own error is
    # raised again when they pass.)
    assert "math.log(scale)" in _source(loss_and_log, [0.5], 2.0).split("try:")[1]
    with pytest.raises(error) as expected:
        loss_and_log(x, scale)
    for g in (symdiff.grad(loss_and_log), symdiff.value_and_grad(loss_and_log)):
        with pytest.raises(error) as got:
            g(x, scale)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("fn, args", [
    (rosenbrock, ([0.5, -0.25, 1.5, 2.0],)),
    (poisson_nll, ([0.5, -0.3, 1.2], [1.0, 0.0, 4.0])),
    (spring_chain, ([0.1, 0.4, 0.6, 1.1], 0.3)),
    (present_value, ([0.02, 0.025, 0.03], [5.0, 5.0, 105.0])),
    (two_penalties, ([1.0, 2.0], [0.5, 0.25, 3.0])),
])
def test_list_loop_derivatives_agree_with_finite_differences(fn, args) -> None:
    check_grads(fn, args)
    g = symdiff.grad(fn)(*args)
    as_array = symdiff.grad(fn)(*(np.array(a) if isinstance(a, list) else a for a in args))
    np.testing.assert_allclose(g, as_array, rtol=1e-12)


def test_the_hessian_of_a_list_loop_is_unchanged() -> None:
    x = [0.5, -0.25, 1.5]
    h = symdiff.hessian(rosenbrock)(x)
    expected = symdiff.hessian(rosenbrock)(np.array(x))
    np.testing.assert_allclose(np.array(h), expected, rtol=1e-12)


def test_generated_text_is_the_same_every_build() -> None:
    spec = Spec("grad", 0)
    assert generate(two_penalties, spec).text == generate(two_penalties, spec).text


def test_long_lines_in_the_guarded_loops_are_split() -> None:
    def energy(positions_along_the_line, stiffness_of_each_spring):
        total_energy = 0.0
        for i in range(len(positions_along_the_line) - 1):
            total_energy += stiffness_of_each_spring * (positions_along_the_line[i + 1]
                                                        - positions_along_the_line[i]
                                                        - 0.125) ** 2 / 2.0
        return total_energy

    source = _source(energy, [0.0, 0.5, 1.25], 2.0)
    assert "try:" in source
    assert max(len(line) for line in source.splitlines()) <= 88


def test_the_numba_backend_keeps_its_code() -> None:
    pytest.importorskip("numba")
    g = symdiff.grad(rosenbrock, backend="numba")
    assert g(np.array([0.5, -0.25, 1.5])).shape == (3,)
    assert "try:" not in g.source
