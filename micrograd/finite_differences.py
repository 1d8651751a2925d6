"""Check a derivative you wrote: analytic gradients against central differences.

For each input x_i, with every other input held fixed::

    numerical_i = (f(x_i + eps) - f(x_i - eps)) / (2 eps)      (error ~ eps**2 * f''')
    analytic_i  = d f / d x_i                                  (micrograd.engine.grad)

and the check passes when ``|analytic_i - numerical_i| <= atol + rtol * |numerical_i|`` for every i.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from micrograd.calculus import grad
from micrograd.engine import Value
from micrograd.validate import check_real

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its finite-difference estimate."""


def _evaluate(fn: Callable[..., object], xs: Sequence[float]) -> Value:
    out = fn(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got a {type(out).__name__!r}")
    return out


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True if ``fn``'s gradient at ``inputs`` matches central differences;
    otherwise a :class:`GradcheckError` naming the input, the analytic and
    the numerical value.

    ``inputs`` are numbers (or Values, whose data is used); ``fn`` receives
    them as Values and returns a Value.

    >>> from micrograd.engine import Op
    >>> cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    >>> gradcheck(lambda x: cube(x), [1.5])
    True
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable, got {type(fn).__name__!r}")
    if isinstance(inputs, (str, bytes, Value)) or not isinstance(inputs, Sequence) or not inputs:
        raise TypeError(
            "gradcheck: inputs must be a non-empty list of numbers, e.g. gradcheck(f, [1.0, 2.0])"
        )
    xs: list[float] = []
    for i, x in enumerate(inputs):
        value = x.data if isinstance(x, Value) else x
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"gradcheck: inputs[{i}] must be a real number, got {type(x).__name__!r}")
        xs.append(float(value))
    eps = check_real(eps, "eps", minimum=0.0, strict_minimum=True)
    atol = check_real(atol, "atol", minimum=0.0)
    rtol = check_real(rtol, "rtol", minimum=0.0)

    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got a {type(out).__name__!r}")
    analytic = [g.data for g in grad(out, leaves)]
    for i, x in enumerate(xs):
        up, down = list(xs), list(xs)
        up[i], down[i] = x + eps, x - eps
        numerical = (_evaluate(fn, up).data - _evaluate(fn, down).data) / (2 * eps)
        a = analytic[i]
        if not (math.isfinite(a) and math.isfinite(numerical)) or abs(a - numerical) > atol + rtol * abs(
            numerical
        ):
            allowed = atol + rtol * abs(numerical)
            raise GradcheckError(
                f"gradcheck: d(output)/d(inputs[{i}]) at inputs[{i}] = {x!r}: analytic {a!r}, "
                f"numerical {numerical!r} (central difference, eps={eps!r}); they differ by "
                f"{abs(a - numerical):.3g}, more than atol + rtol * |numerical| = {allowed:.3g}"
            )
    return True
