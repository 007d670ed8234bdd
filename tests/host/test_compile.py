"""Tests for symdiff.host.compile: debuggable compiled generated code."""

from __future__ import annotations

import gc
import inspect
import linecache
import traceback

import pytest

from symdiff.host.compile import compile_source, filename_for, release_on_collect

SOURCE = """\
def e_grad(x):
    y = x * 2.0
    raise ValueError("boom in generated code %r" % (y,))
"""


def unique_source(marker: str) -> str:
    # Distinct text per test, so tests never share a linecache entry.
    return f"# {marker}\n" + SOURCE


def test_filename_format() -> None:
    name = filename_for(SOURCE, "e_grad")
    assert name.startswith("<symdiff e_grad ") and name.endswith(">")
    digest = name[len("<symdiff e_grad ") : -1]
    assert len(digest) == 12 and all(c in "0123456789abcdef" for c in digest)
    assert filename_for(SOURCE, "e_grad") == name
    assert filename_for(SOURCE + "\n", "e_grad") != name


def test_traceback_and_getsource_show_generated_lines() -> None:
    source = unique_source("traceback")
    ns = compile_source(source, "e_grad", {}, tag="e_grad")
    fn = ns["e_grad"]
    filename = filename_for(source, "e_grad")
    assert fn.__code__.co_filename == filename
    try:
        fn(1.5)
    except ValueError:
        text = traceback.format_exc()
    assert filename in text
    assert 'raise ValueError("boom in generated code %r" % (y,))' in text
    assert inspect.getsource(fn) == SOURCE
    linecache.checkcache()  # mtime None: must survive the staleness check
    assert inspect.getsource(fn) == SOURCE


def test_namespace_is_returned_and_may_be_a_dict_subclass() -> None:
    class Namespace(dict):
        pass

    ns = Namespace(k=3.0)
    out = compile_source("def f(x):\n    return k * x\n", "f", ns, tag="f")
    assert out is ns
    assert ns["f"](2.0) == 6.0


def test_syntax_error_propagates() -> None:
    with pytest.raises(SyntaxError):
        compile_source("def f(:\n", "f", {}, tag="bad")


def test_entry_released_when_last_holder_dies() -> None:
    source = unique_source("release")
    filename = filename_for(source, "e_grad")
    fn1 = compile_source(source, "e_grad", {}, tag="e_grad")["e_grad"]
    fn2 = compile_source(source, "e_grad", {}, tag="e_grad")["e_grad"]
    assert fn1 is not fn2 and fn1.__code__.co_filename == fn2.__code__.co_filename
    release_on_collect(fn1, filename)
    release_on_collect(fn2, filename)

    del fn1
    gc.collect()
    assert filename in linecache.cache  # fn2 still holds it
    assert inspect.getsource(fn2) == SOURCE

    del fn2
    gc.collect()
    assert filename not in linecache.cache


def test_entry_reregistered_after_release() -> None:
    source = unique_source("reregister")
    filename = filename_for(source, "t")
    fn = compile_source(source, "e_grad", {}, tag="t")["e_grad"]
    release_on_collect(fn, filename)
    del fn
    gc.collect()
    assert filename not in linecache.cache
    fn = compile_source(source, "e_grad", {}, tag="t")["e_grad"]
    release_on_collect(fn, filename)
    assert inspect.getsource(fn) == SOURCE
