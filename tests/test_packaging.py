"""The distributions: ``python -m build`` (without isolation, so offline) makes an sdist
that is the whole project, tests and all, and a wheel that is the package with complete
metadata: the MIT license, NumPy the only requirement, the extras, classifiers, keywords
and links. The sdist's own tests run from where it is unpacked."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("tests", "examples", "benchmarks", "docs", ".ci")
TOP = ("LICENSE", "README.md", "Makefile", "pyproject.toml", "MANIFEST.in")
EXTRAS = {"sympy", "numba", "scipy", "test", "dev", "docs", "bench", "all"}


def _can_build() -> str | None:
    if importlib.util.find_spec("build") is None:
        return "needs the build package: pip install -e '.[test]'"
    import setuptools

    if int(setuptools.__version__.split(".")[0]) < 77:
        return f"needs setuptools>=77 (found {setuptools.__version__}): pip install -e '.[test]'"
    return None


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _can_build()
    if reason is not None:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                           str(out), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _project_files(folder: str) -> set[str]:
    """The files of one of the project's folders, without caches and compiled files."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(ROOT / folder):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".hypothesis")
                       and not d.startswith(".pytest")]
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")):
                found.add((Path(dirpath) / name).relative_to(ROOT).as_posix())
    return found


def test_the_sdist_is_the_whole_project(dist: Path) -> None:
    (sdist,) = dist.glob("symdiff-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for top in TOP:
        assert top in names
    for folder in SHIPPED:
        missing = _project_files(folder) - names
        assert not missing, f"the sdist lacks {sorted(missing)[:10]}"
    assert "tests/conftest.py" in names and "tests/runtime/conftest.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_wheel_is_the_package_with_complete_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("symdiff-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(info).decode("utf-8"))
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    package = {p.relative_to(ROOT).as_posix() for p in (ROOT / "symdiff").rglob("*.py")}
    assert package <= names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "symdiff = symdiff.cli:main" in entry_points

    assert metadata["Name"] == "symdiff"
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Author"] == "symdiff developers"
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# symdiff")  # the README, for PyPI
    requires = metadata.get_all("Requires-Dist")
    assert [r for r in requires if "extra ==" not in r] == ["numpy"]
    assert set(metadata.get_all("Provides-Extra")) == EXTRAS
    assert any(r.startswith("sympy") and 'extra == "sympy"' in r for r in requires)
    classifiers = set(metadata.get_all("Classifier"))
    assert {"Intended Audience :: Science/Research", "Operating System :: OS Independent",
            "Topic :: Scientific/Engineering :: Mathematics"} <= classifiers
    assert {f"Programming Language :: Python :: 3.{m}" for m in (10, 11, 12, 13)} <= classifiers
    assert "automatic differentiation" in metadata["Keywords"]
    # No project URLs until the project has a public address of its own:
    # github.com/symdiff/symdiff is another project's.
    assert not any("github.com/symdiff/" in u for u in metadata.get_all("Project-URL") or ())


def test_the_sdist_runs_its_own_tests(dist: Path, tmp_path: Path) -> None:
    (sdist,) = dist.glob("symdiff-*.tar.gz")
    with tarfile.open(sdist) as archive:
        # The safe "data" filter, where this Python has it (3.11.4+, 3.10.12+; Debian's
        # 3.11.2 has not): the archive is the one this test just built.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp_path, **safe)
    (unpacked,) = tmp_path.glob("symdiff-*")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["SYMDIFF_CACHE"] = "0"
    probe = [sys.executable, "-c", "import symdiff; print(symdiff.__file__)"]
    where = subprocess.run(probe, cwd=unpacked, env=env, capture_output=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(unpacked), where.stdout + where.stderr
    # A sample that reads the README, the examples, the Makefile and the generated modules.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0",
         "tests/test_layers.py", "tests/cli/test_supported.py", "tests/cli/test_build.py",
         "tests/test_unparse.py"],
        cwd=unpacked, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
