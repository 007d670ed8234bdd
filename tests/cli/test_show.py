"""`symdiff show`: the generated source, plain when piped, highlighted on a terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff.cli import main
from symdiff.cli.show import write
from symdiff.cli.targets import load_function

ROOT = Path(__file__).resolve().parents[2]
NEWTON = str(ROOT / "examples" / "newton.py")
LOGISTIC = str(ROOT / "examples" / "logistic_regression.py")


def test_show_prints_the_gradient_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", f"{NEWTON}:rosenbrock", "--argnums", "0,1"]) == 0
    out = capsys.readouterr().out
    f = load_function(f"{NEWTON}:rosenbrock")
    assert out == symdiff.source(f, argnums=(0, 1))
    assert "\x1b[" not in out  # not a terminal: plain text


def test_show_forward_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", f"{NEWTON}:rosenbrock", "--mode", "forward"]) == 0
    f = load_function(f"{NEWTON}:rosenbrock")
    assert capsys.readouterr().out == symdiff.source(f, mode="forward")


def test_show_for_a_signature(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", f"{LOGISTIC}:loss", "--signature", "ndarray[float64,1]",
                 "float64[n,n]", "ndarray[float64,1]"]) == 0
    f = load_function(f"{LOGISTIC}:loss")
    w, X, y = np.zeros(3), np.ones((4, 3)), np.ones(4)
    out = capsys.readouterr().out
    assert out == symdiff.source(f, args=(w, X, y))
    assert "X.T @ z_bar" in out


def test_show_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", f"{NEWTON}:nope"]) == 1
    assert "has no function 'nope'" in capsys.readouterr().err
    assert main(["show", f"{NEWTON}:rosenbrock", "--signature", "float"]) == 1
    assert "takes 2 positional argument(s)" in capsys.readouterr().err
    assert main(["show", f"{NEWTON}:rosenbrock", "--argnums", "2"]) == 1
    assert "out of range" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["show", f"{NEWTON}:rosenbrock", "--mode", "sideways"])
    assert exit_.value.code == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_highlighted_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pygments")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    text = "def f(x):\n    return x\n"
    tty, pipe = Terminal(), io.StringIO()
    write(text, tty)
    write(text, pipe)
    assert pipe.getvalue() == text
    highlighted = tty.getvalue()
    assert "\x1b[" in highlighted
    assert re.sub(r"\x1b\[[0-9;]*m", "", highlighted) == text  # colours added, nothing else
