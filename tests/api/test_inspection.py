"""What a derivative object says about itself: repr, help() and tracebacks.

Contract tested here: ``repr`` names the transform chain, the function by module and
qualified name, argnums and the argument signatures compiled so far (in the order
first called); the docstring (what ``help`` shows) says what is computed with respect
to which parameters, then gives the function's own documentation; an exception raised
inside generated code has a traceback frame whose file names the transform and the
function (``<symdiff grad of module.f ...>``), whose function is the generated one,
and which shows the generated line.
"""

from __future__ import annotations

import math
import pydoc
import traceback

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacobian, value_and_grad


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def scaled(x, n):
    """Scale x by n."""
    return x * x * n


def energy(x, n):
    return np.sum(x * x) * n


def test_repr_lists_the_signatures_compiled_so_far() -> None:
    g = grad(energy)
    name = f"{__name__}.energy"
    assert repr(g) == f"<symdiff grad of {name}, argnums=0, signatures: none yet>"
    g(1.5, 2)
    g(1.5, 2.0)
    g(np.ones(3, dtype=np.float32), 2)
    g(2.5, 3)  # seen already
    assert repr(g) == (f"<symdiff grad of {name}, argnums=0, signatures: (float, int), "
                       "(float, float), (float32[n], int)>")
    assert g.signatures[0] == (float, int)


def test_repr_of_chains_hessians_and_jacobians() -> None:
    name = f"{__name__}.scaled"
    gg = grad(value_and_grad(scaled, argnums=1), argnums=(0, 1))
    assert repr(gg).startswith(f"<symdiff grad of value_and_grad of {name}, argnums=(0, 1),")
    h = hessian(scaled)
    h(1.0, 2.0)
    assert repr(h) == f"<symdiff hessian of {name}, argnums=0, signatures: (float, float)>"
    j = jacfwd(np.sin)
    assert repr(j) == ("<symdiff jacobian of numpy.sin, argnums=0, mode='forward', "
                       "signatures: none yet>")


def test_help_says_what_is_computed_and_keeps_the_functions_doc() -> None:
    g = grad(scaled)
    text = pydoc.render_doc(g, renderer=pydoc.plaintext)
    assert f"Gradient of {__name__}.scaled with respect to x (argnums=0)" in text
    assert "Documentation of scaled:" in text and "Scale x by n." in text
    assert repr(g) in text
    vg = value_and_grad(scaled, argnums=(0, 1))
    assert vg.__doc__.startswith(
        f"Value and gradient of {__name__}.scaled with respect to x, n (argnums=(0, 1))")
    assert grad(grad(scaled)).__doc__.startswith("Gradient of the gradient of")
    assert hessian(scaled).__doc__.startswith(f"Hessian of {__name__}.scaled")
    assert jacobian(scaled, mode="reverse").__doc__.startswith(
        f"Jacobian (reverse mode) of {__name__}.scaled")
    assert "Documentation" not in grad(lambda x: x * x).__doc__


def log_of(x, y):
    return math.log(x - y) * y


def ratio(x, y):
    return x / (x - y) + y


@pytest.mark.parametrize(("make", "label", "generated", "error"), [
    (lambda: grad(log_of), "grad", "log_of_grad", ValueError),
    (lambda: hessian(log_of, argnums=(0, 1)), "hessian", "log_of_hessian", ValueError),
    (lambda: grad(grad(ratio)), "grad of grad", "ratio_grad_grad", ZeroDivisionError),
])
def test_tracebacks_name_the_generated_file_and_the_function(
    make, label: str, generated: str, error: type[Exception],
) -> None:
    fn = make()
    with pytest.raises(error) as info:
        fn(1.0, 1.0)
    frames = traceback.extract_tb(info.value.__traceback__)
    name = fn.__wrapped__.__qualname__
    filename = f"<symdiff {label} of {__name__}.{name} "
    inside = [f for f in frames if f.filename.startswith(filename)]
    assert inside, [f.filename for f in frames]
    assert inside[-1].name == generated
    assert ("math.log(" if error is ValueError else " / ") in (inside[-1].line or "")
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{filename}' in text
