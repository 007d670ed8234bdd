"""`supported`: the library callables symdiff differentiates, read off its tables."""

from __future__ import annotations

import builtins
import importlib
import importlib.util
from collections.abc import Iterable
from typing import Any


def supported() -> list[str]:
    """The names, sorted, of the callables a differentiated function may call that symdiff
    has rules for: ``math`` functions (``"math.sin"``), builtins (``"abs"``, ``"sum"``),
    NumPy functions (``"np.sin"``, ``"np.linalg.norm"``) and index objects (``"np.r_"``,
    ``"np.c_"``: subscripted, not called), array methods
    (``"ndarray.sum"``) and, where SciPy is installed, ``scipy.special`` functions
    (``"scipy.special.erf"``), ``scipy.stats`` distributions' methods
    (``"scipy.stats.norm.logpdf"``) and ``scipy.linalg`` functions
    (``"scipy.linalg.cho_solve"``). Python functions with source are
    differentiated through as well, and so is any callable given a rule with
    `custom_jvp`, `custom_vjp` or `defrule`; those are not listed."""
    from symdiff.frontend import call_sites, numpy_calls
    from symdiff.frontend.resolve import (
        NUMPY_CONCATENATORS,
        NUMPY_FUNCTIONS,
        SCIPY_DISTRIBUTIONS,
        SCIPY_FUNCTIONS,
        SCIPY_LINALG,
        SCIPY_SIGNAL,
    )
    from symdiff.ir.scalars import NUMPY, PYTHON
    from symdiff.ir.special import SCIPY

    names = {_python_name(fn) for fn in (*PYTHON, *(fn for fn, _ in call_sites.BUILTINS))}
    names.update(f"np.{name}" for name in _in_numpy((*NUMPY, *NUMPY_FUNCTIONS,
                                                      *NUMPY_CONCATENATORS)))
    names.update(f"ndarray.{name}" for name in numpy_calls.METHODS)
    if importlib.util.find_spec("scipy") is not None:
        names.update(f"scipy.special.{name}" for name in SCIPY)
        names.update(f"scipy.{path}"
                     for path in (*SCIPY_FUNCTIONS, *SCIPY_LINALG, *SCIPY_SIGNAL))
        names.update(f"scipy.stats.{name}.{method}"
                     for name, methods in SCIPY_DISTRIBUTIONS.items() for method in methods)
    return sorted(names)


# The groups of `supported_table`, in its order: a name's prefix -> the group's title.
_GROUPS = (("", "Python builtins"), ("math.", "`math`"), ("np.linalg.", "`np.linalg`"),
           ("np.", "NumPy (`np.`)"), ("ndarray.", "array methods (`x.`)"),
           ("scipy.linalg.", "`scipy.linalg`"), ("scipy.signal.", "`scipy.signal`"),
           ("scipy.special.", "`scipy.special`"),
           ("scipy.stats.", "`scipy.stats`"))


def supported_table(summary: bool = False) -> str:
    """`supported()` as a Markdown table, one row per namespace (what docs/supported.md
    shows); with `summary`, how many each namespace has and a few of them (the README's)."""
    rows: dict[str, list[str]] = {title: [] for _, title in _GROUPS}
    for name in supported():
        prefix, title = max((g for g in _GROUPS if name.startswith(g[0])), key=lambda g: len(g[0]))
        rows[title].append(name[len(prefix):])
    if summary:
        lines = ["| namespace | callables | among them |", "|---|---:|---|"]
        for title, names in rows.items():
            shown = _sample(names)
            more = ", …" if len(shown) < len(names) else ""
            if names:
                lines.append(f"| {title} | {len(names)} | "
                             f"{', '.join(f'`{n}`' for n in shown)}{more} |")
    else:
        lines = ["| namespace | differentiated |", "|---|---|"]
        lines += [f"| {title} | {', '.join(f'`{n}`' for n in names)} |"
                  for title, names in rows.items() if names]
    return "\n".join(lines) + "\n"


def _sample(names: list[str], count: int = 4) -> list[str]:
    """`count` names spread over the sorted `names`."""
    step = max(1, len(names) // count)
    return names[::step][:count]


def _python_name(fn: Any) -> str:
    name = str(fn.__name__)
    if getattr(builtins, name, None) is fn:
        return name
    return f"{fn.__module__}.{name}"


def _in_numpy(names: Iterable[str]) -> list[str]:
    """The names this NumPy has (an alias may be gone from another version)."""
    np = importlib.import_module("numpy")
    found = []
    for name in names:
        value: Any = np
        for part in name.split("."):
            value = getattr(value, part, None)
        if value is not None:
            found.append(name)
    return found
