"""A source file edited after import: its new text must never be differentiated while
the old code runs. Each edit below keeps the bytecode and the constants of the function
the same and changes only names (or a lambda's body), so only comparing names finds it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import symdiff
from symdiff.errors import StaleSourceError, SymdiffError

BEFORE = textwrap.dedent('''\
    import math
    from math import sin, cos

    K = 2.0
    J = 3.0


    def sq(x):
        return x * x


    def cube(x):
        return x * x * x


    def attribute(x):
        return math.sin(x) * x


    def imported(x):
        return sin(x) * x


    def scaled(x):
        return K * x * x


    def calls(x):
        return sq(x) + x


    def nested(x):
        g = lambda t: t * t
        return g(x) + x


    def unchanged(x):
        return x * x * 5.0


    line = lambda x: x * x + 1.0
''')

EDITS = {
    "attribute": ("math.sin(x) * x", "math.cos(x) * x"),
    "imported": ("return sin(x) * x", "return cos(x) * x"),
    "scaled": ("K * x * x", "J * x * x"),
    "calls": ("sq(x) + x", "cube(x) + x"),
    "nested": ("t * t", "t * t * t"),
    "line": ("x * x + 1.0", "x * x * x + 1.0"),
}


@pytest.fixture(autouse=True)
def _no_disk(no_disk_cache) -> None:
    pass


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edited_name_is_refused_with_a_located_error(tmp_path: Path, import_text, name: str):
    module = import_text("edited_names", BEFORE)
    path = tmp_path / "edited_names.py"
    old, new = EDITS[name]
    assert BEFORE.count(old) == 1
    path.write_text(BEFORE.replace(old, new))
    fn = getattr(module, name)
    with pytest.raises(StaleSourceError) as info:
        symdiff.grad(fn)(1.5)
    error = info.value
    assert "changed since it was imported" in str(error)
    assert error.filename == str(path)
    line = BEFORE.replace(old, new).splitlines()[error.lineno - 1]
    assert ("def " + name in line) or ("lambda" in line), line
    assert isinstance(error, SymdiffError)


def test_an_unedited_function_of_an_edited_file_still_works(tmp_path: Path, import_text):
    module = import_text("edited_names", BEFORE)
    path = tmp_path / "edited_names.py"
    path.write_text(BEFORE.replace("math.sin(x) * x", "math.cos(x) * x"))
    assert symdiff.grad(module.unchanged)(1.0) == pytest.approx(10.0)
    assert symdiff.grad(module.line)(2.0) == pytest.approx(4.0)


@pytest.mark.parametrize("name", sorted(EDITS))
def test_the_same_text_again_is_accepted(tmp_path: Path, import_text, name: str):
    module = import_text("edited_names", BEFORE)
    path = tmp_path / "edited_names.py"
    old, new = EDITS[name]
    path.write_text(BEFORE.replace(old, new))
    path.write_text(BEFORE)  # edited back
    symdiff.grad(getattr(module, name))(1.5)
