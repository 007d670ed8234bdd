"""The NumPy functions name resolution knows are the ones the lowering has handlers for."""

from __future__ import annotations

from symdiff.frontend import numpy_calls
from symdiff.frontend.resolve import NUMPY_FUNCTIONS


def test_every_named_numpy_function_has_a_handler_and_back() -> None:
    assert len(set(NUMPY_FUNCTIONS)) == len(NUMPY_FUNCTIONS)
    assert set(NUMPY_FUNCTIONS) == set(numpy_calls.FUNCTIONS)
