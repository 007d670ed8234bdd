"""Pickling derivative objects, and using them in process pools.

Contract tested here: every public derivative object (`grad`, `value_and_grad`, a
derivative of a derivative, `hessian`, `jacfwd`, `jacrev`, `jacobian`, and the object
``@grad`` leaves in a module) survives a pickle round trip: same kind, function and
argnums, same results; it pickles by reference to the user's function, so a lambda or
a local function raises pickle's usual error. In a real `ProcessPoolExecutor`, with the
default start method and with "spawn" (nothing inherited from the parent), a parallel
scipy.optimize sweep with ``jac=grad(f)`` gives the results of a serial run; a spawned
worker rebuilds each object from source when the disk cache is empty (it fails if
code generation is forbidden; allowed, it fills the cache), and from the disk cache
once it is filled (it succeeds with code generation forbidden).
"""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from tests.runtime import workers

pytest.importorskip("scipy")

STARTS = [(-1.2, 1.0), (2.0, 2.0), (0.0, 0.0), (-0.5, 1.5)]


def objects() -> list[tuple[Any, tuple[Any, ...]]]:
    """Each public derivative object, with arguments to call it with."""
    xy = (0.7, -1.3)
    vec = (np.array([0.5, -1.0, 2.0]),)
    return [
        (symdiff.grad(workers.loss), xy),
        (symdiff.grad(workers.loss, argnums=(0, 1)), xy),
        (symdiff.value_and_grad(workers.loss, argnums=1), xy),
        (symdiff.grad(symdiff.grad(workers.loss), argnums=1), xy),
        (symdiff.hessian(workers.loss, argnums=(0, 1)), xy),
        (symdiff.hessian(symdiff.grad(workers.loss, 1)), xy),
        (symdiff.jacfwd(workers.outputs), vec),
        (symdiff.jacrev(workers.outputs), vec),
        (symdiff.jacobian(symdiff.grad(workers.rosenbrock)), vec),
        (workers.decorated, xy),
        (symdiff.grad(workers.decorated, argnums=1), xy),
    ]


def unsigned(text: str) -> str:
    """A repr without the signatures compiled so far (a new object has none)."""
    return text[: text.index(", signatures:")]


CASES = objects()


@pytest.mark.parametrize(("obj", "args"), CASES,
                         ids=[unsigned(repr(obj)).removeprefix("<symdiff ") for obj, _ in CASES])
def test_round_trip(obj: Any, args: tuple[Any, ...]) -> None:
    expected = obj(*args)
    copy = pickle.loads(pickle.dumps(obj))
    assert type(copy).__mro__[-2:] == type(obj).__mro__[-2:]
    assert unsigned(repr(copy)) == unsigned(repr(obj))
    assert "signatures: none yet" in repr(copy)
    np.testing.assert_equal(copy(*args), expected)


def test_pickles_the_function_by_reference() -> None:
    data = pickle.dumps(symdiff.grad(workers.loss))
    assert b"workers" in data and b"loss" in data
    assert b"sin" not in data  # no source, no code


def test_lambdas_and_local_functions_raise_pickles_error() -> None:
    def local(x):
        return x * x

    for fn in (local, lambda x: x * x):
        with pytest.raises((pickle.PicklingError, AttributeError)):
            pickle.dumps(symdiff.grad(fn))


def serial_sweep() -> list[tuple[list[float], bool]]:
    jac = symdiff.grad(workers.rosenbrock)
    return [workers.minimize(workers.rosenbrock, jac, x0) for x0 in STARTS]


@pytest.mark.parametrize("method", [None, "spawn"])
def test_parallel_minimize_sweep(method: str | None, cache_dir: Path) -> None:
    context = None if method is None else get_context(method)
    jac = symdiff.grad(workers.rosenbrock)
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(pool.map(workers.minimize, [workers.rosenbrock] * len(STARTS),
                                [jac] * len(STARTS), STARTS))
    assert results == serial_sweep()
    for x, converged in results:
        assert converged and np.allclose(x, [1.0, 1.0], atol=1e-4)


def test_value_and_grad_as_the_objective_in_a_spawned_worker(cache_dir: Path) -> None:
    fun = symdiff.value_and_grad(workers.rosenbrock)
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        x, converged = pool.submit(workers.minimize, fun, True, STARTS[0]).result()
    assert converged and np.allclose(x, [1.0, 1.0], atol=1e-4)


def test_spawned_workers_build_from_source_then_from_the_disk_cache(cache_dir: Path) -> None:
    objs = objects()
    spawn = get_context("spawn")

    def run(forbid: bool) -> list[Any]:
        initializer = workers.forbid_generating if forbid else None
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn,
                                 initializer=initializer) as pool:
            return [pool.submit(workers.call, obj, *args).result() for obj, args in objs]

    with pytest.raises(RuntimeError, match="disk cache miss"):
        run(forbid=True)  # an empty cache: the worker must generate
    assert not cache_dir.exists() or not any(cache_dir.iterdir())
    from_source = run(forbid=False)
    assert len(list(cache_dir.iterdir())) >= len(objs)  # what the worker generated
    from_disk = run(forbid=True)
    for a, b, (obj, args) in zip(from_source, from_disk, objs, strict=True):
        np.testing.assert_equal(a, obj(*args))
        np.testing.assert_equal(b, a)
