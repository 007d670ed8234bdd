"""`transforms.batch`: a program batched over some parameters maps over their rows.

Contract tested here: `batch_program` gives each batched parameter, and every value
computed from it, a leading batch axis, and its result for a stack of rows is, row by
row, the unbatched program's result for that row (checked against the reference
interpreter where the program is scalar, and against NumPy where it holds arrays):
elementwise operations with broadcasting, reductions, ``A @ t`` as ``t @ A.T`` and
other matmuls, a ``cond`` whose output is batched in one branch only, and loops whose
carried values become batched through the body (found by iterating). What does not
depend on a batched parameter stays the same node, unbatched. `batched_jvp_program`
and `batched_vjp_program` give, per row of their seeds, what the unbatched JVP and
VJP give (a row of the identity: a column of the Jacobian), and a zero tangent stays
a number. A predicate or a loop range that depends on a batched value raises
`BatchingError`. (`tests/transforms/test_batch_rules.py` covers the individual rules
of the less common operations.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symdiff.frontend.lower import lower
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import INT, Node, Program
from symdiff.transforms.batch import (
    BatchingError,
    batch_program,
    batched_jvp_program,
    batched_vjp_program,
)
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program
from tests.ir.support import program_of, run_emitted

rng = np.random.default_rng(7)
K = 5  # rows of a batch: a length no other axis here has


def batched(program: Program, which: Sequence[int]) -> Program:
    return batch_program(program, [program.params[i] for i in which], "f_batched", "")


def check_rows(program: Program, args: Sequence[Any], which: Sequence[int],
               reference: Callable[..., Any]) -> Any:
    """`program` batched over the parameters `which` (their `args` stacks of K rows)
    gives, for every row, `reference` of that row's arguments, and its result's type
    says so (a leading batch axis, the rank of the value); returns its output."""
    new = batched(program, which)
    out = run_emitted(new, *args)
    t = new.result.type  # type: ignore[union-attr]
    assert t is not None and t.dims[0] is None and t.ndim == np.ndim(out)
    assert np.shape(out)[0] == K
    for k in range(K):
        row = [a[k] if i in which else a for i, a in enumerate(args)]
        np.testing.assert_allclose(out[k], reference(*row), rtol=1e-13, atol=1e-13)
    return out


def primal(fun: Callable[..., Any], types: tuple[Any, ...] | None = None) -> Program:
    return prune_program(simplify_program(lower(fun, types=types)))


def rows(*shape: int) -> np.ndarray:
    return rng.normal(size=(K, *shape))


# Elementwise, broadcasting, reductions, matmul (built with the IR builder) -------------


def test_elementwise_operations_broadcast_a_batched_vector() -> None:
    x, y = rng.normal(size=4), rng.normal(size=(3, 4))
    program = program_of(lambda b, p: b.add(b.mul(b.sin(p[0]), p[1]), p[0]), [x, y])
    out = check_rows(program, [rows(4), y], [0], lambda x, y: np.sin(x) * y + x)
    assert out.shape == (K, 3, 4)


def test_a_batched_number_broadcasts_against_an_array() -> None:
    # A batch of numbers is (K,): it needs an axis of length one to meet y's (3,).
    y = rng.normal(size=3)
    program = program_of(lambda b, p: b.mul(b.exp(p[0]), b.add(p[1], p[0])), [0.5, y])
    out = check_rows(program, [rng.normal(size=K), y], [0],
                     lambda x, y: math.exp(x) * (y + x))
    assert out.shape == (K, 3)


@pytest.mark.parametrize(("op", "attrs", "reference"), [
    ("sum", ((0,), False), lambda v: np.sum(v, axis=0)),
    ("sum", ((1,), True), lambda v: np.sum(v, axis=1, keepdims=True)),
    ("sum", (None, False), np.sum),
    ("mean", ((-1,), False), lambda v: np.mean(v, axis=-1)),
    ("mean", (None, False), np.mean),
    ("amax", ((0,), False), lambda v: np.max(v, axis=0)),
], ids=["sum-0", "sum-1-keepdims", "sum-all", "mean-last", "mean-all", "max-0"])
def test_reductions_reduce_each_row_on_its_own(op: str, attrs: tuple[Any, ...],
                                               reference: Callable[..., Any]) -> None:
    y = rng.normal(size=(3, 4))
    program = program_of(lambda b, p: b.apply(op, b.mul(p[0], p[1]), attrs=attrs),
                         [y, y])
    check_rows(program, [rows(3, 4), y], [0], lambda x, y: reference(x * y))


def test_a_matrix_times_a_batched_vector_is_the_rows_times_its_transpose() -> None:
    a = rng.normal(size=(3, 4))
    program = program_of(lambda b, p: b.apply("matmul", p[0], p[1]), [a, np.ones(4)])
    check_rows(program, [a, rows(4)], [1], lambda a, t: a @ t)
    out = batched(program, [1]).result
    assert isinstance(out, Node) and out.op == "matmul"
    t, a_t = out.args
    assert t.op == "param" and t.type.dims[0] is None  # t @ A.T: t first
    assert a_t.op == "transpose" and a_t.args[0] is program.params[0]


@pytest.mark.parametrize(("shapes", "which"), [
    (((4,), (4, 3)), [0]),  # t @ A
    (((3, 4), (4,)), [0]),  # T @ v
    (((3, 4), (4, 2)), [1]),  # A @ T
    (((4,), (4,)), [0, 1]),  # k inner products
], ids=["vector-matrix", "matrix-vector", "matrix-matrix", "inner"])
def test_matmuls_of_batched_operands(shapes: tuple[tuple[int, ...], ...],
                                     which: list[int]) -> None:
    values = [rng.normal(size=s) for s in shapes]
    program = program_of(lambda b, p: b.apply("matmul", p[0], p[1]), values)
    args = [rows(*s) if i in which else v
            for i, (s, v) in enumerate(zip(shapes, values, strict=True))]
    check_rows(program, args, which, lambda a, c: a @ c)


def test_what_does_not_depend_on_the_batch_stays_the_same_node() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    free = b.mul(b.cos(y), y)
    program = Program("f", (x, y), (b.mul(x, free), free), b)
    new = batched(program, [0])
    assert new.params[1] is y and new.params[0] is not x
    assert new.params[0].type is not None and new.params[0].type.dims == (None,)
    first, second = new.result  # type: ignore[misc]
    assert second is free and second.type is None
    assert first.args[1] is free  # the unbatched operand is shared, not rebuilt
    xs = rng.normal(size=K)
    got_first, got_second = run_emitted(new, xs, 0.7)
    assert got_second == math.cos(0.7) * 0.7
    np.testing.assert_allclose(got_first, xs * (math.cos(0.7) * 0.7), rtol=1e-15)


# Regions (lowered from Python) -------------------------------------------------------


def branchy(x, c):
    if c > 0.0:
        y = x * c + math.sin(x)
    else:
        y = c * 2.0  # not batched in this branch: broadcast
    return y


@pytest.mark.parametrize("c", [0.7, -0.3])
def test_a_branch_on_an_unbatched_predicate_batches_both_bodies(c: float) -> None:
    program = primal(branchy)
    check_rows(program, [rows(), c], [0], lambda x, c: evaluate(program, [float(x), c]))


def test_a_branch_on_a_batched_predicate_raises() -> None:
    program = primal(branchy)
    with pytest.raises(BatchingError, match="a branch on a batched value"):
        batched(program, [1])


def accumulated(x, c):
    s = 0.0  # not batched until the body adds x
    for i in range(4):
        s = s * c + x * i
    return s


def relayed(x, c):
    # b is batched after one pass over the body, a only after the second: the
    # batcher must iterate to find that both are carried batched.
    a = 0.0
    b = 0.0
    for _ in range(3):
        a = b * c
        b = x + 1.0
    return a


def newton(x, c):
    y = c
    while abs(y * y - c) > 1e-12:  # the test reads only unbatched values
        y = 0.5 * (y + c / y)
    return y * x


@pytest.mark.parametrize(("fun", "which"), [
    (accumulated, [0]), (accumulated, [0, 1]), (relayed, [0]), (relayed, [0, 1]),
    (newton, [0]),  # its while test reads c: batching c raises (below)
], ids=["accumulated-x", "accumulated-x-c", "relayed-x", "relayed-x-c", "newton-x"])
def test_loops_carry_batched_values(fun: Callable[..., float], which: list[int]) -> None:
    program = primal(fun)
    args = [rows(), rows() ** 2 + 1.0 if 1 in which else 2.0]
    check_rows(program, args, which, lambda x, c: evaluate(program, [float(x), float(c)]))


def ranged(x, n):
    s = 0.0
    for _ in range(n):
        s = s + x
    return s


def test_a_loop_bound_or_test_on_a_batched_value_raises() -> None:
    with pytest.raises(BatchingError, match="a loop whose range is batched"):
        batched(primal(ranged, (None, INT)), [1])
    with pytest.raises(BatchingError, match="a loop whose test is batched"):
        batched(primal(newton), [1])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=6), st.floats(-2.0, 2.0))
def test_a_batch_of_any_rows_maps_like_the_interpreter(xs: list[float], c: float) -> None:
    program = primal(accumulated)
    out = run_emitted(batched(program, [0]), np.array(xs), c)
    want = [evaluate(program, [x, c]) for x in xs]
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-13)


# The batched derivative programs ----------------------------------------------------


def mixed(x, c):
    s = x
    for i in range(3):
        s = s * x + c * i
    if c > 0.0:
        s = s * math.sin(x)
    return s * c


@pytest.mark.parametrize("c", [0.8, -0.5])
def test_a_batched_jvp_gives_each_tangent_s_jvp(c: float) -> None:
    program = primal(mixed)
    jvp = finish(jvp_program(program, 0))
    x, tangents = 0.6, rng.normal(size=K)
    value, out = run_emitted(batched_jvp_program(program, 0), x, c, tangents)
    assert value == pytest.approx(evaluate(program, [x, c]), rel=1e-15)
    want = [evaluate(jvp, [x, c, float(t)])[1] for t in tangents]
    np.testing.assert_allclose(out, want, rtol=1e-13)


def test_a_batched_jvp_of_the_identity_rows_is_the_jacobian() -> None:
    x = rng.normal(size=3)

    def build(b: Builder, p: list[Node]) -> Node:
        return b.mul(b.sin(p[0]), b.apply("sum", p[0], attrs=(None, False)))

    program = program_of(build, [x])
    _, rows_out = run_emitted(batched_jvp_program(program, 0), x, np.eye(3))
    # f_i = sin(x_i) * S: df_i/dx_j = cos(x_i) S [i == j] + sin(x_i); row j is column j.
    jacobian = np.diag(np.cos(x) * x.sum()) + np.sin(x)[:, None]
    np.testing.assert_allclose(rows_out, jacobian.T, rtol=1e-14)


def test_a_batched_vjp_gives_each_cotangent_s_vjp() -> None:
    program = primal(mixed)
    vjp = finish(vjp_program(program))
    x, c, cotangents = 0.6, 0.8, rng.normal(size=K)
    x_bar, c_bar = run_emitted(batched_vjp_program(program), x, c, cotangents)
    want = np.array([evaluate(vjp, [x, c, float(ct)]) for ct in cotangents])
    np.testing.assert_allclose(x_bar, want[:, 0], rtol=1e-13)
    np.testing.assert_allclose(c_bar, want[:, 1], rtol=1e-13)


def test_a_zero_tangent_stays_unbatched_for_the_caller_to_broadcast() -> None:
    # Along seeds of x, the second output (c * c) has the tangent zero: a number, not
    # K zeros; the first output's tangent has the batch axis.
    b = Builder()
    x, c = b.param("x"), b.param("c")
    program = Program("f", (x, c), (b.mul(x, c), b.mul(c, c)), b)
    jvp = batched_jvp_program(program, 0)
    (_, _), (first, second) = jvp.result  # type: ignore[misc]
    assert first.type is not None and first.type.dims == (None,)
    assert second.is_const and second.value == 0.0
    values, tangents = run_emitted(jvp, 2.0, 3.0, np.array([1.0, 0.5, -1.0]))
    assert values == (6.0, 9.0)
    np.testing.assert_array_equal(tangents[0], [3.0, 1.5, -3.0])
    assert tangents[1] == 0.0
