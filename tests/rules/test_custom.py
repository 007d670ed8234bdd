"""Custom derivative rules: custom_jvp, custom_vjp and defrule, in both modes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff import SymdiffError, UnsupportedSyntaxError, grad, jvp, vjp
from symdiff.testing import check_grads


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


# A function with a forward rule, on numbers and arrays (elementwise).
@symdiff.custom_jvp
def soft(x, y):
    return np.log1p(np.exp(x * y))


@soft.defjvp
def soft_jvp(primals, tangents):
    x, y = primals
    x_dot, y_dot = tangents
    s = 1.0 / (1.0 + np.exp(-(x * y)))
    return soft(x, y), s * (y * x_dot + x * y_dot)


# A function with a reverse rule.
@symdiff.custom_vjp
def cube(x):
    return x * x * x


def cube_fwd(x):
    return cube(x), (x,)


def cube_bwd(res, g):
    (x,) = res
    return (3.0 * x * x * g,)


cube.defvjp(cube_fwd, cube_bwd)


# A reverse rule of two arguments, with residuals the primal computed.
@symdiff.custom_vjp
def prod2(a, b):
    return a * b


def prod2_fwd(a, b):
    return prod2(a, b), (a, b)


def prod2_bwd(res, g):
    a, b = res
    return (g * b, g * a)


prod2.defvjp(prod2_fwd, prod2_bwd)


def test_wrappers_call_the_function() -> None:
    assert soft(0.5, 2.0) == pytest.approx(math.log1p(math.exp(1.0)))
    assert cube(2.0) == 8.0
    assert soft.__name__ == "soft" and cube.__wrapped__.__name__ == "cube"


@pytest.mark.parametrize("args", [(0.3, -1.2), (2.0, 0.5)])
def test_custom_jvp_scalars_both_modes(args: tuple[float, float]) -> None:
    check_grads(lambda a, b: soft(a * b, b) + a, args)


def test_custom_jvp_arrays_both_modes() -> None:
    x = np.array([0.3, -1.0, 2.0])
    check_grads(lambda v, w: np.sum(soft(v, w) * v), (x, np.array([1.5, 0.2, -0.7])))
    check_grads(lambda v, c: np.sum(soft(v, c)), (x, 0.8))  # broadcast a number


def test_custom_vjp_scalars_both_modes() -> None:
    check_grads(lambda x: cube(x) + 2.0 * x, (1.3,))
    check_grads(lambda a, b: prod2(a, b) * a, (0.7, -2.0))


def test_custom_vjp_arrays_both_modes() -> None:
    x = np.array([0.5, -1.5, 2.0])
    check_grads(lambda v: np.sum(cube(v) * v), (x,))
    check_grads(lambda v, w: np.sum(prod2(v, w)), (x, np.array([1.0, 2.0, 3.0])))


def test_generated_code_calls_the_function_and_the_rule_inline() -> None:
    def f(x):
        return cube(x) + soft(x, 2.0)

    text = symdiff.source(f)
    assert "cube(x)" in text and "soft(x, 2.0)" in text
    assert "3.0" in text  # the VJP rule's formula, inline
    assert grad(f)(1.0) == pytest.approx(3.0 + 2.0 / (1.0 + math.exp(-2.0)))


def test_forward_mode_from_a_vjp_rule_and_reverse_from_a_jvp_rule() -> None:
    out, tangent = jvp(lambda a, b: prod2(a, b), (2.0, 3.0), (1.0, 0.5))
    assert (out, tangent) == pytest.approx((6.0, 3.0 + 2.0 * 0.5))
    out, back = vjp(lambda a, b: soft(a, b), 1.0, 2.0)
    s = 1.0 / (1.0 + math.exp(-2.0))
    assert back(1.0) == pytest.approx((2.0 * s, 1.0 * s))


def test_rule_inside_a_loop_and_a_branch() -> None:
    def loop(x):
        acc = 0.0
        for i in range(3):
            acc = acc + cube(x + i) * soft(x, 0.5)
        return acc

    def branch(x):
        if x > 0.0:
            y = cube(x)
        else:
            y = soft(x, x)
        return y * x

    check_grads(loop, (0.4,))
    check_grads(loop, (-0.2,))
    check_grads(branch, (0.9,))
    check_grads(branch, (-0.9,))


def test_rule_with_a_branch_and_a_call_of_its_own_function() -> None:
    @symdiff.custom_jvp
    def relu_ish(x):
        return max(x, 0.0) + 0.1 * min(x, 0.0)

    @relu_ish.defjvp
    def relu_ish_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        if x > 0.0:
            slope = 1.0
        else:
            slope = 0.1
        return relu_ish(x), slope * t

    def f(x):
        return relu_ish(x) * x

    check_grads(f, (1.5,))
    check_grads(f, (-1.5,))


OPAQUE = eval("lambda x: math.exp(x) - x")  # no source anywhere


def test_opaque_primal_without_source() -> None:
    f = symdiff.custom_jvp(OPAQUE)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), (math.exp(x) - 1.0) * t

    def g(x):
        return f(x) * x

    check_grads(g, (0.7,))


def test_builtin_primal() -> None:
    lgamma = symdiff.custom_vjp(math.lgamma)

    def fwd(x):
        return lgamma(x), (x,)

    def bwd(res, g):
        (x,) = res
        # digamma by its asymptotic series, good to 1e-9 for x >= 6 after recurrence.
        z = x + 6.0
        psi = math.log(z) - 0.5 / z - 1.0 / (12.0 * z * z) + 1.0 / (120.0 * z ** 4) \
            - 1.0 / (252.0 * z ** 6)
        psi = psi - 1.0 / x - 1.0 / (x + 1) - 1.0 / (x + 2) - 1.0 / (x + 3) \
            - 1.0 / (x + 4) - 1.0 / (x + 5)
        return (psi * g,)

    lgamma.defvjp(fwd, bwd)
    check_grads(lambda x: lgamma(x) * 2.0, (2.5,))


def test_custom_function_differentiated_directly() -> None:
    assert grad(cube)(2.0) == pytest.approx(12.0)
    assert grad(soft, argnums=(0, 1))(1.0, 2.0) == pytest.approx(
        (2.0 / (1.0 + math.exp(-2.0)), 1.0 / (1.0 + math.exp(-2.0))))


def test_defrule_for_a_function_you_do_not_own() -> None:
    import colorsys  # a stand-in for a library function with no rule

    def fun(x):
        return colorsys.rgb_to_yiq(x, 0.0, 0.0)[0]

    def hue(x):
        return fun(x) * 2.0

    symdiff.defrule(fun, jvp=lambda primals, tangents: (fun(primals[0]), 0.3 * tangents[0]))
    check_grads(hue, (0.5,))
    assert "fun(x)" in symdiff.source(hue)


def test_redefined_rule_changes_the_derivative() -> None:
    @symdiff.custom_jvp
    def f(x):
        return 2.0 * x

    f.defjvp(lambda primals, tangents: (f(primals[0]), 2.0 * tangents[0]))

    def g(x):
        return f(x)

    assert grad(g)(1.0) == 2.0

    def h(x):  # a new function: the memory cache is per function
        return f(x)

    f.defjvp(lambda primals, tangents: (f(primals[0]), 3.0 * tangents[0]))
    assert grad(h)(1.0) == 3.0


# Errors -------------------------------------------------------------------------------


def _bad_jvp(structure: str):  # type: ignore[no-untyped-def]
    f = symdiff.custom_jvp(lambda x: x)
    if structure == "single":
        f.defjvp(lambda primals, tangents: tangents[0])
    elif structure == "triple":
        f.defjvp(lambda primals, tangents: (primals[0], tangents[0], tangents[0]))
    elif structure == "dict":
        f.defjvp(lambda primals, tangents: {"out": primals[0], "dot": tangents[0]})
    else:
        f.defjvp(lambda primals, tangents: (primals[0], tangents[0] * tangents[0]))
    return f


@pytest.mark.parametrize(("structure", "message"), [
    ("single", "must return (primal_out, tangent_out), a pair of numbers or arrays; it "
               "returns a value"),
    ("triple", "it returns a tuple of 3"),
    ("dict", "it returns a dict"),
    ("square", "is not linear in the tangents"),
])
def test_jvp_rule_with_a_wrong_result(structure: str, message: str) -> None:
    f = _bad_jvp(structure)
    with pytest.raises(UnsupportedSyntaxError, match="test_custom.py") as info:
        grad(lambda x: f(x) * x)(1.0)
    assert message in str(info.value)


def test_vjp_rule_with_a_wrong_number_of_cotangents() -> None:
    f = symdiff.custom_vjp(lambda a, b: a * b)
    f.defvjp(lambda a, b: (a * b, (a, b)), lambda res, g: (g * res[1],))
    with pytest.raises(UnsupportedSyntaxError, match="must return a tuple of 2 cotangents"):
        grad(lambda x: f(x, 2.0))(1.0)
    f.defvjp(lambda a, b: a * b, lambda res, g: (g, g))
    with pytest.raises(UnsupportedSyntaxError, match=r"must return \(primal_out, residuals\)"):
        grad(lambda x: f(x, 2.0))(1.0)


def test_rule_reading_a_global_number() -> None:
    f = symdiff.custom_jvp(lambda x: x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return primals[0], SCALE * tangents[0]

    with pytest.raises(UnsupportedSyntaxError, match="reads the global 'SCALE'"):
        grad(lambda x: f(x))(1.0)


SCALE = 2.0


def test_call_errors() -> None:
    def keyword(x):
        return cube(x=x)

    def arity(x):
        return cube(x, x)

    with pytest.raises(UnsupportedSyntaxError, match="keyword arguments in a call of 'cube'"):
        grad(keyword)(1.0)
    with pytest.raises(UnsupportedSyntaxError, match=r"cube\(\) takes 1 arguments, got 2"):
        grad(arity)(1.0)


def test_function_without_a_rule_yet() -> None:
    f = symdiff.custom_jvp(lambda x: x)
    with pytest.raises(UnsupportedSyntaxError, match="cannot differentiate through it"):
        grad(lambda x: f(x))(1.0)


def test_local_custom_function_differentiated_directly() -> None:
    f = symdiff.custom_jvp(lambda x: x)
    f.defjvp(lambda primals, tangents: (primals[0], tangents[0]))
    with pytest.raises(SymdiffError, match="differentiate a function that calls it"):
        grad(f)(1.0)


def test_defrule_needs_a_rule() -> None:
    with pytest.raises(TypeError, match="defrule needs"):
        symdiff.defrule(abs)
    with pytest.raises(ValueError, match="output must be one of"):
        symdiff.custom_jvp(lambda x: x, output="vector")


# None in a reverse rule, as JAX takes it: a residual that is None, a cotangent that is None.
@symdiff.custom_vjp
def scaled(x, scale):
    """x * scale, where the rule treats `scale` as a constant (no cotangent)."""
    return x * scale


def scaled_fwd(x, scale):
    # A residual slot left None (the rule might have saved a mask there).
    return scaled(x, scale), (scale, None, (None, x))


def scaled_bwd(res, g):
    scale, nothing, (also_nothing, x) = res
    if nothing is None and also_nothing is None:  # None arrives as None
        return (g * scale, None)
    return (g * x, g * x)


scaled.defvjp(scaled_fwd, scaled_bwd)


def test_a_residual_and_a_cotangent_may_be_none() -> None:
    assert grad(lambda x: scaled(x, 3.0) * x)(2.0) == pytest.approx(12.0)
    assert grad(lambda s: scaled(2.0, s))(3.0) == 0.0  # None: a zero cotangent
    out, tangent = jvp(lambda x: scaled(x, 3.0), (2.0,), (1.0,))
    assert (out, tangent) == pytest.approx((6.0, 3.0))
    check_grads(lambda x: scaled(x, 3.0) * x, (1.5,))
    v = np.array([0.5, -1.0, 2.0])
    check_grads(lambda x: np.sum(scaled(x, 2.0) * x), (v,))
    np.testing.assert_allclose(grad(lambda x: np.sum(scaled(x, v)))(v), v)


def test_fwd_may_give_none_for_all_its_residuals() -> None:
    f = symdiff.custom_vjp(lambda x: 2.0 * x)
    f.defvjp(lambda x: (2.0 * x, None), lambda res, g: (2.0 * g,))
    assert grad(lambda x: f(x) * x)(3.0) == pytest.approx(12.0)


def test_a_tangent_that_is_none_is_still_an_error() -> None:
    f = symdiff.custom_jvp(lambda x: x)
    f.defjvp(lambda primals, tangents: (primals[0], None))
    with pytest.raises(UnsupportedSyntaxError, match="returns None, not a number"):
        grad(lambda x: f(x))(1.0)
