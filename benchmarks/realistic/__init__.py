"""A corpus of realistic functions, written as practitioners write them (not adapted to
symdiff), for measuring how much of everyday numerical Python symdiff differentiates.

`CORPUS` lists every `Entry`; `benchmarks.realistic.check` runs one through each
transform and `benchmarks/report_realistic.py` prints the table.
"""

from __future__ import annotations

from benchmarks.realistic import (
    finance,
    ml,
    numerics,
    optimisation,
    physics,
    robotics,
    statistics,
    usage,
)
from benchmarks.realistic.entry import Entry

CORPUS: tuple[Entry, ...] = tuple(
    entry
    for module in (ml, statistics, physics, finance, robotics, optimisation, numerics, usage)
    for entry in module.ENTRIES
)

__all__ = ["CORPUS", "Entry"]
