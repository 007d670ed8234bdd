"""Helpers shared by the frontend tests: marker lines, finite differences, comparisons,
and checks shared by the tests of NumPy functions."""

from __future__ import annotations

import linecache
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from symdiff import grad, jvp, value_and_grad, vjp


def marker_line(lines: Sequence[str], tag: str) -> int:
    """1-based number of the one line in `lines` that ends with ``# E:<tag>``."""
    hits = [i for i, line in enumerate(lines, 1) if line.rstrip().endswith(f"# E:{tag}")]
    assert len(hits) == 1, f"marker {tag!r} found {len(hits)} times"
    return hits[0]


def assert_located(err: Exception, file: Path, lines: Sequence[str], tag: str,
                   snippet: str, words: Sequence[str] = ()) -> None:
    """`err` points at `snippet` on the line of `file` marked ``# E:<tag>`` and says
    each of `words`."""
    lineno = marker_line(lines, tag)
    message = str(err)
    assert getattr(err, "lineno", None) == lineno, message
    assert Path(getattr(err, "filename", "")).resolve() == file
    assert getattr(err, "col", None) == lines[lineno - 1].index(snippet), message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def error_cases(errors: Sequence[tuple[Any, ...]]) -> Any:
    """Parametrize a test by `errors`: ``(f, tag, snippet, words)`` rows, named by f."""
    import pytest

    return pytest.mark.parametrize(("f", "tag", "snippet", "words"), errors,
                                   ids=[row[0].__name__ for row in errors])


def raises_located(call: Callable[[], Any], file: Path, lines: Sequence[str], tag: str,
                   snippet: str, words: Sequence[str] = ()) -> None:
    """`call()` raises an `UnsupportedSyntaxError` as `assert_located` describes."""
    import pytest

    from symdiff import UnsupportedSyntaxError

    with pytest.raises(UnsupportedSyntaxError) as info:
        call()
    assert_located(info.value, file, lines, tag, snippet, words)


def check_with_value(f: Callable[..., Any], args: tuple[Any, ...],
                     numpy: Callable[..., Any] | None = None) -> None:
    """`check_grads` of `f` at `args` in both modes to second order, and the value
    symdiff's own code gives (a JVP's primal output) equal to `numpy` of `args`."""
    import numpy as np
    import pytest

    from symdiff import jvp
    from symdiff.testing import check_grads

    check_grads(f, args, modes=("fwd", "rev"), order=2)
    if numpy is not None:
        value, _ = jvp(f, args, tuple(np.zeros_like(a) for a in args))
        assert value == pytest.approx(numpy(*args))


def namespace_of(source: str, name: str) -> dict[str, Any]:
    """The namespace of generated `source` (run with ``math`` in it), registered in
    linecache under a name of its own so that symdiff can read its functions' source."""
    filename = f"<generated-{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"math": math}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def finite_diff(
    f: Callable[..., float], args: Sequence[Any], diff: Sequence[int] | None = None,
    h: float = 1e-6,
) -> list[float]:
    """Central differences of `f` at `args` along each argument in `diff` (default all)."""
    out = []
    for i in range(len(args)) if diff is None else diff:
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        out.append((f(*up) - f(*down)) / (2 * h))
    return out


def same(a: float, b: float) -> bool:
    """Exactly the same float (nan counts as equal to nan)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a: Sequence[float], b: Sequence[float], rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(u) and math.isnan(v)) or math.isclose(u, v, rel_tol=rel, abs_tol=abs_)
        for u, v in zip(a, b, strict=True))


def unit(i: int, n: int) -> tuple[float, ...]:
    return tuple(1.0 if j == i else 0.0 for j in range(n))


def floats_of(args: Sequence[Any]) -> tuple[int, ...]:
    """Positions of the float arguments (ints are loop counts)."""
    return tuple(i for i, a in enumerate(args) if type(a) is float)


def derivatives(f: Callable[..., Any], args: Sequence[Any],
                diff: Sequence[int] | None = None) -> list[float]:
    """The gradient of scalar `f` w.r.t. the `diff` arguments (by default every float one)
    by all four transforms, checked to agree; the values from each must be `f`'s own."""
    diff = floats_of(args) if diff is None else tuple(diff)
    value = f(*args)
    g = grad(f, argnums=diff)(*args)
    v2, g2 = value_and_grad(f, argnums=diff)(*args)
    out, vjp_fn = vjp(f, *args)
    cotangents = vjp_fn(1.0)
    assert same(v2, value) and same(out, value), (value, v2, out)
    assert len(g) == len(diff) and close(g2, g, 0, 0), (g, g2)
    for k, i in enumerate(diff):
        assert close([cotangents[i]], [g[k]], 1e-12, 1e-14), (i, cotangents, g)
        primal, t = jvp(f, tuple(args), unit(i, len(args)))
        assert same(primal, value), (primal, value)
        assert close([t], [g[k]], 1e-12, 1e-14), (i, t, g)
    if len(diff) == 1:
        assert same(grad(f, argnums=diff[0])(*args), g[0])
    return list(g)


def all_transforms(f: Callable[..., Any], args: Sequence[Any]) -> list[Callable[[], Any]]:
    """Each public transform of `f` at `args`, as a thunk (for error tests)."""
    diff = floats_of(args)
    return [
        lambda: grad(f, argnums=diff)(*args),
        lambda: value_and_grad(f, argnums=diff)(*args),
        lambda: jvp(f, tuple(args), tuple(1.0 if type(a) is float else 0.0 for a in args)),
        lambda: vjp(f, *args)[1](1.0),
    ]


def check_in_dtype(f: Callable[..., Any], args: tuple[Any, ...], dtype: Any,
                   float32_tol: tuple[float, float] = (2e-2, 1e-3)) -> None:
    """`symdiff.testing.check_grads` of `f` at `args` made `dtype` arrays (float32 within
    `float32_tol`, its rtol and atol), and each cotangent of `vjp` of the argument's
    shape and dtype."""
    import numpy as np

    from symdiff.testing import check_grads

    args = tuple(a.astype(dtype) for a in args)
    if dtype == np.float64:
        check_grads(f, args, rtol=1e-6, atol=1e-8)
    else:
        check_grads(f, args, eps=1e-3, rtol=float32_tol[0], atol=float32_tol[1])
    _, vjp_fn = vjp(f, *args)
    for a, c in zip(args, vjp_fn(np.ones_like(f(*args))), strict=True):
        assert c.shape == a.shape and c.dtype == a.dtype


def check_float32(f: Callable[..., Any], args: Sequence[Any]) -> None:
    """`f` at `args` cast to float32: its gradients have each argument's shape and dtype
    and are writable, and both modes agree with finite differences (`check_grads` with
    float32's tolerances)."""
    import numpy as np
    import pytest

    from symdiff.testing import check_grads

    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    value, grads = value_and_grad(f, argnums=tuple(range(len(args))))(*args32)
    assert value == pytest.approx(f(*args32), rel=1e-4)
    for a, g in zip(args32, grads, strict=True):
        assert np.shape(g) == np.shape(a)
        if isinstance(a, np.ndarray):
            assert g.dtype == np.float32 and g.flags.writeable
    check_grads(f, args32, eps=1e-3, rtol=2e-2, atol=2e-2)


def gradients_test(cases: list[tuple[Callable[..., Any], tuple[Any, ...]]],
                   ids: list[str] | None = None) -> Callable[..., None]:
    """A test that each ``(f, args)`` of `cases` passes `check_grads` to second order (both
    modes, and the Jacobians of each) and `check_float32`."""
    import pytest

    from symdiff.testing import check_grads

    @pytest.mark.parametrize(("f", "args"), cases,
                             ids=ids or [f.__name__ for f, _ in cases])
    def test(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
        check_grads(f, args, order=2)
        check_float32(f, args)

    return test


Error = tuple[Callable[..., Any], tuple[Any, ...], str, str, list[str]]


def located_errors_test(errors: list[Error], file: str) -> Callable[..., None]:
    """A test that ``grad(f)(*args)`` raises `UnsupportedSyntaxError` located as
    `assert_located` says, for each ``(f, args, tag, snippet, words)`` of `errors`
    (functions of `file`, whose lines end with their ``# E:<tag>`` markers)."""
    import pytest

    from symdiff import UnsupportedSyntaxError

    path = Path(file).resolve()
    lines = path.read_text(encoding="utf-8").splitlines()

    @pytest.mark.parametrize(("f", "args", "tag", "snippet", "words"), errors,
                             ids=[e[0].__name__ for e in errors])
    def test(f: Callable[..., Any], args: tuple[Any, ...], tag: str, snippet: str,
             words: list[str]) -> None:
        with pytest.raises(UnsupportedSyntaxError) as info:
            grad(f)(*args)
        assert_located(info.value, path, lines, tag, snippet, words)

    return test
