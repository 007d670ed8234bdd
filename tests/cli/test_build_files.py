"""`symdiff build` and the files around it: it never clobbers the user's own files nor
leaves a half-written module, `--check` answers the same from any directory, and
errors are one located line (``file:line: message``), exit status 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symdiff.cli import main

ROOT = Path(__file__).resolve().parents[2]
MODEL = "def f(x):\n    return x * x * 3.0\n"
NOT_SCALAR = textwrap.dedent("""\
    import numpy as np


    def pair(x):
        return x, x * 2.0


    def vector(x):
        return np.array([x, x])
""")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a user module, ``model.py``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    (tmp_path / "model.py").write_text(MODEL)
    return tmp_path


def symdiff_cli(*args: str, cwd: Path, timeout: float = 120,
                prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m symdiff ARGS`` in `cwd`, after running `prelude` in the process."""
    code = prelude + "import sys\nfrom symdiff.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(err: str) -> str:
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


# Item 19: nothing the user wrote is overwritten, and a write is all or nothing ----------------


def test_output_equal_to_the_source_is_refused(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for force in ([], ["--force"]):
        assert main(["build", "model.py", "-o", "model.py", *force]) == 1
        err = one_line_error(capsys.readouterr().err)
        assert err.startswith("model.py: ") and "source" in err
        assert (project / "model.py").read_text() == MODEL


def test_a_file_symdiff_did_not_write_is_not_overwritten(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = project / "mine.py"
    mine.write_text("# my notes, not generated\n")
    assert main(["build", "model.py", "-o", "mine.py"]) == 1
    err = one_line_error(capsys.readouterr().err)
    assert err.startswith("mine.py: ") and "--force" in err
    assert mine.read_text() == "# my notes, not generated\n"
    assert main(["build", "model.py", "-o", "mine.py", "--force"]) == 0
    built = mine.read_text()
    assert "def f_grad(x):" in built
    # Once symdiff wrote it, rebuilding needs no --force.
    (project / "model.py").write_text(MODEL.replace("3.0", "4.0"))
    assert main(["build", "model.py", "-o", "mine.py"]) == 0
    assert mine.read_text() != built and "def f_grad(x):" in mine.read_text()


def test_a_failed_write_leaves_the_old_module(project: Path) -> None:
    assert main(["build", "model.py", "-o", "out.py"]) == 0
    good = (project / "out.py").read_bytes()
    (project / "model.py").write_text(MODEL.replace("3.0", "4.0"))
    # A file size limit below the module's size: the write fails part way, as on a full
    # disk (with EFBIG instead of ENOSPC), in a real process.
    limit = "import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n" \
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(good) // 2}, {len(good) // 2}))\n"
    proc = symdiff_cli("build", "model.py", "-o", "out.py", cwd=project, prelude=limit)
    assert proc.returncode == 1
    assert one_line_error(proc.stderr) == f"out.py: {os.strerror(27)}"  # EFBIG
    assert (project / "out.py").read_bytes() == good
    assert sorted(p.name for p in project.iterdir()) == ["model.py", "out.py"]


def test_a_fifo_output_is_refused_not_waited_on(project: Path) -> None:
    os.mkfifo(project / "out.py")
    try:
        proc = symdiff_cli("build", "model.py", "-o", "out.py", cwd=project, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("symdiff build blocked writing to a FIFO")
    assert proc.returncode == 1
    assert one_line_error(proc.stderr) == "out.py: not a regular file"


def test_check_answers_the_same_from_any_directory(project: Path) -> None:
    (project / "src").mkdir()
    (project / "src" / "model.py").write_text(MODEL)
    (project / "elsewhere").mkdir()
    assert main(["build", "src/model.py", "-o", "src/model_derivs.py"]) == 0
    for cwd, source, output in ((project, "src/model.py", "src/model_derivs.py"),
                                (project / "src", "model.py", "model_derivs.py"),
                                (project / "elsewhere", "../src/model.py",
                                 "../src/model_derivs.py"),
                                (Path("/"), str(project / "src/model.py"),
                                 str(project / "src/model_derivs.py"))):
        proc = symdiff_cli("build", source, "-o", output, "--check", cwd=cwd)
        assert proc.returncode == 0, (cwd, proc.stderr)
    (project / "src" / "model.py").write_text(MODEL.replace("3.0", "4.0"))
    proc = symdiff_cli("build", "../src/model.py", "-o", "../src/model_derivs.py", "--check",
                       cwd=project / "elsewhere")
    assert proc.returncode == 1 and "stale" in proc.stderr
    # The command it suggests works from where it was suggested.
    command = proc.stderr.split("regenerate it with: ")[1].strip()
    done = subprocess.run(command.replace("symdiff build", f"{sys.executable} -m symdiff build"),
                          shell=True, cwd=project / "elsewhere", capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0"})
    assert done.returncode == 0, done.stderr
    proc = symdiff_cli("build", "src/model.py", "-o", "src/model_derivs.py", "--check",
                       cwd=project)
    assert proc.returncode == 0, proc.stderr


# Item 20: errors are located lines, not tracebacks ---------------------------------------------


def test_a_syntax_error_in_the_source_is_located(project: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.py").write_text("def f(x):\n    return x *\n")
    assert main(["build", "broken.py"]) == 1
    err = one_line_error(capsys.readouterr().err)
    assert err.startswith(f"{project / 'broken.py'}:2: ")
    assert "invalid syntax" in err


@pytest.mark.parametrize(("name", "line", "what"), [
    ("pair", 4, "returns a tuple of 2 values"), ("vector", 8, "returns an array")])
def test_a_non_scalar_output_is_located(project: Path, capsys: pytest.CaptureFixture[str],
                                        name: str, line: int, what: str) -> None:
    (project / "nonscalar.py").write_text(NOT_SCALAR)
    assert main(["build", "nonscalar.py", "-f", name]) == 1
    err = one_line_error(capsys.readouterr().err)
    assert err.startswith(f"{project / 'nonscalar.py'}:{line}: grad requires a function")
    assert what in err
    assert main(["show", f"nonscalar.py:{name}"]) == 1
    assert one_line_error(capsys.readouterr().err) == err


def test_an_output_that_is_a_directory_is_an_error(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (project / "out").mkdir()
    assert main(["build", "model.py", "-o", "out"]) == 1
    assert one_line_error(capsys.readouterr().err) == "out: is a directory"
