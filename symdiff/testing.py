"""Numerical checks of symdiff's derivatives, for tests of user code and of symdiff.

Contract:

- `check_grads(fun, args, ...)` checks the derivatives symdiff generates for `fun` (a
  function of float or float-array arguments, or pytrees of them, returning a float, an
  array, or a pytree of them) at `args`. The direction and cotangent of an array have
  its shape, those of a pytree its structure.
  It draws a random direction ``u`` and a random output cotangent ``v`` from `seed` and
  compares, each within ``|a - b| <= atol + rtol * max(|a|, |b|)``:

  * ``"fwd"``: ``symdiff.jvp(fun, args, u)`` with central finite differences along u,
    ``(f(x + eps u) - f(x - eps u)) / (2 eps)`` (and its primal output with ``fun``);
  * ``"rev"``: ``<u, vjp_fn(v)>`` from ``symdiff.vjp(fun, *args)`` with ``<v, fd>``;
  * both modes: the adjoint identity ``<u, vjp_fn(v)> == <v, jvp(u)>``.

  A mismatch raises ``AssertionError`` naming the check and showing both numbers, the
  point, the direction and the tolerance. With ``order=k > 1`` the same checks then run
  on ``symdiff.jacfwd(fun)`` (for ``"fwd"``) and ``symdiff.jacrev(fun)`` (for ``"rev"``),
  with respect to every argument, at ``order=k - 1``: every composition of the two
  modes up to order k is compared with finite differences of the order below.
- `check_sympy(fun, args, argnums=None)` lowers `fun` (the pipeline up to its
  ``lower`` pass), translates it to SymPy, takes ``sympy.diff`` with respect to each
  differentiated parameter, evaluates it at `args` (globals and closure values
  substituted by their current values) and compares with
  ``symdiff.grad(fun, argnums=...)(*args)``. Mismatches raise ``AssertionError``.

Only the standard library and numpy are imported with this module; symdiff's public
API, its compiler and SymPy are imported when a check runs (SymPy, for `check_sympy`
only, is the extra ``symdiff[sympy]``).
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from symdiff.host import pytrees
from symdiff.ir.node import Item, Op, global_name

__all__ = ["check_grads", "check_sympy"]

MODES = ("fwd", "rev")


def check_grads(
    fun: Callable[..., Any],
    args: Sequence[Any],
    modes: Iterable[str] = MODES,
    order: int = 1,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    seed: int = 0,
) -> None:
    """Check symdiff's forward and reverse derivatives of `fun` at `args`."""
    modes = tuple(modes)
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise ValueError(f"modes must be a non-empty subset of {MODES}, got {modes!r}")
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive int, got {order!r}")
    import symdiff

    x = _floats("args", args)
    _check_first_order(fun, x, modes, eps, rtol, atol, seed)
    if order > 1:
        every = tuple(range(len(x)))
        for mode in modes:
            jacobian = symdiff.jacfwd if mode == "fwd" else symdiff.jacrev
            check_grads(jacobian(fun, argnums=every), x, modes, order - 1, eps, rtol, atol,
                        seed)


def _check_first_order(
    fun: Callable[..., Any], x: tuple[Any, ...], modes: tuple[str, ...], eps: float,
    rtol: float, atol: float, seed: int,
) -> None:
    import symdiff

    rng = np.random.default_rng(seed)
    u = tuple(pytrees.map_leaves(lambda leaf: rng.standard_normal(np.shape(leaf)).astype(
        leaf.dtype) if isinstance(leaf, np.ndarray) else float(rng.standard_normal()), xi)
        for xi in x)
    out = pytrees.plain(fun(*x))  # NumPy's named results (EighResult) as tuples
    flat_out = _flatten(out)
    where = _Where("check_grads", x, u, seed, rtol, atol)

    plus = _flatten(fun(*(_step(xi, eps, ui) for xi, ui in zip(x, u, strict=True))))
    minus = _flatten(fun(*(_step(xi, -eps, ui) for xi, ui in zip(x, u, strict=True))))
    fd = [(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)]
    v_flat = [float(c) for c in rng.standard_normal(len(flat_out))]

    forward: list[float] | None = None
    if "fwd" in modes:
        out_f, tangent = symdiff.jvp(fun, x, u)
        _compare_all(where, "jvp primal output", "fun(*args)", _flatten(out_f), flat_out)
        forward = _flatten(tangent)
        _compare_all(where, "forward mode (jvp along u)", "central finite differences",
                     forward, fd)
    if "rev" in modes:
        out_r, vjp_fn = symdiff.vjp(fun, *x)
        _compare_all(where, "vjp primal output", "fun(*args)", _flatten(out_r), flat_out)
        cotangents = vjp_fn(_unflatten(out, v_flat))
        if len(cotangents) != len(x):
            raise AssertionError(
                f"check_grads: vjp_fn returned {len(cotangents)} cotangents for {len(x)} "
                f"arguments: {cotangents!r}")
        reverse = _dot(_flatten(u), _flatten(cotangents))
        _compare(where, "reverse mode <u, vjp(v)>", "finite differences <v, fd>",
                 reverse, _dot(v_flat, fd))
        if forward is not None:
            _compare(where, "reverse mode <u, vjp(v)>", "forward mode <v, jvp(u)>",
                     reverse, _dot(v_flat, forward))


def check_sympy(
    fun: Callable[..., Any],
    args: Sequence[float],
    argnums: int | Sequence[int] | None = None,
    *,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> None:
    """Check ``symdiff.grad(fun, argnums)(*args)`` against SymPy's symbolic derivative."""
    import symdiff
    from symdiff.errors import require
    from symdiff.export.sympy import to_sympy
    from symdiff.ir.regions import all_nodes
    from symdiff.runtime.pipeline import lowered

    sympy: Any = require("sympy", "sympy", "check_sympy")
    program = lowered(fun)
    x = _floats("args", args)
    names = [p.attrs[0] for p in program.params]
    if len(x) != len(names):
        raise TypeError(f"check_sympy: {_name(fun)} takes {len(names)} arguments, got {len(x)}")
    if argnums is None:
        nums: tuple[int, ...] = tuple(range(len(names)))
    elif isinstance(argnums, int):
        nums = (argnums,)
    else:
        nums = tuple(argnums)
    expr = to_sympy(program)
    if isinstance(expr, tuple):
        raise TypeError(f"check_sympy: {_name(fun)} must return one number, not a tuple")

    subs: dict[Any, Any] = {
        sympy.Symbol(n, real=True): sympy.Float(v, precision=53)
        for n, v in zip(names, x, strict=True)
    }
    for node in all_nodes(program):
        if node.op == Op.GLOBAL:
            value = _resolve(fun, node.attrs)
            if isinstance(value, numbers.Real):
                subs[sympy.Symbol(global_name(node.attrs), real=True)] = _sympy_number(sympy, value)

    got = symdiff.grad(fun, argnums=nums)(*x)
    where = _Where("check_sympy", x, None, None, rtol, atol)
    symbols = list(subs)
    values = [float(v) for v in subs.values()]
    for i, g in zip(nums, got, strict=True):
        derivative = sympy.diff(expr, sympy.Symbol(names[i], real=True))
        try:
            # Evaluated as Python code, so only the piece of a Piecewise that applies is
            # computed (a substitution would evaluate every piece, some outside their
            # domain).
            value = sympy.lambdify(symbols, derivative, modules="math")(*values)
            want = float(value)
        except (TypeError, ValueError, ZeroDivisionError, NameError):
            raise AssertionError(
                f"check_sympy: SymPy could not evaluate d/d{names[i]} of {_name(fun)} at "
                f"{x!r}: {value}") from None
        _compare(where, f"symdiff.grad d/d{names[i]}", f"sympy.diff ({derivative})",
                 _zero_if_none(g), want)


# Helpers --------------------------------------------------------------------------------------


class _Where:
    """Which check runs, and what a failure message says about the point being checked."""

    def __init__(
        self, checker: str, x: tuple[float, ...], u: tuple[float, ...] | None,
        seed: int | None, rtol: float, atol: float,
    ) -> None:
        self.checker, self.x, self.u, self.seed = checker, x, u, seed
        self.rtol, self.atol = rtol, atol

    def describe(self) -> str:
        text = f"  at args = {self.x!r}"
        if self.u is not None:
            text += f"\n  along u = {self.u!r} (seed={self.seed})"
        return text + f"\n  tolerance: rtol={self.rtol:g}, atol={self.atol:g}"


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _compare(where: _Where, what: str, reference: str, got: float, want: float) -> None:
    if not _close(got, want, where.rtol, where.atol):
        raise AssertionError(
            f"{where.checker}: {what} disagrees with {reference}:\n"
            f"  {what}: {got!r}\n  {reference}: {want!r}\n"
            f"  |difference| = {abs(got - want)!r}\n{where.describe()}")


def _compare_all(
    where: _Where, what: str, reference: str, got: list[float], want: list[float]
) -> None:
    if len(got) != len(want):
        raise AssertionError(
            f"{where.checker}: {what} has {len(got)} values but {reference} has {len(want)}")
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        label = what if len(got) == 1 else f"{what} [output {k}]"
        _compare(where, label, reference, g, w)


def _floats(what: str, values: Sequence[Any]) -> tuple[Any, ...]:
    """The arguments, each a number, a float array, or a pytree (dicts, tuples, lists)
    of them, as floats and copies."""
    out: list[Any] = []
    for i, value in enumerate(values):
        found, treedef = pytrees.flatten(value)
        leaves: list[Any] = []
        for path, v in zip(pytrees.paths(treedef), found, strict=True):
            at = f"{what}[{i}]{pytrees.path_text(path)}"
            if isinstance(v, np.ndarray):
                if v.dtype.kind != "f":
                    raise TypeError(f"{at} must be a float array, got {v.dtype}")
                leaves.append(v.copy())
                continue
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{at} must be a real number, got {type(v).__name__}")
            leaves.append(float(v))
        out.append(pytrees.unflatten(treedef, leaves))
    return tuple(out)


def _step(x: Any, eps: float, u: Any) -> Any:
    """``x + eps * u``, leaf by leaf."""
    return pytrees.unflatten(pytrees.structure(x), [
        a + eps * b for a, b in zip(pytrees.leaves(x), pytrees.leaves(u), strict=True)])


def _flatten(value: Any) -> list[float]:
    """The numbers of a number, an array or a pytree of them, left to right."""
    found: list[float] = []
    for leaf in pytrees.leaves(pytrees.plain(value)):
        if isinstance(leaf, np.ndarray):
            found += [float(c) for c in leaf.ravel()]
        else:
            found.append(float(_zero_if_none(leaf)))
    return found


def _unflatten(like: Any, flat: list[float]) -> Any:
    """`flat` in the structure of `like` (a number stays a number, an array an array)."""
    it = iter(flat)

    def leaf(item: Any) -> Any:
        if isinstance(item, np.ndarray):
            return np.array([next(it) for _ in range(item.size)], item.dtype).reshape(item.shape)
        return next(it)

    return pytrees.map_leaves(leaf, like)


def _zero_if_none(value: Any) -> Any:
    return 0.0 if value is None else value


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def _name(fun: Any) -> str:
    return repr(getattr(fun, "__qualname__", getattr(fun, "__name__", fun)))


def _resolve(fun: Any, path: Sequence[str]) -> Any:
    """The current value of a dotted free name of `fun`: closure, globals, builtins."""
    root, *rest = path
    code = getattr(fun, "__code__", None)
    cells = dict(zip(code.co_freevars, fun.__closure__ or (), strict=True)) if code else {}
    if root in cells:
        value = cells[root].cell_contents
    elif root in getattr(fun, "__globals__", {}):
        value = fun.__globals__[root]
    else:
        value = getattr(builtins, root)
    for attr in rest:
        value = value[attr.key] if isinstance(attr, Item) else getattr(value, attr)
    return value


def _sympy_number(sympy: Any, value: Any) -> Any:
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    return sympy.Float(float(value), precision=53)
