"""Objects of the user's classes that the function being lowered makes.

Contract: ``Cls(...)`` of a user's class (`construct`) is an `Instance`: a record made
while compiling, never an object of the generated code. Its ``__init__`` is inlined with
the record as ``self`` (a dataclass's generated one binds its fields, `dataclass_init`),
and what it assigns to ``self.name`` is the attribute's value: any value a name can
hold (a number, an array, a tuple, a function, another object). ``obj.name`` reads the
record first and the class after it, as Python does: a method is bound to the object
(its call inlines the method), static and class methods and the class's data are
read as `objects.attribute` reads a class's. ``super()`` and ``super(C, obj)`` are a
`Parent`: its methods are looked up past the class C, its ``__init__`` is run by
`run_init`. Calling an object calls its class's ``__call__``.

An object changes as Python's would (`set_attribute`): every name holding it sees
the change. It may change only where it was made or in what that calls, not inside
a branch or loop body it was made outside of (that body reads it through a view);
nor may a frozen dataclass change, nor an attribute that is a property. A class
that makes its objects in a way symdiff cannot follow (``__new__``, ``__setattr__``,
``__getattr__``, a base class of a library, a metaclass) is a located error, as is an
object given as the function's output or merged after an if (`Frame`).
"""

from __future__ import annotations

import abc
import ast
import dataclasses
import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any

from symdiff.frontend import calls, names, objects
from symdiff.frontend.frame import Frame
from symdiff.frontend.objects import Method
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Instance, Nothing, Value
from symdiff.host.data import MISSING, class_lookup, is_user_class
from symdiff.ir.node import Node
from symdiff.unparse import unparse

# Base classes that add nothing an object's attributes or construction depend on.
_NEUTRAL_BASES = (object, abc.ABC, typing.Generic)
# Hooks that would run code of the class's on every construction or attribute use.
_HOOKS = ("__new__", "__getattr__", "__getattribute__", "__setattr__", "__delattr__")


@dataclass(frozen=True)
class Parent:
    """``super()``: the methods of `obj`'s class found after `start` in its MRO."""

    start: type
    obj: Instance | Resolved


def construct(frame: Frame, cls: Resolved, e: ast.Call) -> Instance:
    """The object ``Cls(...)`` of the call `e`, its ``__init__`` run."""
    _check_class(frame, cls.value, e)
    obj = Instance(cls, frame.b)
    _initialise(frame, obj, None, e, None)
    return obj


def run_init(frame: Frame, init: Resolved, e: ast.Call,
             given: calls.Arguments | None = None) -> Nothing:
    """``super().__init__(...)``: the ``__init__`` after the `Parent` `init` holds."""
    parent: Parent = init.value
    if not isinstance(parent.obj, Instance):
        raise frame.src.error("super().__init__(...) of an object made outside the function "
                              "changes it: not supported", e)
    _initialise(frame, parent.obj, parent.start, e, given)
    return Nothing(where=e)


def attribute(frame: Frame, obj: Instance, name: str, where: ast.AST) -> Value:
    """The value of ``obj.name`` (see the module doc)."""
    own = _own(obj, name)
    if own is not MISSING:
        return own  # type: ignore[no-any-return]
    if name == "__class__":
        return obj.cls
    raw = class_lookup(obj.klass, name)
    path = (*obj.cls.path, name)
    if inspect.isfunction(raw):
        fn = objects.function(frame, raw, path, ".".join(path), where).value
        return Resolved("method", Method(fn, obj), path)  # type: ignore[arg-type]
    if isinstance(raw, property) and inspect.isfunction(raw.fget):
        getter = objects.function(frame, raw.fget, path, ".".join(path), where)
        return method_call(frame, getter, obj, [], where)
    return objects.attribute(frame, obj.cls, name, where)  # type: ignore[no-any-return]


def method_call(frame: Frame, fn: Resolved, obj: Instance, args: list[Value],
                where: ast.AST) -> Value:
    """The value of the method `fn` called on `obj` with `args`, for the expression
    `where` that calls it without call syntax (a property read, an operator)."""
    call = ast.copy_location(ast.Call(ast.Name(fn.value.__name__, ast.Load()), [], []), where)
    return calls.call(frame, fn, (obj,), call, given=(args, {}))


def special(frame: Frame, obj: Instance, name: str, args: list[Value], where: ast.AST
            ) -> Value:
    """What the syntax `where` gives through the class's method `name` (``obj[key]``
    through ``__getitem__``, ``len(obj)`` through ``__len__``), or a located error
    when the class has none."""
    raw = class_lookup(obj.klass, name)
    if not inspect.isfunction(raw):
        raise frame.src.error(f"{unparse(where)}: {obj.klass.__qualname__} objects "
                              f"have no method {name}", where)
    path = (*obj.cls.path, name)
    fn = objects.function(frame, raw, path, ".".join(path), where)
    return method_call(frame, fn, obj, args, where)


# The methods Python calls for an operator, and for it with the operands swapped.
_OPERATORS: dict[type[ast.AST], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
    ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul",
}


def operator(frame: Frame, op: ast.AST, left: Value, right: Value | None,
             where: ast.AST) -> Value | None:
    """``left <op> right`` (``-left``, ``+left`` when `right` is None) where an operand
    is an object the function made whose class defines the operator's method, else
    None."""
    candidates: list[tuple[Value, str | None, list[Value]]]
    if right is None:
        unary: dict[type[ast.AST], str] = {ast.USub: "__neg__", ast.UAdd: "__pos__"}
        name = unary.get(type(op))
        candidates = [(left, name, [])] if name else []
    else:
        stem = _OPERATORS.get(type(op))
        candidates = [] if stem is None else [
            (left, f"__{stem}__", [right]), (right, f"__r{stem}__", [left])]
    for obj, name, args in candidates:
        if isinstance(obj, Instance) and name is not None and inspect.isfunction(
                raw := class_lookup(obj.klass, name)):
            path = (*obj.cls.path, name)
            fn = objects.function(frame, raw, path, ".".join(path), where)
            return method_call(frame, fn, obj, args, where)
    return None


def set_attribute(frame: Frame, obj: Instance, name: str, value: Value,
                  target: ast.Attribute) -> None:
    """``obj.name = value``, as the assignment `target` writes it."""
    written = unparse(target)
    if obj.outer is not None or obj.builder is not frame.b:
        raise frame.src.error(
            f"assigning to {written} inside this branch or loop body changes an object "
            "made outside it (not supported yet): change it before the if or loop, or "
            "make a new object inside", target)
    params = getattr(obj.klass, "__dataclass_params__", None)
    if params is not None and params.frozen:
        raise frame.src.error(f"assigning to {written}: {obj.klass.__qualname__} is a frozen "
                              "dataclass, whose fields cannot change", target)
    raw = class_lookup(obj.klass, name)
    if hasattr(type(raw), "__set__") and not isinstance(raw, types.MemberDescriptorType):
        raise frame.src.error(
            f"assigning to {written} runs the setter of {obj.klass.__qualname__}.{name}, "
            f"a {type(raw).__name__}: symdiff does not run it (not supported)", target)
    if isinstance(value, Node):
        frame.b.name(value, name)
    obj.attrs[name] = value


def call_target(frame: Frame, obj: Instance, e: ast.Call) -> Value:
    """What calling `obj` calls: its class's ``__call__``, bound to it."""
    if class_lookup(obj.klass, "__call__") is MISSING:
        raise frame.src.error(f"{unparse(e.func)} is a {obj.klass.__qualname__} object, "
                              "which cannot be called", e)
    return attribute(frame, obj, "__call__", e)


def parent(frame: Frame, e: ast.Call) -> Resolved:
    """``super()`` in a method, or ``super(C, obj)``."""
    if e.keywords or len(e.args) not in (0, 2):
        raise frame.src.error("super() takes no arguments, or a class and an object", e)
    if e.args:
        cls, obj = (frame.expr(a) for a in e.args)
    else:
        cell = frame.scope.cells.get("__class__")
        node = frame.src.node
        params = [*node.args.posonlyargs, *node.args.args]
        if cell is None or not params:
            raise frame.src.error("super() outside a method of a class: write "
                                  "super(Class, obj)", e)
        cls = Resolved("class", cell.cell_contents, ("__class__",))
        obj = frame.expr(ast.copy_location(ast.Name(params[0].arg, ast.Load()), e))
    if not (isinstance(cls, Resolved) and cls.kind == "class"):
        raise frame.src.error("super(C, obj): C must be a class of yours", e)
    if not (isinstance(obj, Instance) or (isinstance(obj, Resolved) and obj.kind == "object")):
        raise frame.src.error("super(): the object must be an object of a class of yours", e)
    if cls.value not in _class_of(obj).__mro__:
        raise frame.src.error(f"super(): the object is no {cls.value.__qualname__}", e)
    return Resolved("super", Parent(cls.value, obj), ("super()",))


def parent_attribute(frame: Frame, base: Resolved, name: str, where: ast.AST) -> Value:
    """``super().name``: a method of a class after the one `super()` names, bound to the
    object; ``super().__init__`` is run by `run_init`."""
    found: Parent = base.value
    if name == "__init__":
        return Resolved("init", found, ("super()", name))
    mro = _class_of(found.obj).__mro__
    for klass in mro[mro.index(found.start) + 1:]:
        raw = vars(klass).get(name, MISSING)
        if raw is MISSING:
            continue
        path = (klass.__qualname__, name)
        if inspect.isfunction(raw):
            fn = objects.function(frame, raw, path, f"super().{name}", where).value
            return Resolved("method", Method(fn, found.obj), path)  # type: ignore[arg-type]
        if isinstance(raw, staticmethod):
            return objects.function(frame, raw.__func__, path, f"super().{name}", where)
        break
    raise frame.src.error(f"super().{name}: symdiff reads methods of a base class through "
                          "super(), not other attributes (read them through self)", where)


def is_instance(frame: Frame, e: ast.Call) -> Node:
    """``isinstance(obj, C)`` of an object of a user's class: known while compiling."""
    if len(e.args) != 2 or e.keywords:
        raise frame.src.error("isinstance() takes an object and a class", e)
    obj, classes = frame.expr(e.args[0]), frame.expr(e.args[1])
    if not (isinstance(obj, Instance) or (isinstance(obj, Resolved) and obj.kind == "object")):
        raise frame.src.error("isinstance() of a number or array: its Python type is known "
                              "only when the code runs (not supported)", e.args[0])
    found = []
    for item in classes if isinstance(classes, tuple) else (classes,):
        if not (isinstance(item, Resolved) and isinstance(item.value, type)):
            raise frame.src.error("isinstance(obj, C): C must be a class or a tuple of "
                                  "classes", e.args[1])
        found.append(item.value)
    return frame.b.const(issubclass(_class_of(obj), tuple(found)))


def comprehension(frame: Frame, comp: ast.ListComp | ast.GeneratorExp) -> tuple[Value, ...] | None:
    """``[Cls(...) for v in items]``: the objects, one per item of a tuple or list
    known while compiling, as a tuple (see `construct`); None when `comp` makes none."""
    elt = comp.elt
    if not isinstance(elt, ast.Call) or len(comp.generators) != 1:
        return None
    func = names.callee(frame, elt.func)
    if not (isinstance(func, Resolved) and func.kind == "class"):
        return None
    gen = comp.generators[0]
    items = frame.expr(gen.iter)
    targets = [n for n in ast.walk(gen.target) if isinstance(n, ast.Name)]
    into_names = all(isinstance(n, ast.Name | ast.Tuple | ast.expr_context)
                     for n in ast.walk(gen.target))
    if not isinstance(items, (tuple, list)) or gen.ifs or not into_names:
        raise frame.src.error(
            "a list comprehension that makes objects is run once per item while compiling: "
            "it loops over a tuple or list, into names, with no if (not supported yet)", comp)
    saved = {t.id: frame.env[t.id] for t in targets if t.id in frame.env}
    had = {t.id for t in targets if t.id in frame.assigned}
    made = []
    for item in items:
        _unpack(frame, gen.target, item, gen)
        made.append(frame.expr(elt))
    for t in targets:
        frame.env.pop(t.id, None)
        if t.id not in had:
            frame.assigned.pop(t.id, None)
    frame.env.update(saved)
    return tuple(made)


def _unpack(frame: Frame, target: ast.expr, value: Value, where: ast.comprehension) -> None:
    """Bind the names of a comprehension's `target` to `value`."""
    pending = [(target, value)]
    while pending:
        t, v = pending.pop()
        if isinstance(t, ast.Name):
            frame.bind(t.id, v, where)  # type: ignore[arg-type]
            continue
        assert isinstance(t, ast.Tuple)
        if not isinstance(v, tuple) or len(v) != len(t.elts):
            raise frame.src.error(f"cannot unpack this item into {len(t.elts)} names", t)
        pending.extend(zip(t.elts, v, strict=True))


# Construction ---------------------------------------------------------------------------


def _check_class(frame: Frame, cls: type, e: ast.Call) -> None:
    """Refuse a class whose objects are made or read by code symdiff cannot follow."""
    what = f"{unparse(e.func)}(...) creates an object of class {cls.__qualname__}"
    if type(cls) not in (type, abc.ABCMeta):
        raise frame.src.error(f"{what}, whose metaclass {type(cls).__name__} symdiff does "
                              "not follow (not supported)", e)
    for klass in cls.__mro__[1:]:
        if not is_user_class(klass) and klass not in _NEUTRAL_BASES:
            raise frame.src.error(
                f"{what}, which derives from {klass.__module__}.{klass.__qualname__}: "
                "symdiff makes objects of classes of yours only (not supported)", e)
    params = getattr(cls, "__dataclass_params__", None)
    generated = ("__setattr__", "__delattr__") if params is not None and params.frozen \
        else ()  # a frozen dataclass's: `set_attribute` refuses the change they refuse
    for hook in _HOOKS:
        if hook not in generated and class_lookup(cls, hook) is not vars(object).get(
                hook, MISSING):
            raise frame.src.error(f"{what}, which defines {hook}: symdiff does not run it "
                                  "(not supported)", e)


def _initialise(frame: Frame, obj: Instance, after: type | None, e: ast.Call,
                given: calls.Arguments | None) -> None:
    """Run the ``__init__`` that `obj`'s class finds (past `after`, for ``super()``)."""
    mro = obj.klass.__mro__
    start = 0 if after is None else mro.index(after) + 1
    klass = next(k for k in mro[start:] if "__init__" in vars(k))
    init = vars(klass)["__init__"]
    if klass is object:
        positional, keywords = given or calls.arguments(frame, e)
        if positional or keywords:
            raise frame.src.error(f"{obj.klass.__qualname__}() takes no arguments (no "
                                  "__init__ of the class takes them)", e)
        return
    if dataclasses.is_dataclass(klass) and init.__code__.co_filename.startswith("<"):
        dataclass_init(frame, obj, klass, e, given)
        return
    path = (klass.__qualname__, "__init__")
    fn = objects.function(frame, init, path, f"{klass.__qualname__}.__init__", e)
    calls.call(frame, fn, (obj,), e, discarded=True, given=given)


def dataclass_init(frame: Frame, obj: Instance, klass: type, e: ast.Call,
                   given: calls.Arguments | None) -> None:
    """The ``__init__`` a dataclass generates: its fields bound to the arguments as
    Python binds them (defaults filled in), then its ``__post_init__``."""
    label = klass.__qualname__
    every = getattr(klass, "__dataclass_fields__", {})
    fields = dataclasses.fields(klass)  # type: ignore[arg-type]
    if any(f.name not in {g.name for g in fields} and "INITVAR" in str(
            getattr(f, "_field_type", "")) for f in every.values()):
        raise frame.src.error(f"{label}(...): an InitVar field is not supported yet", e)
    positional, keywords = given or calls.arguments(frame, e)
    taken = [f for f in fields if f.init]
    by_position = [f.name for f in taken if not getattr(f, "kw_only", False)]
    if len(positional) > len(by_position):
        raise frame.src.error(f"{label}() takes {len(by_position)} positional arguments but "
                              f"{len(positional)} were given", e)
    values = dict(zip(by_position, positional, strict=False))
    names = {f.name for f in taken}
    for name, value in keywords.items():
        if name not in names or name in values:
            why = "multiple values for argument" if name in values else \
                "an unexpected keyword argument"
            raise frame.src.error(f"{label}() got {why} {name!r}", e)
        values[name] = value
    for f in fields:
        if f.name in values:
            continue
        if f.default is not dataclasses.MISSING:
            values[f.name] = calls.constant(frame, f.default, f"the default of field "
                                            f"{f.name!r}", e)
        elif f.default_factory is not dataclasses.MISSING:
            raise frame.src.error(f"{label}(...): field {f.name!r} has a default_factory, "
                                  "which symdiff does not run (not supported yet)", e)
        else:
            raise frame.src.error(f"{label}() missing required argument {f.name!r}", e)
    for name, value in values.items():
        if isinstance(value, Node):
            frame.b.name(value, name)
        obj.attrs[name] = value
    post = class_lookup(klass, "__post_init__")
    if post is not MISSING:
        path = (label, "__post_init__")
        fn = objects.function(frame, post, path, f"{label}.__post_init__", e)
        calls.call(frame, fn, (obj,), e, discarded=True, given=([], {}))


# Reading --------------------------------------------------------------------------------


def _own(obj: Instance, name: str) -> Any:
    """The object's own attribute `name` (through its views, captured into each body
    between), or `MISSING`."""
    views: list[Instance] = []
    found = obj
    while name not in found.attrs and found.outer is not None:
        views.append(found)
        found = found.outer
    if name not in found.attrs:
        return MISSING
    value = found.attrs[name]
    for view in reversed(views):
        value = view.frame.capture(f"#{id(found)}.{name}", value)
        view.attrs[name] = value
    return value


def _class_of(obj: Instance | Resolved) -> type:
    return obj.klass if isinstance(obj, Instance) else obj.value.cls  # type: ignore
