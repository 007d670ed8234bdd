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
