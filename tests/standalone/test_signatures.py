"""Argument types written as text."""

from __future__ import annotations

import pytest

from symdiff.errors import SymdiffError
from symdiff.ir.types import MANY, ArrayType
from symdiff.standalone.signatures import describe, parse_signature, parse_type


def test_numbers_and_lists() -> None:
    assert parse_signature(["float", "int", "list"]) == (float, int, list)


def test_arrays() -> None:
    assert parse_type("ndarray[float64,2]") == ArrayType("float64", (MANY, MANY))
    assert parse_type("ndarray[float32, 0]") == ArrayType("float32", ())
    assert parse_type("float64[n,1]") == ArrayType("float64", (MANY, 1))
    assert parse_type("int64[]") == ArrayType("int64", ())


def test_describe_reads_back() -> None:
    for text in ("float", "int", "list", "float64[n,1]", "float32[n]", "float64[]"):
        assert describe(parse_type(text)) == text


@pytest.mark.parametrize("text, message", [
    ("ndarray", "needs a dtype and a rank"),
    ("ndarray[complex128,1]", "unknown dtype"),
    ("float64[n,m]", "unknown argument type"),
    ("double", "unknown argument type"),
])
def test_errors(text: str, message: str) -> None:
    with pytest.raises(SymdiffError, match=message):
        parse_type(text)
