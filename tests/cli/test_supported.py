"""``symdiff supported``, and the docs' table of it (docs/supported.md), which must
not drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import symdiff
from symdiff.api.supported import supported_table
from symdiff.cli import main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "supported.md"
BLOCK = re.compile(r"<!-- supported: begin \(symdiff supported --markdown\) -->\n(.*?)"
                   r"<!-- supported: end -->", re.S)


def test_the_docs_table_is_the_table_symdiff_has() -> None:
    found = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(found) == 1
    assert found[0] == supported_table(), (
        "docs/supported.md's table of supported callables is out of date: put the output of "
        "`python -m symdiff supported --markdown` between its markers")


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
