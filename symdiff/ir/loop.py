"""The loop region: its record, and the layout of its values by name.

Contract:
- A ``loop`` node's only attribute is a `Loop`: its kind (``"range"`` or ``"while"``),
  its body (and, for a ``while`` loop, its test) and how many values each group of its
  layout holds. As in a scan, a loop's values come in groups, in this order:

  ========================  ========================================================
  node arguments            `LoopArgs`: range · inits · consts · lists · tape
  body parameters           `BodyParams`: index · popped · unstacked · carry · consts
  body results              `BodyResults`: carry · stacked · saved · stop
  node outputs (``proj``)   `LoopOutputs`: carry · stacks · tape · trips
  ========================  ========================================================

  The range (start, stop, step) and the index are a ``range`` loop's; a ``while`` loop's
  test takes the parameters ``carry · consts``. `consts` are the operands, the same every
  iteration; `carry` the values carried from one iteration to the next.
- Values per iteration go through one mechanism: each iteration *pushes* one entry onto
  each list the loop outputs (`BodyResults.pushed`, `LoopOutputs.lists`): a value the
  body appends (``xs.append(v)``), and the values it saves for a backward sweep, together,
  on the tape; a loop running backwards *pops* one entry from each list it takes
  (`LoopArgs.popped_from`, `BodyParams.pops`), last first: an entry of its forward loop's
  tape, and one value from each list of cotangents of the lists the forward loop
  appended to. An entry of several values is a tuple. The trip count (`trips`, when
  `counted`) and the break flag (`stop`, when `breaks`) are named outputs too.
- ``loop.split_*(xs)`` cut a flat sequence laid out like one of those (the nodes, or
  their values, flags, tangents or positions) into its named groups, and each group
  record's `flat()` lays them out again: nothing else knows the positions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from symdiff.ir.node import Node, NodeBuilder, Op, Program

T = TypeVar("T")


@dataclass(frozen=True)
class Loop:
    """The static description of a loop region (its node's only attribute)."""

    kind: str  # "range" or "while"
    body: Program
    n_carry: int
    test: Program | None = None
    n_saved: int = 0  # values the body saves on the tape each iteration (one entry)
    n_popped: int = 0  # values each iteration pops from the tape (a backward loop)
    reverse: bool = False  # run the range backwards
    counted: bool = False  # also output the number of iterations
    breaks: bool = False  # the body's last result says whether to stop after it
    # Values the body appends, each to its own list, every iteration (``xs.append(v)``).
    n_stacked: int = 0
    # Lists the loop pops one value from each iteration (the cotangents of a forward
    # loop's lists, in a backward loop).
    n_unstacked: int = 0
    # Set only by `transforms.checks`, for the pure-Python code: a forward loop kept for
    # its checks alone that runs only when what follows it up to the backward loop
    # computing its checks raises (`deferred`), and that backward loop, with the body
    # of the deferred loop as its `checks`.
    deferred: bool = False
    checks: Program | None = None

    @property
    def has_lists(self) -> bool:
        """Whether it pushes onto or pops from lists (appended values, a tape)."""
        return bool(self.n_stacked or self.n_saved or self.n_unstacked or self.n_popped)

    @property
    def n_outputs(self) -> int:
        return self.n_carry + self.n_stacked + (self.n_saved > 0) + self.counted

    def split_args(self, xs: Sequence[T]) -> LoopArgs[T]:
        """`xs` laid out like the loop node's arguments, by group."""
        r, n = (3 if self.kind == "range" else 0), self.n_carry
        end = len(xs) - (1 if self.n_popped else 0)
        lists = end - self.n_unstacked
        return LoopArgs(tuple(xs[:r]), tuple(xs[r:r + n]), tuple(xs[r + n:lists]),
                        tuple(xs[lists:end]), xs[end] if self.n_popped else None)

    def split_params(self, xs: Sequence[T]) -> BodyParams[T]:
        """`xs` laid out like the body's parameters (or a test's), by group."""
        i = 1 if self.kind == "range" else 0
        popped = i + self.n_popped
        carry = popped + self.n_unstacked
        consts = carry + self.n_carry
        return BodyParams(tuple(xs[:i]), tuple(xs[i:popped]), tuple(xs[popped:carry]),
                          tuple(xs[carry:consts]), tuple(xs[consts:]))

    def split_results(self, xs: Sequence[T]) -> BodyResults[T]:
        """`xs` laid out like the body's results, by group."""
        n = self.n_carry
        saved = n + self.n_stacked
        stop = saved + self.n_saved
        return BodyResults(tuple(xs[:n]), tuple(xs[n:saved]), tuple(xs[saved:stop]),
                           xs[stop] if self.breaks else None)

    def split_outputs(self, xs: Sequence[T]) -> LoopOutputs[T]:
        """`xs` laid out like the loop node's outputs, by group."""
        n = self.n_carry
        tape = n + self.n_stacked
        trips = tape + (self.n_saved > 0)
        return LoopOutputs(tuple(xs[:n]), tuple(xs[n:tape]),
                           xs[tape] if self.n_saved else None,
                           xs[trips] if self.counted else None)

    @cached_property
    def outputs(self) -> LoopOutputs[int]:
        """The positions of the loop node's outputs (``proj`` indices), by group."""
        return self.split_outputs(range(self.n_outputs))

    def extended(self, body: Program, test: Program | None, params: BodyParams[Any],
                 results: BodyResults[Any]) -> Loop:
        """This loop over `body` (and `test`), whose parameters and results are those of
        this loop's body with each group extended by that group of `params`, `results`
        (a loop that also carries, appends, saves and pops tangents)."""
        return replace(self, body=body, test=test,
                       n_carry=self.n_carry + len(results.carry),
                       n_stacked=self.n_stacked + len(results.stacked),
                       n_saved=self.n_saved + len(results.saved),
                       n_popped=self.n_popped + len(params.popped),
                       n_unstacked=self.n_unstacked + len(params.unstacked))


G = TypeVar("G", bound="_Groups[Any]")


class _Groups(Generic[T]):
    """Values in named groups, laid out in the order of the record's fields: a tuple per
    group, but one value or None for the fields named in `_single`."""

    _single: ClassVar[frozenset[str]] = frozenset()

    def _groups(self) -> Iterator[tuple[bool, Any]]:
        """(whether it is a single value, the group) for each field, in order."""
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            yield name in self._single, getattr(self, name)

    def flat(self) -> tuple[T, ...]:
        """The values laid out again, group after group."""
        out: list[T] = []
        for single, value in self._groups():
            if not single:
                out.extend(value)
            elif value is not None:
                out.append(value)
        return tuple(out)

    def extend(self: G, more: G) -> G:
        """Each group followed by the same group of `more` (which has no single values)."""
        groups = []
        for (single, mine), (_, theirs) in zip(self._groups(), more._groups(), strict=True):
            if single and theirs is not None:
                raise ValueError("a second single value")
            groups.append(mine if single else (*mine, *theirs))
        return type(self)(*groups)

    def cut(self: G, xs: Sequence[Any]) -> G:
        """`xs` cut into groups as long as these."""
        groups: list[Any] = []
        start = 0
        for single, value in self._groups():
            if single:
                groups.append(None if value is None else xs[start])
                start += value is not None
            else:
                groups.append(tuple(xs[start:start + len(value)]))
                start += len(value)
        if start != len(xs):
            raise ValueError(f"{len(xs)} values for {start} places")
        return type(self)(*groups)


@dataclass(frozen=True)
class LoopArgs(_Groups[T]):
    """A loop node's arguments (or values laid out like them), by group."""

    range: tuple[T, ...]  # start, stop, step (a range loop)
    inits: tuple[T, ...]  # the carried values' values before the first iteration
    consts: tuple[T, ...]  # the operands, the same every iteration
    lists: tuple[T, ...]  # lists to pop one value from each iteration
    tape: T | None  # the tape to pop one entry from each iteration

    _single = frozenset({"tape"})

    @property
    def popped_from(self) -> tuple[T, ...]:
        """The lists each iteration pops an entry from, in the order of `BodyParams.pops`."""
        return (*(() if self.tape is None else (self.tape,)), *self.lists)


@dataclass(frozen=True)
class BodyParams(_Groups[T]):
    """A loop body's parameters (or values laid out like them), by group."""

    index: tuple[T, ...]  # the index of a range loop; none for a while loop
    popped: tuple[T, ...]  # the values of this iteration's tape entry
    unstacked: tuple[T, ...]  # the value popped from each of the loop's lists
    carry: tuple[T, ...]  # the carried values as the iteration starts
    consts: tuple[T, ...]

    @property
    def pops(self) -> tuple[tuple[T, ...], ...]:
        """The values each popped entry holds, one group per list of `LoopArgs.popped_from`."""
        return (*((self.popped,) if self.popped else ()), *((u,) for u in self.unstacked))


@dataclass(frozen=True)
class BodyResults(_Groups[T]):
    """A loop body's results (or values laid out like them), by group."""

    carry: tuple[T, ...]  # the carried values' next values
    stacked: tuple[T, ...]  # values appended, each to its own list
    saved: tuple[T, ...]  # values saved on the tape, as one entry
    stop: T | None  # whether to stop after this iteration (a loop that breaks)

    _single = frozenset({"stop"})

    @property
    def pushed(self) -> tuple[tuple[T, ...], ...]:
        """The values of each entry pushed this iteration, one group per list of
        `LoopOutputs.lists`."""
        return (*((s,) for s in self.stacked), *((self.saved,) if self.saved else ()))


@dataclass(frozen=True)
class LoopOutputs(_Groups[T]):
    """A loop node's outputs (or values, positions laid out like them), by group."""

    carry: tuple[T, ...]  # the carried values' final values
    stacks: tuple[T, ...]  # one list per appended value
    tape: T | None  # the saved values, one entry per iteration
    trips: T | None  # the number of iterations run (a counted loop)

    _single = frozenset({"tape", "trips"})

    @property
    def lists(self) -> tuple[T, ...]:
        """The lists each iteration pushes an entry onto, in the order of
        `BodyResults.pushed`."""
        return (*self.stacks, *(() if self.tape is None else (self.tape,)))


def loop_node(b: NodeBuilder, loop: Loop, args: tuple[Node, ...]) -> Node:
    return b.structural(Op.LOOP, args, (loop,))


def loop_args(node: Node) -> LoopArgs[Node]:
    """A loop node's arguments, by group."""
    loop: Loop = node.attrs[0]
    return loop.split_args(node.args)


def moved_output(old: Loop, new: Loop, i: int) -> int:
    """Where `old`'s output `i` is among `new`'s, when each group of `new` begins with
    `old`'s (a loop that also carries, appends or saves tangents)."""
    was, now = old.outputs, new.outputs
    for before, after in ((was.carry, now.carry), (was.stacks, now.stacks),
                          ((was.tape,), (now.tape,)), ((was.trips,), (now.trips,))):
        if i in before:
            moved = after[before.index(i)]
            assert moved is not None
            return moved
    raise IndexError(f"a loop with {old.n_outputs} outputs has no output {i}")
