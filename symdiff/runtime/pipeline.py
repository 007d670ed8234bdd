"""The compile pipeline: a list of named passes, run top to bottom.

Contract: `passes(spec)` lists the passes that build `spec` of a function, in order:

    source     the function's source (`frontend.source`)
    lower      its IR, once the fence has checked the source (`frontend.lower`), with
               the transforms it calls expanded (`transforms.nested`)
    simplify   exact rewrites (`transforms.simplify`)
    prune      without the loop and branch values nothing reads (`transforms.prune`)
    grad ...   one transform per spec of the chain, innermost first, each followed by
    simplify   simplify, of what the transform made as it marks it (`Program.derived`:
    prune      which nodes may also have their constant factors gathered), and prune
    lists      a float64 vector read by element read as a list (`transforms.lists`)
    checks     a loop run only for its checks computed by the backward loop over its
               range instead, pure-Python code only (`transforms.checks`)
    schedule   the order of the operations and which get a name (`codegen.schedule`)
    emit       the module: its text, its function's name, its imports (`codegen.emit`)

Each pass is a function from one `Unit` (what the build knows so far) to the next,
without side effects. No transform simplifies or prunes its own result: the two passes
after it do (a transform that builds on another's result finishes that one first).
`run(unit, passes, dump)` runs passes under the build lock (`building`) and calls
``dump(name, unit)`` after each; `until(passes, name)` ends a list after a pass.

- `generate(fn, spec)` runs them all and returns the `Emitted` module.
- `dump_text(fn, spec)` is the IR after every pass as text (`ir.printer`), the module
  last.
- `lowered(fn)`, `primal_program(fn)` and `derivative_program(fn, spec)` stop after
  ``lower``, after the first ``prune`` and before ``schedule``, for what reads the IR
  (pictures, `cost`, `to_sympy`, `testing`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from symdiff.host.building import building
from symdiff.ir.node import Op
from symdiff.runtime.spec import Spec

if TYPE_CHECKING:
    from symdiff.codegen.emit import Emitted
    from symdiff.codegen.schedule import Schedule
    from symdiff.frontend.source import FunctionSource
    from symdiff.ir.node import Program

# The compiler's modules are imported in the passes: a disk-cache hit needs none. (The
# records are plain classes: making a dataclass costs a first call half a millisecond,
# a named tuple a tenth.)


class Unit:
    """What a build knows after a pass: the function and spec it started from, then the
    function's source, its program, the schedule and the emitted module. Passes make a
    new one (`replace`), never change one."""

    __slots__ = ("fn", "spec", "source", "program", "scheduled", "emitted")

    def __init__(self, fn: Callable[..., Any], spec: Spec,
                 source: FunctionSource | None = None, program: Program | None = None,
                 scheduled: Schedule | None = None, emitted: Emitted | None = None) -> None:
        self.fn, self.spec, self.source = fn, spec, source
        self.program, self.scheduled, self.emitted = program, scheduled, emitted

    def replace(self, **changes: Any) -> Unit:
        """This unit with the fields in `changes` changed."""
        return Unit(**{name: changes.get(name, getattr(self, name)) for name in self.__slots__})


class Pass:
    """A named step of the pipeline."""

    __slots__ = ("name", "run")

    def __init__(self, name: str, run: Callable[[Unit], Unit]) -> None:
        self.name, self.run = name, run

    def __repr__(self) -> str:
        return f"Pass({self.name!r})"


def _source(unit: Unit) -> Unit:
    from symdiff.frontend.resolve import is_known_callable
    from symdiff.frontend.source import get_source

    if unit.source is not None or is_known_callable(unit.fn):
        return unit  # read already, or a builtin, NumPy's or a rule's: no source
    return unit.replace(source=get_source(unit.fn))


def _lower(unit: Unit) -> Unit:
    from symdiff.frontend.lower import lower
    from symdiff.transforms.nested import expand

    # A transform the function calls (grad(f)(x)) is expanded into its program at once.
    program = expand(lower(unit.fn, source=unit.source, types=unit.spec.types))
    return unit.replace(program=program)


def _simplify(unit: Unit) -> Unit:
    from symdiff.transforms.simplify import simplify_program

    assert unit.program is not None
    return unit.replace(program=simplify_program(unit.program))


def _simplify_derivative(unit: Unit) -> Unit:
    # What the transform made, as it marks it (`Program.derived`). A transform that
    # marks nothing rewrote finished programs linearly (a Jacobian, a batched program,
    # the Hessian of arrays) and is not simplified again.
    assert unit.program is not None
    return unit if unit.program.derived is None else _simplify(unit)


def _prune(unit: Unit) -> Unit:
    from symdiff.transforms.prune import prune_program

    assert unit.program is not None
    return unit.replace(program=prune_program(unit.program))


def _schedule(unit: Unit) -> Unit:
    from symdiff.codegen.schedule import schedule

    assert unit.program is not None
    return unit.replace(scheduled=schedule(unit.program))


def _emit(unit: Unit) -> Unit:
    from symdiff._version import __version__
    from symdiff.codegen.emit import emit

    assert unit.program is not None
    # Only what the disk-cache key covers may shape the text: the name, not the module.
    name = getattr(unit.fn, "__name__", "function")
    header = f"Generated by symdiff {__version__} from {name}. Do not edit."
    native = unit.spec.backend == "numba"
    return unit.replace(emitted=emit(unit.program, header, unit.scheduled, native=native))


SIMPLIFY = Pass("simplify", _simplify)
PRUNE = Pass("prune", _prune)
SIMPLIFY_DERIVATIVE = Pass("simplify", _simplify_derivative)
# The user's function as every transform takes it.
PRIMAL = (Pass("source", _source), Pass("lower", _lower), SIMPLIFY, PRUNE)


def _lists(unit: Unit) -> Unit:
    from symdiff.transforms.lists import as_lists

    assert unit.program is not None
    if unit.spec.backend == "numba":
        return unit  # compiled code reads an array by element at no cost; a list costs
    return unit.replace(program=as_lists(unit.program))


def _checks(unit: Unit) -> Unit:
    from symdiff.transforms.checks import fuse_checks

    assert unit.program is not None
    if unit.spec.backend == "numba":
        return unit  # numba's arithmetic does not raise: its code drops the checks
    return unit.replace(program=fuse_checks(unit.program))


CODE = (Pass("lists", _lists), Pass("checks", _checks), Pass("schedule", _schedule),
        Pass("emit", _emit))


def passes(spec: Spec) -> list[Pass]:
    """The passes that build `spec` of a function, in order."""
    return [*PRIMAL, *transforms(spec), *CODE]


def transforms(spec: Spec) -> list[Pass]:
    """The passes of `spec`'s chain of transforms, innermost first, each simplified and
    pruned after."""
    steps: list[Spec] = []
    for s in reversed(spec.chain()):
        if _is_vjp_of_gradient(s):
            steps[-1] = s  # one transform of the gradient and its VJP together
        elif s.kind != "primal":
            steps.append(s)
    found = []
    for s in steps:
        name = "vjp of grad" if _is_vjp_of_gradient(s) else s.kind
        found += [Pass(name, _transform(s)), SIMPLIFY_DERIVATIVE, PRUNE]
    return found


def until(passes: Sequence[Pass], name: str) -> list[Pass]:
    """`passes` up to and including the first one called `name`."""
    names = [p.name for p in passes]
    if name not in names:
        raise ValueError(f"no pass {name!r}; the passes are {', '.join(names)}")
    return list(passes[:names.index(name) + 1])


def run(unit: Unit, passes: Sequence[Pass],
        dump: Callable[[str, Unit], None] | None = None) -> Unit:
    """`unit` after `passes`, in order; ``dump(name, unit)`` after each."""
    with building():
        for step in passes:
            unit = step.run(unit)
            if dump is not None:
                dump(step.name, unit)
    return unit


def generate(fn: Callable[..., Any], spec: Spec, source: FunctionSource | None = None,
             dump: Callable[[str, Unit], None] | None = None) -> Emitted:
    """The module of `spec` applied to `fn`; `source` is the function's already read
    source, if the caller has it."""
    emitted = run(Unit(fn, spec, source), passes(spec), dump).emitted
    assert emitted is not None
    return emitted


def lowered(fn: Callable[..., Any]) -> Program:
    """The IR of `fn` as lowered: the user's operations as written."""
    return _program(run(Unit(fn, Spec("primal")), until(PRIMAL, "lower")))


def primal_program(fn: Callable[..., Any], types: tuple[Any, ...] | None = None,
                   source: FunctionSource | None = None) -> Program:
    """The IR of `fn` as every transform takes it: lowered, simplified by exact
    rewrites, pruned."""
    return _program(run(Unit(fn, Spec("primal", types=types), source), PRIMAL))


def derivative_program(fn: Callable[..., Any], spec: Spec) -> Program:
    """The program `spec` of `fn` compiles to, as scheduling receives it."""
    return _program(run(Unit(fn, spec), [*PRIMAL, *transforms(spec)]))


def dump_text(fn: Callable[..., Any], spec: Spec) -> str:
    """The IR after every pass that builds `spec` of `fn`, the module text last; a pass
    that changed nothing (it returned the same program) says so instead."""
    sections: list[str] = []
    last: list[Program | None] = [None]

    def record(name: str, unit: Unit) -> None:
        if unit.program is not None and unit.program is last[0] and unit.scheduled is None:
            sections.append(f"# after {name}: unchanged\n")
        else:
            sections.append(f"# after {name}\n{_shown(name, unit)}")
        last[0] = unit.program

    generate(fn, spec, dump=record)
    return "\n".join(sections)



def _shown(name: str, unit: Unit) -> str:
    from symdiff.ir.printer import format_program

    if unit.emitted is not None:
        return unit.emitted.text
    if unit.program is None:
        if unit.source is None:
            return "(no source: a builtin, a NumPy function or a custom rule)\n"
        return unit.source.text.rstrip("\n") + "\n"
    if name == "schedule" and unit.scheduled is not None:
        s = unit.scheduled
        inlined = {n for n in s.order if n not in s.assigned and n not in s.statements
                   and n.op not in (Op.COND, Op.LOOP)}
        return format_program(unit.program, s.order, inlined)
    return format_program(unit.program)


def _program(unit: Unit) -> Program:
    assert unit.program is not None
    return unit.program


def _transform(spec: Spec) -> Callable[[Unit], Unit]:
    """The pass of one spec of a chain (whose inner specs are applied already)."""
    transform = _TRANSFORMS.get(spec.kind)
    if transform is None:
        raise ValueError(f"unknown transform {spec.kind!r}")

    def run(unit: Unit) -> Unit:
        from symdiff.errors import UnsupportedTransformError
        from symdiff.host.reference import qualified_name
        from symdiff.transforms.trees import transform_grouped

        assert unit.program is not None
        # Pytree parameters: the transform sees their leaves, argnums naming them.
        if _is_vjp_of_gradient(spec):
            assert spec.inner is not None
            gradient = spec.inner
            nums = gradient.argnums

            def flat(argnums: Any, program: Program) -> Program:
                return transform(replace(spec, inner=replace(gradient, argnums=argnums)),
                                 program)
        else:
            nums = spec.argnums

            def flat(argnums: Any, program: Program) -> Program:
                return transform(replace(spec, argnums=argnums), program)
        try:
            program = transform_grouped(unit.program, spec.kind, nums, spec.has_aux, flat)
        except UnsupportedTransformError as error:
            code = getattr(unit.fn, "__code__", None)
            where = "" if code is None else f"{code.co_filename}:{code.co_firstlineno}: "
            raise UnsupportedTransformError(
                f"{where}{qualified_name(unit.fn)}: {error}") from None
        return unit.replace(program=program)

    return run


def _is_vjp_of_gradient(spec: Spec) -> bool:
    # (With an aux output on either, the two are built one after the other.)
    return (spec.kind == "vjp" and spec.inner is not None and spec.inner.kind == "grad"
            and not spec.has_aux and not spec.inner.has_aux)


def _grad(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.programs import grad_program

    assert spec.argnums is not None
    return grad_program(primal, spec.argnums, with_value=spec.kind == "value_and_grad",
                        has_aux=spec.has_aux,
                        # Compiled, a loop's tape costs more than its derivative carried
                        # along; Python's reverse mode is the one the docs show.
                        loops_forward=spec.backend == "numba")


def _jvp(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.programs import jvp_program

    return jvp_program(primal, spec.argnums, has_aux=spec.has_aux)


def _vjp(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.programs import vjp_program

    if _is_vjp_of_gradient(spec):
        assert spec.inner is not None
        return _vjp_of_gradient(spec.inner, primal, _wanted(spec))
    return vjp_program(primal, has_aux=spec.has_aux, argnums=_wanted(spec))


def _wanted(spec: Spec) -> tuple[int, ...] | None:
    """The arguments a VJP's cotangents are wanted for (None: all; a Jacobian's are
    those it is taken with respect to)."""
    return (spec.argnums,) if isinstance(spec.argnums, int) else spec.argnums


def _vjp_of_gradient(gradient: Spec, primal: Program, wanted: tuple[int, ...] | None
                     ) -> Program:
    """The VJP of a gradient: by reverse mode, or, where that cannot go through the
    gradient's taped loops, forward over reverse mode (`symmetric_vjp_program`)."""
    from symdiff.transforms.ad import HigherOrderLoopError
    from symdiff.transforms.higher import symmetric_vjp_program
    from symdiff.transforms.programs import finish, grad_program, vjp_program

    assert gradient.argnums is not None
    try:
        # Differentiated again: simplified and pruned first, as these passes would.
        return vjp_program(finish(grad_program(primal, gradient.argnums)),
                           forward_fallback=False, argnums=wanted)
    except HigherOrderLoopError:
        return symmetric_vjp_program(primal, gradient.argnums)


def _jvp_batched(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.batch import batched_jvp_program

    assert isinstance(spec.argnums, int)
    return batched_jvp_program(primal, spec.argnums, has_aux=spec.has_aux)


def _vjp_batched(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.batch import batched_vjp_program

    return batched_vjp_program(primal, has_aux=spec.has_aux, argnums=_wanted(spec))


def _hessian(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.higher import hessian_program

    assert spec.argnums is not None
    return hessian_program(primal, spec.argnums)


def _jacobian(spec: Spec, primal: Program) -> Program:
    from symdiff.transforms.jacobian import jacobian_program

    assert spec.argnums is not None
    return jacobian_program(primal, spec.argnums, has_aux=spec.has_aux)


# Each transform a spec names: the function of its spec and the program it transforms.
_TRANSFORMS: dict[str, Callable[[Spec, Program], Program]] = {
    "grad": _grad, "value_and_grad": _grad, "jvp": _jvp, "vjp": _vjp,
    "jvp_batched": _jvp_batched, "vjp_batched": _vjp_batched,
    "hessian": _hessian, "jacobian": _jacobian,
}
