"""The functions the op table in :mod:`micrograd.engine` is written with.

Each one accepts four kinds of argument, so that one op definition serves
every consumer:

* a number: the eager forward pass and ``backward()``; a bad input raises an
  error naming the function and the value (never a silent NaN);
* a :class:`~micrograd.engine.Value`: derivatives of derivatives, where a
  local derivative is itself a graph (step and sign give constants);
* a numpy array: compiled mode, one call for a whole batch, with numpy's own
  conventions (``inf``/``nan`` instead of errors);
* any other object: its method of the same name (``x.exp()``, ``x.step()``,
  ``x.dpow(p)``); ``micrograd.viz`` passes symbols this way to print an op's
  derivative as a formula.

Nothing here imports numpy: an array only arrives once compiled mode has
imported it, so numpy is looked up in ``sys.modules``.
"""

from __future__ import annotations

import math
import sys
from typing import Any

__all__ = ["checked_power", "cos", "divide", "dpow", "exp", "log", "maximum", "pow_log", "power"]
__all__ += ["relu", "sigmoid", "sign", "sin", "step", "tanh", "where"]

Real = (float, int)


def _kind(x: Any) -> str:
    """'number', 'array', 'value' or 'other'."""
    if isinstance(x, Real):
        return "number"
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, (numpy.ndarray, numpy.generic)):
        return "number" if isinstance(x, numpy.floating | numpy.integer) else "array"
    from micrograd.engine import Value  # late: the engine imports this module

    return "value" if isinstance(x, Value) else "other"


def _np() -> Any:
    return sys.modules["numpy"]


def _unary(name: str, x: Any, on_number: Any) -> Any:
    kind = _kind(x)
    if kind == "number":
        return on_number(x)
    if kind == "array":
        return getattr(_np(), name)(x)
    return getattr(x, name)()  # a Value's method (exp, log, tanh, sin, cos), or a symbol's


def _exp_number(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        raise OverflowError(f"exp: exp({v!r}) overflows a float") from None


def _log_number(v: float) -> float:
    if not v > 0 and not math.isnan(v):
        raise ValueError(f"log: log({v!r}) is undefined (needs a positive input)")
    return math.log(v)


def exp(x: Any) -> Any:
    """e**x.  For a number past x ~ 709.78, an OverflowError naming x."""
    return _unary("exp", x, _exp_number)


def log(x: Any) -> Any:
    """ln(x).  For a number, a ValueError unless x > 0 (a NaN passes through)."""
    return _unary("log", x, _log_number)


def tanh(x: Any) -> Any:
    return _unary("tanh", x, math.tanh)


def sin(x: Any) -> Any:
    return _unary("sin", x, math.sin)


def cos(x: Any) -> Any:
    return _unary("cos", x, math.cos)


def sigmoid(x: Any) -> Any:
    """1 / (1 + e**-x), evaluated so that exp never sees a positive argument (no overflow)."""
    kind = _kind(x)
    if kind == "number":
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if kind == "array":
        np = _np()
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return x.sigmoid()


def relu(x: Any) -> Any:
    """max(0, x).  ``x <= 0`` rather than ``x < 0`` so that relu(-0.0) is +0.0; NaN stays NaN."""
    kind = _kind(x)
    if kind == "number":
        return 0.0 if x <= 0 else float(x)
    if kind == "array":
        return _np().where(x <= 0, 0.0, x)
    return x.relu()


def step(x: Any) -> Any:
    """relu's derivative: 1 where x > 0, else 0 (0 at the kink, as PyTorch).
    ``not x <= 0``, so that a NaN input passes its gradient on, as PyTorch."""
    kind = _kind(x)
    if kind == "number":
        return 0.0 if x <= 0 else 1.0
    if kind == "array":
        return _np().where(x <= 0, 0.0, 1.0)
    if kind == "value":
        return type(x)(step(x.data))  # a constant: step's own derivative is 0
    return x.step()


def sign(x: Any) -> Any:
    """abs's derivative: 1, -1, or 0 at x = 0 (as PyTorch)."""
    kind = _kind(x)
    if kind == "number":
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0
    if kind == "array":
        return _np().sign(x)
    if kind == "value":
        return type(x)(sign(x.data))
    return x.sign()


def divide(a: Any, b: Any) -> Any:
    """a / b.  For numbers, a ZeroDivisionError naming both when b == 0."""
    if _kind(b) == "number" and b == 0 and _kind(a) == "number":
        raise ZeroDivisionError(f"div: {a!r} / {b!r} divides by zero")
    return a / b


def checked_power(x: Any, p: Any) -> Any:
    """x ** p as a forward value.  For numbers, errors that name the values
    instead of Python's ZeroDivisionError, a complex result, or an overflow."""
    if _kind(x) != "number" or _kind(p) != "number":
        return _np().power(x, p) if "array" in (_kind(x), _kind(p)) else x**p
    if x == 0 and p < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {p!r} is undefined (division by zero)")
    if x < 0 and not float(p).is_integer() and math.isfinite(p):
        raise ValueError(f"pow: negative base {x!r} with non-integer exponent {p!r} has no real value")
    try:
        result: float = x**p
    except OverflowError:
        raise OverflowError(f"pow: {x!r} ** {p!r} overflows a float (pow raises, like exp)") from None
    return result


def power(x: Any, p: Any) -> Any:
    """x ** p inside a derivative: where the power of numbers divides by zero
    or overflows (0 ** -0.5, 1e-300 ** -2) it is +-inf, as in PyTorch, not an error."""
    kinds = (_kind(x), _kind(p))
    if kinds == ("number", "number"):
        try:
            result: float = x**p
        except (ZeroDivisionError, OverflowError):
            odd = float(p).is_integer() and int(p) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return result
    if "array" in kinds:
        return _np().power(x, p)
    return x**p


def dpow(x: Any, p: Any) -> Any:
    """d(x**p)/dx = p * x**(p-1), and exactly 0 where p == 0: x**0 is the
    constant 1, also at x == 0 where the formula would give 0 * inf (as PyTorch)."""
    kind = _kind(p)
    if kind == "number":
        return 0.0 if p == 0 else p * power(x, p - 1)
    if kind == "array":
        np = _np()
        return np.where(np.equal(p, 0), 0.0, p * np.power(x, np.subtract(p, 1)))
    if kind == "value":
        return type(p)(0.0) if p.data == 0 else p * power(x, p - 1)
    return x.dpow(p)


def pow_log(x: Any, p: Any) -> Any:
    """ln(x) as it enters d(x**p)/dp = x**p * ln(x), with PyTorch's conventions
    where ln is undefined: 0 at x == 0 with p >= 0 (x**p is flat there), NaN
    for a negative base."""
    kind = _kind(x)
    if kind == "number":
        if x > 0:
            return math.log(x)
        return 0.0 if x == 0 and float(p) >= 0 else math.nan
    if kind == "array":
        np = _np()
        safe = np.log(np.where(x > 0, x, 1.0))
        return np.where(x > 0, safe, np.where((x == 0) & (np.asarray(p) >= 0), 0.0, np.nan))
    if kind == "value":
        if x.data > 0:
            return x.log()
        return type(x)(0.0 if x.data == 0 and float(p) >= 0 else math.nan)
    return x.pow_log(p)


def maximum(a: Any, b: Any) -> Any:
    """The larger of a and b; NaN if either is NaN (as numpy's ``maximum``).
    logsumexp's shift: reduced over its inputs, one call gives the max of a row."""
    kinds = (_kind(a), _kind(b))
    if kinds == ("number", "number"):
        return a if a >= b or a != a else b  # a != a: a is NaN, and a NaN b fails a >= b
    if "array" in kinds:
        return _np().maximum(a, b)
    return a.maximum(b)


def where(condition: Any, if_true: Any, if_false: Any) -> Any:
    """``if_true`` where ``condition`` holds, else ``if_false``: per element when
    the condition is a numpy array (both sides are computed either way)."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(condition, numpy.ndarray):
        return numpy.where(condition, if_true, if_false)
    return if_true if condition else if_false
