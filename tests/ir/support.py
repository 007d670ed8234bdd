"""Helpers of the IR tests: a program over parameters typed like example values, and
running a program's emitted code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symdiff.codegen.emit import emit_module
from symdiff.ir.node import Builder, Node, Program
from symdiff.ir.types import of_value

Build = Callable[[Builder, list[Node]], Node]


def program_of(build: Build, values: list[Any]) -> Program:
    """``f(x0, x1, ...)`` returning `build`'s node, each parameter typed like its value."""
    b = Builder()
    params = [b.param(f"x{i}", of_value(v)) if of_value(v) is not None else b.param(f"x{i}")
              for i, v in enumerate(values)]
    return Program("f", tuple(params), build(b, params), b)


def run_emitted(program: Program, *args: Any) -> Any:
    """Call the function `program`'s emitted module defines."""
    namespace: dict[str, Any] = {}
    exec(compile(emit_module(program), f"<{program.name}>", "exec"), namespace)  # noqa: S102
    return namespace[program.name](*args)
