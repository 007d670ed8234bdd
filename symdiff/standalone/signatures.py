"""Argument signatures written as text, for ``symdiff build`` and ``symdiff show``.

Contract: `parse_type(text)` reads one positional argument's type:

- ``float`` a number (a differentiated one must be a float), ``int`` a number that is
  not differentiated and stays an int (a loop count), ``list`` a list of floats;
- ``ndarray[DTYPE,RANK]`` an array of that dtype and rank none of whose axes has length
  one (``ndarray[float64,2]`` a matrix); ``DTYPE[AXES]`` says per axis ``n`` (length
  not one) or ``1`` (length one, broadcast), as symdiff prints array types:
  ``float64[n,1]`` a column, ``float64[]`` a 0-d array.

Generated code is specialised on exactly this (dtype, rank, which axes have length one:
all NumPy broadcasting depends on). `parse_type` returns the Python type (`float`,
`int`, `list`) or an `ir.types.ArrayType`; `describe` prints either back.
"""

from __future__ import annotations

import re
from typing import Any

from symdiff.errors import SymdiffError

_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8",
           "uint64", "uint32", "uint16", "uint8")
_NUMBERS: dict[str, type] = {"float": float, "int": int, "list": list}
_NDARRAY = re.compile(r"ndarray\[\s*(\w+)\s*,\s*(\d+)\s*\]")
_AXES = re.compile(r"(\w+)\[([n1,\s]*)\]")


def parse_type(text: str) -> Any:
    """One argument's type from its text (see the module doc); SymdiffError if unknown."""
    from symdiff.ir.types import MANY, ArrayType

    text = text.strip()
    if text in _NUMBERS:
        return _NUMBERS[text]
    if text == "ndarray":
        raise SymdiffError("ndarray needs a dtype and a rank: ndarray[float64,1]")
    match = _NDARRAY.fullmatch(text)
    if match is not None:
        dtype, dims = match[1], (MANY,) * int(match[2])
    else:
        match = _AXES.fullmatch(text)
        if match is None:
            raise SymdiffError(
                f"unknown argument type {text!r}: expected float, int, list, "
                "ndarray[DTYPE,RANK] (ndarray[float64,2]) or DTYPE[AXES] (float64[n,1])")
        dtype = match[1]
        axes = [a.strip() for a in match[2].split(",") if a.strip()]
        dims = tuple(1 if a == "1" else MANY for a in axes)
    if dtype not in _DTYPES:
        raise SymdiffError(f"unknown dtype {dtype!r} in {text!r}: one of {', '.join(_DTYPES)}")
    return ArrayType(dtype, dims)


def parse_signature(texts: Any) -> tuple[Any, ...]:
    """A type per positional argument, from texts (or types, passed through)."""
    return tuple(parse_type(t) if isinstance(t, str) else t for t in texts)


def describe(typ: Any) -> str:
    """The text form of a type `parse_type` returns."""
    if isinstance(typ, type):
        return typ.__name__
    return str(typ).replace(", ", ",")

