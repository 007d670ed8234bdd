"""The essay's example, ``e = (a + b) * (b + 1)`` at ``a = 2, b = 1``, through symdiff.

Run with ``make demo``. It prints the value, the source symdiff generates for forward
and reverse mode, the gradient, and the essay's two pictures of the chain rule:
forward mode from ``b`` (∂node/∂b for every node) and reverse mode from ``e``
(∂e/∂node for every node). The per-node numbers come from `symdiff.graph`, which runs
symdiff's own transforms over the lowered program and evaluates them with the
reference interpreter. It writes the essay's figures (values; edge derivatives;
forward mode from b; reverse mode from e) to ``docs/figures`` (or the folder given as
its argument) as DOT, and as SVG when Graphviz is installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import symdiff
from symdiff.pictures.model import GraphModel
from symdiff.pictures.picture import Graph
from symdiff.pictures.render import dot_program


def e(a: float, b: float) -> float:
    c = a + b
    d = b + 1
    e = c * d
    return e


ARGS = (2.0, 1.0)
FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def figures() -> dict[str, Graph]:
    """The essay's figures of `e` at `ARGS`, by file stem."""
    return {
        "essay-values": symdiff.graph(e, *ARGS, edges=False),
        "essay-edges": symdiff.graph(e, *ARGS),
        "essay-forward": symdiff.graph(e, *ARGS, forward="b"),
        "essay-reverse": symdiff.graph(e, *ARGS, reverse=True),
    }


def write_figures(folder: Path) -> list[Path]:
    """Write each figure as DOT, and as SVG when Graphviz is installed."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, picture in figures().items():
        written.append(picture.save(folder / f"{stem}.dot"))
        if dot_program() is not None:
            written.append(picture.save(folder / f"{stem}.svg"))
    return written


def derivatives(model: GraphModel) -> dict[str, float]:
    """Each node's forward- or reverse-mode derivative, by the label the essay gives it."""
    return {model.derivative_label(n): n.derivative for n in model.nodes}


def show(pairs: dict[str, float]) -> None:
    print("  " + ", ".join(f"{label} = {value:g}" for label, value in pairs.items()))


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def main(folder: Path = FIGURES) -> None:
    a, b = ARGS
    heading("The function: c = a + b; d = b + 1; e = c * d")
    pictures = figures()
    model = pictures["essay-edges"].model
    show({n.name: n.value for n in model.nodes})
    print(f"  value: e({a:g}, {b:g}) = {e(a, b):g}")
    print("  edges: " + ", ".join(model.edge_label(edge) for edge in model.edges))

    heading("Forward-mode source (symdiff.source(e, mode='forward'))")
    print(symdiff.source(e, mode="forward", argnums=(0, 1)).rstrip())
    heading("Reverse-mode source (symdiff.source(e, mode='reverse'))")
    print(symdiff.source(e, mode="reverse", argnums=(0, 1)).rstrip())

    heading("Gradient")
    print(f"  symdiff.grad(e, argnums=(0, 1))({a}, {b}) = {symdiff.grad(e, argnums=(0, 1))(a, b)}")

    heading("Forward mode from b: ∂node/∂b, one pass covers every node")
    show(derivatives(pictures["essay-forward"].model))
    out, tangent = symdiff.jvp(e, ARGS, (0.0, 1.0))
    print(f"  symdiff.jvp(e, {ARGS}, (0.0, 1.0)) = ({out}, {tangent})")

    heading("Reverse mode from e: ∂e/∂node, one pass covers every node")
    show(dict(reversed(derivatives(pictures["essay-reverse"].model).items())))
    out, vjp_fn = symdiff.vjp(e, *ARGS)
    print(f"  symdiff.vjp(e, {a}, {b})[1](1.0) = {vjp_fn(1.0)}")

    heading(f"Pictures of the graph (symdiff.graph), in {folder}")
    for path in write_figures(folder):
        print(f"  {path.name}")
    if dot_program() is None:
        print("  (install Graphviz for the SVG pictures: apt-get install graphviz)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIGURES)
