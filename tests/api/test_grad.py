"""The public API: call forms, argnums, metadata, generated source and debuggability."""

from __future__ import annotations

import functools
import inspect
import math
import os
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

import symdiff
from symdiff import Transformed, grad, jvp, value_and_grad, vjp


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def essay(a, b):
    c = a + b
    d = b + 1
    e = c * d
    return e


def poly(x, y, z):
    """A documented polynomial."""
    return x * x * y + 3.0 * y * z


# Call forms ---------------------------------------------------------------------------------


def test_plain_call():
    assert grad(poly)(1.0, 2.0, 3.0) == 4.0
    assert value_and_grad(poly)(1.0, 2.0, 3.0) == (20.0, 4.0)
    assert isinstance(grad(poly), Transformed)


def test_bare_decorator():
    @grad
    def f(x, y):
        return x * x * y

    @value_and_grad
    def h(x, y):
        return x * x * y

    assert f(3.0, 2.0) == 12.0
    assert h(3.0, 2.0) == (18.0, 12.0)


def test_decorator_with_argnums():
    @grad(argnums=(0, 1))
    def f(x, y):
        return x * x * y

    @value_and_grad(argnums=(0, 1))
    def h(x, y):
        return x * x * y

    @grad(argnums=1)
    def k(x, y):
        return x * x * y

    assert f(3.0, 2.0) == (12.0, 9.0)
    assert h(3.0, 2.0) == (18.0, (12.0, 9.0))
    assert k(3.0, 2.0) == 9.0


def test_decorator_without_function_positional_argnums():
    deco = grad(None, (0, 2))
    assert deco(poly)(1.0, 2.0, 3.0) == (4.0, 6.0)


def test_int_argnums_gives_a_float_tuple_argnums_gives_a_tuple():
    g = grad(poly, argnums=1)(1.0, 2.0, 3.0)
    assert type(g) is float and g == 10.0
    gt = grad(poly, argnums=(1,))(1.0, 2.0, 3.0)
    assert gt == (10.0,) and type(gt) is tuple
    gs = grad(poly, argnums=(2, 0))(1.0, 2.0, 3.0)
    assert gs == (6.0, 4.0)  # in the order asked for
    value, g2 = value_and_grad(poly, argnums=(0, 1, 2))(1.0, 2.0, 3.0)
    assert value == 20.0 and g2 == (4.0, 10.0, 6.0)
    assert all(type(v) is float for v in (value, *g2))


def test_argnums_as_list():
    assert grad(poly, argnums=[0, 2])(1.0, 2.0, 3.0) == (4.0, 6.0)


def test_negative_argnums():
    assert grad(poly, argnums=-1)(1.0, 2.0, 3.0) == 6.0
    assert grad(poly, argnums=(-3, -2))(1.0, 2.0, 3.0) == (4.0, 10.0)
    assert grad(poly, argnums=-1).argnums == 2
    assert grad(poly, argnums=(0, -1)).argnums == (0, 2)
    assert grad(math.atan2, argnums=-1)(1.0, 2.0) == pytest.approx(-0.2)


def test_transformed_attributes():
    g = grad(poly, argnums=(0, 1))
    assert g.transform == "grad"
    assert g.argnums == (0, 1)
    assert value_and_grad(poly).transform == "value_and_grad"
    assert "grad" in repr(g) and "poly" in repr(g)


def test_wraps_metadata():
    g = grad(poly)
    assert g.__name__ == "poly"
    assert g.__qualname__ == "poly"
    assert g.__doc__.startswith(f"Gradient of {poly.__module__}.poly with respect to x")
    assert g.__doc__.endswith("Documentation of poly:\n\n    A documented polynomial.")
    assert g.__module__ == poly.__module__
    assert g.__wrapped__ is poly
    vg = value_and_grad(poly, argnums=(0, 1))
    assert vg.__name__ == "poly" and vg.__wrapped__ is poly
    assert functools.WRAPPER_ASSIGNMENTS  # the attributes update_wrapper copies
    assert inspect.signature(g) == inspect.signature(poly)


def test_keyword_arguments_and_defaults():
    def f(x, y=3.0):
        return x * y

    g = grad(f, argnums=(0, 1))
    assert g(2.0) == (3.0, 2.0)
    assert g(2.0, y=4.0) == (4.0, 2.0)
    assert g(y=4.0, x=2.0) == (4.0, 2.0)


def test_transformed_is_reusable_across_types():
    g = grad(poly)
    assert g(1.0, 2.0, 3.0) == 4.0
    assert g(1, 2, 3) == 4.0
    assert g(1.0, 2.0, 3.0) == 4.0
    assert g(1.0, 2, 3.0) == 4.0


def test_jvp_and_vjp_of_a_builtin():
    assert jvp(math.sin, (0.0,), (2.0,)) == (0.0, 2.0)
    out, vjp_fn = vjp(math.atan2, 1.0, 2.0)
    assert out == math.atan2(1.0, 2.0)
    assert vjp_fn(1.0) == pytest.approx((0.4, -0.2))


class Model:
    def __init__(self, k):
        self.k = k

    def energy(self, x):
        return x * x * 3.0


def test_grad_of_bound_method_differentiates_after_self():
    assert grad(Model(1.0).energy)(2.0) == 12.0  # more in test_methods.py


# Generated source ----------------------------------------------------------------------------


def test_source_property_is_valid_python_with_user_names():
    g = grad(essay, argnums=(0, 1))
    text = g.source
    assert isinstance(text, str)
    assert "def " in text
    compile(text, "<generated>", "exec")
    assert "c = a + b" in text
    assert "d = b + 1" in text
    assert "_bar" in text
    assert text == grad(essay, argnums=(0, 1)).source  # stable


def test_source_function_forward_and_reverse():
    reverse = symdiff.source(essay, mode="reverse", argnums=(0, 1))
    assert reverse == symdiff.source(essay, argnums=(0, 1))  # reverse is the default
    assert reverse == grad(essay, argnums=(0, 1)).source
    assert "_bar" in reverse
    forward = symdiff.source(essay, mode="forward", argnums=(0, 1))
    compile(forward, "<generated>", "exec")
    assert "def essay_jvp(a, b, a_dot, b_dot):" in forward
    assert "_dot" in forward and "c = a + b" in forward
    forward0 = symdiff.source(essay, mode="forward")
    assert "def essay_jvp(a, b, a_dot):" in forward0
    with pytest.raises(ValueError, match="mode"):
        symdiff.source(essay, mode="backward")


def test_source_runs_as_a_module():
    namespace: dict = {}
    exec(compile(symdiff.source(essay, argnums=(0, 1)), "<generated>", "exec"), namespace)
    assert namespace["essay_grad"](2.0, 1.0) == (2.0, 5.0)
    namespace = {}
    exec(compile(symdiff.source(essay, mode="forward", argnums=(0, 1)), "<g>", "exec"), namespace)
    assert namespace["essay_jvp"](2.0, 1.0, 0.0, 1.0) == (6.0, 5.0)


def test_getsource_of_compiled_function():
    g = grad(essay, argnums=(0, 1))
    text = inspect.getsource(g.compiled)
    assert text.startswith("def essay_grad(a, b):")
    assert text in g.source
    assert g.source.endswith(text)
    assert g.compiled(2.0, 1.0) == (2.0, 5.0)


def sqrt_of(x):
    y = x * 2.0
    return math.sqrt(y) + x


def test_traceback_shows_the_generated_line():
    g = grad(sqrt_of)
    with pytest.raises(ValueError, match="math domain error") as info:
        g(-1.0)
    try:
        g(-1.0)
    except ValueError:
        text = traceback.format_exc()
    assert "math domain error" in text
    assert "math.sqrt(y)" in text
    # The file names the transform and the function, the frame the generated function.
    filename = f"<symdiff grad of {sqrt_of.__module__}.sqrt_of "
    assert f'File "{filename}' in text and "in sqrt_of_grad" in text
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith(filename)]
    assert generated and "math.sqrt(y)" in (generated[-1].line or "")


def test_essay_golden_reverse_source():
    expected = textwrap.dedent(f'''\
        """Generated by symdiff {symdiff.__version__} from essay. Do not edit."""

        def essay_grad(a, b):
            """Reverse-mode gradient of essay with respect to a, b."""
            c = a + b
            d = b + 1
            b_bar = c + d
            return (d, b_bar)
        ''')
    text = symdiff.source(essay, argnums=(0, 1))
    assert text == expected
    # Shared nodes are assigned exactly once.
    assert text.count("c = ") == 1 and text.count("d = ") == 1


def test_essay_golden_single_argument():
    text = symdiff.source(essay)
    body = text[text.index("def "):]
    assert body == textwrap.dedent('''\
        def essay_grad(a, b):
            """Reverse-mode gradient of essay with respect to a."""
            d = b + 1
            return d
        ''')


# Determinism across processes ---------------------------------------------------------------

DETERMINISM_MODULE = '''\
import math
from math import cos, sin

K = 1.5


def essay(a, b):
    c = a + b
    d = b + 1
    e = c * d
    return e


def busy(x, y, z):
    s = sin(x * y) + cos(y * z)
    t = math.exp(s) * K
    u, v = t * x, t / (1 + y * y)
    w = max(u, v) + min(x, y, z) + abs(z) ** 2
    w += math.hypot(x, y, z) * math.log(1 + s * s)
    w *= math.atan2(y, x) - math.tanh(w) * sin(x * y)
    return w * s + t


def pair(x, y):
    p = x * y
    return p + sin(p), p * cos(x)
'''

DETERMINISM_SCRIPT = '''\
import sys
sys.path.insert(0, sys.argv[1])
import symdiff
import detmod
out = []
for f in (detmod.essay, detmod.busy, detmod.pair):
    n = f.__code__.co_argcount
    for mode in ("reverse", "forward"):
        for argnums in (0, tuple(range(n))):
            if mode == "reverse" and f is detmod.pair:
                continue
            out.append(symdiff.source(f, mode=mode, argnums=argnums))
out.append(symdiff.value_and_grad(detmod.busy, argnums=(0, 1, 2)).source)
sys.stdout.write("".join(out))
'''


def _run(script: str, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_source_is_byte_identical_across_hash_seeds(tmp_path: Path):
    (tmp_path / "detmod.py").write_text(DETERMINISM_MODULE)
    outputs = []
    for seed in ("0", "1", "987654321"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SYMDIFF_CACHE": "0",
               "PYTHONDONTWRITEBYTECODE": "1"}
        outputs.append(_run(DETERMINISM_SCRIPT, str(tmp_path), env=env))
    assert outputs[0].count("\ndef ") == 11
    assert outputs[0] == outputs[1] == outputs[2]
