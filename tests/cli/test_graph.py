"""``symdiff graph`` end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from symdiff.cli.graph import arguments
from symdiff.errors import SymdiffError
from tests.graphviz import renders
from tests.pictures.functions import e

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "tests" / "pictures" / "functions.py"


def symdiff_graph(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
           "SYMDIFF_CACHE": "0"}
    return subprocess.run([sys.executable, "-m", "symdiff", "graph", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_prints_dot_without_output_file() -> None:
    done = symdiff_graph(f"{FUNCTIONS}:e", "--at", "a=2,b=1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('digraph "e" {')
    assert 'label="∂e/∂c = d = 2"' in done.stdout


@renders
def test_writes_svg_by_module_name(tmp_path: Path) -> None:
    out = tmp_path / "graph.svg"
    done = symdiff_graph("pictures.functions:e", "--at", "a=2, b=1", "--reverse", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    root = ElementTree.parse(out).getroot()
    shown = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "∂e/∂b = 5" in shown and "e = c * d" in shown


@renders
def test_forward_and_formats(tmp_path: Path) -> None:
    for name in ("graph.png", "graph.dot"):
        done = symdiff_graph(f"{FUNCTIONS}:e", "--at", "a=2,b=1", "--forward", "b",
                             "-o", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "∂e/∂b = 5" in (tmp_path / "graph.dot").read_text(encoding="utf-8")


def test_no_edges_and_defaults() -> None:
    done = symdiff_graph(f"{FUNCTIONS}:calls_helper", "--at", "x=1.5", "--no-edges")
    assert done.returncode == 0, done.stderr
    assert "y = 2" in done.stdout and "∂" not in done.stdout


@pytest.mark.parametrize(("argv", "message"), [
    (["--at", "a=two,b=1"], "--at: a='two' is not a number"),
    (["--at", "a"], "--at: expected name=value, got 'a'"),
    (["--at", "a=1,z=2"], "--at: e has no parameter 'z' (its parameters: a, b)"),
    (["--at", "a=1"], "--at: missing a required argument: 'b'"),
    (["--at", "a=1,b=2", "--forward", "q"], "forward='q' is not a parameter; parameters: a, b"),
    (["--at", "a=1,b=2", "-o", "graph.txt"], "cannot tell the format of 'graph.txt'"),
])
def test_errors_are_one_message(argv: list[str], message: str) -> None:
    done = symdiff_graph(f"{FUNCTIONS}:e", *argv)
    assert done.returncode == 1
    assert done.stderr.startswith(f"symdiff graph: {message}")
    assert done.stderr.count("\n") == 1  # one line, no traceback


def test_unsupported_construct_is_located() -> None:
    done = symdiff_graph(f"{FUNCTIONS}:slices", "--at", "xs=1")
    assert done.returncode == 1
    assert "functions.py\", line" in done.stderr and "slice" in done.stderr


def test_a_loop_of_too_many_iterations_is_refused() -> None:
    done = symdiff_graph(f"{FUNCTIONS}:endless", "--at", "x=1")
    assert done.returncode == 1 and "more than 200 iterations" in done.stderr


def test_forward_and_reverse_exclude_each_other() -> None:
    done = symdiff_graph(f"{FUNCTIONS}:e", "--forward", "a", "--reverse")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


def test_arguments_keep_int_literals_ints() -> None:
    assert arguments(e, "b=1, a=2.5") == (2.5, 1)
    with pytest.raises(SymdiffError, match="b is given twice"):
        arguments(e, "a=1,b=1,b=2")
