"""How an operation is applied: ``Op(name, forward, partials)``.

Every built-in operation of :mod:`micrograd.engine` is an Op, and a learner
defines a new one the same way::

    cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    y = cube(Value(2.0))       # y.data == 8.0, and dy/da = 3 * 2**2 = 12 after y.backward()
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from micrograd.engine import Operand, Value

__all__ = ["Op"]

_data = operator.attrgetter("data")


class Op(str):
    """An operation: ``Op(name, forward, partials, arity=1)``.

    ``forward(*xs)`` maps numbers to a number; ``partials(*xs, out)`` returns
    d(out)/d(x_i) for each input, written with ordinary arithmetic (and the
    functions of :mod:`micrograd.elementwise`) so that it works on floats,
    Values and numpy arrays alike.  Calling an Op on Values or numbers gives a
    Value.  ``arity`` is the number of inputs, None for any number.  An Op is
    also its name, a str, as a node's ``_op`` is in the reference micrograd.
    """

    forward: Callable[..., Any]
    partials: Callable[..., Any]
    arity: int | None

    def __new__(
        cls, name: str, forward: Callable[..., Any], partials: Callable[..., Any], arity: int | None = 1
    ) -> Op:
        if not isinstance(name, str) or not name:
            raise TypeError(f"an Op's name must be a non-empty str, got {name!r}")
        if not callable(forward) or not callable(partials):
            raise TypeError(f"op {name!r}: forward and partials must be functions")
        op = super().__new__(cls, name)
        op.forward, op.partials, op.arity = forward, partials, arity
        return op

    @property
    def name(self) -> str:
        return str(self)

    def __call__(self, *args: Operand) -> Value:
        """The op applied to Values or numbers (a number becomes a constant leaf)."""
        if self.arity is not None and len(args) != self.arity:
            raise TypeError(f"op {self.name!r} takes {self.arity} input(s), got {len(args)}")
        Value = engine.Value
        return self.apply(tuple([a if type(a) is Value else lift(a, self) for a in args]))

    def apply(self, parents: tuple[Value, ...]) -> Value:
        """The op applied to Values: a new node holding the forward value, its
        parents and the local derivatives (the partials at these inputs)."""
        xs = list(map(_data, parents))
        out = self.forward(*xs)
        if type(out) is not float:
            out = number(out, f"the forward of op {self.name!r}")
        if not engine._grad_enabled:  # no_grad(): a leaf, no history
            return engine._node(out, (), "", ())
        if engine._anomaly and not math.isfinite(out):
            raise engine.AnomalyError(
                f"{self.name!r} produced {out!r} from ({', '.join(map(describe, parents))})"
            )
        local = self.partials(*xs, out)
        if len(local) != len(parents):
            raise TypeError(
                f"the partials of op {self.name!r} gave {len(local)} derivatives for {len(parents)} inputs"
            )
        return engine._node(out, parents, self, local)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    # Ops are equal to their name (they are strs) but hash and compare by
    # identity among themselves, so two different ops may share a name.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other if isinstance(other, Op) else str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other


# Last, so that the engine, which needs Op to build its op table, can import this
# module whichever of the two is imported first.  Op's calls read the engine's
# Value and modes.
from micrograd import engine  # noqa: E402
from micrograd.coerce import describe, lift, number  # noqa: E402
