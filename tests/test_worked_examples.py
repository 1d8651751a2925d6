"""The worked examples from the teaching notes, checked as exact numbers.

Example 1, a two-weight ReLU chain with squared-error loss::

    x = 2, y = 1, m1 = 3, m2 = 0.5
    a1    = m1 * x            = 6
    z2    = m2 * a1           = 3
    y_hat = relu(z2)          = 3
    L     = 0.5 (y_hat - y)^2 = 2

    dL/dy_hat = y_hat - y       = 2
    dL/dz2    = dL/dy_hat * 1   = 2     (relu' = 1 since z2 > 0)
    dL/dm2    = dL/dz2 * a1     = 12
    dL/da1    = dL/dz2 * m2     = 1
    dL/dm1    = dL/da1 * x      = 2

    one SGD step, lr = 0.1:  m1 = 3 - 0.1 * 2 = 2.8,  m2 = 0.5 - 0.1 * 12 = -0.7

Example 2, a sigmoid neuron with the bias folded in as a third weight::

    w = [2, -3, 1], x = [-1, -2, 1]
    z = 2(-1) + (-3)(-2) + 1(1) = 5
    a = sigmoid(5) = 0.993307 (6 d.p.)
    da/dw_i = sigmoid'(5) x_i,  sigmoid'(5) = a (1 - a) = 0.0066481 (7 d.p.)
            = [-0.0066481, -0.0132961, 0.0066481]

(The seed notes print sigmoid'(5) as 0.0069; that is a rounding slip: the true
value is 0.0066481.)
"""

from __future__ import annotations

import math

import pytest

from micrograd.engine import Value
from micrograd.nn import MLP, Neuron

EXACT = {"rel": 1e-12, "abs": 0.0}


def test_relu_chain_forward_backward_and_sgd_step() -> None:
    x, y = Value(2.0, label="x"), Value(1.0, label="y")
    m1, m2 = Value(3.0, label="m1"), Value(0.5, label="m2")
    a1 = m1 * x
    z2 = m2 * a1
    y_hat = z2.relu()
    L = 0.5 * (y_hat - y) ** 2

    assert a1.data == pytest.approx(6.0, **EXACT)
    assert z2.data == pytest.approx(3.0, **EXACT)
    assert y_hat.data == pytest.approx(3.0, **EXACT)
    assert L.data == pytest.approx(2.0, **EXACT)

    L.backward()
    assert y_hat.grad == pytest.approx(2.0, **EXACT)
    assert z2.grad == pytest.approx(2.0, **EXACT)
    assert a1.grad == pytest.approx(1.0, **EXACT)
    assert m2.grad == pytest.approx(12.0, **EXACT)
    assert m1.grad == pytest.approx(2.0, **EXACT)
    # the inputs get gradients too: dL/dx = dL/da1 * m1 = 3, dL/dy = -(y_hat - y) = -2
    assert x.grad == pytest.approx(3.0, **EXACT)
    assert y.grad == pytest.approx(-2.0, **EXACT)

    lr = 0.1
    for p in (m1, m2):
        p.data -= lr * p.grad
    assert m1.data == pytest.approx(2.8, **EXACT)
    assert m2.data == pytest.approx(-0.7, **EXACT)


@pytest.mark.parametrize("fused", [True, False])
def test_relu_chain_as_an_mlp(fused: bool) -> None:
    # The same chain as MLP(1, [1, 1]): a linear hidden unit (m1) and a ReLU
    # output unit (m2), with both biases at 0.  dL/db2 = dL/dz2 = 2 and
    # dL/db1 = dL/da1 = 1.
    model = MLP(1, [1, 1], activation=None, final_activation="relu", seed=0, fused=fused)
    hidden, output = model.layers[0].neurons[0], model.layers[1].neurons[0]
    hidden.w[0].data, output.w[0].data = 3.0, 0.5
    y_hat = model([2.0])
    assert isinstance(y_hat, Value)
    L = 0.5 * (y_hat - 1.0) ** 2
    assert (y_hat.data, L.data) == (pytest.approx(3.0, **EXACT), pytest.approx(2.0, **EXACT))
    L.backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads == {
        "layers.0.neurons.0.w.0": pytest.approx(2.0, **EXACT),
        "layers.0.neurons.0.b": pytest.approx(1.0, **EXACT),
        "layers.1.neurons.0.w.0": pytest.approx(12.0, **EXACT),
        "layers.1.neurons.0.b": pytest.approx(2.0, **EXACT),
    }
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    assert hidden.w[0].data == pytest.approx(2.8, **EXACT)
    assert output.w[0].data == pytest.approx(-0.7, **EXACT)


def _check_sigmoid_neuron(a: Value, ws: list[Value]) -> None:
    assert round(a.data, 6) == 0.993307
    a.backward()
    assert [round(w.grad, 7) for w in ws] == [-0.0066481, -0.0132961, 0.0066481]
    s = 1 / (1 + math.exp(-5.0))
    assert a.data == pytest.approx(s, rel=1e-15, abs=0)
    assert [w.grad for w in ws] == pytest.approx(
        [-s * (1 - s), -2 * s * (1 - s), s * (1 - s)], rel=1e-12, abs=0
    )


def test_sigmoid_neuron_from_elementary_ops() -> None:
    ws = [Value(2.0), Value(-3.0), Value(1.0)]
    xs = [-1.0, -2.0, 1.0]
    z = ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2]
    assert z.data == 5.0
    _check_sigmoid_neuron(z.sigmoid(), ws)


@pytest.mark.parametrize("fused", [True, False])
def test_sigmoid_neuron_module(fused: bool) -> None:
    n = Neuron(3, "sigmoid", seed=0, fused=fused)
    for w, value in zip(n.w, [2.0, -3.0, 1.0]):
        w.data = value
    _check_sigmoid_neuron(n([-1.0, -2.0, 1.0]), n.w)
    assert n.b.grad == pytest.approx(0.0066481, abs=5e-8)  # d/db = sigmoid'(5) * 1


def test_seed_notes_rounding_slip() -> None:
    # sigmoid'(5) rounds to 0.0066, not 0.0069.
    x = Value(5.0)
    out = x.sigmoid()
    out.backward()
    assert round(x.grad, 4) == 0.0066
    assert x.grad == pytest.approx(out.data * (1 - out.data), rel=1e-15, abs=0)
