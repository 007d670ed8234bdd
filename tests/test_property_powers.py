"""Property: powers agree with finite differences in both modes, at first and second
order, for a number or an array base, a constant, run-time number, run-time array or
int exponent, and positive, zero and negative bases where the power is defined
(issue 12, item 7).

Hypothesis draws how the power is written (``x ** p``, ``np.power``, ``math.pow`` for
numbers), the kinds of base and exponent, and a sign class:
- positive bases, any real exponent: both base and exponent are differentiated;
- bases with zeros, whole exponents (0 to 3): the power is a polynomial, smooth at 0;
- bases with negative entries, whole exponents (negative ones only away from 0).
With zero or negative bases the exponent is fixed (a global, or an int argument's value),
since ``x ** y`` is real only at whole y there.
The function is ``s + 0.5 * s * s`` of the power (summed for arrays), so its Hessian
couples every entry. First order: `symdiff.testing.check_grads`. Second order: the
Hessian-vector product by forward over reverse (``jvp(grad(f))``) and by reverse over
reverse (``vjp(grad(f))``), against central differences of the gradient.
"""

from __future__ import annotations

import itertools
import linecache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdiff import grad, jvp, vjp
from symdiff.testing import check_grads

_ids = itertools.count()
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# NumPy warns where an array's derivative divides by zero (x ** -0.5 at 0): expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


@st.composite
def cases(draw: Any) -> tuple[str, tuple[Any, ...], Any]:
    """(source of ``prog``, its arguments, the fixed exponent ``P`` or None)."""
    base = draw(st.sampled_from(["number", "array"]))
    signs = draw(st.sampled_from(["positive", "zeros", "negative"]))
    kind = draw(st.sampled_from(["const", "number", "int", "array"] if base == "array"
                                else ["const", "number", "int"]))
    written = draw(st.sampled_from(["{x} ** {p}", "np.power({x}, {p})"]
                                   + (["math.pow({x}, {p})"] if base == "number" else [])))
    n = draw(st.integers(1, 3)) if base == "array" else None
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))

    def values(lo: float, hi: float) -> Any:
        return float(rng.uniform(lo, hi)) if n is None else rng.uniform(lo, hi, n)

    if signs == "positive":
        x = values(0.5, 2.0)
        p = (draw(st.integers(-2, 3)) if kind == "int"
             else values(-2.0, 3.0) if kind == "array" else float(rng.uniform(-2.0, 3.0)))
    else:
        whole = [1, 2, 3] if signs == "zeros" else [-2, -1, 0, 1, 2, 3]
        k = draw(st.sampled_from(whole + [0]))
        if signs == "zeros":
            x = 0.0 if n is None else np.where(rng.random(n) < 0.6, 0.0, rng.uniform(0.5, 2, n))
        else:
            # negative entries, none of them near 0 when the exponent is negative
            x = values(-2.0, -0.5) if n is None else rng.uniform(-2.0, 2.0, n)
            if n is not None:
                x = np.where(np.abs(x) < 0.5, -1.25, x)
        p = k if kind == "int" else np.full(n, float(k)) if kind == "array" else float(k)
    # The exponent is an argument (differentiated) only where the power is smooth in it
    # (not at 0: a base moved by -eps has no real power).
    fixed = kind in ("const", "int") or signs != "positive"
    # A fixed array exponent is made in the function (symdiff reads no global arrays).
    fixed_p = f"np.array({np.asarray(p).tolist()!r})" if kind == "array" else "P"
    power = written.format(x="x", p=repr(p) if kind == "const" else fixed_p if fixed else "p")
    params = "x" if fixed else "x, p"
    source = (f"import math\n\nimport numpy as np\n\n\ndef prog({params}):\n"
              f"    s = {power if n is None else f'np.sum({power})'}\n"
              f"    return s + 0.5 * s * s\n")
    args = (x,) if fixed else (x, p)
    return source, args, p if fixed and kind in ("number", "int") else None


def load(source: str, exponent: Any) -> Any:
    filename = f"<symdiff-power-property-{next(_ids)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "symdiff_power_property", "P": exponent}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    return namespace["prog"]


def _flat(values: Any) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(v, np.float64)) for v in values])


def check_jvp_of_vjp(prog: Any, args: tuple[Any, ...], source: str) -> None:
    everything = tuple(range(len(args)))
    gradient = grad(prog, argnums=everything)
    rng = np.random.default_rng(7)
    u = tuple(rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray)
              else float(rng.standard_normal()) for a in args)
    eps = 1e-5
    plus = gradient(*(a + eps * d for a, d in zip(args, u, strict=True)))
    minus = gradient(*(a - eps * d for a, d in zip(args, u, strict=True)))
    fd = (_flat(plus) - _flat(minus)) / (2 * eps)
    forward = _flat(jvp(gradient, args, u)[1])
    reverse = _flat(vjp(gradient, *args)[1](u))  # H u = H^T u: the Hessian is symmetric
    for label, got in (("forward over reverse", forward), ("reverse over reverse", reverse)):
        np.testing.assert_allclose(got, fd, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{label}\n{source}\nargs {args}")


@SETTINGS
@given(case=cases())
def test_powers_agree_with_finite_differences_in_both_modes(case: Any) -> None:
    source, args, exponent = case
    prog = load(source, exponent)
    try:
        check_grads(prog, args, rtol=1e-5, atol=1e-7)
    except AssertionError as err:
        raise AssertionError(f"{err}\n{source}\nP = {exponent!r}") from None


@SETTINGS
@given(case=cases())
def test_powers_agree_with_finite_differences_at_second_order(case: Any) -> None:
    source, args, exponent = case
    check_jvp_of_vjp(load(source, exponent), args, f"{source}\nP = {exponent!r}")
