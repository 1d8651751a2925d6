"""The argument checks of :mod:`micrograd.viz`.

They use the package's shared validators (:mod:`micrograd.validate`) for the
logic, and raise ``ValueError`` for every bad value, a wrong type included,
as the drawing functions always have.
"""

from __future__ import annotations

from micrograd.validate import check_int

__all__ = ["check_positive", "check_precision"]


def check_precision(precision: object) -> int:
    """``precision``, a number of significant digits, as an int from 1 to 17
    (17 digits print any float exactly)."""
    try:
        return check_int(precision, "precision", minimum=1, maximum=17)
    except (TypeError, ValueError):
        raise ValueError(f"precision must be an int between 1 and 17, got {precision!r}") from None


def check_positive(value: object, name: str) -> int:
    """``value``, a count such as ``max_nodes``, as an int >= 1."""
    try:
        return check_int(value, name, minimum=1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive int, got {value!r}") from None
