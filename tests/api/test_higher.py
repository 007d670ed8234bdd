"""Higher derivatives: hessian, hvp, and transforms of transforms (grad of grad, jvp of
grad, vjp of grad), against SymPy and finite differences of the gradient."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy

import symdiff
from symdiff import grad, hessian, hvp, jvp, vjp
from symdiff.export.sympy import to_sympy
from symdiff.frontend.lower import lower
from symdiff.runtime.spec import Spec


def sympy_derivative(fun: Any, args: tuple[float, ...], *wrt: int) -> float:
    """d^k fun / d wrt[0] ... d wrt[-1] at `args`, by SymPy."""
    program = lower(fun)
    symbols = [sympy.Symbol(p.attrs[0], real=True) for p in program.params]
    expr = sympy.diff(to_sympy(program), *(symbols[i] for i in wrt))
    return float(sympy.lambdify(symbols, expr, modules="math")(*args))


def sympy_hessian(fun: Any, args: tuple[float, ...]) -> np.ndarray:
    program = lower(fun)
    symbols = [sympy.Symbol(p.attrs[0], real=True) for p in program.params]
    h = sympy.hessian(to_sympy(program), symbols)
    return np.array(sympy.lambdify(symbols, h.tolist(), modules="math")(*args), dtype=float)


def mixed(x, y, z):
    return math.sin(x * y) + math.exp(z / y) * x ** 3 + math.log(x * x + z)


def two(x, y):
    return math.atan2(y, x) * math.hypot(x, y) + x ** 3 / y


def branchy(x, y):
    if x > y:
        z = x * x * y
    else:
        z = math.sin(x) * y ** 3
    return z


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_list(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def horner(x):
    p = 0.0
    for k in range(5):
        p = p * x + (5 - k)
    return p


def fd_jacobian(g: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a gradient function: its Jacobian, the Hessian."""
    cols = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize(("fun", "args"), [
    (mixed, (0.7, 1.3, 0.4)),
    (two, (1.5, -0.8)),
    (branchy, (2.0, 1.0)),
    (branchy, (0.5, 1.5)),
])
def test_hessian_of_numbers_matches_sympy(fun: Any, args: tuple[float, ...]) -> None:
    n = len(args)
    got = np.array(hessian(fun, argnums=tuple(range(n)))(*args))
    np.testing.assert_allclose(got, sympy_hessian(fun, args), rtol=1e-10, atol=1e-12)
    assert (got == got.T).all()  # exactly symmetric


def test_hessian_int_argnums_is_a_number() -> None:
    h = hessian(mixed)(0.7, 1.3, 0.4)
    assert isinstance(h, float)
    assert h == pytest.approx(sympy_derivative(mixed, (0.7, 1.3, 0.4), 0, 0), rel=1e-12)


def test_hessian_keywords_and_int_promotion() -> None:
    h = hessian(two, argnums=1)
    assert h(2, y=1) == pytest.approx(sympy_derivative(two, (2.0, 1.0), 1, 1), rel=1e-12)


def test_hessian_program_shares_the_gradients_subexpressions() -> None:
    text = hessian(two, argnums=(0, 1)).source
    assert "def two_hessian(x, y):" in text
    assert text.count("math.atan2(") == 1 and text.count("math.hypot(") == 1
    assert "return ((h_x_x, h_x_y), (h_x_y, h_y_y))" in text


def test_rosenbrock_array_hessian_matches_sympy_and_differences() -> None:
    x = np.array([1.2, 0.8, -0.5, 1.1])
    got = hessian(rosenbrock)(x)
    assert got.shape == (4, 4) and got.dtype == np.float64
    xs = sympy.symbols("x0:4", real=True)
    expr = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3))
    want = np.array(sympy.hessian(expr, xs).subs(dict(zip(xs, x, strict=True))), dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, fd_jacobian(grad(rosenbrock), x), rtol=1e-6, atol=1e-4)


def test_hessian_of_a_matrix_argument_has_shape_s_plus_s() -> None:
    def f(a):
        return np.sum(np.sin(a) * a)

    a = np.arange(6.0).reshape(2, 3) / 7
    h = hessian(f)(a)
    assert h.shape == (2, 3, 2, 3)
    want = np.zeros((2, 3, 2, 3))
    for i, j in np.ndindex(2, 3):
        want[i, j, i, j] = 2 * np.cos(a[i, j]) - a[i, j] * np.sin(a[i, j])
    np.testing.assert_allclose(h, want, rtol=1e-12, atol=1e-15)


def test_hessian_of_a_list_through_a_loop() -> None:
    x = [1.2, 0.8, -0.5, 1.1]
    got = hessian(rosenbrock_list)(x)
    assert isinstance(got, list) and len(got) == 4 and all(len(r) == 4 for r in got)
    np.testing.assert_allclose(np.array(got), hessian(rosenbrock)(np.array(x)), rtol=1e-12)


def test_hessian_mixed_number_and_array_blocks() -> None:
    def f(s, x):
        return s * s * np.sum(x ** 3)

    x = np.array([0.5, -1.0, 2.0])
    (hss, hsx), (hxs, hxx) = hessian(f, argnums=(0, 1))(1.5, x)
    assert hss == pytest.approx(2 * np.sum(x ** 3))
    np.testing.assert_allclose(hsx, 2 * 1.5 * 3 * x ** 2)
    np.testing.assert_allclose(hxs, hsx)
    np.testing.assert_allclose(hxx, np.diag(1.5 ** 2 * 6 * x))


def test_hvp_matches_hessian_times_vector() -> None:
    x = np.array([1.2, 0.8, -0.5, 1.1])
    v = np.array([0.3, -1.0, 2.0, 0.5])
    np.testing.assert_allclose(hvp(rosenbrock, (x,), (v,)), hessian(rosenbrock)(x) @ v,
                               rtol=1e-12)
    args = (0.7, 1.3, 0.4)
    u = (1.0, -2.0, 0.5)
    got = hvp(mixed, args, u, argnums=(0, 1, 2))
    np.testing.assert_allclose(got, sympy_hessian(mixed, args) @ np.array(u), rtol=1e-10)


def test_hvp_is_one_program_without_the_hessian() -> None:
    text = symdiff.source(grad(rosenbrock), mode="forward", args=(np.ones(3),))
    assert "def rosenbrock_grad_jvp(x, x_dot):" in text
    assert "for " not in text  # no loop over directions


def test_third_derivatives_match_sympy() -> None:
    args = (0.7, 1.3, 0.4)
    d3 = grad(grad(grad(mixed)))
    assert d3(*args) == pytest.approx(sympy_derivative(mixed, args, 0, 0, 0), rel=1e-10)
    dxyz = grad(grad(grad(mixed, argnums=2), argnums=1), argnums=0)
    assert dxyz(*args) == pytest.approx(sympy_derivative(mixed, args, 2, 1, 0), rel=1e-10)
    assert "def mixed_grad_grad_grad(x, y, z):" in d3.source


def test_fourth_derivative_of_a_polynomial_is_exact() -> None:
    def p(x):
        return 3 * x ** 5 - x ** 4 + 2 * x

    assert grad(grad(grad(grad(p))))(2.0) == pytest.approx(360 * 2.0 - 24, rel=1e-12)


def test_jvp_and_vjp_of_grad() -> None:
    args = (1.5, -0.8)
    h = sympy_hessian(two, args)
    value, tangent = jvp(grad(two), args, (1.0, 0.0))
    assert value == pytest.approx(grad(two)(*args), rel=1e-14)
    assert tangent == pytest.approx(h[0, 0], rel=1e-10)
    _, back = vjp(grad(two, argnums=(0, 1)), *args)
    np.testing.assert_allclose(back((1.0, 2.0)), h.T @ np.array([1.0, 2.0]), rtol=1e-10)


def test_value_and_grad_of_grad() -> None:
    value, second = symdiff.value_and_grad(grad(two))(1.5, -0.8)
    assert value == pytest.approx(grad(two)(1.5, -0.8), rel=1e-14)
    assert second == pytest.approx(sympy_derivative(two, (1.5, -0.8), 0, 0), rel=1e-10)


def test_higher_order_through_branches() -> None:
    for args in ((2.0, 1.0), (0.5, 1.5)):
        assert grad(grad(grad(branchy)))(*args) == pytest.approx(
            sympy_derivative(branchy, args, 0, 0, 0), rel=1e-12, abs=1e-14)


def test_grad_of_a_tuple_valued_gradient_is_an_error() -> None:
    with pytest.raises(TypeError, match="one scalar output"):
        grad(grad(two, argnums=(0, 1)))(1.0, 2.0)


def test_loop_without_a_tape_differentiates_twice() -> None:
    def total(x, n):
        s = 0.0
        for k in range(n):
            s += math.sin(k * x)
        return s

    want = sum(-(k * k) * math.sin(k * 0.3) for k in range(6))
    assert grad(grad(total))(0.3, 6) == pytest.approx(want, rel=1e-12)
    assert hessian(total)(0.3, 6) == pytest.approx(want, rel=1e-12)


def array_loop(v):
    w = v
    for _ in range(3):
        w = np.sin(w) * w + v
    return np.sum(w * w)


def test_vjp_of_a_gradient_with_a_taped_loop_of_arrays_is_the_hessian_product() -> None:
    # Reverse mode cannot go through the gradient's backward loop: forward mode over
    # the gradient gives the same product, H being symmetric, in one pass.
    v, ct = np.array([0.3, -0.5, 0.8]), np.array([1.0, 2.0, -1.0])
    value, vjp_fn = vjp(grad(array_loop), v)
    np.testing.assert_allclose(value, grad(array_loop)(v), rtol=1e-12)
    (got,) = vjp_fn(ct)
    np.testing.assert_allclose(got, hvp(array_loop, (v,), (ct,)), rtol=1e-12)
    np.testing.assert_allclose(got, np.asarray(hessian(array_loop)(v)) @ ct, rtol=1e-12)


def test_cache_keys_cover_the_whole_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    first, second = Spec("grad", 0), Spec("grad", 0, inner=Spec("grad", 0))
    assert first != second and first.key() != second.key()
    assert Spec("grad", 0, inner=Spec("grad", 1)).key() != second.key()
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path))

    def cube(x):
        return x ** 3

    # A warm disk cache holding the first derivative does not serve the second.
    assert grad(cube)(2.0) == pytest.approx(12.0)
    assert grad(grad(cube))(2.0) == pytest.approx(12.0 * 1.0)
    assert grad(grad(grad(cube)))(2.0) == pytest.approx(6.0)
    assert jvp(grad(cube), (2.0,), (1.0,)) == pytest.approx((12.0, 12.0))
