"""Stale code in one process: a rebound helper or a replaced ``__code__`` (what
IPython's ``%autoreload 2`` does) is differentiated as it is now, by a new transform and
by one built before the change."""

from __future__ import annotations

import importlib.util
import math
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff.jacobian import jacfwd, jacobian, jacrev

MODULE = textwrap.dedent('''\
    import math


    def h(x):
        return math.sin(x) * x


    def f(x):
        return h(x) ** 2


    def h_new(x):
        return 10.0 * x


    def two(x, y):
        return h(x) * y


    def square(x):
        return x * x


    def cube(x):
        return x * x * x


    def vector(x):
        return (h(x), 2.0 * x)


    def magnitude(x):
        return abs(x) * x


    def annotated(x: float) -> float:
        y: float = x * x
        return y
''')


@pytest.fixture(params=["memory", "disk"])
def mod(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        import_text) -> types.ModuleType:
    """A fresh module of the functions above, compiled with the disk cache off or on (a
    directory of this test's own)."""
    if request.param == "memory":
        monkeypatch.setenv("SYMDIFF_CACHE", "0")
    else:
        monkeypatch.delenv("SYMDIFF_CACHE", raising=False)
        monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path / "cache"))
    return import_text(f"stale_helpers_{request.param}", MODULE)


OLD = 2 * math.sin(1.0) * (math.sin(1.0) + math.cos(1.0))  # d/dx (x sin x)^2 at 1


def test_a_new_grad_sees_a_redefined_helper(mod):
    assert symdiff.grad(mod.f)(1.0) == pytest.approx(OLD)
    mod.h = mod.h_new
    assert symdiff.grad(mod.f)(1.0) == pytest.approx(200.0)


def test_an_existing_grad_sees_a_redefined_helper(mod):
    g = symdiff.grad(mod.f)
    assert g(1.0) == pytest.approx(OLD)
    mod.h = mod.h_new
    assert g(1.0) == pytest.approx(200.0)
    assert g(1) == pytest.approx(200.0)  # an int: the entry, not the fast path
    assert g.compiled(1.0) == pytest.approx(200.0)


def test_a_second_signature_sees_a_redefined_helper(mod):
    g = symdiff.grad(mod.two)
    assert g(1.0, 2.0) == pytest.approx(2 * (math.sin(1.0) + math.cos(1.0)))
    assert g(1.0, 2) == pytest.approx(2 * (math.sin(1.0) + math.cos(1.0)))
    mod.h = mod.h_new
    assert g(1.0, 2) == pytest.approx(20.0)
    assert g(1.0, 2.0) == pytest.approx(20.0)


def test_replaced_code_is_differentiated_as_it_is_now(mod):
    g = symdiff.grad(mod.square)
    assert g(3.0) == pytest.approx(6.0)
    old = g.source
    mod.square.__code__ = mod.cube.__code__  # %autoreload 2 replaces __code__ in place
    assert symdiff.grad(mod.square)(3.0) == pytest.approx(27.0)
    assert g(3.0) == pytest.approx(27.0)
    assert g.source != old


def test_a_helper_with_replaced_code(mod):
    g = symdiff.grad(mod.f)
    assert g(1.0) == pytest.approx(OLD)
    mod.h.__code__ = mod.h_new.__code__
    assert g(1.0) == pytest.approx(200.0)
    assert symdiff.grad(mod.f)(1.0) == pytest.approx(200.0)


def test_value_and_grad_jvp_and_vjp(mod):
    vg = symdiff.value_and_grad(mod.f)
    assert vg(1.0)[1] == pytest.approx(OLD)
    assert symdiff.jvp(mod.f, (1.0,), (1.0,))[1] == pytest.approx(OLD)
    assert symdiff.vjp(mod.f, 1.0)[1](1.0)[0] == pytest.approx(OLD)
    mod.h = mod.h_new
    assert vg(1.0) == pytest.approx((100.0, 200.0))
    assert symdiff.jvp(mod.f, (1.0,), (1.0,)) == pytest.approx((100.0, 200.0))
    assert symdiff.vjp(mod.f, 1.0)[1](1.0)[0] == pytest.approx(200.0)
    mod.f.__code__ = mod.square.__code__
    assert symdiff.jvp(mod.f, (1.0,), (1.0,)) == pytest.approx((1.0, 2.0))
    assert symdiff.vjp(mod.f, 1.0)[1](1.0)[0] == pytest.approx(2.0)
    assert vg(1.0) == pytest.approx((1.0, 2.0))


def test_grad_of_grad(mod):
    gg = symdiff.grad(symdiff.grad(mod.square))
    assert gg(1.0) == pytest.approx(2.0)
    mod.square.__code__ = mod.cube.__code__
    assert gg(1.0) == pytest.approx(6.0)
    assert symdiff.grad(symdiff.grad(mod.square))(1.0) == pytest.approx(6.0)


def test_hessian_and_hvp(mod):
    hess = symdiff.hessian(mod.square)
    assert hess(1.0) == pytest.approx(2.0)
    assert hess(np.array([1.0, 2.0]).sum()) == pytest.approx(2.0)
    assert symdiff.hvp(mod.square, (1.0,), (1.0,)) == pytest.approx(2.0)
    mod.square.__code__ = mod.cube.__code__
    assert hess(1.0) == pytest.approx(6.0)
    assert symdiff.hessian(mod.square)(1.0) == pytest.approx(6.0)
    assert symdiff.hvp(mod.square, (1.0,), (1.0,)) == pytest.approx(6.0)


@pytest.mark.parametrize("make", [jacfwd, jacrev, jacobian])
def test_jacobians(mod, make):
    jac = make(mod.vector)
    old = jac(1.0)
    assert old[0] == pytest.approx(math.sin(1.0) + math.cos(1.0))
    mod.h = mod.h_new
    assert jac(1.0) == pytest.approx((10.0, 2.0))
    assert make(mod.vector)(1.0) == pytest.approx((10.0, 2.0))


def test_a_helper_in_a_closure_cell(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SYMDIFF_CACHE", "0")

    def h(x):
        return math.sin(x) * x

    def f(x):
        return h(x) ** 2

    g = symdiff.grad(f)
    assert g(1.0) == pytest.approx(OLD)

    def h(x):  # noqa: F811 (rebinding the cell f reads is the point)
        return 10.0 * x

    assert g(1.0) == pytest.approx(200.0)
    assert symdiff.grad(f)(1.0) == pytest.approx(200.0)


def test_unchanged_code_is_not_rebuilt(mod, monkeypatch: pytest.MonkeyPatch):
    g = symdiff.grad(mod.f)
    g(1.0)
    import symdiff.runtime.link as link
    import symdiff.runtime.pipeline as pipeline

    def forbidden(*args, **kwargs):
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(pipeline, "generate", forbidden)
    monkeypatch.setattr(link, "link_function", forbidden)
    mod.K = 3.0  # an unrelated global
    for _ in range(3):
        assert g(1.0) == pytest.approx(OLD)
        assert g(1) == pytest.approx(OLD)


HELPERS = textwrap.dedent('''\
    def inner(t):
        return t * t


    def outer(t):
        return 3.0 * inner(t)


    def cube(t):
        return t * t * t
''')

USER = textwrap.dedent('''\
    import {helpers} as helpers
    from {helpers} import outer


    def through_attribute(x):
        return helpers.outer(x)


    def through_import(x):
        return outer(x)
''')


def test_helpers_in_another_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    monkeypatch.syspath_prepend(str(tmp_path))
    helpers_name = f"stale_other_{abs(hash(str(tmp_path)))}"
    (tmp_path / f"{helpers_name}.py").write_text(HELPERS)
    (tmp_path / f"{helpers_name}_user.py").write_text(USER.format(helpers=helpers_name))
    user = importlib.import_module(f"{helpers_name}_user")
    helpers = sys.modules[helpers_name]
    by_attribute = symdiff.grad(user.through_attribute)
    by_import = symdiff.grad(user.through_import)
    assert by_attribute(2.0) == pytest.approx(12.0) and by_import(2.0) == pytest.approx(12.0)
    helpers.inner = helpers.cube  # two calls away, in the other module's globals
    assert by_attribute(2.0) == pytest.approx(36.0)
    assert by_import(2.0) == pytest.approx(36.0)
    helpers.outer = helpers.cube  # user's own `outer` still names the old one
    assert by_attribute(2.0) == pytest.approx(12.0)
    assert by_import(2.0) == pytest.approx(36.0)
    for name in (helpers_name, f"{helpers_name}_user"):
        sys.modules.pop(name, None)


def test_a_custom_rule_given_again(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SYMDIFF_CACHE", "0")

    @symdiff.custom_jvp
    def act(x):
        return math.sin(x)

    @act.defjvp
    def first(primals, tangents):
        (x,), (t,) = primals, tangents
        return act(x), math.cos(x) * t

    def f(x):
        return 2.0 * act(x)

    g = symdiff.grad(f)
    assert g(1.0) == pytest.approx(2.0 * math.cos(1.0))

    @act.defjvp
    def second(primals, tangents):
        (x,), (t,) = primals, tangents
        return act(x), 5.0 * t

    assert g(1.0) == pytest.approx(10.0)
    assert symdiff.grad(f)(1.0) == pytest.approx(10.0)
    assert symdiff.jvp(f, (1.0,), (1.0,))[1] == pytest.approx(10.0)


def test_a_deleted_helper_is_an_error_not_the_old_derivative(mod):
    g = symdiff.grad(mod.f)
    assert g(1.0) == pytest.approx(OLD)
    del mod.h
    with pytest.raises(symdiff.SymdiffError, match="'h'"):
        g(1.0)  # the entry rebuilds (no KeyError from its check), and h is gone
    with pytest.raises(symdiff.SymdiffError, match="'h'"):
        g.compiled(1.0)


def test_a_builtin_shadowed_later_is_differentiated_as_it_is_now(mod):
    g = symdiff.grad(mod.magnitude)
    assert g(-3.0) == pytest.approx(6.0)  # d/dx |x| x = 2|x|
    mod.abs = mod.square
    assert g(-3.0) == pytest.approx(27.0)  # d/dx x^3
    del mod.abs
    assert g(-3.0) == pytest.approx(6.0)


def test_a_patched_module_function_is_noticed(mod, monkeypatch: pytest.MonkeyPatch):
    g = symdiff.grad(mod.f)
    assert g(1.0) == pytest.approx(OLD)
    monkeypatch.setattr(mod.math, "sin", math.cos)  # h is cos(x) * x now
    want = 2 * math.cos(1.0) * (math.cos(1.0) - math.sin(1.0))
    assert g(1.0) == pytest.approx(want)


def test_annotations_are_not_watched(mod):
    # Annotations are never evaluated by the derivative: `float` in them must not add a
    # check to every call.
    g = symdiff.grad(mod.annotated)
    assert g(3.0) == pytest.approx(6.0)
    assert [w.name for w in g._dispatcher.watches.values()] == ["__code__"]
