"""The tests and picks of `ir.predicates` (with ``argsort``/``argmax`` of `ir.sorting`,
and ``max``/``min`` of a list): the emitted code computes what NumPy and Python do, the
tests have no derivative, and the differentiable ones pass derivatives where they
should."""

from __future__ import annotations

import numpy as np
import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.node import SEQ, Program
from symdiff.ir.types import of_value
from symdiff.transforms.ad import jvp, vjp
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import check_primitive, program_of, run_emitted

X = np.array([[0.5, np.nan, -2.0], [np.inf, 1.0, 1.0 + 1e-9]])


@pytest.mark.parametrize(("op", "attrs", "want"), [
    ("any", (None, False), True),
    ("all", ((1,), False), [False, True]),
    ("any", ((0,), True), [[True, True, True]]),
])
def test_any_and_all_reduce_as_numpy(op: str, attrs: tuple, want: object) -> None:
    program = program_of(lambda b, p: b.apply(op, b.apply("gt", p[0], 0.0), attrs=attrs), [X])
    np.testing.assert_array_equal(run_emitted(program, X), want)


@pytest.mark.parametrize("op", ["isnan", "isfinite", "isinf"])
def test_the_tests_are_numpys_on_arrays_and_maths_on_numbers(op: str) -> None:
    array = program_of(lambda b, p: b.apply(op, p[0]), [X])
    np.testing.assert_array_equal(run_emitted(array, X), getattr(np, op)(X))
    number = program_of(lambda b, p: b.apply(op, p[0]), [1.0])
    assert f"math.{op}(x0)" in _text(number)
    assert run_emitted(number, float("nan")) == getattr(np, op)(float("nan"))


def test_isclose_keeps_its_tolerances_and_nonzero_its_axis() -> None:
    close = program_of(lambda b, p: b.apply("isclose", p[0], 1.0, attrs=(0.0, 1e-6, False)),
                       [X])
    np.testing.assert_array_equal(run_emitted(close, X), np.isclose(X, 1.0, rtol=0, atol=1e-6))
    assert "atol=1e-06" in _text(close)
    cols = program_of(lambda b, p: b.apply("nonzero", b.apply("gt", p[0], 0.0), attrs=(1,)),
                      [X])
    np.testing.assert_array_equal(run_emitted(cols, X), np.nonzero(X > 0)[1])


@pytest.mark.parametrize("op", ["any", "all", "isnan", "isclose", "nonzero", "argsort",
                                "argmax"])
def test_tests_and_picks_have_no_derivative(op: str) -> None:
    b = Builder()
    x = b.param("x", of_value(np.ones(3)))
    args = (x, x) if op == "isclose" else (x,)
    attrs = {"any": (None, False), "all": (None, False), "isclose": (1e-5, 1e-8, False),
             "nonzero": (0,), "argsort": (0, 1), "argmax": (None, False)}.get(op, ())
    out = b.apply(op, *args, attrs=attrs)
    assert jvp(b, [out], {x: b.param("t")}) == [None]
    assert vjp(b, [out], [b.param("ct")], [x]) == [None]


def test_nan_to_num_passes_derivatives_where_finite() -> None:
    values = [np.array([0.5, -1.5, 2.0])]
    check_primitive(lambda b, p: b.apply("nan_to_num", b.mul(p[0], p[0]),
                                         attrs=(None, None, None)), values, np.float64)
    program = program_of(lambda b, p: b.apply("nan_to_num", p[0], attrs=(0.0, 9.0, None)),
                         [X])
    np.testing.assert_array_equal(run_emitted(program, X), np.nan_to_num(X, nan=0.0,
                                                                          posinf=9.0))
    t = np.ones_like(X)
    _, tangent = run_emitted(finish(jvp_program(program)), X, t)
    np.testing.assert_array_equal(tangent, np.isfinite(X) * 1.0)
    (ct,) = run_emitted(finish(vjp_program(program)), X, 2.0 * t)
    np.testing.assert_array_equal(ct, 2.0 * np.isfinite(X))


@pytest.mark.parametrize(("op", "xs", "want"), [
    ("seq_max", [1.0, 3.0, -2.0, 3.0], [0.0, 0.5, 0.0, 0.5]),
    ("seq_min", [1.0, 3.0, -2.0, 3.0], [0.0, 0.0, 1.0, 0.0]),
])
def test_max_and_min_of_a_list_share_ties(op: str, xs: list[float], want: list[float]) -> None:
    b = Builder()
    seq = b.param("xs", SEQ)
    out = b.apply(op, seq)
    (tangent,) = jvp(b, [out], {seq: b.param("u", SEQ)})
    (cotangent,) = vjp(b, [out], [b.param("ct")], [seq])
    program = Program("f", (seq, b.param("u", SEQ), b.param("ct")),
                      (out, tangent, cotangent), b)
    u = [0.1, 0.2, 0.3, 0.4]
    value, t, c = run_emitted(program, xs, u, 1.0)
    assert value == (max(xs) if op == "seq_max" else min(xs))
    assert c == pytest.approx(want)
    assert t == pytest.approx(float(np.dot(want, u)))
    with pytest.raises(ValueError):
        run_emitted(Program("f", (seq,), out, b), [])


def _text(program: Program) -> str:
    from symdiff.codegen.emit import emit_module

    return emit_module(program)
