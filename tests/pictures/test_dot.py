"""DOT text: escaping and the structure of the essay's figures."""

from __future__ import annotations

import re

from symdiff.pictures.dot import attributes, html, quote, to_dot
from symdiff.pictures.model import GraphEdge, GraphModel, GraphNode, build
from tests.pictures.functions import e


def test_quote_escapes_backslash_quote_and_newline() -> None:
    assert quote('say "hi"\\n\nnext') == '"say \\"hi\\"\\\\n\\nnext"'


def test_html_escapes_markup() -> None:
    assert html('a < b & c > "d"') == "a &lt; b &amp; c &gt; &quot;d&quot;"


def test_attributes_quote_strings_and_keep_html_labels() -> None:
    assert attributes(label="<x<BR/>y>", color='#"1') == '[label=<x<BR/>y>, color="#\\"1"]'


def test_essay_figure_structure() -> None:
    text = to_dot(build(e, (2.0, 1.0)))
    assert text.startswith('digraph "e" {\n') and text.endswith("}\n")
    assert 'rankdir="BT"' in text
    assert re.findall(r"^  (n\d) \[label=<(.*?)>, fillcolor", text, re.M) == [
        ("n0", "a = 2"), ("n1", "b = 1"), ("n2", "c = a + b<BR/>= 3"),
        ("n3", "d = b + 1<BR/>= 2"), ("n4", "e = c * d<BR/>= 6")]
    assert re.findall(r"^  (n\d -> n\d) \[label=\"([^\"]*)\"\];$", text, re.M) == [
        ("n0 -> n2", "∂c/∂a = 1"), ("n1 -> n2", "∂c/∂b = 1"), ("n1 -> n3", "∂d/∂b = 1"),
        ("n2 -> n4", "∂e/∂c = d = 2"), ("n3 -> n4", "∂e/∂d = c = 3")]
    assert "{ rank=same; n0; n1; }" in text
    assert text == to_dot(build(e, (2.0, 1.0)))  # deterministic


def test_values_figure_has_bare_edges() -> None:
    text = to_dot(build(e, (2.0, 1.0)), edges=False)
    assert re.findall(r"^  n\d -> n\d;$", text, re.M) == [
        "  n0 -> n2;", "  n1 -> n2;", "  n1 -> n3;", "  n2 -> n4;", "  n3 -> n4;"]
    assert "∂" not in text


def test_derivatives_are_a_coloured_line() -> None:
    text = to_dot(build(e, (2.0, 1.0), reverse=True))
    assert 'c = a + b<BR/>= 3<BR/><FONT COLOR="#b71c1c">∂e/∂c = 2</FONT>' in text
    text = to_dot(build(e, (2.0, 1.0), forward="b"))
    assert '<FONT COLOR="#1b5e20">∂e/∂b = 5</FONT>' in text


def test_names_and_formulas_are_escaped() -> None:
    model = GraphModel(
        'f"\\', (GraphNode("x", "input", 1.0), GraphNode("y", "operation", 0.0, "x < 1 & 2")),
        (GraphEdge(0, 1, 'a"b', 0.0),))
    text = to_dot(model)
    assert text.startswith('digraph "f\\"\\\\" {')
    assert "y = x &lt; 1 &amp; 2<BR/>= 0" in text
    assert 'label="∂y/∂x = a\\"b = 0"' in text
