"""NumPy's call forms (issue 14): arguments bound by NumPy's own signatures, by position
or by name (``np.sum(X, 1)``, ``np.clip(x, a_max=1.0)``, ``np.trace(A, offset=1)``,
``x.transpose(1, 0)``), and options read from a global or closure constant
(``np.sum(X, axis=AXIS)``): values as NumPy gives them and derivatives against finite
differences in both modes (`symdiff.testing.check_grads`), to second order for some."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, jacfwd, jacrev, value_and_grad
from symdiff.testing import check_grads
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(1414)

pytestmark = pytest.mark.usefixtures("no_disk_cache")

AXIS = 1
KEEP = True
AXES = (0, 2)
CONFIG = {"axis": 0, "ddof": 1}


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


# Reductions with a positional axis -------------------------------------------------------


def positional_axes(X):
    return (np.sum(np.sum(X, 1) ** 2) + np.sum(np.mean(X, 0) ** 3) + np.sum(np.max(X, 1))
            + np.sum(np.min(X, 0) ** 2) + np.sum(np.prod(X, 1)) + np.sum(np.amax(X, 0))
            + np.sum(np.amin(X, -1) ** 2) + np.sum(np.var(X, 0)) + np.sum(np.std(X, 1)))


def positional_keepdims(X):
    # np.sum(a, axis, dtype, out, keepdims), np.max(a, axis, out, keepdims)
    return np.sum(X / np.sum(X * X, 1, None, None, True)) + np.sum(X - np.max(X, 0, None, True))


def method_forms(X):
    return (np.sum(X.sum(0) ** 2) + np.sum(X.mean(1, keepdims=True) * X) + X.max(1).sum()
            + X.min(axis=0).sum() + X.prod(1).sum() + X.std(0).sum()
            + X.var(1, None, None, 1).sum())


def feature_standardise(X, w):
    """Standardise each column (feature) of the design matrix, then a least-squares fit."""
    Z = (X - np.mean(X, 0)) / np.std(X, 0)
    return np.mean((Z @ w - np.sum(Z, 1)) ** 2)


def clip_forms(x):
    return (np.sum(np.clip(x, a_min=-0.5, a_max=0.5) ** 2) + np.sum(np.clip(x, None, 0.3) ** 2)
            + np.sum(np.clip(x, -0.2, None) ** 3) + np.sum(x.clip(-0.1, 0.4) ** 2)
            + np.sum(x.clip(max=0.1) ** 2) + np.sum(np.clip(x, a_min=None, a_max=0.7) * x))


def trace_forms(A, T):
    return (np.trace(A, 1) + np.trace(A, offset=-1) + np.trace(A, -2) + A.trace(offset=2)
            + np.trace(A, offset=9) + np.sum(np.trace(T, 1, 1, 2) ** 2)
            + np.sum(np.trace(T, axis1=2, axis2=0) ** 2) + np.sum(T.trace(-1, 0, 2)))


def transpose_forms(A, T):
    return (np.sum(np.transpose(A, axes=[1, 0])[0] ** 3) + np.sum(A.transpose(1, 0)[1] ** 3)
            + np.sum(A.transpose((1, 0))[2] ** 3) + np.sum(A.transpose([1, 0])[0])
            + np.sum(np.transpose(T, (2, 0, 1))[0] ** 3) + np.sum(T.transpose(1, 2, 0)[0] ** 3))


def global_options(X, T):
    return (np.sum(np.sum(X, axis=AXIS) ** 2) + np.sum(X / np.max(X, AXIS, keepdims=KEEP))
            + np.sum(np.mean(T, axis=AXES) ** 2) + np.sum(np.var(X, CONFIG["axis"],
                                                                 ddof=CONFIG["ddof"])))


def closure_axis(axis: int, keep: bool) -> Callable[..., Any]:
    def reduce(X):
        return np.sum(np.mean(X, axis=axis, keepdims=keep) ** 2 * np.max(X))
    return reduce


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (positional_axes, (rn(3, 4),)),
    (positional_keepdims, (rn(3, 4),)),
    (method_forms, (rn(3, 4),)),
    (feature_standardise, (rn(6, 3), rn(3))),
    (clip_forms, (rn(9),)),
    (trace_forms, (rn(3, 4), rn(3, 2, 4))),
    (transpose_forms, (rn(3, 4), rn(2, 3, 4))),
    (global_options, (rn(3, 4), rn(2, 3, 4))),
    (closure_axis(1, True), (rn(3, 4),)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_forms_match_finite_differences(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=1)


@pytest.mark.parametrize(("f", "args"), CASES[:4] + CASES[6:8],
                         ids=[f.__name__ for f, _ in CASES[:4] + CASES[6:8]])
def test_second_order(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2)


def test_values_are_numpys() -> None:
    X, A, T = rn(3, 4), rn(3, 4), rn(3, 2, 4)

    def forms(X, A, T):
        return (np.sum(X, 1), np.mean(X, 0), np.max(X, 1), np.prod(X, 1),
                np.sum(X, 1, None, None, True), np.clip(X, None, 0.2),
                np.clip(X, a_min=-0.3, a_max=None), X.clip(max=0.1), np.trace(A, 1),
                np.trace(A, -2),
                np.trace(T, 1, 1, 2), np.transpose(A, axes=[1, 0]), T.transpose(2, 0, 1),
                np.sum(X, axis=AXIS), np.mean(T, axis=AXES))

    got = symdiff.vjp(forms, X, A, T)[0]
    for g, w in zip(got, forms(X, A, T), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)
        assert np.shape(g) == np.shape(w)


def test_standardisation_in_every_mode() -> None:
    X, w = rn(8, 3), rn(3)
    value, (gX, gw) = value_and_grad(feature_standardise, argnums=(0, 1))(X, w)
    assert value == pytest.approx(feature_standardise(X, w))
    assert gX.shape == X.shape and gw.shape == w.shape
    H = hessian(feature_standardise, argnums=1)(X, w)
    np.testing.assert_allclose(H, H.T, rtol=1e-10)

    def scores(X):
        return (X - np.mean(X, 0)) / np.std(X, 0)

    np.testing.assert_allclose(jacfwd(scores)(X), jacrev(scores)(X), rtol=1e-9, atol=1e-12)


def test_a_changed_global_constant_compiles_again(monkeypatch: pytest.MonkeyPatch) -> None:
    X = rn(3, 4)
    g = grad(lambda X: np.sum(np.sum(X, axis=AXIS) ** 2))
    np.testing.assert_allclose(g(X), 2 * np.sum(X, 1, keepdims=True) * np.ones_like(X))
    monkeypatch.setitem(globals(), "AXIS", 0)
    np.testing.assert_allclose(g(X), 2 * np.sum(X, 0, keepdims=True) * np.ones_like(X))


def test_a_closure_constant_is_read_when_compiling() -> None:
    X = rn(3, 4)
    for axis, keep in ((0, False), (1, True), (-1, False)):
        f = closure_axis(axis, keep)
        check_grads(f, (X,), modes=("rev",))
        assert symdiff.vjp(f, X)[0] == pytest.approx(f(X))


class Pooling:
    """A layer whose pooling axis and norm order are attributes."""

    def __init__(self, axis: int, order: int) -> None:
        self.axis, self.order = axis, order

    def loss(self, X):
        return (np.sum(np.linalg.norm(X, self.order, axis=self.axis) ** 2)
                + np.sum(np.max(X, self.axis)))


def test_an_int_attribute_of_an_object_is_an_option() -> None:
    X = rn(3, 4)
    layer = Pooling(1, 3)
    check_grads(layer.loss, (X,))
    assert value_and_grad(layer.loss)(X)[0] == pytest.approx(layer.loss(X))
    # A changed attribute is another value the code is compiled for.
    layer.axis = 0
    check_grads(layer.loss, (X,), modes=("rev",))
    assert np.shape(grad(layer.loss)(X)) == (3, 4)


def test_an_int_globals_value_keys_the_disk_cache() -> None:
    from symdiff.runtime.keys import fingerprint

    def f(X):
        return np.sum(X, axis=AXIS)

    source = symdiff.frontend.source.get_source(f)
    before = fingerprint(f, source.node)
    globals()["AXIS"] = 0
    try:
        assert fingerprint(f, source.node) != before
    finally:
        globals()["AXIS"] = 1
    assert fingerprint(f, source.node) == before


# Located errors ---------------------------------------------------------------------------


def float_axis(X):
    return np.sum(X, SCALE)  # E:float


def too_many(X):
    return np.sum(X, 1, None, None, True, 0.0, True, 3)  # E:many


def twice(X):
    return np.sum(X, 1, axis=0)  # E:twice


def out_given(X):
    return np.sum(X, 0, None, X)  # E:out


def clip_both_names(x):
    return np.clip(x, a_min=0.0, min=0.0)  # E:both


def trace_same_axes(A):
    return np.trace(A, axis1=1, axis2=-1)  # E:same


def keywords_from_a_dict(x):
    return np.mean(x, **OPTIONS)  # E:unknown


SCALE = 0.5
OPTIONS = {"axis": 0}

ERRORS = [
    (float_axis, "float", "np.sum(", ["axis must be a constant int"]),
    (too_many, "many", "np.sum(", ["at most 7 positional arguments", "got 8"]),
    (twice, "twice", "axis=", ["multiple values", "'axis'"]),
    (out_given, "out", "X)", ["out=", "not supported"]),
    (clip_both_names, "both", "np.clip(", ["got both a_min= and min="]),
    (trace_same_axes, "same", "np.trace(", ["different axes"]),
    (keywords_from_a_dict, "unknown", "**OPTIONS", ["**kwargs", "np.mean"]),
]


@support.error_cases(ERRORS)
def test_unsupported_forms_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                       words: list[str]) -> None:
    support.raises_located(lambda: grad(f)(rn(3, 3)), THIS_FILE, LINES, tag, snippet, words)
