"""Rendering DOT text with Graphviz's ``dot`` program (SVG, PNG, PDF).

Contract: `render(text, fmt)` runs ``dot -T<fmt>`` on `text` and returns its output
bytes; without ``dot`` on the PATH, or when ``dot`` fails, it raises `SymdiffError`
saying what to do. Graphviz is a program, not a Python dependency: nothing is imported.
"""

from __future__ import annotations

import shutil
import subprocess

from symdiff.errors import SymdiffError

FORMATS = ("svg", "png", "pdf")
INSTALL = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
           "graphviz; https://graphviz.org/download/), or write DOT text (.dot) instead")


def dot_program() -> str | None:
    """The path of Graphviz's ``dot``, or None when it is not installed."""
    return shutil.which("dot")


def render(text: str, fmt: str) -> bytes:
    """`text` (DOT) rendered by ``dot`` as `fmt` (one of `FORMATS`)."""
    if fmt not in FORMATS:
        raise SymdiffError(f"cannot render {fmt!r}: formats are {', '.join(FORMATS)} and dot")
    program = dot_program()
    if program is None:
        raise SymdiffError(f"rendering {fmt.upper()} needs Graphviz's 'dot' program, which "
                           f"is not on the PATH: {INSTALL}")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=text.encode("utf-8"),
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SymdiffError(f"running {program} failed: {error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise SymdiffError(f"{program} -T{fmt} failed (exit status {done.returncode}): "
                           f"{message}")
    return done.stdout
