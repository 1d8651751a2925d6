"""Local derivatives written as formulas, read off the op's own definition.

An :class:`~micrograd.engine.Op` states its local derivatives once, as
``partials(*xs, out)`` written with ordinary arithmetic and the functions of
:mod:`micrograd.elementwise`.  Those functions hand any object that is not a
number, a Value or an array back to its own method (``x.cos()``,
``x.step()``, ``x.dpow(p)``), so the same ``partials`` also runs on
*symbols*: a :class:`Formula` is a piece of formula text, and arithmetic on
formulas writes a bigger one.  For ``z = sin(x)``::

    SIN.partials(Formula("x"), Formula("z"))   ->   (Formula("cos(x)"),)

So the step table's ``dz/dx = cos(x) = 0.5403`` comes from the definition
that backward() uses, never from a second copy of the rule, and an op a user
defines gets its formula for free.  Parentheses follow Python's precedence
(``-`` and ``/`` do not regroup; ``-a**2`` is ``-(a**2)``), so a formula in
names that are identifiers is also a Python expression of the same value,
given ``ln``, ``sign`` and the Iverson bracket ``[a > 0]`` (1 where the
condition holds, else 0).  Constants show ``CONSTANT_DIGITS`` digits.  A
node name that is itself an expression (``y_hat-y``) stays one symbol: it is
parenthesised inside a bigger formula (``2 * (y_hat-y)``).

The pictures read two more things off an op by running it:
:func:`expression`, its ``forward`` on symbols, names a node by what it
computes (``m1*x``, see :mod:`micrograd.viz.names`), and
:func:`operands_are_ordered`, its ``forward`` on probe numbers, says whether
a drawing must mark which operand is ``a`` and which ``b``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence

from micrograd.engine import Op, Value
from micrograd.viz.names import format_number, is_atomic

__all__ = ["CONSTANT_DIGITS", "Formula", "derivative_formulas", "expression", "local_formulas"]
__all__ += ["operands_are_ordered", "symbol"]

#: significant digits of the constants inside a formula (an exponent such as 0.5)
CONSTANT_DIGITS = 6

# How tightly each kind of formula binds, loosest first (as in Python: a + b * c**d).
# _TEXT is a name of unknown structure (a label such as "x1*w1", or "v6-v0"):
# parenthesised in any bigger formula.
_TEXT, _SUM, _PRODUCT, _SIGN, _POWER, _ATOM = range(-1, 5)


class Formula:
    """Formula text that writes a bigger formula for every operation on it.

    ``Formula("a") * 3 + 1`` is the formula ``a * 3 + 1``.  ``level`` says how
    tightly the text's outermost operation binds, which decides where a
    bigger formula must put parentheses around it.  A ``compact`` formula
    writes its operators without spaces (``a*3+1``), as node names are.
    """

    __slots__ = ("compact", "level", "text")

    def __init__(self, text: str, level: int = _ATOM, compact: bool = False) -> None:
        self.text = text
        self.level = level
        self.compact = compact

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        # A rule that branches on its input (``if a > 0``) has no single formula.
        raise TypeError("a formula has no truth value")

    def __add__(self, other: Term) -> Formula: return _binary(self, "+", other, _SUM)  # fmt: skip

    def __radd__(self, other: Term) -> Formula: return _binary(other, "+", self, _SUM)  # fmt: skip

    def __sub__(self, other: Term) -> Formula: return _binary(self, "-", other, _SUM)  # fmt: skip

    def __rsub__(self, other: Term) -> Formula: return _binary(other, "-", self, _SUM)  # fmt: skip

    def __mul__(self, other: Term) -> Formula: return _binary(self, "*", other, _PRODUCT)  # fmt: skip

    def __rmul__(self, other: Term) -> Formula: return _binary(other, "*", self, _PRODUCT)  # fmt: skip

    def __truediv__(self, other: Term) -> Formula: return _binary(self, "/", other, _PRODUCT)  # fmt: skip

    def __rtruediv__(self, other: Term) -> Formula: return _binary(other, "/", self, _PRODUCT)  # fmt: skip

    def __pow__(self, other: Term) -> Formula: return _binary(self, "**", other, _POWER)  # fmt: skip

    def __rpow__(self, other: Term) -> Formula: return _binary(other, "**", self, _POWER)  # fmt: skip

    def __pos__(self) -> Formula: return self  # fmt: skip

    def __neg__(self) -> Formula:
        inner = f"({self.text})" if self.level <= _SIGN else self.text
        return Formula("-" + inner, _SIGN, self.compact)

    # The functions of micrograd.elementwise, as they are written in a formula:
    # any one-argument function ``f`` (exp, tanh, sin, cos, sigmoid, relu, sign,
    # and whichever an op adds) is ``f(x)``, so a new function needs nothing here.
    def __abs__(self) -> Formula: return _call("abs", self)  # fmt: skip

    def __getattr__(self, name: str) -> Callable[[], Formula]:
        if name.startswith("_"):  # not a function of a formula: copy, pickle and the like ask for these
            raise AttributeError(name)
        return lambda: _call(name, self)

    def log(self) -> Formula: return _call("ln", self)  # fmt: skip

    def step(self) -> Formula:
        """relu's derivative, 1 where the input is > 0, else 0: the Iverson bracket."""
        return Formula(f"[{self.text} > 0]", _ATOM, self.compact)

    def dpow(self, p: Term) -> Formula | float:
        """d(self**p)/d(self) = p * self**(p - 1), and 0 for the constant p = 0
        (as :func:`micrograd.elementwise.dpow`)."""
        if isinstance(p, Formula):
            return p * self ** (p - 1)
        n = float(p)  # a constant exponent: n - 1 is worked out, so d(a**3)/da reads 3 * a**2
        return 0.0 if n == 0 else n * self ** (n - 1)

    def pow_log(self, p: Term) -> Formula:
        """ln(self), as it enters d(self**p)/dp = self**p * ln(self)."""
        return _call("ln", self)


# What arithmetic on formulas accepts: formulas and real numbers (the constants of a rule).
Term = Formula | float | numbers.Real


def _as_formula(x: object) -> Formula:
    if isinstance(x, Formula):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        text = format_number(float(x), CONSTANT_DIGITS)
        return Formula(text, _SIGN if text.startswith("-") else _ATOM)
    raise TypeError(f"a formula cannot contain a {type(x).__name__!r}")


def _binary(left: object, op: str, right: object, level: int) -> Formula:
    a, b = _as_formula(left), _as_formula(right)
    if op == "**" and b.text == "1":
        return a  # x**1 is x: the derivative of x**2 reads 2 * x
    # The left operand needs parentheses when it binds more loosely; a power's
    # also when it is a power or a signed term, since (a**b)**c != a**b**c and (-a)**2 != -a**2.
    wrap_a = a.level < level or (op == "**" and a.level <= _POWER)
    # The right operand also at equal strength (a - (b - c), a / (b * c)); a
    # signed one always (a * (-1)); an exponent unless it is a name or a number.
    wrap_b = b.level <= level or b.level == _SIGN or (op == "**" and b.level < _ATOM)
    a_text = f"({a.text})" if wrap_a else a.text
    b_text = f"({b.text})" if wrap_b else b.text
    compact = a.compact or b.compact
    space = "" if compact or op == "**" else " "
    return Formula(f"{a_text}{space}{op}{space}{b_text}", level, compact)


def _call(name: str, argument: Formula) -> Formula:
    return Formula(f"{name}({argument.text})", _ATOM, argument.compact)


def symbol(name: str, compact: bool = False) -> Formula:
    """A node's name as a formula: one symbol, parenthesised inside a bigger
    formula unless :func:`~micrograd.viz.names.is_atomic` says it needs none
    (``2 * (y_hat-y)``, but ``2 * relu(z)``)."""
    return Formula(name, _ATOM if is_atomic(name) else _TEXT, compact)


def expression(op: object, operands: Sequence[str]) -> str | None:
    """What ``op`` computes from the named operands, as compact formula text:
    ``op.forward`` run on symbols (MUL on ``m1``, ``x`` gives ``m1*x``; RELU
    on ``z2`` gives ``relu(z2)``; ``**2`` on ``y_hat-y`` gives
    ``(y_hat-y)**2``).  None when ``op`` is no Op or its forward cannot run
    on symbols (it branches on its input, or calls ``math`` directly)."""
    if not isinstance(op, Op):
        return None
    try:
        out = op.forward(*(symbol(name, compact=True) for name in operands))
    except Exception:  # a user's forward may fail on symbols in any way; the node is then numbered
        return None
    return out.text if isinstance(out, Formula) else None


# Two pairs of inputs that tell a - b, a / b and a ** b from their swaps.
_PROBES = ((2.0, 3.0), (0.75, -1.5))


def operands_are_ordered(op: object) -> bool:
    """Whether ``op`` takes two inputs and its result changes when they swap
    (``a - b``, ``a / b``, ``a ** b``), so that a picture must say which is
    which.  Found by running ``op.forward`` on probe inputs, so an op that a
    user defines is drawn right too; an op that fails on a probe counts as ordered."""
    if not isinstance(op, Op) or op.arity != 2:
        return False
    try:
        return any(op.forward(a, b) != op.forward(b, a) for a, b in _PROBES)
    except Exception:  # e.g. a negative base for **: when in doubt, name the operands
        return True


def derivative_formulas(op: Op, inputs: Sequence[str], out: str) -> tuple[str, ...] | None:
    """d(out)/d(input_k) for each input, as formula text: ``op.partials``
    evaluated on the symbols ``inputs`` (and ``out`` for the op's result).

    >>> from micrograd.engine import MUL, TANH
    >>> derivative_formulas(MUL, ["a", "b"], "c")
    ('b', 'a')
    >>> derivative_formulas(TANH, ["x"], "t")
    ('(1 - t) * (1 + t)',)

    None when the partials cannot run on symbols (a rule that branches on
    its input's value, or calls ``math`` directly).
    """
    try:
        partials = op.partials(*map(symbol, inputs), symbol(out))
        texts = tuple(_as_formula(p).text for p in partials)
    except Exception:  # a user's rule may fail on symbols in any way; it then has no formula
        return None
    return texts if len(texts) == len(inputs) else None


def local_formulas(node: Value, names: Mapping[Value, str]) -> tuple[str, ...]:
    """d(node)/d(parent) for each of ``node``'s parents as formula text in
    the nodes' ``names``; ``""`` for each where no formula can be derived."""
    op = node._op
    formulas = None
    if isinstance(op, Op):
        formulas = derivative_formulas(op, [names[p] for p in node._prev], names[node])
    return formulas if formulas is not None else ("",) * len(node._prev)
