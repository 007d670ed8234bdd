"""Linking: an emitted module to a function that runs in the user's world.

Contract: `link(fn, spec, emitted, bindings)` compiles the one function of `emitted`
(`codegen.emit.Emitted`: its text, its name, the modules it imports) with
`compile.link_function`: it reads `fn`'s module globals live; the modules it imports,
the cells and modules of the functions it inlined (`bindings`, by the names the text
reads them by) and `fn`'s own closure cells are its closure variables. The name and
the imports come as data from the emitter (or from the disk cache, stored with the
text): the text is compiled, never searched. Its file name says which derivative of
which function a traceback went through. Options (a guard) go to `link_function`.
A spec for the numba backend is linked by `runtime.native` instead, with the same names
bound (fixed as numba compiles them).
"""

from __future__ import annotations

import importlib
import math
import sys
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from symdiff.frontend.resolve import Scope
from symdiff.host.compile import link_function
from symdiff.host.reference import qualified_name
from symdiff.runtime.spec import Spec

if TYPE_CHECKING:
    from symdiff.codegen.emit import Emitted

__all__ = ["link"]


def link(fn: Callable[..., Any], spec: Spec, emitted: Emitted, bindings: dict[str, Any],
         **options: Any) -> types.FunctionType:
    """The function `emitted` defines, bound as described in the module docstring."""
    scope = Scope(fn)
    free: dict[str, Any] = {"math": math, **bindings, **scope.cells}
    for module, alias in emitted.imports:
        if module != "math":  # (bound first: the user's names may stand over it)
            importlib.import_module(module)
            # ``import numpy as np`` binds numpy; ``import scipy.special``, scipy.
            free[alias or module.split(".")[0]] = sys.modules[module if alias else
                                                              module.split(".")[0]]
    tag = f"{spec.label()} of {qualified_name(fn)}"
    if spec.backend == "numba":
        from symdiff.runtime import native

        return native.link(emitted.name, emitted.text, tag, {**scope.globals, **free},
                           spec.types, **options)
    return link_function(emitted.text, emitted.name, tag=tag, globals_=scope.globals,
                         free=free, **options)
