"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.graphviz import graphviz  # noqa: F401  (the fixture, for every test)

# Derivatives the tests build go to a disk cache of the test session's own, never to
# the user's (nor hit entries an older symdiff left there); tests of the cache point
# it elsewhere themselves. Set before the xdist workers start, so they share it.
_SESSION_CACHE = "_symdiff_session_cache"


def pytest_configure(config: pytest.Config) -> None:
    if "SYMDIFF_CACHE_DIR" not in os.environ:
        directory = tempfile.mkdtemp(prefix="symdiff-test-cache-")
        os.environ["SYMDIFF_CACHE_DIR"] = directory
        setattr(config, _SESSION_CACHE, directory)


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = getattr(config, _SESSION_CACHE, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop("SYMDIFF_CACHE_DIR", None)


@pytest.fixture
def no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile in memory only: never read entries another symdiff build left in the
    user's cache directory, nor write new ones."""
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


@pytest.fixture
def import_text(tmp_path: Path) -> Iterator[Callable[[str, str], types.ModuleType]]:
    """``import_text(stem, text)``: `text` written to ``tmp_path/stem.py`` and imported as
    a module of its own (a name unique to the test), as a user's file is; the modules
    leave ``sys.modules`` after the test."""
    names: list[str] = []

    def load(stem: str, text: str) -> types.ModuleType:
        path = tmp_path / f"{stem}.py"
        path.write_text(text)
        name = f"{stem}_{abs(hash(str(tmp_path)))}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def replace_primitive(monkeypatch: pytest.MonkeyPatch) -> Callable[[object], None]:
    """``replace_primitive(record)``: the table of primitives (read-only to the compiler)
    with `record` in place of the one of its name, until the test ends (a wrong rule the
    gradient checkers must catch, a counting SymPy form)."""
    from symdiff.ir import primitives

    def replace(record: object) -> None:
        name = record.name  # type: ignore[attr-defined]
        assert name in primitives.PRIMITIVES
        monkeypatch.setitem(primitives._TABLE, name, record)

    return replace
