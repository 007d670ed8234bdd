"""The benchmark's Tangent and CasADi baselines compute the hand-written gradients (to
1e-12 relative), and the sections that time them run on small data."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import arrays, baselines, functions, report_arrays

TOOLS = ("tangent", "casadi")
POINTS = {
    "essay": [functions.ESSAY_ARGS, (-3.5, 0.25), (1e3, -7.0)],
    "call_price": [
        functions.CALL_ARGS,
        (50.0, 60.0, 2.0, 0.05, 0.4),  # out of the money, long dated
        (120.0, 80.0, 0.1, -0.01, 0.15),  # deep in the money, negative rate
    ],
}


def needs(tool: str) -> None:
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed (pip install -e '.[bench]')")


@pytest.fixture(autouse=True)
def no_tangent_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGENT_DISK_CACHE", "0")
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("name", list(POINTS))
def test_baseline_matches_the_hand_written_gradient(tool: str, name: str) -> None:
    needs(tool)
    grad = baselines.OPTIONAL[tool](name)
    assert grad is not None
    hand = getattr(functions, f"{name}_grad")
    for args in POINTS[name]:
        got, want = [float(g) for g in grad(*args)], list(hand(*args))
        # Relative to the gradient's size: deep in the money vega is 2e-15, all rounding.
        scale = max(abs(w) for w in want)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12 * scale), (tool, args)


def test_missing_tools_give_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baselines, "available", lambda module: False)
    assert all(baselines.OPTIONAL[tool]("essay") is None for tool in TOOLS)


def test_unannotated_source_keeps_the_body() -> None:
    source = baselines.unannotated_source(arrays.logistic_loss)
    assert source.startswith("def logistic_loss(w, X, y):")
    assert "np.ndarray" not in source and "-> float" not in source
    assert "return np.mean(np.maximum(z, 0.0)" in source


def scaled_root(a: float, b: float) -> float:
    return math.sqrt(a) * b


def test_tangent_says_in_one_line_why_math_is_not_timed(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    needs("tangent")
    assert baselines.tangent_math_problem("essay") == ""
    monkeypatch.setattr(functions, "essay", scaled_root)  # math.sqrt: no rule in Tangent
    problem = baselines.tangent_math_problem("essay")
    assert "sqrt" in problem and "\n" not in problem


def test_the_call_table_says_what_the_new_columns_time(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    needs("tangent")
    from benchmarks.run import print_baseline_notes

    print_baseline_notes({"essay": {"tangent": 1e-6, "casadi": 1e-5},
                          "call_price": {"tangent": 1e-6, "casadi": 1e-5}})
    out = capsys.readouterr().out
    assert "casadi: a casadi.Function of SX symbols" in out
    assert "essay as written" not in out
    problem = baselines.tangent_math_problem("call_price")
    assert ("tangent: call_price as written (over math) is unsupported" in out) == bool(problem)
    print_baseline_notes({"essay": {"f": 1e-7}})
    assert capsys.readouterr().out == ""


def small_cases() -> tuple[report_arrays.ArrayCase, ...]:
    data = (lambda: arrays.logistic_data(n=64, d=3), lambda: arrays.mlp_data(8, 4, 5, 2))
    return tuple(dataclasses.replace(case, data=d)
                 for case, d in zip(report_arrays.CASES, data, strict=True))


@pytest.mark.parametrize("tool", TOOLS)
def test_array_baselines_agree_or_say_why(tool: str) -> None:
    needs(tool)
    for case in small_cases():
        args = case.data()
        want = case.hand(*args)
        impl = report_arrays.OPTIONAL[tool](case.fn, case.argnums, args, want)
        if impl.fn is None:
            # CasADi's MX does not broadcast a bias row over a batch (the MLP's `+ b1`).
            assert (tool, case.name) == ("casadi", "mlp"), impl.problem
            assert impl.problem.startswith("unsupported: RuntimeError: ")
            continue
        got = report_arrays.as_arrays(impl.fn(*impl.args))
        for g, w in zip(got, report_arrays.as_arrays(want), strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12 * np.max(np.abs(w)))


def test_array_versions_name_the_distributions() -> None:
    needs("tangent")
    assert re.search(r"tangent-ad \d", report_arrays.versions(("tangent",)))


def test_loop_section_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import report_loop_baselines

    times = report_loop_baselines.main(n=20, repeat=1)
    out = capsys.readouterr().out
    assert "extended Rosenbrock, n = 20" in out
    assert times["symdiff python backend"] > 0
    for tool, label in (("casadi", "casadi SX Function, DM result"),
                        ("tangent", "tangent.grad, ndarray")):
        if importlib.util.find_spec(tool) is None:
            assert re.search(rf"^{tool}\s+not installed", out, re.M)
        else:
            assert times[label] > 0 and label in out
