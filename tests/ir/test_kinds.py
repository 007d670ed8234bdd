"""Node kinds are tested by name (`ir.node.Op`) or by record, never by string literal."""

from __future__ import annotations

import ast
from pathlib import Path

import symdiff
from symdiff.ir.builder import Builder
from symdiff.ir.node import LEAVES, Op
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.regions import REGIONS

PACKAGE = Path(symdiff.__file__).parent


def _literal_tests(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute)
                and node.left.attr == "op"):
            continue
        for right in node.comparators:
            items = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
            if any(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
                lines.append(node.lineno)
    return lines


def test_no_kind_is_compared_with_a_string_literal() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := _literal_tests(ast.parse(path.read_text(), str(path))))
    }
    assert found == {}


def test_the_scan_finds_a_literal_test() -> None:
    assert _literal_tests(ast.parse('n.op == "cond" or m.op in ("neg", Op.ARG)')) == [1, 1]


def test_the_builder_makes_the_named_kinds() -> None:
    b = Builder()
    x = b.param("x")
    assert (b.const(1.0).op, x.op, b.global_(("math", "pi")).op) == (Op.CONST, Op.PARAM,
                                                                     Op.GLOBAL)
    assert b.arg("t").op == Op.ARG
    assert LEAVES == {Op.CONST, Op.PARAM, Op.GLOBAL, Op.ARG}
    assert REGIONS == {Op.COND, Op.LOOP}


def test_a_primitive_node_carries_its_record() -> None:
    b = Builder()
    y = b.neg(b.sin(b.param("x")))
    assert y.prim is PRIMITIVES["neg"] and y.args[0].prim is PRIMITIVES["sin"]
    assert b.param("x").prim is None


def test_no_primitive_is_named_like_a_kind() -> None:
    kinds = {v for k, v in vars(Op).items() if k.isupper()}
    assert kinds.isdisjoint(PRIMITIVES)


def test_lengths_and_updates_say_so_in_their_records() -> None:
    assert {name for name, p in PRIMITIVES.items() if p.makes_int} == {
        "size", "seq_len", "floor", "ceil", "round", "int",  # (rounding: on numbers)
        "argmax", "argmin"}  # (positions: in a whole array)
    assert {"index_set", "index_add"} <= {name for name, p in PRIMITIVES.items() if p.inplace}
