"""Draw a computation graph with Graphviz.

Every :class:`~micrograd.engine.Value` becomes a box of three stacked fields
``name / data / grad``; every operation becomes a small oval named after its
:class:`~micrograd.engine.Op` (``+``, ``*``, ``**2``, ``relu``, ``linear``,
...) with an arrow from each operand into it and one arrow from it to its
result.  So an arrow ``a -> (*) -> c`` reads "c = a * ...", and backward()
sends gradients against the arrows.

Node ids come from the topological order (``v0``, ``v1``, ...), never from
``id()``, so drawing the same expression twice gives byte-identical DOT.  A box
shows the node's name as the step table, ``explain`` and the stepper do
(:func:`~micrograd.viz.names.node_names`).  SVG shrinks to fit its window.

The operands of an op whose result changes when they swap (``-``, ``/``,
``**``; found by running the op, see :func:`operands_are_ordered`) are
marked ``a`` and ``b``, and the oval reads ``a - b``.  A fused ``linear``
node (a whole neuron's ``b + w.x``) is one oval; ``expand_linear=True``
draws its elementary ``*`` and ``+``, and ``collapse=model`` goes the other
way, one box per neuron call (:mod:`micrograd.viz.collapse`).  Graphs with
more than ``max_nodes`` boxes raise ``ValueError`` instead of keeping
``dot`` busy for minutes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import graphviz

from micrograd.engine import LINEAR, Value, topological_order
from micrograd.fileio import atomic_write
from micrograd.viz.checks import check_positive, check_precision
from micrograd.viz.collapse import collapse_neurons, find_neurons, ways_to_shrink
from micrograd.viz.formula import operands_are_ordered
from micrograd.viz.names import format_number, node_names
from micrograd.viz.svg import shrink_to_fit

__all__ = ["DEFAULT_MAX_NODES", "INSTALL_HINT", "GraphvizNotFoundError", "Highlight", "check_size"]
__all__ += ["draw_dot", "edge_id", "op_id", "operands_are_ordered", "render_svg", "save_svg"]

DEFAULT_MAX_NODES = 500

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered "
    "(its DOT text is still available as `.source`). Install graphviz: `make demo` and "
    "`make test` do it for you (apt-get install graphviz); otherwise run "
    "`sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`, then check with `dot -V`."
)
_RED = {"color": "#d62728", "penwidth": "2.5"}
_RECORD = "\\{}|<>"  # the characters that structure a record label
# Ranks close together and stacked fields make boxes narrow: the worked example is
# about 950 pt wide, not 1850 pt with the fields side by side, so it fits a laptop screen.
_LAYOUT = {"ranksep": "0.3", "nodesep": "0.15"}


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` executable and it is not installed."""


class Highlight(Protocol):
    """What ``draw_dot(highlight=...)`` needs from a backward step
    (:class:`micrograd.viz.steps.Step` provides it): the edge ``parent <- child``
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


def _plain_text(text: str, specials: str = "\\") -> str:
    # Graphviz decodes HTML entities ("&amp;" would show as "&") and escapes such as "\\n";
    # in a record label the characters that structure it must be escaped too.
    text = text.replace("&", "&amp;")
    for ch in specials:
        text = text.replace(ch, "\\" + ch)
    return text


def check_size(shown: int, max_nodes: int, other_ways: Sequence[str] = ()) -> None:
    """Raise ValueError, saying how to proceed, when a drawing would show more
    than ``max_nodes`` Value nodes (or when ``max_nodes`` is not a positive int).
    ``other_ways`` are the caller's own suggestions, added to the message."""
    check_positive(max_nodes, "max_nodes")
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
    show_names: bool = True,
    grads: Mapping[Value, float] | None = None,
    collapse: object = None,
    caption: str = "",
) -> Any:
    """The graph of everything ``root`` depends on, as a ``graphviz.Digraph``.

    Args:
        root: the output node.
        format: output format used by ``.render()`` / ``.pipe()`` (``svg``, ``png``...).
        rankdir: ``LR`` (inputs on the left) or ``TB``, ``RL``, ``BT``.
        show_grad: include each node's ``grad`` in its box.
        highlight: a backward step (see :func:`micrograd.viz.backward_steps`): its edge and
            both end nodes in red, and the grads right after that step instead of ``.grad``.
        precision: significant digits of data and grad.
        max_nodes: refuse (``ValueError``) graphs with more Value nodes than
            this, because ``dot`` takes minutes on thousands of nodes.
        expand_linear: draw each fused ``linear`` node (``b + sum_i w_i x_i``) as its
            elementary ``*`` and ``+``; a product box shows ``w_i * x_i`` and the grad
            it would get (the sum's, since d(sum)/d(term) = 1).
        show_names: title unlabelled nodes with their generated names (``y_hat-y``,
            ``v3``), as the step table and ``explain`` do; False shows labels only.
        grads: show these gradients (node -> grad; missing nodes show 0)
            instead of ``.grad``; ``highlight`` takes precedence.
        collapse: a Neuron, Layer or MLP (or a list of them): each call of each of
            its neurons is one box ``v7 = act(b + w.x)`` (the node's name, then its
            formula) fed by the neuron's inputs; its
            weights, bias and inner nodes are hidden (unless something else uses
            them), and the node limit counts the nodes left visible.
        caption: text shown above the graph, flush left (its Graphviz label).

    Returns:
        A ``graphviz.Digraph``; ``.source`` is the DOT text (no ``dot`` needed);
        ``.render()``, ``.pipe()`` and Jupyter display need ``dot`` and raise
        :class:`GraphvizNotFoundError` with install instructions if it is missing.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot expects a Value, got {type(root).__name__!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    check_precision(precision)
    order = topological_order(root)
    hidden, neuron_boxes = collapse_neurons(order, find_neurons(collapse) if collapse is not None else [])
    check_size(len(order) - len(hidden), max_nodes, ways_to_shrink(order, collapsed=collapse is not None))
    if highlight is not None:
        grads = highlight.grads()
    index = {node: i for i, node in enumerate(order)}
    names = node_names(order, opaque=neuron_boxes)
    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir, **_LAYOUT})
    fields_open, fields_close = ("{ ", " }") if rankdir in ("TB", "BT") else ("", "")  # {} turns a record
    if caption:  # "\l" ends a line flush left, as the label is placed
        label = "".join(_plain_text(line) + "\\l" for line in caption.split("\n"))
        dot.attr(label=label, labelloc="t", labeljust="l", fontname="Helvetica", fontsize="14")
    dot.attr("node", fontname="Helvetica", fontsize="11", width="0.3", height="0.3")  # as small as the text
    dot.attr("edge", arrowsize="0.7", fontname="Helvetica")

    def box(node_id: str, title: str, data: float, node: Value, hot: bool) -> None:
        fields = [_plain_text(title, _RECORD)] if title else []
        fields.append(f"data {format_number(data, precision)}")
        if show_grad:
            grad = grads.get(node, 0.0) if grads is not None else node.grad
            fields.append(f"grad {format_number(grad, precision)}")
        attrs = {"id": node_id, "label": fields_open + " | ".join(fields) + fields_close, "shape": "record"}
        dot.node(node_id, **attrs, **(_RED if hot else {}))

    def op_node(node_id: str, label: str, hot: bool) -> None:
        attrs = {"id": node_id, "label": _plain_text(label, _RECORD), "shape": "ellipse"}
        dot.node(node_id, **attrs, **({**_RED, "fontcolor": _RED["color"]} if hot else {}))

    def edge(tail: str, head: str, edge_id: str, hot: bool, label: str = "") -> None:
        attrs = {"id": edge_id, **({"label": label, "fontsize": "9"} if label else {})}
        dot.edge(tail, head, **attrs, **(_RED if hot else {}))

    hot_child = highlight.child if highlight is not None else None
    hot_parent = highlight.parent if highlight is not None else None
    hot_k = highlight.parent_index if highlight is not None else -1
    for node in order:
        if node in hidden:
            continue
        i = index[node]
        vid = f"v{i}"
        hot_box = node is hot_child or node is hot_parent
        if node in neuron_boxes:
            formula, inputs = neuron_boxes[node]
            name = names[node] if show_names else node.label
            box(vid, f"{name} = {formula}" if name else f"neuron {formula}", node.data, node, hot_box)
            for k, x in enumerate(inputs):
                edge(f"v{index[x]}", vid, f"e{index[x]}_{i}_n{k}", False)
            continue
        box(vid, names[node] if show_names else node.label, node.data, node, hot_box)
        if not node._prev:
            continue
        step_k = hot_k if node is hot_child else -1  # the operand this step's edge comes from
        oid = op_id(i)
        prev = node._prev
        if expand_linear and node._op is LINEAR:
            n = len(prev) >> 1
            op_node(oid, "+", step_k == 0)
            edge(f"v{index[prev[0]]}", oid, edge_id(index[prev[0]], i, 0), step_k == 0)
            for t in range(1, n + 1):
                w, x = prev[t], prev[t + n]
                hot_term = step_k in (t, t + n)
                pid = f"{vid}_p{t}"
                box(pid, "", w.data * x.data, node, hot_term)
                op_node(f"{pid}_op", "*", hot_term)
                edge(f"v{index[w]}", f"{pid}_op", edge_id(index[w], i, t), step_k == t)
                edge(f"v{index[x]}", f"{pid}_op", edge_id(index[x], i, t + n), step_k == t + n)
                edge(f"{pid}_op", pid, f"{pid}_out", False)
                edge(pid, oid, f"{pid}_e", hot_term)
        else:
            name = str(node._op)
            ordered = len(prev) == 2 and operands_are_ordered(node._op)
            op_node(oid, f"a {name} b" if ordered else name, step_k >= 0)
            for k, parent in enumerate(prev):
                label = "ab"[k] if ordered else ""
                edge(f"v{index[parent]}", oid, edge_id(index[parent], i, k), step_k == k, label)
        edge(oid, vid, f"{vid}_out", step_k >= 0)
    _install_friendly_errors(dot)
    return dot


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
    for method in ("render", "pipe", "view"):
        setattr(dot, method, _friendly(getattr(dot, method)))


_PICTURE_FORMATS = ("png", "pdf", "jpg", "jpeg", "gif", "webp", "bmp", "ps", "eps", "tif", "tiff")


def render_svg(root: Value, *, fit_width: bool = True, **kwargs: Any) -> str:
    """The SVG text of ``draw_dot(root, **kwargs)`` (needs ``dot``); with
    ``fit_width`` (the default) it may shrink to its window or container
    (:func:`shrink_to_fit`)."""
    svg: str = draw_dot(root, format="svg", **kwargs).pipe(format="svg", encoding="utf-8")
    return shrink_to_fit(svg) if fit_width else svg


def save_svg(root: Value, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Render ``root``'s graph to an SVG file at ``path``, which must end in
    ``.svg`` (written atomically); keyword arguments go to :func:`render_svg`.
    Returns the path."""
    target = Path(path)
    if target.suffix.lower() != ".svg":
        fmt = target.suffix[1:].lower()
        fmt = fmt if fmt in _PICTURE_FORMATS else "png"
        raise ValueError(
            f"save_svg writes SVG, so the path must end in '.svg', got {str(path)!r}: save to "
            f"{str(target.with_suffix('.svg'))!r} instead, or for a {fmt.upper()} picture use "
            f"draw_dot(root).render(outfile={str(target.with_suffix('.' + fmt))!r})"
        )
    return atomic_write(target, render_svg(root, **kwargs))
