"""`symdiff.testing`: the gradient checkers must pass correct rules and catch wrong ones.

Two layers:
- against a stand-in for the public API built from the IR (`transforms.ad` run by the
  reference interpreter, rebuilt on every call), so the checker itself is tested
  whatever the state of the compiler: it accepts correct derivatives and raises
  ``AssertionError`` once a primitive's rule in `PRIMITIVES` is replaced by a wrong one;
- against the real `symdiff.grad` / `jvp` / `vjp` (skipped only while `symdiff.grad`
  does not exist), with the disk cache off so that a patched rule is really compiled.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import symdiff
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program, Structure, flatten, rebuild
from symdiff.ir.primitives import PRIMITIVES
from symdiff.testing import check_grads, check_sympy
from symdiff.transforms import ad

Replace = Callable[[Any], None]  # the replace_primitive fixture (tests/conftest.py)


def wrong_sin() -> Any:
    """sin with d/dx sin(x) = sin(x): a plausible-looking wrong rule."""
    return dataclasses.replace(PRIMITIVES["sin"], partials=lambda b, out, x: (b.sin(x),))


def wrong_sub_vjp() -> Any:
    """sub whose reverse rule forgets the minus sign; its forward rule stays right."""
    return dataclasses.replace(PRIMITIVES["sub"], vjp_rule=lambda b, node, ct: (ct, ct))


# A stand-in for the public API, built on the IR ----------------------------------------------


class IRFunction:
    """A function given as IR: `build(b, *params)` returns its result structure."""

    def __init__(self, arity: int, build: Callable[..., Structure]) -> None:
        self.arity = arity
        self.build = build

    def trace(self) -> tuple[Builder, list[Node], Structure]:
        b = Builder()  # a fresh builder each time: a patched rule always takes effect
        xs = [b.param(f"x{i}") for i in range(self.arity)]
        return b, xs, self.build(b, *xs)

    def __call__(self, *args: float) -> Any:
        b, xs, result = self.trace()
        return evaluate(Program("f", tuple(xs), result, b), args)


def _zeros(b: Builder, nodes: Sequence[Node | None]) -> list[Node]:
    return [b.const(0.0) if n is None else n for n in nodes]


def ir_jvp(fun: IRFunction, primals: Sequence[float], tangents: Sequence[float]) -> Any:
    b, xs, result = fun.trace()
    ts = [b.param(f"t{i}") for i in range(len(xs))]
    outs = list(flatten(result))
    touts = _zeros(b, ad.jvp(b, outs, dict(zip(xs, ts, strict=True))))
    tangent = rebuild(result, dict(zip(outs, touts, strict=True)))
    if isinstance(result, Node):
        tangent = touts[0]
    program = Program("f_jvp", (*xs, *ts), (result, tangent), b)
    return evaluate(program, [*primals, *tangents])


def flat_numbers(value: Any) -> list[float]:
    if isinstance(value, tuple):
        return [x for item in value for x in flat_numbers(item)]
    return [value]


def ir_vjp(fun: IRFunction, *primals: float) -> tuple[Any, Callable[[Any], tuple[float, ...]]]:
    def vjp_fn(cotangent: Any) -> tuple[float, ...]:
        b, xs, result = fun.trace()
        outs = list(flatten(result))
        vs = [b.param(f"v{k}") for k in range(len(outs))]
        cts = _zeros(b, ad.vjp(b, outs, vs, xs))
        flat = list(flat_numbers(cotangent))
        return evaluate(Program("f_vjp", (*xs, *vs), tuple(cts), b), [*primals, *flat])

    return fun(*primals), vjp_fn


@pytest.fixture
def ir_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(symdiff, "jvp", ir_jvp, raising=False)
    monkeypatch.setattr(symdiff, "vjp", ir_vjp, raising=False)


def smooth(b: Builder, x: Node, y: Node) -> Node:
    # sin(x) * y + exp(x * y) / (1 + x**2) - y
    return b.sub(b.add(b.mul(b.sin(x), y), b.div(b.exp(b.mul(x, y)), b.add(1.0, b.square(x)))), y)


SMOOTH = IRFunction(2, smooth)
PAIR = IRFunction(2, lambda b, x, y: (b.mul(b.sin(x), y), (b.sub(x, b.cos(y)), b.hypot(x, y))))
POINTS = [(0.3, 1.7), (-1.2, 0.4), (2.0, -0.9)]


@pytest.mark.usefixtures("ir_api")
@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev")])
def test_accepts_correct_rules(point: tuple[float, float], modes: tuple[str, ...]) -> None:
    check_grads(SMOOTH, point, modes=modes)
    check_grads(PAIR, point, modes=modes)


@pytest.mark.usefixtures("ir_api")
@pytest.mark.parametrize("seed", range(5))
def test_accepts_correct_rules_for_every_seed(seed: int) -> None:
    check_grads(SMOOTH, (0.7, -0.2), seed=seed)


@pytest.mark.usefixtures("ir_api")
@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev")])
def test_rejects_a_wrong_rule(replace_primitive: Replace, modes: tuple[str, ...]) -> None:
    check_grads(SMOOTH, (0.3, 1.7), modes=modes)
    replace_primitive(wrong_sin())
    with pytest.raises(AssertionError, match="disagrees"):
        check_grads(SMOOTH, (0.3, 1.7), modes=modes)
    with pytest.raises(AssertionError, match="disagrees"):
        check_grads(PAIR, (0.3, 1.7), modes=modes)


@pytest.mark.usefixtures("ir_api")
def test_rejects_a_wrong_reverse_rule_only_in_reverse_mode(replace_primitive: Replace) -> None:
    replace_primitive(wrong_sub_vjp())
    check_grads(SMOOTH, (0.3, 1.7), modes=("fwd",))
    with pytest.raises(AssertionError, match=r"reverse mode <u, vjp\(v\)>"):
        check_grads(SMOOTH, (0.3, 1.7), modes=("rev",))


@pytest.mark.usefixtures("ir_api")
def test_failure_message_shows_both_numbers_and_the_point(replace_primitive: Replace) -> None:
    replace_primitive(wrong_sin())
    with pytest.raises(AssertionError) as info:
        check_grads(IRFunction(1, lambda b, x: b.sin(x)), (0.5,), modes=("fwd",), seed=3)
    text = str(info.value)
    assert "forward mode (jvp along u)" in text and "central finite differences" in text
    # jvp = sin(0.5) * u and fd = cos(0.5) * u for the seed's direction u.
    u = float(text.split("along u = (")[1].split(",")[0])
    jvp_line, fd_line = (line for line in text.splitlines() if line.startswith("  ") and
                         line.split(":")[0].strip() in ("forward mode (jvp along u)",
                                                        "central finite differences"))
    assert float(jvp_line.split(": ")[1]) == math.sin(0.5) * u
    assert float(fd_line.split(": ")[1]) == pytest.approx(math.cos(0.5) * u, rel=1e-8)
    assert "at args = (0.5,)" in text and "seed=3" in text


@pytest.mark.usefixtures("ir_api")
def test_rejects_a_wrong_primal_output(monkeypatch: pytest.MonkeyPatch) -> None:
    def off_by_one(fun: Any, primals: Sequence[float], tangents: Sequence[float]) -> Any:
        out, tangent = ir_jvp(fun, primals, tangents)
        return out + 1.0, tangent

    monkeypatch.setattr(symdiff, "jvp", off_by_one)
    with pytest.raises(AssertionError, match="jvp primal output"):
        check_grads(SMOOTH, (0.3, 1.7), modes=("fwd",))


@pytest.mark.usefixtures("ir_api")
def test_tolerances_are_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    def slightly_off(fun: Any, primals: Sequence[float], tangents: Sequence[float]) -> Any:
        out, tangent = ir_jvp(fun, primals, tangents)
        return out, tangent * (1 + 1e-3)

    monkeypatch.setattr(symdiff, "jvp", slightly_off)
    check_grads(SMOOTH, (0.3, 1.7), modes=("fwd",), rtol=1e-2)
    with pytest.raises(AssertionError):
        check_grads(SMOOTH, (0.3, 1.7), modes=("fwd",), rtol=1e-5)


@pytest.mark.parametrize("order", [0, -1, 1.0, True])
def test_order_must_be_a_positive_int(order: Any) -> None:
    with pytest.raises(ValueError, match="order"):
        check_grads(smooth_fn, (0.3, 1.7), order=order)


@pytest.mark.parametrize("modes", [(), ("backward",), ("fwd", "sideways")])
def test_unknown_modes_are_rejected(modes: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="modes"):
        check_grads(SMOOTH, (0.3, 1.7), modes=modes)


@pytest.mark.parametrize("args", [(True, 1.0), ("0.3", 1.0), (1j, 1.0)])
def test_non_float_arguments_are_rejected(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        check_grads(SMOOTH, args)


def test_importing_the_checkers_does_not_import_sympy() -> None:
    code = (
        "import sys, symdiff.testing, symdiff.export.sympy\n"
        "assert 'sympy' not in sys.modules, 'sympy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# The real public API ----------------------------------------------------------------------------

requires_api = pytest.mark.skipif(
    not hasattr(symdiff, "grad"), reason="symdiff.grad is not implemented yet")

SCALE = 2.5


def smooth_fn(x: float, y: float) -> float:
    return math.sin(x) * y + math.exp(x * y) / (1 + x**2) + SCALE * math.log(y)


def kinked_fn(x: float, y: float) -> float:
    return abs(x - y) + max(x, 2 * y) + math.hypot(x, y) + math.atan2(y, x)


def pair_fn(x: float, y: float) -> tuple[float, float]:
    return x * math.cos(y), math.sqrt(x * x + y * y) - y


def make_closure(k: float) -> Callable[[float], float]:
    def scaled(x: float) -> float:
        return k * x**3 + math.tanh(x / k)

    return scaled


@requires_api
@pytest.mark.parametrize("fun", [smooth_fn, kinked_fn, pair_fn])
@pytest.mark.parametrize("point", [(0.3, 1.7), (1.9, 0.4)])
def test_public_api_passes_check_grads(fun: Callable[..., Any], point: tuple[float, float]) -> None:
    check_grads(fun, point)


@requires_api
def test_public_api_closure_passes_check_grads() -> None:
    check_grads(make_closure(1.5), (0.8,))


@requires_api
@pytest.mark.parametrize("modes", [("fwd",), ("rev",)])
def test_public_api_with_a_wrong_rule_fails_check_grads(
    monkeypatch: pytest.MonkeyPatch, replace_primitive: Replace, modes: tuple[str, ...]
) -> None:
    # No disk cache: code generated from the patched table must be neither read nor kept.
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    replace_primitive(wrong_sin())

    def uses_sin(x: float, y: float) -> float:  # a fresh function object: nothing cached
        return math.sin(x) * y + x / y

    with pytest.raises(AssertionError, match="disagrees"):
        check_grads(uses_sin, (0.3, 1.7), modes=modes)


@requires_api
@pytest.mark.parametrize("fun", [smooth_fn, kinked_fn])
def test_public_api_passes_check_sympy(fun: Callable[..., Any]) -> None:
    check_sympy(fun, (0.3, 1.7))
    check_sympy(fun, (0.3, 1.7), argnums=1)
    check_sympy(fun, (0.3, 1.7), argnums=(1, 0))


@requires_api
def test_check_sympy_substitutes_closure_values() -> None:
    check_sympy(make_closure(1.5), (0.8,))


@requires_api
def test_public_api_with_a_wrong_rule_fails_check_sympy(
    monkeypatch: pytest.MonkeyPatch, replace_primitive: Replace
) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    replace_primitive(wrong_sin())

    def uses_sin_too(x: float) -> float:
        return x * math.sin(x)

    with pytest.raises(AssertionError, match=r"sympy.diff"):
        check_sympy(uses_sin_too, (0.3,))


@requires_api
def test_check_sympy_requires_a_scalar_function() -> None:
    with pytest.raises(TypeError, match="one number"):
        check_sympy(pair_fn, (0.3, 1.7))


def test_check_grads_takes_arrays_and_array_outputs() -> None:
    import numpy as np

    def f(x, A):
        return np.tanh(A @ x) * 2.0, np.sum(x ** 2)

    check_grads(f, (np.ones(3), np.arange(12.0).reshape(4, 3) / 10))
    with pytest.raises(TypeError, match="float array"):
        check_grads(f, (np.ones(3, dtype=int), np.ones((4, 3))))


@requires_api
def test_check_grads_takes_numpy_s_named_results() -> None:
    import numpy as np

    def eigen(x):
        return np.linalg.eigh(x + x.T)  # an EighResult: a tuple to check_grads

    def singular(x):
        return np.linalg.svd(x, full_matrices=False)

    x = np.array([[1.0, 0.3, -0.2], [0.1, 2.0, 0.4], [0.5, -0.7, 3.5]])
    check_grads(eigen, (x,), order=2)
    check_grads(singular, (x[:, :2],))
