"""Higher derivatives through loops whose gradient saves values on a tape: forward mode
over the gradient's forward loop (which also saves tangents) and backward loop (which
pops them), against SymPy and finite differences of lower derivatives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy

from symdiff import grad, hessian, hvp, jvp, vjp


def horner(x):
    p = 0.0
    for c in (1.0, -2.0, 3.0, 0.5):
        p = p * x + c
    return p


def horner_sympy(x: float, order: int) -> float:
    s = sympy.Symbol("x")
    p = sympy.Integer(0)
    for c in (1, -2, 3, sympy.Rational(1, 2)):
        p = p * s + c
    return float(sympy.diff(p, s, order).subs(s, x))


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x * math.sin(x)


def two_args(x, y):
    s = 0.0
    for k in range(4):
        s = s * math.sin(x) + y * s * s + k
    return s


def backwards(x):
    p = 1.0
    for k in range(4, 0, -1):
        p = p * x + math.cos(k * p)
    return p


def breaking(x):
    p = x
    for _ in range(10):
        p = p * math.sin(p) + x
        if p > 3.0:
            break
    return p


def trajectory(y0, h):
    ys = [y0]
    for _ in range(5):
        ys.append(ys[-1] + h * math.sin(ys[-1]))
    return sum(ys)


def list_horner(cs, x):
    p = 0.0
    for c in cs:
        p = p * x + c * c
    return p


def array_loop(v):
    w = v
    for _ in range(3):
        w = np.sin(w) * w + v
    return np.sum(w * w)


def fd(g: Any, x: float, h: float = 1e-6) -> float:
    return (g(x + h) - g(x - h)) / (2 * h)


@pytest.mark.parametrize("x", [0.3, -1.7, 2.0])
def test_horner_second_and_third_derivatives_match_sympy(x: float) -> None:
    assert hessian(horner)(x) == pytest.approx(horner_sympy(x, 2), rel=1e-12)
    assert grad(grad(horner))(x) == pytest.approx(horner_sympy(x, 2), rel=1e-12)
    assert hvp(horner, (x,), (2.0,)) == pytest.approx(2 * horner_sympy(x, 2), rel=1e-12)
    value, tangent = jvp(grad(horner), (x,), (1.0,))
    assert value == pytest.approx(horner_sympy(x, 1), rel=1e-12)
    assert tangent == pytest.approx(horner_sympy(x, 2), rel=1e-12)
    assert grad(grad(grad(horner)))(x) == pytest.approx(horner_sympy(x, 3), rel=1e-12, abs=1e-12)
    assert grad(grad(grad(grad(horner))))(x) == pytest.approx(horner_sympy(x, 4), abs=1e-12)


def test_hessian_code_saves_tangents_next_to_values() -> None:
    text = hessian(horner).source
    assert "tape.append((p, p_dot))" in text
    assert "p_1, p_dot_1 = tape.pop()" in text
    assert "reversed(range(" in text


def test_newton_sqrt_while_loop_to_third_order() -> None:
    a = 2.0
    d1 = grad(newton_sqrt)
    d2 = grad(d1)
    d3 = grad(d2)
    assert hessian(newton_sqrt)(a) == pytest.approx(d2(a), rel=1e-12)
    assert d2(a) == pytest.approx(fd(d1, a), rel=1e-6)
    assert d3(a) == pytest.approx(fd(d2, a), rel=1e-5)
    # The path is a fixed sequence of Newton steps, which converges to sqrt: the
    # derivatives are those of sqrt(a) * sin(sqrt(a)) up to the tolerance.
    s = sympy.Symbol("a")
    f = sympy.sqrt(s) * sympy.sin(sympy.sqrt(s))
    for k, d in ((2, d2), (3, d3)):
        assert d(a) == pytest.approx(float(sympy.diff(f, s, k).subs(s, a)), rel=1e-6)
    assert jvp(d2, (a,), (1.0,))[1] == pytest.approx(d3(a), rel=1e-12)


def test_two_arguments_hessian_matches_differences() -> None:
    x, y = 0.4, 0.3
    h = np.array(hessian(two_args, argnums=(0, 1))(x, y))
    gx, gy = grad(two_args, argnums=0), grad(two_args, argnums=1)
    want = np.array([[fd(lambda t: gx(t, y), x), fd(lambda t: gx(x, t), y)],
                     [fd(lambda t: gy(t, y), x), fd(lambda t: gy(x, t), y)]])
    np.testing.assert_allclose(h, want, rtol=1e-6)
    assert (h == h.T).all()
    assert grad(grad(two_args, argnums=0), argnums=1)(x, y) == pytest.approx(h[0, 1],
                                                                             rel=1e-12)


@pytest.mark.parametrize("fun", [backwards, breaking])
def test_reversed_ranges_and_breaks(fun: Any) -> None:
    for x in (0.3, 0.9):
        d1 = grad(fun)
        assert hessian(fun)(x) == pytest.approx(fd(d1, x), rel=1e-6)
        assert grad(d1)(x) == pytest.approx(hessian(fun)(x), rel=1e-12)


def test_appended_list_pops_tangents_of_its_cotangents() -> None:
    y0, h = 0.7, 0.1
    d1 = grad(trajectory)
    got = hessian(trajectory)(y0, h)
    assert got == pytest.approx(fd(lambda t: d1(t, h), y0), rel=1e-6)
    full = np.array(hessian(trajectory, argnums=(0, 1))(y0, h))
    assert full[0, 0] == pytest.approx(got, rel=1e-12)
    dh = grad(trajectory, argnums=1)
    assert full[1, 1] == pytest.approx(fd(lambda t: dh(y0, t), h), rel=1e-6)


def test_loop_over_a_list_argument() -> None:
    cs = [1.0, -2.0, 3.0, 0.5]
    x = 0.6
    gx = grad(list_horner, argnums=1)
    assert hessian(list_horner, argnums=1)(cs, x) == pytest.approx(
        fd(lambda t: gx(cs, t), x), rel=1e-6)
    block = np.array(hessian(list_horner)(cs, x))
    gc = grad(list_horner)
    want = np.stack([(np.array(gc([c + 1e-6 * (i == k) for i, c in enumerate(cs)], x))
                      - np.array(gc([c - 1e-6 * (i == k) for i, c in enumerate(cs)], x)))
                     / 2e-6 for k in range(4)], axis=-1)
    np.testing.assert_allclose(block, want, rtol=1e-6, atol=1e-8)


def test_array_carrying_loop_hessian_and_hvp() -> None:
    v = np.array([0.3, -0.5, 0.8])
    h = hessian(array_loop)(v)
    g = grad(array_loop)
    want = np.stack([(g(v + 1e-6 * e) - g(v - 1e-6 * e)) / 2e-6 for e in np.eye(3)], axis=-1)
    np.testing.assert_allclose(h, want, rtol=1e-6, atol=1e-8)
    u = np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(hvp(array_loop, (v,), (u,)), h @ u, rtol=1e-12)


def test_vjp_of_a_gradient_with_a_tape_is_forward_over_reverse() -> None:
    x = 0.5
    value, vjp_fn = vjp(grad(horner), x)
    assert value == pytest.approx(horner_sympy(x, 1), rel=1e-12)
    assert vjp_fn(2.0) == pytest.approx((2.0 * horner_sympy(x, 2),), rel=1e-12)
    x, y = 0.4, 0.3
    h = np.array(hessian(two_args, argnums=(0, 1))(x, y))
    (gx, gy), vjp_fn = vjp(grad(two_args, argnums=(0, 1)), x, y)
    assert (gx, gy) == pytest.approx(grad(two_args, argnums=(0, 1))(x, y), rel=1e-12)
    np.testing.assert_allclose(vjp_fn((1.0, -2.0)), h.T @ [1.0, -2.0], rtol=1e-12)


def test_reverse_mode_over_a_backward_loop_of_lists_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="returns a list"):
        grad(grad(list_horner))([1.0, 2.0], 0.5)


def mixing(x, a):
    u, v = x, 1.0
    for k in range(4):
        u, v = u * a + v * k, v * (a + k) - u * k
    return u + 2.0 * v


def test_reverse_over_a_backward_loop_without_a_tape_runs_it_forwards() -> None:
    # The gradient's backward loop reads no carried values (no tape); reverse mode over
    # it must undo its iterations in the opposite (forward) order.
    x, a = 0.7, 0.9
    gx = grad(mixing, argnums=0)
    want = fd(lambda t: gx(x, t), a)
    assert grad(gx, argnums=1)(x, a) == pytest.approx(want, rel=1e-6)
    assert hessian(mixing, argnums=(0, 1))(x, a)[0][1] == pytest.approx(want, rel=1e-6)
