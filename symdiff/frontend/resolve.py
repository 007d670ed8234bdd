"""Name resolution: what a name in the user's function refers to.

Contract: `Scope(fn)` looks a free name up the way the function itself would —
closure cells, then the function's globals, then builtins — and classifies what it
finds: a number (read again at call time, never snapshotted), data (an array, a list,
tuple or dict of numbers and arrays, an object of a user's class: `host.data.layout`,
read at call time too), a module, a user's class, a callable symdiff knows (a
primitive's, keyed by the callable object, so ``from math import sin``, ``import math
as m`` and ``m.sin`` all resolve to the same primitive: `ir.scalars.PYTHON` and
`NUMPY`, read off the records of the elementwise primitives when first asked for; a
NumPy or SciPy function the lowering handles; one with a custom rule,
`symdiff.rules.custom`, which stands over symdiff's own for a SciPy function), or a
namespace of such callables (a ``scipy.stats`` distribution, whose methods are known).
SciPy's are read only once the program imported it.
"""

from __future__ import annotations

import builtins
import math
import numbers
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from symdiff.host.data import is_user_class, layout
from symdiff.rules.custom import custom_op

# NumPy functions: an elementwise one is the scalar primitive whose record names it
# (``np.sin`` -> "sin", emitted as ``math.sin`` on numbers and ``np.sin`` on arrays); one
# of `NUMPY_FUNCTIONS` is "np.<name>", lowered by its handler in `frontend.numpy_calls`.
# Built when first asked for, from NumPy if the program imported it: ``import symdiff``
# does not import NumPy (nor the IR).
# The other NumPy functions the lowering knows, by their path under ``np``: the names
# `frontend.numpy_calls.FUNCTIONS` has a handler for (a test checks they agree).
NUMPY_FUNCTIONS = (
    "sum", "mean", "dot", "matmul", "inner", "outer", "transpose", "where", "square",
    "clip", "copy", "prod", "max", "amax", "min", "amin", "einsum", "trace", "vdot",
    "linalg.norm", "linalg.det", "linalg.inv", "linalg.solve", "reshape", "ravel",
    "squeeze", "expand_dims", "concatenate", "stack", "array", "asarray", "zeros", "ones",
    "empty", "full", "zeros_like", "ones_like", "full_like", "empty_like", "arange",
    "linspace", "eye", "cumsum", "cumprod", "diff", "var", "std", "average", "ptp", "trapezoid",
    "swapaxes", "moveaxis", "rollaxis", "rot90", "median", "quantile", "percentile",
    "any", "all", "isclose", "allclose", "nonzero", "nan_to_num", "select",
    "tril", "triu", "linalg.cholesky", "linalg.slogdet", "linalg.eigh", "linalg.eigvalsh",
    "linalg.pinv", "linalg.matrix_power", "linalg.lstsq", "linalg.qr", "linalg.svd",
    "diagonal", "diag", "hstack", "vstack", "column_stack", "atleast_1d", "atleast_2d",
    "split", "array_split", "flip", "fliplr", "flipud", "roll", "repeat", "tile", "pad",
    "take", "kron", "tensordot", "cross", "sort", "argsort", "argmax", "argmin",
    "cumulative_sum", "cumulative_prod", "atleast_3d", "row_stack", "dstack", "append",
    "hsplit", "vsplit", "dsplit", "shape", "ndim", "size",
    "partition", "argpartition", "gradient", "float64", "float32", "int64", "int32",
    "convolve", "correlate", "take_along_axis", "block",
)
# NumPy's index objects that join what a subscript lists (``np.r_[a, b]``), lowered by
# `frontend.np_concatenators`.
NUMPY_CONCATENATORS = ("r_", "c_")
_numpy_table: dict[Any, str] = {}

# The SciPy functions the lowering knows by a handler of its own rather than as a
# primitive, by their path under ``scipy`` (`frontend.scipy_special`); and the
# ``scipy.stats`` distributions it knows, with the methods it lowers
# (`frontend.scipy_stats`). A test checks both agree with the handlers. The
# ``scipy.special`` functions that are primitives are read off their records
# (`ir.special.SCIPY`).
SCIPY_FUNCTIONS = (
    "special.logsumexp", "special.softmax", "special.log_softmax", "special.polygamma",
    "special.multigammaln", "special.zeta", "special.gammainc", "special.gammaincc",
    "special.betainc", "special.stdtr", "special.jn", "special.jv", "special.yv",
    "special.yn", "special.iv", "special.ive",
)
# The ``scipy.signal`` functions the lowering knows (`frontend.convolution`).
SCIPY_SIGNAL = ("signal.convolve", "signal.correlate")
# The ``scipy.linalg`` functions the lowering knows, by their path under ``scipy``
# (`frontend.scipy_linalg`).
SCIPY_LINALG = (
    "linalg.cholesky", "linalg.solve_triangular", "linalg.cho_factor", "linalg.cho_solve",
    "linalg.expm", "linalg.sqrtm", "linalg.solve_sylvester", "linalg.solve_banded",
)
_DENSITY = ("pdf", "logpdf")
_CDF = (*_DENSITY, "cdf", "logcdf")
SCIPY_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "norm": (*_CDF, "sf", "logsf", "ppf", "isf"),
    "t": _CDF, "chi2": _CDF, "gamma": _CDF, "beta": _CDF, "expon": _CDF,
    "laplace": _CDF, "cauchy": _CDF, "lognorm": _CDF,
    "multivariate_normal": (*_DENSITY, "entropy"), "dirichlet": _DENSITY,
    "dirichlet_multinomial": ("pmf", "logpmf"),
    "poisson": ("pmf", "logpmf", "cdf", "logcdf"), "binom": ("pmf", "logpmf", "cdf", "logcdf"),
}
_scipy_table: dict[Any, str] = {}
_distributions: dict[Any, str] = {}
_scipy_read: set[str] = set()  # the SciPy modules read into those two tables


def python_callables() -> Mapping[Any, str]:
    """Python callable (``math.sin``, ``abs``) -> primitive name (the scalar primitives'
    records are loaded when first asked for; no more of the IR is)."""
    from symdiff.ir.scalars import PYTHON

    return PYTHON


def numpy_callables() -> dict[Any, str]:
    """NumPy callable -> primitive name, or "np.<name>" for the lowering to handle."""
    np = sys.modules.get("numpy")
    if np is None:
        return {}
    if not _numpy_table:
        from symdiff.ir.scalars import NUMPY

        for name, op in NUMPY.items():
            fn = getattr(np, name, None)  # an alias this NumPy may not have
            if fn is not None:
                _numpy_table[fn] = op
        for name in NUMPY_FUNCTIONS:
            value: Any = np
            for part in name.split("."):
                value = getattr(value, part, None)
            if value is not None:
                _numpy_table[value] = f"np.{name}"
    return _numpy_table


def scipy_callables() -> dict[Any, str]:
    """SciPy callable -> primitive name, or "scipy.<path>" for the lowering to handle
    (``"scipy.special.logsumexp"``, ``"scipy.stats.norm.logpdf"``,
    ``"scipy.linalg.cho_solve"``): of ``scipy.special``, ``scipy.stats``,
    ``scipy.signal`` and ``scipy.linalg``, each once the program imported it."""
    special = sys.modules.get("scipy.special")
    if special is not None and "special" not in _scipy_read:
        _scipy_read.add("special")
        from symdiff.ir.special import SCIPY

        for name, op in SCIPY.items():
            _scipy_table[getattr(special, name)] = op
        for path in SCIPY_FUNCTIONS:
            _scipy_table[getattr(special, path.partition(".")[2])] = f"scipy.{path}"
    stats = sys.modules.get("scipy.stats")
    if stats is not None and "stats" not in _scipy_read:
        _scipy_read.add("stats")
        for name, methods in SCIPY_DISTRIBUTIONS.items():
            distribution = getattr(stats, name)
            _distributions[distribution] = name
            for method in methods:  # (bound methods are equal when made apart)
                _scipy_table[getattr(distribution, method)] = f"scipy.stats.{name}.{method}"
    signal = sys.modules.get("scipy.signal")
    if signal is not None and "signal" not in _scipy_read:
        _scipy_read.add("signal")
        for path in SCIPY_SIGNAL:
            _scipy_table[getattr(signal, path.partition(".")[2])] = f"scipy.{path}"
    linalg = sys.modules.get("scipy.linalg")
    if linalg is not None and "linalg" not in _scipy_read:
        _scipy_read.add("linalg")
        for path in SCIPY_LINALG:
            _scipy_table[getattr(linalg, path.partition(".")[2])] = f"scipy.{path}"
    return _scipy_table


def distribution_name(value: Any) -> str | None:
    """The name of a ``scipy.stats`` distribution symdiff knows (``"norm"`` for
    ``scipy.stats.norm``), else None."""
    if "scipy.stats" not in sys.modules:
        return None
    scipy_callables()
    try:
        return _distributions.get(value)
    except TypeError:  # unhashable
        return None


def callable_op(value: Any) -> str | None:
    """The primitive (or "np.<name>", "scipy.<path>") for a callable symdiff knows, else
    None. A custom rule given to a SciPy function stands over symdiff's own."""
    try:
        op = python_callables().get(value)
        op = op if op is not None else numpy_callables().get(value)
    except TypeError:  # unhashable
        return None
    if op is None:
        op = custom_op(value)
    if op is None and "scipy" in sys.modules:
        op = scipy_callables().get(value)
    return op


def is_known_callable(value: Any) -> bool:
    """Whether `value` is a callable symdiff has a primitive for."""
    return callable_op(value) is not None


def library_name(value: Any, module: str | None = None, name: str | None = None
                 ) -> str | None:
    """How a message names a NumPy or SciPy callable (``np.sort``, ``np.linalg.eigh``,
    ``scipy.special.gamma``), else None. `module` and `name`: the module the code read it
    from and the name it read, where it read an attribute."""
    name = name or getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    module = module or getattr(value, "__module__", None)
    special = sys.modules.get("scipy.special")
    if module is None and special is not None and getattr(special, name, None) is value:
        module = "scipy.special"  # its ufuncs name no module
    if not isinstance(module, str):
        return None
    parts: list[str] = []
    for part in module.split("."):
        if part.startswith("_"):
            break  # the public module above a private one (scipy.special._logsumexp)
        parts.append(part)
    if not parts or parts[0] not in ("numpy", "scipy"):
        return None
    if parts[0] == "numpy":
        parts[0] = "np"
    return ".".join((*parts, name))


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real)


@dataclass(frozen=True)
class Resolved:
    """What a free name or attribute chain refers to."""

    # "number", "data", "module", "callable", "class" (a user's: `frontend.objects`),
    # "other"; "namespace": an object whose methods are callables symdiff knows (a
    # ``scipy.stats`` distribution); in a lowering also "local", "object" and "method"
    # (`frontend.objects`)
    kind: str
    value: Any
    path: tuple[str, ...]  # how generated code reaches it, e.g. ("config", "K")


class Scope:
    """The free names of one user function."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.globals: dict[str, Any] = getattr(fn, "__globals__", {})
        code = getattr(fn, "__code__", None)
        cells = getattr(fn, "__closure__", None) or ()
        freevars = code.co_freevars if code is not None else ()
        self.cells: dict[str, types.CellType] = dict(zip(freevars, cells, strict=True))

    def lookup(self, name: str) -> Resolved | None:
        """Resolve a free name, or None when the function itself would raise NameError."""
        if name in self.cells:
            try:
                value = self.cells[name].cell_contents
            except ValueError:
                return None
        elif name in self.globals:
            value = self.globals[name]
        elif hasattr(builtins, name):
            value = getattr(builtins, name)
        else:
            return None
        return classify(value, (name,))

    def attribute(self, base: Resolved, attr: str) -> Resolved | None:
        if not hasattr(base.value, attr):
            return None
        value = getattr(base.value, attr)
        resolved = classify(value, (*base.path, attr))
        if resolved.kind == "number" and (base.value is math
                                          or base.value is sys.modules.get("numpy")):
            # math.pi, np.inf and friends are constants, not settings a user can change.
            return Resolved("constant", value, resolved.path)
        return resolved


def classify(value: Any, path: tuple[str, ...]) -> Resolved:
    if isinstance(value, types.ModuleType):
        return Resolved("module", value, path)
    if is_number(value):
        return Resolved("number", value, path)
    if layout(value) is not None:
        return Resolved("data", value, path)
    if distribution_name(value) is not None:
        return Resolved("namespace", value, path)
    if is_known_callable(value):
        return Resolved("callable", value, path)
    if is_user_class(value):
        return Resolved("class", value, path)
    return Resolved("other", value, path)


def describe(value: Any) -> str:
    """A short phrase for an unsupported object, for error messages."""
    if callable(value):
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        module = getattr(value, "__module__", None)
        return f"function {module}.{name}" if module and name else "a callable"
    return f"a {type(value).__name__}"


def free_chains(fn: Any, node: Any) -> Iterator[tuple[tuple[str, ...], Resolved | None]]:
    """Each free name or dotted chain of `node` (longest form, once) and what it refers
    to in `fn`'s scope, followed through module attributes (None where nothing is)."""
    scope = Scope(fn)
    for chain in _chains(node):
        resolved = scope.lookup(chain[0])
        for attr in chain[1:]:
            if resolved is None or resolved.kind not in ("module", "namespace"):
                break
            resolved = scope.attribute(resolved, attr)
        yield chain, resolved


def _chains(node: Any) -> tuple[tuple[str, ...], ...]:
    """The free name chains of `node`, found in one walk and kept on the node (the disk
    key, the callee search and the linker each ask for them)."""
    import ast

    from symdiff.syntax import nodes

    cached = getattr(node, "_symdiff_chains", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    local: set[str] = set()
    inner: set[int] = set()
    candidates: list[Any] = []
    everything = nodes(node)
    for n in everything:
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Store):
                local.add(n.id)
            candidates.append(n)
        elif isinstance(n, ast.Attribute):
            inner.add(id(n.value))
            candidates.append(n)
        elif isinstance(n, ast.arg):
            local.add(n.arg)
        elif isinstance(n, ast.FunctionDef):
            local.add(n.name)
    # Annotations are never evaluated when a derivative runs: their names are no
    # free names of it (`def f(x: float)` must not make the code depend on `float`).
    annotations = [a for n in everything for a in _annotations(n)]
    ignored = {id(n) for a in annotations for n in ast.walk(a)}
    chains: dict[tuple[str, ...], None] = {}
    for n in candidates:
        if id(n) in inner or id(n) in ignored:
            continue
        parts: list[str] = []
        cur: Any = n
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id not in local:
            chains[(cur.id, *reversed(parts))] = None
    found = tuple(chains)
    node._symdiff_chains = found
    return found


def _annotations(node: Any) -> list[Any]:
    import ast

    if isinstance(node, ast.arg | ast.AnnAssign):
        return [node.annotation] if node.annotation is not None else []
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [node.returns] if node.returns is not None else []
    return []
