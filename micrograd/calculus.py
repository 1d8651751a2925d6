"""Calculus beyond one ``backward()``: derivatives as values, of any order, and forward mode.

``grad(output, inputs)`` is reverse mode like ``backward()`` but returns the
derivatives instead of writing ``.grad``.  With ``create_graph=True`` each
local derivative is recomputed from the op's own ``partials`` evaluated on
the node's parents, which are Values, so the chain rule itself builds a graph::

    d(output)/d(x) = sum over paths of the products of local derivatives

and that result can be differentiated again: ``grad(grad(y, [x], create_graph=True)[0], [x])``
is the second derivative.  ``jvp(output, tangents)`` runs the chain rule the
other way, from inputs to the output: one pass gives the derivative along one
direction of the inputs (one pass per input for a full gradient, where reverse
mode needs one pass per *output*).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

from micrograd.engine import Op, Value, topological_order

__all__ = ["grad", "jvp"]


def _check_output(output: object, who: str) -> Value:
    if not isinstance(output, Value):
        raise TypeError(f"{who} differentiates a Value; got a {type(output).__name__!r}")
    return output


def _check_inputs(inputs: object) -> list[Value]:
    if isinstance(inputs, Value):
        raise TypeError("grad(output, inputs): pass the inputs as a list, e.g. grad(y, [x])")
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"grad(output, inputs): inputs must be a list of Values, got {type(inputs).__name__!r}"
        )
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad(output, inputs): inputs[{i}] is a {type(x).__name__!r}, not a Value")
    return list(inputs)


def _local_derivatives(node: Value) -> tuple[Value | float, ...]:
    """d(node)/d(parent) for each parent, as graphs: the op's partials on Values."""
    op = node._op
    assert isinstance(op, Op)
    local = op.partials(*node._prev, node)
    if len(local) != len(node._prev):
        raise TypeError(
            f"the partials of op {op.name!r} gave {len(local)} derivatives for {len(node._prev)} inputs"
        )
    return tuple(local)


def grad(output: Value, inputs: Sequence[Value], *, create_graph: bool = False) -> list[Value]:
    """d(output)/d(x) for each x in ``inputs``, like ``torch.autograd.grad``;
    no ``.grad`` anywhere is written.

    ``create_graph=False``: the derivatives are new leaves holding the numbers
    (the same products ``backward()`` adds).  ``create_graph=True``: they are
    Values with their own graph, so ``grad`` can be applied to them again, to
    any order.  An input the output does not depend on gets the derivative 0
    (as PyTorch with ``allow_unused=True`` and ``materialize_grads=True``).
    """
    output = _check_output(output, "grad(output, inputs)")
    targets = _check_inputs(inputs)
    if not isinstance(create_graph, bool):
        raise TypeError(f"create_graph must be True or False, got {create_graph!r}")
    order = topological_order(output)
    if create_graph:
        adjoint: dict[Value, Value | float] = {output: Value(1.0)}
        for node in reversed(order):
            upstream = adjoint.get(node)
            if upstream is None or not node._prev:
                continue
            for parent, local in zip(node._prev, _local_derivatives(node)):
                term = upstream * local  # the chain rule, on Values: this product is a graph
                adjoint[parent] = adjoint[parent] + term if parent in adjoint else term
        return [_as_value(adjoint.get(x, 0.0)) for x in targets]
    numbers_only: dict[Value, float] = {output: 1.0}
    for node in reversed(order):
        g = numbers_only.get(node)
        if g is None:
            continue
        for parent, local in zip(node._prev, node._local):
            numbers_only[parent] = numbers_only.get(parent, 0.0) + g * local
    return [Value(numbers_only.get(x, 0.0)) for x in targets]


def _as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def jvp(output: Value, tangents: Mapping[Value, float]) -> float:
    """Forward mode over an already built graph: the directional derivative
    ``sum_x d(output)/d(x) * tangents[x]``.

    Each node's tangent is ``sum_k local_k * tangent(parent_k)``, visiting the
    nodes from the inputs to the output (the chain rule the other way round);
    a leaf not in ``tangents`` has tangent 0.  Equals the reverse-mode
    derivative dotted with the tangents, and ``torch.func.jvp``.
    """
    output = _check_output(output, "jvp(output, tangents)")
    if not isinstance(tangents, Mapping):
        raise TypeError(
            f"jvp: tangents must be a mapping from Values to numbers, got {type(tangents).__name__!r}"
        )
    seeds: dict[Value, float] = {}
    for x, t in tangents.items():
        if not isinstance(x, Value):
            raise TypeError(f"jvp: the keys of tangents must be Values, got a {type(x).__name__!r}")
        if isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise TypeError(f"jvp: the tangent of {x!r} must be a real number, got {t!r}")
        seeds[x] = float(t)
    tangent: dict[Value, float] = {}
    for node in topological_order(output):
        if node in seeds:
            tangent[node] = seeds[node]  # an input: its direction is given (even if it has parents)
        elif not node._prev:
            tangent[node] = 0.0
        else:
            tangent[node] = sum(local * tangent[p] for p, local in zip(node._prev, node._local))
    return tangent[output]
