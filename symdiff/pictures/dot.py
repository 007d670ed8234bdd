"""DOT text for a `GraphModel`: the essay's figures as Graphviz source.

Contract: `to_dot(model, edges=True)` returns the same text for the same model. Inputs
sit in one row at the bottom and arrows point up towards the output, as in the essay.
A node shows its operation (``c = a + b``), its value, and with derivatives the one
asked for in colour (``∂e/∂c = 2``); an edge shows its local partial derivative
(``∂e/∂c = d = 2``). Every string is escaped (`quote` for DOT strings, `html` for
Graphviz's HTML-like labels), so any name or formula is safe to write.
"""

from __future__ import annotations

from symdiff.pictures.formula import number
from symdiff.pictures.model import GraphModel, GraphNode

FONT = "Helvetica"
FILL = {"input": "#dbe9f6", "global": "#eeeeee", "operation": "#ffffff", "constant": "#eeeeee"}
OUTPUT_FILL = "#fde9d0"
DERIVATIVE_COLOUR = {"forward": "#1b5e20", "reverse": "#b71c1c"}


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string (a literal backslash stays one)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def html(text: str) -> str:
    """`text` escaped for an HTML-like label."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "<BR/>"))


def attributes(**attrs: str) -> str:
    """``[key="value", ...]``; a value starting with ``<`` is an HTML-like label."""
    items = (f"{k}={v if v.startswith('<') else quote(v)}" for k, v in attrs.items())
    return "[" + ", ".join(items) + "]"


def node_label(model: GraphModel, node: GraphNode) -> str:
    """The node's HTML-like label: operation, value and, if asked, its derivative."""
    value = number(node.value)
    if node.kind in ("input", "global"):
        lines = [html(f"{node.name} = {value}")]
    else:
        lines = [html(node.label), html(f"= {value}")]
    if model.mode is not None:
        colour = DERIVATIVE_COLOUR[model.mode]
        text = html(f"{model.derivative_label(node)} = {number(node.derivative)}")
        lines.append(f'<FONT COLOR="{colour}">{text}</FONT>')
    return "<" + "<BR/>".join(lines) + ">"


def to_dot(model: GraphModel, edges: bool = True) -> str:
    """The DOT text of `model`; `edges` labels each arrow with its local derivative."""
    lines = [
        f"digraph {quote(model.function)} {{",
        f"  graph {attributes(rankdir='BT', nodesep='0.5', ranksep='0.6')};",
        f"  node {attributes(shape='ellipse', style='filled', fontname=FONT, fontsize='12')};",
        f"  edge {attributes(fontname=FONT, fontsize='10', color='#555555')};",
    ]
    for i, node in enumerate(model.nodes):
        fill = OUTPUT_FILL if node.output else FILL[node.kind]
        extra = {"penwidth": "2"} if node.output else {}
        label = node_label(model, node)
        lines.append(f"  n{i} {attributes(label=label, fillcolor=fill, **extra)};")
    inputs = " ".join(f"n{i};" for i, n in enumerate(model.nodes) if n.kind == "input")
    if inputs:
        lines.append(f"  {{ rank=same; {inputs} }}")
    for edge in model.edges:
        label = f" {attributes(label=model.edge_label(edge))}" if edges else ""
        lines.append(f"  n{edge.tail} -> n{edge.head}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"
