"""Pictures of computational graphs, as in the essay: `graph(fun, *args)`.

`model` builds what a picture shows (nodes, values, edge derivatives, forward- or
reverse-mode derivatives) from symdiff's IR; `dot` writes it as Graphviz text; `render`
runs Graphviz; `picture.Graph` ties them together. Nothing is imported until `graph` is
called, so ``import symdiff`` stays lean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from symdiff.tracebacks import boundary

if TYPE_CHECKING:
    from symdiff.pictures.picture import Graph


@boundary
def graph(
    fun: Callable[..., Any], *args: Any, forward: str | int | None = None,
    reverse: bool = False, edges: bool = True,
) -> Graph:
    """The computational graph of `fun` at `args`: one node per input and operation with
    its value, each edge labelled with its local partial derivative (unless `edges` is
    false); with ``forward="x"`` (a parameter name or position) every node also shows
    ∂node/∂x, with ``reverse=True`` ∂output/∂node. Straight-line code of numbers only.

    The result gives DOT text (``.source``), SVG and PNG (``.svg()``, ``.png()``, with
    Graphviz installed), ``.save(path)``, and shows inline in Jupyter.
    """
    from symdiff.pictures.model import build
    from symdiff.pictures.picture import Graph

    return Graph(build(fun, args, forward=forward, reverse=reverse), edges=edges)
