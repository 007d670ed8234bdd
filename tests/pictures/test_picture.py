"""Real rendering with Graphviz's dot (skipped without it outside CI: `tests/graphviz.py`),
saving, Jupyter."""

from __future__ import annotations

import os
from pathlib import Path
from xml.etree import ElementTree

import pytest

import symdiff
from symdiff.errors import SymdiffError
from symdiff.pictures.picture import Graph
from symdiff.pictures.render import render
from tests.graphviz import renders
from tests.pictures.functions import e

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG document (which must parse as XML)."""
    root = ElementTree.fromstring(svg.encode("utf-8"))
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.fixture
def picture() -> Graph:
    return symdiff.graph(e, 2.0, 1.0, reverse=True)


@renders
def test_graph_is_exported_and_gives_dot(picture) -> None:
    assert "graph" in symdiff.__all__
    assert picture.dot == picture.source and picture.source.startswith('digraph "e"')
    assert repr(picture) == "<symdiff graph of e: 5 nodes, 5 edges>"


@renders
def test_svg_parses_and_shows_every_label(picture) -> None:
    shown = texts(picture.svg())
    for label in ("a = 2", "b = 1", "c = a + b", "d = b + 1", "e = c * d", "= 6",
                  "∂e/∂c = 2", "∂e/∂b = 5", "∂e/∂c = d = 2", "∂e/∂d = c = 3", "∂c/∂a = 1"):
        assert label in shown


@renders
def test_png_is_a_png(picture) -> None:
    data = picture.png()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


@renders
def test_repr_svg_for_jupyter(picture) -> None:
    svg = picture._repr_svg_()
    assert svg is not None and "∂e/∂d = c = 3" in texts(svg)


@renders
@pytest.mark.parametrize(("suffix", "start"), [
    (".svg", b"<?xml"), (".png", PNG_SIGNATURE), (".pdf", b"%PDF"), (".dot", b"digraph"),
    (".gv", b"digraph")])
def test_save_by_suffix(picture, tmp_path: Path, suffix: str, start: bytes) -> None:
    path = picture.save(tmp_path / f"graph{suffix}")
    assert path.read_bytes().startswith(start)


def test_save_unknown_suffix(picture, tmp_path: Path) -> None:
    with pytest.raises(SymdiffError, match=r"cannot tell the format of .*graph\.txt"):
        picture.save(tmp_path / "graph.txt")
    assert not (tmp_path / "graph.txt").exists()


def test_save_into_a_missing_folder(picture, tmp_path: Path) -> None:
    with pytest.raises(SymdiffError, match="cannot write .*No such file or directory"):
        picture.save(tmp_path / "missing" / "graph.dot")


def test_without_graphviz(picture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SymdiffError, match="needs Graphviz's 'dot' program.*apt-get install "
                                           "graphviz"):
        picture.svg()
    assert picture._repr_svg_() is None
    assert "install Graphviz" in repr(picture)
    assert picture.save(tmp_path / "graph.dot").read_text().startswith("digraph")


@renders
def test_dot_errors_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SymdiffError, match="-Tsvg failed"):
        render("digraph {", "svg")
    with pytest.raises(SymdiffError, match="cannot render 'gif'"):
        render("digraph {}", "gif")


@renders
def test_graphviz_is_installed() -> None:
    # In CI (CI=true) rendering is mandatory: a missing `dot` fails here rather than
    # letting the rendering tests pass by skipping.
    assert any(os.access(Path(d) / "dot", os.X_OK) for d in os.environ["PATH"].split(os.pathsep))
