"""SymPy is optional (the extra ``symdiff[sympy]``): with it hidden, the derivatives, the
pictures and ``symdiff build`` work and never import it, and `to_sympy` and
`symdiff.testing.check_sympy` raise a `SymdiffError` that says how to install it.

Each case runs in a fresh interpreter whose import system refuses ``sympy`` (a meta
path finder placed first), as on a machine where it was never installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """
import sys

class NoSympy:
    def find_spec(self, name, path=None, target=None):
        if name == "sympy" or name.startswith("sympy."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, NoSympy())
"""


def run_without_sympy(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(BLOCKER + textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0"}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=240)


def test_derivatives_pictures_and_build_need_no_sympy(tmp_path: Path) -> None:
    done = run_without_sympy("""
        import math
        import sys

        import numpy as np

        import symdiff

        def log_likelihood(mu, log_sigma, xs):
            sigma = np.exp(log_sigma)
            z = (xs - mu) / sigma
            return np.sum(-0.5 * z * z - log_sigma - 0.5 * math.log(2 * math.pi))

        xs = np.array([0.3, -1.2, 2.5, 0.7])
        value, (d_mu, d_ls) = symdiff.value_and_grad(log_likelihood, argnums=(0, 1))(
            0.1, 0.2, xs)
        sigma = math.exp(0.2)
        assert abs(d_mu - np.sum(xs - 0.1) / sigma**2) < 1e-9, d_mu
        h = symdiff.hessian(log_likelihood, argnums=(0, 1))(0.1, 0.2, xs)
        assert abs(h[0][0] + len(xs) / sigma**2) < 1e-9, h
        jac = symdiff.jacrev(lambda a, b: (a * b, a + b), argnums=(0, 1))(2.0, 3.0)
        assert jac == ((3.0, 2.0), (1.0, 1.0)), jac

        def area(r, h):
            return math.pi * r * r + 2.0 * math.pi * r * h

        assert "digraph" in symdiff.graph(area, 1.0, 2.0, reverse=True).source
        text = symdiff.build_module("examples/newton.py", ["rosenbrock"],
                                    ("grad", "hessian"))
        assert "def rosenbrock_hessian" in text, text[:200]
        assert "sympy" not in sys.modules
        print("ok")
    """.replace("examples/newton.py", str(ROOT / "examples" / "newton.py")), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_to_sympy_and_check_sympy_say_how_to_install_sympy(tmp_path: Path) -> None:
    done = run_without_sympy("""
        import symdiff
        from symdiff.errors import MissingDependencyError
        from symdiff.testing import check_sympy

        def f(x):
            return x * x

        for call in (lambda: symdiff.to_sympy(f), lambda: check_sympy(f, [1.0])):
            try:
                call()
            except symdiff.SymdiffError as error:
                assert isinstance(error, MissingDependencyError)
                assert isinstance(error, ImportError)
                print(error)
            else:
                raise AssertionError("no error without sympy")
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "to_sympy needs sympy, which is not installed: pip install sympy (symdiff's extra "
        "'sympy' holds it)",
        "check_sympy needs sympy, which is not installed: pip install sympy (symdiff's "
        "extra 'sympy' holds it)",
    ]
