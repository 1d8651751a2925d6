"""Argument checks shared by the whole package, each raising an error that
names the argument, what it must be, and what it got.

``bool`` is a subclass of ``int`` in Python, so ``True`` would pass for the
count 1 without these checks; they refuse it wherever a number is meant.
numpy's integer and float scalars pass like Python's.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_choice", "check_int", "check_real"]


def _got(value: object) -> str:
    return f"{value!r}" if isinstance(value, (int, float, str)) else f"a {type(value).__name__!r}"


def check_int(value: object, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``: an integer type, not a bool."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_got(value)}")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ValueError(f"{name} must be an integer {bounds}, got {number}")
    return number


def check_real(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a float: a real number, not a bool, finite unless ``finite=False``,
    and within the bounds given (``strict_minimum``: greater than ``minimum``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_got(value)}")
    number = float(value)
    if finite and not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number!r}")
    if minimum is not None and (number <= minimum if strict_minimum else number < minimum):
        raise ValueError(f"{name} must be {'>' if strict_minimum else '>='} {minimum}, got {number!r}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {number!r}")
    return number


def check_choice(value: object, name: str, choices: tuple[object, ...]) -> object:
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
