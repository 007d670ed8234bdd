"""The realistic corpus (`benchmarks/report_realistic.py`): no derivative is WRONG, every
(function, transform) pair that works keeps working, and the checker catches wrong
derivatives rather than passing them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("scipy")  # the corpus and the audit call SciPy as its users do

from benchmarks.realistic import CORPUS, Entry
from benchmarks.realistic.check import (
    Mismatch,
    Outcome,
    Reference,
    compare,
    flatten,
    run_corpus,
    run_entry,
    same_layout,
)
from benchmarks.report_realistic import report, summary
from symdiff.ir.primitives import PRIMITIVES

SCALAR = "grad value_and_grad jvp vjp hessian"
ARRAY = "jvp vjp jacfwd jacrev"
# Every (function, transform) pair that works; add pairs here as support grows.
WORKING = {
    "mlp_params_dict": "grad value_and_grad jvp vjp",
    "softmax_cross_entropy": SCALAR,
    "logistic_l2": SCALAR,
    "rnn_step": ARRAY,
    "lstm_loss": "grad value_and_grad jvp vjp",
    "attention": ARRAY,
    "gaussian_loglik": SCALAR,
    "student_t_loglik": SCALAR,
    "poisson_regression": SCALAR,
    "kalman_loglik": SCALAR,
    "gp_neg_log_marginal": SCALAR,
    "mixture_loglik": SCALAR,
    "huber_regression": SCALAR,
    "sir_rk4": ARRAY,
    "pendulum_leapfrog": ARRAY,
    "michaelis_menten_sse": SCALAR,
    "spring_chain_energy": SCALAR,
    "poisson_residual": ARRAY,
    "heat_step": ARRAY,
    "lennard_jones_energy": SCALAR,
    "black_scholes_call": SCALAR,
    "black_scholes_erf": SCALAR,
    "mean_variance": SCALAR,
    "bond_price": SCALAR,
    "bond_yield": SCALAR,
    "heston_call_mc": SCALAR,
    "binomial_call": SCALAR,
    "planar_arm": ARRAY,
    "forward_kinematics": ARRAY,
    "ik_loss": SCALAR,
    "quat_rotate": ARRAY,
    "quat_multiply": ARRAY,
    "rosenbrock": SCALAR,
    "rastrigin": SCALAR,
    "ackley": SCALAR,
    "beale": SCALAR,
    "himmelblau": SCALAR,
    "smoothing_spline": SCALAR,
    "fem_compliance": SCALAR,
    "laplacian_energy": "grad value_and_grad jvp vjp",
    "trapezoid_arc_length": SCALAR,
    "bound_method": SCALAR,
    "class_instance_inside": SCALAR,
    "functools_partial": SCALAR,
    "mode_string": SCALAR,
    "dict_arguments": SCALAR,
    "has_aux_dict": SCALAR,
}
# An unsupported function raises one of these, never a crash inside symdiff.
ERROR_CLASSES = ("UnsupportedSyntaxError", "UnsupportedTransformError", "SymdiffError",
                 "TypeError")


@pytest.fixture(scope="module")
def results() -> Iterator[dict[str, dict[str, Outcome]]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYMDIFF_CACHE", "0")
        yield run_corpus()


def test_no_derivative_is_wrong(results: dict[str, dict[str, Outcome]]) -> None:
    wrong = [(name, t, o.detail) for name, r in results.items() for t, o in r.items()
             if o.status == "WRONG"]
    assert not wrong


def test_working_pairs_keep_working(results: dict[str, dict[str, Outcome]]) -> None:
    broken = [(name, t, results[name].get(t)) for name, ts in WORKING.items()
              for t in ts.split() if results[name].get(t, Outcome("missing")).status != "ok"]
    assert not broken


def test_errors_are_symdiff_or_argument_errors(
    results: dict[str, dict[str, Outcome]],
) -> None:
    crashes = [(name, t, o.detail) for name, r in results.items() for t, o in r.items()
               if o.status == "error" and not o.detail.startswith(ERROR_CLASSES)]
    assert not crashes


def test_the_corpus_is_broad() -> None:
    names = [e.name for e in CORPUS]
    assert len(names) == len(set(names)) >= 40
    assert len({e.category for e in CORPUS}) >= 8


@pytest.mark.parametrize("entry", [e for e in CORPUS if e.exact is not None], ids=lambda e: e.name)
def test_closed_forms_agree_with_central_differences(entry: Entry) -> None:
    ref = Reference.at(entry)
    exact = entry.exact(*entry.args, **entry.kwargs)  # type: ignore[misc]
    want = ref.jacobian[0] if ref.scalar else ref.jacobian.ravel()
    compare(flatten(exact), want, entry.name)


def waves(x: np.ndarray) -> float:
    return np.sum(np.sin(x) * x)


@pytest.mark.usefixtures("no_disk_cache")
def test_a_wrong_rule_is_reported_wrong(replace_primitive: Callable[[Any], None]) -> None:
    entry = Entry("waves", "test", waves, (np.array([0.3, -1.2, 2.0]),))
    assert {o.status for o in run_entry(entry).values()} == {"ok"}
    # d/dx sin(x) = sin(x): a plausible-looking wrong rule.
    replace_primitive(dataclasses.replace(PRIMITIVES["sin"],
                                          partials=lambda b, out, x: (b.sin(x),)))
    outcomes = run_entry(dataclasses.replace(entry, fn=lambda x: np.sum(np.sin(x) * x)))
    assert {o.status for o in outcomes.values()} == {"WRONG"}
    assert "vs central differences" in outcomes["grad"].detail


def test_a_wrong_closed_form_is_reported_wrong() -> None:
    entry = Entry("waves", "test", waves, (np.array([0.3, -1.2, 2.0]),),
                  exact=lambda x: np.sin(x))
    outcomes = run_entry(entry)
    assert outcomes["grad"].status == "WRONG"
    assert "closed form" in outcomes["grad"].detail
    assert outcomes["jvp"].status == "ok"


@pytest.mark.parametrize(("got", "like"), [
    (np.zeros((3, 1)), np.zeros(3)),
    ((np.zeros(3),), np.zeros(3)),
    ([1.0, 2.0], (1.0, 2.0, 3.0)),
    ({"b": 1.0}, {"a": 1.0}),
    (None, 1.0),
])
def test_a_result_of_the_wrong_layout_is_a_mismatch(got: Any, like: Any) -> None:
    with pytest.raises(Mismatch):
        same_layout(got, like, "gradient")


def test_an_unsupported_function_is_an_error_with_its_first_line() -> None:
    def ranked(x: np.ndarray) -> float:
        return np.sum(np.lexsort(x) * np.arange(3.0))

    outcomes = run_entry(Entry("ranked", "test", ranked, (np.array([0.3, -1.2, 2.0]),)))
    assert {o.status for o in outcomes.values()} == {"error"}
    detail = outcomes["grad"].detail
    assert detail.startswith('UnsupportedSyntaxError: File "test_benchmark_realistic.py"')
    assert "np.lexsort" in detail and "\n" not in detail


def test_the_report_counts_functions_that_work_through_every_transform() -> None:
    names = [e.name for e in CORPUS[:3]]
    results = {names[0]: {"grad": Outcome("ok"), "jvp": Outcome("ok")},
               names[1]: {"grad": Outcome("ok"), "jvp": Outcome("error", "TypeError: no")},
               names[2]: {"jvp": Outcome("WRONG", "Mismatch: tangent"), "vjp": Outcome("ok")}}
    first = summary(results).splitlines()[0]
    assert first == "1 of 3 functions work through every transform (4 of 6 function x " \
                    "transform pairs ok)"
    text = report(results)
    assert f"  {names[1]} (jvp): TypeError: no" in text
    assert "!!! 1 WRONG result(s)" in text and f"  {names[2]} (jvp): Mismatch: tangent" in text
