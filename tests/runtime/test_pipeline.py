"""`runtime.pipeline`: one list of named passes, run top to bottom.

Contract tested here: the pass list of a transform and of a chain of them; the driver
stops after a named pass and reports the unit after each; `dump` shows the IR after
every pass (through `ir.printer`) and the module last, from `symdiff.source` and
``symdiff show --dump-ir``; a transform leaves simplifying and pruning to the passes
after it; the emitted module carries its function's name and imports as data, and a
disk entry keeps them with the text.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff.cli import main
from symdiff.codegen.emit import Emitted
from symdiff.ir.printer import format_program
from symdiff.runtime import builds, pipeline
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.pipeline import PRIMAL, Unit, passes, run, until
from symdiff.runtime.spec import Spec, with_types
from symdiff.transforms.programs import grad_program
from symdiff.transforms.simplify import simplify_program

pytestmark = pytest.mark.usefixtures("no_disk_cache")

ROOT = Path(__file__).resolve().parents[2]


def essay(a: float, b: float) -> float:
    c = a * b
    d = math.sin(c)
    return d * 0.5 * (c / 1.5)


def names(spec: Spec) -> list[str]:
    return [p.name for p in passes(spec)]


def test_the_passes_read_top_to_bottom() -> None:
    assert names(Spec("grad", 0)) == ["source", "lower", "simplify", "prune", "grad",
                                      "simplify", "prune", "lists", "checks", "schedule",
                                      "emit"]
    # A transform of a transform: each followed by simplify and prune.
    assert names(Spec("jvp", 0, inner=Spec("grad", 0)))[4:-4] == [
        "grad", "simplify", "prune", "jvp", "simplify", "prune"]
    # The VJP of a gradient is one transform (it may fall back to forward over reverse).
    assert names(Spec("vjp", inner=Spec("grad", 0)))[4:-4] == [
        "vjp of grad", "simplify", "prune"]
    assert names(Spec("primal"))[4:] == ["lists", "checks", "schedule", "emit"]


def test_the_driver_stops_after_a_named_pass_and_reports_each() -> None:
    seen: list[str] = []
    unit = run(Unit(essay, Spec("grad", 0)), until(passes(Spec("grad", 0)), "lower"),
               lambda name, u: seen.append(name))
    assert seen == ["source", "lower"]
    assert unit.program is not None and unit.emitted is None
    with pytest.raises(ValueError, match="no pass 'nope'"):
        until(PRIMAL, "nope")


def test_generate_gives_the_text_and_its_function_as_data() -> None:
    emitted = pipeline.generate(essay, Spec("grad", (0, 1)))
    assert emitted.text == symdiff.source(essay, argnums=(0, 1))
    assert emitted.name == "essay_grad"
    assert emitted.imports == (("math", None),)
    array = pipeline.generate(lambda x: np.sum(np.sin(x)),
                              with_types(Spec("grad", 0), signature_of((np.zeros(2),))))
    assert array.imports == (("numpy", "np"),)


def test_dump_shows_the_ir_after_every_pass() -> None:
    text = symdiff.source(essay, argnums=(0, 1), dump=True)
    headings = [line for line in text.splitlines() if line.startswith("# after ")]
    assert [h.split(":")[0] for h in headings] == [
        f"# after {name}" for name in names(Spec("grad", (0, 1)))]
    assert "# after simplify: unchanged" in headings  # the user's code has nothing to fold
    assert text.endswith(symdiff.source(essay, argnums=(0, 1)))
    lowered = format_program(pipeline.lowered(essay))
    assert f"# after lower\n{lowered}" in text
    # The derivative as the transform leaves it (seeded with 1.0), then simplified.
    transformed, simplified = text.split("# after grad\n")[1].split("# after simplify\n")[:2]
    assert "mul 1.0, %" in transformed and "1.0" not in simplified.split("# after")[0]


def test_show_dumps_the_ir(capsys: pytest.CaptureFixture[str]) -> None:
    newton = str(ROOT / "examples" / "newton.py")
    assert main(["show", f"{newton}:rosenbrock", "--argnums", "0,1", "--dump-ir"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# after source\ndef rosenbrock(")
    assert "# after grad\ndef rosenbrock_grad(x, y):\n" in out


def test_a_transform_leaves_simplifying_to_the_pipeline() -> None:
    primal = pipeline.primal_program(essay)
    gradient = grad_program(primal, 0)
    assert gradient.derived is not None  # what it made, for the simplify pass
    simplified = simplify_program(gradient)
    assert simplified.derived is None and simplified.outputs != gradient.outputs
    assert simplify_program(simplified) is simplified  # a fixed point


def test_the_derivative_program_is_the_one_emitted() -> None:
    spec = Spec("grad", (0, 1))
    program = pipeline.derivative_program(essay, spec)
    unit = run(Unit(essay, spec), passes(spec))
    assert format_program(program) == format_program(unit.program)


def test_a_disk_entry_keeps_the_name_and_imports() -> None:
    emitted = pipeline.generate(lambda x: np.sum(np.sin(x)),
                                with_types(Spec("grad", 0), signature_of((np.zeros(2),))))
    entry = builds._entry(emitted)
    assert builds._from_entry(entry) == emitted
    # Intact but not ours: without the line, another function named, an odd import.
    assert builds._from_entry(emitted.text) is None
    assert entry.startswith(f"# emitted {emitted.name} numpy:np\n")
    renamed = entry.replace(f"# emitted {emitted.name} ", "# emitted other ")
    assert renamed != entry and builds._from_entry(renamed) is None
    for odd in ("os;sys", "numpy:np.x", ""):
        bad = Emitted(emitted.text, emitted.name, ((odd, None),))
        assert builds._from_entry(builds._entry(bad)) is None
