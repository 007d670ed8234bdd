"""Objects of the user's classes as arguments of numba-backend derivatives
(`symdiff.runtime.attributes`): the numbers and arrays the code reads from them are
passed to the compiled code as leaves, read when the function is called; a read that is
no number or array is an error naming it and its line."""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

import symdiff
from symdiff import SymdiffError
from symdiff.host.data import layout
from symdiff.runtime import boundary
from tests.runtime.test_native import assert_agree, both


@dataclass(frozen=True)
class Projectile:
    """A ball's constants: mass (kg), quadratic drag coefficient (kg/m), gravity."""

    mass: float
    drag: float
    g: float = 9.81

    def acceleration(self, vx: float, vy: float) -> tuple[float, float]:
        speed = math.sqrt(vx * vx + vy * vy)
        k = self.drag / self.mass
        return -k * speed * vx, -self.g - k * speed * vy


def flight(v0, angle, ball):
    """How far the ball has flown after two seconds (explicit Euler, 200 steps)."""
    dt = 0.01
    x, y = 0.0, 0.0
    vx, vy = v0 * math.cos(angle), v0 * math.sin(angle)
    for _ in range(200):
        ax, ay = ball.acceleration(vx, vy)
        x, y = x + dt * vx, y + dt * vy
        vx, vy = vx + dt * ax, vy + dt * ay
    return x + 0.1 * y


BALL = Projectile(mass=0.43, drag=0.012)


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "hessian", "jacfwd",
                                       "jacrev", "jacobian"])
def test_a_dataclass_of_constants_in_a_simulation(transform: str) -> None:
    make = getattr(symdiff, transform)
    both(lambda backend: make(flight, (0, 1), backend=backend)(25.0, 0.7, BALL))
    both(lambda backend: make(flight, backend=backend)(25.0, 0.7, BALL))


def test_products_through_an_object_argument() -> None:
    args = (25.0, 0.7, BALL)
    both(lambda backend: symdiff.jvp(flight, args, (1.0, 0.5, None), backend=backend))
    both(lambda backend: symdiff.vjp(flight, *args, backend=backend)[1](2.0)[:2])
    both(lambda backend: symdiff.hvp(flight, args, (1.0, 0.5, None), (0, 1),
                                     backend=backend))


@dataclass(frozen=True)
class Market:
    """Expected returns, their covariance and an investor's risk aversion."""

    mu: np.ndarray
    cov: np.ndarray
    risk_aversion: float

    def variance(self, w: np.ndarray) -> Any:
        return w @ self.cov @ w


def utility(w, market):
    """Mean-variance utility of the portfolio weights `w`, less a budget penalty."""
    return w @ market.mu - 0.5 * market.risk_aversion * market.variance(w) \
        - 10.0 * (np.sum(w) - 1.0) ** 2


def market(seed: int) -> Market:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((4, 4))
    return Market(rng.uniform(0.02, 0.1, 4), a @ a.T / 4 + 0.01 * np.eye(4), 3.0)


def test_arrays_an_object_holds() -> None:
    w = np.array([0.1, 0.4, 0.3, 0.2])
    m = market(0)
    for transform in (symdiff.grad, symdiff.value_and_grad, symdiff.hessian,
                      symdiff.jacfwd, symdiff.jacrev):
        both(lambda backend, t=transform: t(utility, backend=backend)(w, m))
    hessian = symdiff.hessian(utility, backend="numba")(w, m)
    np.testing.assert_allclose(hessian, -m.risk_aversion * m.cov - 20.0, rtol=1e-12)


def test_the_object_is_read_when_called_not_when_compiled() -> None:
    """Another object of the same layout runs the same machine code with its values
    (numba fixes what the code reads from globals; an argument it does not)."""
    g = symdiff.grad(utility, backend="numba")
    w = np.array([0.1, 0.4, 0.3, 0.2])
    for seed in (0, 1, 2):
        assert_agree(g(w, market(seed)), symdiff.grad(utility)(w, market(seed)))
    assert g(w, market(1)).tolist() != g(w, market(2)).tolist()
    assert len(_core(g).signatures) == 1


class Stiffness:
    """A plain class: numbers in a dict, a list and another object; a constant and a
    class method on the class."""

    SCALE = 2.0

    def __init__(self, springs: dict[str, float], rest: list[float], anchor: Any) -> None:
        self.springs = springs
        self.rest = rest
        self.anchor = anchor

    @classmethod
    def scaled(cls, k: float) -> float:
        return cls.SCALE * k


class Anchor:
    def __init__(self, x: float) -> None:
        self.x = x


def chain_energy(x, chain):
    """The potential energy of two masses on springs to a wall and to each other."""
    first = x[0] - chain.anchor.x - chain.rest[0]
    second = x[1] - x[0] - chain.rest[1]
    return 0.5 * chain.scaled(chain.springs["wall"]) * first ** 2 \
        + 0.5 * chain.springs["link"] * second ** 2 * chain.SCALE


CHAIN = Stiffness({"wall": 40.0, "link": 15.0}, [1.0, 0.5], Anchor(-0.25))


def test_dicts_lists_objects_and_class_data_an_object_holds() -> None:
    x = np.array([0.9, 1.7])
    for transform in (symdiff.grad, symdiff.value_and_grad, symdiff.hessian,
                      symdiff.jacfwd, symdiff.jacrev):
        both(lambda backend, t=transform: t(chain_energy, backend=backend)(x, CHAIN))
    core, wrapper = _split(chain_energy, x, CHAIN)
    assert "chain" not in _parameters(core)
    for read in ("chain.anchor.x", "chain.rest[0]", "chain.springs['wall']",
                 "chain.__class__.SCALE"):
        assert read in wrapper


@dataclass
class Regression:
    """A model whose loss is a method: its ``self`` is an object argument."""

    X: np.ndarray
    y: np.ndarray
    penalty: float

    def loss(self, beta):
        r = self.X @ beta - self.y
        return 0.5 * r @ r + self.penalty * beta @ beta


def test_a_bound_method_reads_its_object_when_called() -> None:
    rng = np.random.default_rng(3)
    model = Regression(rng.standard_normal((30, 3)), rng.standard_normal(30), 0.1)
    beta = np.array([0.5, -0.2, 1.0])
    g = symdiff.grad(model.loss, backend="numba")
    both(lambda backend: symdiff.grad(model.loss, backend=backend)(beta))
    both(lambda backend: symdiff.hessian(model.loss, backend=backend)(beta))
    model.penalty = 2.0  # read on the next call, as the Python backend's code reads it
    assert_agree(g(beta), symdiff.grad(model.loss)(beta))


@dataclass
class Network:
    """Weights in a list, a depth of repetitions and an activation chosen by name."""

    layers: list[np.ndarray]
    passes: int
    activation: str = "tanh"

    def forward(self, x: np.ndarray) -> Any:
        for W in self.layers:
            x = np.tanh(W @ x) if self.activation == "tanh" else W @ x
        return x


def response(x, net):
    s = 0.0
    for i in range(net.passes):
        s += np.sum(net.forward(x * (i + 1)) ** 2)
    return s


def test_a_list_of_arrays_an_int_and_a_mode_an_object_holds() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal(3)
    for activation in ("tanh", "linear"):
        net = Network([rng.standard_normal((3, 3)), rng.standard_normal((2, 3))], 2,
                      activation)
        for transform in (symdiff.grad, symdiff.hessian, symdiff.jacfwd, symdiff.jacrev):
            both(lambda backend, t=transform, n=net: t(response, backend=backend)(x, n))


def test_a_read_that_is_no_number_or_array_is_named() -> None:
    chain_layout = layout(CHAIN)
    text = ("def energy_grad(x, chain):\n"
            "    s = x * chain.rest[1]\n"
            "    return helper(chain) * s\n")
    with pytest.raises(SymdiffError, match=r"reads 'chain' of its object argument "
                                           r"'chain' \(line 3 of the generated code\)"):
        boundary.split(text, "energy_grad", (None, chain_layout))
    text = "def energy_grad(x, chain):\n    return x * chain.scaled(2.0)\n"
    with pytest.raises(SymdiffError, match=r"reads 'chain.scaled'.*line 2"):
        boundary.split(text, "energy_grad", (None, chain_layout))


def test_leaf_names_do_not_collide_with_the_code() -> None:
    text = ("def f_grad(x, p):\n"
            "    p_x = x * 2.0\n"
            "    return p_x * p.anchor.x + p.rest[0] * p.rest[0]\n")
    core, wrapper = boundary.split(text, "f_grad", (None, layout(CHAIN)))
    assert _parameters(core) == ["x", "p_anchor_x", "p_rest_0"]
    assert "p_x = x * 2.0" in core
    assert "_symdiff_core(_symdiff_in(x), p.anchor.x, p.rest[0])" in wrapper
    text = text.replace("p_x", "p_anchor_x")
    core, _ = boundary.split(text, "f_grad", (None, layout(CHAIN)))
    assert _parameters(core) == ["x", "p_anchor_x_1", "p_rest_0"]


def _split(fn: Any, *args: Any) -> tuple[str, str]:
    """The core and wrapper the numba backend makes of `fn`'s gradient for `args`."""
    g = symdiff.grad(fn, backend="numba")
    g(*args)
    kinds = tuple(layout(a) if not isinstance(a, np.ndarray) else None for a in args)
    return boundary.split(g.source, g.source.split("def ")[1].split("(")[0], kinds)


def _parameters(core: str) -> list[str]:
    func = next(n for n in ast.parse(core).body if isinstance(n, ast.FunctionDef))
    return [a.arg for a in func.args.args]


def _core(g: Any) -> Any:
    """The numba dispatcher of the one signature `g` has been called with."""
    (impl,) = g._dispatcher.specialisations.values()
    return inspect.getclosurevars(impl).nonlocals["_symdiff_core"]
