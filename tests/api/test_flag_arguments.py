"""A bool or str argument that is not differentiated is a flag or a mode: the code is
specialised on its value (the branch it chooses is taken while compiling), as an
array's on its type."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.api.jacobian import jacfwd_looped, jacrev_looped
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads


def picked(x, idx, flag=True, n=2):
    y = x[idx] if flag else x  # the branches have different shapes
    return np.sum(y ** 2) * n


def signed(a, negate):
    return -a * a if negate else a * a


X = np.arange(3.0)
IDX = np.array([0, 2])


def test_a_flag_chooses_the_branch_for_every_transform():
    g = symdiff.grad(picked)
    np.testing.assert_allclose(g(X, IDX), [0.0, 0.0, 8.0])  # the default
    np.testing.assert_allclose(g(X, IDX, False), [0.0, 4.0, 8.0])
    np.testing.assert_allclose(g(X, IDX, flag=True, n=3), [0.0, 0.0, 12.0])
    value, grad = symdiff.value_and_grad(picked)(X, IDX, False)
    assert value == pytest.approx(10.0)
    np.testing.assert_allclose(grad, [0.0, 4.0, 8.0])
    np.testing.assert_allclose(symdiff.jacfwd(picked)(X, IDX, False), [0.0, 4.0, 8.0])
    np.testing.assert_allclose(symdiff.jacrev(picked)(X, IDX, True), [0.0, 0.0, 8.0])
    np.testing.assert_allclose(symdiff.hessian(picked)(X, IDX, False), 4.0 * np.eye(3))
    np.testing.assert_allclose(symdiff.hessian(picked)(X, IDX, True), np.diag([4.0, 0, 4.0]))
    # jvp and vjp differentiate every primal given: a flag is closed over, or defaulted.
    out, tangent = symdiff.jvp(lambda x: picked(x, IDX, False), (X,), (np.ones(3),))
    assert (out, tangent) == (pytest.approx(10.0), pytest.approx(12.0))
    out, vjp_fn = symdiff.vjp(picked, X, IDX)
    np.testing.assert_allclose(vjp_fn(1.0)[0], [0.0, 0.0, 8.0])
    with pytest.raises(TypeError, match="argument 'flag' .* got bool"):
        symdiff.jvp(picked, (X, IDX, False), (np.ones(3), np.zeros(2), 0.0))
    # The looped Jacobians pass the defaults on to jvp and vjp themselves.
    np.testing.assert_allclose(jacfwd_looped(picked)(X, IDX), [0.0, 0.0, 8.0])
    np.testing.assert_allclose(jacrev_looped(picked)(X, IDX, False), [0.0, 4.0, 8.0])


def test_each_value_has_its_own_code():
    g = symdiff.grad(signed)
    assert (g(3.0, True), g(3.0, False), g(3.0, True)) == (-6.0, 6.0, -6.0)
    assert "if" not in symdiff.source(signed, args=(3.0, True)).split('"""')[-1]


def test_a_differentiated_bool_is_refused():
    with pytest.raises(TypeError, match="argument 'negate' .* got bool"):
        symdiff.grad(signed, argnums=1)(3.0, True)


def activation(z, kind="tanh"):
    if kind == "tanh":
        return np.tanh(z)
    elif kind in ("relu", "ReLU"):
        return np.maximum(z, 0.0)
    return z


def loss(w, X, mode="mse", kind="tanh"):
    r = activation(X @ w, kind)
    if mode == "mse":
        return np.mean(r ** 2)
    return np.mean(np.abs(r))


def test_a_mode_chooses_the_branch():
    X = np.random.default_rng(0).normal(size=(6, 3))
    w = np.array([0.3, -0.2, 0.5])
    g = symdiff.grad(loss)
    r = np.tanh(X @ w)
    np.testing.assert_allclose(g(w, X), X.T @ (2.0 * r * (1.0 - r ** 2)) / 6, rtol=1e-12)
    z = X @ w
    np.testing.assert_allclose(g(w, X, "abs", "none"), X.T @ np.sign(z) / 6, rtol=1e-12)
    for mode, kind in [("mse", "tanh"), ("abs", "tanh"), ("mse", "relu"), ("abs", "ReLU")]:
        check_grads(lambda w, mode=mode, kind=kind: loss(w, X, mode, kind), (w,), order=2)
    text = symdiff.source(loss, args=(w, X, "abs", "relu")).split('"""')[-1]
    assert "tanh" not in text and "maximum" in text


def test_a_mode_specialises_every_transform():
    s = lambda a, mode: a * a if mode == "sq" else -a  # noqa: E731
    assert (symdiff.grad(s)(3.0, "sq"), symdiff.grad(s)(3.0, "neg")) == (6.0, -1.0)
    assert symdiff.hessian(s)(3.0, "sq") == 2.0
    assert symdiff.jvp(lambda a: s(a, "sq"), (3.0,), (1.0,)) == (9.0, 6.0)
    with pytest.raises(TypeError, match="argument 'mode' .* got str"):
        symdiff.vjp(s, 3.0, "sq")


STRINGS = """\
import numpy as np

MODE = "sq"
CFG = {"act": "tanh", "scale": 2.0, "W": np.eye(2)}


def configured(x):
    y = CFG["W"] @ x
    y = np.tanh(y) if CFG["act"] == "tanh" else y
    return CFG["scale"] * np.sum(y ** 2 if MODE == "sq" else y)
"""


def test_strings_in_global_data_are_modes_too(import_text):
    mod = import_text("strings", STRINGS)
    g = symdiff.grad(mod.configured)
    x = np.array([0.5, -0.2])
    t = np.tanh(x)
    np.testing.assert_allclose(g(x), 4.0 * t * (1.0 - t ** 2))
    mod.MODE = "lin"  # another value: the code is built again
    np.testing.assert_allclose(g(x), 2.0 * (1.0 - t ** 2))
    mod.CFG["act"] = "none"
    np.testing.assert_allclose(g(x), [2.0, 2.0])


def test_strings_are_not_numbers():
    with pytest.raises(UnsupportedSyntaxError, match="the string 'sq' is used where a number"):
        symdiff.grad(lambda a, mode: a * mode)(3.0, "sq")
    with pytest.raises(UnsupportedSyntaxError, match="comparison of a string: only =="):
        symdiff.grad(lambda a, mode: a if mode < "b" else -a)(3.0, "sq")
    with pytest.raises(TypeError, match="argument 'mode' .* got str"):
        symdiff.grad(lambda a, mode: a, argnums=1)(3.0, "sq")
