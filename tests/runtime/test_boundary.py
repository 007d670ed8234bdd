"""Dicts a numba-backend derivative builds before returning them
(`symdiff.runtime.boundary`): held as tuples of their leaves in the compiled code and
built again in Python, for the Hessians, Hessian-vector products and auxiliary results
of functions of dicts of parameters; a dict the code reads is an error naming its
line."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

import symdiff
from symdiff import SymdiffError
from symdiff.host.data import layout
from symdiff.runtime import boundary
from tests.runtime.test_native import both


def normal_nll(params, x):
    """The negative log-likelihood of a normal sample, the scale on the log scale."""
    z = (x - params["mu"]) / np.exp(params["log_sigma"])
    return np.sum(0.5 * z ** 2 + params["log_sigma"]) + 0.5 * len(x) * math.log(2 * math.pi)


def mlp_loss(params, X, y):
    """A one-hidden-layer network's mean squared error, its weights in a dict."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def ar1_nll(params, y):
    """An AR(1) model's conditional negative log-likelihood, its residuals on the side."""
    phi, c, log_s = params["phi"], params["c"], params["log_s"]
    total = 0.0
    last = 0.0
    for t in range(1, len(y)):
        e = y[t] - c - phi * y[t - 1]
        total += 0.5 * (e / math.exp(log_s)) ** 2 + log_s
        last = e
    return total, {"last_residual": last, "sigma": math.exp(log_s)}


def hand(joints):
    """Where a two-link arm's hand is, its joint angles in a dict."""
    a, b = joints["shoulder"], joints["elbow"]
    return {"x": 1.0 * math.cos(a) + 0.6 * math.cos(a + b),
            "y": 1.0 * math.sin(a) + 0.6 * math.sin(a + b)}


def hierarchical(group, prior, x):
    """A group mean's likelihood under a normal prior, its parameters in two dicts."""
    shrink = (group["m"] - prior["m0"]) ** 2 / (2.0 * math.exp(2.0 * prior["log_t"]))
    return normal_nll({"mu": group["m"], "log_sigma": group["log_s"]}, x) + shrink \
        + prior["log_t"]


RNG = np.random.default_rng(7)
SAMPLE = RNG.normal(1.2, 0.7, 40)
NORMAL = {"mu": 0.8, "log_sigma": -0.1}


def network() -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    params = {"W1": rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal(4),
              "W2": rng.standard_normal(4), "b2": 0.3}
    return params, rng.standard_normal((12, 3)), rng.standard_normal(12)


def test_hessian_vector_products_of_a_likelihood_of_a_dict() -> None:
    direction = {"mu": 0.3, "log_sigma": -1.0}
    both(lambda backend: symdiff.hvp(normal_nll, (NORMAL, SAMPLE), (direction, SAMPLE * 0),
                                     backend=backend))
    both(lambda backend: symdiff.hessian(normal_nll, backend=backend)(NORMAL, SAMPLE))
    both(lambda backend: symdiff.value_and_grad(normal_nll, backend=backend)(NORMAL, SAMPLE))


def test_the_hessian_of_a_network_with_respect_to_its_dict_of_weights() -> None:
    params, X, y = network()
    both(lambda backend: symdiff.hessian(mlp_loss, backend=backend)(params, X, y))
    tangent = {k: np.ones_like(v) if isinstance(v, np.ndarray) else 1.0
               for k, v in params.items()}
    both(lambda backend: symdiff.hvp(mlp_loss, (params, X, y), (tangent, X * 0, y * 0),
                                     backend=backend))
    h = symdiff.hessian(mlp_loss, backend="numba")(params, X, y)
    assert h["W1"]["b2"].shape == (3, 4) and h["W2"]["W1"].shape == (4, 3, 4)


def test_auxiliary_results_that_are_dicts() -> None:
    params = {"phi": 0.5, "c": 0.1, "log_s": -0.3}
    y = np.cumsum(RNG.standard_normal(60)) * 0.1
    for transform in (symdiff.grad, symdiff.value_and_grad, symdiff.jacrev, symdiff.jacfwd):
        both(lambda backend, t=transform: t(ar1_nll, has_aux=True, backend=backend)(
            params, y))


def test_the_jacobian_of_a_function_returning_a_dict() -> None:
    joints = {"shoulder": 0.4, "elbow": 1.1}
    for transform in (symdiff.jacfwd, symdiff.jacrev, symdiff.jacobian):
        both(lambda backend, t=transform: t(hand, backend=backend)(joints))
    both(lambda backend: symdiff.jvp(hand, (joints,), ({"shoulder": 1.0, "elbow": -0.5},),
                                     backend=backend))
    both(lambda backend: symdiff.vjp(hand, joints, backend=backend)[1]({"x": 1.0, "y": 0.5}))


def test_the_hessian_with_respect_to_two_dicts() -> None:
    group, prior = {"m": 1.0, "log_s": -0.4}, {"m0": 0.0, "log_t": 0.2}
    for transform in (symdiff.hessian, symdiff.jacfwd, symdiff.value_and_grad):
        both(lambda backend, t=transform: t(hierarchical, (0, 1), backend=backend)(
            group, prior, SAMPLE))
    h = symdiff.hessian(hierarchical, (0, 1), backend="numba")(group, prior, SAMPLE)
    assert set(h[0]["m"][1]) == {"m0", "log_t"}


def asymmetric(weights, r):
    """A squared loss weighting over- and under-predictions differently."""
    s = 0.0
    for i in range(len(r)):
        if r[i] > 0.0:
            s += weights["over"] * r[i] ** 2
        else:
            s += weights["under"] * r[i] ** 2
    return s


def test_a_tangent_the_derivative_does_not_read_is_not_passed() -> None:
    """The loss is linear in its weights: the Hessian-vector product with respect to
    them reads neither the weights nor their tangent, which stay out of numba."""
    weights, r = {"over": 2.0, "under": 0.5}, np.array([0.3, -1.2, 0.8, -0.1])
    direction = {"over": 1.0, "under": -1.0}
    both(lambda backend: symdiff.hvp(asymmetric, (weights, r), (direction, r),
                                     backend=backend))
    both(lambda backend: symdiff.hvp(asymmetric, (weights, r), (direction, r), (0, 1),
                                     backend=backend))
    both(lambda backend: symdiff.hessian(asymmetric, (0, 1), backend=backend)(weights, r))


BUILT = '''\
def f_grad(a, b):
    """A derivative that builds its dicts before returning them."""
    inner = {'x': a * 2.0, 'y': (b, a)}
    outer = {'in': inner, 'z': b - a}
    if a > 0.0:
        return (outer, [inner, a])
    return ({'in': {'x': 0.0, 'y': (1.0, 2.0)}, 'z': 3.0}, [inner, b])
'''


@pytest.mark.parametrize("a", [1.5, -1.5])
def test_built_dicts_become_tuples_and_are_built_again(a: float) -> None:
    """The core and wrapper, run as plain Python, give the function's own result."""
    want = _run(BUILT, "f_grad")(a, 0.25)
    core, wrapper = boundary.split(BUILT, "f_grad", None)
    assert "{" not in core.split('"""')[-1]  # no dict left in the compiled code
    assert "inner = (a * 2.0, b, a)" in core
    assert "outer = (b - a, inner[0], inner[1], inner[2])" in core
    free = {"_symdiff_core": _run(core, "f_grad"), "_symdiff_in": lambda v: v,
            "_symdiff_errors": ArithmeticError, "_symdiff_failed": RuntimeError}
    assert _run(wrapper, "f_grad", free)(a, 0.25) == want


def test_a_dict_the_code_reads_is_named_with_its_line() -> None:
    text = ("def f_grad(a):\n"
            "    g = {'x': a, 'y': 2.0 * a}\n"
            "    s = g['x'] + 1.0\n"
            "    return (s, g)\n")
    with pytest.raises(SymdiffError, match=r"reads the dict it builds, g \(line 3 "):
        boundary.split(text, "f_grad", None)
    twice = ("def f_grad(a):\n"
             "    g = {'x': a}\n"
             "    if a > 0.0:\n"
             "        g = {'x': -a}\n"
             "    return g\n")
    with pytest.raises(SymdiffError, match=r"builds a dict \(line 2 of the generated code\)"):
        boundary.split(twice, "f_grad", None)


def test_pytree_leaves_and_built_dicts_together() -> None:
    text = ("def f_grad(p, x):\n"
            "    mu = p['mu']\n"
            "    s = p['s']\n"
            "    g = {'mu': x - mu, 's': s * x}\n"
            "    return g\n")
    core, wrapper = boundary.split(text, "f_grad", (layout({"mu": 1.0, "s": 2.0}), None))
    assert "def f_grad(x, mu, s):" in core and "return (g[0], g[1])" in core
    free = {"_symdiff_core": _run(core, "f_grad"), "_symdiff_in": lambda v: v,
            "_symdiff_errors": ArithmeticError, "_symdiff_failed": RuntimeError}
    assert _run(wrapper, "f_grad", free)({"mu": 1.0, "s": 2.0}, 3.0) == {"mu": 2.0, "s": 6.0}


def _run(text: str, name: str, free: dict[str, Any] | None = None) -> Any:
    namespace: dict[str, Any] = dict(free or {})
    exec(compile(text, "<test>", "exec"), namespace)  # noqa: S102 (the test's own text)
    return namespace[name]


def test_an_argument_the_guard_found_a_number_is_passed_as_it_is() -> None:
    # Only a list is converted (to a float64 array); a guard that tested the class of
    # `x` (float) leaves it out of the conversion, which costs a call per argument.
    text = "def f_grad(x, y):\n    return x * y\n"
    _, wrapper = boundary.split(text, "f_grad", None, numbers={0})
    assert "_symdiff_core(x, _symdiff_in(y))" in wrapper, wrapper


def scaled_energy(w, c):
    return c * (w[0] * w[0] + w[1])


def test_a_numba_gradient_takes_a_number_and_a_list_in_either_place() -> None:
    # Each signature's guard passes numbers as they are and converts lists.
    g = symdiff.grad(scaled_energy, argnums=(0, 1), backend="numba")
    assert g([3.0, 4.0], 2.0) == ([12.0, 2.0], 13.0)
    assert g(np.array([3.0, 4.0]), 2.0)[1] == 13.0
    assert g([1.0, 0.5], 3.0) == ([6.0, 3.0], 1.5)
