"""`codegen.naming`: the identifiers of one generated function.

Contract tested here: a free hint is kept as given (the user's ``x``, ``x_dot`` for a
tangent, ``x_bar`` for an adjoint); a taken one gets ``_1``, ``_2``...; unnamed
temporaries are ``_t0``, ``_t1``... in the order asked for, skipping taken names;
reserved names (globals the code reads, the names emitters use) are never handed out;
no name is a Python keyword or shadows a builtin; a parameter that would shadow a name
the emitted code reads is renamed; the same requests always give the same names.
"""

from __future__ import annotations

import builtins
import keyword
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symdiff import grad
from symdiff.codegen.emit import emit_module
from symdiff.codegen.naming import EMITTER_NAMES, Namer
from symdiff.frontend.lower import lower
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program


def test_free_hints_are_kept_and_taken_ones_get_a_suffix() -> None:
    namer = Namer()
    got = [namer.hinted(h) for h in ("x", "x_dot", "x_bar", "x", "x", "x_dot")]
    assert got == ["x", "x_dot", "x_bar", "x_1", "x_2", "x_dot_1"]


def test_a_suffix_skips_names_already_taken() -> None:
    namer = Namer(reserved=["y_1"])
    assert [namer.hinted("y"), namer.hinted("y"), namer.hinted("y_2")] == ["y", "y_2", "y_2_1"]


def test_temporaries_count_in_order_and_skip_taken_names() -> None:
    namer = Namer(reserved=["_t1"])
    got = [namer.hinted(None), namer.hinted("a"), namer.hinted(None), namer.hinted(None)]
    assert got == ["_t0", "a", "_t2", "_t3"]


@pytest.mark.parametrize("hint", [*keyword.kwlist, "len", "sum", "range", "print", "list"])
def test_keywords_and_builtins_are_never_handed_out(hint: str) -> None:
    assert Namer().hinted(hint) == f"{hint}_1"


@pytest.mark.parametrize("hint", sorted(EMITTER_NAMES))
def test_emitter_names_are_reserved_for_temporaries_and_parameters(hint: str) -> None:
    namer = Namer()
    assert namer.hinted(hint) == f"{hint}_1"
    assert namer.parameter(hint) == f"{hint}_2"


def test_globals_the_code_reads_are_reserved() -> None:
    namer = Namer(reserved=["helper", "weights"])
    assert namer.parameter("x") == "x"
    assert [namer.hinted("helper"), namer.hinted("weights"), namer.hinted("x")] == [
        "helper_1", "weights_1", "x_1"]


@pytest.mark.parametrize(("hint", "name"), [
    ("#total", "total"), ("#2nd", "nd"), ("a.b", "ab"), ("#", "_t"), ("#if", "if_1"),
])
def test_a_hidden_variable_keeps_what_reads_as_a_name(hint: str, name: str) -> None:
    assert Namer().hinted(hint) == name


HINTS = st.one_of(
    st.none(),
    st.sampled_from(["x", "x_1", "x_dot", "x_bar", "_t0", "_t1", "np", "math", "len",
                     "if", "lambda", "None", "#total", "#", "total"]),
    st.text("abx_#1", min_size=1, max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(HINTS, max_size=20), st.lists(st.sampled_from(["x", "_t0", "len_1"])))
def test_names_are_distinct_valid_and_deterministic(hints: list[str | None],
                                                    reserved: list[str]) -> None:
    first = Namer(reserved)
    names = [first.hinted(h) for h in hints]
    second = Namer(reserved)
    assert [second.hinted(h) for h in hints] == names
    assert len(set(names)) == len(names)
    for name in names:
        assert name.isidentifier() and not keyword.iskeyword(name)
        assert not hasattr(builtins, name)
        assert name not in EMITTER_NAMES and name not in reserved


# In emitted code ------------------------------------------------------------------------


def shared(x, y):
    z = x * y
    return math.sin(z) + z


def derivative_source(transform: str) -> str:
    primal = prune_program(simplify_program(lower(shared)))
    program = jvp_program(primal) if transform == "jvp" else vjp_program(primal)
    return emit_module(finish(program))


def test_tangents_are_named_x_dot_in_emitted_code() -> None:
    source = derivative_source("jvp")
    assert "def shared_jvp(x, y, x_dot, y_dot):" in source
    assert "z_dot = " in source and "z = x * y" in source


def test_adjoints_are_named_x_bar_in_emitted_code() -> None:
    source = derivative_source("vjp")
    assert "def shared_vjp(x, y, out_bar):" in source
    assert "x_bar = " in source and "y_bar = " in source and "z_bar = " in source


def test_the_same_program_emits_byte_identical_source() -> None:
    assert derivative_source("vjp") == derivative_source("vjp")


# A parameter named like a builtin the emitted code calls -------------------------------


def scaled_sum(xs, range):  # noqa: A002 - the point of the test
    total = 0.0
    for v in xs:
        total = total + v * range
    return total


def scaled_product(xs, reversed):  # noqa: A002 - the point of the test
    total = 1.0
    for v in xs:
        total = total * v + reversed
    return total


@pytest.mark.parametrize("name", ["range", "reversed", "len", "zip", "iter", "next"])
def test_a_parameter_never_shadows_a_builtin(name: str) -> None:
    namer = Namer()
    chosen = namer.parameter(name)
    assert chosen != name and not hasattr(builtins, chosen)


@pytest.mark.usefixtures("no_disk_cache")
def test_the_gradient_of_a_loop_works_with_a_parameter_named_like_a_builtin() -> None:
    # The reverse loop is emitted as ``for i in reversed(range(...))``: a parameter
    # kept as ``range`` or ``reversed`` would be called there.
    xs = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(scaled_sum)(xs, 2.0), [2.0, 2.0, 2.0])
    # total = ((1*x0 + r)*x1 + r)*x2 + r: d/dx0 = x1*x2, d/dx1 = (x0+r)*x2, d/dx2 = ...
    r = 0.5
    want = [2.0 * 3.0, (1.0 + r) * 3.0, (1.0 + r) * 2.0 + r]
    np.testing.assert_allclose(grad(scaled_product)(xs, r), want)
