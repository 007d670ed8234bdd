"""The numba backend (`symdiff.runtime.native`): every transform takes
``backend="numba"``, agrees with the Python backend to 1e-12 on the examples, keeps
its own cache entries, loads machine code from the disk cache in a fresh process, and
says so when numba is missing or cannot compile the code."""

from __future__ import annotations

import importlib.util
import inspect
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

import symdiff
from examples import black_scholes, curve_fit, logistic_regression, loops, mlp, newton, robot_arm
from examples import seed as essay
from symdiff import SymdiffError
from symdiff.runtime import native

try:
    from scipy import special
except ImportError:  # (the test that calls SciPy skips)
    special = None

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-12


def leaves(value: Any) -> list[Any]:
    """The numbers and arrays of a nested result, with the containers' types (and a
    dict's keys)."""
    if isinstance(value, dict):
        return [dict, *value, *(leaf for v in value.values() for leaf in leaves(v))]
    if isinstance(value, tuple) or isinstance(value, list) and not (value and all(
            isinstance(v, float) for v in value)):
        return [type(value), *(leaf for v in value for leaf in leaves(v))]
    return [value]


def assert_agree(got: Any, want: Any) -> None:
    """The same structure (lists stay lists, arrays arrays), values within 1e-12."""
    a, b = leaves(got), leaves(want)
    assert len(a) == len(b), (got, want)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, (type, str)):
            assert x == y, (got, want)
            continue
        assert isinstance(x, np.ndarray) == isinstance(y, np.ndarray), (got, want)
        assert isinstance(x, list) == isinstance(y, list), (got, want)
        np.testing.assert_allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                                   rtol=TOL, atol=TOL)


def both(make: Callable[[str], Any]) -> None:
    """`make(backend)` agrees across the two backends."""
    assert_agree(make("numba"), make("python"))


SCALAR_LOOPS = [
    (loops.horner, (1.7,), 0),
    (loops.newton_sqrt, (2.0,), 0),
    (loops.euler, (1.0, 0.5, 50), (0, 1)),
    (loops.trajectory_mean, (1.0, 0.5), (0, 1)),
    (newton.rosenbrock, (-1.2, 1.0), (0, 1)),
    (essay.e, (2.0, 1.0), (0, 1)),
    (black_scholes.call_price, (100.0, 95.0, 0.5, 0.03, 0.2), (0, 1, 2, 3, 4)),
]


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "hessian"])
@pytest.mark.parametrize(("fn", "args", "argnums"), SCALAR_LOOPS,
                         ids=[f.__name__ for f, _, _ in SCALAR_LOOPS])
def test_examples_agree_across_backends(transform: str, fn: Any, args: Any, argnums: Any
                                        ) -> None:
    make = getattr(symdiff, transform)
    both(lambda backend: make(fn, argnums, backend=backend)(*args))


@pytest.mark.parametrize(("fn", "args", "argnums"), SCALAR_LOOPS,
                         ids=[f.__name__ for f, _, _ in SCALAR_LOOPS])
def test_forward_and_reverse_products_agree(fn: Any, args: Any, argnums: Any) -> None:
    nums = (argnums,) if isinstance(argnums, int) else argnums
    tangents = tuple(0.5 + i if i in nums else 0 for i in range(len(args)))
    both(lambda backend: symdiff.jvp(fn, args, tangents, backend=backend))
    both(lambda backend: symdiff.vjp(fn, *args, backend=backend)[1](1.5))
    both(lambda backend: symdiff.hvp(fn, args, tangents, argnums, backend=backend))
    for jac in (symdiff.jacfwd, symdiff.jacrev, symdiff.jacobian):
        both(lambda backend, jac=jac: jac(fn, argnums, backend=backend)(*args))


@pytest.mark.parametrize("x", [[0.3, 1.2, -0.7, 2.0], np.array([0.3, 1.2, -0.7, 2.0])],
                         ids=["list", "array"])
def test_rosenbrock_of_a_list_or_an_array(x: Any) -> None:
    f = loops.rosenbrock
    for transform in (symdiff.grad, symdiff.value_and_grad, symdiff.hessian,
                      symdiff.jacfwd, symdiff.jacrev):
        both(lambda backend, t=transform: t(f, backend=backend)(x))
    tangent = [1.0, -0.5, 0.25, 2.0] if isinstance(x, list) else np.array([1.0, -0.5, 0.25, 2.0])
    both(lambda backend: symdiff.jvp(f, (x,), (tangent,), backend=backend))
    both(lambda backend: symdiff.hvp(f, (x,), (tangent,), backend=backend))
    # The gradient of a list is a list, as from the Python backend.
    assert type(symdiff.grad(f, backend="numba")(x)) is type(x)


def test_an_array_read_by_element_stays_an_array() -> None:
    # The Python backend reads a float64 vector indexed element by element as a list
    # (faster in CPython); compiled code indexes the array itself, so no list is made.
    g = symdiff.grad(loops.rosenbrock, backend="numba")
    x = np.linspace(-1.0, 1.0, 50)
    g(x)
    assert "list(" not in g.source and "tolist" not in g.source
    python = symdiff.grad(loops.rosenbrock)
    python(x)
    assert ".tolist()" in python.source


def test_array_examples_agree() -> None:
    X, y, _ = logistic_regression.make_data(n=200)
    w = np.linspace(-1.0, 1.0, X.shape[1])
    both(lambda backend: symdiff.value_and_grad(logistic_regression.loss, backend=backend)(
        w, X, y))
    both(lambda backend: symdiff.hessian(logistic_regression.loss, backend=backend)(w, X, y))
    Xm, ym = mlp.make_data(n=32)
    params = mlp.init(hidden=8)
    both(lambda backend: symdiff.grad(mlp.loss, (0, 1, 2, 3), backend=backend)(
        *params, Xm, ym))
    angles = np.array([0.3, -0.4, 0.9])
    for jac in (symdiff.jacfwd, symdiff.jacrev):
        both(lambda backend, jac=jac: jac(robot_arm.hand, backend=backend)(angles))
    ts, ys = curve_fit.data(n=12)
    p = np.array([1.8, 0.25, 1.6, 0.4])
    both(lambda backend: symdiff.grad(curve_fit.loss, backend=backend)(p, ts, ys))


LAMBDA = 0.5


def penalized(beta, X, y):
    """Ridge least squares that leaves the intercept beta[0] unpenalized."""
    r = X @ beta - y
    return r @ r + LAMBDA * (beta @ beta - beta[0] ** 2)


def test_a_gradient_cast_back_to_its_arguments_dtype() -> None:
    """A gradient summed from a global's terms is cast back to the argument's dtype
    (``astype(..., copy=False)`` in Python; numba's astype takes no keyword)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    beta = np.array([1.0, -0.5, 0.25])
    both(lambda backend: symdiff.value_and_grad(penalized, backend=backend)(beta, X, y))
    both(lambda backend: symdiff.hessian(penalized, backend=backend)(beta, X, y))
    g = symdiff.grad(penalized, backend="numba")
    g(beta, X, y)
    assert ".astype(beta.dtype)" in g.source and "copy=" not in g.source


def test_the_numba_source_compiles_loops_for_numba() -> None:
    """Tapes are arrays of the trip count (doubled when full in a while loop), loops
    run backwards as while loops counting down; the Python backend's text keeps its
    lists and descending ranges. The gradient with respect to one number of a
    function with a loop is by forward mode: no tape."""
    numba_text = symdiff.grad(loops.euler, (0, 1), backend="numba").source
    python_text = symdiff.grad(loops.euler, (0, 1)).source
    assert "reversed(" in python_text and "tape.append(y)" in python_text
    assert "reversed(" not in numba_text and ".append(" not in numba_text
    assert "tape = np.empty(len(range(n)))" in numba_text
    assert "i_1 = n - 1\n    while i_1 > -1:" in numba_text and "        i_1 -= 1\n" in numba_text
    forward = symdiff.grad(loops.horner, backend="numba").source
    assert "Forward-mode gradient" in forward and "tape" not in forward
    assert "Reverse-mode gradient" in symdiff.grad(loops.horner).source
    while_text = symdiff.hessian(loops.newton_sqrt, backend="numba").source
    assert "np.concatenate((tape, np.empty_like(tape)))" in while_text
    assert "tape_1[tape_top] = x_dot" in while_text


def slow_growth(x):
    """A while loop of a few hundred iterations: its tape doubles several times."""
    y = x
    k = 0
    while y < 100.0:
        y = y * 1.01 + 0.001 * k
        k += 1
    return y * x


def stepped(x, n):
    """A loop over a range with a step of 3, run backwards by the gradient."""
    s = 0.0
    for i in range(n, 2, -3):
        s = s * x + math.sin(i * x)
    return s


def test_tapes_that_grow_and_ranges_with_steps() -> None:
    both(lambda backend: symdiff.value_and_grad(slow_growth, backend=backend)(1.0))
    both(lambda backend: symdiff.hessian(slow_growth, backend=backend)(1.0))
    for n in (2, 3, 10, 11, 12):
        both(lambda backend, n=n: symdiff.value_and_grad(stepped, backend=backend)(0.7, n))


def overflows(x):
    return math.exp(x) * 2.0


def test_cache_entries_are_per_backend() -> None:
    """A float overflow raises in Python and gives inf in numba (as numba's own code
    does): each backend is served its own code, whichever is built first."""
    with pytest.raises(OverflowError):
        symdiff.grad(overflows)(1000.0)
    assert symdiff.grad(overflows, backend="numba")(1000.0) == math.inf
    with pytest.raises(OverflowError):
        symdiff.grad(overflows)(1000.0)
    assert symdiff.value_and_grad(overflows, backend="numba")(1000.0) == (math.inf, math.inf)
    with pytest.raises(OverflowError):
        symdiff.value_and_grad(overflows)(1000.0)


def test_the_compiled_code_is_a_numba_dispatcher() -> None:
    g = symdiff.grad(loops.horner, backend="numba")
    assert g(1.0) == 40.0
    core = inspect.getclosurevars(g.compiled).nonlocals["_symdiff_core"]
    assert type(core).__module__.startswith("numba")
    assert len(core.signatures) == 1


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="backend must be one of 'python', 'numba'"):
        symdiff.grad(loops.horner, backend="jax")


def test_without_numba_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.delitem(sys.modules, "numba")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba" else real(name, *a))
    for make in (lambda: symdiff.grad(loops.horner, backend="numba"),
                 lambda: symdiff.hessian(loops.horner, backend="numba"),
                 lambda: symdiff.jacrev(loops.horner, backend="numba"),
                 lambda: symdiff.jvp(loops.horner, (1.0,), (1.0,), backend="numba"),
                 lambda: symdiff.vjp(loops.horner, 1.0, backend="numba")):
        with pytest.raises(SymdiffError, match=r"pip install numba \(symdiff's extra 'numba'"):
            make()


WEIGHTS = [0.5, 2.0, 1.5]


def weighted(x):
    s = 0.0
    for i in range(3):
        s += WEIGHTS[i] * x ** (i + 1)
    return s


def test_a_value_numba_cannot_take_is_named() -> None:
    assert symdiff.grad(weighted)(1.0) == 0.5 + 4.0 + 4.5
    with pytest.raises(SymdiffError, match="reads 'WEIGHTS', a list"):
        symdiff.grad(weighted, backend="numba")(1.0)


def gamma_loglik(k):
    return special.gammaln(k) + k


def test_code_numba_cannot_compile_is_an_error_not_a_fallback() -> None:
    pytest.importorskip("scipy")
    assert symdiff.grad(gamma_loglik)(2.5) == pytest.approx(1.0 + 0.7031566406452432)
    with pytest.raises(SymdiffError, match="the numba backend cannot compile"):
        symdiff.grad(gamma_loglik, backend="numba")(2.5)


WARM = """
import time
t0 = time.perf_counter()
import inspect, symdiff
from examples.loops import rosenbrock
import numpy as np
g = symdiff.grad(rosenbrock, backend="numba")
x = np.linspace(-1.0, 1.0, 1000)
g(x)
(impl,) = g._dispatcher.specialisations.values()
core = inspect.getclosurevars(impl).nonlocals["_symdiff_core"]
print(sum(core.stats.cache_hits.values()), sum(core.stats.cache_misses.values()),
      time.perf_counter() - t0)
"""


def test_a_fresh_process_loads_machine_code_from_the_disk_cache(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "SYMDIFF_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def run() -> list[str]:
        done = subprocess.run([sys.executable, "-c", WARM], env=env, capture_output=True,
                              text=True, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    hits, misses, _ = run()
    assert (hits, misses) == ("0", "1")  # compiled, and written to numba's cache
    assert list((tmp_path / "numba").glob("symdiff_numba_*.py"))
    hits, misses, _ = run()
    assert (hits, misses) == ("1", "0")  # loaded, not compiled


def test_import_symdiff_does_not_import_numba() -> None:
    code = "import sys, symdiff; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_backend_is_part_of_the_spec_key() -> None:
    from symdiff.runtime.spec import Spec

    assert Spec("grad", 0).key() != Spec("grad", 0, backend="numba").key()
    assert Spec("grad", 0) != Spec("grad", 0, backend="numba")
    assert native.BACKENDS == ("python", "numba")


def harmonic(x, n):
    s = 0.0
    for i in range(n):
        s += 1.0 / (x - i) + (x - i) ** 2
    return s


def test_a_division_by_zero_still_raises_and_checks_numba_cannot_fail_go() -> None:
    """The statements that only re-raise what the function raises are dropped where
    numba's arithmetic cannot raise (a power), and kept for a division."""
    forward = symdiff.grad(harmonic, backend="numba").source.split("_bar")[0]
    assert "1.0 / _t0" in forward and "_t0 ** 2" not in forward
    assert "_t0 ** 2" in symdiff.grad(harmonic).source
    for backend in ("python", "numba"):
        with pytest.raises(ZeroDivisionError):
            symdiff.grad(harmonic, backend=backend)(2.0, 5)
    both(lambda backend: symdiff.grad(harmonic, backend=backend)(2.5, 5))


def scaled(p):
    return p["a"] * p["b"] ** 2


def mlp_loss(params, X, y):
    """A one-hidden-layer perceptron's mean squared error, its parameters a dict."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"]
    return np.mean((out - y) ** 2)


def nested(p):
    s = 0.0
    for i in range(3):
        s += p["layers"][0] * p["layers"][1] ** i + p["c"]
    return s


def test_pytree_arguments_are_passed_as_their_leaves() -> None:
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((2, 4)), "b1": np.zeros(4), "W2": rng.standard_normal(4)}
    X, y = rng.standard_normal((5, 2)), rng.standard_normal(5)
    cases = [(scaled, ({"a": 1.0, "b": 2.0},)), (mlp_loss, (params, X, y)),
             (nested, ({"layers": (0.5, 1.5), "c": 2.0},))]
    for fn, args in cases:
        for transform in (symdiff.grad, symdiff.value_and_grad, symdiff.jacfwd,
                          symdiff.jacrev):
            both(lambda backend, t=transform, f=fn, a=args: t(f, backend=backend)(*a))
        both(lambda backend, f=fn, a=args: symdiff.jvp(f, a, a, backend=backend))
        both(lambda backend, f=fn, a=args: symdiff.vjp(f, *a, backend=backend)[1](1.0))
    assert symdiff.grad(scaled, backend="numba")({"a": 1.0, "b": 2.0}) == {"a": 4.0, "b": 4.0}
    both(lambda backend: symdiff.hessian(nested, backend=backend)(*cases[2][1]))
    both(lambda backend: symdiff.hessian(mlp_loss, backend=backend)(params, X, y))


def _cubic(x):
    return x * x * x - 2.0 * x


def _quartic(x):
    return x * x * x * x + x


def test_the_disk_cache_counts_bounds_and_clears_numba_modules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from symdiff.runtime.cache import DiskCache

    monkeypatch.setenv("SYMDIFF_CACHE", "1")
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    assert symdiff.grad(_cubic, backend="numba")(2.0) == pytest.approx(10.0)
    assert symdiff.grad(_quartic, backend="numba")(1.0) == pytest.approx(5.0)
    cache = DiskCache.from_environment()
    native = sorted(p.name for p in cache.native_folder().rglob("symdiff_numba_*"))
    assert len([n for n in native if n.endswith(".py")]) == 2
    assert any(n.endswith(".nbi") for n in native)  # numba's own cache of them
    native_bytes = sum(p.stat().st_size
                       for p in cache.native_folder().rglob("symdiff_numba_*"))
    entries, size = cache.usage()
    assert entries >= 2 and size >= native_bytes
    # Over the bound, the least recently written module goes, with numba's files of it.
    DiskCache(max_bytes=native_bytes - 1).trim_native()
    left = [p.name for p in cache.native_folder().glob("symdiff_numba_*.py")]
    assert len(left) == 1
    removed, _ = cache.clear()
    assert removed >= 1
    assert not list(cache.native_folder().rglob("symdiff_numba_*"))


def sampled_growth_sse(r, K, y0, dt, t_obs, y_obs):
    """Logistic growth by Euler steps, its squared error at the sampled times: the index
    of the next sample is an int carried through the loop and moved on in a branch."""
    y = y0
    loss = 0.0
    j = 0
    for step in range(int(t_obs[-1] / dt) + 1):
        t = step * dt
        if j < t_obs.shape[0] and abs(t - t_obs[j]) < 1e-9:
            loss += (y - y_obs[j]) ** 2
            j += 1
        y = y + dt * r * y * (1.0 - y / K)
    return loss


def test_an_int_carried_through_a_loop_stays_an_int_on_the_tape() -> None:
    t_obs, y_obs = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.1, 0.3, 0.55, 0.8])
    args = (1.1, 1.0, 0.1, 0.01, t_obs, y_obs)
    both(lambda backend: symdiff.grad(sampled_growth_sse, (0, 1, 2), backend=backend)(*args))
    both(lambda backend: symdiff.hessian(sampled_growth_sse, (0, 1), backend=backend)(*args))
    grad = symdiff.grad(sampled_growth_sse, (0, 1, 2), backend="numba")
    grad(*args)
    text = grad.source  # (of the signature it was called with)
    assert "np.empty(len(range(_t2)), np.int64)" in text, text
    h = 1e-6
    fd = (sampled_growth_sse(1.1 + h, *args[1:]) - sampled_growth_sse(1.1 - h, *args[1:])) / (2 * h)
    assert symdiff.grad(sampled_growth_sse, backend="numba")(*args) == pytest.approx(fd, rel=1e-6)


def softmax_cross_entropy(W, X, Y):
    """The mean cross-entropy of a softmax classifier against one-hot targets `Y`."""
    logits = X @ W
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.sum(Y * log_probs) / X.shape[0]


def centred_sse(X, mu):
    """The squared distance of the rows of `X` from a centre given as a (1, n) row."""
    return np.sum((X - mu) ** 2)


def spring_chain(x, k):
    """The energy of springs of rest length one between consecutive points `x`."""
    return 0.5 * k * np.sum((np.diff(x) - 1.0) ** 2)


def gp_log_det(log_sn, X):
    """log det(X X^T + exp(2 log_sn) I) through the Cholesky factor's diagonal."""
    L = np.linalg.cholesky(X @ X.T + np.exp(2 * log_sn) * np.eye(X.shape[0]))
    return 2 * np.sum(np.log(np.diag(L)))


def arc_length(c, n=16):
    """The length of y = c0 sin(t) + c1 t**2 on [0, 1] by the trapezoid rule."""
    t = np.linspace(0.0, 1.0, n)
    return np.trapezoid(np.sqrt(1 + (c[0] * np.cos(t) + 2 * c[1] * t) ** 2), t)


_RNG = np.random.default_rng(7)
NUMPY_GAPS = [  # functions whose derivatives numba compiles only through `numpy_calls`
    (softmax_cross_entropy, (_RNG.normal(size=(3, 4)), _RNG.normal(size=(6, 3)),
                             np.eye(4)[[0, 2, 1, 3, 3, 0]]), 0, "np.take_along_axis"),
    (centred_sse, (_RNG.normal(size=(5, 3)), _RNG.normal(size=(1, 3))), 1, "np.sum"),
    (spring_chain, (np.cumsum(_RNG.uniform(0.5, 1.5, size=6)), 2.0), (0, 1), "zeros"),
    (gp_log_det, (-0.5, _RNG.normal(size=(4, 2))), 0, "np.diag("),
    (arc_length, (np.array([0.7, -0.3]),), 0, "np.expand_dims(np.asarray("),
]


@pytest.mark.parametrize(("fn", "args", "argnums", "spelling"), NUMPY_GAPS,
                         ids=[f.__name__ for f, *_ in NUMPY_GAPS])
def test_numpy_numba_lacks_is_respelled_and_agrees(fn: Any, args: Any, argnums: Any,
                                                   spelling: str) -> None:
    both(lambda backend: symdiff.grad(fn, argnums, backend=backend)(*args))
    grad = symdiff.grad(fn, argnums, backend="numba")
    grad(*args)
    assert spelling in grad.source, grad.source
