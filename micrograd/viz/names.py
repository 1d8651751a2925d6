"""How the pictures and tables write numbers and nodes."""

from __future__ import annotations

import math

from micrograd.engine import Value
from micrograd.viz.checks import check_precision

__all__ = ["format_number", "node_names"]


def format_number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits and no trailing zeros
    (6.0 -> '6', 0.123456 -> '0.1235', -0.0 -> '0')."""
    digits = check_precision(precision)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def node_names(order: list[Value]) -> dict[Value, str]:
    """A readable name per node: its label, else ``v<i>`` with ``i`` its
    position in ``order`` (the same id the drawing uses)."""
    return {node: node.label or f"v{i}" for i, node in enumerate(order)}
