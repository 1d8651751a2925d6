"""The reference answers to the notebooks' exercises. Try the exercise first.

The notebooks use these to test their own checkers (a checker that rejected the right answer
would fail ``make test``). To read one in a notebook:
``import inspect; print(inspect.getsource(SOLUTIONS["neuron_grad"]))``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from micrograd.elementwise import sigmoid

__all__ = ["SOLUTIONS"]


def neuron_grad(w: Sequence[float], x: Sequence[float]) -> list[float]:
    """da/dw_i = sigma'(z) x_i = a (1 - a) x_i, with z = w . x."""
    a = sigmoid(sum(wi * xi for wi, xi in zip(w, x)))
    return [a * (1 - a) * xi for xi in x]


def logit_grad(logits: Sequence[float], target: int) -> list[float]:
    """dL/dz_k = softmax(z)_k - [k = target] (shifted by max(z) so exp cannot overflow)."""
    top = max(logits)
    e = [math.exp(z - top) for z in logits]
    return [v / sum(e) - (k == target) for k, v in enumerate(e)]


def bce_grad(y_hat: float, y: float) -> float:
    """dL/dz = y_hat - y: the sigmoid's y_hat (1 - y_hat) cancels BCE's denominator."""
    return y_hat - y


def output_error(z: Sequence[float], y: Sequence[float]) -> list[float]:
    """BP1: delta^L_j = (a_j - y_j) sigma'(z_j), with a = sigma(z)."""
    return [(sigmoid(zi) - yi) * sigmoid(zi) * (1 - sigmoid(zi)) for zi, yi in zip(z, y)]


def softplus_partials(a: float, out: float) -> tuple[float]:
    """d softplus(a)/da = e^a / (1 + e^a) = sigma(a)."""
    return (sigmoid(a),)


SOLUTIONS: dict[str, object] = {
    "largest_live_lr": 0.0416,  # m2 - 12 lr > 0  <=>  lr < 1/24 = 0.041666...
    "neuron_grad": neuron_grad,
    "logit_grad": logit_grad,
    "bce_grad": bce_grad,
    "output_error": output_error,
    "parameter_count": 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10,  # weights and biases, layer by layer
    "softplus_partials": softplus_partials,
}
