"""`benchmarks/suite_intents.py`: every audited test has one intent, verdicts are sorted
into met / not met / WRONG / n/a correctly, and the quick suites have no WRONG result."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")  # the corpus and the audit call SciPy as its users do

import symdiff
from benchmarks.intents import Intent, NotMet, autograd_scalar_ops, lean
from benchmarks.suite_intents import SUITES, Verdict, counts_line, judge, run

pytestmark = pytest.mark.usefixtures("no_disk_cache")


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.SUITE)
def test_each_test_has_one_intent_with_a_check_or_a_reason(suite) -> None:
    names = [i.test for i in suite.INTENTS]
    assert len(names) == len(set(names)) and all(n.startswith("test_") for n in names)
    for intent in suite.INTENTS:
        assert intent.intent and (intent.check is not None or intent.not_applicable)


def test_the_audit_covers_every_test_function() -> None:
    # Test functions per audited file, counted in autograd's and Tangent's sources.
    assert [len(s.INTENTS) for s in SUITES] == [108, 140, 55, 89, 42, 27, 14, 12, 4, 8]


def wrong() -> None:
    raise AssertionError("jvp disagrees with central differences\nmore detail")


def unsupported() -> None:
    symdiff.grad(lambda x: np.sum(np.lexsort(x)))(np.ones(3))


@pytest.mark.parametrize(("check", "want"), [
    (lambda: None, Verdict("met")),
    (wrong, Verdict("WRONG", "AssertionError: jvp disagrees with central differences")),
    (lambda: (_ for _ in ()).throw(NotMet("dead code left")),
     Verdict("not met", "dead code left")),
    (None, Verdict("n/a", "about the other tool")),
])
def test_a_verdict_per_outcome_of_the_check(check, want) -> None:
    assert judge(Intent("test_x", "an intent", check, "about the other tool")) == want


def test_a_symdiff_error_is_not_met_by_its_message_without_our_location() -> None:
    verdict = judge(Intent("test_lexsort", "np.lexsort", unsupported))
    assert verdict.status == "not met"
    assert verdict.reason.startswith(
        "UnsupportedSyntaxError: np.lexsort has no derivative rule")


def test_lean_refuses_unused_assignments_and_constant_arithmetic() -> None:
    lean("def f_grad(x):\n    y = x * 2.0\n    return y\n")
    with pytest.raises(NotMet, match="unused assignment left in f_grad: z = x - 0.0"):
        lean("def f_grad(x):\n    z = x - 0.0\n    return x * 2.0\n")
    with pytest.raises(NotMet, match=r"constant arithmetic left in f_grad: 2.0 \* 3.0"):
        lean("def f_grad(x):\n    return x * (2.0 * 3.0)\n")


def test_the_scalar_suite_is_met_and_counted() -> None:
    results = run((autograd_scalar_ops,))
    verdicts = results[autograd_scalar_ops.SUITE]
    assert {v.status for _, v in verdicts} == {"met"}
    assert counts_line(autograd_scalar_ops.SUITE, verdicts) == (
        "autograd tests/test_scalar_ops.py: 42 met, 0 not met, 0 WRONG, 0 n/a (of 42 tests)")


def test_no_quick_suite_has_a_wrong_result() -> None:
    quick = [s for s in SUITES if "wrappers" in s.SUITE or "tangent" in s.SUITE]
    results = run(tuple(quick))
    assert not [(i.test, v.reason) for vs in results.values() for i, v in vs
                if v.status == "WRONG"]
