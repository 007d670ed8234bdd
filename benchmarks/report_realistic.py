"""``make bench`` section (runnable alone): breadth on realistic code. Every function of
the corpus `benchmarks.realistic` through grad, value_and_grad, jvp, vjp, jacfwd, jacrev
and hessian where they apply, each result checked against central differences; a table
of ok / error / WRONG, the errors' first lines, and how many functions work through
every transform. Exits with status 1 when a result is WRONG (run alone)."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._table import table  # noqa: E402
from benchmarks.realistic import CORPUS  # noqa: E402
from benchmarks.realistic.check import TRANSFORMS, Outcome, run_corpus  # noqa: E402

HEADERS = {"value_and_grad": "v&g", "hessian": "hess"}
CELL = {"ok": "ok", "error": "err", "WRONG": "WRONG"}
DETAIL_WIDTH = 140


def working(outcomes: dict[str, Outcome]) -> bool:
    return all(o.status == "ok" for o in outcomes.values())


def report(results: dict[str, dict[str, Outcome]]) -> str:
    """The table, the errors, any WRONG results and the summary, as text."""
    category = {e.name: e.category for e in CORPUS}
    rows = [[name, category[name],
             *(CELL[o[t].status] if t in o else "-" for t in TRANSFORMS)]
            for name, o in results.items()]
    lines = [table(["function", "category", *(HEADERS.get(t, t) for t in TRANSFORMS)],
                   rows, left=2)]
    for status, title in (("error", "Errors"), ("WRONG", "!!! WRONG RESULTS !!!")):
        found = _grouped(results, status)
        if found:
            lines += ["", f"{title} (first line of the message, with its class):", *found]
    wrong = sum(o.status == "WRONG" for r in results.values() for o in r.values())
    if wrong:
        lines += ["", f"!!! {wrong} WRONG result(s): a derivative disagrees with central "
                      "differences. This must never happen. !!!"]
    lines += ["", summary(results)]
    return "\n".join(lines)


def _grouped(results: dict[str, dict[str, Outcome]], status: str) -> list[str]:
    """One line per function and message, naming the transforms that gave it."""
    out = []
    for name, outcomes in results.items():
        by_detail: dict[str, list[str]] = defaultdict(list)
        for t, o in outcomes.items():
            if o.status == status:
                # "grad of 'f': ..." and "jvp of 'f': ..." are one message.
                by_detail[o.detail.replace(f" {t} of ", " ", 1)].append(HEADERS.get(t, t))
        for detail, ts in by_detail.items():
            transforms = "all" if len(ts) == len(outcomes) else ", ".join(ts)
            text = detail.replace("\n", " ")
            if len(text) > DETAIL_WIDTH:
                text = text[:DETAIL_WIDTH - 3] + "..."
            out.append(f"  {name} ({transforms}): {text}")
    return out


def summary(results: dict[str, dict[str, Outcome]]) -> str:
    """"N of M functions work through every transform", then the same per category."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in CORPUS:
        if entry.name in results:
            totals[entry.category][0] += working(results[entry.name])
            totals[entry.category][1] += 1
    n = sum(ok for ok, _ in totals.values())
    m = sum(count for _, count in totals.values())
    pairs = sum(len(r) for r in results.values())
    ok_pairs = sum(o.status == "ok" for r in results.values() for o in r.values())
    per_category = ", ".join(f"{c} {ok}/{count}" for c, (ok, count) in totals.items())
    return (f"{n} of {m} functions work through every transform "
            f"({ok_pairs} of {pairs} function x transform pairs ok)\n"
            f"per category: {per_category}")


def main() -> int:
    """Print the section; the number of WRONG results."""
    start = time.perf_counter()
    results = run_corpus()
    seconds = time.perf_counter() - start
    print(f"\nRealistic corpus: {len(CORPUS)} functions written as practitioners write "
          f"them, each transform checked against central differences ({seconds:.1f} s)")
    print(report(results))
    return sum(o.status == "WRONG" for r in results.values() for o in r.values())


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
