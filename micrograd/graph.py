"""Draw a computation graph with Graphviz.

Every :class:`~micrograd.engine.Value` becomes a record box
``label | data | grad``; every operation becomes a small oval (``+``, ``*``,
``**2``, ``relu``, ``linear``, ...) with an arrow from each operand into it
and one arrow from it to its result.  So an arrow ``a -> (*) -> c`` reads
"c = a * ...", and backward() sends gradients against the arrows.

Node ids come from the topological order (``v0``, ``v1``, ...), never from
``id()``, so drawing the same expression twice gives byte-identical DOT.

Operands of ``-``, ``/`` and ``**`` are marked ``a`` and ``b`` (the op node
reads ``a - b``).  A fused ``linear`` node (a whole neuron's ``b + w.x``) is
one op node; ``expand_linear=True`` draws its elementary ``*`` and ``+``, and
``collapse=model`` goes the other way, one box per neuron call.  Graphs with
more than ``max_nodes`` boxes raise ``ValueError`` instead of keeping ``dot``
busy for minutes.

Importing this module also gives :class:`Value` a ``_repr_svg_`` method, so a
Value displays as its graph in Jupyter.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import graphviz

from micrograd.engine import Value, topological_order
from micrograd.fileio import atomic_write

__all__ = [
    "DEFAULT_MAX_NODES",
    "INSTALL_HINT",
    "GraphvizNotFoundError",
    "Highlight",
    "draw_dot",
    "format_number",
    "node_names",
    "save_svg",
]

DEFAULT_MAX_NODES = 500

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered "
    "(its DOT text is still available as `.source`). Install graphviz: `make demo` and "
    "`make test` do it for you (apt-get install graphviz); otherwise run "
    "`sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`, then check with `dot -V`."
)


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` executable and it is not installed."""


class Highlight(Protocol):
    """What ``draw_dot(highlight=...)`` needs from a backward step
    (:class:`micrograd.trace.Step` provides it): the edge ``parent <- child``
    by its position in ``child._prev``, and every node's gradient as it
    stands right after the step.  A ``parent_index`` of -1 means no edge
    (the seed, before any step): only the node itself is marked."""

    @property
    def child(self) -> Value: ...

    @property
    def parent(self) -> Value: ...

    @property
    def parent_index(self) -> int: ...

    def grads(self) -> Mapping[Value, float]: ...


def op_id(child: int) -> str:
    """Graphviz id of the op oval of the node at topological index ``child``
    (the HTML stepper finds elements in the SVG by these ids)."""
    return f"v{child}_op"


def edge_id(parent: int, child: int, k: int) -> str:
    """Graphviz id of the edge from operand ``k`` (``parent``) into ``child``'s op."""
    return f"e{parent}_{child}_{k}"


def format_number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits and no trailing zeros
    (6.0 -> '6', 0.123456 -> '0.1235')."""
    _check_precision(precision)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    text = f"{x:.{precision}g}"
    return "0" if text == "-0" else text


def node_names(order: list[Value]) -> dict[Value, str]:
    """A readable name per node: its label, else ``v<i>`` with ``i`` its
    position in ``order`` (the same id the drawing uses)."""
    return {node: node.label or f"v{i}" for i, node in enumerate(order)}


def _record_text(text: str) -> str:
    # Characters that structure a record label must be escaped to be shown,
    # and Graphviz decodes HTML entities ("&amp;" would show as "&").
    text = text.replace("&", "&amp;")
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


_NON_COMMUTATIVE = ("-", "/", "**")


def _check_precision(precision: int) -> int:
    if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int between 1 and 17, got {precision!r}")
    return precision


def check_size(shown: int, max_nodes: int, other_ways: Sequence[str] = ()) -> None:
    """Raise ValueError, saying how to proceed, when a drawing would show more
    than ``max_nodes`` Value nodes (or when ``max_nodes`` is not a positive int).
    ``other_ways`` are the caller's own suggestions, added to the message."""
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if shown > max_nodes:
        ways = [f"pass max_nodes={shown} to draw it anyway", "draw a smaller sub-expression", *other_ways]
        raise ValueError(
            f"the graph has {shown} Value nodes, more than max_nodes={max_nodes}; Graphviz "
            f"would take very long to lay it out. Either {', or '.join(ways)}."
        )


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Highlight | None = None,
    *,
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
    expand_linear: bool = False,
    show_names: bool = False,
    grads: Mapping[Value, float] | None = None,
    collapse: object = None,
) -> Any:
    """The graph of everything ``root`` depends on, as a ``graphviz.Digraph``.

    Args:
        root: the output node.
        format: output format used by ``.render()`` / ``.pipe()`` (``svg``, ``png``...).
        rankdir: ``LR`` (inputs on the left) or ``TB``, ``RL``, ``BT``.
        show_grad: include each node's ``grad`` in its box.
        highlight: a backward step (see :func:`micrograd.trace.backward_steps`):
            its edge and both end nodes are drawn in red, and the grads shown
            are those right after that step instead of the nodes' ``.grad``.
        precision: significant digits of data and grad.
        max_nodes: refuse (``ValueError``) graphs with more Value nodes than
            this, because ``dot`` takes minutes on thousands of nodes.
        expand_linear: draw each fused ``linear`` node (``b + sum_i w_i x_i``)
            as the elementary ``*`` and ``+`` it stands for; each product box
            shows ``w_i * x_i`` and the grad it would get (the same as the sum's,
            since d(sum)/d(term) = 1).
        show_names: give unlabelled nodes their generated name (``v3``) so
            they can be matched with a step table.
        grads: show these gradients (node -> grad; missing nodes show 0)
            instead of ``.grad``; ``highlight`` takes precedence.
        collapse: a Neuron, Layer or MLP (or a list of them): every call of
            each of its neurons is drawn as one box ``act(b + w.x)`` fed by
            the neuron's inputs; its weights, bias and inner ``*``/``+``/
            ``linear`` nodes are hidden (unless something else uses them).
            The node limit counts the nodes left visible.

    Returns:
        A ``graphviz.Digraph``; ``.source`` is the DOT text (no ``dot``
        needed); ``.render()``, ``.pipe()`` and Jupyter display need ``dot``
        and raise :class:`GraphvizNotFoundError` with install instructions if
        it is missing.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot expects a Value, got {type(root).__name__!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    _check_precision(precision)
    order = topological_order(root)
    hidden: set[Value] = set()
    neuron_boxes: dict[Value, tuple[str, list[Value]]] = {}
    if collapse is not None:
        hidden, neuron_boxes = _collapse_neurons(order, _find_neurons(collapse))
    other_ways = []
    if collapse is None:
        other_ways.append("pass collapse=model to draw each neuron as one box")
    if not any(node._op == "linear" for node in order):
        other_ways.append("build the model with fused=True (each neuron's weighted sum one 'linear' node)")
    check_size(len(order) - len(hidden), max_nodes, other_ways)
    if highlight is not None:
        grads = highlight.grads()
    index = {node: i for i, node in enumerate(order)}
    names = node_names(order)

    def fmt(x: float) -> str:
        return format_number(x, precision)

    def grad_of(node: Value) -> float:
        return grads.get(node, 0.0) if grads is not None else node.grad

    def box(node_id: str, title: str, data: float, grad: float, hot: bool) -> None:
        fields = [_record_text(title)] if title else []
        fields.append(f"data {fmt(data)}")
        if show_grad:
            fields.append(f"grad {fmt(grad)}")
        attrs = {"id": node_id, "label": "{ " + " | ".join(fields) + " }", "shape": "record"}
        if hot:
            attrs.update(color="#d62728", penwidth="2.5")
        dot.node(node_id, **attrs)

    def op_node(node_id: str, label: str, hot: bool) -> None:
        attrs = {"id": node_id, "label": _record_text(label), "shape": "ellipse"}
        if hot:
            attrs.update(color="#d62728", penwidth="2.5", fontcolor="#d62728")
        dot.node(node_id, **attrs)

    def edge(tail: str, head: str, edge_id: str, hot: bool, label: str = "") -> None:
        attrs = {"id": edge_id}
        if label:
            attrs.update(label=label, fontsize="9")
        if hot:
            attrs.update(color="#d62728", penwidth="2.5")
        dot.edge(tail, head, **attrs)

    hot_child = highlight.child if highlight is not None else None
    hot_parent = highlight.parent if highlight is not None else None
    hot_k = highlight.parent_index if highlight is not None else -1

    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", arrowsize="0.7", fontname="Helvetica")
    for node in order:
        if node in hidden:
            continue
        i = index[node]
        vid = f"v{i}"
        if node in neuron_boxes:
            title, inputs = neuron_boxes[node]
            box(vid, title, node.data, grad_of(node), node is hot_child or node is hot_parent)
            for k, x in enumerate(inputs):
                edge(f"v{index[x]}", vid, f"e{index[x]}_{i}_n{k}", False)
            continue
        title = node.label or (names[node] if show_names else "")
        box(vid, title, node.data, grad_of(node), node is hot_child or node is hot_parent)
        if not node._prev:
            continue
        this_step = node is hot_child and hot_k >= 0
        oid = op_id(i)
        if expand_linear and node._op == "linear":
            prev = node._prev
            n = len(prev) >> 1
            op_node(oid, "+", this_step and hot_k == 0)
            edge(f"v{index[prev[0]]}", oid, edge_id(index[prev[0]], i, 0), this_step and hot_k == 0)
            for t in range(1, n + 1):
                w, x = prev[t], prev[t + n]
                hot_term = this_step and hot_k in (t, t + n)
                pid = f"{vid}_p{t}"
                box(pid, "", w.data * x.data, grad_of(node), hot_term)
                op_node(f"{pid}_op", "*", hot_term)
                edge(f"v{index[w]}", f"{pid}_op", edge_id(index[w], i, t), this_step and hot_k == t)
                edge(f"v{index[x]}", f"{pid}_op", edge_id(index[x], i, t + n), this_step and hot_k == t + n)
                edge(f"{pid}_op", pid, f"{pid}_out", False)
                edge(pid, oid, f"{pid}_e", hot_term)
        else:
            # For a - b, a / b and a ** b the picture must say which operand is which.
            ordered = node._op in _NON_COMMUTATIVE and len(node._prev) == 2
            op_node(oid, f"a {node._op} b" if ordered else node._op, this_step)
            for k, parent in enumerate(node._prev):
                hot = this_step and k == hot_k
                edge(f"v{index[parent]}", oid, edge_id(index[parent], i, k), hot, "ab"[k] if ordered else "")
        edge(oid, vid, f"{vid}_out", this_step)
    _install_friendly_errors(dot)
    return dot


def _find_neurons(obj: object) -> list[Any]:
    """The neurons inside a Neuron, Layer, MLP or a list of those (duck-typed:
    graph.py does not import the nn module)."""
    if isinstance(obj, (list, tuple)):
        return [n for item in obj for n in _find_neurons(item)]
    if hasattr(obj, "w") and hasattr(obj, "b"):
        return [obj]
    if hasattr(obj, "neurons"):
        return _find_neurons(obj.neurons)
    if hasattr(obj, "layers"):
        return _find_neurons(obj.layers)
    raise TypeError(
        f"collapse expects a Neuron, Layer or MLP (or a list of them), got {type(obj).__name__!r}"
    )


def _collapse_neurons(
    order: list[Value], neurons: list[Any]
) -> tuple[set[Value], dict[Value, tuple[str, list[Value]]]]:
    """Find every call of each neuron in the graph.  Returns the nodes to hide
    and, per neuron output node, its box title and input nodes."""
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for p in node._prev:
            consumers.setdefault(p, []).append(node)
    hidden: set[Value] = set()
    absorbed: set[Value] = set()  # hidden nodes and the boxes' own output nodes
    boxes: dict[Value, tuple[str, list[Value]]] = {}
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
            name = out.label or "neuron"
            formula = f"{activation}(b + w.x)" if activation else "b + w.x"
            boxes[out] = (f"{name}: {formula}", inputs)
        for param in (b, *ws):
            if param in consumers and all(d in absorbed for d in consumers[param]):
                hidden.add(param)
    return hidden, boxes


def _neuron_call(
    first: Value, b: Value, ws: list[Value], consumers: dict[Value, list[Value]]
) -> tuple[list[Value], Value, list[Value]] | None:
    """The nodes of one neuron call starting at ``first`` (a consumer of the
    bias): fused, one ``linear(b, w.., x..)`` node; unfused, the chain
    ``((b + w0*x0) + w1*x1) + ...``.  Returns (members, weighted sum, inputs)."""
    n = len(ws)
    if first._op == "linear" and first._prev[0] is b and len(first._prev) == 2 * n + 1:
        if list(first._prev[1 : n + 1]) != ws:
            return None
        return [first], first, list(first._prev[n + 1 :])
    if first._op != "+" or first._prev[0] is not b:
        return None
    members: list[Value] = []
    inputs: list[Value] = []
    cur = first
    for k in range(n):
        prod = cur._prev[1]
        if prod._op != "*" or prod._prev[0] is not ws[k]:
            return None
        members += [cur, prod]
        inputs.append(prod._prev[1])
        if k < n - 1:
            nxt = [d for d in consumers.get(cur, []) if d._op == "+" and d._prev[0] is cur]
            if len(nxt) != 1:
                return None
            cur = nxt[0]
    return members, cur, inputs


def _friendly(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(INSTALL_HINT) from None

    call.__doc__ = method.__doc__
    return call


def _install_friendly_errors(dot: Any) -> None:
    """Make ``render``/``pipe``/``view`` on this Digraph raise
    :class:`GraphvizNotFoundError` (with install instructions) instead of a
    bare ``ExecutableNotFound``.  Jupyter's display goes through ``pipe``."""
    # Wrapping the bound methods of this one object (rather than subclassing
    # Digraph) keeps the return type a plain graphviz.Digraph.
    dot.render = _friendly(dot.render)
    dot.pipe = _friendly(dot.pipe)
    dot.view = _friendly(dot.view)


def render_svg(root: Value, **kwargs: Any) -> str:
    """The SVG text of ``draw_dot(root, **kwargs)`` (needs ``dot``)."""
    svg: str = draw_dot(root, format="svg", **kwargs).pipe(format="svg", encoding="utf-8")
    return svg


def save_svg(root: Value, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Render ``root``'s graph to an SVG file at ``path`` (written atomically);
    keyword arguments go to :func:`draw_dot`.  Returns the path."""
    return atomic_write(path, render_svg(root, **kwargs))


def _value_repr_svg(self: Value) -> str | None:
    """Jupyter display: the graph of this Value as SVG.  A graph too large to
    lay out quickly, or a missing ``dot``, falls back to the text repr with a
    warning instead of hanging or failing the cell."""
    try:
        return render_svg(self)
    except (ValueError, GraphvizNotFoundError) as exc:
        warnings.warn(str(exc), RuntimeWarning, stacklevel=2)
        return None


# Attach the Jupyter hook here so that engine.py never imports graphviz.
# (setattr with a name: Value's static type deliberately has no such method.)
_REPR_SVG = "_repr_svg_"
setattr(Value, _REPR_SVG, _value_repr_svg)
