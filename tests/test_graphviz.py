"""The rendering tests skip, saying how to install Graphviz, only where ``dot`` is missing
and the run is not CI (`tests/graphviz.py`)."""

from __future__ import annotations

import pytest

from tests.graphviz import MISSING, skip_reason


@pytest.mark.parametrize(("environ", "dot", "skipped"), [
    ({}, None, True),
    ({"CI": "false"}, None, True),
    ({"CI": "true"}, None, False),  # CI: rendering is mandatory, a missing dot fails
    ({"CI": "1"}, None, False),
    ({}, "/usr/bin/dot", False),
    ({"CI": "true"}, "/usr/bin/dot", False),
])
def test_skipped_only_without_dot_outside_ci(environ: dict[str, str], dot: str | None,
                                             skipped: bool) -> None:
    assert (skip_reason(environ, dot) == MISSING) is skipped
    assert "apt-get install graphviz" in MISSING and "brew install graphviz" in MISSING
