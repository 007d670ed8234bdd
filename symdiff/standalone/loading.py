"""Import the user's module that a build or a command names: by dotted name, or by
path for a ``.py`` file (`load_module`). ``build_module`` takes such a name, and the
``symdiff`` command finds its functions with it (`symdiff.cli.targets`)."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from symdiff.errors import FileError, SymdiffError


def load_module(spec: str) -> ModuleType:
    """Import a module by dotted name, or by path when `spec` names a ``.py`` file."""
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = Path(spec).resolve()
        if not path.is_file():
            raise SymdiffError(f"no such file: {spec}")
        name = path.stem
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise SymdiffError(f"cannot import {spec}")
        module = importlib.util.module_from_spec(module_spec)
        # Registered before running, as `import` does, so the module can find itself
        # (dataclasses, pickling) and symdiff can read its functions' source.
        sys.modules.setdefault(name, module)
        with _syntax_errors_located():
            module_spec.loader.exec_module(module)
        return module
    # A module of the current directory, as `python -m` finds it (a console script's
    # sys.path starts at the script's folder instead).
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        with _syntax_errors_located():
            return importlib.import_module(spec)
    except ImportError as error:
        raise SymdiffError(f"cannot import module {spec!r}: {error}") from error


@contextlib.contextmanager
def _syntax_errors_located() -> Iterator[None]:
    """A syntax error in the user's code (or a module it imports) as ``file:line:``."""
    try:
        yield
    except SyntaxError as error:
        raise FileError(error.filename or "<unknown>", error.msg, error.lineno) from None
