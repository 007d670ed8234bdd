"""Emission: from a program to Python source, through `ast` and `ast.unparse`.

Contract: `emit(program)` returns the module that defines one function named
`program.name` taking the program's parameters and returning its result structure (a
value or nested tuples), as an `Emitted` record: its text, the function's name and the
modules the text imports (`emit_module` gives the text alone). Each assigned node becomes one
assignment; other nodes are inlined into their user. A ``cond`` region becomes an
``if``/``elif``/``else`` statement whose branches assign the region's values to the
same names (each branch's last computation writes to that name directly when it can). An update
of an array (``index_set``, ``index_add``) is an assignment into it (``g[1:] = v``,
``np.add.at(g, idx, v)``): in place where `codegen.ownership` says nothing can tell,
else into a copy (``g_1 = g.copy()``). Output is
byte-identical for the same program. Negative constants are emitted as unary minus
so ``(-2.0) ** x`` keeps its parentheses; inf and nan as ``math.inf`` / ``math.nan``;
the exact values of pi, e and tau by name.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

from symdiff.codegen import ownership, wrap
from symdiff.codegen.naming import Namer
from symdiff.codegen.native import for_numba
from symdiff.codegen.schedule import Schedule, schedule
from symdiff.codegen.tapes import ArrayTapes, ListTapes, append
from symdiff.ir.calls import CUSTOM_CALL
from symdiff.ir.loop import BodyParams, BodyResults, Loop, loop_args
from symdiff.ir.node import Container, Item, Node, Op, Program, Structure, assemble, flatten
from symdiff.ir.primitive import math_attr
from symdiff.ir.regions import Arms, all_nodes
from symdiff.ir.sequences import LIST_ADD_ALL
from symdiff.unparse import unparse

_NAMED_CONSTANTS = {math.pi: "pi", math.e: "e", math.tau: "tau"}


class Emitted:
    """A generated module: its text, the name of the one function it defines, and the
    modules it imports, each as ``(module, alias)`` (alias None for ``import module``),
    in the order the text imports them. The linker binds them from here: it never reads
    them back from the text. Equal when all three are."""

    __slots__ = ("text", "name", "imports")

    def __init__(self, text: str, name: str,
                 imports: tuple[tuple[str, str | None], ...] = ()) -> None:
        self.text, self.name, self.imports = text, name, imports

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Emitted) and (self.text, self.name, self.imports) == (
            other.text, other.name, other.imports)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Emitted(name={self.name!r}, imports={self.imports!r})"


def emit_module(program: Program, header: str = "") -> str:
    """Python module source defining `program` as a function."""
    return emit(program, header).text


def emit(program: Program, header: str = "", scheduled: Schedule | None = None,
         native: bool = False) -> Emitted:
    """The module defining `program` as a function; `scheduled` is the program's own
    schedule (``schedule(program)``), if the caller made it already. `native` code is
    for ``numba.njit``: tapes as arrays, descending ranges (`codegen.tapes`)."""
    module, imports = _module(program, header, scheduled, native)
    text = wrap.shorten_module(module, unparse(module)) + "\n"
    return Emitted(text, program.name, imports)


def _module(program: Program, header: str, scheduled: Schedule | None, native: bool = False
            ) -> tuple[ast.Module, tuple[tuple[str, str | None], ...]]:
    everything = all_nodes(program)
    emitter = _Emitter(Namer(_global_roots(everything)), native)
    params, unpack = _parameters(program, emitter, everything)
    body: list[ast.stmt] = []
    if program.doc:
        body.append(ast.Expr(ast.Constant(program.doc)))
    body += unpack
    env: dict[Node, ast.expr] = {}
    body += emitter.block(program, program.outputs, env, {}, returns=program.result,
                          scheduled=scheduled)
    if not (body and isinstance(body[-1], ast.If) and emitter.returned):
        body.append(ast.Return(_structure(program.result, lambda n: emitter.ref(n, env))))
    args = ast.arguments(
        posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
        kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    func = ast.FunctionDef(program.name, args, body, decorator_list=[], returns=None, lineno=1)
    if native:
        emitter.modules |= for_numba(func)
    module: list[ast.stmt] = []
    if header:
        module.append(ast.Expr(ast.Constant(header)))
    imports: list[tuple[str, str | None]] = []
    if "math" in emitter.modules:
        imports.append(("math", None))
    if "np" in emitter.modules:
        imports.append(("numpy", "np"))
    # ``import scipy.<sub>`` for each submodule the text reads (scipy.special by default).
    scipy = {m for m in emitter.modules if m.startswith("scipy.")}
    if "scipy" in emitter.modules and not scipy:
        scipy = {"scipy.special"}
    modules = _imports(everything) | scipy
    imports += [(name, None) for name in sorted(modules)]
    module += [ast.Import([ast.alias(name, alias)]) for name, alias in imports]
    module.append(func)
    # Locations are not needed by ast.unparse; the text is compiled, not this tree.
    return ast.Module(module, type_ignores=[]), tuple(imports)


def _parameters(program: Program, emitter: _Emitter, everything: list[Node]
                ) -> tuple[list[str], list[ast.stmt]]:
    """The generated function's parameters, and the statements that take the leaves of
    its pytree parameters apart (``W = params['W']``, for the leaves the code reads)."""
    namer = emitter.namer
    if program.inputs is None:
        params = [namer.parameter(p.attrs[0]) for p in program.params]
        emitter.names.update(zip(program.params, params, strict=True))
        return params, []
    params = [namer.parameter(program.params[i].attrs[0] if isinstance(i, int) else i.name)
              for i in program.inputs]
    read = set(everything)
    unpack: list[ast.stmt] = []
    for name, given in zip(params, program.inputs, strict=True):
        if isinstance(given, int):
            emitter.names[program.params[given]] = name
            continue
        for position, path in _leaf_paths(given.tree):
            leaf = program.params[position]
            if leaf not in read:
                continue
            emitter.names[leaf] = namer.hinted(leaf.attrs[0])
            value: ast.expr = ast.Name(name, ast.Load())
            for key in path:
                value = ast.Subscript(value, ast.Constant(key), ast.Load())
            unpack.append(_assign(emitter.names[leaf], value))
    return params, unpack


def _leaf_paths(tree: Any) -> list[tuple[int, tuple[str | int, ...]]]:
    """Each position in a `TreeInput`'s tree, with its path of keys and indices."""
    found: list[tuple[int, tuple[str | int, ...]]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(tree, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, int):
            found.append((item, path))
        elif item.__class__ is Container and item.kind == "dict":
            stack.extend((v, (*path, k)) for k, v in zip(item.keys, item.items, strict=True))
        else:
            parts = item.items if item.__class__ is Container else item
            stack.extend((v, (*path, k)) for k, v in enumerate(parts))
    return sorted(found)


# The names the text imports when it reads them (``scipy``: ``import scipy.special``, or
# the submodules it reads: ``scipy.linalg``).
_MODULES = frozenset({"math", "np", "scipy"})


class _Emitter:
    def __init__(self, namer: Namer, native: bool = False) -> None:
        self.namer = namer
        self.native = native
        self.tapes = ArrayTapes(namer) if native else ListTapes()
        self.names: dict[Node, str] = {}
        self.returned = False  # the last region returns the result from its branches
        # Of `_MODULES`, those the code reads, noted as each expression is made (the
        # namer never hands them out, so only records, constants and globals name them).
        self.modules: set[str] = set()

    def ref(self, node: Node, env: dict[Node, ast.expr]) -> ast.expr:
        if node in env:
            return env[node]
        if node in self.names:
            return ast.Name(self.names[node], ast.Load())
        if node.op == Op.CONST:
            return self.made(constant(node.value))
        if node.op == Op.GLOBAL:
            if node.attrs[0] in _MODULES:
                self.modules.add(node.attrs[0])
            return _dotted(node.attrs)
        raise KeyError(node)

    def made(self, tree: ast.AST, given: list[ast.expr] | tuple[()] = ()) -> Any:
        """`tree`, its modules noted: every name in it outside the `given` operands
        (noted when they were made)."""
        stack = [tree]
        while stack:
            node = stack.pop()
            if node.__class__ is ast.Name:
                if node.id in _MODULES:  # type: ignore[attr-defined]
                    self.modules.add(node.id)  # type: ignore[attr-defined]
                continue
            if node.__class__ is ast.Attribute and node.value.__class__ is ast.Name \
                    and node.value.id == "scipy":  # type: ignore[attr-defined]
                self.modules.add(f"scipy.{node.attr}")  # type: ignore[attr-defined]
            for value in node.__dict__.values():  # (its fields, and its location if any)
                if value.__class__ is list:
                    stack += [v for v in value if isinstance(v, ast.AST) and v not in given]
                elif isinstance(value, ast.AST) and value not in given:
                    stack.append(value)
        return tree

    def block(
        self,
        program: Program,
        roots: tuple[Node, ...],
        env: dict[Node, ast.expr],
        direct: dict[Node, str],
        returns: Structure | None = None,
        inline: frozenset[Node] = frozenset(),
        owned: frozenset[Node] = frozenset(),
        scheduled: Schedule | None = None,
    ) -> list[ast.stmt]:
        """Statements computing `roots` (and the effects) of `program`.

        `env` maps nodes to the expressions that stand for them here (parameters of a
        branch, inlined expressions); `direct` names nodes whose value goes straight to
        an enclosing name. When `returns` (the function's result) is made of the values
        of the last region only, its branches return them directly. Nodes in `inline`
        need no assignment for their name alone. Parameters in `owned` (a loop's carried
        arrays) may be updated in place, like arrays this block makes. `scheduled` is
        the block's schedule when the caller made it.
        """
        sched = scheduled or schedule(program, list(roots), inline)
        hints = program.builder.names
        own = ownership.analyse(sched, owned)
        in_place = own.in_place
        # An array updated in place is the value its last update gives: named after it.
        heirs: dict[Node, str] = {}
        for node in reversed(sched.order):
            hint = hints.get(node) or heirs.get(node)
            if node in in_place and hint is not None and node.args[0] not in hints:
                heirs[node.args[0]] = hint
        tail = _tail_region(sched.order, returns)
        body: list[ast.stmt] = []
        # A loop of checks run only on an error (`Loop.deferred`), and the statements
        # before it: what follows it goes in a ``try`` (`transforms.checks`).
        deferred: list[tuple[Node, list[ast.stmt]]] = []
        for node in sched.order:
            if node.op == Op.PROJ:
                continue  # assigned inside its region's branches
            if node is tail:
                operands = [self.ref(a, env) for a in node.args[1:]]
                mine = own.regions[node].params

                def tail_branch(b: Program, operands: list[ast.expr] = operands,
                                mine: frozenset[Node] = mine) -> list[ast.stmt]:
                    return self.branch(b, operands, {}, returns, mine)

                body.append(self.arms(node, env, operands, tail_branch, drop_empty=False))
                self.returned = True
                continue
            if node.op == Op.COND:
                body.append(self.region(node, sched.order, env, hints, direct,
                                        own.regions[node]))
                continue
            if node.op == Op.LOOP and node.attrs[0].deferred:
                deferred.append((node, body))
                body = []
                continue
            if node.op == Op.LOOP:
                body += self.loop(node, sched, env, hints, direct, own.regions[node])
                checks = node.attrs[0].checks
                if deferred and checks is not None and deferred[-1][0].attrs[0].body is checks:
                    # On an error, the checks run forwards first: the first error in the
                    # user's order is the one raised.
                    guard, before = deferred.pop()
                    rerun = self.loop(guard, sched, env, hints, direct, own.regions[guard])
                    body = [*before, _guarded(body, rerun, self.namer.hinted("error"))]
                continue
            prim = node.prim
            args = [self.ref(a, env) for a in node.args]
            if prim.inplace:
                # Updates its first argument (always a name) and is it afterwards. An
                # array another value may read or share memory with is copied first.
                if node.args[0].type is not None and node not in in_place:
                    name = self.namer.hinted(hints.get(node))
                    copy = ast.Call(ast.Attribute(args[0], "copy", ast.Load()), [], [])
                    body.append(_assign(name, copy))
                    args[0] = ast.Name(name, ast.Load())
                body.append(self.made(prim.emit(args, node.attrs), args))
                self.names[node] = args[0].id  # type: ignore[attr-defined]
                continue
            attrs = (self.namer.hinted("v"),) if node.prim is LIST_ADD_ALL else node.attrs
            emit = prim.emit
            numbers = node.type is None and all(a.type is None for a in node.args)
            if prim.emit_array is not None and not numbers:
                emit = prim.emit_array  # (of arrays)
            elif prim.emit_native is not None and numbers and self.native:
                emit = prim.emit_native  # (what numba compiles)
            expr = self.made(emit(args, attrs), args)
            if node in sched.assigned:
                # Always a fresh name: a body node can be emitted again in another loop
                # or branch (a backward sweep recomputes it), and must not overwrite a
                # variable that is still live there.
                name = direct.get(node) or self.namer.hinted(hints.get(node) or heirs.get(node))
                self.names[node] = name
                body.append(ast.Assign([ast.Name(name, ast.Store())], expr, lineno=1))
            elif node in sched.statements:
                # (An operation evaluated for its error only may emit a statement.)
                body.append(expr if isinstance(expr, ast.stmt) else ast.Expr(expr))
            else:
                env[node] = expr
        while deferred:  # (a loop whose checks no later loop took runs in its place)
            guard, before = deferred.pop()
            body = [*before, *self.loop(guard, sched, env, hints, direct, own.regions[guard]),
                    *body]
        return body

    def region(
        self, node: Node, order: tuple[Node, ...], env: dict[Node, ast.expr],
        hints: dict[Node, str], direct: dict[Node, str], own: ownership.Region,
    ) -> ast.stmt:
        projs = sorted((n for n in order if n.op == Op.PROJ and n.args[0] is node),
                       key=lambda n: n.attrs[0])
        for p in projs:
            self.names[p] = direct.get(p) or self.namer.hinted(hints.get(p))
        out_names = {p.attrs[0]: self.names[p] for p in projs}
        operands = [self.ref(a, env) for a in node.args[1:]]
        return self.arms(node, env, operands, lambda body: self.branch(
            body, operands, out_names, owned=own.params))

    def arms(
        self, node: Node, env: dict[Node, ast.expr], operands: list[ast.expr],
        branch: Callable[[Program], list[ast.stmt]], drop_empty: bool = True,
    ) -> ast.stmt:
        """``if pred: ... elif test: ... else: ...`` of a cond region, each branch's
        statements made by `branch`, in order (tests and branches as in the source).
        A test that needs statements of its own puts them in the ``else`` before an
        ``if`` on it. Of two branches, an empty one is left out (`drop_empty`: by negating
        the test when it is the first)."""
        arms: Arms = node.attrs[0]
        pred = self.ref(node.args[0], env)
        first = branch(arms.branches[0])
        links: list[tuple[list[ast.stmt], ast.expr, list[ast.stmt]]] = []
        for test, body in zip(arms.tests, arms.branches[1:], strict=False):
            inner = dict(zip(test.params, operands, strict=True))
            stmts = self.block(test, test.outputs, inner, {})
            links.append((stmts, self.ref(test.outputs[0], inner), branch(body)))
        last = branch(arms.branches[-1])
        if not links:
            return _if(pred, first, last) if drop_empty else ast.If(pred, first, last)
        orelse = [] if _empty(last) else last
        for stmts, flag, then in reversed(links):  # built from the last elif up
            orelse = [*stmts, _arm(flag, then, orelse)]
        return _arm(pred, first, orelse)

    def loop(
        self, node: Node, sched: Schedule, env: dict[Node, ast.expr],
        hints: dict[Node, str], direct: dict[Node, str], own: ownership.Region,
    ) -> list[ast.stmt]:
        """A loop region: its carried values initialised (a carried array the body
        updates in place copied if need be), the lists it pushes onto and its trip count
        started, then a for or while statement. Each iteration pops its entries (of a
        tape, of lists), pushes its tape entry, computes the body and appends to lists."""
        loop: Loop = node.attrs[0]
        given = loop_args(node)
        params = loop.split_params(loop.body.params)
        results = loop.split_results(loop.body.outputs)
        projs = {n.attrs[0]: n for n in sched.order if n.op == Op.PROJ and n.args[0] is node}
        outs = loop.split_outputs([projs.get(i) for i in range(loop.n_outputs)])
        stmts: list[ast.stmt] = []
        carry_names = []
        for k, (param, init, out) in enumerate(zip(params.carry, given.inits, outs.carry,
                                                   strict=True)):
            if out is None:
                name = self.namer.hinted(str(param.attrs[0]))
            else:
                name = direct.get(out) or self.namer.hinted(hints.get(out) or str(param.attrs[0]))
                self.names[out] = name
            carry_names.append(name)
            value = self.ref(init, env)
            if k in own.copied:
                value = ast.Call(ast.Attribute(value, "copy", ast.Load()), [], [])
            stmts.append(_assign(name, value))
        stack_names = [self._loop_output(out, (None if out is None else hints.get(out))
                                         or "values", _empty_list(), stmts)
                       for out in outs.stacks]
        tape_name = None
        if loop.n_saved:
            tape_name = self.namer.hinted("tape")
            if outs.tape is not None:
                self.names[outs.tape] = tape_name
            trips = _range(given.range, [self.ref(a, env) for a in given.range]) \
                if params.index else None
            started = len(stmts)
            self.tapes.start(tape_name, results.saved, trips, stmts)
            for stmt in stmts[started:]:
                self.made(stmt)  # (notes the modules it reads: np for an array tape)
        count_name = (self._loop_output(outs.trips, "trips", ast.Constant(0), stmts)
                      if loop.counted else None)
        inner: dict[Node, ast.expr] = {p: _load(name)
                                       for p, name in zip(params.carry, carry_names, strict=True)}
        inner.update((p, self.ref(v, env)) for p, v in zip(params.consts, given.consts,
                                                           strict=True))
        index = self.namer.hinted(str(params.index[0].attrs[0])) if params.index else None
        if index is not None:
            inner.update((p, _load(index)) for p in params.index)
        prologue: list[ast.stmt] = []
        for xs, group in zip(given.popped_from, params.pops, strict=True):
            names = [self.namer.hinted(str(p.attrs[0])) for p in group]
            inner.update((p, _load(name)) for p, name in zip(group, names, strict=True))
            prologue += self.tapes.pop(self.ref(xs, env), names)
        if count_name is not None:
            prologue.append(ast.AugAssign(ast.Name(count_name, ast.Store()), ast.Add(),
                                          ast.Constant(1)))
        block = self._iteration(loop, params, results, inner, carry_names, stack_names, own,
                                tape_name)
        loop_body = [*prologue, *block] or [ast.Pass()]
        if index is None:
            return [*stmts, *self._while(loop, inner, loop_body)]
        bounds = [self.ref(a, env) for a in given.range]
        forward = _range(given.range, bounds)
        loop_range: ast.expr = forward
        if loop.reverse:
            loop_range = self.tapes.backwards(forward.args, _unit_step(given.range))
        return [*stmts, ast.For(ast.Name(index, ast.Store()), loop_range, loop_body, [],
                                lineno=1)]

    def _while(self, loop: Loop, inner: dict[Node, ast.expr], loop_body: list[ast.stmt]
               ) -> list[ast.stmt]:
        """``while test: body``, or ``while True:`` with the test's statements first."""
        assert loop.test is not None
        test_env = {p: inner[bp] for p, bp in zip(loop.test.params, loop.body.params,
                                                 strict=True)}
        test_stmts = self.block(loop.test, loop.test.outputs, test_env, {})
        flag = self.ref(loop.test.outputs[0], test_env)
        if not test_stmts:
            return [ast.While(flag, loop_body, [])]
        check = ast.If(ast.UnaryOp(ast.Not(), flag), [ast.Break()], [])
        return [ast.While(ast.Constant(True), [*test_stmts, check, *loop_body], [])]

    def _iteration(
        self, loop: Loop, params: BodyParams[Node], results: BodyResults[Node],
        inner: dict[Node, ast.expr], carry_names: list[str], stack_names: list[str],
        own: ownership.Region, tape_name: str | None,
    ) -> list[ast.stmt]:
        """The body of one iteration after its pops: the body's computation, its values
        appended to lists, its tape entry pushed, the carried variables updated and the
        break taken."""
        news = results.carry
        # The carried variables are written only at the end of the body, all at once, so
        # nothing in the body can read a value already overwritten; a new value used
        # nowhere else is computed right in that final assignment.
        roots = (*news, *results.stacked, *(v for v in results.saved if v not in inner),
                 *([results.stop] if results.stop is not None else []))
        block = self.block(loop.body, roots, inner, {}, inline=frozenset(news),
                           owned=own.params)
        for name, value in zip(stack_names, results.stacked, strict=True):
            block.append(append(name, [self.ref(value, inner)]))
        if tape_name is not None:
            # The tape's entry: values the iteration started from, and values it computed
            # that the backward sweep reads back, before the carried ones change.
            block += self.tapes.push(tape_name, [self.ref(v, inner) for v in results.saved])
        stop_test: ast.expr | None = None
        if results.stop is not None:
            # Read the break flag before the carried variables are overwritten.
            stop_test = self.ref(results.stop, inner)
            if not isinstance(stop_test, (ast.Name, ast.Constant)):
                flag = self.namer.hinted("stop")
                block.append(_assign(flag, stop_test))
                stop_test = ast.Name(flag, ast.Load())
        updates = [(name, new) for name, new, param in zip(carry_names, news, params.carry,
                                                            strict=True)
                   if new is not param and self.names.get(new) != name]
        if len(updates) == 1:
            block.append(_assign(updates[0][0], self.ref(updates[0][1], inner)))
        elif updates:
            targets = ast.Tuple([ast.Name(n, ast.Store()) for n, _ in updates], ast.Store())
            values = ast.Tuple([self.ref(v, inner) for _, v in updates], ast.Load())
            block.append(ast.Assign([targets], values, lineno=1))
        if stop_test is not None:
            block.append(ast.If(stop_test, [ast.Break()], []))
        return block

    def _loop_output(
        self, out: Node | None, hint: str, init: ast.expr, stmts: list[ast.stmt]
    ) -> str:
        """A variable the loop statement itself maintains (its tape, its trip count)."""
        name = self.namer.hinted(hint)
        if out is not None:
            self.names[out] = name
        stmts.append(_assign(name, init))
        return name

    def branch(
        self, program: Program, operands: list[ast.expr], out_names: dict[int, str],
        returns: Structure | None = None, owned: frozenset[Node] = frozenset(),
    ) -> list[ast.stmt]:
        env = dict(zip(program.params, operands, strict=True))
        outputs = program.outputs
        if returns is not None:
            # This branch ends the function: return the result from its own values.
            stmts = self.block(program, outputs, env, {}, owned=owned)
            mine = _structure(returns, lambda n: self.ref(outputs[n.attrs[0]], env))
            return [*stmts, ast.Return(mine)]
        direct: dict[Node, str] = {}
        for i, name in out_names.items():
            out = outputs[i]
            if out.op not in (Op.CONST, Op.GLOBAL, Op.ARG, Op.PARAM) and out not in direct:
                direct[out] = name
        roots = tuple(outputs[i] for i in out_names)
        stmts = self.block(program, roots, env, direct, owned=owned)
        for i, name in out_names.items():
            out = outputs[i]
            if direct.get(out) == name and self.names.get(out) == name:
                continue
            if out.op == Op.PROJ and self.names.get(out) == name:
                continue
            value = self.ref(out, env)
            if isinstance(value, ast.Name) and value.id == name:
                continue  # the variable already holds it (a loop-carried value kept)
            stmts.append(ast.Assign([ast.Name(name, ast.Store())], value, lineno=1))
        return stmts or [ast.Pass()]


def _guarded(body: list[ast.stmt], checks: list[ast.stmt], error: str) -> ast.stmt:
    """``try: body`` that on an exception runs `checks` and raises what they raise (as
    the only error shown), else what it caught."""
    def catch(name: str | None, handler: list[ast.stmt]) -> ast.ExceptHandler:
        # (Exception: an interrupt or an exit is not what the checks would raise.)
        return ast.ExceptHandler(_load("Exception"), name, handler)

    from_none = ast.Raise(_load(error), ast.Constant(None))
    rerun = ast.Try(checks, [catch(error, [from_none])], [], [])
    return ast.Try(body, [catch(None, [rerun, ast.Raise()])], [], [])


def _if(test: ast.expr, then: list[ast.stmt], orelse: list[ast.stmt]) -> ast.stmt:
    """``if test: then else: orelse``, without an empty arm."""
    if _empty(orelse):
        return ast.If(test, then, [])
    if _empty(then):
        return ast.If(ast.UnaryOp(ast.Not(), test), orelse, [])
    return ast.If(test, then, orelse)


def _arm(test: ast.expr, then: list[ast.stmt], orelse: list[ast.stmt]) -> ast.stmt:
    """``if test: then else: orelse`` in a chain of elifs: an empty `then` before an
    `orelse` that is no elif is left out by negating the test."""
    if _empty(then) and orelse and not (len(orelse) == 1 and isinstance(orelse[0], ast.If)):
        return ast.If(ast.UnaryOp(ast.Not(), test), orelse, [])
    return ast.If(test, then, orelse)


def _empty(stmts: list[ast.stmt]) -> bool:
    return all(isinstance(s, ast.Pass) for s in stmts)


def _assign(name: str, value: ast.expr) -> ast.stmt:
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=1)


def _load(name: str) -> ast.expr:
    return ast.Name(name, ast.Load())


def _empty_list() -> ast.expr:
    return ast.List([], ast.Load())


def _range(rng: tuple[Node, ...], bounds: list[ast.expr]) -> ast.Call:
    """``range(stop)``, ``range(start, stop)`` or ``range(start, stop, step)`` of a loop's
    range nodes `rng`, whose expressions are `bounds`."""
    start, stop, step = bounds
    unit_step = _unit_step(rng)
    zero_start = rng[0].op == Op.CONST and rng[0].value == 0
    args = [stop] if unit_step and zero_start else [start, stop] if unit_step else \
        [start, stop, step]
    return ast.Call(ast.Name("range", ast.Load()), args, [])


def _unit_step(rng: tuple[Node, ...]) -> bool:
    return rng[2].op == Op.CONST and rng[2].value == 1


def _tail_region(order: tuple[Node, ...], returns: Structure | None) -> Node | None:
    """The last region of `order` when the result consists of its values alone."""
    if returns is None:
        return None
    leaves = list(flatten(returns))
    regions = {n.args[0] for n in leaves if n.op == Op.PROJ}
    if len(regions) != 1 or any(n.op != Op.PROJ for n in leaves):
        return None
    (region,) = regions
    if region.op != Op.COND:
        return None
    statements = [n for n in order if n.op != Op.PROJ]
    if not statements or statements[-1] is not region:
        return None
    if any(a.op == Op.PROJ and a.args[0] is region for n in order for a in n.args):
        return None  # a value of the region is used before the return
    return region


def _global_roots(everything: list[Node]) -> set[str]:
    """Root names of every global a program's nodes (`all_nodes`) read."""
    found: set[str] = set()
    for node in everything:
        if node.op == Op.GLOBAL:
            found.add(node.attrs[0])
        elif node.prim is CUSTOM_CALL:
            found.add(node.attrs[0][0])  # the function a custom rule's call reaches
    return found


def _imports(everything: list[Node]) -> set[str]:
    """Modules a program's calls of functions with custom rules import."""
    return {n.attrs[1] for n in everything if n.prim is CUSTOM_CALL and n.attrs[1]}


def constant(value: Any) -> ast.expr:
    """A literal for `value` that reads back to exactly `value`."""
    if isinstance(value, bool) or not isinstance(value, float):
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return ast.UnaryOp(ast.USub(), ast.Constant(-value))
        return ast.Constant(value)
    if math.isnan(value):
        return math_attr("nan")
    if math.copysign(1.0, value) < 0:
        return ast.UnaryOp(ast.USub(), constant(-value))
    if math.isinf(value):
        return math_attr("inf")
    if value in _NAMED_CONSTANTS:
        return math_attr(_NAMED_CONSTANTS[value])
    return ast.Constant(value)


def _dotted(path: tuple[Any, ...]) -> ast.expr:
    expr: ast.expr = ast.Name(path[0], ast.Load())
    for part in path[1:]:
        expr = (ast.Subscript(expr, ast.Constant(part.key), ast.Load())
                if isinstance(part, Item) else ast.Attribute(expr, part, ast.Load()))
    return expr


def _structure(structure: Structure, ref: Any) -> ast.expr:
    """The expression of a result: its nodes by `ref`, in tuples, dicts and lists."""
    return assemble(structure, ref, _display)  # type: ignore[no-any-return]


def _display(like: Any, items: list[ast.expr]) -> ast.expr:
    if like.__class__ is Container and like.kind == "dict":
        return ast.Dict([ast.Constant(k) for k in like.keys], items)
    if like.__class__ is Container:
        return ast.List(items, ast.Load())
    return ast.Tuple(items, ast.Load())
