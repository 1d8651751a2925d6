"""The tracing guard: what changes in the eager engine while a function is traced.

A tape records only the *shape* of a computation, so a traced function must do
the same thing for every input.  A Python ``if`` on a Value would silently
freeze the branch taken for the example input; while tracing, the operations
such code needs (``<``, ``<=``, ``>``, ``>=``, ``bool()`` and ``float()`` on a
Value) raise :class:`TracingError` instead.

Two eager behaviours would also be frozen wrongly, and are recorded instead:

* ``v.detach()`` eagerly makes a leaf holding today's number, which a tape would
  bake in as a constant;
* inside a :func:`~micrograd.engine.no_grad` block an op returns a history-less
  leaf, which the tape would take for a parameter (or a constant).

While tracing, both become the op followed by :data:`STOP_GRADIENT`, an
identity whose result passes no gradient back: the tape recomputes the value
per sample, and, as eagerly, no gradient flows through it.

How: :func:`tracing` patches, for its duration only and restored in
``finally``, the comparison methods, ``__bool__``, ``__float__``, ``detach``
and ``__init__`` of :class:`~micrograd.engine.Value` (``__init__`` to collect
the leaves created inside the function: those are constants), and
``Op.apply`` (to record ops under ``no_grad``).  Outside a trace the eager
hot path pays nothing for any of this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from micrograd import engine
from micrograd.engine import Op, Value

__all__ = ["STOP_GRADIENT", "TracingError", "is_tracing", "tracing"]


class TracingError(TypeError):
    """The traced function did something a tape cannot replay: it depends on a
    Value's data (a comparison, ``bool()``, ``float()``), or it uses an op that
    does not run on numpy arrays."""


# Identity forward, and its result passes no gradient: the planner never runs
# its backward (a partial of 0 would still turn an infinite gradient into NaN).
STOP_GRADIENT = Op("detach", lambda a: a, lambda a, out: (0.0,))

_tracing_active = False


def is_tracing() -> bool:
    """True while a function is being traced (inside :func:`tracing`)."""
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
    "micrograd.losses.logsumexp), or run this code eagerly, outside the compiled function."
)

_GUARDS: dict[str, Callable[..., Any]] = {
    "__lt__": _refusal("'<'", _COMPARE_HINT),
    "__le__": _refusal("'<='", _COMPARE_HINT),
    "__gt__": _refusal("'>'", _COMPARE_HINT),
    "__ge__": _refusal("'>='", _COMPARE_HINT),
    "__bool__": _refusal("bool() (an 'if', 'and', 'or' or 'not')", _COMPARE_HINT),
    "__float__": _refusal("float()", "A float leaves the graph; keep the computation in Value ops."),
}


def _stop_gradient(node: Value) -> Value:
    return engine._node(node.data, (node,), STOP_GRADIENT, (0.0,))


def _traced_detach(self: Value) -> Value:
    """``detach()`` while tracing: the stop-gradient op instead of a new leaf."""
    return _stop_gradient(self)


def _traced_call(original: Callable[..., Value]) -> Callable[..., Value]:
    """``Op.apply`` while tracing: under ``no_grad()`` the op is recorded as
    usual, then its result is detached, instead of becoming a leaf."""

    def call(op: Op, parents: tuple[Value, ...]) -> Value:
        if engine._grad_enabled:
            return original(op, parents)
        anomaly = engine._anomaly
        engine._set_modes(True, anomaly)
        try:
            node = original(op, parents)
        finally:
            engine._set_modes(False, anomaly)
        return _stop_gradient(node)

    return call


@contextmanager
def tracing() -> Iterator[list[Value]]:
    """Install the guard; yield a list that collects every Value constructed
    inside the block (the tape's constants).  Not reentrant and not thread safe:
    it patches classes, so another thread's Values behave as traced ones while
    it is active."""
    global _tracing_active
    if _tracing_active:
        raise RuntimeError("tracing cannot be nested")
    created: list[Value] = []
    saved_value = {name: Value.__dict__.get(name) for name in [*_GUARDS, "detach", "__init__"]}
    saved_call = Op.__dict__["apply"]
    original_init = Value.__init__

    def recording_init(self: Value, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        created.append(self)

    _tracing_active = True
    try:
        for name, guard in _GUARDS.items():
            setattr(Value, name, guard)
        setattr(Value, "detach", _traced_detach)  # noqa: B010  (mypy refuses assigning to a method)
        setattr(Value, "__init__", recording_init)  # noqa: B010
        setattr(Op, "apply", _traced_call(saved_call))  # noqa: B010
        yield created
    finally:
        setattr(Op, "apply", saved_call)  # noqa: B010
        for name, method in saved_value.items():
            if method is None:
                if name in Value.__dict__:
                    delattr(Value, name)
            else:
                setattr(Value, name, method)
        _tracing_active = False
