"""Small named computation graphs for drawing, stepping through and teaching.

Every function builds a *fresh* graph (all gradients 0) with labelled nodes,
so the pictures and the chain-rule explanations use readable names.

The worked example is the one the notes derive by hand::

    x = 2, y = 1, m1 = 3, m2 = 0.5
    a1    = m1 * x                 = 6
    z2    = m2 * a1                = 3
    y_hat = relu(z2)               = 3
    L     = 0.5 * (y_hat - y)**2   = 2

    dL/dm2 = dL/dy_hat * dy_hat/dz2 * dz2/dm2            = 2 * 1 * 6       = 12
    dL/dm1 = dL/dy_hat * dy_hat/dz2 * dz2/da1 * da1/dm1  = 2 * 1 * 0.5 * 2 = 2
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from micrograd.engine import Value
from micrograd.nn import MLP

__all__ = [
    "DESCRIPTIONS",
    "EXAMPLES",
    "WorkedExample",
    "build_example",
    "neuron_example",
    "tiny_mlp_example",
    "worked_example",
]


class WorkedExample(NamedTuple):
    """The nodes of the worked example; ``L`` is the root (the loss)."""

    x: Value
    y: Value
    m1: Value
    m2: Value
    a1: Value
    z2: Value
    y_hat: Value
    L: Value


def worked_example(x: float = 2.0, y: float = 1.0, m1: float = 3.0, m2: float = 0.5) -> WorkedExample:
    """The two-weight net of the notes, ``L = 0.5 * (relu(m2 * (m1 * x)) - y)**2``.

    With the defaults: a1 = 6, z2 = 3, y_hat = 3, L = 2, and after
    ``L.backward()``: dL/dm2 = 12, dL/dm1 = 2.  The subtraction, the square and
    the factor 0.5 stay unlabelled: together they are the loss's derivative
    dL/dy_hat = y_hat - y, which the notes treat as one step.
    """
    xv = Value(x, label="x")
    yv = Value(y, label="y")
    m1v = Value(m1, label="m1")
    m2v = Value(m2, label="m2")
    a1 = m1v * xv
    a1.label = "a1"
    z2 = m2v * a1
    z2.label = "z2"
    y_hat = z2.relu()
    y_hat.label = "y_hat"
    loss = 0.5 * (y_hat - yv) ** 2
    loss.label = "L"
    return WorkedExample(xv, yv, m1v, m2v, a1, z2, y_hat, loss)


def neuron_example() -> Value:
    """One tanh neuron with two inputs, every node labelled:
    ``o = tanh(x1*w1 + x2*w2 + b)`` (do/dw1 = (1 - o**2) * x1)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def tiny_mlp_example(fused: bool = True) -> Value:
    """Squared error of a 2 -> 2 -> 1 MLP (seed 0; tanh hidden layer, linear
    output) on one point; parameters are labelled with their
    ``named_parameters()`` names."""
    model = MLP(2, [2, 1], activation="tanh", seed=0, fused=fused)
    for name, p in model.named_parameters():
        p.label = name
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    out = model(x)
    assert isinstance(out, Value)
    out.label = "y_hat"
    loss = (out - 1.0) ** 2
    loss.label = "L"
    return loss


EXAMPLES: dict[str, Callable[[], Value]] = {
    "worked": lambda: worked_example().L,
    "neuron": neuron_example,
    "mlp": tiny_mlp_example,
    "mlp-unfused": lambda: tiny_mlp_example(fused=False),
}


# One line per example, for menus such as ``python -m micrograd graph --help``.
DESCRIPTIONS: dict[str, str] = {
    "worked": "the two-weight ReLU net of the notes (x=2, y=1, m1=3, m2=0.5)",
    "neuron": "one tanh neuron with two inputs",
    "mlp": "the squared error of a 2-2-1 MLP, one linear node per neuron",
    "mlp-unfused": "the same MLP with every * and + as its own node",
}


def build_example(name: str) -> Value:
    """The root of the named example (one of :data:`EXAMPLES`), freshly built."""
    try:
        factory = EXAMPLES[name]
    except KeyError:
        raise ValueError(f"unknown example {name!r}; choose one of {sorted(EXAMPLES)}") from None
    return factory()
