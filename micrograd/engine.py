"""The scalar reverse-mode autograd engine.

Every arithmetic operation on :class:`Value` objects creates a new node that
records three things:

* ``data``      -- the result of the forward computation (a Python float);
* ``_prev``     -- the operands, as an ordered tuple (deterministic order);
* ``_backward`` -- the *local-derivative rule*: a module-level function
  ``rule(node, g)`` that adds ``g * d(node)/d(parent)`` to each parent's grad.

The rule is a plain function shared by every node of that op (or a
``functools.partial`` carrying a constant such as the exponent of ``x**3``),
never a closure over the node itself.  A closure over ``out`` would make a
reference cycle per node, which CPython can only free with its cyclic garbage
collector; without cycles a whole graph is freed by reference counting the
moment its root goes away.

``backward()`` sorts the graph topologically with an explicit stack (no
recursion, so a chain of a million operations works) and applies the rules in
reverse order: that loop *is* the chain rule.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import inspect

__all__ = [
    "AnomalyError",
    "Value",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "topological_order",
]

Number = int | float
Rule = Callable[["Value", float], None]


class AnomalyError(FloatingPointError):
    """Raised in anomaly mode when an operation produces a NaN or an infinity."""


# Global modes.  ``_fast`` is True when gradients are recorded and anomaly
# detection is off; checking one flag keeps the common path cheap.
_grad_enabled = True
_anomaly = False
_fast = True


def _refresh_fast() -> None:
    global _fast
    _fast = _grad_enabled and not _anomaly


@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block operations record no parents: results are leaves.

    Use it for work that must not be differentiated, such as parameter
    updates or evaluation.  Nesting is allowed.
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    _refresh_fast()
    try:
        yield
    finally:
        _grad_enabled = previous
        _refresh_fast()


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block."""
    return _grad_enabled


@contextmanager
def detect_anomaly(enabled: bool = True) -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first operation whose forward result
    or backward gradient is NaN or infinite, naming the operation.

    Outside this block NaN and inf propagate silently, as in PyTorch.
    """
    global _anomaly
    previous = _anomaly
    _anomaly = enabled
    _refresh_fast()
    try:
        yield
    finally:
        _anomaly = previous
        _refresh_fast()


def is_anomaly_enabled() -> bool:
    """True inside a :func:`detect_anomaly` block."""
    return _anomaly


def _describe(node: Value) -> str:
    return node.label or f"Value(data={node.data!r})"


def _check_forward(data: float, op: str, prev: tuple[Value, ...]) -> None:
    if not math.isfinite(data):
        operands = ", ".join(_describe(p) for p in prev)
        raise AnomalyError(f"{op!r} produced {data!r} from ({operands})")


def _make(data: float, prev: tuple[Value, ...], op: str, rule: Rule) -> Value:
    """Create the result node of an operation, without the input checks of
    ``Value(...)`` (see :class:`_ValueType`).  ``+``, ``*`` and ``relu`` write
    its fast branch out inline (they are most of every graph); keep the three
    in step with it."""
    out = _allocate()
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._visit = None
    if _fast:
        out._prev = prev
        out._op = op
        out._backward = rule
        return out
    if _anomaly:
        _check_forward(data, op, prev)
    if _grad_enabled:
        out._prev = prev
        out._op = op
        out._backward = rule
    else:
        out._prev = ()
        out._op = ""
        out._backward = None
    return out


def _fill_leaf(out: Value, data: float, label: str) -> Value:
    """Set every slot of a new, parentless node (no checks)."""
    out.data = data
    out.grad = 0.0
    out.label = label
    out._visit = None
    out._prev = ()
    out._op = ""
    out._backward = None
    return out


def _leaf(data: float) -> Value:
    return _fill_leaf(_allocate(), data, "")


def _as_float(x: object, op: str) -> float:
    """Convert a real number to float, or raise TypeError naming its type."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return float(x)
    # numpy's bool is the one numpy scalar not registered as numbers.Real;
    # accept it like Python's bool.  Looked up only on this slow path, and only
    # if numpy is already loaded: the engine itself never imports it.
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.bool_):
        return float(x)
    raise TypeError(
        f"unsupported operand for {op}: {type(x).__name__!r} "
        "(expected a Value or a real number: int, float, bool or a numpy scalar)"
    )


def _lift(x: object, op: str) -> Value:
    if isinstance(x, Value):
        return x
    return _leaf(_as_float(x, op))


# ---------------------------------------------------------------------------
# Local-derivative rules.  Each receives the result node and its upstream
# gradient g = dL/d(out) and adds g * d(out)/d(parent) into every parent.
# ---------------------------------------------------------------------------


def _add_rule(out: Value, g: float) -> None:
    a, b = out._prev
    a.grad += g
    b.grad += g


def _sub_rule(out: Value, g: float) -> None:
    a, b = out._prev
    a.grad += g
    b.grad -= g


def _mul_rule(out: Value, g: float) -> None:
    a, b = out._prev
    a.grad += g * b.data
    b.grad += g * a.data


def _div_rule(out: Value, g: float) -> None:
    a, b = out._prev
    a.grad += g / b.data
    b.grad -= g * out.data / b.data


def _neg_rule(out: Value, g: float) -> None:
    out._prev[0].grad -= g


def _pow_const_rule(n: float, out: Value, g: float) -> None:
    (a,) = out._prev
    a.grad += g * _pow_base_derivative(a.data, n)


def _pow_rule(out: Value, g: float) -> None:
    a, b = out._prev
    x, y = a.data, b.data
    a.grad += g * _pow_base_derivative(x, y)
    # d(x**y)/dy = x**y * ln(x); PyTorch's convention gives 0 at x == 0 (y >= 0)
    # and NaN for a negative base, where ln is undefined, or a NaN exponent.
    if x > 0:
        b.grad += g * out.data * math.log(x)
    elif x == 0 and y >= 0:
        b.grad += 0.0
    else:
        b.grad += math.nan


def _relu_rule(out: Value, g: float) -> None:
    # "not <= 0" rather than "> 0" so that a NaN input passes its gradient
    # through, exactly like PyTorch's threshold_backward.
    if not out.data <= 0:
        out._prev[0].grad += g


def _abs_rule(out: Value, g: float) -> None:
    a = out._prev[0]
    if a.data > 0:
        a.grad += g
    elif a.data < 0:
        a.grad -= g


def _tanh_rule(out: Value, g: float) -> None:
    t = out.data
    # 1 - t**2, factored.  In 1 - t*t the rounding of t*t (~1e-16) is large
    # next to a result that is tiny when |t| is near 1 (1e-8 relative error at
    # a = 10).  1 - t is exact there and 1 + t ~ 2 is off by at most half an ulp.
    out._prev[0].grad += g * ((1.0 - t) * (1.0 + t))


def _sigmoid_rule(out: Value, g: float) -> None:
    s = out.data
    out._prev[0].grad += g * s * (1.0 - s)


def _exp_rule(out: Value, g: float) -> None:
    out._prev[0].grad += g * out.data


def _log_rule(out: Value, g: float) -> None:
    a = out._prev[0]
    a.grad += g / a.data


def _linear_rule(out: Value, g: float) -> None:
    prev = out._prev
    n = len(prev) >> 1
    prev[0].grad += g
    for i in range(1, n + 1):
        w = prev[i]
        x = prev[i + n]
        w.grad += g * x.data
        x.grad += g * w.data


def _pow_base_derivative(x: float, y: float) -> float:
    """d(x**y)/dx = y * x**(y-1), with PyTorch's conventions where the formula
    breaks down although the forward value was fine: exactly 0 when y == 0
    (x**0 is the constant 1, even at x == 0 where 0 * inf would give NaN), and
    +-inf where x**(y-1) divides by zero or overflows (e.g. 0 ** 0.5, or
    1e-300 ** -1 whose derivative -1e600 is beyond float range)."""
    if y == 0:
        return 0.0
    try:
        power: float = x ** (y - 1)
    except (ZeroDivisionError, OverflowError):
        p = y - 1
        odd = float(p).is_integer() and int(p) % 2 == 1
        power = math.copysign(math.inf, x) if odd else math.inf
    return y * power


def _checked_pow(x: float, y: float) -> float:
    """x ** y with errors that name the operation and its values."""
    if x == 0 and y < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {y!r} is undefined (division by zero)")
    if x < 0 and not float(y).is_integer() and math.isfinite(y):
        raise ValueError(f"pow: negative base {x!r} with non-integer exponent {y!r} has no real value")
    try:
        result: float = x**y
    except OverflowError:
        raise OverflowError(f"pow: {x!r} ** {y!r} overflows a float") from None
    return result


def _sigmoid(x: float) -> float:
    # Two branches so that exp() only ever sees a non-positive argument.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _arguments(data: numbers.Real | float, label: str = "") -> tuple[numbers.Real | float, str]:
    """``Value(data, label="")``'s signature: calling this makes Python check
    the arguments of a ``Value(...)`` call (count, names) with its own messages."""
    return data, label


def _init_value(out: Value, data: object, label: object) -> None:
    """Check a new leaf's data and label, then set every slot."""
    number = _as_float(data, "Value()")
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, not {type(label).__name__!r}")
    _fill_leaf(out, number, label)


class _ValueType(type):
    """The metaclass of :class:`Value`.  It exists for speed alone.

    ``Value(3.0, label="x")`` runs :meth:`__call__` below, which checks its
    arguments.  Operations make their result nodes with ``_allocate()``, which
    is ``type.__call__`` bound to ``Value``: a bare instance, no checks, since
    an operation already holds a float and its operands.  Were the checks in
    ``Value.__init__``, every allocation would run them; ``object.__new__(Value)``
    skips them too, but its argument handling costs ~25 ns more per node
    (measured; see benchmarks/README.md), about 6% of a node's whole cost.

    Subclasses of Value are built the ordinary way, by ``__init__``:
    :meth:`__new__` puts :class:`_ValueInit`, which has Value's checks as its
    ``__init__``, between a subclass and Value, so a subclass inherits that
    constructor and its own ``__init__`` can call ``super().__init__(data, label)``.
    One cost of having a metaclass: a subclass cannot also derive from a class
    with another metaclass (``abc.ABC``, say) without a metaclass derived from both.
    """

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        value_init = globals().get("_ValueInit")  # None while Value and _ValueInit are being defined
        if value_init is not None:
            bases = tuple(value_init if base is Value else base for base in bases)
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is not Value:  # a subclass: the ordinary way (see above)
            return type.__call__(cls, *args, **kwargs)
        try:
            data, label = _arguments(*args, **kwargs)
        except TypeError as error:  # the wrong arguments: name the class the user called
            raise TypeError(str(error).replace("_arguments()", f"{cls.__name__}()", 1)) from None
        out = type.__call__(cls)
        _init_value(out, data, label)
        return out

    @property
    def __signature__(cls) -> inspect.Signature:
        # What help(), Jupyter and inspect show for Value(...) or a subclass:
        # the constructor's parameters rather than __call__'s *args, **kwargs.
        import inspect  # only when asked: it is slow to import

        if cls is Value:
            return inspect.signature(_arguments).replace(return_annotation=inspect.Signature.empty)
        init = inspect.signature(cls.__init__)  # type: ignore[misc]  # the class's own, as called
        return init.replace(parameters=list(init.parameters.values())[1:], return_annotation=init.empty)


class Value(metaclass=_ValueType):
    """A scalar that remembers how it was computed: ``Value(data, label="")``,
    where ``data`` is any real number (stored as a float).

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a          # dc/da = b + 1 = -2, dc/db = a = 2
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)

    Gradient semantics of repeated ``backward()`` calls follow PyTorch:
    leaves (nodes with no parents) *accumulate* into ``grad``; interior nodes
    hold the gradient of the latest pass only.  Call ``zero_grad`` on a model
    (or set ``grad = 0.0``) between steps.

    Values compare equal only to themselves (they hash by identity, so they can
    live in sets and dicts); ``<``, ``<=``, ``>``, ``>=`` compare ``data``.
    """

    __slots__ = ("_backward", "_op", "_prev", "_visit", "data", "grad", "label")
    # Let numpy scalars on the left defer to our reflected operators, so that
    # ``np.float64(2) * v`` gives a Value instead of a numpy object array.
    __array_ufunc__ = None

    data: float
    grad: float
    label: str
    _prev: tuple[Value, ...]
    _op: str
    _backward: Rule | None
    # Bookkeeping of backward()'s graph walk: the marker object of the last
    # pass that reached this node (see _backward_order).  Never read elsewhere.
    _visit: object

    if TYPE_CHECKING:
        # The signature of Value(...), for type checkers; at run time the
        # metaclass's __call__ is the constructor (see _ValueType).
        def __init__(self, data: numbers.Real | float, label: str = "") -> None: ...

    # -- arithmetic ---------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        """a + b;  d/da = 1, d/db = 1."""
        other = other if type(other) is Value else _lift(other, "+")
        if not _fast:
            return _make(self.data + other.data, (self, other), "+", _add_rule)
        # _make's fast branch, written out: these ops are most of every graph.
        out = _allocate()
        out.data = self.data + other.data
        out.grad = 0.0
        out.label = ""
        out._visit = None
        out._prev = (self, other)
        out._op = "+"
        out._backward = _add_rule
        return out

    def __radd__(self, other: Operand) -> Value:
        return _lift(other, "+") + self

    def __sub__(self, other: Operand) -> Value:
        """a - b;  d/da = 1, d/db = -1."""
        other = other if type(other) is Value else _lift(other, "-")
        return _make(self.data - other.data, (self, other), "-", _sub_rule)

    def __rsub__(self, other: Operand) -> Value:
        return _lift(other, "-") - self

    def __mul__(self, other: Operand) -> Value:
        """a * b;  d/da = b, d/db = a."""
        other = other if type(other) is Value else _lift(other, "*")
        if not _fast:
            return _make(self.data * other.data, (self, other), "*", _mul_rule)
        # _make's fast branch, written out: these ops are most of every graph.
        out = _allocate()
        out.data = self.data * other.data
        out.grad = 0.0
        out.label = ""
        out._visit = None
        out._prev = (self, other)
        out._op = "*"
        out._backward = _mul_rule
        return out

    def __rmul__(self, other: Operand) -> Value:
        return _lift(other, "*") * self

    def __truediv__(self, other: Operand) -> Value:
        """a / b;  d/da = 1/b, d/db = -a/b**2 = -(a/b)/b."""
        other = other if type(other) is Value else _lift(other, "/")
        if other.data == 0:
            raise ZeroDivisionError(f"div: {self.data!r} / {other.data!r} divides by zero")
        return _make(self.data / other.data, (self, other), "/", _div_rule)

    def __rtruediv__(self, other: Operand) -> Value:
        return _lift(other, "/") / self

    def __neg__(self) -> Value:
        """-a;  d/da = -1."""
        return _make(-self.data, (self,), "neg", _neg_rule)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Operand) -> Value:
        """a ** n for a number n:  d/da = n * a**(n-1).

        a ** b for a Value b:     d/da = b * a**(b-1),  d/db = a**b * ln(a).
        """
        if isinstance(other, Value):
            data = _checked_pow(self.data, other.data)
            return _make(data, (self, other), "**", _pow_rule)
        n = _as_float(other, "**")
        data = _checked_pow(self.data, n)
        shown = int(n) if n.is_integer() else n
        return _make(data, (self,), f"**{shown}", partial(_pow_const_rule, n))

    def __rpow__(self, other: Operand) -> Value:
        return _lift(other, "**") ** self

    # -- elementary functions -------------------------------------------------

    def relu(self) -> Value:
        """max(0, a);  d/da = 1 if a > 0 else 0 (0 at the kink, as in PyTorch)."""
        x = self.data
        if not _fast:
            return _make(0.0 if x <= 0 else x, (self,), "relu", _relu_rule)
        # _make's fast branch, written out: these ops are most of every graph.
        out = _allocate()
        out.data = 0.0 if x <= 0 else x
        out.grad = 0.0
        out.label = ""
        out._visit = None
        out._prev = (self,)
        out._op = "relu"
        out._backward = _relu_rule
        return out

    def tanh(self) -> Value:
        """tanh(a);  d/da = 1 - tanh(a)**2."""
        return _make(math.tanh(self.data), (self,), "tanh", _tanh_rule)

    def sigmoid(self) -> Value:
        """s(a) = 1 / (1 + e**-a);  d/da = s(a) * (1 - s(a)).  Never overflows."""
        return _make(_sigmoid(self.data), (self,), "sigmoid", _sigmoid_rule)

    def exp(self) -> Value:
        """e**a;  d/da = e**a.  Raises OverflowError past a ~ 709.78."""
        try:
            data = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: exp({self.data!r}) overflows a float") from None
        return _make(data, (self,), "exp", _exp_rule)

    def log(self) -> Value:
        """ln(a) for a > 0;  d/da = 1/a."""
        x = self.data
        if not x > 0 and not math.isnan(x):
            raise ValueError(f"log: log({x!r}) is undefined (needs a positive input)")
        return _make(math.log(x), (self,), "log", _log_rule)

    def abs(self) -> Value:
        """|a|;  d/da = sign(a), and 0 at a = 0 (as in PyTorch)."""
        return _make(abs(self.data), (self,), "abs", _abs_rule)

    __abs__ = abs

    # -- comparisons on data; equality stays identity ---------------------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _value_data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _value_data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _value_data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _value_data(other, ">=")

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    # -- graph utilities ----------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return _leaf(self.data)

    def backward(self, grad: Number = 1.0) -> None:
        """Fill ``grad`` on every node that this value depends on.

        Seeds ``d(self)/d(self) = grad``, then visits nodes from the output back
        to the inputs, applying each node's local-derivative rule (the chain
        rule).  Interior gradients are reset first, so a second call gives the
        same interior gradients and adds a second copy into the leaves.
        """
        seed = _as_float(grad, "backward(grad=...)")
        # Like PyTorch, a pass first sums each leaf's gradient on its own and
        # only then adds it to what the leaf already held: old + (c1 + c2), not
        # ((old + c1) + c2).  So two calls give exactly twice one call.
        held: list[tuple[Value, float]] = []
        order = _backward_order(self, held)  # every grad in the graph is now 0
        self.grad = seed
        try:
            if _anomaly:
                _backward_checked(order)
            else:
                for node in reversed(order):
                    rule = node._backward
                    if rule is not None:  # always true: the order holds interior nodes only
                        rule(node, node.grad)
        finally:
            for node, old in held:
                node.grad += old

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


# What an operation accepts besides a Value: any real number (int, float,
# bool, fractions, numpy scalars).  ``float`` is listed for the type checker,
# which does not place it under ``numbers.Real``.
Operand = Value | float | numbers.Real


def _value_data(x: object, op: str) -> float:
    return x.data if isinstance(x, Value) else _as_float(x, op)


def _backward_checked(order: list[Value]) -> None:
    for node in reversed(order):
        rule = node._backward
        if rule is None:
            continue
        rule(node, node.grad)
        for parent in node._prev:
            if not math.isfinite(parent.grad):
                raise AnomalyError(
                    f"backward of {node._op!r} produced grad {parent.grad!r} for {_describe(parent)}"
                )


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its parents.

    Iterative depth-first search: a node is emitted when it is popped for the
    second time, by which point all its parents have been emitted.  Parents
    are explored in ``_prev`` order, so the order is deterministic.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    done: set[Value] = set()
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        if node in seen:
            if node not in done:
                done.add(node)
                order.append(node)
            continue
        seen.add(node)
        push(node)
        for parent in node._prev:
            if parent not in seen:
                push(parent)
    return order


def _backward_order(root: Value, held: list[tuple[Value, float]]) -> list[Value]:
    """The interior nodes that ``root`` depends on, each after all of its
    parents, for ``backward()``.  On the way it sets every gradient in the graph
    to 0, first appending ``(leaf, grad)`` to ``held`` for each leaf whose grad
    was not 0.

    The same depth-first search as :func:`topological_order`, but backward is
    the hot path, so the walk keeps its state on the nodes instead of in sets:
    a slot read costs less than hashing the node.  Two fresh marker objects per
    pass mean whatever earlier passes left in ``_visit`` reads as "not seen".
    """
    order: list[Value] = []
    opened = object()  # parents pushed, node not emitted yet
    closed = object()  # emitted (or a leaf already handled)
    stack = [root]
    pop = stack.pop
    while True:
        # An empty stack ends the walk.  Catching pop()'s IndexError is
        # cheaper than testing "while stack" on every one of ~3 pops per node.
        try:
            node = pop()
        except IndexError:
            return order
        mark = node._visit
        if mark is opened:
            # Popped again: everything above it on the stack (its parents and
            # their ancestors) has been emitted.
            node._visit = closed
            node.grad = 0.0
            order.append(node)
        elif mark is not closed:  # first visit in this pass
            if node._backward is None:  # a leaf
                node._visit = closed
                if node.grad:
                    held.append((node, node.grad))
                node.grad = 0.0
            else:
                node._visit = opened
                stack.append(node)
                # All parents, emitted or not: a closed one is skipped when
                # popped, which costs less than testing each one here.
                stack += node._prev


def linear(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value) -> Value:
    """One fused node for ``bias + sum_i weights[i] * inputs[i]``.

    d/dbias = 1,  d/dweights[i] = inputs[i],  d/dinputs[i] = weights[i].

    A neuron built from elementary ``*`` and ``+`` nodes creates 2n nodes; this
    creates one, which is what makes training in pure Python affordable.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
    xs = [x if type(x) is Value else _lift(x, "linear") for x in inputs]
    return _linear(weights, xs, bias)


def _linear(weights: Sequence[Value], xs: Sequence[Value], bias: Value) -> Value:
    """:func:`linear` for inputs already known to be as many Values as weights.
    A layer checks its inputs once and calls this for each of its neurons,
    instead of re-checking the same inputs per neuron."""
    acc = bias.data
    for w, x in zip(weights, xs):
        acc += w.data * x.data
    return _make(acc, (bias, *weights, *xs), "linear", _linear_rule)


# type.__call__ rather than Value(): allocates without running _ValueType.__call__.
_allocate: Callable[[], Value] = type.__call__.__get__(Value)


class _ValueInit(Value):
    """Value's checks as an ``__init__``, the base of every subclass of Value
    (see :class:`_ValueType`); ``isinstance(x, Value)`` holds as usual."""

    __slots__ = ()

    def __init__(self, data: numbers.Real | float, label: str = "") -> None:
        _init_value(self, data, label)

    # A wrong call then reads "Value.__init__() missing ...", as it did when
    # Value had this __init__ itself.
    __init__.__qualname__ = "Value.__init__"


def values(xs: Iterable[Operand]) -> list[Value]:
    """Lift a sequence of numbers (or Values) to a list of Values."""
    return [_lift(x, "values()") for x in xs]
