"""The autograd engine: a :class:`Value` remembers how it was computed.

Every operation on Values makes a new node that records three things::

    out = a * b        out.data    = a.data * b.data      the forward value
                       out._prev   = (a, b)               its parents, in order
                       out._local  = (b.data, a.data)     d(out)/da = b, d(out)/db = a

``backward()`` visits the graph from the output back to the inputs, in
reverse topological order (so a node's gradient is complete before it is
passed on), and applies the chain rule, in one loop::

    parent.grad += node.grad * local

What an operation *means* is an :class:`Op`, defined once in the op table
below: a name, its ``forward`` on numbers and its ``partials``, the local
derivative for each input.  Partials are written with ordinary arithmetic, so
the same definition also runs on Values (derivatives of derivatives) and on
numpy arrays (compiled mode, :mod:`micrograd.compiled`).
"""

from __future__ import annotations

import importlib
import numbers
import operator
from collections.abc import Sequence
from typing import Any

from micrograd import elementwise as ew
from micrograd.op import Op
from micrograd.topo import backward_order, restore_grads, topological_order

__all__ = ["BUILTIN_OPS", "AnomalyError", "Op", "Operand", "Value", "detect_anomaly", "is_anomaly_enabled"]
__all__ += ["is_grad_enabled", "linear", "no_grad", "power_op", "topological_order", "values"]


class Value:
    """A scalar that remembers how it was computed: ``Value(data, label="")``.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a          # dc/da = b + 1 = -2, dc/db = a = 2
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)

    Leaves (nodes without parents) accumulate ``grad`` over repeated
    ``backward()`` calls, as in PyTorch: zero them between steps.  Values are
    equal only to themselves (they can live in sets and dicts); ``<``, ``<=``,
    ``>`` and ``>=`` compare data.
    """

    __slots__ = ("_local", "_op", "_prev", "data", "grad", "label")
    __array_ufunc__ = None  # numpy scalars on the left defer to us: np.float64(2) * v is a Value

    def __init__(self, data: numbers.Real | float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__!r}")
        self.data = as_float(data, "Value()")
        self.grad = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._op: str = ""  # a leaf; an op node holds its Op (a str too, as in the reference)
        self._local: Sequence[float] = ()

    # Each operator is an op of the table below, where its derivative lives.  The
    # three commonest take a fast path when no mode is on: the op's forward and
    # partials on floats, written out (about 3x cheaper than the generic Op call;
    # tests/test_ops.py checks them against the ops).
    def __add__(self, other: Operand) -> Value:
        if _plain:
            other = other if type(other) is Value else lift(other, ADD)
            return _node(self.data + other.data, (self, other), ADD, (1.0, 1.0))
        return ADD(self, other)

    def __mul__(self, other: Operand) -> Value:
        if _plain:
            other = other if type(other) is Value else lift(other, MUL)
            return _node(self.data * other.data, (self, other), MUL, (other.data, self.data))
        return MUL(self, other)

    def relu(self) -> Value:
        if _plain:
            x = self.data
            return _node(0.0, (self,), RELU, (0.0,)) if x <= 0 else _node(x, (self,), RELU, (1.0,))
        return RELU(self)

    # fmt: off
    def __radd__(self, other: Operand) -> Value: return lift(other, ADD) + self
    def __sub__(self, other: Operand) -> Value: return SUB(self, other)
    def __rsub__(self, other: Operand) -> Value: return SUB(other, self)
    def __rmul__(self, other: Operand) -> Value: return lift(other, MUL) * self
    def __truediv__(self, other: Operand) -> Value: return DIV(self, other)
    def __rtruediv__(self, other: Operand) -> Value: return DIV(other, self)
    def __neg__(self) -> Value: return NEG(self)
    def __pos__(self) -> Value: return self
    def __pow__(self, other: Operand) -> Value: return _pow(self, other)
    def __rpow__(self, other: Operand) -> Value: return POW(other, self)
    def tanh(self) -> Value: return TANH(self)
    def sigmoid(self) -> Value: return SIGMOID(self)
    def exp(self) -> Value: return EXP(self)
    def log(self) -> Value: return LOG(self)
    def sin(self) -> Value: return SIN(self)
    def cos(self) -> Value: return COS(self)
    def abs(self) -> Value: return ABS(self)
    # fmt: on
    __abs__ = abs

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``grad`` on every node this value depends on: seed
        d(self)/d(self) = ``grad``, then apply the chain rule from the output back.

        Interior nodes hold this pass's gradients; leaves add this pass's sum to
        what they held (old + (c1 + c2), like PyTorch), so two calls give exactly
        twice one call.  If anything fails midway (an AnomalyError, Ctrl-C),
        every grad is left as it was before the call.
        """
        seed = as_float(grad, "backward(grad=...)")
        held: list[tuple[Value, float]] = []  # (node, its grad before this pass), where not 0
        order = backward_order(self, held)  # now every grad in the graph is 0
        self.grad = seed
        check = check_grads if _anomaly else None
        try:
            for node in reversed(order):
                upstream = node.grad  # dL/d(node), complete: every consumer came earlier
                parents, local = node._prev, node._local
                if len(parents) == 2:  # the loop below, unrolled for binary ops: backward ~10% faster
                    a, b = parents
                    a.grad += upstream * local[0]
                    b.grad += upstream * local[1]
                else:
                    for k, parent in enumerate(parents):
                        parent.grad += upstream * local[k]  # the chain rule
                if check:
                    check(node)
        except BaseException:
            restore_grads(order, held)
            raise
        for node, old in held:
            if not node._prev:  # a leaf: accumulate across passes
                node.grad += old

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return Value(self.data)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this value was computed from (empty for a leaf)."""
        return self._prev

    @property
    def op(self) -> Op | None:
        """The operation that made this value (None for a leaf)."""
        return self._op if isinstance(self._op, Op) else None

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as the forward pass computed them."""
        return tuple(self._local)

    # fmt: off
    def __lt__(self, other: Operand) -> bool: return self.data < data_of(other, "<")
    def __le__(self, other: Operand) -> bool: return self.data <= data_of(other, "<=")
    def __gt__(self, other: Operand) -> bool: return self.data > data_of(other, ">")
    def __ge__(self, other: Operand) -> bool: return self.data >= data_of(other, ">=")
    def __float__(self) -> float: return self.data
    # fmt: on
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


# What an operation accepts besides a Value: any real number (int, float, bool,
# fractions, numpy scalars).  float is named for type checkers.
Operand = Value | float | numbers.Real


def _node(data: float, prev: tuple[Value, ...], op: str, local: Sequence[float]) -> Value:
    """A new node (without Value()'s input checks: an op already holds a float)."""
    v = object.__new__(Value)
    v.data, v.grad, v.label = data, 0.0, ""
    v._prev, v._op, v._local = prev, op, local
    return v


# ---- The op table: each operation's forward and its local derivatives, once. ----

ADD = Op("+", lambda a, b: a + b, lambda a, b, out: (1.0, 1.0), 2)  # d(a+b)/da = 1, d/db = 1
SUB = Op("-", lambda a, b: a - b, lambda a, b, out: (1.0, -1.0), 2)  # d(a-b)/da = 1, d/db = -1
MUL = Op("*", lambda a, b: a * b, lambda a, b, out: (b, a), 2)  # d(a*b)/da = b, d/db = a
# d(a/b)/da = 1/b, d/db = -a/b**2, written -(out/b) so that no product overflows needlessly
DIV = Op("/", lambda a, b: ew.divide(a, b), lambda a, b, out: (1 / b, -(out / b)), 2)
NEG = Op("neg", lambda a: -a, lambda a, out: (-1.0,))  # d(-a)/da = -1
# d(a**b)/da = b * a**(b-1),  d(a**b)/db = a**b * ln(a)
POW = Op("**", ew.checked_power, lambda a, b, out: (ew.dpow(a, b), out * ew.pow_log(a, b)), 2)
RELU = Op("relu", ew.relu, lambda a, out: (ew.step(a),))  # d relu(a)/da = 1 if a > 0 else 0
ABS = Op("abs", abs, lambda a, out: (ew.sign(a),))  # d|a|/da = sign(a), 0 at 0
# d tanh(a)/da = 1 - tanh(a)**2, as (1 - out)(1 + out): exact near |out| = 1, where out*out rounds
TANH = Op("tanh", ew.tanh, lambda a, out: ((1 - out) * (1 + out),))
SIGMOID = Op("sigmoid", ew.sigmoid, lambda a, out: (out * (1 - out),))  # d s(a)/da = s(a)(1 - s(a))
EXP = Op("exp", ew.exp, lambda a, out: (out,))  # d e**a/da = e**a
LOG = Op("log", ew.log, lambda a, out: (1 / a,))  # d ln(a)/da = 1/a
SIN = Op("sin", ew.sin, lambda a, out: (ew.cos(a),))  # d sin(a)/da = cos(a)
COS = Op("cos", ew.cos, lambda a, out: (-ew.sin(a),))  # d cos(a)/da = -sin(a)


def _linear_forward(bias: Any, *wx: Any) -> Any:
    n = len(wx) // 2
    return sum(map(operator.mul, wx[:n], wx[n:]), bias)  # bias + w_1*x_1 + ... + w_n*x_n


def _linear_partials(bias: Any, *wx_out: Any) -> tuple[Any, ...]:
    n = len(wx_out) // 2
    ws, xs = wx_out[:n], wx_out[n:-1]
    return (1.0, *xs, *ws)


# A fused neuron: linear(bias, w_1..w_n, x_1..x_n) = bias + sum_i w_i * x_i, one
# node instead of 2n.  d/dbias = 1, d/dw_i = x_i, d/dx_i = w_i.
LINEAR = Op("linear", _linear_forward, _linear_partials, None)

# Every op above; power_op(n) below makes one more per constant exponent.
BUILTIN_OPS = (ADD, SUB, MUL, DIV, NEG, POW, RELU, ABS, TANH, SIGMOID, EXP, LOG, SIN, COS, LINEAR)

_power_ops: dict[float, Op] = {}


def power_op(n: float) -> Op:
    """The op ``a ** n`` for a constant n (one per exponent):  d(a**n)/da = n * a**(n-1)."""
    n = as_float(n, "power_op(n)")
    if n not in _power_ops:
        shown = int(n) if n.is_integer() else n
        _power_ops[n] = Op(f"**{shown}", lambda a: ew.checked_power(a, n), lambda a, out: (ew.dpow(a, n),))
    return _power_ops[n]


def _pow(base: Value, exponent: Operand) -> Value:
    if isinstance(exponent, Value):
        return POW(base, exponent)
    n = as_float(exponent, "**")
    if n == 0:  # a**0 is the constant 1: no gradient reaches a, not even a NaN (as in PyTorch)
        return Value(1.0)
    return power_op(n)(base)


def linear(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value) -> Value:
    """One fused node for ``bias + sum_i weights[i] * inputs[i]`` (the op LINEAR)."""
    if len(weights) != len(inputs):
        raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
    for what, v in [("the bias", bias), *((f"weights[{i}]", w) for i, w in enumerate(weights))]:
        if not isinstance(v, Value):
            raise TypeError(
                f"linear: {what} is a {type(v).__name__!r}; the weights and the bias must be Values"
            )
    return LINEAR(bias, *weights, *inputs)


def fused_neuron(bias: Value, weights: Sequence[Value], inputs: Sequence[Value]) -> Value:
    """LINEAR for Values a layer has checked: its forward and partials on floats,
    written out (the fast path of fused neurons, ~2.5x the generic call;
    tests/test_ops.py checks it against LINEAR)."""
    if not _plain:
        return LINEAR.apply((bias, *weights, *inputs))
    ws = [w.data for w in weights]
    xs = [x.data for x in inputs]
    out = sum(map(operator.mul, ws, xs), bias.data)
    return _node(out, (bias, *weights, *inputs), LINEAR, (1.0, *xs, *ws))


# ---- Modes (see micrograd.modes) ----

_grad_enabled = True
_anomaly = False
_plain = True  # recording and no anomaly checks: the fast paths of +, * and relu apply


def _set_modes(grad_enabled: bool, anomaly: bool) -> None:
    global _grad_enabled, _anomaly, _plain
    _grad_enabled, _anomaly, _plain = grad_enabled, anomaly, grad_enabled and not anomaly


# At the end: these modules read the names above.
from micrograd.coerce import as_float, data_of, lift, values  # noqa: E402
from micrograd.modes import (  # noqa: E402
    AnomalyError,
    check_grads,
    detect_anomaly,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)


def __getattr__(name: str) -> Any:  # grad and jvp live in micrograd.calculus, loaded on first use
    if name not in ("grad", "jvp"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("micrograd.calculus"), name)
