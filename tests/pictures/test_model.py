"""The graph model: the essay's example, derivatives that agree with symdiff, errors."""

from __future__ import annotations

import dataclasses
import inspect
import math

import pytest

import symdiff
from symdiff.errors import SymdiffError, UnsupportedSyntaxError
from symdiff.pictures.model import GraphModel, build
from tests.pictures.functions import (
    SCALE,
    branch,
    breaks,
    calls_helper,
    e,
    endless,
    halving,
    horner,
    logarithm,
    loop,
    maxes,
    mixed,
    newton_sqrt,
    pair,
    powers,
    slices,
    square,
    ternary,
    unused_log,
    with_global,
)


def table(model: GraphModel) -> dict[str, tuple[str, float]]:
    return {n.name: (n.label, n.value) for n in model.nodes}


def test_essay_nodes_keep_user_names_and_values() -> None:
    model = build(e, (2.0, 1.0))
    assert table(model) == {
        "a": ("a", 2.0), "b": ("b", 1.0), "c": ("c = a + b", 3.0), "d": ("d = b + 1", 2.0),
        "e": ("e = c * d", 6.0)}
    assert [n.kind for n in model.nodes] == ["input", "input", "operation", "operation",
                                             "operation"]
    assert [n.output for n in model.nodes] == [False, False, False, False, True]


def test_essay_edges_are_the_local_partials() -> None:
    model = build(e, (2.0, 1.0))
    assert [model.edge_label(edge) for edge in model.edges] == [
        "∂c/∂a = 1", "∂c/∂b = 1", "∂d/∂b = 1", "∂e/∂c = d = 2", "∂e/∂d = c = 3"]


def test_essay_forward_and_reverse_match_the_essay() -> None:
    forward = build(e, (2.0, 1.0), forward="b")
    assert {forward.derivative_label(n): n.derivative for n in forward.nodes} == {
        "∂a/∂b": 0, "∂b/∂b": 1, "∂c/∂b": 1, "∂d/∂b": 1, "∂e/∂b": 5}
    reverse = build(e, (2.0, 1.0), reverse=True)
    assert {reverse.derivative_label(n): n.derivative for n in reverse.nodes} == {
        "∂e/∂a": 2, "∂e/∂b": 5, "∂e/∂c": 2, "∂e/∂d": 3, "∂e/∂e": 1}


def test_formulas_use_names_and_drop_math_prefix() -> None:
    model = build(mixed, (0.5, 2.0))
    labels = [n.label for n in model.nodes]
    assert "z = _t0 * y" in labels and "_t0 = sin(x)" in labels
    edges = [model.edge_label(edge) for edge in model.edges]
    assert "∂_t0/∂x = cos(x) = 0.877583" in edges
    assert "∂z/∂_t0 = y = 2" in edges


def test_globals_are_nodes_with_their_values() -> None:
    model = build(with_global, (2.0,))
    scale = next(n for n in model.nodes if n.name == "SCALE")
    assert scale.kind == "global" and scale.value == SCALE
    assert model.nodes[-1].value == pytest.approx(SCALE * math.log(2.0) * 2.0)


CASES = [(e, (2.0, 1.0)), (mixed, (0.5, 2.0)), (with_global, (2.0,)),
         (calls_helper, (1.5, 0.5)), (calls_helper, (1.5,)), (maxes, (4.0, 1.0)),
         (square, (3.0,))]


@pytest.fixture(autouse=True)
def no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


@pytest.mark.parametrize(("fun", "args"), CASES)
def test_reverse_annotations_equal_grad(fun, args) -> None:
    model = build(fun, args, reverse=True)
    defaults = list(inspect.signature(fun).parameters.values())[len(args):]
    full = [*args, *(p.default for p in defaults)]
    expected = symdiff.grad(fun, argnums=tuple(range(len(full))))(*full)
    got = [n.derivative for n in model.nodes if n.kind == "input"]
    assert got == pytest.approx(list(expected), rel=1e-12)


@pytest.mark.parametrize(("fun", "args"), CASES)
def test_forward_annotations_equal_jvp(fun, args) -> None:
    model = build(fun, args)
    inputs = [n.name for n in model.nodes if n.kind == "input"]
    full = tuple(n.value for n in model.nodes if n.kind == "input")
    for i, name in enumerate(inputs):
        forward = build(fun, args, forward=name)
        assert forward == build(fun, args, forward=i)
        tangents = tuple(float(j == i) for j in range(len(full)))
        _, expected = symdiff.jvp(fun, full, tangents)
        assert forward.nodes[-1].derivative == pytest.approx(expected, rel=1e-12)


def assert_chain_rule(model: GraphModel) -> None:
    """Each node's derivative is the sum over its edges of edge value times the derivative
    at the edge's other end: incoming edges in forward mode, outgoing ones in reverse."""
    forward = model.mode == "forward"
    for i, node in enumerate(model.nodes):
        terms = [edge.value * model.nodes[edge.tail if forward else edge.head].derivative
                 for edge in model.edges if (edge.head if forward else edge.tail) == i]
        if terms:
            assert node.derivative == pytest.approx(sum(terms), rel=1e-12)


@pytest.mark.parametrize(("fun", "args"), CASES)
def test_annotations_are_the_path_sums_of_the_edges(fun, args) -> None:
    for name in [x.name for x in build(fun, args).nodes if x.kind == "input"]:
        assert_chain_rule(build(fun, args, forward=name))
    assert_chain_rule(build(fun, args, reverse=True))


def test_the_chain_rule_check_rejects_a_wrong_edge() -> None:
    model = build(e, (2.0, 1.0), reverse=True)
    wrong = dataclasses.replace(model.edges[-1], value=model.edges[-1].value + 1.0)
    with pytest.raises(AssertionError):
        assert_chain_rule(dataclasses.replace(model, edges=(*model.edges[:-1], wrong)))


def test_an_edge_formula_refers_to_its_head() -> None:
    # ∂(w / y)/∂y = -(w / y) / y: printed over the drawn names, evaluated at the point.
    model = build(mixed, (0.5, 2.0))
    edge = next(edge for edge in model.edges if model.nodes[edge.head].label.endswith("w / y")
                and model.nodes[edge.tail].name == "y")
    w = math.sin(0.5) * 2.0 + 0.25
    assert edge.formula == f"-({model.nodes[edge.head].name} / y)"
    assert edge.value == pytest.approx(-w / 4.0)


def test_repeated_operand_is_one_edge_with_the_summed_partial() -> None:
    model = build(square, (3.0,))
    assert len(model.edges) == 1
    assert model.edge_label(model.edges[0]) == "∂square/∂t = t * 2 = 6"


def test_tuple_outputs_are_all_marked() -> None:
    model = build(pair, (2.0, 3.0))
    assert [n.value for n in model.nodes if n.output] == [6.0, 5.0]


def test_a_supported_builtin_is_drawn() -> None:
    model = build(math.atan2, (1.0, 2.0), reverse=True)
    assert model.nodes[-1].label == "atan2 = atan2(x, y)"
    assert [n.derivative for n in model.nodes[:2]] == pytest.approx([0.4, -0.2])


@pytest.mark.parametrize(("fun", "x", "formula"), [
    (branch, 1.5, "x * 2"), (branch, -1.5, "-x"), (ternary, 1.5, None), (ternary, -1.5, "-x")])
def test_a_branch_is_drawn_as_taken_at_the_point(fun, x: float, formula: str | None) -> None:
    model = build(fun, (x,), reverse=True)
    assert model.nodes[-1].value == fun(x)
    if formula is not None:
        assert model.nodes[-1].formula == formula
    assert model.nodes[0].derivative == pytest.approx(symdiff.grad(fun)(x))


@pytest.mark.parametrize(("fun", "args"), [(loop, (1.5,)), (horner, (0.5,)),
                                           (powers, (0.7, 4)), (powers, (0.7, 0))])
def test_a_range_loop_is_unrolled(fun, args: tuple) -> None:
    model = build(fun, args, reverse=True)
    assert [n.value for n in model.nodes if n.output] == [pytest.approx(fun(*args))]
    assert model.nodes[0].derivative == pytest.approx(symdiff.grad(fun)(*args))
    forward = build(fun, args, forward=0)
    assert [n.derivative for n in forward.nodes if n.output] == [
        pytest.approx(symdiff.grad(fun)(*args))]


def test_the_loop_of_three_additions_has_three_operations() -> None:
    model = build(loop, (1.5,))
    assert [n.label for n in model.nodes] == [
        "x", "total = 0 + x", "total_1 = total + x", "total_2 = total_1 + x"]


@pytest.mark.parametrize(("fun", "x", "operations"), [
    (halving, 5.0, 3), (halving, 0.5, 0), (newton_sqrt, 2.0, None), (breaks, 1.0, 4)])
def test_while_loops_and_breaks_run_their_iterations(fun, x: float,
                                                     operations: int | None) -> None:
    model = build(fun, (x,), reverse=True)
    assert [n.value for n in model.nodes if n.output] == [pytest.approx(fun(x))]
    assert model.nodes[0].derivative == pytest.approx(symdiff.grad(fun)(x))
    if operations is not None:
        assert len([n for n in model.nodes if n.kind == "operation"]) == operations


def test_a_loop_of_too_many_iterations_is_a_clear_error() -> None:
    with pytest.raises(SymdiffError, match="more than 200 iterations"):
        build(endless, (1.0,))


@pytest.mark.parametrize(("args", "options", "message"), [
    ((2.0,), {}, "cannot call e with 1 argument: missing a required argument: 'b'"),
    ((2.0, [1.0]), {}, "argument 'b' of e is list"),
    ((2.0, True), {}, "argument 'b' of e is bool"),
    ((2.0, 1.0), {"forward": "z"}, "forward='z' is not a parameter; parameters: a, b"),
    ((2.0, 1.0), {"forward": 2}, "forward=2 is not a parameter position"),
    ((2.0, 1.0), {"forward": "a", "reverse": True}, "forward-mode or reverse-mode"),
])
def test_bad_arguments(args, options, message) -> None:
    with pytest.raises(SymdiffError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(e, args, **options)


def test_reverse_of_two_outputs_is_an_error() -> None:
    with pytest.raises(SymdiffError, match="one output; pair returns 2"):
        build(pair, (1.0, 2.0), reverse=True)


def test_a_function_that_raises_at_the_point() -> None:
    with pytest.raises(SymdiffError, match="logarithm raises at .*math domain error"):
        build(logarithm, (-1.0,))


def test_an_unused_operation_that_raises_still_raises() -> None:
    assert [n.label for n in build(unused_log, (1.0,)).nodes] == ["x", "unused_log = x * 2"]
    with pytest.raises(SymdiffError, match=r"unused_log raises at \(-1.0,\)"):
        build(unused_log, (-1.0,))


def test_unsupported_construct_is_located() -> None:
    with pytest.raises(UnsupportedSyntaxError, match="slice"):
        build(slices, (1.0,))
