"""A checker's answer (:class:`Verdict`) and the comparisons every checker shares.

A learner's answer can go wrong in more ways than "wrong number": the function raises, forgets its
``return``, returns a list where one number is wanted, or has the right size with the wrong sign.
Each of these gets its own sentence, so the learner knows what to look at next.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from micrograd.engine import Value

Vector = Sequence[float]
# A wrong answer that learners often give, computed for the case at hand: (what it is, its value).
Slip = tuple[str, float | list[float]]


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``ok`` and a sentence that says why."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("Right. " if self.ok else "Not yet. ") + self.message

    def _repr_markdown_(self) -> str:
        return ("**Right.** " if self.ok else "**Not yet.** ") + self.message


def unanswered(answer: object) -> Verdict | None:
    """The Verdict for an exercise left as it was (``None`` or ``...``), else None."""
    if answer is None or answer is Ellipsis:
        return Verdict(False, "Replace `None` by your answer, then run the cell again.")
    return None


def call(fn: Callable[..., object], args: tuple[object, ...], case: str) -> tuple[object, Verdict | None]:
    """``fn(*args)``, or the Verdict that says what went wrong inside the learner's function."""
    try:
        result = fn(*args)
    except Exception as error:  # the learner's code: any error is a finding, not a crash of the checker
        kinds = ", ".join(type(a).__name__ for a in args)
        return None, Verdict(
            False,
            f"your function raised {type(error).__name__}: {error} (for {case}; its arguments are {kinds}).",
        )
    if result is None:
        return None, Verdict(
            False,
            f"your function returned None for {case}: fill in your code, and "
            "check that it ends with `return`.",
        )
    return result, None


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def as_number(got: object) -> float | None:
    """``got`` as a float if it is one number (a float, int, numpy or 0-d tensor scalar), else None."""
    if isinstance(got, (bool, str, Value)) or getattr(got, "ndim", 0) != 0:
        return None
    if isinstance(got, numbers.Real):
        return float(got)
    try:
        return float(got)  # type: ignore[arg-type]  # a 0-d numpy array or torch tensor
    except (TypeError, ValueError):
        return None


def as_numbers(got: object) -> list[float] | None:
    """``got`` as a list of floats if it is a sequence (or array) of numbers, else None."""
    if isinstance(got, (str, bytes)) or as_number(got) is not None:
        return None
    try:
        values = [as_number(v) for v in got]  # type: ignore[attr-defined]
    except TypeError:
        return None
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def _show(values: Vector) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


def _which_slip(got: list[float], want: list[float], slips: Sequence[Slip]) -> str:
    """' (that is <slip>)' for the first slip ``got`` equals, else ''."""
    if all(close(g, w, tol=1e-6) for g, w in zip(got, want)):
        return (
            ": right to about 7 digits only, as when computing in float32 (a torch tensor's default);"
            " use plain floats or float64"
        )
    if any(not close(g, w) for g, w in zip(got, want)) and all(close(g, -w) for g, w in zip(got, want)):
        return " (the sign is flipped)"
    for what, value in slips:
        vector = value if isinstance(value, list) else [value]
        if all(close(g, s) for g, s in zip(got, vector)):
            return f" (that is {what})"
    return ""


def compare(got: object, want: Vector, case: str, slips: Sequence[Slip] = ()) -> Verdict | None:
    """None if the list ``got`` equals ``want`` entry by entry; else the Verdict that shows both
    lists and names the slip ``got`` looks like."""
    values = as_numbers(got)
    if values is None:
        return Verdict(False, f"your function must return a list of numbers, got {got!r} for {case}.")
    if len(values) != len(want):
        return Verdict(
            False, f"for {case} your function returned {len(values)} numbers, expected {len(want)}."
        )
    if all(close(g, w) for g, w in zip(values, want)):
        return None
    bad = [i for i, (g, w) in enumerate(zip(values, want)) if not close(g, w)]
    if any(math.isnan(v) for v in values):
        return Verdict(False, f"for {case} your function returned NaN in entry {bad[0]}.")
    return Verdict(
        False,
        f"for {case} your function gives {_show(values)}; backward() gives {_show(want)} "
        f"(entries {', '.join(map(str, bad))} differ){_which_slip(values, list(want), slips)}.",
    )


def compare_number(got: object, want: float, case: str, slips: Sequence[Slip] = ()) -> Verdict | None:
    """None if the single number ``got`` equals ``want``; else the Verdict that says why not."""
    value = as_number(got)
    if value is None:
        return Verdict(False, f"your function must return one number (a float), got {got!r} for {case}.")
    if close(value, want):
        return None
    return Verdict(
        False,
        f"for {case} your function gives {value:.6g}; backward() gives {want:.6g}"
        f"{_which_slip([value], [want], slips)}.",
    )
