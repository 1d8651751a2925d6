"""Turning what a user passes into floats and Values, with errors that say what was wrong."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from micrograd.engine import Operand, Value

__all__ = ["as_float", "data_of", "describe", "lift", "number", "values"]


def as_float(x: object, what: str) -> float:
    """A real number as a float, or a TypeError naming ``what`` needed it and the type it got."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, engine.Value):
        return float(x)
    numpy = sys.modules.get("numpy")  # numpy's bool is not a numbers.Real; accept it like bool
    if numpy is not None and isinstance(x, numpy.bool_):
        return float(x)
    if isinstance(x, engine.Value):
        got = "a Value (pass its .data, or use the Value itself)"
    else:
        got = repr(type(x).__name__)
    raise TypeError(f"{what} needs a real number (int, float, bool or a numpy scalar), got {got}")


def number(x: object, what: str) -> float:
    """The result of a user's ``forward``: any real number, as a float."""
    if isinstance(x, numbers.Real) and not isinstance(x, engine.Value):
        return float(x)
    raise TypeError(f"{what} returned a {type(x).__name__!r}; it must return a real number")


def lift(x: object, op: str) -> Value:
    """A Value as it is; a number as a new leaf (a constant of the graph)."""
    if isinstance(x, engine.Value):
        return x
    return engine.Value(as_float(x, f"an operand of {op!r}"))


def data_of(x: object, what: str) -> float:
    """A Value's data, or a number as a float."""
    return x.data if isinstance(x, engine.Value) else as_float(x, what)


def describe(node: Value) -> str:
    """A node as an error message names it: its label, else its data."""
    return node.label or f"Value(data={node.data!r})"


def values(xs: Iterable[Operand]) -> list[Value]:
    """Lift numbers (or Values) to a list of Values."""
    return [lift(x, "values()") for x in xs]


from micrograd import engine  # noqa: E402  (last: the engine imports this module)
