"""The IR printer: a `Program` as text, one line per operation.

Contract: `format_program(program)` returns a deterministic, readable listing of
`program`: a ``def name(params):`` line, then one line per live operation in creation
order (which is topological), ``%3 = mul %1, x [attributes]``, then ``return`` with the
result's structure and the ``effects``. Operations are numbered ``%0, %1, ...`` in the
order printed, across the whole listing; parameters read by name, constants by value,
globals as ``@math.pi``. An array value shows its type (``%3: float64[n] = ...``) and a
value with a name hint ends in ``# hint``. A region (``cond``, ``loop``) is followed by
its sub-programs, indented: a branch as ``then(...)`` / ``else(...)`` (an n-way one
with each test as ``elif(...)`` before its branch's ``then``), a loop's as the
fields of its record that hold programs (``body(...)``, ``test(...)``), with the loop's
other fields (those not at their default) in its attributes. The same program prints the
same text in every process (no addresses, no ids).

`order` prints the top level in a given order instead (a schedule's), and `inlined`
marks the operations a schedule inlines into their user (``# inlined``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from symdiff.ir.node import (
    LEAVES,
    Node,
    Op,
    Program,
    Structure,
    assemble,
    global_name,
    topological,
    written,
)

__all__ = ["format_program"]

INDENT = "    "


def format_program(program: Program, order: Sequence[Node] | None = None,
                   inlined: Collection[Node] = ()) -> str:
    """`program` as text (see the module docstring)."""
    printer = _Printer(inlined)
    params = ", ".join(_param(p) for p in program.params)
    lines = [f"def {program.name}({params}):"]
    lines += printer.block(program, 1, order)
    return "\n".join(lines) + "\n"


def _param(p: Node) -> str:
    kind = p.type if p.type is not None else (p.attrs[1] if len(p.attrs) > 1 else None)
    return str(p.attrs[0]) if kind is None else f"{p.attrs[0]}: {kind}"


class _Printer:
    def __init__(self, inlined: Collection[Node]) -> None:
        self.numbers: dict[Node, int] = {}
        self.inlined = inlined

    def ref(self, node: Node) -> str:
        if node.op == Op.CONST:
            return repr(node.value)
        if node.op == Op.PARAM:
            return str(node.attrs[0])
        if node.op == Op.GLOBAL:
            return "@" + global_name(node.attrs)
        number = self.numbers.get(node)
        return "%?" if number is None else f"%{number}"

    def define(self, node: Node) -> str:
        self.numbers[node] = len(self.numbers)
        text = f"%{self.numbers[node]}"
        return text if node.type is None else f"{text}: {node.type}"

    def block(self, program: Program, depth: int,
              order: Sequence[Node] | None = None) -> list[str]:
        pad = INDENT * depth
        roots = [*program.outputs, *program.effects]
        if order is None:
            order = sorted(topological(roots), key=lambda n: n.serial)
        names = program.builder.names
        lines: list[str] = []
        for node in order:
            if node.op in LEAVES:
                continue
            args = ", ".join(self.ref(a) for a in node.args)
            attrs, regions = _attributes(node)
            line = f"{pad}{self.define(node)} = {node.op}"
            if args:
                line += f" {args}"
            if attrs:
                line += f" [{attrs}]"
            notes = [names[node]] if node in names else []
            if node in self.inlined:
                notes.append("inlined")
            if notes:
                line += f"  # {', '.join(notes)}"
            lines.append(line)
            for label, body in regions:
                lines += self.region(label, body, depth + 1)
        lines.append(f"{pad}return {self.structure(program.result)}")
        if program.effects:
            lines.append(f"{pad}effects {', '.join(self.ref(e) for e in program.effects)}")
        return lines

    def region(self, label: str, body: Program, depth: int) -> list[str]:
        params = []
        for p in body.params:
            params.append(f"{self.define(p)} {p.attrs[0]}" if p.op == Op.ARG else self.ref(p))
        return [f"{INDENT * depth}{label}({', '.join(params)}):",
                *self.block(body, depth + 1)]

    def structure(self, structure: Structure) -> str:
        return assemble(structure, self.ref, written)  # type: ignore[no-any-return]


def _attributes(node: Node) -> tuple[str, list[tuple[str, Program]]]:
    """A node's attributes as text, and the sub-programs of a region, labelled."""
    if node.op == Op.COND:
        arms = node.attrs[0]
        labelled = [("then", arms.branches[0])]
        for test, branch in zip(arms.tests, arms.branches[1:-1], strict=True):
            labelled += [("elif", test), ("then", branch)]
        return "", [*labelled, ("else", arms.branches[-1])]
    regions: list[tuple[str, Program]] = []
    shown: list[str] = []
    for attr in node.attrs:
        if dataclasses.is_dataclass(attr) and not isinstance(attr, type):
            shown += _record(attr, regions)
        else:
            shown.append(_value(attr))
    return ", ".join(shown), regions


def _record(record: Any, regions: list[tuple[str, Program]]) -> list[str]:
    """A record's fields (a loop's): programs as regions, the rest unless at default."""
    shown = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Program):
            regions.append((f.name, value))
        elif value is None or (f.default is not dataclasses.MISSING and value == f.default):
            continue
        else:
            shown.append(f"{f.name}={_value(value)}")
    return shown


def _value(value: Any) -> str:
    """An attribute as text, the same in every process."""
    if isinstance(value, tuple):
        return f"({_joined(value)}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return f"[{_joined(value)}]"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    if isinstance(value, Program):
        return f"<program {value.name}>"
    name = getattr(value, "__qualname__", None)
    if callable(value) and name is not None:
        return f"{getattr(value, '__module__', None) or '?'}.{name}"
    text = str(value)
    return text if " at 0x" not in text else f"<{type(value).__name__}>"


def _joined(values: Iterable[Any]) -> str:
    return ", ".join(_value(v) for v in values)
