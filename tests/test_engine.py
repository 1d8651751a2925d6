"""Unit tests for the scalar autograd engine (no PyTorch here; see
``test_engine_torch.py`` for parity and ``test_engine_properties.py`` for
property-based tests).

Expected gradients are written out by hand from the derivative rules, so each
test states the math it checks.
"""

from __future__ import annotations

import gc
import inspect
import itertools
import math
import sys
import time
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from micrograd.engine import (
    AnomalyError,
    Value,
    detect_anomaly,
    is_anomaly_enabled,
    is_grad_enabled,
    linear,
    no_grad,
    topological_order,
)


def grads(f: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """Forward value and d f / d x_i for every input."""
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


# ---------------------------------------------------------------------------
# Operations and their derivative rules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "xs", "value", "expected"),
    [
        (lambda a, b: a + b, (2.0, -3.0), -1.0, [1.0, 1.0]),
        (lambda a, b: a - b, (2.0, -3.0), 5.0, [1.0, -1.0]),
        (lambda a, b: a * b, (2.0, -3.0), -6.0, [-3.0, 2.0]),
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2
        (lambda a, b: a / b, (3.0, -2.0), -1.5, [-0.5, -0.75]),
        (lambda a: -a, (2.0,), -2.0, [-1.0]),
        # d(a**3)/da = 3a**2
        (lambda a: a**3, (2.0,), 8.0, [12.0]),
        # d(a**-1.5)/da = -1.5 a**-2.5
        (lambda a: a**-1.5, (4.0,), 0.125, [-1.5 * 4.0**-2.5]),
        # d(a**b)/da = b a**(b-1), d(a**b)/db = a**b ln a
        (lambda a, b: a**b, (2.0, 3.0), 8.0, [12.0, 8.0 * math.log(2.0)]),
        (lambda a: a.relu(), (2.5,), 2.5, [1.0]),
        (lambda a: a.relu(), (-2.5,), 0.0, [0.0]),
        (lambda a: a.tanh(), (0.5,), math.tanh(0.5), [1 - math.tanh(0.5) ** 2]),
        (
            lambda a: a.sigmoid(),
            (0.5,),
            1 / (1 + math.exp(-0.5)),
            [math.exp(-0.5) / (1 + math.exp(-0.5)) ** 2],
        ),
        (lambda a: a.exp(), (1.5,), math.exp(1.5), [math.exp(1.5)]),
        (lambda a: a.log(), (4.0,), math.log(4.0), [0.25]),
        (lambda a: a.abs(), (-3.0,), 3.0, [-1.0]),
        (lambda a: abs(a), (3.0,), 3.0, [1.0]),
    ],
)
def test_op_value_and_gradient(
    f: Callable[..., Value], xs: tuple[float, ...], value: float, expected: list[float]
) -> None:
    data, g = grads(f, *xs)
    assert data == pytest.approx(value, rel=1e-15, abs=0)
    assert g == pytest.approx(expected, rel=1e-14, abs=0)


@pytest.mark.parametrize(
    ("f", "value", "grad"),
    [
        (lambda v: 2 * v, 6.0, 2.0),
        (lambda v: 2 + v, 5.0, 1.0),
        (lambda v: 1 - v, -2.0, -1.0),
        (lambda v: 1 / v, 1 / 3, -1 / 9),
        (lambda v: 2**v, 8.0, 8.0 * math.log(2.0)),
        (lambda v: v * 2, 6.0, 2.0),
        (lambda v: v + 2, 5.0, 1.0),
        (lambda v: v - 1, 2.0, 1.0),
        (lambda v: v / 2, 1.5, 0.5),
        (lambda v: sum([v, v, v]), 9.0, 3.0),
        (lambda v: +v * 1, 3.0, 1.0),
    ],
)
def test_reflected_and_constant_forms(f: Callable[[Value], Value], value: float, grad: float) -> None:
    data, (g,) = grads(f, 3.0)
    assert data == pytest.approx(value, rel=1e-15, abs=0)
    assert g == pytest.approx(grad, rel=1e-15, abs=0)


def test_number_pow_value_records_a_value_exponent() -> None:
    v = Value(3.0)
    out = 2**v
    assert isinstance(out, Value)
    assert out._op == "**"
    assert out._prev[1] is v


def test_constant_exponent_op_names() -> None:
    v = Value(3.0)
    assert (v**2)._op == "**2"
    assert (v**0.5)._op == "**0.5"
    assert (v ** Value(2.0))._op == "**"


@pytest.mark.parametrize(
    ("f", "x", "grad"),
    [
        # Kinks take PyTorch's choice of subgradient: 0.
        (lambda v: v.relu(), 0.0, 0.0),
        (lambda v: v.abs(), 0.0, 0.0),
        (lambda v: v.relu(), -0.0, 0.0),
        (lambda v: v.abs(), -0.0, 0.0),
        # x**0 is the constant 1: its derivative is 0 everywhere, also at 0.
        (lambda v: v**0, 0.0, 0.0),
        (lambda v: v**0, 5.0, 0.0),
        (lambda v: v ** Value(0.0), 0.0, 0.0),
        # d(x**1)/dx = 1 at 0 (0**0 = 1)
        (lambda v: v**1, 0.0, 1.0),
        # d(x**0.5)/dx at 0 = 0.5 * 0**-0.5 = +inf (as in PyTorch)
        (lambda v: v**0.5, 0.0, math.inf),
        (lambda v: v**2, 0.0, 0.0),
        # d(x**y)/dx = y x**(y-1) = -1e600 overflows to -inf instead of raising
        (lambda v: v**-1, 1e-300, -math.inf),
        (lambda v: v ** Value(-1.0), 1e-300, -math.inf),
    ],
)
def test_edge_derivatives(f: Callable[[Value], Value], x: float, grad: float) -> None:
    _, (g,) = grads(f, x)
    assert g == grad


def test_zero_pow_zero_is_one() -> None:
    assert (Value(0.0) ** 0).data == 1.0
    a, b = Value(0.0), Value(0.0)
    out = a**b
    out.backward()
    assert out.data == 1.0
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_value_exponent_at_zero_base() -> None:
    # d(0**y)/dy: PyTorch defines it as 0 for y >= 0 (x**y * ln x with 0 * -inf).
    _, (ga, gb) = grads(lambda a, b: a**b, 0.0, 2.0)
    assert (ga, gb) == (0.0, 0.0)


def test_negative_base_integer_value_exponent() -> None:
    # (-2)**y at y=2: d/dx = 2 * (-2) = -4; d/dy = x**y ln(x) is NaN (ln of a negative).
    data, (ga, gb) = grads(lambda a, b: a**b, -2.0, 2.0)
    assert data == 4.0
    assert ga == -4.0
    assert math.isnan(gb)


def test_relu_nan_passes_gradient_like_pytorch() -> None:
    data, (g,) = grads(lambda v: v.relu(), math.nan)
    assert math.isnan(data)
    assert g == 1.0


def test_abs_nan_has_zero_gradient_like_pytorch() -> None:
    data, (g,) = grads(lambda v: v.abs(), math.nan)
    assert math.isnan(data)
    assert g == 0.0


# ---------------------------------------------------------------------------
# Numerical safety
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [1e308, -1e308, 1e3, -1e3, 710.0, -710.0, 745.0, -745.0, math.inf, -math.inf])
def test_sigmoid_and_tanh_never_overflow(x: float) -> None:
    s, (gs,) = grads(lambda v: v.sigmoid(), x)
    t, (gt,) = grads(lambda v: v.tanh(), x)
    # For x <= -40, sigmoid(x) = e**x / (1 + e**x) equals e**x to double
    # precision (possibly a subnormal or 0); for x >= 40 it rounds to 1.
    expected = 1.0 if x > 0 else math.exp(x)
    assert s == pytest.approx(expected, rel=1e-12, abs=1e-322)
    assert gs == pytest.approx(0.0 if x > 0 else math.exp(x), rel=1e-12, abs=1e-322)
    assert t == math.copysign(1.0, x)
    assert gt == 0.0  # 1 - tanh(x)**2 is below the smallest float


def test_sigmoid_is_accurate_in_both_tails() -> None:
    # sigmoid(-700) = e**-700 / (1 + e**-700) ~ e**-700 to full precision.
    # (The textbook 1 / (1 + e**-x) would raise in exp for any x < -709.78.)
    s, (g,) = grads(lambda v: v.sigmoid(), -700.0)
    assert s == pytest.approx(math.exp(-700.0), rel=1e-14, abs=0)
    assert g == pytest.approx(math.exp(-700.0), rel=1e-14, abs=0)
    s, (g,) = grads(lambda v: v.sigmoid(), 30.0)
    assert s == pytest.approx(1 / (1 + math.exp(-30.0)), rel=1e-15, abs=0)
    # s (1 - s) from the rounded s keeps only ~3 digits here (1 - s ~ 1e-13);
    # PyTorch uses the same formula, and test_engine_torch checks parity.
    assert g == pytest.approx(math.exp(-30.0), rel=2e-3, abs=0)


@pytest.mark.parametrize("x", [5.0, 10.0, -12.5, 17.0])
def test_tanh_gradient_keeps_its_digits_near_saturation(x: float) -> None:
    # d tanh/dx = 1 - t**2 with t = tanh(x) near 1.  Computed as 1 - t*t it
    # loses ~8 digits at x = 10; the exact value from the rounded t is the
    # reference (PyTorch gets it too).
    t, (g,) = grads(lambda v: v.tanh(), x)
    exact = float(1 - Fraction(t) ** 2)
    assert g == pytest.approx(exact, rel=1e-15, abs=0)


def test_exp_overflow_names_op_and_input() -> None:
    with pytest.raises(OverflowError, match=r"exp.*710\.0"):
        Value(710.0).exp()
    assert Value(709.0).exp().data == pytest.approx(math.exp(709.0))


def test_pow_overflow_names_op_and_values() -> None:
    with pytest.raises(OverflowError, match=r"pow.*10\.0.*400"):
        Value(10.0) ** 400


def test_nan_and_inf_propagate_outside_anomaly_mode() -> None:
    a, b = Value(math.inf), Value(0.0)
    out = a * b  # inf * 0 = nan, as in IEEE and PyTorch
    assert math.isnan(out.data)
    out.backward()
    assert a.grad == 0.0
    assert b.grad == math.inf
    assert math.isnan((Value(math.nan) + 1).data)
    assert (Value(math.inf).exp()).data == math.inf
    assert Value(math.inf).log().data == math.inf
    assert math.isnan(Value(math.nan).log().data)


# ---------------------------------------------------------------------------
# Operand types
# ---------------------------------------------------------------------------

NUMBERS: list[Any] = [
    2,
    2.0,
    True,
    np.bool_(True),
    np.float64(2.0),
    np.int64(2),
    np.float32(2.0),
    np.int32(2),
]
BINARY: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("+", lambda a, b: a + b),
    ("-", lambda a, b: a - b),
    ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b),
    ("**", lambda a, b: a**b),
]


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: type(n).__name__)
@pytest.mark.parametrize(("name", "op"), BINARY, ids=[n for n, _ in BINARY])
def test_numbers_on_either_side_give_values(number: Any, name: str, op: Callable[[Any, Any], Any]) -> None:
    x = 3.0
    for left, right in ((Value(x), number), (number, Value(x))):
        out = op(left, right)
        assert type(out) is Value, (name, type(number))
        assert type(out.data) is float
        plain = op(
            x if isinstance(left, Value) else float(left), x if isinstance(right, Value) else float(right)
        )
        assert out.data == pytest.approx(plain, rel=1e-15, abs=0)


def test_numpy_int_times_value_is_a_value_with_gradient() -> None:
    v = Value(3.0)
    out = np.int64(1) * v
    assert isinstance(out, Value)
    out.backward()
    assert v.grad == 1.0


def test_value_constructor_accepts_numbers() -> None:
    for n in NUMBERS:
        v = Value(n)
        assert type(v.data) is float
        assert v.data == float(n)


@pytest.mark.parametrize("bad", ["x", None, [1.0], 1 + 2j, {}], ids=lambda b: type(b).__name__)
@pytest.mark.parametrize(("name", "op"), BINARY, ids=[n for n, _ in BINARY])
def test_non_numeric_operands_raise_type_error_naming_the_type(
    bad: Any, name: str, op: Callable[[Any, Any], Any]
) -> None:
    type_name = type(bad).__name__
    with pytest.raises(TypeError, match=type_name):
        op(Value(2.0), bad)
    with pytest.raises(TypeError, match=type_name):
        op(bad, Value(2.0))


@pytest.mark.parametrize("bad", ["x", None, [1.0], 1 + 2j], ids=lambda b: type(b).__name__)
def test_value_constructor_rejects_non_numbers(bad: Any) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_constructed_and_computed_values_are_complete_plain_values() -> None:
    # Value(...) and an operation's result are allocated by different paths
    # (see engine._ValueType); both must give exactly a Value with every slot set.
    a = Value(2.0, label="a")
    for v in (a, a * a, a + 1, a.relu(), 2 * a, a - a, a.tanh(), a.detach(), sum([a, a])):
        assert type(v) is Value
        for name in Value.__slots__:
            getattr(v, name)  # an unset slot raises AttributeError
        assert v.grad == 0.0

    class Sub(Value):
        __slots__ = ()

    s = Sub(1.5, label="s")
    assert type(s) is Sub and isinstance(s, Value) and s.label == "s" and s._prev == ()
    (s * 2).backward()
    assert s.grad == 2.0


def test_subclass_with_its_own_init_calls_values_init() -> None:
    class Named(Value):
        __slots__ = ("unit",)

        def __init__(self, data: float, label: str = "", unit: str = "m") -> None:
            super().__init__(data, label)
            self.unit = unit

    class Scaled(Named):
        __slots__ = ()

        def __init__(self, data: float, scale: float) -> None:
            super().__init__(data * scale, label=f"x{scale}")

    n = Named(2.0, label="n", unit="s")
    assert (n.data, n.label, n.unit, n.grad, n._prev) == (2.0, "n", "s", 0.0, ())
    t = Scaled(3.0, 2.0)
    assert (t.data, t.label, t.unit) == (6.0, "x2.0", "m")
    (n * t).backward()
    assert (n.grad, t.grad) == (6.0, 2.0)
    with pytest.raises(TypeError, match="'str'"):
        Named("two")  # type: ignore[arg-type]  # Value's checks run for subclasses too
    assert str(inspect.signature(Named)) == "(data: 'float', label: 'str' = '', unit: 'str' = 'm') -> 'None'"


def test_wrong_constructor_calls_name_the_class_and_count_the_callers_arguments() -> None:
    class Sub(Value):
        __slots__ = ()

    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: Value(), r"^Value.__init__\(\) missing 1 required positional argument: 'data'$"),
        (
            lambda: Value(1.0, "a", 3),
            r"^Value.__init__\(\) takes from 2 to 3 positional arguments but 4 were given$",
        ),
        (lambda: Value(1.0, lab="a"), r"^Value.__init__\(\) got an unexpected keyword argument 'lab'$"),
        (lambda: Sub(), r"^Value.__init__\(\) missing 1 required positional argument: 'data'$"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError, match=message):
            call()
    assert str(inspect.signature(Value)) == "(data: 'numbers.Real | float', label: 'str' = '') -> 'None'"


def test_label_must_be_str() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]  # the point of the test


# ---------------------------------------------------------------------------
# Domain errors name the operation and the values
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -0.0, -1.5, -math.inf])
def test_log_of_non_positive_raises_value_error(x: float) -> None:
    with pytest.raises(ValueError, match=rf"log.*{x!r}"):
        Value(x).log()


def test_zero_to_negative_power_raises_zero_division() -> None:
    with pytest.raises(ZeroDivisionError, match=r"pow.*0\.0.*-2"):
        Value(0.0) ** -2
    with pytest.raises(ZeroDivisionError, match=r"pow.*0\.0.*-0\.5"):
        Value(0.0) ** Value(-0.5)
    with pytest.raises(ZeroDivisionError, match="pow"):
        0 ** Value(-1.0)


def test_negative_base_fractional_exponent_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"pow.*-2\.0.*0\.5"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError, match=r"pow.*-8\.0.*0\.3"):
        Value(-8.0) ** Value(0.3)
    # Integer exponents of a negative base are fine.
    assert (Value(-2.0) ** 3).data == -8.0


def test_divide_by_zero_raises_naming_values() -> None:
    with pytest.raises(ZeroDivisionError, match=r"div.*1\.5.*0\.0"):
        Value(1.5) / 0
    with pytest.raises(ZeroDivisionError, match=r"div.*2\.0.*0\.0"):
        2 / Value(0.0)


# ---------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------


def test_anomaly_forward_raises_at_first_non_finite_op() -> None:
    a = Value(math.inf, label="a")
    b = Value(0.0, label="b")
    c = Value(2.0)
    assert not is_anomaly_enabled()
    with detect_anomaly():
        assert is_anomaly_enabled()
        ok = c * 3  # finite ops pass
        assert ok.data == 6.0
        with pytest.raises(AnomalyError, match=r"'\*'.*nan.*\ba\b.*\bb\b"):
            a * b
        with pytest.raises(AnomalyError, match=r"'\+'.*inf"):
            Value(1e308) + Value(1e308)
        with pytest.raises(AnomalyError, match="'log'"):
            Value(math.nan).log()
    assert not is_anomaly_enabled()
    # Outside the block the same op is allowed again.
    assert math.isnan((a * b).data)


def test_anomaly_backward_names_the_op_whose_rule_went_non_finite() -> None:
    x = Value(0.0, label="x")
    y = x**0.5  # forward 0 is finite, d/dx = 0.5 * 0**-0.5 = inf
    z = y * 2.0
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"backward of '\*\*0\.5'.*inf.*\bx\b"):
        z.backward()


def test_anomaly_error_is_a_floating_point_error() -> None:
    assert issubclass(AnomalyError, FloatingPointError)


def test_anomaly_mode_can_be_nested_and_disabled() -> None:
    with detect_anomaly():
        with detect_anomaly(False):
            assert not is_anomaly_enabled()
            assert math.isnan((Value(math.inf) * 0).data)
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_anomaly_mode_backward_matches_normal_backward() -> None:
    def run() -> list[float]:
        a, b = Value(1.5), Value(-0.5)
        ((a * b + a.exp()) / (b.tanh() - 2)).backward()
        return [a.grad, b.grad]

    normal = run()
    with detect_anomaly():
        assert run() == normal


# ---------------------------------------------------------------------------
# backward() semantics
# ---------------------------------------------------------------------------


def test_million_op_chain_backward_at_default_recursion_limit() -> None:
    # CPython's default limit: a recursive topological sort would fail at ~1000 deep.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        start = time.perf_counter()
        x = Value(0.5)
        y = x
        for _ in range(1_000_000):
            y = y + x
        y.backward()
        elapsed = time.perf_counter() - start
    finally:
        sys.setrecursionlimit(previous)
    # y = (n + 1) x, so dy/dx = n + 1.
    assert x.grad == 1_000_001.0
    assert y.data == 0.5 * 1_000_001
    del y
    assert elapsed < 15.0, f"1e6-op chain took {elapsed:.1f} s"


def test_leaves_accumulate_and_interior_nodes_hold_latest_pass() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b  # interior
    d = c + a
    d.backward()
    first = (a.grad, b.grad, c.grad, d.grad)
    assert first == (-2.0, 2.0, 1.0, 1.0)
    d.backward()
    assert (a.grad, b.grad) == (-4.0, 4.0)  # exactly 2x
    assert (c.grad, d.grad) == (1.0, 1.0)  # not accumulated
    a.grad = b.grad = 0.0
    d.backward()
    assert (a.grad, b.grad) == first[:2]
    d.backward(3.0)  # interior nodes show this pass only, with its seed
    assert (c.grad, d.grad) == (3.0, 3.0)
    assert (a.grad, b.grad) == (-2.0 + 3 * -2.0, 2.0 + 3 * 2.0)


def test_interior_node_shared_by_two_roots_holds_latest_pass() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d1, d2 = c * 2, c * 5
    d1.backward()
    assert c.grad == 2.0
    d2.backward()
    assert c.grad == 5.0  # not 7: interior grads are reset per pass
    assert (a.grad, b.grad) == (7 * -3.0, 7 * 2.0)  # leaves accumulate both passes


def test_second_backward_gives_exactly_twice_with_many_contributions() -> None:
    # A leaf reached along several paths: PyTorch sums the pass first and adds
    # the sum once (old + (c1 + c2 + ...)), so the second call gives exactly
    # 2x.  Adding each contribution into the old grad would round differently
    # for some orders of 0.1, 0.2, 0.7, 0.3.
    for perm in itertools.permutations([0.1, 0.2, 0.7, 0.3]):
        a = Value(1.0)
        f = sum((c * a for c in perm), Value(0.0))
        f.backward()
        once = a.grad
        assert once == pytest.approx(1.3, rel=1e-15, abs=0)
        f.backward()
        assert a.grad == 2 * once, perm


def test_backward_seed_scales_gradients() -> None:
    a = Value(3.0)
    (a * a).backward(2.5)
    assert a.grad == 2.5 * 6.0
    with pytest.raises(TypeError, match="str"):
        (a * a).backward("1")  # type: ignore[arg-type]  # the point of the test


def test_backward_on_a_leaf_accumulates() -> None:
    a = Value(3.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_shared_subexpressions_accumulate() -> None:
    # f = x*x: df/dx = 2x (both operands are the same node)
    _, (g,) = grads(lambda x: x * x, 3.0)
    assert g == 6.0
    # f = a + a + ... (10 times): df/da = 10
    _, (g,) = grads(lambda a: sum([a] * 10, Value(0.0)), 1.5)
    assert g == 10.0
    # diamond: u = a*b; f = u*u + u  -> df/du = 2u + 1; df/da = (2u+1) b
    a, b = Value(2.0), Value(3.0)
    u = a * b
    f = u * u + u
    f.backward()
    assert u.grad == 13.0
    assert (a.grad, b.grad) == (39.0, 26.0)
    # x / x = 1 has derivative 0; x - x likewise.
    _, (g,) = grads(lambda x: x / x, 7.0)
    assert g == 0.0
    _, (g,) = grads(lambda x: x - x, 7.0)
    assert g == 0.0
    # x ** x: d/dx = x**x (1 + ln x)
    _, (g,) = grads(lambda x: x**x, 2.0)
    assert g == pytest.approx(4.0 * (1 + math.log(2.0)), rel=1e-15, abs=0)


def test_topological_order_parents_before_children_and_deterministic() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len(set(order)) == 5
    pos = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node._prev:
            assert pos[parent] < pos[node]
    assert order[-1] is e
    assert topological_order(e) == order


# ---------------------------------------------------------------------------
# no_grad, detach, linear
# ---------------------------------------------------------------------------


def test_no_grad_records_no_parents() -> None:
    a = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        b = a * 3 + 1
        c = b.exp().tanh()
        with no_grad():
            d = -c
        assert not is_grad_enabled()
    assert is_grad_enabled()
    for v in (b, c, d):
        assert v._prev == ()
        assert v._op == "" and v._local == ()
    assert b.data == 7.0
    e = b * a
    e.backward()
    assert a.grad == 7.0
    assert b.grad == 2.0


def test_no_grad_restores_state_after_exception() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()
    assert (Value(1.0) + 1)._prev != ()


def test_detach_is_a_leaf_with_same_data() -> None:
    a = Value(2.0)
    b = a * a
    d = b.detach()
    assert d.data == 4.0
    assert d._prev == ()
    assert d is not b
    (d * a).backward()
    assert a.grad == 4.0  # only through the direct use of a, not through d


def test_linear_matches_elementary_ops() -> None:
    ws = [Value(0.5), Value(-1.5), Value(2.0)]
    xs = [Value(1.0), Value(2.0), Value(-0.25)]
    b = Value(0.1)
    out = linear(ws, xs, b)
    assert out._op == "linear"
    assert out._prev == (b, *ws, *xs)
    assert out.data == 0.1 + 0.5 * 1.0 + -1.5 * 2.0 + 2.0 * -0.25
    out.backward()
    assert [w.grad for w in ws] == [x.data for x in xs]
    assert [x.grad for x in xs] == [w.data for w in ws]
    assert b.grad == 1.0
    out2 = linear(ws, [1, 2.0, np.float64(3.0)], b)
    assert out2.data == pytest.approx(0.1 + 0.5 - 3.0 + 6.0)
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        linear(ws, xs[:2], b)


# ---------------------------------------------------------------------------
# Compatibility with code written for the reference micrograd
# ---------------------------------------------------------------------------


def test_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert a == a  # identity equality is what is tested
    assert len({a, b, a}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"


def test_prev_and_op_like_the_reference() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a + b
    assert set(c._prev) == {a, b}
    assert list(c._prev) == [a, b]
    assert "op: " + c._op == "op: +"
    for node, op in [
        (a * b, "*"),
        (a - b, "-"),
        (a / b, "/"),
        (-a, "neg"),
        (a.relu(), "relu"),
        (a.tanh(), "tanh"),
        (a.sigmoid(), "sigmoid"),
        (a.exp(), "exp"),
        (a.log(), "log"),
        (a.abs(), "abs"),
    ]:
        assert isinstance(node._op, str) and node._op == op
    assert a._op == "" and a._prev == ()


def test_repr_and_comparisons() -> None:
    v = Value(2.0, label="w")
    assert repr(v) == "Value(data=2.0, grad=0.0, label='w')"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
    assert Value(1.0) < Value(2.0) and Value(1.0) < 2 and Value(3.0) >= 3.0 and Value(3.0) > 2.5
    assert float(Value(1.25)) == 1.25


# ---------------------------------------------------------------------------
# Memory: no reference cycles
# ---------------------------------------------------------------------------


def _build_graph(n: int) -> Value:
    x = Value(0.1)
    w = Value(0.5)
    y = x
    for i in range(n // 4):
        # four nodes per step, mixing ops with shared operands and constants
        y = (y * w + x).tanh() + i % 3
    return y


def test_graph_is_freed_by_reference_counting_alone() -> None:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        tracemalloc.start()
        baseline, _ = tracemalloc.get_traced_memory()
        root = _build_graph(100_000)
        root.backward()
        built, _ = tracemalloc.get_traced_memory()
        del root
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # Nothing in the graph is reachable only through a cycle.
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
    graph_bytes = built - baseline
    assert graph_bytes > 10_000_000  # the graph really was big (100k nodes, ~20 MB)
    # What remains is CPython's tuple/float free lists (~200 kB, bounded), not the graph.
    assert after - baseline < 0.02 * graph_bytes, f"{after - baseline} of {graph_bytes} bytes still held"


def test_fresh_graph_contains_no_cycles() -> None:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        a = Value(1.0)
        root = (a ** Value(2.0) + a**3 - 1 / a).relu().sigmoid() * a.exp().log().abs()
        root.backward()
        del root, a
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
