"""The numba backend: generated code compiled to machine code by ``numba.njit``.

Contract:
- `link(fn, spec, emitted, free, globals_, **options)` returns a Python function with
  the generated function's parameters that converts each list argument to a float64
  array and calls the ``numba.njit`` (nopython) compilation of the emitted function,
  which numba compiles once per argument signature (its dispatcher is what the
  in-memory cache keeps, inside this function). Options (a guard) are
  `host.compile.link_function`'s.
- The names the generated code reads (the user's globals, closure cells, modules) are
  fixed when it is linked, as numba fixes globals when it compiles: only modules,
  numbers, NumPy arrays and numba functions may be read; anything else raises a
  `SymdiffError` naming it.
- With the disk cache on, the module text is written to ``<cache dir>/numba/`` under a
  name hashed from the text and the values it reads, imported from there and compiled
  with ``cache=True``: a fresh process loads numba's machine code instead of compiling.
- numba is optional: without it, `require` raises a `SymdiffError` saying how to
  install it. Nothing here imports numba before a numba backend function is linked.
- A pytree or object argument is a `SymdiffError` naming it (not yet supported).
- Code numba cannot compile raises a `SymdiffError` at the first call of a signature,
  naming the generated line numba stopped at (never a silent fallback to Python).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib.util
import numbers
import os
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.host.compile import compile_source, link_function
from symdiff.host.data import DictLayout, ObjectLayout, SequenceLayout
from symdiff.runtime import safedir
from symdiff.runtime.cache import DiskCache

BACKENDS = ("python", "numba")
INSTALL = "pip install 'symdiff[numba]'"
_DISPATCHER = "_symdiff_dispatcher"  # a loaded module's numba dispatcher, by this name


def check_backend(backend: Any) -> str:
    """`backend`, which must be one of `BACKENDS`; "numba" only with numba installed."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, "
                         f"got {backend!r}")
    if backend == "numba":
        require()
    return str(backend)


def require() -> Any:
    """The numba module, imported; a `SymdiffError` with the install command without it."""
    if "numba" not in sys.modules and importlib.util.find_spec("numba") is None:
        raise SymdiffError(f'backend="numba" needs numba, which is not installed: {INSTALL}')
    import numba

    return numba


def link(name: str, text: str, tag: str, read: dict[str, Any],
         kinds: tuple[Any, ...] | None = None, **options: Any) -> types.FunctionType:
    """The function `name` of the module `text`, compiled by numba, behind a Python
    function that converts lists to arrays (see the module docstring). `read` holds the
    values of the names the text may read; `kinds` the spec's types of the parameters
    (None for a float or list: the ones that may need converting)."""
    numba = require()
    _check_kinds(name, text, kinds)
    values = _values(name, text, read)
    core = _compiled(numba, name, text, tag, values)
    params = _parameters(text, name)
    if kinds is None or len(kinds) != len(params):
        kinds = (None,) * len(params)
    free = {"_symdiff_core": core, "_symdiff_in": _as_array,
            "_symdiff_errors": numba.core.errors.NumbaError,
            "_symdiff_failed": _failure(name)}
    wrapper = _wrapper(name, params, [k is None for k in kinds])
    return link_function(wrapper, name, tag=f"{tag} (numba)",
                         globals_={"__builtins__": builtins}, free=free, **options)


def _check_kinds(name: str, text: str, kinds: tuple[Any, ...] | None) -> None:
    """Refuse a pytree or object argument (the numba backend takes numbers, arrays and
    lists): a `SymdiffError` naming the parameter."""
    if kinds is None:
        return
    for param, kind in zip(_parameters(text, name), kinds, strict=False):
        if isinstance(kind, (SequenceLayout, DictLayout, ObjectLayout)):
            what = "an object" if isinstance(kind, ObjectLayout) else "a pytree"
            raise SymdiffError(
                f"the numba backend cannot compile {name}: its argument {param!r} is {what} "
                "(numba takes numbers, arrays and lists of numbers); not yet supported, "
                'use backend="python" or pass its leaves as separate arguments')


def _values(name: str, text: str, read: dict[str, Any]) -> dict[str, Any]:
    """The names the function reads that `read` holds, with their values; a value numba
    cannot take as a constant raises."""
    used = _names(text)
    values: dict[str, Any] = {}
    for key in sorted(used):
        if key not in read:
            continue
        value = read[key]
        if isinstance(value, types.CellType):
            value = value.cell_contents
        if not _constant(value):
            raise SymdiffError(
                f"the numba backend cannot compile {name}: it reads {key!r}, a "
                f"{type(value).__name__} (numba takes modules, numbers, NumPy arrays and "
                "numba functions from outside the code)")
        values[key] = value
    return values


def _names(text: str) -> set[str]:
    """Every name a module's code loads that it does not assign and no builtin has."""
    loaded, stored = set(), set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, ast.alias):
            stored.add(node.asname or node.name.split(".")[0])
    return {n for n in loaded - stored if not hasattr(builtins, n)}


def _constant(value: Any) -> bool:
    import numpy as np

    if isinstance(value, (types.ModuleType, numbers.Number, np.ndarray, np.generic)):
        return True
    return type(value).__module__.startswith("numba")  # a numba function


def _compiled(numba: Any, name: str, text: str, tag: str, values: dict[str, Any]) -> Any:
    """The numba dispatcher of the function `name` of `text`, reading `values`."""
    folder = _folder()
    if folder is None:
        namespace = compile_source(text, name, dict(values), tag=tag)
        return numba.njit(namespace[name])
    digest = hashlib.sha256(text.encode())
    for key, value in values.items():
        digest.update(f"\0{key}\0{_stamp(value)}".encode())
    module_name = f"symdiff_numba_{digest.hexdigest()[:32]}"
    loaded = sys.modules.get(module_name)
    if loaded is not None:  # linked before in this process: its dispatcher
        return loaded.__dict__[_DISPATCHER]
    path = folder / f"{module_name}.py"
    if not path.is_file():
        temporary = folder / f".{module_name}.{os.getpid()}.tmp"
        temporary.write_text(text)
        os.replace(temporary, path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.__dict__.update(values)
    # numba finds the module of a function it loads from its cache by name.
    module.__dict__[_DISPATCHER] = numba.njit(cache=True)(getattr(module, name))
    sys.modules[module_name] = module
    return module.__dict__[_DISPATCHER]


def _stamp(value: Any) -> str:
    """What a value the code reads is, for the file name (a changed value is a new file:
    numba's cache does not see globals)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return f"{value.dtype}{value.shape}" + hashlib.sha256(value.tobytes()).hexdigest()
    if isinstance(value, types.ModuleType):
        return value.__name__
    if isinstance(value, (numbers.Number, np.generic)):
        return repr(value)
    return f"{type(value).__qualname__}:{id(value)}"


def _folder() -> Path | None:
    """``<cache dir>/numba``, a private directory, or None without the disk cache."""
    cache = DiskCache.from_environment()
    if not cache.enabled:
        return None
    folder = cache.directory / "numba"
    fd = safedir.open_private(folder, create=True)
    if fd is None:
        return None
    os.close(fd)
    return folder


def _parameters(text: str, name: str) -> list[str]:
    tree = ast.parse(text)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return [a.arg for a in func.args.args]


def _wrapper(name: str, params: list[str], converted: list[bool]) -> str:
    """``def name(x, n): return _symdiff_core(_symdiff_in(x), n)`` (each parameter that
    may be a list `converted`), a numba compile error raised as a `SymdiffError`."""
    args: list[ast.expr] = [
        ast.Call(ast.Name("_symdiff_in", ast.Load()), [ast.Name(p, ast.Load())], [])
        if convert else ast.Name(p, ast.Load())
        for p, convert in zip(params, converted, strict=True)]
    call = ast.Call(ast.Name("_symdiff_core", ast.Load()), args, [])
    fail = ast.Raise(ast.Call(ast.Name("_symdiff_failed", ast.Load()),
                              [ast.Name("error", ast.Load())], []), ast.Constant(None))
    handler = ast.ExceptHandler(ast.Name("_symdiff_errors", ast.Load()), "error", [fail])
    body = [ast.Try([ast.Return(call)], [handler], [], [])]
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    func = ast.FunctionDef(name, args, body, decorator_list=[], returns=None)
    return ast.unparse(ast.fix_missing_locations(ast.Module([func], type_ignores=[]))) + "\n"


def _as_array(value: Any) -> Any:
    """A list as a float64 array (what the compiled code indexes); anything else as is."""
    if value.__class__ is list:
        import numpy as np

        return np.asarray(value, dtype=np.float64)
    return value


def _failure(name: str) -> Callable[[Exception], SymdiffError]:
    def failed(error: Exception) -> SymdiffError:
        detail = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()  # numba's colours
        return SymdiffError(
            f"the numba backend cannot compile {name} for these argument types (numba, "
            f"in nopython mode, stopped at the generated code shown):\n{detail}")
    return failed
