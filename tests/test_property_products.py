"""Property: products with zeros (``np.prod``, ``np.cumprod``) have exact second
derivatives (issue 12, item 3).

Hypothesis draws an array of rank 1 or 2 with none, one, two, three or all of its entries
zero, a product over all axes or one (``np.prod`` with or without ``keepdims``,
``np.cumprod``), and weights; the function is ``p + 0.5 * p * p`` of the weighted sum ``p``
of the products, so its Hessian couples every entry. The Hessian-vector products by
forward over reverse (``jvp(grad(f))``) and reverse over reverse (``vjp(grad(f))``) must
match central differences of the gradient (exact up to rounding for a polynomial), and
the Hessian symmetric (up to rounding: its columns are computed apart).
"""

from __future__ import annotations

import itertools
import linecache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdiff import grad, hessian, jvp, vjp

_ids = itertools.count()


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


@st.composite
def cases(draw: Any) -> tuple[str, np.ndarray]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)
    n_zeros = draw(st.sampled_from([0, 1, 2, 3, x.size]))
    x.ravel()[rng.permutation(x.size)[:n_zeros]] = 0.0
    op = draw(st.sampled_from(["prod", "prod-keepdims", "cumprod"]))
    axis = draw(st.sampled_from([None, *range(len(shape))]))
    if op == "cumprod":
        product, out_shape = f"np.cumprod(x, axis={axis})", (
            (x.size,) if axis is None else shape)
    else:
        keep = op.endswith("keepdims")
        product = f"np.prod(x, axis={axis}{', keepdims=True' if keep else ''})"
        out_shape = np.prod(x, axis=axis, keepdims=keep).shape
    weights = np.round(rng.uniform(-2.0, 2.0, out_shape), 2).tolist()
    source = (f"import numpy as np\n\n\ndef prog(x):\n"
              f"    p = np.sum({product} * np.array({weights!r}))\n"
              f"    return p + 0.5 * p * p\n")
    return source, x


def load(source: str) -> Any:
    filename = f"<symdiff-product-property-{next(_ids)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "symdiff_product_property"}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    return namespace["prog"]


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases())
def test_products_with_zeros_have_exact_second_derivatives(case: tuple[str, np.ndarray]
                                                           ) -> None:
    source, x = case
    prog = load(source)
    gradient = grad(prog)
    u = np.random.default_rng(3).standard_normal(x.shape)
    eps = 1e-4
    fd = (gradient(x + eps * u) - gradient(x - eps * u)) / (2 * eps)
    where = f"\n{source}\nx = {x!r}"
    for label, got in (("forward over reverse", jvp(gradient, (x,), (u,))[1]),
                       ("reverse over reverse", vjp(gradient, x)[1](u)[0])):
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-6, err_msg=label + where)
    h = hessian(prog)(x).reshape(x.size, x.size)
    np.testing.assert_allclose(h, h.T, rtol=1e-13, atol=1e-15, err_msg="symmetry" + where)
    np.testing.assert_allclose(h @ u.ravel(), fd.ravel(), rtol=1e-6, atol=1e-6,
                               err_msg="hessian" + where)
