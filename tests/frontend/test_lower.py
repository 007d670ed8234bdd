"""Every construct of the supported input language, checked end to end.

Each test lowers a small function through the public API and compares values and
gradients (reverse mode via `grad`/`vjp`, forward mode via `jvp`) with analytic
derivatives or central finite differences.
"""

from __future__ import annotations

import math
import sys

import pytest

import symdiff
from symdiff import grad, jvp, value_and_grad, vjp

from . import _lower_fixtures as fx

pytestmark = pytest.mark.usefixtures("no_disk_cache")


# Helpers ------------------------------------------------------------------------------


def finite_diff(f, args, h=1e-6):
    """Central differences of `f` with respect to every argument."""
    out = []
    for i in range(len(args)):
        up = list(args)
        down = list(args)
        up[i] += h
        down[i] -= h
        out.append((f(*up) - f(*down)) / (2 * h))
    return tuple(out)


def all_modes(f, *args):
    """The gradient of `f` with respect to every argument, checked across modes.

    Reverse mode (grad, value_and_grad, vjp) and forward mode (jvp with unit tangents)
    must agree with each other, and the primal value with `f` itself.
    """
    n = len(args)
    nums = tuple(range(n))
    g = grad(f, argnums=nums)(*args)
    assert isinstance(g, tuple) and len(g) == n
    assert all(type(v) is float for v in g)
    value, g2 = value_and_grad(f, argnums=nums)(*args)
    assert value == pytest.approx(f(*args), rel=1e-15)
    assert g2 == pytest.approx(g, rel=1e-13, abs=1e-15)
    out, vjp_fn = vjp(f, *args)
    assert out == pytest.approx(f(*args), rel=1e-15)
    assert vjp_fn(1.0) == pytest.approx(g, rel=1e-13, abs=1e-15)
    for i in range(n):
        tangent = tuple(1.0 if j == i else 0.0 for j in range(n))
        primal_out, tangent_out = jvp(f, args, tangent)
        assert primal_out == pytest.approx(f(*args), rel=1e-15)
        assert tangent_out == pytest.approx(g[i], rel=1e-12, abs=1e-15)
    return g


def check_fd(f, *args, rel=1e-6, abs=1e-7):
    """Gradient in every mode, and equal to central finite differences."""
    g = all_modes(f, *args)
    assert g == pytest.approx(finite_diff(f, args), rel=rel, abs=abs)
    return g


# Parameters, assignment, unpacking ------------------------------------------------------


def with_default(x, y=2.0):
    return x * y * y


def test_positional_params_and_defaults():
    # Default omitted: y = 2.0.
    assert grad(with_default)(3.0) == 4.0
    assert grad(with_default, argnums=1)(3.0) == 12.0
    assert grad(with_default, argnums=(0, 1))(3.0) == (4.0, 12.0)
    # Given positionally and by keyword.
    assert grad(with_default)(3.0, 5.0) == 25.0
    assert grad(with_default)(3.0, y=5.0) == 25.0
    assert grad(with_default, argnums=(0, 1))(x=3.0, y=5.0) == (25.0, 30.0)
    assert grad(with_default, argnums=1)(y=5.0, x=3.0) == 30.0
    check_fd(with_default, 3.0, 5.0)


def int_default(x, n=3):
    return x**n


def test_int_default_is_promoted_when_differentiated():
    g = grad(int_default, argnums=(0, 1))(2.0)
    assert g == pytest.approx((12.0, 8.0 * math.log(2.0)))
    assert all(type(v) is float for v in g)


def assignment(x, y):
    a = x * y
    b = a + x
    a = b * b
    return a - y


def test_assignment_and_rebinding():
    # a = (x*y + x)**2 - y
    x, y = 1.5, -0.5
    g = check_fd(assignment, x, y)
    inner = x * y + x
    assert g == pytest.approx((2 * inner * (y + 1), 2 * inner * x - 1))


def chained_assignment(x):
    a = b = x * 3.0
    return a * b


def test_chained_assignment():
    assert grad(chained_assignment)(2.0) == pytest.approx(36.0)


def tuple_unpack(x, y):
    a, b = x * 2.0, y * 3.0
    return a * b


def test_tuple_unpacking():
    assert check_fd(tuple_unpack, 1.5, 2.5) == pytest.approx((6 * 2.5, 6 * 1.5))


def nested_unpack(x, y, z):
    (a, b), c = (x, y), z
    return a + 10.0 * b + 100.0 * c


def test_nested_tuple_unpacking():
    assert check_fd(nested_unpack, 1.0, 2.0, 3.0) == (1.0, 10.0, 100.0)


def swap(x, y):
    a, b = x, y
    a, b = b, a
    return a + 10.0 * b


def test_swap():
    assert check_fd(swap, 1.0, 2.0) == (10.0, 1.0)


def paren_unpack(x, y):
    (a, b) = (y, x)
    return a * a + b


def test_parenthesised_unpacking():
    assert check_fd(paren_unpack, 1.0, 2.0) == (1.0, 4.0)


# Augmented assignment -----------------------------------------------------------------


def aug_add(x, y):
    t = x * x
    t += y
    return t


def aug_sub(x, y):
    t = x * x
    t -= y
    return t


def aug_mul(x, y):
    t = x * x
    t *= y
    return t


def aug_div(x, y):
    t = x * x
    t /= y
    return t


def aug_pow(x, y):
    t = x * x
    t **= y
    return t


def aug_floordiv(x, y):
    t = x * x
    t //= y
    return t + x


def aug_mod(x, y):
    t = x * x
    t %= y
    return t


X, Y = 1.7, 1.3
AUG_CASES = [
    (aug_add, (2 * X, 1.0)),
    (aug_sub, (2 * X, -1.0)),
    (aug_mul, (2 * X * Y, X * X)),
    (aug_div, (2 * X / Y, -X * X / Y**2)),
    (aug_pow, (Y * (X * X) ** (Y - 1) * 2 * X, (X * X) ** Y * math.log(X * X))),
    (aug_floordiv, (1.0, 0.0)),  # floor division is piecewise constant
    (aug_mod, (2 * X, -math.floor(X * X / Y))),
]


@pytest.mark.parametrize(("f", "expected"), AUG_CASES, ids=[f.__name__ for f, _ in AUG_CASES])
def test_augmented_assignment(f, expected):
    assert check_fd(f, X, Y) == pytest.approx(expected, rel=1e-12)


def annotated(x):
    y: float = x * 3.0
    z: float  # noqa: F842 (a bare annotation is allowed and ignored)
    w: int = 2
    return y * w


def test_annotated_assignment():
    assert check_fd(annotated, 1.25) == (6.0,)
    assert value_and_grad(annotated)(1.25) == (7.5, 6.0)


# Return -------------------------------------------------------------------------------


def returns_expression(x, y):
    return (x + y) * (x - y) / 2.0


def test_return_expression():
    assert check_fd(returns_expression, 3.0, 1.0) == pytest.approx((3.0, -1.0))


def returns_tuple(x, y):
    return x * y, x + y


def test_return_tuple_with_jvp_and_vjp():
    out, tangent = jvp(returns_tuple, (2.0, 3.0), (1.0, 0.0))
    assert out == (6.0, 5.0)
    assert tangent == (3.0, 1.0)
    out, tangent = jvp(returns_tuple, (2.0, 3.0), (0.5, 2.0))
    assert tangent == (0.5 * 3.0 + 2.0 * 2.0, 2.5)
    out, vjp_fn = vjp(returns_tuple, 2.0, 3.0)
    assert out == (6.0, 5.0)
    assert vjp_fn((1.0, 0.0)) == (3.0, 2.0)
    assert vjp_fn((0.0, 1.0)) == (1.0, 1.0)
    assert vjp_fn((2.0, -1.0)) == (5.0, 3.0)


def returns_nested_tuple(x):
    return (x, x * 2.0), x * x


def test_return_nested_tuple_with_jvp():
    out, tangent = jvp(returns_nested_tuple, (3.0,), (1.0,))
    assert out == ((3.0, 6.0), 9.0)
    assert tangent == ((1.0, 2.0), 6.0)


def test_return_nested_tuple_with_vjp():
    out, vjp_fn = vjp(returns_nested_tuple, 3.0)
    assert out == ((3.0, 6.0), 9.0)
    assert vjp_fn(((1.0, 1.0), 1.0)) == (1.0 + 2.0 + 6.0,)


# Operators and literals ---------------------------------------------------------------

A, B = 2.5, 1.5
OPERATOR_CASES = [
    ("add", lambda x, y: x + y, (1.0, 1.0)),
    ("sub", lambda x, y: x - y, (1.0, -1.0)),
    ("mul", lambda x, y: x * y, (B, A)),
    ("truediv", lambda x, y: x / y, (1 / B, -A / B**2)),
    ("pow", lambda x, y: x**y, (B * A ** (B - 1), A**B * math.log(A))),
    ("floordiv", lambda x, y: x // y, (0.0, 0.0)),
    ("mod", lambda x, y: x % y, (1.0, -math.floor(A / B))),
]


@pytest.mark.parametrize(("f", "expected"), [c[1:] for c in OPERATOR_CASES],
                         ids=[c[0] for c in OPERATOR_CASES])
def test_binary_operator(f, expected):
    g = all_modes(f, A, B)
    assert g == pytest.approx(expected, rel=1e-13)
    if expected != (0.0, 0.0):
        assert g == pytest.approx(finite_diff(f, (A, B)), rel=1e-6)


def unary_ops(x):
    return -x * x + (+x) * 3.0 - (-(+(-x)))


def test_unary_minus_and_plus():
    # -x**2 + 3x - x
    assert check_fd(unary_ops, 1.25) == pytest.approx((-2.5 + 2.0,))


def literals(x):
    return 2 * x + 1.5 * x * x + 3 - 0.25 + 1e-3 * x


def test_int_and_float_literals():
    x = 2.0
    assert check_fd(literals, x) == pytest.approx((2 + 3.0 * x + 1e-3,))
    assert value_and_grad(literals)(x)[0] == pytest.approx(literals(x))


def int_only_literals(x):
    return x * 0 + 7 // 2 + 2**3


def test_constant_subexpressions():
    assert value_and_grad(int_only_literals)(5.0) == (11.0, 0.0)


# math functions -------------------------------------------------------------------------

MATH_UNARY_CASES = [
    ("sin", lambda x: math.sin(x), 0.7, math.cos(0.7)),
    ("cos", lambda x: math.cos(x), 0.7, -math.sin(0.7)),
    ("tan", lambda x: math.tan(x), 0.7, 1 + math.tan(0.7) ** 2),
    ("asin", lambda x: math.asin(x), 0.3, 1 / math.sqrt(1 - 0.09)),
    ("acos", lambda x: math.acos(x), 0.3, -1 / math.sqrt(1 - 0.09)),
    ("atan", lambda x: math.atan(x), 0.7, 1 / (1 + 0.49)),
    ("sinh", lambda x: math.sinh(x), 0.7, math.cosh(0.7)),
    ("cosh", lambda x: math.cosh(x), 0.7, math.sinh(0.7)),
    ("tanh", lambda x: math.tanh(x), 0.7, 1 - math.tanh(0.7) ** 2),
    ("asinh", lambda x: math.asinh(x), 0.7, 1 / math.sqrt(0.49 + 1)),
    ("acosh", lambda x: math.acosh(x), 1.7, 1 / math.sqrt(1.7**2 - 1)),
    ("atanh", lambda x: math.atanh(x), 0.3, 1 / (1 - 0.09)),
    ("exp", lambda x: math.exp(x), 0.7, math.exp(0.7)),
    ("expm1", lambda x: math.expm1(x), 0.7, math.exp(0.7)),
    ("log", lambda x: math.log(x), 0.7, 1 / 0.7),
    ("log1p", lambda x: math.log1p(x), 0.7, 1 / 1.7),
    ("log2", lambda x: math.log2(x), 0.7, 1 / (0.7 * math.log(2))),
    ("log10", lambda x: math.log10(x), 0.7, 1 / (0.7 * math.log(10))),
    ("sqrt", lambda x: math.sqrt(x), 0.7, 0.5 / math.sqrt(0.7)),
    ("erf", lambda x: math.erf(x), 0.7, 2 / math.sqrt(math.pi) * math.exp(-0.49)),
    ("erfc", lambda x: math.erfc(x), 0.7, -2 / math.sqrt(math.pi) * math.exp(-0.49)),
    ("degrees", lambda x: math.degrees(x), 0.7, 180 / math.pi),
    ("radians", lambda x: math.radians(x), 0.7, math.pi / 180),
    ("fabs", lambda x: math.fabs(x), -0.7, -1.0),
]


@pytest.mark.parametrize(("f", "x", "expected"), [c[1:] for c in MATH_UNARY_CASES],
                         ids=[c[0] for c in MATH_UNARY_CASES])
def test_math_unary_function(f, x, expected):
    (g,) = check_fd(f, x)
    assert g == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", [c[0] for c in MATH_UNARY_CASES])
def test_math_function_passed_directly(name):
    fn = getattr(math, name)
    x = next(c[2] for c in MATH_UNARY_CASES if c[0] == name)
    expected = next(c[3] for c in MATH_UNARY_CASES if c[0] == name)
    assert grad(fn)(x) == pytest.approx(expected, rel=1e-12)
    assert jvp(fn, (x,), (1.0,)) == pytest.approx((fn(x), expected), rel=1e-12)


def atan2_fn(y, x):
    return math.atan2(y, x)


def log_base(x, b):
    return math.log(x, b)


def hypot2(x, y):
    return math.hypot(x, y)


def hypot3(x, y, z):
    return math.hypot(x, y, z)


def math_pow(x, y):
    return math.pow(x, y)


def copysign_fn(x, y):
    return math.copysign(x, y)


def test_atan2():
    y, x = 0.8, -1.3
    r2 = x * x + y * y
    assert check_fd(atan2_fn, y, x) == pytest.approx((x / r2, -y / r2), rel=1e-12)


def test_log_with_one_and_two_arguments():
    assert check_fd(lambda x: math.log(x), 2.0) == pytest.approx((0.5,))
    x, b = 5.0, 3.0
    expected = (1 / (x * math.log(b)), -math.log(x) / (b * math.log(b) ** 2))
    assert check_fd(log_base, x, b) == pytest.approx(expected, rel=1e-12)


def test_hypot_with_two_and_three_arguments():
    assert check_fd(hypot2, 3.0, 4.0) == pytest.approx((0.6, 0.8), rel=1e-12)
    assert check_fd(hypot3, 1.0, 2.0, 2.0) == pytest.approx((1 / 3, 2 / 3, 2 / 3), rel=1e-12)


def test_math_pow():
    x, y = 1.7, 2.3
    expected = (y * x ** (y - 1), x**y * math.log(x))
    assert check_fd(math_pow, x, y) == pytest.approx(expected, rel=1e-12)


def test_copysign():
    assert check_fd(copysign_fn, 2.0, -1.0) == (-1.0, 0.0)
    assert check_fd(copysign_fn, -2.0, -1.0) == (1.0, 0.0)
    assert check_fd(copysign_fn, -2.0, 3.0) == (-1.0, 0.0)


def test_math_constants():
    x = 0.5
    (g,) = all_modes(lambda x: math.pi * x + math.e * x * x + math.tau, x)
    assert g == pytest.approx(math.pi + 2 * math.e * x, rel=1e-15)
    assert value_and_grad(lambda x: math.pi * x + math.e * x * x + math.tau)(x)[0] == (
        pytest.approx(math.pi * x + math.e * x * x + math.tau, rel=1e-15)
    )
    # inf: a bound that never binds, and inf as a value.
    assert grad(lambda x: min(x, math.inf))(2.0) == 1.0
    assert value_and_grad(lambda x: max(x, -math.inf) * 3.0)(2.0) == (6.0, 3.0)
    assert value_and_grad(lambda x: x + math.inf)(2.0) == (math.inf, 1.0)


# Builtins -------------------------------------------------------------------------------


def test_abs():
    assert check_fd(lambda x: abs(x) * 2.0, -1.5) == (-2.0,)
    assert check_fd(lambda x: abs(x) * 2.0, 1.5) == (2.0,)
    assert grad(abs)(-3.0) == -1.0


def min2(x, y):
    return min(x, y)


def max2(x, y):
    return max(x, y)


def min3(x, y, z):
    return min(x, y, z)


def max3(x, y, z):
    return max(x, y, z)


def test_min_max_two_arguments():
    assert check_fd(min2, 1.0, 2.0) == (1.0, 0.0)
    assert check_fd(min2, 3.0, 2.0) == (0.0, 1.0)
    assert check_fd(max2, 1.0, 2.0) == (0.0, 1.0)
    assert check_fd(max2, 3.0, 2.0) == (1.0, 0.0)


def test_min_max_three_arguments():
    assert check_fd(max3, 1.0, 3.0, 2.0) == (0.0, 1.0, 0.0)
    assert check_fd(max3, 1.0, 2.0, 3.0) == (0.0, 0.0, 1.0)
    assert check_fd(max3, 4.0, 2.0, 3.0) == (1.0, 0.0, 0.0)
    assert check_fd(min3, 1.0, 3.0, 2.0) == (1.0, 0.0, 0.0)
    assert check_fd(min3, 3.0, 2.0, 1.0) == (0.0, 0.0, 1.0)
    assert value_and_grad(min3, argnums=(0, 1, 2))(3.0, 0.5, 1.0) == (0.5, (0.0, 1.0, 0.0))


def float_builtin(x):
    return float(x) * float(x) + float(2)


def test_float_builtin():
    assert check_fd(float_builtin, 1.5) == (3.0,)


def builtin_pow(x, y):
    return pow(x, y) + pow(x, 2)


def test_builtin_pow():
    x, y = 1.5, 2.5
    expected = (y * x ** (y - 1) + 2 * x, x**y * math.log(x))
    assert check_fd(builtin_pow, x, y) == pytest.approx(expected, rel=1e-12)


# Free names: globals, closures, imports -------------------------------------------------


def test_global_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch):
    g = grad(fx.scaled)
    vg = value_and_grad(fx.scaled)
    assert g(1.0) == 4.0
    monkeypatch.setattr(fx, "SCALE", 5.0)
    assert g(1.0) == 10.0
    assert vg(2.0) == (20.0, 20.0)
    assert jvp(fx.scaled, (1.0,), (1.0,)) == (5.0, 10.0)
    monkeypatch.setattr(fx, "SCALE", 3)  # an int global works too
    assert g(1.0) == 6.0


def test_global_named_like_a_temporary():
    x = 0.7
    s, c = math.sin(x * x), math.cos(x * x)
    expected = 3.0 * 2 * s * c * 2 * x - s * 2 * x
    assert check_fd(fx.global_named_like_temporary, x) == pytest.approx((expected,), rel=1e-12)


def test_global_returned_directly(monkeypatch: pytest.MonkeyPatch):
    assert value_and_grad(fx.returns_global)(1.0) == (2.0, 0.0)
    monkeypatch.setattr(fx, "SCALE", 4.0)
    assert value_and_grad(fx.returns_global)(1.0) == (4.0, 0.0)
    assert jvp(fx.returns_global_and_value, (3.0,), (1.0,)) == ((9.0, 4.0), (6.0, 0.0))
    out, vjp_fn = vjp(fx.returns_global_and_value, 3.0)
    assert out == (9.0, 4.0)
    assert vjp_fn((1.0, 1.0)) == (6.0,)


def test_closure_variable_is_read_at_call_time():
    k = 2.0

    def f(x):
        return k * x * x

    g = grad(f)
    assert g(1.0) == 4.0
    k = 5.0
    assert g(1.0) == 10.0
    assert jvp(f, (1.0,), (1.0,)) == (5.0, 10.0)


def make_counter_closure(k):
    def f(x):
        return k * x

    return f


def test_closures_from_one_factory_are_independent():
    g2 = grad(make_counter_closure(2.0))
    g3 = grad(make_counter_closure(3.0))
    assert (g2(1.0), g3(1.0)) == (2.0, 3.0)


def test_from_math_import():
    x = 0.4
    assert check_fd(fx.from_import, x) == pytest.approx((3.0 * math.cos(x),), rel=1e-13)


def test_import_math_as_alias():
    x = 0.4
    expected = (-math.sin(x) + math.pi,)
    assert check_fd(fx.module_alias, x) == pytest.approx(expected, rel=1e-13)


def documented(x):
    """A docstring is ignored."""
    pass
    y = x * x
    pass
    return y


def test_docstring_and_pass_are_ignored():
    assert check_fd(documented, 3.0) == (6.0,)


# Lambdas and builtins passed directly ------------------------------------------------------


def test_lambda_inline():
    assert grad(lambda x: x * x)(3.0) == 6.0
    assert value_and_grad(lambda x, y: x * y, argnums=1)(3.0, 4.0) == (12.0, 3.0)


def test_two_lambdas_on_one_line_with_different_arguments():
    f, g = grad(lambda x: x * 2.0), grad(lambda y: y * y)
    assert (f(5.0), g(5.0)) == (2.0, 10.0)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="needs code positions (3.11+)")
def test_two_lambdas_on_one_line_with_the_same_arguments():
    f, g = grad(lambda x: x * 2.0), grad(lambda x: x * x)
    assert (f(5.0), g(5.0)) == (2.0, 10.0)


def test_grad_of_math_functions_directly():
    assert grad(math.sin)(0.0) == 1.0
    assert grad(math.atan2, argnums=1)(1.0, 2.0) == pytest.approx(-1.0 / 5.0)
    assert grad(math.atan2, argnums=(0, 1))(1.0, 2.0) == pytest.approx((2.0 / 5.0, -1.0 / 5.0))
    assert grad(math.hypot, argnums=(0, 1))(3.0, 4.0) == pytest.approx((0.6, 0.8))
    assert grad(max, argnums=(0, 1))(1.0, 2.0) == (0.0, 1.0)


# Conventions at non-differentiable points -----------------------------------------------


def test_abs_derivative_at_zero_is_zero():
    assert grad(lambda x: abs(x))(0.0) == 0.0
    assert grad(abs)(0.0) == 0.0
    assert grad(math.fabs)(0.0) == 0.0
    assert jvp(lambda x: abs(x), (0.0,), (1.0,)) == (0.0, 0.0)


def test_min_max_tie_splits_evenly():
    assert grad(max2, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert grad(min2, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert jvp(max2, (1.0, 1.0), (1.0, 0.0)) == (1.0, 0.5)


def test_sqrt_derivative_at_zero_is_inf():
    assert grad(lambda x: math.sqrt(x))(0.0) == math.inf
    assert grad(math.sqrt)(0.0) == math.inf
    assert jvp(lambda x: math.sqrt(x), (0.0,), (1.0,)) == (0.0, math.inf)


def test_power_one_half_derivative_at_zero_is_inf():
    assert grad(lambda x: x**0.5)(0.0) == math.inf
    assert value_and_grad(lambda x: x**0.5)(0.0) == (0.0, math.inf)


def pow_both(x, y):
    return x**y


def test_pow_exponent_derivative_needs_a_positive_base():
    # Documented convention (docs/supported.md): d/dy x**y = x**y * log(x) is 0 at x == 0 and nan
    # for x < 0 (a derivative-only domain error: x**y is real only at whole y there).
    assert grad(pow_both)(0.0, 2.0) == 0.0
    assert grad(pow_both)(-2.0, 2.0) == -4.0
    assert grad(pow_both, argnums=1)(0.0, 2.0) == 0.0
    assert math.isnan(grad(pow_both, argnums=1)(-2.0, 2.0))


def test_pow_with_a_constant_exponent_at_negative_base():
    assert grad(pow_both)(-2.0, 2.0) == -4.0
    assert grad(lambda x: x**3)(-2.0) == 12.0


# Domain errors, nan and inf ---------------------------------------------------------------


def _raised(thunk):
    try:
        thunk()
    except Exception as exc:  # the original's own error, whatever it is
        return exc
    raise AssertionError("expected the original function to raise")


def unused_log(x):
    y = math.log(x)  # noqa: F841 - never used, but the function raises here
    return x * 2.0


@pytest.mark.parametrize(
    ("f", "x"),
    [
        pytest.param(lambda x: math.sqrt(x), -1.0, id="sqrt"),
        pytest.param(lambda x: math.asin(x), 2.0, id="asin"),
        pytest.param(lambda x: math.acosh(x), 0.5, id="acosh"),
        pytest.param(lambda x: 1 / x, 0.0, id="div0"),
        pytest.param(lambda x: math.exp(x), 1000.0, id="exp-overflow"),
        pytest.param(lambda x: x * math.log(x), -1.0, id="x-log-neg"),
        pytest.param(lambda x: math.log(x), 0.0, id="log0"),
        pytest.param(lambda x: math.log(x), -1.0, id="log-neg"),
        pytest.param(lambda x: math.log1p(x), -2.0, id="log1p-neg"),
        pytest.param(lambda x: math.atanh(x), 2.0, id="atanh"),
        pytest.param(lambda x: x % 0.0, 1.0, id="mod0"),
        pytest.param(lambda x: x // 0.0, 1.0, id="floordiv0"),
        pytest.param(lambda x: x * 2.0 + 0.0 * math.log(x), -1.0, id="log-times-zero"),
        pytest.param(unused_log, -1.0, id="unused-local-log"),
    ],
)
def test_domain_errors_behave_like_the_original(f, x):
    original = _raised(lambda: f(x))
    for thunk in (
        lambda: grad(f)(x),
        lambda: value_and_grad(f)(x),
        lambda: jvp(f, (x,), (1.0,)),
        lambda: vjp(f, x),
    ):
        with pytest.raises(type(original)) as info:
            thunk()
        assert str(info.value) == str(original)


def test_domain_error_of_math_function_passed_directly():
    with pytest.raises(ValueError, match="math domain error"):
        grad(math.sqrt)(-1.0)


def test_nan_and_inf_propagate():
    nan, inf = math.nan, math.inf
    assert math.isnan(grad(lambda x: x * x)(nan))
    assert grad(lambda x: x * x)(inf) == inf
    assert grad(lambda x: x * x)(-inf) == -inf
    value, g = value_and_grad(lambda x, y: x * y)(2.0, nan)
    assert math.isnan(value) and math.isnan(g)
    assert grad(lambda x: math.exp(x))(inf) == inf
    assert grad(lambda x: math.exp(x))(-inf) == 0.0
    out, tangent = jvp(lambda x: x * 3.0, (1.0,), (nan,))
    assert out == 3.0 and math.isnan(tangent)
    out, tangent = jvp(lambda x: x * 3.0, (1.0,), (inf,))
    assert tangent == inf
    assert grad(lambda x, y: x * y, argnums=1)(inf, 0.0) == inf
    # A derivative that involves inf * 0 is nan, never silently 0.
    assert math.isnan(grad(lambda x: x * x * 0.0)(inf))


def test_integer_arguments_are_promoted_to_float():
    g = grad(lambda x: x * x)(3)
    assert g == 6.0 and type(g) is float
    g2 = grad(lambda x, y: x / y, argnums=(0, 1))(1, 2)
    assert g2 == (0.5, -0.25)
    assert all(type(v) is float for v in g2)
    value, g3 = value_and_grad(lambda x: x // 2)(7)
    assert (value, g3) == (3.0, 0.0) and type(value) is float and type(g3) is float
    out, tangent = jvp(lambda x: x * x, (3,), (1,))
    assert (out, tangent) == (9.0, 6.0) and type(out) is float and type(tangent) is float
    # Float and int calls of the same transform give the same result.
    h = grad(lambda x: 1 / x)
    assert h(2) == h(2.0) == -0.25


def essay(a, b):
    c = a + b
    d = b + 1
    e = c * d
    return e


def test_essay_example():
    assert value_and_grad(essay, argnums=(0, 1))(2.0, 1.0) == (6.0, (2.0, 5.0))
    assert value_and_grad(essay, argnums=(0, 1))(2, 1) == (6.0, (2.0, 5.0))
    assert grad(essay, argnums=(0, 1))(2.0, 1.0) == (2.0, 5.0)
    assert jvp(essay, (2.0, 1.0), (1.0, 0.0)) == (6.0, 2.0)
    assert jvp(essay, (2.0, 1.0), (0.0, 1.0)) == (6.0, 5.0)
    check_fd(essay, 2.0, 1.0)


# Name collisions in generated code ------------------------------------------------------------


def param_named_like_temporaries(_t0, x_bar):
    c = _t0 * x_bar
    d = c * c
    return d + math.sin(_t0)


def test_parameter_names_that_look_generated():
    a, b = 0.5, 1.5
    expected = (2 * a * b * b + math.cos(a), 2 * a * a * b)
    assert check_fd(param_named_like_temporaries, a, b) == pytest.approx(expected, rel=1e-12)


def local_named_like_builtins(x):
    min = x * 2.0  # noqa: A001
    math_ = min * x
    return math_ + abs(x)


def test_locals_named_like_builtins_and_math():
    assert check_fd(local_named_like_builtins, 3.0) == (13.0,)


def param_named_math(math):
    return 2.0 * math**0.5


def test_parameter_named_math():
    # The derivative's guarded division calls math.copysign: the parameter must not
    # shadow the module in generated code.
    assert grad(param_named_math)(4.0) == 0.5
    assert grad(param_named_math)(0.0) == math.inf
    assert grad(param_named_math)(math=4.0) == 0.5


def test_source_of_a_lowered_function_is_python():
    text = symdiff.source(local_named_like_builtins)
    compile(text, "<test>", "exec")
