"""One derivative of one function as standalone `ast`: its defs, imports and constants.

Contract: `derivative(target, mode)` generates the derivative `mode` of `target` with
the pipeline (the same text ``symdiff.source`` and the runtime compile), parses it and
returns a `Piece`: the function renamed ``{name}_{mode}`` with a docstring naming the
original ``module.function``, the modules it imports, and the numbers it reads from
the user's globals or closures, copied at build time (a standalone module cannot read
them live). For the numba backend the function is the numba backend's code, decorated
``@numba.njit(cache=True)``. Any other free name (an array, an object, a module other
than the standard library's and NumPy) is a `SymdiffError` naming it.

A Hessian whose differentiated arguments are all numbers is one generated program;
of arrays, it is ``{name}_batched_jvp_{param}`` per differentiated argument (the JVP of
the gradient along a batch of seed directions) plus ``{name}_hessian``, which calls the
copied `runtime.assemble.batched_hessian`; where an operation has no batching rule, or
for lists, ``{name}_hvp`` (the JVP of the gradient) called once per entry by the copied
`runtime.assemble.assemble_hessian` — as the in-process `hessian` does.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.standalone.signatures import describe

MODES = ("grad", "value_and_grad", "jvp", "vjp", "hessian")
ASSEMBLE = "_assemble_hessian"  # copies of the functions of `runtime.assemble`
BATCHED = "_batched_hessian"


@dataclass(frozen=True)
class Target:
    """A function to build derivatives of, and how: `module` and `name` as the user knows
    them, argnums (None: the mode's default), and a type per positional argument."""

    fn: Callable[..., Any]
    module: str
    name: str
    argnums: int | tuple[int, ...] | None
    signature: tuple[Any, ...]


@dataclass
class Piece:
    """What one derivative adds to the module."""

    defs: list[ast.stmt] = field(default_factory=list)
    imports: set[tuple[str, str | None]] = field(default_factory=set)  # (module, as name)
    constants: dict[str, Any] = field(default_factory=dict)  # name -> number
    assemble: set[str] = field(default_factory=set)  # copied Hessian assemblies it calls


def derivative(target: Target, mode: str, backend: str = "python") -> Piece:
    """The standalone definition of `mode` of `target` (see the module doc); for the
    ``"numba"`` backend, each generated function is ``@numba.njit(cache=True)``."""
    from symdiff.api.arguments import unwrap
    from symdiff.runtime.spec import Spec, with_types

    if mode not in MODES:
        raise SymdiffError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    fn, inner = unwrap(target.fn)
    params = _parameters(target, fn)
    argnums = _argnums(target, fn, mode)
    _check_numbers(target, params, argnums, mode)
    piece = Piece()
    name = f"{target.name}_{mode}"
    if mode == "hessian" and any(target.signature[i] is not float for i in _indices(argnums)):
        gradient = Spec("grad", argnums, inner=inner)
        piece.imports.add(("numpy", "np"))
        if list not in target.signature:
            from symdiff.transforms.batch import BatchingError

            try:
                names = []
                for j in _indices(argnums):
                    spec = with_types(Spec("jvp_batched", j, inner=gradient,
                                           backend=backend), target.signature)
                    names.append(f"{target.name}_batched_jvp_{params[j]}")
                    piece.defs.append(_function(target, fn, spec, names[-1], "batched_jvp", j,
                                                params, piece))
            except BatchingError:
                piece.defs.clear()  # an operation without a batching rule: one hvp per entry
            else:
                piece.defs.append(_hessian_entry(target, params, argnums, names, BATCHED))
                piece.assemble.add(BATCHED)
                return piece
        hvp = with_types(Spec("jvp", argnums, inner=gradient, backend=backend),
                         target.signature)
        hvp_name = f"{target.name}_hvp"
        piece.defs.append(_function(target, fn, hvp, hvp_name, "hvp", argnums, params, piece))
        piece.defs.append(_hessian_entry(target, params, argnums, [hvp_name], ASSEMBLE))
        piece.assemble.add(ASSEMBLE)
        return piece
    spec = with_types(Spec(mode, argnums, inner=inner, backend=backend), target.signature)
    piece.defs.append(_function(target, fn, spec, name, mode, argnums, params, piece))
    return piece


def assemble_def(name: str) -> ast.FunctionDef:
    """One of the runtime's Hessian assemblies (`ASSEMBLE` or `BATCHED`), copied from its
    source under that name."""
    from symdiff.runtime import assemble

    func = ast.parse(inspect.getsource(getattr(assemble, name.lstrip("_")))).body[0]
    assert isinstance(func, ast.FunctionDef)
    func.name = name
    # Standalone code carries no annotations (they would need typing imports) and
    # imports NumPy at module level.
    func.returns = None
    for arg in func.args.args:
        arg.annotation = None
    func.body = [_strip(s) for s in func.body if not isinstance(s, ast.Import)]
    return func


def _strip(node: ast.stmt) -> ast.stmt:
    """`node` with annotated assignments made plain."""
    for sub in ast.walk(node):
        for name, value in ast.iter_fields(sub):
            if isinstance(value, list):
                setattr(sub, name, [ast.Assign([v.target], v.value)
                                    if isinstance(v, ast.AnnAssign) and v.value is not None
                                    else v for v in value])
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return ast.Assign([node.target], node.value)
    return node


def _parameters(target: Target, fn: Callable[..., Any]) -> list[str]:
    from symdiff.runtime.dispatch import parameters

    params, _ = parameters(fn)
    if params is None:
        raise SymdiffError(f"{target.module}.{target.name}: only functions with plain "
                           "positional parameters can be built (no *args, **kwargs or "
                           "keyword-only parameters)")
    if len(target.signature) != len(params):
        raise SymdiffError(
            f"{target.module}.{target.name} takes {len(params)} positional argument(s) "
            f"({', '.join(params)}), but the signature gives {len(target.signature)} "
            f"types")
    return params


def _argnums(target: Target, fn: Callable[..., Any], mode: str) -> Any:
    from symdiff.api.arguments import normalize_argnums

    if mode == "vjp":
        return None  # a cotangent for every argument, as `symdiff.vjp`
    if target.argnums is None:
        return None if mode == "jvp" else 0
    try:
        return normalize_argnums(fn, target.argnums)
    except (TypeError, ValueError) as error:
        raise SymdiffError(f"{target.module}.{target.name}: {error}") from None


def _indices(argnums: Any) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _check_numbers(target: Target, params: list[str], argnums: Any, mode: str) -> None:
    differentiated = range(len(params)) if argnums is None else _indices(argnums)
    for i in differentiated:
        if target.signature[i] is int and mode != "vjp" and argnums is not None:
            raise SymdiffError(
                f"{target.module}.{target.name}: argument {params[i]!r} is differentiated, "
                "so its type must be float (or list or an ndarray), not int")


_WHAT = {
    "grad": "Gradient of {f} with respect to {wrt} (reverse mode).",
    "value_and_grad": "Value and gradient of {f} with respect to {wrt} (reverse mode).",
    "jvp": "JVP of {f} (forward mode): (value, derivative along the tangents).",
    "vjp": "VJP of {f} (reverse mode): the cotangent of each argument.",
    "hessian": "Hessian of {f} with respect to {wrt} (forward over reverse mode).",
    "hvp": "Gradient of {f} with respect to {wrt} and its JVP: (gradient, H @ tangents).",
    "batched_jvp": "Gradient of {f} with respect to {wrt} and its JVPs along a batch of seed "
                   "directions (their leading axis): (gradient, tangents).",
}


def _function(target: Target, fn: Callable[..., Any], spec: Any, name: str, what: str,
              argnums: Any, params: list[str], piece: Piece) -> ast.FunctionDef:
    from symdiff.runtime.pipeline import generate

    emitted = generate(fn, spec)
    module = ast.parse(emitted.text)
    func = next(s for s in module.body if isinstance(s, ast.FunctionDef))
    piece.imports.update(emitted.imports)
    func.name = name
    call = [a.arg for a in func.args.args]
    body = func.body[1:] if _docstring(func) else func.body
    doc = _doc(target, what, argnums, params, name, call)
    func.body = [ast.Expr(ast.Constant(doc)), *body]
    _free_names(target, fn, spec, func, piece)
    _mark_unused_loop_variables(func)
    if spec.backend == "numba":
        njit = ast.Attribute(ast.Name("numba", ast.Load()), "njit", ast.Load())
        func.decorator_list = [ast.Call(njit, [], [ast.keyword("cache", ast.Constant(True))])]
        piece.imports.add(("numba", None))
    return func


def _mark_unused_loop_variables(func: ast.FunctionDef) -> None:
    """Rename each loop variable nothing reads to ``_name`` (as linters ask; B007)."""
    names = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    read = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for loop in ast.walk(func):
        if not isinstance(loop, ast.For):
            continue
        for target in ast.walk(loop.target):
            if isinstance(target, ast.Name) and target.id not in read \
                    and not target.id.startswith("_"):
                new = "_" + target.id
                while new in names:
                    new = "_" + new
                names.add(new)
                target.id = new


def _doc(target: Target, what: str, argnums: Any, params: list[str], name: str,
         call: list[str]) -> str:
    """The docstring: what is computed of which function, the argument types, the call."""
    wrt = ", ".join(params[i] for i in _indices(argnums)) if argnums is not None else ""
    import textwrap

    first = _WHAT[what].format(f=f"{target.module}.{target.name}", wrt=wrt)
    types = ", ".join(f"{n}: {describe(t)}" for n, t in zip(params, target.signature, strict=True))
    # Wrapped and indented as a written docstring is: ast.unparse prints the text as it is.
    wrap = textwrap.TextWrapper(88, subsequent_indent="    ", break_long_words=False)
    # The first line follows the 7 characters of `    """`.
    opening = textwrap.fill(first, 88, initial_indent=" " * 7, subsequent_indent="    ",
                            break_long_words=False)[7:]
    lines = [opening, "", wrap.fill(f"    Arguments: {types}."),
             wrap.fill(f"    Call: {name}({', '.join(call)})"), "    "]
    return "\n".join(lines)


def _docstring(func: ast.FunctionDef) -> bool:
    first = func.body[0] if func.body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)


def _hessian_entry(target: Target, params: list[str], argnums: Any, programs: list[str],
                   assembly: str) -> ast.FunctionDef:
    """``def f_hessian(x, y): return _assemble_hessian(f_hvp, (x, y), argnums)``, or
    ``_batched_hessian((f_batched_jvp_x, ...), (x, y), argnums)``."""
    args = ast.Tuple([ast.Name(p, ast.Load()) for p in params], ast.Load())
    nums = ast.Constant(argnums) if isinstance(argnums, int) else \
        ast.Tuple([ast.Constant(i) for i in argnums], ast.Load())
    names: list[ast.expr] = [ast.Name(p, ast.Load()) for p in programs]
    first = names[0] if assembly == ASSEMBLE else ast.Tuple(names, ast.Load())
    call = ast.Call(ast.Name(assembly, ast.Load()), [first, args, nums], [])
    name = f"{target.name}_hessian"
    doc = _doc(target, "hessian", argnums, params, name, params)
    how = f"one call per entry of {programs[0]}" if assembly == ASSEMBLE else \
        f"one call of {', '.join(programs)}"
    doc = doc.replace("\n\n", f"\n\n    Assembled from {how}.\n", 1)
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                              kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return ast.FunctionDef(name, arguments,
                           [ast.Expr(ast.Constant(doc)), ast.Return(call)],
                           decorator_list=[], returns=None, lineno=1)


def _free_names(target: Target, fn: Callable[..., Any], spec: Any, func: ast.FunctionDef,
                piece: Piece) -> None:
    """Record the imports and copied numbers for the names `func` reads but never binds."""
    from symdiff.codegen.emit import constant
    from symdiff.frontend.callees import Callees
    from symdiff.frontend.resolve import Scope, is_number

    bound = {a.arg for a in func.args.args}
    loads: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            bound.add(node.name)
    imported = {alias or module.split(".")[0] for module, alias in piece.imports}
    scope = Scope(fn)
    live = {**Callees(fn, spec.types).bindings(), **scope.cells}
    for name in dict.fromkeys(loads):
        if name in bound or name in imported or (name not in live and name not in scope.globals
                                                 and hasattr(builtins, name)):
            continue
        value = live[name] if name in live else scope.globals.get(name, _MISSING)
        if hasattr(value, "cell_contents"):
            value = value.cell_contents
        where = f"{target.module}.{target.name}"
        if value is _MISSING:
            raise SymdiffError(f"{where}: its derivative reads {name!r}, which is not defined")
        if isinstance(value, type(sys)):
            module = value.__name__
            if module.split(".")[0] not in sys.stdlib_module_names and \
                    module.split(".")[0] != "numpy":
                raise SymdiffError(
                    f"{where}: its derivative reads the module {module} as {name!r} when it "
                    "runs; a standalone module imports only the standard library and NumPy")
            piece.imports.add((module, None if module == name else name))
            continue
        if not is_number(value) or isinstance(value, bool):
            raise SymdiffError(
                f"{where}: its derivative reads {name!r} (a {type(value).__name__}) when it "
                "runs; a standalone module can copy only numbers: pass it as an argument")
        number = int(value) if isinstance(value, int) else float(value)
        literal = constant(number)
        if any(isinstance(n, ast.Name) and n.id == "math" for n in ast.walk(literal)):
            piece.imports.add(("math", None))
        piece.constants[name] = number


_MISSING = object()
