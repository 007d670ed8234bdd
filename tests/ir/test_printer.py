"""`ir.printer`: a program as text, one line per operation.

Contract tested here: the listing of a straight-line program, of a branch and of a loop
(regions indented under their node, a loop's record as its fields), array types and
name hints; the same text for the same function lowered twice and in another process
(no addresses); a schedule's order and inlined operations.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

from symdiff.codegen.schedule import schedule
from symdiff.ir.builder import Builder
from symdiff.ir.node import Program
from symdiff.ir.printer import format_program
from symdiff.ir.types import MANY, ArrayType
from symdiff.runtime.pipeline import lowered, primal_program


def test_a_straight_line_program() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    c = b.mul(x, y)
    b.name(c, "c")
    out = b.add(b.sin(c), b.mul(c, 2.0))
    program = Program("f", (x, y), (out, c), b, effects=(b.sin(c),))
    assert format_program(program) == textwrap.dedent("""\
        def f(x, y):
            %0 = mul x, y  # c
            %1 = sin %0
            %2 = mul %0, 2.0
            %3 = add %1, %2
            return (%3, %0)
            effects %1
        """)


def test_arrays_show_their_types_and_attributes() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float64", (MANY,)))
    total = b.apply("sum", b.mul(x, x), attrs=(None, False))
    assert format_program(Program("f", (x,), total, b)) == textwrap.dedent("""\
        def f(x: float64[n]):
            %0: float64[n] = mul x, x
            %1 = sum %0 [None, False]
            return %1
        """)


def branchy(a: float, b: float) -> float:
    if a > 0:
        c = a * b
    else:
        c = -b
    return math.sin(c) * math.pi


def looping(x: float) -> float:
    s = 0.0
    for i in range(3):
        s = s + x * i
    return s


def test_a_branch_is_indented_under_its_node() -> None:
    assert format_program(lowered(branchy)) == textwrap.dedent("""\
        def branchy(a, b):
            %0 = gt a, 0
            %1 = cond %0, a, b
                then(%2 a, %3 b):
                    %4 = mul %2, %3  # c
                    return (%4,)
                else(%5 a, %6 b):
                    %7 = neg %6  # c
                    return (%7,)
            %8 = proj %1 [0]  # c
            %9 = sin %8
            %10 = mul %9, 3.141592653589793
            return %10
            effects %9
        """)


def test_a_loop_shows_its_record_and_body() -> None:
    text = format_program(primal_program(looping))
    assert text == textwrap.dedent("""\
        def looping(x):
            %0 = loop 0, 3, 1, 0.0, x [kind='range', n_carry=1]
                body(%1 i, %2 s, %3 x):
                    %4 = mul %3, %1
                    %5 = add %2, %4  # s
                    return (%5,)
            %6 = proj %0 [0]  # s
            return %6
        """)


def test_the_same_function_prints_the_same_text() -> None:
    assert format_program(lowered(branchy)) == format_program(lowered(branchy))
    assert "0x" not in format_program(lowered(looping))


def test_the_same_text_in_another_process() -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from tests.ir.test_printer import branchy, looping; "
            "from symdiff.ir.printer import format_program; "
            "from symdiff.runtime.pipeline import primal_program; "
            "print(format_program(primal_program(branchy)) "
            "+ format_program(primal_program(looping)), end='')")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code, root], capture_output=True, text=True,
                         env=env, check=True, cwd=root).stdout
    assert out == (format_program(primal_program(branchy))
                   + format_program(primal_program(looping)))


def test_a_schedule_prints_its_order_and_what_it_inlines() -> None:
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.add(b.mul(x, 2.0), b.sin(x)), b)
    s = schedule(program)
    inlined = {n for n in s.order if n not in s.assigned and n not in s.statements}
    text = format_program(program, s.order, inlined)
    assert text.splitlines()[1:3] == ["    %0 = mul x, 2.0  # inlined",
                                      "    %1 = sin x  # inlined"]


def three_way(x: float) -> float:
    if x < 0:
        y = -x
    elif x < 1:
        y = x * x
    else:
        y = math.sin(x)
    return y


def test_an_elif_chain_lists_each_test_before_its_branch() -> None:
    text = format_program(lowered(three_way))
    labels = [line.strip().split("(")[0] for line in text.splitlines()
              if line.strip().startswith(("then(", "elif(", "else("))]
    assert labels == ["then", "elif", "then", "else"]
    assert "lt %" in text.split("elif(")[1].split("then(")[0]  # the test x < 1 itself
