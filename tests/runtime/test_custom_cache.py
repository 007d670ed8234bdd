"""An edited custom rule in a later process with a warm disk cache is never served stale."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.runtime.test_cache import subprocess_env

RULES = textwrap.dedent(
    """
    import math
    import symdiff

    @symdiff.custom_jvp
    def f(x):
        return math.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), {slope} * t
    """
)

USER = textwrap.dedent(
    """
    import symdiff
    from rules import f

    def g(x):
        return f(x) + x

    print(symdiff.grad(g)(0.5))
    """
)


def _run(tmp_path: Path, cache: Path) -> float:
    out = subprocess.run(
        [sys.executable, str(tmp_path / "user.py")], cwd=tmp_path, capture_output=True,
        text=True, env=subprocess_env(SYMDIFF_CACHE_DIR=str(cache)), check=True)
    return float(out.stdout)


def test_edited_rule_with_a_warm_disk_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (tmp_path / "user.py").write_text(USER)
    (tmp_path / "rules.py").write_text(RULES.format(slope="2.0"))
    assert _run(tmp_path, cache) == 3.0
    entries = sorted(cache.rglob("*"))
    assert entries
    assert _run(tmp_path, cache) == 3.0  # served from the disk cache
    assert sorted(cache.rglob("*")) == entries
    (tmp_path / "rules.py").write_text(RULES.format(slope="5.0"))  # user.py is unchanged
    assert _run(tmp_path, cache) == 6.0
