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
