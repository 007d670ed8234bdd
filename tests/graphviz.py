"""When the tests that render pictures with Graphviz's ``dot`` run: always where it is
installed and in CI (``CI=true`` makes a missing ``dot`` a failure, so a CI machine
never passes by skipping them); skipped, saying how to install it, elsewhere."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

import pytest

MISSING = ("Graphviz's dot is not installed, so the tests that render pictures are "
           "skipped: install it with 'sudo apt-get install graphviz' (Debian/Ubuntu), "
           "'brew install graphviz' (macOS) or from https://graphviz.org/download/ "
           "(with CI=true they fail instead)")


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skip_reason(environ: Mapping[str, str], dot: str | None) -> str | None:
    """Why the rendering tests are skipped, or None when they run."""
    return MISSING if dot is None and not in_ci(environ) else None


@pytest.fixture
def graphviz() -> None:
    """Skip a rendering test where ``dot`` is missing outside CI."""
    reason = skip_reason(os.environ, shutil.which("dot"))
    if reason is not None:
        pytest.skip(reason)


renders = pytest.mark.usefixtures("graphviz")
