"""The demo's two teaching pictures, written next to its plots.

* ``graph.svg``: one training sample's loss through a *small* MLP of the demo's
  kind (2 inputs -> 2 ReLU neurons -> linear outputs, the demo's loss), every
  node drawn, after ``backward()``: each weight and bias shows the gradient a
  first training step would follow.  The trained 2-16-16-1 model is too big to
  draw readably: even with each neuron as one box (``collapse=model``) and
  parallel arrows merged, its 16 x 16 weights between the hidden layers are 256
  arrows into 16 boxes, about 3000 x 1200 px, and the boxes hide the weights.
  The small model's graph fits a 1600 x 1000 px screen with its text 12 px or
  more, and keeps what a picture of backpropagation is for: every parameter and
  its grad, and every operation the chain rule goes through.
* ``backward.html``: the worked example of the notes (``L = 0.5 * (relu(m2 *
  (m1 * x)) - y)**2``), stepped through one chain-rule step at a time.

Nodes are labelled as in the notes: ``w1[j,k]`` is layer 1's weight from
input ``k`` into neuron ``j``, ``b1[j]`` its bias, ``z1[j] = b1[j] + sum_k
w1[j,k] x_k`` the weighted sum and ``h1[j] = relu(z1[j])`` the neuron's output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from micrograd.engine import Value, no_grad
from micrograd.fileio import atomic_write
from micrograd.losses import bce_with_logits_term, cross_entropy_term, hinge_term
from micrograd.nn import MLP

__all__ = [
    "GRAPH_ATTRS",
    "HIDDEN",
    "MIN_SCALE",
    "SCREEN_PT",
    "labelled_model",
    "sample_loss",
    "write_graph",
    "write_worked_stepper",
]

HIDDEN = 2  # neurons in the small model's hidden layer

# Top to bottom, ranks close together: the graph is ~20 nodes deep but only ~8
# wide, so this is the direction that fits a screen (left to right it is ~2700 px
# wide).  The caption says what the picture shows, at the top.
GRAPH_ATTRS = {
    "ranksep": "0.2",
    "nodesep": "0.15",
    "labelloc": "t",
    "fontname": "Helvetica",
    "fontsize": "13",
}

# A screen of 1600 x 1000 px less a margin, in points (graphviz's unit, 3/4 px).
SCREEN_PT = (1152.0, 720.0)
# A graph that fits the screen at this scale or more is drawn to fit it; a deeper one
# (bce's softplus) stays at full size, because 11 pt text scaled below ~80% is hard
# to read, and is scrolled instead.
MIN_SCALE = 0.8


def labelled_model(outputs: int, seed: int) -> MLP:
    """``MLP(2, [HIDDEN, outputs])`` with every parameter labelled (``w1[j,k]``, ``b1[j]``, ...)."""
    model = MLP(2, [HIDDEN, outputs], seed=seed)
    for layer_number, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.label = f"w{layer_number}[{j},{k}]"
            neuron.b.label = f"b{layer_number}[{j}]"
    return model


def _forward(model: MLP, x: Sequence[float]) -> list[Value]:
    """The model's outputs on one sample, with every neuron's nodes labelled."""
    h = [Value(x[0], "x0"), Value(x[1], "x1")]
    last = len(model.layers)
    for layer_number, layer in enumerate(model.layers, start=1):
        h = layer(h)
        for j, out in enumerate(h):
            if layer.activation is not None:  # out = act(z): name the weighted sum too
                if out.parents:  # none under no_grad()
                    out.parents[0].label = f"z{layer_number}[{j}]"
                out.label = f"h{layer_number}[{j}]"
            else:
                out.label = "score" if layer_number == last and len(h) == 1 else f"z{layer_number}[{j}]"
    return h


def sample_loss(model: MLP, x: Sequence[float], label: int, loss: str) -> Value:
    """One sample's term of the demo's loss (for one sample the mean is the term):
    hinge ``relu(1 - y s)`` with ``y = +-1``, bce with logits, or softmax cross-entropy."""
    outputs = _forward(model, x)
    if loss == "cross_entropy":
        root = cross_entropy_term(outputs, label)
    elif loss == "hinge":
        root = hinge_term(outputs[0], Value(1.0 if label == 1 else -1.0, "y"))
    else:
        root = bce_with_logits_term(outputs[0], Value(float(label), "y"))
    root.label = "loss"
    return root


def write_graph(
    X: Sequence[Sequence[float]], y: Sequence[int], loss: str, outputs: int, seed: int, path: Path
) -> Path | None:
    """Draw the loss of the sample the small model gets most wrong (largest
    loss: the one its first step cares about most) after ``backward()``.
    Returns the path, or None (with a note on stderr) without graphviz's ``dot``."""
    from micrograd.viz.graph import GraphvizNotFoundError, draw_dot

    model = labelled_model(outputs, seed)
    with no_grad():
        losses = [sample_loss(model, row, label, loss).data for row, label in zip(X, y)]
    i = max(range(len(losses)), key=losses.__getitem__)
    root = sample_loss(model, X[i], y[i], loss)
    root.backward()
    dot = draw_dot(root, rankdir="TB")
    dot.graph_attr.update(GRAPH_ATTRS, label=_caption(X[i], y[i], loss, outputs))
    try:
        return atomic_write(path, _fitted_svg(dot))
    except GraphvizNotFoundError as exc:
        print(f"{path.name} skipped: {exc}", file=sys.stderr)
        return None


def _caption(x: Sequence[float], label: int, loss: str, outputs: int) -> str:
    sample = f"x0 = {x[0]:.4g}, x1 = {x[1]:.4g}, class {label}"
    if loss == "hinge":  # the loss reads the class as a sign
        sample += f", so y = {1 if label == 1 else -1}"
    return (
        f"One training sample ({sample}) through a small 2-{HIDDEN}-{outputs} MLP, {loss} loss, "
        "after loss.backward().\\n"
        "grad = d loss / d node: a training step moves each weight w and bias b against its grad. "
        "A ReLU at 0 passes no gradient back.\\n"
    )


def _fitted_svg(dot: Any) -> str:
    """The SVG of ``dot``, scaled down to :data:`SCREEN_PT` if that keeps it at
    :data:`MIN_SCALE` or more (graphviz's ``size`` attribute scales the drawing)."""
    from micrograd.viz.svg import declared_size_pt  # here, as the other viz imports: graphviz on use

    svg: str = dot.pipe(format="svg", encoding="utf-8")
    size = declared_size_pt(svg)
    if size is None:  # not graphviz's usual header: leave it as it is
        return svg
    scale = min(SCREEN_PT[0] / size[0], SCREEN_PT[1] / size[1])
    if MIN_SCALE <= scale < 1:
        dot.graph_attr["size"] = f"{SCREEN_PT[0] / 72:g},{SCREEN_PT[1] / 72:g}"
        svg = dot.pipe(format="svg", encoding="utf-8")
    return svg


def write_worked_stepper(path: Path) -> Path | None:
    """The worked example's step-through page; None (with a note) without ``dot``."""
    from micrograd.examples import worked_example
    from micrograd.viz.graph import GraphvizNotFoundError
    from micrograd.viz.stepper import write_stepper

    try:
        return write_stepper(worked_example().L, path)
    except GraphvizNotFoundError as exc:
        print(f"{path.name} skipped: {exc}", file=sys.stderr)
        return None
