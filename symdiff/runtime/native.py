"""The numba backend: generated code compiled to machine code by ``numba.njit``.

Contract:
- `link(name, text, tag, read, kinds, **options)` returns a Python function with the
  parameters of the function `name` of the emitted module `text` that passes each list
  argument as a float64 array, each pytree argument as its leaves and each object
  argument as the numbers and arrays the code reads of it (`runtime.boundary`) to the
  ``numba.njit`` (nopython) compilation of the emitted function,
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
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.host.compile import compile_source, link_function
from symdiff.runtime import boundary, safedir
from symdiff.runtime.cache import NATIVE_PREFIX, DiskCache

BACKENDS = ("python", "numba")
INSTALL = "pip install numba (symdiff's extra 'numba' holds it)"
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
    function that converts lists to arrays and takes pytrees and objects apart (see the
    module docstring). `read` holds the values of the names the text may read; `kinds` the
    spec's types of the parameters (None for a float or list)."""
    numba = require()
    # A parameter the guard knows to be a number is passed as it is (only a list is
    # converted, and the guard's type test has sent any list elsewhere).
    guard = options.get("guard") or ()
    numbers = {i for i, typ in enumerate(guard) if typ in (float, int, bool)}
    core_text, wrapper = boundary.split(text, name, kinds, numbers)
    values = _values(name, core_text, read)
    core = _compiled(numba, name, core_text, tag, values)
    free = {"_symdiff_core": core, "_symdiff_in": _as_array,
            "_symdiff_errors": numba.core.errors.NumbaError,
            "_symdiff_failed": _failure(name)}
    return link_function(wrapper, name, tag=f"{tag} (numba)",
                         globals_={"__builtins__": builtins}, free=free, **options)


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
    loaded: set[str] = set()
    stored: set[str] = set()
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
    cache = _cache()
    if cache is None:
        namespace = compile_source(text, name, dict(values), tag=tag)
        return numba.njit(namespace[name])
    digest = hashlib.sha256(text.encode())
    for key, value in values.items():
        digest.update(f"\0{key}\0{_stamp(value)}".encode())
    module_name = f"{NATIVE_PREFIX}{digest.hexdigest()[:32]}"
    folder = cache.native_folder()
    loaded = sys.modules.get(module_name)
    if loaded is not None:  # linked before in this process: its dispatcher
        return loaded.__dict__[_DISPATCHER]
    path = folder / f"{module_name}.py"
    if not path.is_file():
        temporary = folder / f".{module_name}.{os.getpid()}.tmp"
        temporary.write_text(text)
        os.replace(temporary, path)
        cache.trim_native()  # the cache's bound covers these too
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


def _cache() -> DiskCache | None:
    """The disk cache, its ``<cache dir>/numba`` made a private directory, or None without
    the disk cache."""
    cache = DiskCache.from_environment()
    if not cache.enabled:
        return None
    fd = safedir.open_private(cache.native_folder(), create=True)
    if fd is None:
        return None
    os.close(fd)
    return cache


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
