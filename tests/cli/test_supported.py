"""``symdiff supported``, and the docs' table of it (docs/supported.md), which must
not drift."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff.api.supported import supported_table
from symdiff.cli import main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "supported.md"
BLOCK = re.compile(r"<!-- supported: begin \(symdiff supported --markdown\) -->\n(.*?)"
                   r"<!-- supported: end -->", re.S)


def _rows(table: str) -> dict[str, list[str]]:
    return {row.split(" | ")[0]: re.findall(r"`([^`]+)`", row.split(" | ")[1])
            for row in table.splitlines()[2:]}


def test_the_docs_table_is_the_table_symdiff_has() -> None:
    found = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(found) == 1
    if found[0] == supported_table():
        return
    # Another NumPy than the one the table was made with may lack an alias the table
    # names (NumPy 2.5 dropped np.row_stack): only such names may differ.
    ours, theirs = _rows(supported_table()), _rows(found[0])
    numpy_row = next(title for title in theirs if "NumPy" in title)
    gone = [n for n in theirs[numpy_row] if not hasattr(np, n.split(".")[0])]
    assert gone and {**theirs, numpy_row: [n for n in theirs[numpy_row] if n not in gone]} \
        == ours, ("docs/supported.md's table of supported callables is out of date: put the "
                  "output of `python -m symdiff supported --markdown` between its markers")


def test_the_table_lists_every_name_once() -> None:
    rows = supported_table().splitlines()[2:]
    names = [n for row in rows for n in re.findall(r"`([^`]+)`", row.split(" | ")[1])]
    assert len(names) == len(symdiff.supported())
    assert "sinc" in names and "fsum" in names and "norm" in names


def test_the_command_prints_the_list_and_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["supported"]) == 0
    assert capsys.readouterr().out.split() == symdiff.supported()
    assert main(["supported", "--markdown"]) == 0
    assert capsys.readouterr().out == supported_table()


README = PAGE.parents[1] / "README.md"
SUMMARY = re.compile(r"<!-- supported summary: begin \(symdiff supported --summary\) -->\n"
                     r"(.*?)<!-- supported summary: end -->", re.S)


def test_the_readme_summary_is_the_table_symdiff_has() -> None:
    found = SUMMARY.findall(README.read_text(encoding="utf-8"))
    assert len(found) == 1
    ours = supported_table(summary=True)
    if found[0] == ours:
        return
    # As for the full table: another NumPy may lack an alias (np.row_stack in NumPy 2.5),
    # which changes the NumPy row's count; the namespaces must still be the same.
    full = BLOCK.findall(PAGE.read_text(encoding="utf-8"))[0]
    numpy_row = next(title for title in _rows(full) if "NumPy" in title)
    gone = [n for n in _rows(full)[numpy_row] if not hasattr(np, n.split(".")[0])]
    assert gone and [r.split(" | ")[0] for r in found[0].splitlines()] == \
        [r.split(" | ")[0] for r in ours.splitlines()], (
        "README.md's summary of supported callables is out of date: put the output of "
        "`python -m symdiff supported --summary` between its markers")


def test_the_summary_counts_every_name() -> None:
    rows = supported_table(summary=True).splitlines()[2:]
    assert sum(int(row.split(" | ")[1]) for row in rows) == len(symdiff.supported())
    assert main(["supported", "--summary"]) == 0
