"""Tracing a scalar function once into a flat *tape*.

:func:`trace` calls a function on :class:`~micrograd.engine.Value` inputs, the
ordinary eager way, and then walks the graph it built.  Every node becomes one
*slot* of a :class:`Tape`, in topological order:

* ``"input"``  -- one of the function's inputs (a different number per sample);
* ``"param"``  -- a parameter leaf: its ``.data`` is read afresh on every call;
* ``"const"``  -- a leaf created inside the function from a number (``1 - x``
  lifts ``1`` to a leaf): its value is baked into the tape;
* an engine op (``"+"``, ``"*"``, ``"relu"``, ``"linear"`` ...), with the slots
  of its operands in ``args``.  A constant exponent (``x ** 3``) is stored in
  ``consts`` and the op is spelled ``"**c"``.

Only the *shape* of the computation is recorded, so the function must do the
same thing for every input.  A Python ``if`` on a Value would silently freeze
the branch taken for the example input; while tracing, the operations that
such code needs -- ``<``, ``<=``, ``>``, ``>=``, ``bool()`` and ``float()`` on
a Value -- raise :class:`TracingError` instead.  The eager engine is not
touched outside :func:`trace` (the guard patches the class for the duration of
the trace only), so its hot path pays nothing for this.

What tracing cannot see: reading ``v.data`` directly (a plain float escapes
the graph and becomes a baked-in constant when it re-enters it).
``v.detach()`` and the operations of a :func:`~micrograd.engine.no_grad`
block inside the function *are* recorded, each result followed by a
stop-gradient op, so they are recomputed per sample and pass no gradient, as
they do eagerly.  Where
``.data`` only picks a numerically safe form -- ``micrograd.losses`` shifts
logits by their maximum, ``log_softmax(z - c) = log_softmax(z)`` for any
``c`` -- the compiled values stay right, but the shift is the example's, so
another sample's logits may overflow; :func:`logsumexp` below is the
compile-safe form.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from micrograd import engine
from micrograd.engine import Value

__all__ = ["SUPPORTED_OPS", "Tape", "TracingError", "is_tracing", "logsumexp", "trace", "tracing"]

# Structure of an argument or result: None for a scalar, n for a list of n.
Shape = int | None

# Engine ops the compiler understands (after "**<n>" is renamed "**c"), plus
# this module's "logsumexp" and the tracing-only "detach".
SUPPORTED_OPS = frozenset(
    {
        "+",
        "-",
        "*",
        "/",
        "neg",
        "**",
        "**c",
        "relu",
        "tanh",
        "sigmoid",
        "exp",
        "log",
        "abs",
        "linear",
        "logsumexp",
        "detach",
    }
)


class TracingError(TypeError):
    """The traced function did something that depends on a Value's data
    (a comparison, ``bool()``, ``float()``), which a tape cannot replay."""


# ---------------------------------------------------------------------------
# logsumexp: one fused node, usable eagerly and understood by the compiler.
# ---------------------------------------------------------------------------


def _logsumexp_rule(out: Value, g: float) -> None:
    # d/dx_i log(sum_j e**x_j) = e**x_i / sum_j e**x_j = e**(x_i - out): the softmax.
    y = out.data
    for x in out._prev:
        x.grad += g * math.exp(x.data - y)


def _logsumexp_data(xs: Sequence[float]) -> float:
    m = max(xs)
    if math.isinf(m) or math.isnan(m):
        # All -inf (log 0), some +inf, or NaN: the shift below would give NaN.
        return m if not any(math.isnan(x) for x in xs) else math.nan
    return m + math.log(sum(math.exp(x - m) for x in xs))


def logsumexp(xs: Sequence[Value | float]) -> Value:
    """``log(sum_i e**x_i)`` as a single node; ``d/dx_i = softmax(x)_i``.

    The value is computed stably as ``m + log(sum_i e**(x_i - m))`` with
    ``m = max_i x_i``.  That maximum is data dependent, so it cannot be a
    constant in a compiled tape; instead the whole reduction is one op, which
    the compiler replays with the same max-shift per sample in numpy.  This is
    the building block for softmax cross-entropy:
    ``logsumexp(z) - z[y]``.
    """
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"logsumexp expects a sequence of Values, got {type(xs).__name__!r}")
    if len(xs) == 0:
        raise ValueError(
            "logsumexp of an empty sequence is -inf and has no gradient; pass at least one value"
        )
    nodes = tuple(x if isinstance(x, Value) else engine._lift(x, "logsumexp") for x in xs)
    data = _logsumexp_data([x.data for x in nodes])
    return engine._make(data, nodes, "logsumexp", _logsumexp_rule)


# ---------------------------------------------------------------------------
# The tracing guard.
# ---------------------------------------------------------------------------

_tracing_active = False


def is_tracing() -> bool:
    """True while :func:`trace` is running a function."""
    return _tracing_active


def _refusal(what: str, hint: str) -> Callable[..., Any]:
    def refuse(self: Value, *args: object) -> Any:
        raise TracingError(
            f"{what} on a Value while tracing: data-dependent control flow cannot be compiled "
            f"(the tape would freeze the branch taken for the example input). {hint}"
        )

    return refuse


_COMPARE_HINT = (
    "Write it with ops instead (max(a, b) = b + relu(a - b); a softmax normaliser is "
    "micrograd.tape.logsumexp), or run this code eagerly, outside the compiled function."
)

_GUARDS: dict[str, Callable[..., Any]] = {
    "__lt__": _refusal("'<'", _COMPARE_HINT),
    "__le__": _refusal("'<='", _COMPARE_HINT),
    "__gt__": _refusal("'>'", _COMPARE_HINT),
    "__ge__": _refusal("'>='", _COMPARE_HINT),
    "__bool__": _refusal("bool() (an 'if', 'and', 'or' or 'not')", _COMPARE_HINT),
    "__float__": _refusal("float()", "A float leaves the graph; keep the computation in Value ops."),
}


def _detach_rule(out: Value, g: float) -> None:
    """Stop-gradient: nothing flows back to the operand."""


def _traced_detach(self: Value) -> Value:
    # Eagerly detach() makes a leaf holding today's number, which a tape would
    # bake in as a constant; while tracing it is an identity op with no gradient.
    return engine._make(self.data, (self,), "detach", _detach_rule)


def _traced_make(original_make: Callable[..., Value]) -> Callable[..., Value]:
    """``engine._make`` while tracing.  Inside a ``no_grad()`` block an eager
    op makes a history-less leaf, which the tape would take for a parameter
    and freeze at the example's number; here the op is recorded as usual and
    its result detached, so the tape recomputes it and no gradient passes."""

    def make(data: float, prev: tuple[Value, ...], op: str, rule: engine.Rule) -> Value:
        if engine._grad_enabled:
            return original_make(data, prev, op, rule)
        engine._grad_enabled = True
        engine._refresh_fast()
        try:
            node = original_make(data, prev, op, rule)
            return original_make(data, (node,), "detach", _detach_rule)
        finally:
            engine._grad_enabled = False
            engine._refresh_fast()

    return make


@contextmanager
def tracing() -> Iterator[list[Value]]:
    """Context manager used by :func:`trace`: installs the guard and yields a
    list that collects every leaf created inside the block (those are the
    constants).  Not reentrant and not thread safe: it patches the Value class,
    its metaclass's constructor and ``engine._leaf``/``engine._make``, so
    another thread's Values behave as traced ones while it is active.
    """
    global _tracing_active
    if _tracing_active:
        raise RuntimeError("trace() cannot be nested")
    created: list[Value] = []
    original_leaf = engine._leaf
    original_make = engine._make
    original_call = engine._ValueType.__call__
    saved = {name: Value.__dict__.get(name) for name in [*_GUARDS, "detach"]}

    def recording_leaf(data: float) -> Value:
        node = original_leaf(data)
        created.append(node)
        return node

    def recording_call(cls: engine._ValueType, *args: Any, **kwargs: Any) -> Any:
        node = original_call(cls, *args, **kwargs)
        created.append(node)
        return node

    _tracing_active = True
    engine._leaf = recording_leaf
    engine._make = _traced_make(original_make)
    setattr(engine._ValueType, "__call__", recording_call)  # noqa: B010  (mypy refuses assignment to a method)
    for name, guard in _GUARDS.items():
        setattr(Value, name, guard)
    setattr(Value, "detach", _traced_detach)  # noqa: B010
    try:
        yield created
    finally:
        engine._leaf = original_leaf
        engine._make = original_make
        setattr(engine._ValueType, "__call__", original_call)  # noqa: B010
        for name, method in saved.items():
            if method is None:
                delattr(Value, name)
            else:
                setattr(Value, name, method)
        _tracing_active = False


# ---------------------------------------------------------------------------
# The tape.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tape:
    """A traced graph as parallel lists, one entry per slot, in topological
    order (every operand slot comes before the slot that uses it).

    ``ops[s]``      op code: ``"input"``, ``"param"``, ``"const"`` or an engine op;
    ``args[s]``     operand slots (for ``"linear"``: bias, w_1..w_n, x_1..x_n);
    ``consts[s]``   the value of a constant leaf, the exponent of ``"**c"``, else 0;
    ``input_slots`` the slots of the flattened inputs, in argument order;
    ``param_slots`` the slot of each entry of ``params``;
    ``output_slots`` the slots of the flattened results;
    ``params``      the parameter Values, whose ``.data`` is read on every replay
                    and whose ``.grad`` receives the gradients.
    """

    ops: tuple[str, ...]
    args: tuple[tuple[int, ...], ...]
    consts: tuple[float, ...]
    input_slots: tuple[int, ...]
    param_slots: tuple[int, ...]
    output_slots: tuple[int, ...]
    params: tuple[Value, ...]
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    output_is_tuple: bool

    def __len__(self) -> int:
        return len(self.ops)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for op in self.ops:
            counts[op] = counts.get(op, 0) + 1
        body = ", ".join(f"{op}: {n}" for op, n in sorted(counts.items()))
        return f"Tape({len(self.ops)} slots; {body})"


def _make_inputs(example_inputs: Sequence[object]) -> tuple[list[Value | list[Value]], list[Shape]]:
    if isinstance(example_inputs, (str, bytes)) or not isinstance(example_inputs, Sequence):
        raise TypeError(
            "example_inputs must be a sequence with one entry per argument of fn, "
            f"got {type(example_inputs).__name__!r}"
        )
    args: list[Value | list[Value]] = []
    shapes: list[Shape] = []
    for i, arg in enumerate(example_inputs):
        if isinstance(arg, numbers.Real) and not isinstance(arg, Value):
            args.append(Value(float(arg), label=f"input[{i}]"))
            shapes.append(None)
            continue
        items = arg.tolist() if hasattr(arg, "tolist") else arg
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise TypeError(
                f"example_inputs[{i}] must be a number or a flat sequence of numbers, "
                f"got {type(arg).__name__!r}"
            )
        row: list[Value] = []
        for j, x in enumerate(items):
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(f"example_inputs[{i}][{j}] must be a real number, got {type(x).__name__!r}")
            row.append(Value(float(x), label=f"input[{i}][{j}]"))
        args.append(row)
        shapes.append(len(row))
    return args, shapes


def _flatten_outputs(result: object) -> tuple[list[Value], list[Shape], bool]:
    def fail() -> TracingError:
        return TracingError(
            "fn must return a Value, a list of Values, or a tuple whose entries are Values or "
            f"lists of Values; got {type(result).__name__!r}"
        )

    if isinstance(result, Value):
        return [result], [None], False
    if isinstance(result, list) and result and all(isinstance(v, Value) for v in result):
        return list(result), [len(result)], False
    if not isinstance(result, tuple) or not result:
        raise fail()
    flat: list[Value] = []
    shapes: list[Shape] = []
    for entry in result:
        if isinstance(entry, Value):
            flat.append(entry)
            shapes.append(None)
        elif isinstance(entry, (list, tuple)) and entry and all(isinstance(v, Value) for v in entry):
            flat.extend(entry)
            shapes.append(len(entry))
        else:
            raise fail()
    return flat, shapes, True


def _topological(outputs: Sequence[Value]) -> list[Value]:
    order: list[Value] = []
    seen: set[Value] = set()
    for out in outputs:
        if out in seen:
            continue
        for node in engine.topological_order(out):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _op_code(node: Value) -> tuple[str, float]:
    op = node._op
    rule = node._backward
    if isinstance(rule, partial) and rule.func is engine._pow_const_rule:
        return "**c", float(rule.args[0])
    if op not in SUPPORTED_OPS or op == "**c":
        raise TracingError(f"op {op!r} is not supported by the compiler (supported: {sorted(SUPPORTED_OPS)})")
    return op, 0.0


def trace(
    fn: Callable[..., object],
    example_inputs: Sequence[object],
    params: Sequence[Value] | None = None,
) -> Tape:
    """Run ``fn`` once on Values made from ``example_inputs`` and record its graph.

    ``example_inputs`` has one entry per argument of ``fn``: a number (``fn``
    receives a Value) or a flat sequence / 1-D array of numbers (``fn``
    receives a list of Values).  ``fn`` returns a Value, a list of Values, or
    a tuple of those.

    Parameters are ``params`` if given (other non-input leaves are then
    constants), else every leaf of the graph that is neither an input nor
    created inside ``fn``.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__!r}")
    if not engine.is_grad_enabled():
        raise RuntimeError("cannot trace inside no_grad(): no graph would be recorded")
    if params is not None:
        if not isinstance(params, Iterable):
            raise TypeError(f"params must be a sequence of Values, got {type(params).__name__!r}")
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] is a {type(p).__name__!r}, not a Value")
            if p._backward is not None:
                raise ValueError(f"params[{i}] is not a leaf (it was computed by op {p._op!r})")
        if len(set(params)) != len(params):
            raise ValueError("params contains the same Value more than once")
    inputs, input_shapes = _make_inputs(example_inputs)
    flat_inputs = [v for arg in inputs for v in (arg if isinstance(arg, list) else [arg])]
    with tracing() as created:
        result = fn(*inputs)
    outputs, output_shapes, is_tuple = _flatten_outputs(result)

    order = _topological(outputs)
    slot_of = {node: s for s, node in enumerate(order)}
    input_set = set(flat_inputs)
    created_set = set(created) - input_set
    explicit = set(params) if params is not None else None
    discovered: list[Value] = []

    ops: list[str] = []
    args: list[tuple[int, ...]] = []
    consts: list[float] = []
    for node in order:
        if node._backward is None:
            if node in input_set:
                kind = "input"
            elif explicit is not None:
                kind = "param" if node in explicit else "const"
            else:
                kind = "const" if node in created_set else "param"
            if kind == "param" and explicit is None:
                discovered.append(node)
            ops.append(kind)
            args.append(())
            consts.append(node.data if kind == "const" else 0.0)
        else:
            code, const = _op_code(node)
            ops.append(code)
            args.append(tuple(slot_of[p] for p in node._prev))
            consts.append(const)

    param_list = params if params is not None else discovered
    # A parameter that the graph never uses still gets a (zero) gradient slot,
    # so param_slots stays aligned with params.
    param_slots: list[int] = []
    for p in param_list:
        if p in slot_of:
            param_slots.append(slot_of[p])
        else:
            param_slots.append(len(ops))
            ops.append("param")
            args.append(())
            consts.append(0.0)
    input_slots = []
    for v in flat_inputs:
        if v in slot_of:
            input_slots.append(slot_of[v])
        else:  # an unused input still needs a slot to receive its column
            input_slots.append(len(ops))
            ops.append("input")
            args.append(())
            consts.append(0.0)
    return Tape(
        ops=tuple(ops),
        args=tuple(args),
        consts=tuple(consts),
        input_slots=tuple(input_slots),
        param_slots=tuple(param_slots),
        output_slots=tuple(slot_of[v] for v in outputs),
        params=tuple(param_list),
        input_shapes=tuple(input_shapes),
        output_shapes=tuple(output_shapes),
        output_is_tuple=is_tuple,
    )
