"""The one table of NumPy's call signatures: every function and method the lowering
knows has one, it names and orders the parameters as the installed NumPy does, and
binding follows it by position and by name as Python binds a call."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from symdiff.frontend import numpy_calls
from symdiff.frontend.np_signatures import SIGNATURES, Signature, method_signature


def _numpy(path: str) -> object:
    value: object = np
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _parameters(fn: object) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(fn).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a builtin without a signature in this NumPy
        return None


def test_every_function_and_method_has_a_signature() -> None:
    assert set(numpy_calls.FUNCTIONS) <= set(SIGNATURES)
    for name in numpy_calls.METHODS:
        assert isinstance(method_signature(name), Signature)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_the_table_follows_numpys_signatures(name: str) -> None:
    if not hasattr(np, name.split(".")[0]):
        pytest.skip(f"this NumPy has no np.{name} (NumPy 2.5 removed np.row_stack)")
    params = _parameters(_numpy(name))
    if params is None:
        pytest.skip(f"np.{name} has no signature to read in this NumPy")
    if isinstance(_numpy(name), type) and not any(p.name == "value" for p in params):
        pytest.skip(f"this NumPy does not name np.{name}'s parameter (NumPy 2.3 does)")
    sig = SIGNATURES[name]
    named = [p for p in params if p.kind not in (p.VAR_KEYWORD,)]
    ours = list(sig.names())
    # Each of ours is NumPy's, in NumPy's order (NumPy may have more: ufunc options).
    theirs = [p.name for p in named]
    assert [n for n in theirs if n in ours] == [n for n in ours if n in theirs]
    missing = [n for n in ours if n not in theirs]
    # Keywords NumPy takes through **kwargs (np.clip's min and max, np.pad's options) or
    # has renamed.
    assert set(missing) <= {"min", "max", "newshape", "constant_values", "stat_length",
                            "end_values", "reflect_type"}, missing
    positional = [p.name for p in named if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)]
    assert list(sig.positional) == positional[:len(sig.positional)]
    for p in named:
        if p.name in sig.defaults and p.default is not p.empty and p.default is not np._NoValue:
            default = sig.defaults[p.name]
            if isinstance(p.default, (bool, int, float, str, tuple, type(None))):
                assert default == p.default, (p.name, default, p.default)
    assert sig.unread <= set(ours)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std",
                                  "cumsum", "trace", "squeeze", "clip", "dot", "swapaxes"])
def test_method_signatures_follow_numpys(name: str) -> None:
    params = _parameters(getattr(np.ndarray, name))
    if params is None and np.lib.NumpyVersion(np.__version__) < "2.3.0":
        pytest.skip("NumPy before 2.3 gives its array methods no signature to compare with")
    assert params is not None
    theirs = [p.name for p in params[1:] if p.kind != p.VAR_KEYWORD]
    ours = list(method_signature(name).names())
    assert ours[:len(theirs)] == [t if t != "other" else "b" for t in theirs]


def test_parse_reads_python_syntax() -> None:
    sig = Signature.parse("a, /, b, c=1, *rest, d=None, e", "d")
    assert sig.positional == ("a", "b", "c") and sig.posonly == 1
    assert sig.varargs == "rest" and sig.keyword == ("d", "e")
    assert sig.defaults == {"c": 1, "d": None}
    assert sig.unread == frozenset({"d"})
    assert sig.names() == ("a", "b", "c", "rest", "d", "e")
    assert sig.method().positional == ("b", "c") and sig.method().posonly == 0
