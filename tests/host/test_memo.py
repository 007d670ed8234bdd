"""The bounded, weakly keyed memo and the stamps that tell whether an entry is fresh."""

from __future__ import annotations

import ast
import gc
import math
import weakref

from symdiff.frontend.callees import Callees, watches
from symdiff.host.freshness import Stamp, Watch, code_watch, stale_test
from symdiff.host.memo import Memo


def make(k: float):
    def f(x):
        return k * x

    return f


def make_other(k: float):
    def f(x):
        return k * x * x

    return f


def test_a_value_goes_with_its_function():
    memo: Memo[str] = Memo(bound=8)
    f = make(2.0)
    memo.put(f, "grad", "text")
    assert memo.get(f, "grad") == "text" and f in memo
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None
    assert len(memo) == 0


def test_a_value_holding_a_stamp_does_not_keep_its_function():
    memo: Memo[str] = Memo(bound=8)
    f = make(2.0)
    memo.put(f, "grad", "text", Stamp([code_watch(f)]))
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None and len(memo) == 0


def test_the_least_recently_used_function_goes_first():
    memo: Memo[int] = Memo(bound=3)
    fs = [make(float(i)) for i in range(4)]
    for i, f in enumerate(fs[:3]):
        memo.put(f, None, i)
    assert memo.get(fs[0], None) == 0  # now the most recent
    memo.put(fs[3], None, 3)
    assert len(memo) == 3
    assert fs[1] not in memo
    assert [memo.get(f, None) for f in (fs[0], fs[2], fs[3])] == [0, 2, 3]


def test_builtins_are_held_within_the_bound():
    memo: Memo[int] = Memo(bound=2)
    for fn in (math.sin, math.cos, math.exp):
        memo.put(fn, None, 1)
    assert len(memo) == 2 and math.sin not in memo and memo.get(math.exp, None) == 1


def test_a_stale_value_is_dropped():
    memo: Memo[str] = Memo(bound=8)
    f = make(2.0)
    memo.put(f, "grad", "text", Stamp([code_watch(f)]))
    f.__code__ = make_other(3.0).__code__
    assert memo.get(f, "grad") is None
    memo.put(f, "grad", "new", Stamp([code_watch(f)]))
    assert memo.get(f, "grad") == "new"


def helper(t):
    return t * t


def uses_helper(x):
    return helper(x) + math.sin(x) + abs(x) + 2.5 * x


def test_watches_cover_code_callees_modules_and_builtins_not_numbers():
    found = watches(Callees(uses_helper))
    described = {(w.kind, w.name) for w in found}
    assert ("code", "__code__") in described
    assert ("global", "helper") in described
    assert ("global", "math") in described and ("attr", "sin") in described
    assert ("global", "abs") in described  # a builtin: watched as not shadowed
    assert sum(w.kind == "code" for w in found) == 2  # uses_helper and helper
    assert not any(w.changed() for w in found)
    stamp = Stamp(found)
    assert stamp.fresh()
    global helper
    saved = helper
    try:
        helper = make(1.0)
        assert stamp.fresh() is False
        assert any(w.changed() for w in found)
    finally:
        helper = saved
    assert stamp.fresh()


def test_a_stamp_whose_object_died_is_not_fresh():
    g = make(1.0)
    namespace = {"g": g}
    exec("def f(x):\n    return g(x)\n", namespace)  # no source needed for a Watch
    stamp = Stamp([Watch("global", namespace["f"], "g", g)])
    assert stamp.fresh()
    namespace["g"] = make(2.0)
    del g
    gc.collect()
    assert not stamp.fresh() and stamp.watches() is None


def test_the_generated_test_is_true_exactly_when_something_changed():
    f = make(2.0)
    found = [code_watch(f), Watch("global", uses_helper, "helper", helper)]
    namespace: dict = {}
    test = stale_test(found, namespace)
    code = compile(ast.fix_missing_locations(ast.Expression(test)), "<test>", "eval")
    assert eval(code, namespace) is False
    f.__code__ = make_other(3.0).__code__
    assert eval(code, namespace) is True
