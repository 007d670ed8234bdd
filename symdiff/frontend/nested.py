"""symdiff's own transforms called inside the function being differentiated:
``grad(f)(x) * x``, ``value_and_grad(f, argnums=1)(x, y)``, ``jvp(f, (x,), (v,))``,
``jvp(grad(f), (x,), (v,))`` and ``hvp(f, (x,), (v,))`` (a Hessian-vector product).

Contract: `transform_of(value)` names the public transform a free name refers to (read
off the marker the public functions carry, so nothing here imports them). `make`
lowers ``grad(f, argnums=...)`` (or ``value_and_grad``) to a `values.Transform`, which
a name may hold and a call applies (`apply`); `jvp` lowers the evaluating forms. The
function the transform is taken of is lowered as a closed program in a child frame:
its parameters are stand-ins for the call's arguments, and the values it reads from
around the call are operands of its own, so a transform never differentiates what the
function closes over (no perturbation confusion). The derivative is one
``derivative_call`` node per leaf of its result (`ir.calls`), which
`transforms.nested` expands right after lowering; transforms of transforms nest.
Other transforms (``hessian``, ``jacfwd``, ``vjp``...) and ``has_aux`` inside are
located errors.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend import calls, control, objects
from symdiff.frontend.arrays import constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Transform, Value, is_inlined
from symdiff.ir.calls import InnerDerivative
from symdiff.ir.node import Node, Program
from symdiff.ir.sequences import is_seq, kind
from symdiff.unparse import unparse

SUPPORTED = ("grad", "value_and_grad", "jvp", "hvp")


def transform_of(value: Any) -> str | None:
    """The name of the public symdiff transform `value` is, if it is one."""
    if not isinstance(value, Resolved):
        return None
    name = getattr(value.value, "__symdiff_transform__", None)
    return name if isinstance(name, str) else None


def refuse_object(low: Frame, value: Any, e: ast.Call) -> None:
    """A located error for a call of a derivative object made outside the function
    (``g = grad(f)`` at module level, then ``g(x)`` inside)."""
    obj = value.value if isinstance(value, Resolved) else None
    if obj is not None and callable(getattr(obj, "chain", None)) and hasattr(obj, "_fn"):
        name = unparse(e.func)
        raise low.src.error(
            f"{name!r} is a symdiff derivative made outside this function: calling one "
            f"inside it is not supported yet; write the transform inside (grad(f)(x))", e)


def lower(low: Frame, name: str, e: ast.Call) -> Value:
    """A call of the public transform `name` inside the function."""
    if name not in SUPPORTED:
        raise low.src.error(
            f"symdiff.{name} inside a differentiated function is not supported yet (grad, "
            "value_and_grad, jvp and hvp are, inlined into the derivative)", e)
    if name in ("jvp", "hvp"):
        return _evaluating(low, name, e)
    return make(low, name, e)


def make(low: Frame, name: str, e: ast.Call) -> Transform:
    """``grad(f, argnums=...)`` or ``value_and_grad(...)``: the transform, not yet
    applied."""
    if not e.args or len(e.args) > 2:
        raise low.src.error(f"{name}() takes a function and an optional argnums here", e)
    fn = _function(low, e.args[0])
    argnums: Any = 0
    for key, value in [*zip(("argnums",), e.args[1:], strict=False),
                       *((kw.arg, kw.value) for kw in e.keywords)]:
        if key == "has_aux":
            if constant(low, low.expr(value), bool, "has_aux", value):
                raise low.src.error(f"{name}(..., has_aux=True) inside a differentiated "
                                    "function (not yet)", value)
        elif key == "argnums":
            argnums = _argnums(low, value)
        else:
            raise low.src.error(f"unsupported keyword argument {key}= of {name}()", e)
    return Transform(name, argnums, fn)


def apply(low: Frame, t: Transform, e: ast.Call) -> Value:
    """``t(*args)``: the derivative at the call's arguments."""
    positional, keywords = calls.arguments(low, e)
    return derivative(low, t, positional, keywords, e)


def derivative(low: Frame, t: Transform, positional: list[Value],
               keywords: dict[str, Value], e: ast.Call,
               tangents: list[Node] | None = None) -> Value:
    """The result of the transform `t` (or, given `tangents`, of ``jvp`` of `t.fn`) of
    `positional` and `keywords`, as derivative_call nodes."""
    kind_ = "jvp" if tangents is not None else t.kind
    args = [_argument(low, v, e) for v in positional]
    nums = (t.argnums,) if isinstance(t.argnums, int) else t.argnums
    if tangents is None:
        for i in nums:
            if not -len(args) <= i < len(args):
                raise low.src.error(f"argnums {i} is out of range for {len(args)} arguments", e)
            if is_seq(args[i]):
                raise low.src.error(f"{kind_} inside a differentiated function with respect to "
                                    "a list (not yet): pass an array", e)
        nums = tuple(i % len(args) for i in nums)
    body = low.child()
    stand_ins = [body.b.arg(f"x{i}", kind(a)) for i, a in enumerate(args)]
    inner = {k: body.capture(f"#{id(e)}:{k}", v) for k, v in keywords.items()}
    result = _call(body, t.fn, stand_ins, inner, e)
    if not isinstance(result, Node) or is_seq(result):
        raise low.src.error(f"{kind_} of a function that returns other than one number or "
                            "array (not yet)", e)
    if kind_ != "jvp" and result.type is not None:
        raise low.src.error(f"{kind_} of a function that returns an array: it needs one "
                            "number (use jvp)", e)
    operands, (params,) = control.share_captures([body])
    program = Program(_name(t.fn), (*stand_ins, *params), result, body.b,
                      effects=body.effects())
    if kind_ == "jvp":
        types: tuple[Any, ...] = (result.type, result.type)
    else:
        types = (*((None,) if kind_ == "value_and_grad" else ()),
                 *(args[i].type for i in nums))
    argnums = nums[0] if isinstance(t.argnums, int) and tangents is None else nums
    record = InnerDerivative(kind_, argnums, program, len(args), types)
    node_args = (*args, *operands, *(tangents or ()))
    leaves = [low.b.apply("derivative_call", *node_args, attrs=(record, i))
              for i in range(len(types))]
    if kind_ == "jvp":
        return tuple(leaves)
    grads = leaves[-1] if isinstance(argnums, int) else tuple(leaves[len(leaves) - len(nums):])
    return (leaves[0], grads) if kind_ == "value_and_grad" else grads


def _evaluating(low: Frame, name: str, e: ast.Call) -> Value:
    """``jvp(f, primals, tangents)`` -> ``(out, tangent)``; ``hvp(f, primals, tangents)``
    -> the tangent of ``grad(f)`` (argnums 0)."""
    if len(e.args) != 3:
        raise low.src.error(f"{name}() takes a function, primals and tangents here", e)
    for kw in e.keywords:
        raise low.src.error(f"unsupported keyword argument {kw.arg}= of {name}() inside a "
                            "differentiated function", kw)
    fn = _function(low, e.args[0])
    primals, tangents = (_tuple(low, a, what) for a, what in
                         ((e.args[1], "primals"), (e.args[2], "tangents")))
    if len(primals) != len(tangents):
        raise low.src.error(f"{name}() of {len(primals)} primals but {len(tangents)} tangents",
                            e)
    ts = [_argument(low, t, e) for t in tangents]
    if name == "hvp":
        fn = Transform("grad", 0, fn)
    out = derivative(low, Transform("jvp", (), fn), list(primals), {}, e, ts)
    return out[1] if name == "hvp" else out  # type: ignore[index]


def _call(body: Frame, fn: Any, args: list[Node], keywords: dict[str, Value],
          e: ast.Call) -> Value:
    """`fn` (a function value or a transform) called in `body` on `args`."""
    if isinstance(fn, Transform):
        return derivative(body, fn, list(args), keywords, e)
    return calls.call(body, *objects.bound(fn), e, given=(list(args), keywords))


def _function(low: Frame, e: ast.expr) -> Any:
    value = low.expr(e)
    if isinstance(value, Transform) or is_inlined(value):
        return value
    raise low.src.error("a symdiff transform inside a differentiated function takes a "
                        "function of yours (a def or lambda) here", e)


def _argument(low: Frame, value: Value, e: ast.AST) -> Node:
    if isinstance(value, list):
        raise low.src.error("a list the function built, passed to a transform inside it "
                            "(not yet): pass an array", e)
    return low.number(value, e)


def _tuple(low: Frame, e: ast.expr, what: str) -> tuple[Value, ...]:
    value = low.expr(e)
    if not isinstance(value, (tuple, list)):
        raise low.src.error(f"{what} must be a tuple of arguments", e)
    return tuple(value)


def _argnums(low: Frame, e: ast.expr) -> int | tuple[int, ...]:
    value = low.expr(e)
    items = value if isinstance(value, tuple) else (value,)
    nums = tuple(constant(low, v, int, "argnums", e) for v in items)
    return nums if isinstance(value, tuple) else nums[0]


def _name(fn: Any) -> str:
    while isinstance(fn, Transform):
        fn = fn.fn
    return str(getattr(fn.value, "name", None) or getattr(fn.value, "__name__", "f"))
