"""autograd tests/test_scalar_ops.py: NumPy functions of one number, to second order in
both modes."""

from __future__ import annotations

import numpy as np

import symdiff
from benchmarks.intents import Intent, close, grads, rnd

SUITE = "autograd tests/test_scalar_ops.py"


def _power_of_zero() -> None:
    grads(lambda x: np.power(x, 1.7), rnd(lo=1.0, hi=2.0))
    d = symdiff.grad(lambda x: np.power(x, 0.0))
    close(d(0.0), 0.0)
    close(symdiff.grad(d)(0.0), 0.0)


INTENTS = [
    Intent("test_abs", "np.abs of a number either side of 0, and its first derivative at 0 "
           "taken as 0", lambda: (grads(lambda x: 3.0 * np.abs(x), 1.1),
                                  grads(lambda x: 3.0 * np.abs(x), -1.1),
                                  grads(lambda x: 3.0 * np.abs(x), 0.0, order=1))),
    Intent("test_absolute", "np.absolute, as np.abs",
           lambda: (grads(lambda x: 3.0 * np.absolute(x), 1.1),
                    grads(lambda x: 3.0 * np.absolute(x), -1.1),
                    grads(lambda x: 3.0 * np.absolute(x), 0.0, order=1))),
    Intent("test_sin", "np.sin of a number", lambda: grads(lambda x: 3.0 * np.sin(x), rnd())),
    Intent("test_sign", "np.sign has a zero derivative away from 0",
           lambda: (grads(lambda x: 3.0 * np.sign(x), 1.1),
                    grads(lambda x: 3.0 * np.sign(x), -1.1))),
    Intent("test_exp", "np.exp of a number", lambda: grads(lambda x: 3.0 * np.exp(x), rnd())),
    Intent("test_log", "np.log of a positive number",
           lambda: grads(lambda x: 3.0 * np.log(x), rnd(lo=0.2))),
    Intent("test_log2", "np.log2 of a positive number",
           lambda: grads(lambda x: 3.0 * np.log2(x), rnd(lo=0.2))),
    Intent("test_log10", "np.log10 of a positive number",
           lambda: grads(lambda x: 3.0 * np.log10(x), rnd(lo=0.2))),
    Intent("test_log1p", "np.log1p of a positive number",
           lambda: grads(lambda x: 3.0 * np.log1p(x), rnd(lo=0.2))),
    Intent("test_expm1", "np.expm1 of a number",
           lambda: grads(lambda x: 3.0 * np.expm1(x), rnd(lo=0.0))),
    Intent("test_exp2", "np.exp2 of a number",
           lambda: grads(lambda x: 3.0 * np.exp2(x), rnd(lo=0.0))),
    Intent("test_neg", "unary minus", lambda: grads(lambda x: 3.0 * -x, rnd())),
    Intent("test_cos", "np.cos of a number", lambda: grads(lambda x: 3.0 * np.cos(x), rnd())),
    Intent("test_tan", "np.tan of a number",
           lambda: grads(lambda x: 3.0 * np.tan(x), rnd(lo=-1.2, hi=1.2))),
    Intent("test_cosh", "np.cosh of a number", lambda: grads(lambda x: 3.0 * np.cosh(x), rnd())),
    Intent("test_sinh", "np.sinh of a number", lambda: grads(lambda x: 3.0 * np.sinh(x), rnd())),
    Intent("test_tanh", "np.tanh of a number", lambda: grads(lambda x: 3.0 * np.tanh(x), rnd())),
    Intent("test_arccos", "np.arccos inside (-1, 1)",
           lambda: grads(lambda x: 3.0 * np.arccos(x), 0.1)),
    Intent("test_arcsin", "np.arcsin inside (-1, 1)",
           lambda: grads(lambda x: 3.0 * np.arcsin(x), 0.1)),
    Intent("test_arctan", "np.arctan of a number",
           lambda: grads(lambda x: 3.0 * np.arctan(x), 0.2)),
    Intent("test_arccosh", "np.arccosh above 1",
           lambda: grads(lambda x: 3.0 * np.arccosh(x), rnd(lo=1.2, hi=4.0))),
    Intent("test_arcsinh", "np.arcsinh of a number",
           lambda: grads(lambda x: 3.0 * np.arcsinh(x), rnd())),
    Intent("test_arctanh", "np.arctanh inside (-1, 1)",
           lambda: grads(lambda x: 3.0 * np.arctanh(x), 0.2)),
    Intent("test_sqrt", "np.sqrt of a positive number",
           lambda: grads(lambda x: 3.0 * np.sqrt(x), rnd(lo=0.5, hi=10.0))),
    Intent("test_power_arg0", "np.power in its base; x**0 has derivative 0 at x = 0, "
           "to second order", _power_of_zero),
    Intent("test_power_arg1", "np.power in its exponent",
           lambda: grads(lambda y: np.power(2.3, y), rnd(lo=0.0, hi=1.0))),
    Intent("test_power_arg1_zero", "np.power(0, y) in y > 0 (a zero derivative)",
           lambda: grads(lambda y: np.power(0.0, y), rnd(lo=0.1, hi=1.0))),
    Intent("test_mod_arg0", "np.mod in its first argument",
           lambda: grads(lambda x, y: np.mod(x, y), 0.7, 0.4)),
    Intent("test_mod_arg1", "np.mod in its second argument",
           lambda: grads(lambda x, y: np.mod(x, y), 0.9, 0.35)),
    Intent("test_divide_arg0", "np.divide in its numerator",
           lambda: grads(lambda x, y: np.divide(x, y), rnd(lo=0.1), rnd(lo=0.1))),
    Intent("test_divide_arg1", "np.divide in its denominator",
           lambda: grads(lambda x, y: np.divide(x, y), rnd(lo=0.1), rnd(lo=0.1))),
    Intent("test_multiply_arg0", "np.multiply in its first argument",
           lambda: grads(lambda x, y: np.multiply(x, y), rnd(), rnd())),
    Intent("test_multiply_arg1", "np.multiply in its second argument",
           lambda: grads(lambda x, y: np.multiply(x, y), rnd(), rnd())),
    Intent("test_true_divide_arg0", "np.true_divide in its numerator",
           lambda: grads(lambda x, y: np.true_divide(x, y), rnd(lo=0.1), rnd(lo=0.1))),
    Intent("test_true_divide_arg1", "np.true_divide in its denominator",
           lambda: grads(lambda x, y: np.true_divide(x, y), rnd(lo=0.1), rnd(lo=0.1))),
    Intent("test_reciprocal", "np.reciprocal of a positive number",
           lambda: grads(lambda x: np.reciprocal(x), rnd(lo=0.1))),
    Intent("test_negative", "np.negative", lambda: grads(lambda x: np.negative(x), rnd())),
    Intent("test_rad2deg", "np.rad2deg", lambda: grads(lambda x: 3.0 * np.rad2deg(x), rnd())),
    Intent("test_deg2rad", "np.deg2rad", lambda: grads(lambda x: 3.0 * np.deg2rad(x), rnd())),
    Intent("test_radians", "np.radians", lambda: grads(lambda x: 3.0 * np.radians(x), rnd())),
    Intent("test_degrees", "np.degrees", lambda: grads(lambda x: 3.0 * np.degrees(x), rnd())),
    Intent("test_sinc", "np.sinc away from 0",
           lambda: grads(lambda x: 3.0 * np.sinc(x), rnd(lo=0.5, hi=5.0))),
]
