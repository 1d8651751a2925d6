"""Every op of the engine's table written with PyTorch: the twins the parity tests compare with."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from micrograd import engine
from micrograd.engine import Op, power_op

torch = pytest.importorskip("torch")

POWERS = [power_op(2.0), power_op(3.0), power_op(0.5), power_op(-1.5)]

TORCH_TWINS: dict[Op, Callable[..., object]] = {
    engine.ADD: lambda a, b: a + b,
    engine.SUB: lambda a, b: a - b,
    engine.MUL: lambda a, b: a * b,
    engine.DIV: lambda a, b: a / b,
    engine.NEG: lambda a: -a,
    engine.POW: lambda a, b: a**b,
    engine.RELU: torch.relu,
    engine.ABS: torch.abs,
    engine.TANH: torch.tanh,
    engine.SIGMOID: torch.sigmoid,
    engine.EXP: torch.exp,
    engine.LOG: torch.log,
    engine.SIN: torch.sin,
    engine.COS: torch.cos,
    engine.LINEAR: lambda b, w1, w2, x1, x2: b + w1 * x1 + w2 * x2,
    **{op: (lambda a, n=float(op.name[2:]): a**n) for op in POWERS},
}
