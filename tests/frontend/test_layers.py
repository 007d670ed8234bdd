"""The frontend's modules form a tree: none imports a module that imports it back,
counting imports inside functions and under TYPE_CHECKING, and the helpers reach the
lowering through the Frame (or grammar) they are given, never by importing lower.py."""

from __future__ import annotations

import ast
from pathlib import Path

import symdiff.frontend

FRONTEND = Path(symdiff.frontend.__file__).parent
PACKAGE = "symdiff.frontend"


def _imports() -> dict[str, set[str]]:
    """Each frontend module's name -> the frontend modules it imports, anywhere in it."""
    modules = {path.stem: path for path in FRONTEND.glob("*.py") if path.stem != "__init__"}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
                found = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found = {node.module.removeprefix(PACKAGE + ".")}
            elif isinstance(node, ast.Import):
                found = {alias.name.removeprefix(PACKAGE + ".") for alias in node.names}
            else:
                continue
            graph[name] |= found & modules.keys()
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """Some circle of imports in `graph`, as the modules along it, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        if name in path:
            return [*path[path.index(name):], name]
        if name in done:
            return None
        path.append(name)
        for other in sorted(graph[name]):
            found = visit(other)
            if found is not None:
                return found
        path.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        found = visit(name)
        if found is not None:
            return found
    return None


def test_the_frontend_has_no_import_circle() -> None:
    graph = _imports()
    assert "lower" in graph and graph["lower"]
    circle = _circle(graph)
    assert circle is None, " -> ".join(circle)


def test_the_circle_check_finds_a_circle() -> None:
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _circle({"a": {"b"}, "b": set()}) is None


def test_no_helper_imports_the_lowering_entry() -> None:
    # rules.py lowers a rule's function as lower.py lowers the user's: with the grammar
    # of the frame whose call it lowers (or that lower.py hands it).
    importers = {name for name, imported in _imports().items() if "lower" in imported}
    assert importers == set()
