"""symdiff's modules import as layers: no import circle anywhere in the package (counting
imports inside functions and under TYPE_CHECKING), and the IR under the passes:
`ir/` imports none of `frontend/`, `transforms/`, `codegen/`, and those three import
none of each other except `frontend/` -> nothing of the others, `transforms/` ->
nothing of `frontend/`, `codegen/` -> nothing of `frontend/` or `transforms/`."""

from __future__ import annotations

import ast
from pathlib import Path

import symdiff

ROOT = Path(symdiff.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports, anywhere."""
    paths = {_module(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target not in (name, "symdiff"):
                    graph[name].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            name, edges = work[-1]
            for other in edges:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append((other, iter(sorted(graph[other]))))
                    break
                if other in on_stack:
                    low[name] = min(low[name], index[other])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[name])
                if low[name] == index[name]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == name:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_package_has_no_import_circle() -> None:
    graph = _imports()
    assert "symdiff.ir.builder" in graph and graph["symdiff.frontend.lower"]
    assert _circles(graph) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


# Which layer may import which: the passes side by side above the IR.
FORBIDDEN = {
    "symdiff.ir": ("symdiff.frontend", "symdiff.transforms", "symdiff.codegen",
                   "symdiff.runtime"),
    "symdiff.frontend": ("symdiff.transforms", "symdiff.codegen"),
    "symdiff.transforms": ("symdiff.frontend", "symdiff.codegen", "symdiff.runtime"),
    "symdiff.codegen": ("symdiff.frontend", "symdiff.transforms", "symdiff.runtime"),
}


def test_the_passes_stand_side_by_side_above_the_ir() -> None:
    wrong = sorted(
        f"{name} -> {other}" for name, imported in _imports().items()
        for layer, banned in FORBIDDEN.items() if name.startswith(layer)
        for other in imported if other.startswith(banned))
    assert wrong == []
