"""`Graph`: a function's computational graph at a point, as DOT, SVG or PNG.

Contract: a `Graph` holds a `GraphModel` and its DOT text (`source`, also `dot`); `svg()`,
`png()` and `render(fmt)` run Graphviz (see `render`); `save(path)` writes the format its
suffix names (``.dot``/``.gv`` DOT text, ``.svg``, ``.png``, ``.pdf``). In Jupyter it
shows as SVG (`_repr_svg_`), or as its text `repr` when Graphviz is not installed.
"""

from __future__ import annotations

from pathlib import Path

from symdiff.errors import SymdiffError
from symdiff.pictures.dot import to_dot
from symdiff.pictures.model import GraphModel
from symdiff.pictures.render import FORMATS, dot_program, render

DOT_SUFFIXES = (".dot", ".gv")


class Graph:
    """A picture of a function's computational graph (from `symdiff.graph`)."""

    def __init__(self, model: GraphModel, edges: bool = True) -> None:
        self.model = model
        self.source = to_dot(model, edges)
        self._rendered: dict[str, bytes] = {}

    @property
    def dot(self) -> str:
        """The DOT text (the same as `source`)."""
        return self.source

    def render(self, fmt: str) -> bytes:
        """The picture in `fmt` (``svg``, ``png`` or ``pdf``), drawn by Graphviz's ``dot``."""
        if fmt not in self._rendered:
            self._rendered[fmt] = render(self.source, fmt)
        return self._rendered[fmt]

    def svg(self) -> str:
        """The picture as SVG text."""
        return self.render("svg").decode("utf-8")

    def png(self) -> bytes:
        """The picture as PNG bytes."""
        return self.render("png")

    def save(self, path: str | Path) -> Path:
        """Write the picture in the format `path`'s suffix names; returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in DOT_SUFFIXES:
            data = self.source.encode("utf-8")
        elif suffix[1:] in FORMATS:
            data = self.render(suffix[1:])
        else:
            known = ", ".join([*DOT_SUFFIXES, *(f".{f}" for f in FORMATS)])
            raise SymdiffError(f"cannot tell the format of {str(path)!r} from its suffix; "
                               f"use one of {known}")
        try:
            path.write_bytes(data)
        except OSError as error:
            raise SymdiffError(f"cannot write {str(path)!r}: {error.strerror or error}") from None
        return path

    def _repr_svg_(self) -> str | None:
        # Jupyter's display hook: None lets it fall back to the text repr.
        return self.svg() if dot_program() is not None else None

    def __repr__(self) -> str:
        model = self.model
        extra = "" if dot_program() is not None else " (install Graphviz to see it drawn)"
        return (f"<symdiff graph of {model.function}: {len(model.nodes)} nodes, "
                f"{len(model.edges)} edges{extra}>")
