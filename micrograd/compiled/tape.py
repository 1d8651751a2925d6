"""Tracing a scalar function once into a flat *tape*.

:func:`trace_tape` calls a function on :class:`~micrograd.engine.Value` inputs,
the ordinary eager way (under the guard of :mod:`micrograd.compiled.guard`),
and then walks the graph it built.  Every node becomes one *slot* of a
:class:`Tape`, in topological order:

* ``"input"``  -- one of the function's inputs (a different number per sample);
* ``"param"``  -- a parameter leaf: its ``.data`` is read afresh on every call;
* ``"const"``  -- a leaf created inside the function from a number (``1 - x``
  lifts ``1`` to a leaf): its value is baked into the tape;
* an op node: the :class:`~micrograd.engine.Op` object itself (the engine's
  ``LINEAR``, ``power_op(3)``, a user's op ...), with its operands' slots in
  ``args``.  What the op computes is its own ``forward`` and ``partials``.

What tracing cannot see: reading ``v.data`` directly (a plain float escapes the
graph and becomes a baked-in constant when it re-enters it).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from micrograd import engine
from micrograd.compiled.guard import TracingError, tracing
from micrograd.engine import Op, Value

__all__ = ["Shape", "Tape", "trace_tape"]

# Structure of an argument or result: None for a scalar, n for a list of n.
Shape = int | None


@dataclass(frozen=True)
class Tape:
    """A traced graph as parallel lists, one entry per slot, in topological
    order (every operand slot comes before the slot that uses it).

    ``ops[s]``       ``"input"``, ``"param"``, ``"const"``, or the slot's Op;
    ``args[s]``      operand slots, in the op's order (for ``LINEAR``: bias, w_1..w_n, x_1..x_n);
    ``data[s]``      the slot's value for the example inputs (a constant's value);
    ``local[s]``     the example's local derivatives d(slot)/d(args[s][k]) (empty for leaves);
    ``input_slots``  the slots of the flattened inputs, in argument order;
    ``param_slots``  the slot of each entry of ``params``;
    ``output_slots`` the slots of the flattened results;
    ``params``       the parameter Values, whose ``.data`` is read on every replay
                     and whose ``.grad`` receives the gradients.
    """

    ops: tuple[str, ...]
    args: tuple[tuple[int, ...], ...]
    data: tuple[float, ...]
    local: tuple[tuple[float, ...], ...]
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
            counts[str(op)] = counts.get(str(op), 0) + 1
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


def _check_params(params: Sequence[Value] | None) -> list[Value] | None:
    if params is None:
        return None
    if not isinstance(params, Iterable):
        raise TypeError(f"params must be a sequence of Values, got {type(params).__name__!r}")
    checked = list(params)
    for i, p in enumerate(checked):
        if not isinstance(p, Value):
            raise TypeError(f"params[{i}] is a {type(p).__name__!r}, not a Value")
        if p._prev:
            raise ValueError(f"params[{i}] is not a leaf (it was computed by op {str(p._op)!r})")
    if len(set(checked)) != len(checked):
        raise ValueError("params contains the same Value more than once")
    return checked


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


def trace_tape(
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
    explicit = _check_params(params)
    inputs, input_shapes = _make_inputs(example_inputs)
    flat_inputs = [v for arg in inputs for v in (arg if isinstance(arg, list) else [arg])]
    with tracing() as created:
        result = fn(*inputs)
    outputs, output_shapes, is_tuple = _flatten_outputs(result)

    order = _topological(outputs)
    slot_of = {node: s for s, node in enumerate(order)}
    input_set = set(flat_inputs)
    created_set = set(created) - input_set
    explicit_set = set(explicit) if explicit is not None else None
    discovered: list[Value] = []

    ops: list[str] = []
    args: list[tuple[int, ...]] = []
    local: list[tuple[float, ...]] = []
    for node in order:
        op = node._op
        if isinstance(op, Op):
            ops.append(op)  # an op without operands (a constant-valued op) too
            args.append(tuple(slot_of[p] for p in node._prev))
            local.append(tuple(node._local))
            continue
        if op or node._prev:
            raise TracingError(f"node {op!r} was not made by an Op; the compiler replays Ops only")
        if node in input_set:
            kind = "input"
        elif explicit_set is not None:
            kind = "param" if node in explicit_set else "const"
        else:
            kind = "const" if node in created_set else "param"
        if kind == "param" and explicit_set is None:
            discovered.append(node)
        ops.append(kind)
        args.append(())
        local.append(())
    data = [node.data for node in order]

    def extra_slot(kind: str) -> int:
        # A parameter or input the graph never uses still gets a slot, so that
        # param_slots stays aligned with params and every input column has a row.
        ops.append(kind)
        args.append(())
        local.append(())
        data.append(0.0)
        return len(ops) - 1

    param_list = explicit if explicit is not None else discovered
    param_slots = [slot_of[p] if p in slot_of else extra_slot("param") for p in param_list]
    input_slots = [slot_of[v] if v in slot_of else extra_slot("input") for v in flat_inputs]
    return Tape(
        ops=tuple(ops),
        args=tuple(args),
        data=tuple(data),
        local=tuple(local),
        input_slots=tuple(input_slots),
        param_slots=tuple(param_slots),
        output_slots=tuple(slot_of[v] for v in outputs),
        params=tuple(param_list),
        input_shapes=tuple(input_shapes),
        output_shapes=tuple(output_shapes),
        output_is_tuple=is_tuple,
    )
