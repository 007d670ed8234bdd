"""The command line as a user meets it: every command names a function as
``file.py:function`` or ``module:function`` (``build -f NAME`` kept as an alias), every
``--help`` ends with examples that parse, ``--version`` answers, and colour is left out
where ``NO_COLOR`` is set or ``TERM=dumb``."""

from __future__ import annotations

import argparse
import io
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import symdiff
from symdiff.cli import COMMANDS, main, parser
from symdiff.cli.show import write
from symdiff.cli.targets import split_target

ROOT = Path(__file__).resolve().parents[2]
LOOPS = "examples/loops.py"


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    return ROOT


def built(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["build", *argv]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_build_names_functions_as_file_colon_function(
        at_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    by_target = built(capsys, f"{LOOPS}:horner", f"{LOOPS}:rosenbrock", "--modes", "grad,jvp")
    by_alias = built(capsys, LOOPS, "-f", "horner", "-f", "rosenbrock", "--modes", "grad,jvp")
    assert by_target == by_alias
    assert "def horner_grad(" in by_target and "def rosenbrock_jvp(" in by_target
    assert "def newton_sqrt_grad(" not in by_target
    # The header's regenerate command names them the same way.
    assert f"symdiff build {LOOPS}:horner {LOOPS}:rosenbrock --modes grad,jvp" in by_target


def test_build_names_a_module_colon_function(
        at_root: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    text = built(capsys, "newton:rosenbrock", "--modes", "hessian", "--argnums", "0,1")
    assert "def rosenbrock_hessian(x, y):" in text
    assert "symdiff build newton:rosenbrock --modes hessian --argnums 0,1" in text


def test_build_takes_one_module(at_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", f"{LOOPS}:horner", "examples/newton.py:rosenbrock"]) == 1
    err = capsys.readouterr().err
    assert "one module per build" in err and "examples/newton.py" in err


@pytest.mark.parametrize(("target", "split"), [
    ("model.py:loss", ("model.py", "loss")),
    ("pkg.model:Model.loss", ("pkg.model", "Model.loss")),
    ("model.py", ("model.py", None)),
    ("pkg.model", ("pkg.model", None)),
    ("C:\\work\\model.py", ("C:\\work\\model.py", None)),
    ("C:\\work\\model.py:loss", ("C:\\work\\model.py", "loss")),
])
def test_split_target(target: str, split: tuple[str, str | None]) -> None:
    assert split_target(target) == split


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    top = parser()
    action = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_has_examples_that_parse(command: str, capsys: pytest.CaptureFixture[str],
                                            ) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "\nexamples:\n" in text
    lines = text.split("\nexamples:\n", 1)[1].splitlines()
    commands = [line.split("#")[0].split("|")[0].strip() for line in lines if line.strip()]
    assert len(commands) >= 3, text
    for line in commands:
        words = shlex.split(line)
        while "=" in words[0]:  # an environment variable set for the command
            words.pop(0)
        assert words[:2] == ["symdiff", command], line
        args = parser().parse_args(words[1:])  # a usage error exits
        assert args.command == command


def test_top_level_help_names_the_target_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "path/to/file.py:function or module:function" in text
    assert "examples:" in text and "symdiff COMMAND --help" in text
    assert set(_subparsers()) == set(COMMANDS)


def test_version() -> None:
    done = subprocess.run([sys.executable, "-m", "symdiff", "--version"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"symdiff {symdiff.__version__}"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("variable", "value", "coloured"), [
    ("NO_COLOR", "1", False),
    ("NO_COLOR", "", True),  # empty: not set, as no-color.org says
    ("TERM", "dumb", False),
    ("TERM", "xterm-256color", True),
])
def test_no_color_and_dumb_terminals_get_plain_text(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str, coloured: bool) -> None:
    pytest.importorskip("pygments")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv(variable, value)
    text = "def f(x):\n    return x * x\n"
    tty = Terminal()
    write(text, tty)
    assert ("\x1b[" in tty.getvalue()) is coloured
    if not coloured:
        assert tty.getvalue() == text
