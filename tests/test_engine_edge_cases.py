"""Cases a fuzzing run against PyTorch found (3,500 random graphs, 3,745 extreme
single-op cases): each must now agree with PyTorch float64."""

from __future__ import annotations

import math

import pytest

from micrograd.engine import AnomalyError, Value, detect_anomaly, linear

torch = pytest.importorskip("torch")


def t(x: float) -> object:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def test_division_gradient_does_not_overflow_through_multiplication_order() -> None:
    a, b = Value(1e155), Value(10.0)
    ((a / b) ** 2).backward()
    ta, tb = t(1e155), t(10.0)
    ((ta / tb) ** 2).backward()
    assert math.isfinite(b.grad)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)  # -2e307
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)


def test_pow_exponent_gradient_stays_finite() -> None:
    base, exponent = Value(1.1), Value(3721.7867088711346)
    ((base**exponent) ** 2).backward()
    tb, te = t(1.1), t(3721.7867088711346)
    ((tb**te) ** 2).backward()
    assert math.isfinite(exponent.grad)
    assert exponent.grad == pytest.approx(te.grad.item(), rel=1e-9)  # 2.4528e+307
    assert base.grad == pytest.approx(tb.grad.item(), rel=1e-9)


def test_division_gradient_does_not_underflow() -> None:
    a, b = Value(-3.15e-253), Value(-3.68e-96)
    (a / b).backward(-4.84e-174)
    ta, tb = t(-3.15e-253), t(-3.68e-96)
    (ta / tb).backward(torch.tensor(-4.84e-174, dtype=torch.float64))
    assert b.grad != 0.0
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)  # -1.12e-235
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)


def test_failed_backward_changes_no_gradient() -> None:
    a, b = Value(-2.0, label="a"), Value(2.0, label="b")
    a.grad = b.grad = 7.0
    out = a**b  # d/db = 4 * ln(-2): NaN
    middle = out * 1.0
    middle.grad = 3.0
    with detect_anomaly(), pytest.raises(AnomalyError, match="b"):
        middle.backward()
    assert (a.grad, b.grad, out.grad, middle.grad) == (7.0, 7.0, 0.0, 3.0)


def test_nan_upstream_through_abs_at_zero_is_nan() -> None:
    x = Value(0.0)
    x.abs().backward(math.nan)
    tx = t(0.0)
    tx.abs().backward(torch.tensor(math.nan, dtype=torch.float64))
    assert math.isnan(tx.grad.item())
    assert math.isnan(x.grad)


def test_nan_upstream_through_x_to_the_zero_is_zero() -> None:
    x = Value(3.0)
    (x**0).backward(math.nan)
    tx = t(3.0)
    (tx**0).backward(torch.tensor(math.nan, dtype=torch.float64))
    assert tx.grad.item() == 0.0
    assert x.grad == 0.0


def test_nan_upstream_through_zero_to_the_y_is_nan() -> None:
    y = Value(2.0)
    (0.0**y).backward(math.nan)
    ty = t(2.0)
    (0.0**ty).backward(torch.tensor(math.nan, dtype=torch.float64))
    assert math.isnan(ty.grad.item())
    assert math.isnan(y.grad)


def test_x_to_the_x_to_the_zero_times_two() -> None:
    x = Value(-4.0)
    (x ** ((x**0) * 2)).backward()
    tx = t(-4.0)
    (tx ** ((tx**0) * 2)).backward()
    assert tx.grad.item() == -8.0
    assert x.grad == -8.0


def test_linear_checks_its_weights_and_bias() -> None:
    with pytest.raises(TypeError, match=r"weights\[0\].*'float'"):
        linear([1.0], [Value(2.0)], Value(0.0))  # type: ignore[list-item]  # the point of the test
    with pytest.raises(TypeError, match=r"bias.*'float'"):
        linear([Value(1.0)], [Value(2.0)], 0.0)  # type: ignore[arg-type]


def test_value_of_a_value_says_so() -> None:
    with pytest.raises(TypeError, match="got a Value"):
        Value(Value(1.0))  # type: ignore[arg-type]  # the point of the test


def test_pow_overflow_raises_like_exp() -> None:
    with pytest.raises(OverflowError, match=r"pow: 10\.0 \*\* 400"):
        Value(10.0) ** 400
    with pytest.raises(OverflowError, match="pow"):
        Value(10.0) ** Value(400.0)
    with pytest.raises(OverflowError, match="exp"):
        Value(710.0).exp()


def test_ctrl_c_during_backward_changes_no_gradient() -> None:
    # A KeyboardInterrupt raised in the middle of the chain rule (here by an
    # anomaly-mode check standing in for the signal) must restore every grad.
    a = Value(2.0)
    a.grad = 5.0
    b = a * a + a
    calls = 0

    import micrograd.engine as engine

    original = engine.check_grads

    def interrupt(node: Value) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    engine.check_grads = interrupt
    try:
        with detect_anomaly(), pytest.raises(KeyboardInterrupt):
            b.backward()
    finally:
        engine.check_grads = original
    assert (a.grad, b.grad) == (5.0, 0.0)
    assert all(isinstance(v.grad, float) for v in (a, b, *b._prev))
