"""The per-file source cache is bounded, and a function is verified against its file
once per file content."""

from __future__ import annotations

import linecache
import math

from symdiff.frontend import source
from symdiff.frontend.source import get_source


def lambda_in_file_of_its_own(i: int):
    name = f"<source-cache-test-{i}>"
    text = f"f = lambda x: math.sin(x) * {i}.5\n"
    linecache.cache[name] = (len(text), None, [text], name)
    namespace = {"math": math}
    exec(compile(text, name, "exec"), namespace)
    return namespace["f"], name


def test_the_per_file_cache_is_bounded():
    names = []
    try:
        for i in range(3 * source.MAX_CACHED_FILES):
            fn, name = lambda_in_file_of_its_own(i)
            names.append(name)
            assert get_source(fn).text == f"lambda x: math.sin(x) * {i}.5"
        assert len(source._files) <= source.MAX_CACHED_FILES
        assert len(source._lambda_index) <= source.MAX_CACHED_FILES
    finally:
        for name in names:
            linecache.cache.pop(name, None)


def test_a_function_is_compared_with_its_file_once(monkeypatch):
    fn, name = lambda_in_file_of_its_own(10**6)
    calls = []
    real = source._same_code
    monkeypatch.setattr(source, "_same_code", lambda *a: calls.append(a) or real(*a))
    try:
        for _ in range(3):
            get_source(fn)
        assert len(calls) == 1
        text = "f = lambda x: math.sin(x) * 2.5 + 1.0\n"  # the file changed
        linecache.cache[name] = (len(text), None, [text], name)
        try:
            get_source(fn)
        except Exception:  # noqa: BLE001 (refused: the point is that it compared again)
            pass
        assert len(calls) == 2
    finally:
        linecache.cache.pop(name, None)


def def_in_file_of_its_own(i: int, indent: str = "", blank: int = 3):
    name = f"<source-def-cache-test-{i}>"
    head = "if True:\n" if indent else ""
    lines = [head, *["\n"] * blank, f"{indent}def f(x):\n", f"{indent}    return x * {i}.5\n"]
    text = "".join(lines)
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    namespace: dict = {}
    exec(compile(text, name, "exec"), namespace)
    return namespace["f"], name


def test_a_def_is_parsed_once_per_file_content(monkeypatch):
    fn, name = def_in_file_of_its_own(7)
    calls = []
    real = source._def_source
    monkeypatch.setattr(source, "_def_source", lambda *a: calls.append(a) or real(*a))
    try:
        first = get_source(fn)
        assert get_source(fn) is first and len(calls) == 1
        lines = ["# edited\n", "\n", "\n", "def f(x):\n", "    return x * 7.5\n"]
        linecache.cache[name] = (0, None, lines, name)  # the file changed, the code did not
        get_source(fn)
        assert len(calls) == 2
    finally:
        linecache.cache.pop(name, None)


def test_the_per_def_cache_is_bounded():
    names = []
    try:
        for i in range(3 * source.MAX_CACHED_DEFS):
            fn, name = def_in_file_of_its_own(100 + i)
            names.append(name)
            get_source(fn)
        assert len(source._defs) <= source.MAX_CACHED_DEFS
    finally:
        for name in names:
            linecache.cache.pop(name, None)


def test_a_def_keeps_the_files_line_numbers():
    for indent in ("", "    "):
        fn, name = def_in_file_of_its_own(200 + len(indent), indent, blank=40)
        try:
            node = get_source(fn).node
            first = 41 + bool(indent)
            assert (node.lineno, node.body[0].lineno) == (first, first + 1)
            assert node.col_offset == len(indent)
        finally:
            linecache.cache.pop(name, None)
