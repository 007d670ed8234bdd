"""Does symdiff meet the intents of autograd's and Tangent's test suites?

Each test function of the audited suites is one `benchmarks.intents.Intent`, re-checked
with our own code: *met* (the check passes), *not met* (symdiff raised; the reason is
its first line), *WRONG* (a derivative disagreed with its reference: must never happen)
or *n/a* (the test is about the other tool's own machinery). Prints the counts per
suite, then each intent not met with its reason; ``--markdown`` prints the audit's
tables (`docs/suite_intents.md`) instead. Exits with status 1 on a WRONG result.

    python3 benchmarks/suite_intents.py [--markdown] [--suite NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from benchmarks.intents import (  # noqa: E402
    Intent,
    NotMet,
    autograd_linalg,
    autograd_numpy,
    autograd_scalar_ops,
    autograd_scipy,
    autograd_systematic,
    autograd_wrappers,
    seed,
    tangent_classes,
    tangent_inheritance,
    tangent_optimization,
    tangent_unified_optimization,
)

SUITES = (autograd_numpy, autograd_systematic, autograd_linalg, autograd_scipy,
          autograd_scalar_ops, autograd_wrappers, tangent_classes, tangent_inheritance,
          tangent_optimization, tangent_unified_optimization)
STATUSES = ("met", "not met", "WRONG", "n/a")
REASON_WIDTH = 150


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str = ""


def judge(intent: Intent) -> Verdict:
    """Run the intent's check: met, not met (with why), WRONG (with what) or n/a."""
    if intent.check is None:
        return Verdict("n/a", intent.not_applicable)
    seed(intent.test)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            intent.check()
    except NotMet as exc:
        return Verdict("not met", str(exc))
    except AssertionError as exc:
        return Verdict("WRONG", first_line(exc))
    except Exception as exc:  # whatever symdiff raises is the reason the intent is not met
        return Verdict("not met", first_line(exc))
    return Verdict("met")


def first_line(exc: BaseException) -> str:
    """The exception's class and the first line of its message, without the location in
    our check's code that symdiff's errors start with, nor object addresses."""
    lines = str(exc).strip().splitlines() or [""]
    text = re.sub(r'^File "[^"]*", line \d+, column \d+: ', "", lines[0])
    text = re.sub(r"^\S+\.py:\d+: \S+: ", "", text)
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= REASON_WIDTH else text[:REASON_WIDTH - 3] + "..."


def run(suites: tuple = SUITES) -> dict[str, list[tuple[Intent, Verdict]]]:
    return {s.SUITE: [(i, judge(i)) for i in s.INTENTS] for s in suites}


def counts_line(suite: str, verdicts: list[tuple[Intent, Verdict]]) -> str:
    c = Counter(v.status for _, v in verdicts)
    return (f"{suite}: {c['met']} met, {c['not met']} not met, {c['WRONG']} WRONG, "
            f"{c['n/a']} n/a (of {len(verdicts)} tests)")


def print_counts(results: dict[str, list[tuple[Intent, Verdict]]]) -> None:
    total: Counter[str] = Counter()
    for suite, verdicts in results.items():
        print(counts_line(suite, verdicts))
        total.update(v.status for _, v in verdicts)
    print(f"all suites: {total['met']} met, {total['not met']} not met, "
          f"{total['WRONG']} WRONG, {total['n/a']} n/a (of {sum(total.values())} tests)")
    for status in ("WRONG", "not met"):
        rows = [(suite, i, v) for suite, vs in results.items() for i, v in vs
                if v.status == status]
        if rows:
            print(f"\n{'!!! WRONG !!!' if status == 'WRONG' else 'Not met'}:")
            for suite, i, v in rows:
                print(f"  {suite.split()[0]} {i.test}: {v.reason}")


def print_markdown(results: dict[str, list[tuple[Intent, Verdict]]]) -> None:
    for suite, verdicts in results.items():
        print(f"### {suite}\n\n{counts_line(suite, verdicts).split(': ', 1)[1]}\n")
        print("| test | intent | symdiff | reason |\n| --- | --- | --- | --- |")
        for i, v in verdicts:
            reason = v.reason.replace("|", "\\|")
            print(f"| `{i.test}` | {i.intent} | {v.status} | {reason} |")
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the audit's tables")
    parser.add_argument("--suite", help="only the suites whose name contains this")
    args = parser.parse_args(argv)
    suites = tuple(s for s in SUITES if args.suite is None or args.suite in s.SUITE)
    results = run(suites)
    (print_markdown if args.markdown else print_counts)(results)
    return sum(v.status == "WRONG" for vs in results.values() for _, v in vs)


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
