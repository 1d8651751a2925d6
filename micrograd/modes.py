"""The engine's two modes: ``no_grad()`` (record no graph) and ``detect_anomaly()``
(stop at the first NaN or infinity).  Both are context managers and nest."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from micrograd.engine import Value

__all__ = [
    "AnomalyError",
    "check_grads",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
]


class AnomalyError(FloatingPointError):
    """In :func:`detect_anomaly` mode: an op's result or a gradient is NaN or infinite."""


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops record no parents: their results are leaves.  For
    parameter updates and evaluation, where nothing will be differentiated."""
    from micrograd import engine  # the flags live there, next to the code that reads them on every op

    previous = engine._grad_enabled
    engine._set_modes(False, engine._anomaly)
    try:
        yield
    finally:
        engine._set_modes(previous, engine._anomaly)


@contextmanager
def detect_anomaly(enabled: bool = True) -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first op whose result, or backward
    gradient, is NaN or infinite, naming the op and its operands.  Outside this
    block NaN and inf propagate silently, as in PyTorch.  A failed backward()
    changes no gradient."""
    from micrograd import engine

    previous = engine._anomaly
    engine._set_modes(engine._grad_enabled, enabled)
    try:
        yield
    finally:
        engine._set_modes(engine._grad_enabled, previous)


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block."""
    from micrograd import engine

    return engine._grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside a :func:`detect_anomaly` block."""
    from micrograd import engine

    return engine._anomaly


def check_grads(node: Value) -> None:
    """In detect_anomaly() mode, after ``node``'s chain-rule step: every parent's grad is finite."""
    from micrograd.coerce import describe

    for parent in node._prev:
        if not math.isfinite(parent.grad):
            raise AnomalyError(
                f"backward of {str(node._op)!r} produced grad {parent.grad!r} for {describe(parent)}"
            )
