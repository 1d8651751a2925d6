"""Graphs shared by the tests of micrograd.viz: random graphs over every
engine op, built in micrograd and in PyTorch side by side, and
``L = sin(x) * cos(x)``."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import NamedTuple

import torch

from micrograd.engine import Value

__all__ = ["BINARY", "UNARY", "Pair", "SinCos", "random_graph", "sin_times_cos"]


Pair = tuple[Value, torch.Tensor]


def _unary(name: str) -> Callable[[Pair], Pair | None]:
    def make(p: Pair) -> Pair | None:
        a, ta = p
        if name == "neg":
            return -a, -ta
        if name == "relu":
            return a.relu(), torch.relu(ta)
        if name == "tanh":
            return a.tanh(), torch.tanh(ta)
        if name == "sigmoid":
            return a.sigmoid(), torch.sigmoid(ta)
        if name == "abs":
            return a.abs(), torch.abs(ta)
        if name == "exp":
            return (a.exp(), torch.exp(ta)) if abs(a.data) < 4 else None
        if name == "log":
            return (a.log(), torch.log(ta)) if a.data > 0.05 else None
        if name == "sq":
            return a**2, ta**2
        if name == "cube":
            return a**3, ta**3
        if name == "sin":
            return a.sin(), torch.sin(ta)
        if name == "cos":
            return a.cos(), torch.cos(ta)
        if name == "sqrt":
            return (a**0.5, ta**0.5) if a.data > 0.05 else None
        raise AssertionError(name)

    return make


UNARY = ["neg", "relu", "tanh", "sigmoid", "abs", "exp", "log", "sin", "cos", "sq", "cube", "sqrt"]
BINARY = ["+", "-", "*", "/", "**", "r-", "r/", "c*"]


def _binary(name: str, p: Pair, q: Pair) -> Pair | None:
    (a, ta), (b, tb) = p, q
    if name == "+":
        return a + b, ta + tb
    if name == "-":
        return a - b, ta - tb
    if name == "*":
        return a * b, ta * tb
    if name == "/":
        return (a / b, ta / tb) if abs(b.data) > 0.2 else None
    if name == "**":
        return (a**b, ta**tb) if a.data > 0.1 and abs(b.data) < 3 else None
    if name == "r-":
        return 1.5 - a, 1.5 - ta
    if name == "r/":
        return (2.0 / a, 2.0 / ta) if abs(a.data) > 0.2 else None
    if name == "c*":
        return a * 0.7, ta * 0.7
    raise AssertionError(name)


def random_graph(
    seed: int, n_ops: int = 30, label_prob: float = 0.5
) -> tuple[Value, torch.Tensor, list[Pair]]:
    """A random DAG over all engine ops (operands reused, so ``a * a`` and
    diamonds occur); returns (root, torch root, leaves)."""
    rng = random.Random(seed)
    leaves: list[Pair] = []
    for i in range(4):
        x = rng.uniform(-2.0, 2.0)
        leaves.append((Value(x, label=f"x{i}"), torch.tensor(x, dtype=torch.float64, requires_grad=True)))
    nodes = list(leaves)
    while len(nodes) < n_ops + len(leaves):
        if rng.random() < 0.45:
            made = _unary(rng.choice(UNARY))(rng.choice(nodes[-6:]))
        else:
            made = _binary(rng.choice(BINARY), rng.choice(nodes[-6:]), rng.choice(nodes))
        if made is None or not abs(made[0].data) < 50:
            continue
        if rng.random() < label_prob:
            made[0].label = f"n{len(nodes)}"
        nodes.append(made)
    root, troot = nodes[-1]
    for v, t in nodes[-4:-1]:
        root, troot = root + v, troot + t
    root.label = "L"
    return root, troot, leaves


class SinCos(NamedTuple):
    x: Value
    s: Value
    c: Value
    L: Value


def sin_times_cos(x: float = 0.5) -> SinCos:
    """``L = s * c`` with ``s = sin(x)``, ``c = cos(x)``: dL/dx = cos(x)**2 - sin(x)**2 = cos(2x)."""
    xv = Value(x, label="x")
    s, c = xv.sin(), xv.cos()
    s.label, c.label = "s", "c"
    L = s * c
    L.label = "L"
    return SinCos(xv, s, c, L)
