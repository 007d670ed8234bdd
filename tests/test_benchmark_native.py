"""The native table (`benchmarks/report_native.py`): its loop workloads get the same
gradient from both backends and from the hand-written one, and the report marks each
target PASS or MISS from the times it is given."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

import symdiff
from benchmarks.native_workloads import rosenbrock, rosenbrock_grad_by_hand, workloads
from benchmarks.report_native import report


def flat(value: Any) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in (value if isinstance(value, tuple)
                                                 else (value,))])


@pytest.mark.parametrize("w", workloads(small=True), ids=lambda w: w.name)
def test_workloads_agree_across_backends(w: Any) -> None:
    numba_grad = symdiff.grad(w.fn, w.argnums, backend="numba")(*w.args)
    python_grad = symdiff.grad(w.fn, w.argnums)(*w.args)
    np.testing.assert_allclose(flat(numba_grad), flat(python_grad), rtol=1e-12, atol=1e-12)
    hessian = symdiff.hessian(w.fn, w.argnums, backend="numba")(*w.args)
    np.testing.assert_allclose(flat(hessian), flat(symdiff.hessian(w.fn, w.argnums)(*w.args)),
                               rtol=1e-10, atol=1e-10)
    if w.hand is not None:
        np.testing.assert_allclose(numba_grad, w.hand(*w.args), rtol=1e-12, atol=1e-9)


def test_rosenbrock_takes_a_list_too() -> None:
    x = [0.1, -0.4, 0.8]
    assert symdiff.grad(rosenbrock, backend="numba")(x) == pytest.approx(
        list(rosenbrock_grad_by_hand(np.array(x))), rel=1e-12)


def test_the_report_marks_targets(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [w for w in workloads(small=True) if w.name.startswith("Rosenbrock")]
    times = {"f": 100e-6, "njit(f)": 1e-6, "python grad": 300e-6, "numba grad": 1.5e-6,
             "hand njit grad": 1.4e-6, "f of a list": 90e-6, "cold build": 1.0,
             "warm load": 0.05, "generated alone": 1.2e-6, "zeros only": 0.5e-6}
    slow = {**times, "numba grad": 3e-6}
    targets = report({rows[0].name: times, rows[1].name: slow}, rows)
    out = capsys.readouterr().out
    assert "Native table" in out and "symdiff numba" in out
    # The generated code alone, and the checks before it: 1.5 - 1.2 = 0.30 µs.
    entry = next(line for line in out.splitlines() if line.startswith(rows[0].name + " ")
                 and "0.30" in line)
    assert entry.split()[-3:] == ["0.30", "1.20", "0.5"], entry
    by_ratio = {(r[0], r[1]): r for r in targets}
    assert by_ratio[(rows[1].name, "numba grad ÷ njit(f)")][-1] == "MISS"  # 3.0 > 2
    assert by_ratio[(rows[0].name, "numba grad ÷ njit(f)")][-1] == ""  # n = 10: no target
    assert by_ratio[(rows[0].name, "numba grad ÷ hand njit grad")][-1] == "PASS"
