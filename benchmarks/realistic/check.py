"""Run a corpus entry through every transform that applies to it and check each result
against central differences of the function itself (and its closed form, where given).

Each (entry, transform) gets an `Outcome`: ``ok``; ``error`` (the transform raised:
its class and the first line of its message); or ``WRONG`` (a result that disagrees
with the reference, or has the wrong structure or shape: a silent wrong answer, which
must never happen).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import symdiff
from benchmarks.realistic.entry import Entry

TRANSFORMS = ("grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian")
SCALAR_TRANSFORMS = ("grad", "value_and_grad", "jvp", "vjp", "hessian")
ARRAY_TRANSFORMS = ("jvp", "vjp", "jacfwd", "jacrev")
HESSIAN_MAX_INPUTS = 16  # entries the differentiated arguments may hold for a Hessian

FD_RTOL, HESSIAN_RTOL, EXACT_RTOL = 1e-5, 1e-4, 1e-9


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok", "error" or "WRONG"
    detail: str = ""


class Mismatch(AssertionError):
    """A derivative that disagrees with its reference."""


# Nested numbers, arrays, lists, tuples and dicts, as flat float vectors.

def flatten(value: Any) -> np.ndarray:
    if isinstance(value, dict):
        parts = [flatten(v) for v in value.values()]
    elif isinstance(value, (list, tuple)):
        parts = [flatten(v) for v in value]
    else:
        return np.ravel(np.asarray(value, dtype=float))
    return np.concatenate(parts) if parts else np.zeros(0)


def unflatten(like: Any, flat: np.ndarray) -> Any:
    """`flat` in the structure of `like` (numbers stay Python floats)."""
    out, used = _unflatten(like, flat, 0)
    assert used == flat.size
    return out


def _unflatten(like: Any, flat: np.ndarray, at: int) -> tuple[Any, int]:
    if isinstance(like, dict):
        out = {}
        for key, v in like.items():
            out[key], at = _unflatten(v, flat, at)
        return out, at
    if isinstance(like, (list, tuple)):
        items = []
        for v in like:
            item, at = _unflatten(v, flat, at)
            items.append(item)
        return type(like)(items), at
    if np.ndim(like) == 0 and not isinstance(like, np.ndarray):
        return float(flat[at]), at + 1
    size = np.size(like)
    return flat[at:at + size].reshape(np.shape(like)), at + size


def same_layout(got: Any, like: Any, what: str) -> np.ndarray:
    """`got` flattened, after checking it has the structure and shapes of `like`."""
    if isinstance(like, dict):
        if not isinstance(got, dict) or list(got) != list(like):
            raise Mismatch(f"{what}: expected a dict with keys {list(like)}, got {_kind(got)}")
        return flatten([same_layout(got[k], like[k], f"{what}[{k!r}]") for k in like])
    if isinstance(like, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(like):
            raise Mismatch(f"{what}: expected {len(like)} items, got {_kind(got)}")
        return flatten([same_layout(g, v, f"{what}[{i}]")
                        for i, (g, v) in enumerate(zip(got, like, strict=True))])
    if not isinstance(got, (int, float, np.ndarray, np.number)):
        raise Mismatch(f"{what}: expected a number or an array, got {_kind(got)}")
    if np.shape(got) != np.shape(like):
        raise Mismatch(f"{what}: shape {np.shape(got)}, expected {np.shape(like)}")
    return flatten(got)


def _kind(value: Any) -> str:
    return type(value).__name__


def compare(got: np.ndarray, want: np.ndarray, what: str, rtol: float = FD_RTOL,
            scale: float = 0.0) -> None:
    """Raise `Mismatch` unless ``|got - want| <= rtol * (max(|got|, |want|) + s)``,
    s the largest of 1, `scale` and ``|want|``."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    s = max(1.0, scale, float(np.max(np.abs(want), initial=0.0)))
    err = np.abs(got - want)
    bad = ~(err <= rtol * (np.maximum(np.abs(got), np.abs(want)) + s))
    if bad.any():
        i = int(np.argmax(np.where(bad, err, -1.0)))
        raise Mismatch(f"{what}: entry {i} is {got.ravel()[i]:.10g}, "
                       f"reference {want.ravel()[i]:.10g}")


# The reference: the function and its central differences.

@dataclass
class Reference:
    """The function at the entry's point, and its derivatives by central differences."""

    entry: Entry
    args: list[Any]
    value: Any
    aux: Any

    @classmethod
    def at(cls, entry: Entry) -> Reference:
        args = list(entry.args)
        value, aux = _call(entry, args)
        return cls(entry, args, value, aux)

    @property
    def diff_like(self) -> Any:
        """The differentiated arguments, as the transforms' results mirror them."""
        nums = self.entry.argnums
        return self.args[nums] if isinstance(nums, int) else tuple(self.args[i] for i in nums)

    @property
    def x0(self) -> np.ndarray:
        return flatten([self.args[i] for i in self.entry.differentiated])

    @property
    def scalar(self) -> bool:
        return np.ndim(self.value) == 0 and not isinstance(self.value, (tuple, list))

    def f(self, x: np.ndarray) -> np.ndarray:
        """The output, flattened, with the differentiated arguments set from `x`."""
        nums = self.entry.differentiated
        args = list(self.args)
        for i, arg in zip(nums, unflatten([self.args[i] for i in nums], x), strict=True):
            args[i] = arg
        return flatten(_call(self.entry, args)[0])

    @functools.cached_property
    def jacobian(self) -> np.ndarray:
        x0 = self.x0
        columns = []
        for k in range(x0.size):
            h = 1e-6 * max(1.0, abs(x0[k]))
            up, down = x0.copy(), x0.copy()
            up[k] += h
            down[k] -= h
            columns.append((self.f(up) - self.f(down)) / (2 * h))
        return np.stack(columns, axis=1)

    @functools.cached_property
    def hessian(self) -> np.ndarray:
        x0 = self.x0
        n = x0.size
        steps = [1e-4 * max(1.0, abs(v)) for v in x0]
        H = np.zeros((n, n))
        for i in range(n):
            for j in range(i, n):
                def at(si: float, sj: float, i: int = i, j: int = j) -> float:
                    x = x0.copy()
                    x[i] += si * steps[i]
                    x[j] += sj * steps[j]
                    return float(self.f(x)[0])
                H[i, j] = H[j, i] = ((at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
                                     / (4 * steps[i] * steps[j]))
        return H


def _call(entry: Entry, args: list[Any]) -> tuple[Any, Any]:
    out = entry.fn(*args, **entry.kwargs)
    return out if entry.has_aux else (out, None)


# The transforms, each called as a user calls it, then checked.

def transforms_of(ref: Reference) -> tuple[str, ...]:
    if not ref.scalar:
        return ARRAY_TRANSFORMS
    if ref.x0.size > HESSIAN_MAX_INPUTS:
        return SCALAR_TRANSFORMS[:-1]
    return SCALAR_TRANSFORMS


def run_entry(entry: Entry, seed: int = 0) -> dict[str, Outcome]:
    """The outcome of every transform that applies to `entry` (others left out)."""
    with np.errstate(all="ignore"):
        ref = Reference.at(entry)
        rng = np.random.default_rng(seed)
        return {name: _outcome(CHECKS[name], ref, rng) for name in transforms_of(ref)}


def _outcome(check: Callable[[Reference, np.random.Generator], Callable[[], None]],
             ref: Reference, rng: np.random.Generator) -> Outcome:
    try:
        verify = check(ref, rng)
    except Exception as exc:  # every failure of a transform is reported, none stops the run
        return Outcome("error", describe(exc))
    try:
        verify()
    except Exception as exc:
        return Outcome("WRONG", f"{type(exc).__name__}: {exc}")
    return Outcome("ok")


def describe(exc: BaseException) -> str:
    """The exception's class and the first line of its message, file paths cut to
    their last component and object addresses left out (the same run, the same text)."""
    lines = str(exc).strip().splitlines() or [""]
    first = re.sub(r'File "[^"]*[/\\]([^/\\"]+)"', r'File "\1"', lines[0])
    first = re.sub(r" at 0x[0-9a-f]+", "", first)
    return f"{type(exc).__name__}: {first}"


def _options(ref: Reference) -> dict[str, Any]:
    return {"has_aux": True} if ref.entry.has_aux else {}


def _partial(ref: Reference) -> Callable[..., Any]:
    """The function with its keyword options bound, for `jvp` and `vjp`, which take
    primals only (as a user binds them)."""
    e = ref.entry
    return functools.partial(e.fn, **e.kwargs) if e.kwargs else e.fn


def _check_aux(ref: Reference, aux: Any) -> None:
    compare(same_layout(aux, ref.aux, "aux"), flatten(ref.aux), "aux", rtol=EXACT_RTOL)


def _check_gradient(ref: Reference, g: Any) -> None:
    flat = same_layout(g, ref.diff_like, "gradient")
    compare(flat, ref.jacobian[0], "gradient vs central differences")
    e = ref.entry
    if e.exact is not None:
        compare(flat, flatten(e.exact(*ref.args, **e.kwargs)), "gradient vs closed form",
                rtol=EXACT_RTOL)


def check_grad(ref: Reference, rng: np.random.Generator) -> Callable[[], None]:
    e = ref.entry
    result = symdiff.grad(e.fn, argnums=e.argnums, **_options(ref))(*ref.args, **e.kwargs)

    def verify() -> None:
        g = result
        if e.has_aux:
            g, aux = result
            _check_aux(ref, aux)
        _check_gradient(ref, g)
    return verify


def check_value_and_grad(ref: Reference, rng: np.random.Generator) -> Callable[[], None]:
    e = ref.entry
    vag = symdiff.value_and_grad(e.fn, argnums=e.argnums, **_options(ref))
    result = vag(*ref.args, **e.kwargs)

    def verify() -> None:
        value, g = result
        if e.has_aux:
            value, aux = value
            _check_aux(ref, aux)
        compare(flatten(value), flatten(ref.value), "value", rtol=EXACT_RTOL)
        _check_gradient(ref, g)
    return verify


def _tangent(arg: Any, direction: Any | None) -> Any:
    """A zero tangent for an argument not differentiated (None for a mode or flag)."""
    if direction is not None:
        return direction
    if isinstance(arg, (str, bool)) or arg is None or callable(arg):
        return None
    if isinstance(arg, dict):
        return {k: _tangent(v, None) for k, v in arg.items()}
    if isinstance(arg, (list, tuple)):
        return type(arg)(_tangent(v, None) for v in arg)
    return np.zeros_like(arg) if isinstance(arg, np.ndarray) else type(arg)(0)


def check_jvp(ref: Reference, rng: np.random.Generator) -> Callable[[], None]:
    e = ref.entry
    u = rng.normal(size=ref.x0.size)
    nums = e.differentiated
    directions = dict(zip(nums, unflatten([ref.args[i] for i in nums], u), strict=True))
    tangents = tuple(_tangent(a, directions.get(i)) for i, a in enumerate(ref.args))
    result = symdiff.jvp(_partial(ref), tuple(ref.args), tangents, **_options(ref))

    def verify() -> None:
        out, t = result[:2]
        if e.has_aux:
            _check_aux(ref, result[2])
        compare(same_layout(out, ref.value, "output"), flatten(ref.value), "output",
                rtol=EXACT_RTOL)
        compare(same_layout(t, ref.value, "tangent"), ref.jacobian @ u,
                "tangent vs central differences")
    return verify


def check_vjp(ref: Reference, rng: np.random.Generator) -> Callable[[], None]:
    e = ref.entry
    v = rng.normal(size=flatten(ref.value).size)
    result = symdiff.vjp(_partial(ref), *ref.args, **_options(ref))
    cotangents = result[1](unflatten(ref.value, v))

    def verify() -> None:
        if e.has_aux:
            _check_aux(ref, result[2])
        compare(same_layout(result[0], ref.value, "output"), flatten(ref.value), "output",
                rtol=EXACT_RTOL)
        if not isinstance(cotangents, tuple) or len(cotangents) != len(ref.args):
            raise Mismatch(f"expected {len(ref.args)} cotangents, got {_kind(cotangents)}")
        nums = e.differentiated
        got = same_layout([cotangents[i] for i in nums], [ref.args[i] for i in nums],
                          "cotangent")
        compare(got, ref.jacobian.T @ v, "cotangent vs central differences")
    return verify


def _jacobian_matrix(ref: Reference, jac: Any, what: str) -> np.ndarray:
    """A Jacobian as JAX nests it (one block per differentiated argument when `argnums`
    is a tuple), as one (output size x input size) matrix."""
    nums = ref.entry.argnums
    blocks = [jac] if isinstance(nums, int) else jac
    if not isinstance(nums, int) and (not isinstance(jac, tuple) or len(jac) != len(nums)):
        raise Mismatch(f"{what}: expected a tuple of {len(nums)} blocks, got {_kind(jac)}")
    out_shape = np.shape(ref.value)
    matrix = []
    for i, block in zip(ref.entry.differentiated, blocks, strict=True):
        shape = out_shape + np.shape(ref.args[i])
        if np.shape(block) != shape:
            raise Mismatch(f"{what}: block of argument {i} has shape {np.shape(block)}, "
                           f"expected {shape}")
        matrix.append(np.reshape(block, (math.prod(out_shape), -1)))
    return np.hstack(matrix)


def _check_jacobian(transform: Callable[..., Any]) -> Callable[..., Callable[[], None]]:
    def check(ref: Reference, rng: np.random.Generator) -> Callable[[], None]:
        e = ref.entry
        result = transform(e.fn, argnums=e.argnums, **_options(ref))(*ref.args, **e.kwargs)

        def verify() -> None:
            jac = result
            if e.has_aux:
                jac, aux = result
                _check_aux(ref, aux)
            got = _jacobian_matrix(ref, jac, "jacobian")
            compare(got, ref.jacobian, "jacobian vs central differences")
            if e.exact is not None:
                want = _jacobian_matrix(ref, e.exact(*ref.args, **e.kwargs), "closed form")
                compare(got, want, "jacobian vs closed form", rtol=EXACT_RTOL)
        return verify
    return check


def check_hessian(ref: Reference, rng: np.random.Generator) -> Callable[[], None]:
    e = ref.entry
    result = symdiff.hessian(e.fn, argnums=e.argnums, **_options(ref))(*ref.args, **e.kwargs)

    def verify() -> None:
        H = result[0] if e.has_aux else result
        nums = e.argnums
        like = ref.diff_like
        if isinstance(nums, int):
            if np.shape(H) != np.shape(like) * 2:
                raise Mismatch(f"hessian: shape {np.shape(H)}, expected {np.shape(like) * 2}")
            matrix = np.reshape(H, (ref.x0.size, ref.x0.size))
        else:
            if not isinstance(H, tuple) or len(H) != len(nums):
                raise Mismatch(f"hessian: expected {len(nums)} rows of blocks, got {_kind(H)}")
            rows = []
            for row, a in zip(H, like, strict=True):
                cells = []
                for cell, b in zip(row, like, strict=True):
                    if np.shape(cell) != np.shape(a) + np.shape(b):
                        raise Mismatch(f"hessian: block shape {np.shape(cell)}, expected "
                                       f"{np.shape(a) + np.shape(b)}")
                    cells.append(np.reshape(cell, (np.size(a), np.size(b))))
                rows.append(np.hstack(cells))
            matrix = np.vstack(rows)
        compare(matrix, ref.hessian, "hessian vs central differences", rtol=HESSIAN_RTOL,
                scale=abs(float(ref.value)))
    return verify


CHECKS: dict[str, Callable[[Reference, np.random.Generator], Callable[[], None]]] = {
    "grad": check_grad,
    "value_and_grad": check_value_and_grad,
    "jvp": check_jvp,
    "vjp": check_vjp,
    "jacfwd": _check_jacobian(symdiff.jacfwd),
    "jacrev": _check_jacobian(symdiff.jacrev),
    "hessian": check_hessian,
}


def run_corpus(entries: tuple[Entry, ...] | None = None) -> dict[str, dict[str, Outcome]]:
    """Outcomes of every entry of `entries` (the whole corpus by default), by name."""
    if entries is None:
        from benchmarks.realistic import CORPUS as entries
    return {entry.name: run_entry(entry) for entry in entries}
