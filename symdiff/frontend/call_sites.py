"""Lowering of a call expression, by what it calls.

Contract: `call(frame, e)` lowers ``f(...)``: a method of an array (`numpy_calls`) or of
a dict (`dicts`); ``sum``, ``dict`` and ``len``, which read lists, dicts and arrays; a
user function, whose body is inlined (`calls`); a NumPy function (`numpy_calls`); a
SciPy function that is no primitive (`scipy_special`, `scipy_stats`, `scipy_linalg`); a
function with a custom rule (`custom_calls`); or a primitive: a math function, a
``scipy.special`` one, or a builtin such as ``abs``, ``min``, ``max``, ``float``, ``pow``
with the number of arguments its record says a call takes (``math.log(x, b)`` is
``logb``; ``min``, ``max`` and ``hypot`` of more than two fold pairwise). Anything else
called is a located error that names it: a NumPy or SciPy function as having no
derivative rule yet, a frozen ``scipy.stats`` distribution as such.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from symdiff.frontend import (
    accumulators,
    arrays,
    calls,
    convolution,
    custom_calls,
    dicts,
    instances,
    loops,
    names,
    nested,
    np_matrices,
    numpy_calls,
    objects,
    scipy_linalg,
    scipy_special,
    scipy_stats,
    sequences,
)
from symdiff.frontend.calls import call_label as _label
from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import (
    Resolved,
    callable_op,
    describe,
    distribution_name,
    library_name,
)
from symdiff.frontend.values import (
    Frozen,
    Instance,
    Nothing,
    Slice,
    Transform,
    Value,
    is_array,
    is_dict,
    is_inlined,
)
from symdiff.host.data import is_object
from symdiff.ir.node import Node
from symdiff.ir.primitives import PRIMITIVES


def call(frame: Frame, e: ast.Call) -> Value:
    """The value of the call `e`."""
    func: Value | None = None
    if isinstance(e.func, ast.Attribute) and not sequences.is_append(e):
        base = frame.expr(e.func.value)
        if is_array(base):
            return numpy_calls.call_method(frame, base, e.func.attr, e)  # type: ignore
        if is_dict(base):
            return dicts.method(frame, base, e)  # type: ignore[arg-type]
        if isinstance(base, Frozen):
            return scipy_stats.frozen_call(frame, base, e.func.attr, e)
        if isinstance(base, Instance):  # (not made again by reading the callee)
            func = instances.attribute(frame, base, e.func.attr, e.func)
    if func is None:
        func = names.callee(frame, e.func)
    transform = nested.transform_of(func)
    if transform is not None:
        return nested.lower(frame, transform, e)
    if isinstance(func, Transform):
        return nested.apply(frame, func, e)
    nested.refuse_object(frame, func, e)  # a derivative made outside: not an object's call
    if isinstance(func, Resolved) and func.kind == "data" and is_object(func.value):
        func = names.free(frame, func, e.func)  # an object called: its __call__
    if isinstance(func, Resolved) and func.kind == "object":
        func = objects.call_target(frame, func, e)
    if isinstance(func, Instance):
        func = instances.call_target(frame, func, e)
    if isinstance(func, Resolved) and func.kind == "method":
        return calls.call(frame, *objects.bound(func), e)
    if isinstance(func, Resolved) and func.kind == "namespace" and (
            name := distribution_name(func.value)) is not None:
        return scipy_stats.freeze(frame, name, e)
    if isinstance(func, Resolved) and func.kind == "class":
        return instances.construct(frame, func, e)
    if isinstance(func, Resolved) and func.kind == "init":
        return instances.run_init(frame, func, e)
    builtin = _builtin(func)
    if builtin is not None:
        return builtin(frame, e)
    if is_inlined(func):
        return calls.call(frame, func, (), e)  # type: ignore[arg-type]
    if not isinstance(func, Resolved) or func.kind != "callable":
        raise _not_differentiable(frame, func, e)
    op = callable_op(func.value)
    assert op is not None
    for arg in e.args:
        if isinstance(arg, ast.Starred):
            raise frame.src.error("unsupported construct: starred argument (*x)", arg)
    if op.startswith("np."):
        return numpy_calls.call(frame, op[3:], e)
    if op.startswith("scipy.special."):
        return scipy_special.call(frame, op.rpartition(".")[2], e)
    if op.startswith("scipy.stats."):
        _, _, distribution, method = op.split(".")
        return scipy_stats.call(frame, distribution, method, e)
    if op.startswith("scipy.signal."):
        return convolution.scipy_call(frame, op.rpartition(".")[2], e)
    if op.startswith("scipy.linalg."):
        return scipy_linalg.call(frame, op.rpartition(".")[2], e)
    if op == "custom_call":
        return custom_calls.lower_call(frame, func, e)
    return _primitive(frame, op, e)


def _not_differentiable(frame: Frame, func: Value, e: ast.Call) -> Exception:
    """The located error for a call of something symdiff has no rule for: by name for
    a NumPy or SciPy function."""
    if isinstance(func, Resolved):
        module = name = None
        if isinstance(e.func, ast.Attribute):
            base = frame.expr(e.func.value)
            if isinstance(base, Resolved) and base.kind == "module":
                module, name = base.value.__name__, e.func.attr
            elif isinstance(base, Resolved) and base.kind == "namespace":
                module, name = f"scipy.stats.{distribution_name(base.value)}", e.func.attr
        library = library_name(func.value, module, name)
        if library in np_matrices.WHY_NOT:
            return frame.src.error(f"{library}: {np_matrices.WHY_NOT[library]}", e)
        if library is not None:
            return frame.src.error(
                f"{library} has no derivative rule in symdiff yet; see symdiff.supported() "
                "or write a custom_jvp", e)
    what = describe(func.value) if isinstance(func, Resolved) else "a number"
    return frame.src.error(
        f"call of {_label(e)!r} ({what}): symdiff cannot differentiate through it; it "
        "differentiates what symdiff.supported() lists, Python functions with source and "
        "functions with a custom_jvp or custom_vjp", e)


def _sum(frame: Frame, e: ast.Call) -> Node:
    if e.args and not isinstance(e.args[0], (ast.GeneratorExp, ast.ListComp)):
        if e.keywords or len(e.args) > 2:
            raise frame.src.error("sum() takes a list and an optional start value", e)
        start = frame.number(frame.expr(e.args[1]), e.args[1]) if len(e.args) == 2 else None
        return sequences.total(frame, frame.expr(e.args[0]), start, e.args[0])
    return loops.lower_sum(frame, e)


def _extremum(name: str) -> Callable[[Frame, ast.Call], Node]:
    """``max``/``min``: of one list, tuple, 1-D array or comprehension; of several
    numbers, the primitive folded pairwise."""
    def lower(frame: Frame, e: ast.Call) -> Node:
        if len(e.args) != 1 or e.keywords or isinstance(e.args[0], ast.Starred):
            return _primitive(frame, name, e)
        arg = e.args[0]
        value = loops.comprehension(frame, arg) if isinstance(
            arg, (ast.GeneratorExp, ast.ListComp)) else frame.expr(arg)
        return sequences.extremum(frame, name, value, arg)
    return lower


def _slice(frame: Frame, e: ast.Call) -> Slice:
    """``slice(stop)``, ``slice(start, stop)`` or ``slice(start, stop, step)``, for
    indexing; each bound an int or None."""
    if e.keywords or not 1 <= len(e.args) <= 3:
        raise frame.src.error("slice() takes 1 to 3 positional arguments", e)
    bounds = [None if isinstance(v, Nothing) else frame.number(v, a)
              for a in e.args for v in [frame.expr(a)]]
    for bound, where in zip(bounds, e.args, strict=True):
        if bound is not None and bound.type is not None:
            raise frame.src.error("a slice bound must be an int, not an array", where)
    if len(bounds) == 1:
        return Slice(None, bounds[0], None)
    return Slice(*bounds, *[None] * (3 - len(bounds)))


def _fsum(frame: Frame, e: ast.Call) -> Node:
    """``math.fsum(xs)`` of a list (a list comprehension too), exactly rounded."""
    if e.keywords or len(e.args) != 1 or isinstance(e.args[0], ast.GeneratorExp):
        raise frame.src.error("math.fsum() takes one list here (a list comprehension, not "
                              "a generator expression)", e)
    value = frame.expr(e.args[0])
    return frame.b.apply("seq_fsum", sequences.as_seq(frame, value, e.args[0]))


def _len(frame: Frame, e: ast.Call) -> Node:
    if len(e.args) != 1 or e.keywords:
        raise frame.src.error("len() takes exactly one argument", e)
    counted = accumulators.read_length(frame, e.args[0])
    if counted is not None:
        return counted
    value = frame.expr(e.args[0])
    if isinstance(value, Instance):
        return instances.special(frame, value, "__len__", [], e)  # type: ignore
    if is_array(value):
        return arrays.length(frame, value)  # type: ignore[arg-type]
    if is_dict(value):
        return frame.b.const(len(value.items))  # type: ignore[union-attr]
    return sequences.length(frame, value, e.args[0])


# The builtins a call lowers by reading lists, dicts and arrays (`symdiff.supported` lists
# them).
BUILTINS: tuple[tuple[object, Callable[[Frame, ast.Call], Value]], ...] = (
    (sum, _sum), (dict, dicts.construct), (len, _len), (math.fsum, _fsum),
    (max, _extremum("max")), (min, _extremum("min")), (slice, _slice),
    (super, instances.parent), (isinstance, instances.is_instance),
)


def _builtin(func: Value) -> Callable[[Frame, ast.Call], Value] | None:
    if not isinstance(func, Resolved):
        return None
    return next((lower for fn, lower in BUILTINS if func.value is fn), None)


def _primitive(frame: Frame, op: str, e: ast.Call) -> Node:
    """A call of a primitive: a math function or a builtin on numbers and arrays."""
    if e.keywords:
        raise frame.src.error(f"keyword arguments in a call of {_label(e)!r}", e.keywords[0])
    args = [frame.number(frame.expr(a), a) for a in e.args]
    prim = PRIMITIVES[op]
    if prim.scalar_only and any(a.type is not None for a in args):
        raise frame.src.error(f"{_label(e)}() of an array is not supported (no NumPy form)", e)
    low, high = prim.arguments()
    if len(args) < low or (high is not None and len(args) > high):
        expected = f"{low}" if low == high else f"{low} to {high or 'any number of'}"
        raise frame.src.error(f"{_label(e)}() takes {expected} arguments here, got {len(args)}", e)
    if prim.with_two is not None and len(args) == 2:
        return frame.b.apply(prim.with_two, *args)
    if high is None:  # more than two fold pairwise
        result = args[0]
        for arg in args[1:]:
            result = frame.b.apply(op, result, arg)
        return result
    return frame.b.apply(op, *args)
