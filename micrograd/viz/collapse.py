"""Find the calls of a model's neurons in a graph, so that ``draw_dot(...,
collapse=model)`` can draw each call as one box ``act(b + w.x)``.

A neuron call is the bias ``b`` and weights ``w`` of one neuron combined
with inputs ``x`` in one of the two shapes :mod:`micrograd.nn` builds:

* fused: one ``linear(b, w_1..w_n, x_1..x_n)`` node;
* unfused: the chain ``((b + w_1*x_1) + w_2*x_2) + ...``;

followed by the neuron's activation, if it has one.  The neurons are found
by duck typing (``.w`` and ``.b``; ``.neurons``; ``.layers``), so this
module does not import :mod:`micrograd.nn`.
"""

from __future__ import annotations

from typing import Any

from micrograd.engine import ADD, LINEAR, MUL, Value

__all__ = ["collapse_neurons", "find_neurons", "ways_to_shrink"]

# Per neuron output node: its formula (``relu(b + w.x)``) and the input nodes that feed the box.
NeuronBoxes = dict[Value, tuple[str, list[Value]]]


def find_neurons(obj: object) -> list[Any]:
    """The neurons inside a Neuron, Layer, MLP or a list of those."""
    if isinstance(obj, (list, tuple)):
        return [n for item in obj for n in find_neurons(item)]
    if hasattr(obj, "w") and hasattr(obj, "b"):
        return [obj]
    if hasattr(obj, "neurons"):
        return find_neurons(obj.neurons)
    if hasattr(obj, "layers"):
        return find_neurons(obj.layers)
    raise TypeError(
        f"collapse expects a Neuron, Layer or MLP (or a list of them), got {type(obj).__name__!r}"
    )


def ways_to_shrink(order: list[Value], collapsed: bool) -> list[str]:
    """What would make a drawing of the graph ``order`` smaller, for the
    message of a graph too large to draw: collapsing its neurons (unless they
    are), fusing each neuron's weighted sum (unless it is)."""
    ways = [] if collapsed else ["pass collapse=model to draw each neuron as one box"]
    if not any(node._op is LINEAR for node in order):
        ways.append("build the model with fused=True (each neuron's weighted sum one 'linear' node)")
    return ways


def collapse_neurons(order: list[Value], neurons: list[Any]) -> tuple[set[Value], NeuronBoxes]:
    """Find every call of each neuron in the graph whose nodes are ``order``.
    Returns the nodes to hide and, per neuron output node, its formula and
    input nodes.  Inner nodes that something outside the call also uses stay
    visible (the call is then drawn node by node)."""
    if not neurons:
        return set(), {}
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for p in node._prev:
            consumers.setdefault(p, []).append(node)
    hidden: set[Value] = set()
    absorbed: set[Value] = set()  # hidden nodes and the boxes' own output nodes
    boxes: NeuronBoxes = {}
    for neuron in neurons:
        b: Value = neuron.b
        ws: list[Value] = list(neuron.w)
        activation: str | None = getattr(neuron, "activation", None)
        for first in consumers.get(b, []):
            call = _neuron_call(first, b, ws, consumers)
            if call is None:
                continue
            members, z, inputs = call
            out = z
            if activation is not None:
                # An Op equals its name, so the activation's node is found by it.
                acts = [d for d in consumers.get(z, []) if d._op == activation and d._prev == (z,)]
                if len(acts) != 1:
                    continue
                out = acts[0]
            # Only hide inner nodes that nothing outside this neuron call uses.
            inner = set(members) - {out}
            if activation is not None:
                inner.add(z)
            if any(d not in inner and d is not out for m in inner for d in consumers.get(m, [])):
                continue
            hidden |= inner
            absorbed |= inner | {out}
            boxes[out] = (f"{activation}(b + w.x)" if activation else "b + w.x", inputs)
        for param in (b, *ws):
            if param in consumers and all(d in absorbed for d in consumers[param]):
                hidden.add(param)
    return hidden, boxes


def _neuron_call(
    first: Value, b: Value, ws: list[Value], consumers: dict[Value, list[Value]]
) -> tuple[list[Value], Value, list[Value]] | None:
    """The nodes of one neuron call starting at ``first`` (a consumer of the
    bias).  Returns (members, weighted sum, inputs), or None if ``first``
    does not start a call of this neuron."""
    n = len(ws)
    if first._op is LINEAR and first._prev[0] is b and len(first._prev) == 2 * n + 1:
        if list(first._prev[1 : n + 1]) != ws:
            return None
        return [first], first, list(first._prev[n + 1 :])
    if first._op is not ADD or first._prev[0] is not b:
        return None
    members: list[Value] = []
    inputs: list[Value] = []
    cur = first
    for k in range(n):
        prod = cur._prev[1]
        if prod._op is not MUL or prod._prev[0] is not ws[k]:
            return None
        members += [cur, prod]
        inputs.append(prod._prev[1])
        if k < n - 1:
            nxt = [d for d in consumers.get(cur, []) if d._op is ADD and d._prev[0] is cur]
            if len(nxt) != 1:
                return None
            cur = nxt[0]
    return members, cur, inputs
