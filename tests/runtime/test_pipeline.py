"""`runtime.builds` and `codegen.emit`: a module's name and imports travel as data.

Contract tested here: the emitted module carries its function's name and imports, and a
disk entry keeps them with the text; an entry without them, or whose name or imports do
not fit, is not ours.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff.codegen.emit import Emitted
from symdiff.runtime import builds, pipeline
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def essay(a: float, b: float) -> float:
    c = a * b
    d = math.sin(c)
    return d * 0.5 * (c / 1.5)


def test_generate_gives_the_text_and_its_function_as_data() -> None:
    emitted = pipeline.generate(essay, Spec("grad", (0, 1)))
    assert emitted.text == symdiff.source(essay, argnums=(0, 1))
    assert emitted.name == "essay_grad"
    assert emitted.imports == (("math", None),)
    array = pipeline.generate(lambda x: np.sum(np.sin(x)),
                              with_types(Spec("grad", 0), signature_of((np.zeros(2),))))
    assert array.imports == (("numpy", "np"),)


def test_a_disk_entry_keeps_the_name_and_imports() -> None:
    emitted = pipeline.generate(lambda x: np.sum(np.sin(x)),
                                with_types(Spec("grad", 0), signature_of((np.zeros(2),))))
    entry = builds._entry(emitted)
    assert builds._from_entry(entry) == emitted
    # Intact but not ours: without the line, another function named, an odd import.
    assert builds._from_entry(emitted.text) is None
    renamed = entry.replace(f'"name":"{emitted.name}"', '"name":"other"')
    assert renamed != entry and builds._from_entry(renamed) is None
    bad = Emitted(emitted.text, emitted.name, (("os; import sys", None),))
    assert builds._from_entry(builds._entry(bad)) is None
