"""`symdiff.supported()`: the library callables symdiff has rules for, read off its
tables; and a call of a NumPy or SciPy function it has none for, reported by name."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError


def test_lists_math_builtins_numpy_functions_ufunc_aliases_and_methods() -> None:
    names = symdiff.supported()
    assert names == sorted(names) and len(set(names)) == len(names)
    for name in ("math.sin", "math.fmod", "abs", "max", "sum", "len", "np.sin", "np.sum",
                 "np.linalg.norm", "np.multiply", "np.true_divide", "np.remainder",
                 "np.fmax", "np.sinc", "np.cbrt", "np.heaviside", "np.float_power",
                 "np.deg2rad", "np.exp2", "np.logaddexp2", "ndarray.sum", "np.partition",
                 "np.gradient", "np.shape", "np.float64", "ndarray.astype", "np.r_", "np.c_"):
        assert name in names, name
    for name in ("np.lexsort", "np.histogram", "math.comb"):
        assert name not in names, name


def test_every_listed_numpy_and_math_function_is_one_the_lowering_knows() -> None:
    from symdiff.frontend.call_sites import BUILTINS
    from symdiff.frontend.np_concatenators import concatenator
    from symdiff.frontend.resolve import callable_op

    for name in symdiff.supported():
        module, _, path = name.partition(".")
        if module not in ("np", "math"):
            continue
        value = np if module == "np" else math
        for part in path.split("."):
            value = getattr(value, part)
        # A primitive, a call the lowering reads lists for (math.fsum), or np.r_ / np.c_.
        assert callable_op(value) is not None or any(value is fn for fn, _ in BUILTINS) \
            or concatenator(value) is not None, name


def test_lists_scipy_special_functions_and_stats_methods() -> None:
    pytest.importorskip("scipy.special")
    assert {"scipy.special.erf", "scipy.special.gammaln", "scipy.special.logsumexp",
            "scipy.special.psi", "scipy.special.polygamma", "scipy.special.softmax",
            "scipy.stats.norm.logpdf", "scipy.stats.poisson.logpmf"} <= set(symdiff.supported())


def test_every_listed_scipy_function_is_one_the_lowering_knows() -> None:
    pytest.importorskip("scipy.stats")
    import scipy.stats  # (scipy.special with it)

    from symdiff.frontend.resolve import callable_op

    for name in symdiff.supported():
        module, _, path = name.partition(".")
        if module != "scipy":
            continue
        value = scipy
        for part in path.split("."):
            value = getattr(value, part)
        assert callable_op(value) is not None, name


def test_lists_scipy_linalg_functions_the_lowering_knows() -> None:
    linalg = pytest.importorskip("scipy.linalg")
    from symdiff.frontend.resolve import callable_op

    listed = [n for n in symdiff.supported() if n.startswith("scipy.linalg.")]
    assert {"scipy.linalg.cho_solve", "scipy.linalg.solve_triangular"} <= set(listed)
    for name in listed:
        assert callable_op(getattr(linalg, name.rpartition(".")[2])) == name
    assert "np.linalg.cholesky" in symdiff.supported()


def test_does_not_load_the_ir_on_import() -> None:
    code = "import sys, symdiff; assert 'symdiff.ir' not in sys.modules; assert symdiff.supported"
    subprocess.run([sys.executable, "-c", code], check=True)


def lexsorted_sum(x):  # type: ignore[no-untyped-def]
    return np.sum(np.lexsort(x) * 2.0)


def test_unsupported_numpy_function_named_at_the_users_line() -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        symdiff.grad(lexsorted_sum)(np.ones(3))
    text = str(info.value)
    assert "np.lexsort has no derivative rule in symdiff yet; see symdiff.supported() or " \
        "write a custom_jvp" in text
    assert f"line {lexsorted_sum.__code__.co_firstlineno + 1}" in text
    assert "math functions" not in text


def test_unsupported_scipy_function_named() -> None:
    special = pytest.importorskip("scipy.special")

    def f(x):  # type: ignore[no-untyped-def]
        return special.struve(1.0, x) * math.sin(x)

    with pytest.raises(UnsupportedSyntaxError, match=r"scipy\.special\.struve has no derivative"):
        symdiff.grad(f)(1.5)
