"""The disk cache and inlined calls: the key covers every callee, the linker binds the
callees' closure cells and modules live.

Each process is a real subprocess sharing one cache directory; a child run with
``forbid`` cannot generate code (``pipeline.generate`` raises), so it succeeds only from
a disk entry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.runtime.children import PRELUDE

CHILD = PRELUDE + textwrap.dedent('''\
    namespace = {"symdiff": symdiff}
    exec(sys.argv[3], namespace)
    print(json.dumps(namespace["result"]))
''')

MAIN = textwrap.dedent('''\
    import helper_mod
    from helper_mod import bump


    def f(x):
        return helper_mod.outer(x) + bump(x)
''')

HELPER_V1 = textwrap.dedent('''\
    GAIN = 2.0


    def inner(t):
        return t * t


    def outer(x):
        return 3.0 * inner(x)


    def make(k):
        def scaled(t):
            return k * t * GAIN

        return scaled


    bump = make(5.0)
''')

# Only inner changes: the helper two calls away from f.
HELPER_V2 = HELPER_V1.replace("return t * t\n", "return t * t * t\n")

GRAD_F = 'import main_mod; result = symdiff.grad(main_mod.f)(2.0)'


def run(src: Path, code: str, *, forbid: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(src), "forbid" if forbid else "allow", code],
        env=env, capture_output=True, text=True, timeout=60, check=False)


def result(src: Path, code: str, *, forbid: bool = False):
    proc = run(src, code, forbid=forbid)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def write(src: Path, helper: str) -> None:
    (src / "main_mod.py").write_text(MAIN)
    (src / "helper_mod.py").write_text(helper)


def test_an_edited_callee_is_a_new_key(cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(src, HELPER_V1)
    # f'(x) = 3 * 2x + 5 * GAIN
    assert result(src, GRAD_F) == 3.0 * 4.0 + 10.0
    assert result(src, GRAD_F, forbid=True) == 3.0 * 4.0 + 10.0  # a warm disk cache
    write(src, HELPER_V2)
    proc = run(src, GRAD_F, forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr  # not the stale entry
    assert result(src, GRAD_F) == 3.0 * 12.0 + 10.0
    assert result(src, GRAD_F, forbid=True) == 3.0 * 12.0 + 10.0


def test_a_cache_hit_links_the_callees_cells_and_modules_live(cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(src, HELPER_V1)
    assert result(src, GRAD_F) == 22.0
    # A changed number is read when the derivative runs: the entry still serves.
    write(src, HELPER_V1.replace("GAIN = 2.0", "GAIN = 4.0").replace("make(5.0)", "make(7.0)"))
    assert result(src, GRAD_F, forbid=True) == 3.0 * 4.0 + 7.0 * 4.0
    changing = GRAD_F + "; import helper_mod; helper_mod.GAIN = 1.0; " \
        "result = [result, symdiff.grad(main_mod.f)(2.0)]"
    assert result(src, changing, forbid=True) == [40.0, 3.0 * 4.0 + 7.0]


INTEGRATE = textwrap.dedent('''\
    def integrate(f, a, b, n):
        h = (b - a) / n
        return sum(f(a + (i + 0.5) * h) * h for i in range(n))
''')

FUNCS_V1 = "def g(t):\n    return 3.0 * t * t\n"
FUNCS_V2 = "def g(t):\n    return 4.0 * t * t * t\n"

GRAD_INTEGRATE = ('import main_int, funcs; '
                  'result = symdiff.grad(main_int.integrate, argnums=2)(funcs.g, 0.0, 1.0, 4)')


def test_an_edited_function_argument_is_a_new_key(cache_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "main_int.py").write_text(INTEGRATE)
    (src / "funcs.py").write_text(FUNCS_V1)
    # d/db of the midpoint rule for g on [0, b] at b = 1: near g(1).
    first = result(src, GRAD_INTEGRATE)
    assert first == pytest.approx(3.0, rel=0.05)
    assert result(src, GRAD_INTEGRATE, forbid=True) == first
    (src / "funcs.py").write_text(FUNCS_V2)
    assert result(src, GRAD_INTEGRATE) == pytest.approx(4.0, rel=0.05)


PRICING_V1 = textwrap.dedent('''\
    from dataclasses import dataclass


    @dataclass
    class Position:
        size: float
        leverage: float = 2.0

        def exposure(self, price):
            return self.size * self.leverage * price


    def value(price):
        return Position(3.0).exposure(price)
''')

GRAD_VALUE = 'import pricing; result = symdiff.grad(pricing.value)(1.5)'


def test_an_edited_dataclass_default_is_a_new_key(cache_dir, tmp_path):
    # The generated __init__ has no source: the fields and defaults are in the key.
    src = tmp_path / "src"
    src.mkdir()
    (src / "pricing.py").write_text(PRICING_V1)
    assert result(src, GRAD_VALUE) == 6.0
    assert result(src, GRAD_VALUE, forbid=True) == 6.0
    (src / "pricing.py").write_text(PRICING_V1.replace("= 2.0", "= 5.0"))
    proc = run(src, GRAD_VALUE, forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr
    assert result(src, GRAD_VALUE) == 15.0
