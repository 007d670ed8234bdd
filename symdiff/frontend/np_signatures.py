"""NumPy's call signatures, and the binding of a call's arguments to them.

Contract:
- `SIGNATURES` gives, for each NumPy function the lowering knows (by its path under
  ``np``), its parameters as NumPy names and orders them, written in Python's own
  syntax (positional-only ``/``, keyword-only ``*``, ``*operands``) with the defaults
  NumPy documents; `METHODS` does so for array methods whose parameters are not those
  of the function of the same name without its first (``x.sum(axis)`` is
  ``np.sum(x, axis)``; ``x.transpose(*axes)`` is not). Each lists, after it, the
  parameters NumPy has and symdiff does not implement: passing one is a located error
  unless it is written as its default (``out=None``; always for one listed without a
  default, whose NumPy default is a marker no argument can be).
- `bind(frame, call, name)` and `bind_method(frame, call, name, base)` bind a call's
  arguments to the parameters as Python does: by position, then by keyword, each once,
  the required ones present (the array of a method call is its first parameter).
  Anything else is a located error naming the function as written. The result,
  `Arguments`, lowers each argument when a handler first reads it; `finish` lowers the
  ones no handler read, so an argument is always checked as Python would run it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from symdiff.frontend.array_like import array_like, nested, new_array
from symdiff.frontend.frame import Frame
from symdiff.frontend.values import Nothing, Text, Value
from symdiff.ir.node import Node
from symdiff.unparse import unparse


@dataclass(frozen=True)
class Signature:
    """The parameters of a NumPy function or array method."""

    positional: tuple[str, ...]  # in order; the first `posonly` only by position
    posonly: int
    varargs: str | None  # ``*name``: the positional arguments after `positional`
    keyword: tuple[str, ...]  # keyword-only
    defaults: dict[str, Any]  # a parameter without one is required
    unread: frozenset[str]  # NumPy's parameters symdiff does not implement

    @classmethod
    def parse(cls, params: str, unread: str = "") -> Signature:
        """The signature written as a Python parameter list, `unread` naming the
        parameters symdiff does not implement."""
        fn = ast.parse(f"def f({params}): pass").body[0]
        assert isinstance(fn, ast.FunctionDef)
        a = fn.args
        positional = tuple(p.arg for p in (*a.posonlyargs, *a.args))
        defaults = {p: ast.literal_eval(d) for p, d in zip(positional[len(positional) - len(
            a.defaults):], a.defaults, strict=True)}
        defaults.update({p.arg: ast.literal_eval(d) for p, d in zip(
            a.kwonlyargs, a.kw_defaults, strict=True) if d is not None})
        names = set(positional) | {p.arg for p in a.kwonlyargs}
        assert set(unread.split()) <= names, unread
        return cls(positional, len(a.posonlyargs), a.vararg.arg if a.vararg else None,
                   tuple(p.arg for p in a.kwonlyargs), defaults, frozenset(unread.split()))

    def names(self) -> tuple[str, ...]:
        """Every parameter, in order."""
        rest = (self.varargs,) if self.varargs else ()
        return (*self.positional, *rest, *self.keyword)

    def method(self) -> Signature:
        """The signature of the array method that is this function of its first
        parameter."""
        return Signature(self.positional[1:], max(self.posonly - 1, 0), self.varargs,
                         self.keyword, self.defaults, self.unread)


_REDUCE = "a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True"
_EXTREMUM = "a, axis=None, out=None, keepdims=False, initial=None, where=True"
_MOMENT = ("a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, "
           "mean=None, correction=None")
_QUANTILE = ("a, q, axis=None, out=None, overwrite_input=False, method='linear', "
             "keepdims=False, *, weights=None")
_CONSTANT = "shape, dtype=None, order='C', *, device=None, like=None"
_LIKE = "a, dtype=None, order='K', subok=True, shape=None, *, device=None"
_FULL_LIKE = "a, fill_value, dtype=None, order='K', subok=True, shape=None, *, device=None"
_LIKE_UNREAD = "order subok shape device"
_CUMULATIVE = "x, /, *, axis=None, dtype=None, out=None, include_initial=False"
_STACK = "tup, *, dtype=None, casting='same_kind'"
_SORT = "a, axis=-1, kind=None, order=None, *, stable=None"
_ARG_EXTREMUM = "a, axis=None, out=None, *, keepdims=False"
_TRUTH = "a, axis=None, out=None, keepdims=False, *, where=True"
_CLOSE = "a, b, rtol=1e-05, atol=1e-08, equal_nan=False"

# NumPy's functions (NumPy 2's signatures), and what symdiff does not read of each.
_FUNCTIONS: dict[str, tuple[str, str]] = {
    "sum": (_REDUCE, "dtype out initial where"),
    "prod": (_REDUCE, "dtype out initial where"),
    "mean": ("a, axis=None, dtype=None, out=None, keepdims=False, *, where=True",
             "dtype out where"),
    "max": (_EXTREMUM, "out initial where"),
    "amax": (_EXTREMUM, "out initial where"),
    "min": (_EXTREMUM, "out initial where"),
    "amin": (_EXTREMUM, "out initial where"),
    "var": (_MOMENT, "dtype out where mean correction"),
    "std": (_MOMENT, "dtype out where mean correction"),
    "average": ("a, axis=None, weights=None, returned=False, *, keepdims=False", ""),
    "ptp": ("a, axis=None, out=None, keepdims=False", "out"),
    "trapezoid": ("y, x=None, dx=1.0, axis=-1", ""),
    "gradient": ("f, *varargs, axis=None, edge_order=1", ""),
    "convolve": ("a, v, mode='full'", ""),
    "correlate": ("a, v, mode='valid'", ""),
    "median": ("a, axis=None, out=None, overwrite_input=False, keepdims=False",
               "out overwrite_input"),
    "quantile": (_QUANTILE, "out overwrite_input weights"),
    "percentile": (_QUANTILE, "out overwrite_input weights"),
    "cumsum": ("a, axis=None, dtype=None, out=None", "dtype out"),
    "cumprod": ("a, axis=None, dtype=None, out=None", "dtype out"),
    "diff": ("a, n=1, axis=-1, prepend=None, append=None", "prepend append"),
    "dot": ("a, b, out=None", "out"),
    "matmul": ("x1, x2, /, out=None", "out"),
    "inner": ("a, b, /", ""),
    "outer": ("a, b, out=None", "out"),
    "vdot": ("a, b, /", ""),
    "einsum": ("*operands, out=None, optimize=False", "out optimize"),
    "trace": ("a, offset=0, axis1=0, axis2=1, dtype=None, out=None", "dtype out"),
    "transpose": ("a, axes=None", ""),
    "swapaxes": ("a, axis1, axis2", ""),
    "moveaxis": ("a, source, destination", ""),
    "rollaxis": ("a, axis, start=0", ""),
    "rot90": ("m, k=1, axes=(0, 1)", ""),
    "where": ("condition, x=None, y=None, /", ""),
    "square": ("x, /, out=None", "out"),
    "nonzero": ("a", ""),
    "any": (_TRUTH, "out where"),
    "all": (_TRUTH, "out where"),
    "isclose": (_CLOSE, ""),
    "allclose": (_CLOSE, ""),
    "select": ("condlist, choicelist, default=0", ""),
    "nan_to_num": ("x, copy=True, nan=0.0, posinf=None, neginf=None", "copy"),
    "copyto": ("dst, src, casting='same_kind', where=True", "casting where"),
    "clip": ("a, a_min=None, a_max=None, out=None, *, min=None, max=None", "out"),
    "copy": ("a, order='K', subok=False", "order subok"),
    "linalg.norm": ("x, ord=None, axis=None, keepdims=False", ""),
    "linalg.det": ("a", ""),
    "linalg.inv": ("a", ""),
    "linalg.solve": ("a, b", ""),
    "linalg.cholesky": ("a, /, *, upper=False", ""),
    "linalg.slogdet": ("a", ""),
    "linalg.eigh": ("a, UPLO='L'", ""),
    "linalg.eigvalsh": ("a, UPLO='L'", ""),
    # rtol's default is a marker no argument can be (rtol=None is another tolerance).
    "linalg.pinv": ("a, rcond=None, hermitian=False, *, rtol", "rcond hermitian rtol"),
    "linalg.matrix_power": ("a, n", ""),
    "linalg.lstsq": ("a, b, rcond=None", ""),
    "linalg.qr": ("a, mode='reduced'", ""),
    "linalg.svd": ("a, full_matrices=True, compute_uv=True, hermitian=False", "hermitian"),
    "tril": ("m, k=0", ""),
    "triu": ("m, k=0", ""),
    "reshape": ("a, /, shape=None, order='C', *, newshape=None, copy=None", "order copy"),
    "ravel": ("a, order='C'", "order"),
    "squeeze": ("a, axis=None", ""),
    "expand_dims": ("a, axis", ""),
    "concatenate": ("arrays, /, axis=0, out=None, *, dtype=None, casting='same_kind'",
                    "out dtype casting"),
    "stack": ("arrays, axis=0, out=None, *, dtype=None, casting='same_kind'",
              "out dtype casting"),
    "array": ("object, dtype=None, *, copy=True, order='K', subok=False, ndmin=0, "
              "like=None", "copy order subok ndmin like"),
    "asarray": ("a, dtype=None, order=None, *, device=None, copy=None, like=None",
                "order device copy like"),
    "zeros": (_CONSTANT, "order device like"),
    "ones": (_CONSTANT, "order device like"),
    "empty": (_CONSTANT, "order device like"),
    "full": ("shape, fill_value, dtype=None, order='C', *, device=None, like=None",
             "order device like"),
    "zeros_like": (_LIKE, _LIKE_UNREAD),
    "ones_like": (_LIKE, _LIKE_UNREAD),
    "empty_like": (_LIKE.replace("a,", "prototype, /,"), _LIKE_UNREAD),
    "full_like": (_FULL_LIKE, _LIKE_UNREAD),
    "arange": ("start_or_stop, /, stop=None, step=1, *, dtype=None, device=None, "
               "like=None", "device like"),
    "linspace": ("start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, "
                 "device=None", "retstep axis device"),
    "eye": ("N, M=None, k=0, dtype=None, order='C', *, device=None, like=None",
            "order device like"),
    "cumulative_sum": (_CUMULATIVE, "dtype out include_initial"),
    "cumulative_prod": (_CUMULATIVE, "dtype out include_initial"),
    "diagonal": ("a, offset=0, axis1=0, axis2=1", ""),
    "diag": ("v, k=0", ""),
    "cross": ("a, b, axisa=-1, axisb=-1, axisc=-1, axis=None", "axisa axisb axisc"),
    "kron": ("a, b", ""),
    "tensordot": ("a, b, axes=2", ""),
    "hstack": (_STACK, "dtype casting"),
    "vstack": (_STACK, "dtype casting"),
    "row_stack": (_STACK, "dtype casting"),
    "dstack": ("tup", ""),
    "column_stack": ("tup", ""),
    "atleast_1d": ("*arys", ""),
    "atleast_2d": ("*arys", ""),
    "atleast_3d": ("*arys", ""),
    "append": ("arr, values, axis=None", ""),
    "block": ("arrays", ""),
    "split": ("ary, indices_or_sections, axis=0", ""),
    "array_split": ("ary, indices_or_sections, axis=0", ""),
    "hsplit": ("ary, indices_or_sections", ""),
    "vsplit": ("ary, indices_or_sections", ""),
    "dsplit": ("ary, indices_or_sections", ""),
    "flip": ("m, axis=None", ""),
    "fliplr": ("m", ""),
    "flipud": ("m", ""),
    "roll": ("a, shift, axis=None", ""),
    "repeat": ("a, repeats, axis=None", ""),
    "tile": ("A, reps", ""),
    "pad": ("array, pad_width, mode='constant', *, constant_values=0, stat_length=None, "
            "end_values=0, reflect_type='even'", "stat_length end_values reflect_type"),
    "take": ("a, indices, axis=None, out=None, mode='raise'", "out mode"),
    "take_along_axis": ("arr, indices, axis=-1", ""),
    "sort": (_SORT, "kind order stable"),
    "argsort": (_SORT, "kind order stable"),
    "argmax": (_ARG_EXTREMUM, "out"),
    "argmin": (_ARG_EXTREMUM, "out"),
    "partition": ("a, kth, axis=-1, kind='introselect', order=None", "kind order"),
    "argpartition": ("a, kth, axis=-1, kind='introselect', order=None", "kind order"),
    "shape": ("a", ""),
    "float64": ("value=0, /", ""),
    "float32": ("value=0, /", ""),
    "int64": ("value=0, /", ""),
    "int32": ("value=0, /", ""),
    "ndim": ("a", ""),
    "size": ("a, axis=None", ""),
}

# Array methods whose parameters are not those of the function without its first.
_METHODS: dict[str, tuple[str, str]] = {
    "clip": ("min=None, max=None, out=None", "out"),
    "transpose": ("*axes", ""),
    "reshape": ("*shape, order='C', copy=None", "order copy"),
    "flatten": ("order='C'", "order"),
    "dot": ("b, /, out=None", "out"),
    "swapaxes": ("axis1, axis2, /", ""),
    "astype": ("dtype, order='K', casting='unsafe', subok=True, copy=True",
               "order casting subok"),
}

SIGNATURES: dict[str, Signature] = {name: Signature.parse(*s) for name, s in _FUNCTIONS.items()}
METHODS: dict[str, Signature] = {name: Signature.parse(*s) for name, s in _METHODS.items()}


def method_signature(name: str) -> Signature:
    """The signature of the array method `name` (its array not among the parameters)."""
    return METHODS[name] if name in METHODS else SIGNATURES[name].method()


_UNSET = object()


class Arguments:
    """A call's arguments bound to a NumPy signature: read by parameter name."""

    def __init__(self, low: Frame, call: ast.Call, signature: Signature,
                 written: dict[str, Any], places: dict[str, ast.AST],
                 values: dict[str, Value]) -> None:
        self.low = low
        self.call = call
        self.label = unparse(call.func)  # as written: "np.sum", "x.sum"
        self.signature = signature
        self._written = written  # parameter -> its expression (a tuple for *varargs)
        self._places = places  # parameter -> where to point an error about it
        self._values = values  # parameter -> its value, once lowered
        self._read: set[str] = set(values)

    def given(self, name: str) -> bool:
        """Whether the call passes the parameter."""
        return name in self._written or name in self._values

    def __getitem__(self, name: str) -> Any:
        """The parameter's value: the argument lowered (a tuple for ``*varargs``), else
        the default as a value; None for None."""
        self._check(name)
        if name not in self._values:
            written = self._written.get(name, _UNSET)
            if written is _UNSET:
                return self._default(name)
            if isinstance(written, tuple):
                self._values[name] = tuple(self.low.expr(w) for w in written)
            else:
                self._values[name] = self.low.expr(written)
            self._read.add(name)
        value = self._values[name]
        return None if isinstance(value, Nothing) else value

    def number(self, name: str) -> Node:
        """The parameter's value, which must be a number or an array."""
        return self.low.number(self[name], self.where(name))

    def array(self, name: str) -> Node:
        """The parameter's value read as NumPy reads an array-like: a number, an array,
        or a list or tuple of them (`array_like`), nested as written (``[[a, b], [c,
        d]]`` is read as ``np.array`` reads it)."""
        written = self._written.get(name)
        fn = self.label.rsplit(".", 1)[-1]
        if name not in self._values and isinstance(written, (ast.List, ast.Tuple)):
            self._check(name)
            self._read.add(name)
            value = self._values[name] = nested(self.low, written)
            return new_array(self.low, value, fn, self.where(name))
        return array_like(self.low, self[name], fn, self.where(name))

    def written(self, name: str) -> Any:
        """The expression the argument is written as (None when not given), for a
        handler that lowers it its own way."""
        self._check(name)
        self._read.add(name)
        return self._written.get(name)

    def where(self, name: str) -> ast.AST:
        """Where an error about the parameter points: its argument, else the call."""
        return self._places.get(name, self.call)

    def finish(self) -> None:
        """Lower the arguments no handler read (they run, and may fail, as Python
        evaluates every argument)."""
        for name in self._written:
            if name not in self._read:
                self[name]

    def _default(self, name: str) -> Any:
        if name == self.signature.varargs:
            return ()
        return _as_value(self.low, self.signature.defaults.get(name))

    def _check(self, name: str) -> None:
        assert name in self.signature.names(), f"{self.label}() has no parameter {name!r}"


def _as_value(low: Frame, default: Any) -> Any:
    if default is None:
        return None
    if isinstance(default, tuple):
        return tuple(_as_value(low, d) for d in default)
    if isinstance(default, str):
        return Text(default)
    return low.b.const(default)


def bind(low: Frame, e: ast.Call, name: str) -> Arguments:
    """The arguments of ``np.<name>(...)`` bound to NumPy's parameters."""
    return _bind(low, e, SIGNATURES[name], {})


def bind_method(low: Frame, e: ast.Call, name: str, base: Node) -> Arguments:
    """The arguments of ``x.<name>(...)`` bound to the method's parameters, `base` (the
    array) to the first parameter of the function of that name (``a``)."""
    first = SIGNATURES[name].positional[0] if name in SIGNATURES else "a"
    signature = method_signature(name)
    whole = Signature((first, *signature.positional), signature.posonly + 1,
                      signature.varargs, signature.keyword, signature.defaults,
                      signature.unread)
    return _bind(low, e, whole, {first: base}, skip=1)


def _bind(low: Frame, e: ast.Call, sig: Signature, values: dict[str, Value],
          skip: int = 0) -> Arguments:
    label = unparse(e.func)
    written: dict[str, Any] = {}
    places: dict[str, ast.AST] = {}
    slots = sig.positional[skip:]
    extra: list[ast.expr] = []
    for i, arg in enumerate(e.args):
        if isinstance(arg, ast.Starred):
            raise low.src.error("unsupported construct: starred argument (*x)", arg)
        if i < len(slots):
            written[slots[i]], places[slots[i]] = arg, arg
        elif sig.varargs is not None:
            extra.append(arg)
        else:
            raise low.src.error(f"{label}() takes at most {len(slots)} positional "
                                f"arguments, got {len(e.args)}", e)
    if sig.varargs is not None and extra:
        written[sig.varargs], places[sig.varargs] = tuple(extra), extra[0]
    by_keyword = set(sig.positional[max(sig.posonly, skip):]) | set(sig.keyword)
    for kw in e.keywords:
        if kw.arg is None:
            raise low.src.error(f"**kwargs in a call of {label}() (not supported)", kw)
        if kw.arg not in by_keyword:
            raise low.src.error(f"unsupported keyword argument {kw.arg}= of {label}()", kw)
        if kw.arg in written:
            raise low.src.error(f"{label}() got multiple values for argument {kw.arg!r}", kw)
        written[kw.arg], places[kw.arg] = kw.value, kw
    for param in sig.positional[skip:]:
        if param not in written and param not in sig.defaults:
            raise low.src.error(f"{label}() missing required argument {param!r}", e)
    for param in sig.unread & written.keys():
        if param not in sig.defaults or not _is_default(written[param], sig.defaults[param]):
            raise low.src.error(f"{label}({param}=...) is not supported here (not yet): "
                                f"symdiff does not read NumPy's {param}=", places[param])
    return Arguments(low, e, sig, written, places, values)


def _is_default(e: Any, default: Any) -> bool:
    """Whether the argument is written as the literal `default`."""
    return isinstance(e, ast.Constant) and type(e.value) is type(default) \
        and e.value == default
