"""The disk cache as the pipeline uses it: hits, invalidation, corruption, concurrency.

Every test points ``SYMDIFF_CACHE_DIR`` at its own temporary directory. Fresh
processes are real subprocesses: a "cache hit" is proven by replacing
``symdiff.runtime.pipeline.generate`` with a function that raises, so the call can
only succeed from a disk entry.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import stat
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from symdiff import grad, jvp, value_and_grad
from symdiff.runtime.cache import DiskCache
from tests.runtime.children import PRELUDE

CHILD = PRELUDE + textwrap.dedent('''\
    calls = json.loads(sys.argv[3])
    results = []
    for module_name, fn_name, args in calls:
        module = __import__(module_name)
        fn = getattr(module, fn_name)
        argnums = 0 if len(args) == 1 else tuple(range(len(args)))
        g = symdiff.grad(fn, argnums=argnums)(*args)
        results.append(list(g) if isinstance(g, tuple) else [g])
    print(json.dumps(results))
''')


@pytest.fixture
def src_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "src"
    directory.mkdir()
    return directory


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **extra}
    return env


def run_child(src: Path, calls: list, *, forbid: bool = False, env: dict | None = None):
    """Gradients computed in a fresh interpreter: ``[[module, function, args], ...]``."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(src), "forbid" if forbid else "allow",
         json.dumps(calls)],
        env=env or child_env(), capture_output=True, text=True, timeout=60, check=False,
    )
    return proc


def child_grads(src: Path, calls: list, **kwargs) -> list:
    proc = run_child(src, calls, **kwargs)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def entries(directory: Path) -> list[Path]:
    if not directory.exists():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix == ".py")


def load_module(path: Path):
    """Import `path` under a unique module name (a fresh function object each time)."""
    name = f"cachemod_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SQUARE = "def f(x):\n    return x * x * 1.5\n"


# Hits -------------------------------------------------------------------------------------


def test_first_build_writes_an_entry_and_a_fresh_process_loads_it(cache_dir, src_dir):
    (src_dir / "modsq.py").write_text(SQUARE)
    module = load_module(src_dir / "modsq.py")
    assert not cache_dir.exists()
    assert grad(module.f)(2.0) == 6.0
    written = entries(cache_dir)
    assert len(written) == 1
    data = written[0].read_bytes()
    assert data.startswith(b"# symdiff-cache 2 sha256=")
    assert b"def f_grad(x):" in data
    if os.name == "posix":
        assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(written[0].stat().st_mode) == 0o600
    # A fresh process cannot generate code, yet gets the gradient: a disk hit.
    assert child_grads(src_dir, [["modsq", "f", [2.0]]], forbid=True) == [[6.0]]
    assert entries(cache_dir) == written
    assert written[0].read_bytes() == data


def test_a_miss_in_a_fresh_process_is_detected(cache_dir, src_dir):
    # The forbid switch really forbids: without an entry the child fails.
    (src_dir / "modmiss.py").write_text(SQUARE)
    proc = run_child(src_dir, [["modmiss", "f", [2.0]]], forbid=True)
    assert proc.returncode != 0
    assert "disk cache miss" in proc.stderr


def test_each_transform_has_its_own_entry(cache_dir, src_dir):
    (src_dir / "modtr.py").write_text("def f(x, y):\n    return x * y\n")
    module = load_module(src_dir / "modtr.py")
    assert grad(module.f)(2.0, 3.0) == 3.0
    assert grad(module.f, argnums=1)(2.0, 3.0) == 2.0
    assert value_and_grad(module.f)(2.0, 3.0) == (6.0, 3.0)
    assert jvp(module.f, (2.0, 3.0), (1.0, 0.0)) == (6.0, 3.0)
    assert len(entries(cache_dir)) == 4
    again = load_module(src_dir / "modtr.py")
    assert grad(again.f, argnums=1)(2.0, 3.0) == 2.0
    assert len(entries(cache_dir)) == 4


# Invalidation ---------------------------------------------------------------------------------


def test_changed_source_gives_the_new_gradient(cache_dir, src_dir):
    path = src_dir / "modsrc.py"
    path.write_text("def f(x):\n    return x * x\n")
    assert child_grads(src_dir, [["modsrc", "f", [3.0]]]) == [[6.0]]
    assert len(entries(cache_dir)) == 1
    path.write_text("def f(x):\n    return x * x * x\n")
    # The new text is a new key: a process that cannot generate code fails...
    proc = run_child(src_dir, [["modsrc", "f", [3.0]]], forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr
    # ...and one that can gets the new gradient, never the stale one.
    assert child_grads(src_dir, [["modsrc", "f", [3.0]]]) == [[27.0]]
    assert len(entries(cache_dir)) == 2
    assert child_grads(src_dir, [["modsrc", "f", [3.0]]], forbid=True) == [[27.0]]


def test_changed_source_layout_only_in_the_body(cache_dir, src_dir):
    # Same length, one character different: the key must still change.
    path = src_dir / "modchar.py"
    path.write_text("def f(x):\n    return x * 2.0\n")
    assert child_grads(src_dir, [["modchar", "f", [1.0]]]) == [[2.0]]
    path.write_text("def f(x):\n    return x * 3.0\n")
    assert child_grads(src_dir, [["modchar", "f", [1.0]]]) == [[3.0]]


GLOBAL_MODULE = "K = {k}\n\n\ndef f(x):\n    return K * x * x\n"


def test_changed_global_value_in_the_same_process(cache_dir, src_dir):
    (src_dir / "modglob.py").write_text(GLOBAL_MODULE.format(k=2.0))
    module = load_module(src_dir / "modglob.py")
    g = grad(module.f)
    assert g(1.0) == 4.0
    module.K = 5.0
    assert g(1.0) == 10.0
    # A fresh function object, loaded from the disk entry, reads the global too.
    other = load_module(src_dir / "modglob.py")
    other.K = 7.0
    assert grad(other.f)(1.0) == 14.0
    assert len(entries(cache_dir)) == 1


def test_changed_global_value_across_processes(cache_dir, src_dir):
    path = src_dir / "modglobx.py"
    path.write_text(GLOBAL_MODULE.format(k=2.0))
    assert child_grads(src_dir, [["modglobx", "f", [1.0]]]) == [[4.0]]
    path.write_text(GLOBAL_MODULE.format(k=7.0))
    # The function's text is unchanged, so the entry is reused (generate forbidden)
    # and still reads the new value.
    assert child_grads(src_dir, [["modglobx", "f", [1.0]]], forbid=True) == [[14.0]]
    assert len(entries(cache_dir)) == 1


AXIS_MODULE = textwrap.dedent("""\
    import numpy as np

    AXIS = {axis}


    def f(x):
        X = np.array([[x, 2.0 * x], [3.0 * x, x * x]])
        return np.sum(np.sum(X, axis=AXIS) ** 2)
""")


def test_an_int_global_the_code_is_built_on_keys_the_entry(cache_dir, src_dir):
    # An axis read from a global decides the code: another value is another entry.
    path = src_dir / "modaxis.py"
    path.write_text(AXIS_MODULE.format(axis=0))
    assert child_grads(src_dir, [["modaxis", "f", [1.0]]]) == [[56.0]]
    path.write_text(AXIS_MODULE.format(axis=1))
    proc = run_child(src_dir, [["modaxis", "f", [1.0]]], forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr
    assert child_grads(src_dir, [["modaxis", "f", [1.0]]]) == [[58.0]]
    path.write_text(AXIS_MODULE.format(axis=0))
    assert child_grads(src_dir, [["modaxis", "f", [1.0]]], forbid=True) == [[56.0]]
    assert len(entries(cache_dir)) == 2


IMPORT_MODULE = "{imp}\n\n\ndef f(x):\n    return sin(x) * 2.0\n"


def test_changed_import_gives_a_new_key(cache_dir, src_dir):
    path = src_dir / "modimp.py"
    x = 0.5
    path.write_text(IMPORT_MODULE.format(imp="from math import sin"))
    assert child_grads(src_dir, [["modimp", "f", [x]]]) == [[2.0 * math.cos(x)]]
    path.write_text(IMPORT_MODULE.format(imp="from math import cos as sin"))
    proc = run_child(src_dir, [["modimp", "f", [x]]], forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr
    assert child_grads(src_dir, [["modimp", "f", [x]]]) == [[-2.0 * math.sin(x)]]
    assert len(entries(cache_dir)) == 2
    # Switching back reuses the first entry.
    path.write_text(IMPORT_MODULE.format(imp="from math import sin"))
    assert child_grads(src_dir, [["modimp", "f", [x]]], forbid=True) == [[2.0 * math.cos(x)]]


def test_changed_module_alias_gives_a_new_key(cache_dir, src_dir):
    path = src_dir / "modalias.py"
    body = "\n\n\ndef f(x):\n    return m.sqrt(x) + m.pi\n"
    path.write_text("import math as m" + body)
    assert child_grads(src_dir, [["modalias", "f", [4.0]]]) == [[0.25]]
    path.write_text("import cmath as m" + body)
    proc = run_child(src_dir, [["modalias", "f", [4.0]]])
    assert proc.returncode != 0
    assert "UnsupportedSyntaxError" in proc.stderr and "cmath.sqrt" in proc.stderr


def test_changed_callable_behind_a_module_attribute_gives_a_new_key(cache_dir, src_dir):
    helpers = src_dir / "helpers_act.py"
    helpers.write_text("from math import sin as act\n")
    (src_dir / "modattr.py").write_text(
        "import helpers_act\n\n\ndef f(x):\n    return helpers_act.act(x)\n")
    x = 0.5
    assert child_grads(src_dir, [["modattr", "f", [x]]]) == [[math.cos(x)]]
    helpers.write_text("from math import cos as act\n")
    assert child_grads(src_dir, [["modattr", "f", [x]]]) == [[-math.sin(x)]]


# Corruption -----------------------------------------------------------------------------------


def _corrupt(kind: str, data: bytes) -> bytes:
    header, _, body = data.partition(b"\n")
    if kind == "garbage":
        return b"\x00\xff not a cache entry \xfe" * 20
    if kind == "empty":
        return b""
    if kind == "truncated":
        return data[: len(data) // 2]
    if kind == "truncated-header":
        return data[:10]
    if kind == "header-only":
        return header + b"\n"
    if kind == "flipped-body":
        flipped = body[:-2] + bytes([body[-2] ^ 1]) + body[-1:]  # one bit, same length
        return header + b"\n" + flipped
    if kind == "not-utf8":
        return header + b"\n" + b"\xff" * len(body)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    ["garbage", "empty", "truncated", "truncated-header", "header-only", "flipped-body",
     "not-utf8"],
)
def test_corrupted_entry_is_ignored_and_regenerated(cache_dir, src_dir, kind):
    (src_dir / "modcor.py").write_text(SQUARE)
    assert child_grads(src_dir, [["modcor", "f", [2.0]]]) == [[6.0]]
    (entry,) = entries(cache_dir)
    good = entry.read_bytes()
    entry.write_bytes(_corrupt(kind, good))
    # A corrupt entry is a miss, never executed: the process that cannot generate fails.
    proc = run_child(src_dir, [["modcor", "f", [2.0]]], forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr
    entry.write_bytes(_corrupt(kind, good))
    assert child_grads(src_dir, [["modcor", "f", [2.0]]]) == [[6.0]]
    assert entries(cache_dir) == [entry]
    assert entry.read_bytes() == good  # regenerated
    # In-process too (the module name in the regenerated header differs).
    entry.write_bytes(_corrupt(kind, good))
    module = load_module(src_dir / "modcor.py")
    assert grad(module.f)(2.0) == 6.0
    text = DiskCache(cache_dir).get(entry.stem)
    assert text is not None and "def f_grad(x):" in text


def test_hash_valid_entry_that_is_not_generated_code_is_regenerated(cache_dir, src_dir):
    (src_dir / "modjunk.py").write_text(SQUARE)
    assert child_grads(src_dir, [["modjunk", "f", [2.0]]]) == [[6.0]]
    (entry,) = entries(cache_dir)
    good = entry.read_bytes()
    key = entry.stem
    DiskCache(cache_dir).put(key, "this is not a generated module\n")
    module = load_module(src_dir / "modjunk.py")
    assert grad(module.f)(2.0) == 6.0
    assert entry.read_bytes() == good


# Disabled -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "OFF"])
def test_disabled_cache_writes_nothing(cache_dir, src_dir, monkeypatch, value):
    monkeypatch.setenv("SYMDIFF_CACHE", value)
    (src_dir / "moddis.py").write_text(SQUARE)
    module = load_module(src_dir / "moddis.py")
    assert grad(module.f)(2.0) == 6.0
    assert value_and_grad(module.f)(2.0) == (6.0, 6.0)
    assert jvp(module.f, (2.0,), (1.0,)) == (6.0, 6.0)
    assert not cache_dir.exists()
    assert child_grads(src_dir, [["moddis", "f", [2.0]]], env=child_env()) == [[6.0]]
    assert not cache_dir.exists()


def test_disabled_cache_does_not_read_existing_entries(cache_dir, src_dir, monkeypatch):
    (src_dir / "modnoread.py").write_text(SQUARE)
    assert child_grads(src_dir, [["modnoread", "f", [2.0]]]) == [[6.0]]
    assert len(entries(cache_dir)) == 1
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    proc = run_child(src_dir, [["modnoread", "f", [2.0]]], forbid=True)
    assert proc.returncode != 0 and "disk cache miss" in proc.stderr


# Concurrency ----------------------------------------------------------------------------------

N_SHARED = 10
N_PROCS = 4

CONCURRENT_CHILD = textwrap.dedent('''\
    import json
    import os
    import sys
    import time

    sys.path.insert(0, sys.argv[1])
    start, k, n_shared = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    deadline = time.monotonic() + 30
    while not os.path.exists(start) and time.monotonic() < deadline:
        time.sleep(0.005)
    import symdiff
    import shared
    uniq = __import__(f"uniq{k}")
    results = {}
    order = list(range(n_shared))
    order = order[k:] + order[:k]  # each process starts somewhere else
    for i in order:
        fn = getattr(shared, f"f{i}")
        results[f"f{i}"] = symdiff.grad(fn, argnums=(0, 1))(0.5, 1.5)
    results["g"] = [symdiff.grad(uniq.g)(1.25)]
    print(json.dumps(results))
''')


def test_concurrent_processes_share_one_cache(cache_dir, src_dir, tmp_path):
    shared = "import math\n"
    for i in range(N_SHARED):
        shared += f"\n\ndef f{i}(x, y):\n    return {i + 1}.0 * x * y + math.sin({i}.0 * x)\n"
    (src_dir / "shared.py").write_text(shared)
    for k in range(N_PROCS):
        (src_dir / f"uniq{k}.py").write_text(f"def g(x):\n    return x ** {k + 2}\n")
    start = tmp_path / "start"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_CHILD, str(src_dir), str(start), str(k),
             str(N_SHARED)],
            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for k in range(N_PROCS)
    ]
    start.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out))
    x, y = 0.5, 1.5
    for k, result in enumerate(outputs):
        for i in range(N_SHARED):
            expected = ((i + 1) * y + i * math.cos(i * x), (i + 1) * x)
            assert result[f"f{i}"] == pytest.approx(expected, rel=1e-15)
        assert result["g"] == pytest.approx([(k + 2) * 1.25 ** (k + 1)], rel=1e-15)
    written = entries(cache_dir)
    assert len(written) == N_SHARED + N_PROCS
    assert not [p for p in cache_dir.iterdir() if p.suffix != ".py"]  # no temporary files
    disk = DiskCache(cache_dir)
    assert all(disk.get(p.stem) is not None for p in written)
    # Every entry is usable by a process that cannot generate code.
    calls = [["shared", f"f{i}", [x, y]] for i in range(N_SHARED)]
    calls += [[f"uniq{k}", "g", [1.25]] for k in range(N_PROCS)]
    again = child_grads(src_dir, calls, forbid=True)
    assert again[:N_SHARED] == [outputs[0][f"f{i}"] for i in range(N_SHARED)]
