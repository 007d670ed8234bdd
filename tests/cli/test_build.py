"""`symdiff build`: the generated example modules are current, import no symdiff, lint
clean and give the in-process API's numbers; building is deterministic; errors are
clear exit statuses."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import symdiff
from symdiff.cli import main
from symdiff.standalone import build_module, is_current, write_module
from symdiff.standalone.loading import load_module

ROOT = Path(__file__).resolve().parents[2]
GENERATED = sorted((ROOT / "examples" / "generated").glob("*_derivs.py"))


def command_of(path: Path) -> list[str]:
    """The build command a generated module's header records (without ``symdiff``), to
    run in the module's directory."""
    lines = path.read_text().splitlines()
    start = lines.index("Regenerate with (in this file's directory):") + 1
    words = " ".join(lines[start:lines.index("", start)]).split()
    assert words[:2] == ["symdiff", "build"]
    return [w.strip("'") for w in words[1:]]


def load_generated(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example(name: str) -> ModuleType:
    return load_module(str(ROOT / "examples" / f"{name}.py"))


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def test_the_examples_are_generated() -> None:
    names = {p.name for p in GENERATED}
    assert names == {"black_scholes_derivs.py", "newton_derivs.py",
                     "logistic_regression_derivs.py", "loops_derivs.py"}
    makefile = (ROOT / "Makefile").read_text()
    for name in names:
        assert f"$(GENERATED)/{name}" in makefile


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: p.stem)
def test_generated_modules_are_current(path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(path.parent)
    assert main([*command_of(path), "--check"]) == 0, capsys.readouterr().err


def test_check_reports_a_stale_or_missing_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = GENERATED[0]
    monkeypatch.chdir(source.parent)
    command = command_of(source)
    stale = tmp_path / "stale.py"
    stale.write_text(source.read_text().replace("Do not edit.", "Edited."))
    at = command.index("-o")
    command[at + 1] = str(stale)
    assert main([*command, "--check"]) == 1
    err = capsys.readouterr().err
    assert str(stale) in err and "stale" in err and "symdiff build" in err
    assert main(command) == 0  # rewrite it: now current
    assert main([*command, "--check"]) == 0
    stale.unlink()
    assert main([*command, "--check"]) == 1
    assert "stale (or missing)" in capsys.readouterr().err


def test_generated_modules_import_no_symdiff() -> None:
    """Run each generated module with symdiff unimportable; only stdlib and NumPy load."""
    script = textwrap.dedent("""
        import importlib.util, sys
        sys.modules["symdiff"] = None  # any import of symdiff raises ImportError
        before = set(sys.modules)
        import numpy
        allowed = set(sys.modules)
        for path in sys.argv[1:]:
            spec = importlib.util.spec_from_file_location("m", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        extra = {m.split(".")[0] for m in set(sys.modules) - allowed}
        extra -= set(sys.stdlib_module_names)
        assert not extra, extra
        print("ok", len(sys.argv) - 1)
    """)
    proc = subprocess.run([sys.executable, "-c", script, *map(str, GENERATED)],
                          capture_output=True, text=True, timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"ok {len(GENERATED)}"


@pytest.mark.skipif(shutil.which("ruff") is None and importlib.util.find_spec("ruff") is None,
                    reason="ruff is not installed")
def test_generated_modules_pass_ruff() -> None:
    ruff = shutil.which("ruff") or ""
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    proc = subprocess.run([*command, "check", "--no-cache", *map(str, GENERATED)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_black_scholes_numbers() -> None:
    built, bs = load_generated(ROOT / "examples/generated/black_scholes_derivs.py"), \
        example("black_scholes")
    args = tuple(bs.ARGS.values())
    nums = (0, 1, 2, 3, 4)
    assert built.call_price_value_and_grad(*args) == \
        symdiff.value_and_grad(bs.call_price, argnums=nums)(*args)
    assert built.call_price_hessian(*args) == symdiff.hessian(bs.call_price, argnums=nums)(*args)


def test_newton_numbers() -> None:
    built, nt = load_generated(ROOT / "examples/generated/newton_derivs.py"), example("newton")
    f, x, y = nt.rosenbrock, -1.2, 1.0
    assert built.rosenbrock_grad(x, y) == symdiff.grad(f, argnums=(0, 1))(x, y)
    assert built.rosenbrock_value_and_grad(x, y) == \
        symdiff.value_and_grad(f, argnums=(0, 1))(x, y)
    assert built.rosenbrock_jvp(x, y, 0.3, -0.7) == symdiff.jvp(f, (x, y), (0.3, -0.7))
    assert built.rosenbrock_vjp(x, y, 2.0) == symdiff.vjp(f, x, y)[1](2.0)
    assert built.rosenbrock_hessian(x, y) == symdiff.hessian(f, argnums=(0, 1))(x, y)


def test_logistic_regression_numbers() -> None:
    built = load_generated(ROOT / "examples/generated/logistic_regression_derivs.py")
    lr = example("logistic_regression")
    X, y, _ = lr.make_data(n=50, d=4)
    w = np.linspace(-0.5, 0.5, 4)
    f = lr.loss
    assert np.array_equal(built.loss_grad(w, X, y), symdiff.grad(f)(w, X, y))
    value, g = built.loss_value_and_grad(w, X, y)
    want_value, want_g = symdiff.value_and_grad(f)(w, X, y)
    assert value == want_value and np.array_equal(g, want_g)
    for got, want in zip(built.loss_vjp(w, X, y, 1.5), symdiff.vjp(f, w, X, y)[1](1.5),
                         strict=True):
        assert np.array_equal(got, want)
    hessian = built.loss_hessian(w, X, y)
    assert hessian.shape == (4, 4)
    assert np.array_equal(hessian, symdiff.hessian(f)(w, X, y))


def test_loops_numbers() -> None:
    built, lp = load_generated(ROOT / "examples/generated/loops_derivs.py"), example("loops")
    assert built.horner_grad(2.0) == symdiff.grad(lp.horner)(2.0) == 222.0
    assert built.horner_jvp(2.0, 0.5) == symdiff.jvp(lp.horner, (2.0,), (0.5,))
    assert built.horner_hessian(2.0) == symdiff.hessian(lp.horner)(2.0)
    assert built.newton_sqrt_grad(2.0) == symdiff.grad(lp.newton_sqrt)(2.0)
    assert built.newton_sqrt_hessian(2.0) == symdiff.hessian(lp.newton_sqrt)(2.0)
    xs = [0.5, -0.25, 1.5]
    assert built.rosenbrock_grad(xs) == symdiff.grad(lp.rosenbrock)(xs)
    assert built.rosenbrock_jvp(xs, [1.0, 0.0, 2.0]) == \
        symdiff.jvp(lp.rosenbrock, (xs,), ([1.0, 0.0, 2.0],))
    hessian = built.rosenbrock_hessian(xs)
    assert isinstance(hessian, list) and hessian == symdiff.hessian(lp.rosenbrock)(xs)


def test_build_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "newton.py", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "a.py"
    options = dict(functions=["rosenbrock"], modes=["grad", "hessian"], argnums=(0, 1))
    first = build_module("examples/newton.py", **options, output=out)
    second = build_module("./examples/../examples/newton.py", **options, output=out)
    assert first == second
    write_module(first, out)
    bytes_before = out.read_bytes()
    assert main(["build", "examples/newton.py", "-f", "rosenbrock", "--modes", "grad,hessian",
                 "--argnums", "0,1", "-o", str(out)]) == 0
    assert out.read_bytes() == bytes_before
    assert is_current(first, out)
    assert str(tmp_path) not in first  # no absolute paths
    assert "Source sha256: " in first and "from ../examples/newton.py." in first


def test_header_and_docstrings_name_the_source(at_root: Path) -> None:
    text = build_module("examples/newton.py", ["rosenbrock"], ["grad", "vjp"])
    assert text.startswith(f'"""Derivatives generated by symdiff {symdiff.__version__} from '
                           "examples/newton.py. Do not edit.")
    assert "symdiff build examples/newton.py:rosenbrock --modes grad,vjp" in text
    assert '"""Gradient of newton.rosenbrock with respect to x (reverse mode).' in text
    assert "def rosenbrock_vjp(x, y, out_bar):" in text
    assert "symdiff" not in "".join(line for line in text.splitlines()
                                    if line.startswith(("import", "from")))


MODULE_WITH_GLOBALS = """
import math

import helpers_of_withglobals as helpers

SCALE = 3.0
STEPS = 4


def helper(x):
    return math.sin(x) * SCALE


def f(x, y):
    s = 0.0
    for i in range(STEPS):
        s += helper(x) * y + i
    return s


def g(x):
    return x * helpers.K
"""


def test_numbers_the_code_reads_are_copied(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "withglobals.py"
    source.write_text(MODULE_WITH_GLOBALS)
    (tmp_path / "helpers_of_withglobals.py").write_text("K = 2.5\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    text = build_module(source, ["f"], ["grad", "jvp"], argnums=(0, 1))
    assert "\nSCALE = 3.0\nSTEPS = 4\n" in text
    out = tmp_path / "withglobals_derivs.py"
    write_module(text, out)
    built, original = load_generated(out), load_module(str(source))
    assert built.f_grad(0.7, 1.3) == symdiff.grad(original.f, argnums=(0, 1))(0.7, 1.3)
    assert built.f_jvp(0.7, 1.3, 1.0, 0.5) == symdiff.jvp(original.f, (0.7, 1.3), (1.0, 0.5))
    with pytest.raises(symdiff.SymdiffError, match="reads the module helpers_of_withglobals"):
        build_module(source, ["g"])


def test_errors_are_exit_statuses(at_root: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "examples/newton.py", "-f", "nope"]) == 1
    assert "has no function 'nope'" in capsys.readouterr().err
    assert main(["build", "examples/missing.py"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["build", "examples/newton.py", "-f", "rosenbrock", "--signature", "float"]) == 1
    assert "takes 2 positional argument(s)" in capsys.readouterr().err
    assert main(["build", "examples/loops.py", "-f", "rosenbrock", "--signature", "float"]) == 1
    assert "as a list, so its type must be list" in capsys.readouterr().err
    assert main(["build", "examples/newton.py", "-f", "rosenbrock", "--argnums", "5"]) == 1
    assert "out of range" in capsys.readouterr().err
    for bad, message in ((["--modes", "grad,curl"], "unknown mode 'curl'"),
                         (["--signature", "float", "ndarray[complex,1]"], "unknown dtype"),
                         (["--signature", "float", "matrix"], "unknown argument type"),
                         (["--argnums", "x"], "argument index"),
                         (["--check"], "--check needs -o")):
        with pytest.raises(SystemExit) as exit_:
            code = main(["build", "examples/newton.py", "-f", "rosenbrock", *bad])
            raise SystemExit(code)
        assert exit_.value.code == 2, bad
        assert message in capsys.readouterr().err


def test_python_m_symdiff_and_the_console_script(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0"}
    out = tmp_path / "n.py"
    proc = subprocess.run([sys.executable, "-m", "symdiff", "build", "examples/newton.py",
                           "-f", "rosenbrock", "--argnums", "0,1", "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "def rosenbrock_grad(x, y):" in out.read_text()
    # The console script `pip install -e .` put next to this Python.
    beside = Path(sys.executable).parent / "symdiff"
    script = str(beside) if beside.exists() else shutil.which("symdiff")
    assert script is not None, "the symdiff console script is not installed"
    proc = subprocess.run([script, "build", "--help"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0 and "--signature" in proc.stdout, proc.stderr
    # module:function names a module of the current directory, as `python -m` would find.
    (tmp_path / "usermod.py").write_text("def f(x):\n    return x * x * 3.0\n")
    proc = subprocess.run([script, "show", "usermod:f"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0 and "def f_grad(x):" in proc.stdout, proc.stderr


def test_same_bytes_across_processes(tmp_path: Path) -> None:
    """Hash randomisation (set order) does not reach the output."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0",
               "PYTHONHASHSEED": seed}
        out = tmp_path / f"loops_{seed}.py"
        proc = subprocess.run([sys.executable, "-m", "symdiff", *command_of(
            ROOT / "examples/generated/loops_derivs.py")[:-2], "-o", str(out)],
            capture_output=True, text=True, cwd=ROOT / "examples/generated", env=env,
            timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes().replace(f"loops_{seed}.py".encode(), b"OUT"))
    assert outputs[0] == outputs[1]


def test_build_module_is_public() -> None:
    assert symdiff.build_module is build_module
