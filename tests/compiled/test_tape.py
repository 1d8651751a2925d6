"""Tracing (micrograd.compiled.tape and .guard): the flat tape, the guard, stop-gradients."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from compiled_support import ATOL, RTOL, compiled_batch, eager_batch

from micrograd import engine
from micrograd.compiled import STOP_GRADIENT, TracingError, compile_fn, is_tracing, trace_tape
from micrograd.engine import Op, Value, no_grad, power_op

# What tracing patches, as it was before any trace.
ORIGINAL_INIT = Value.__dict__["__init__"]
ORIGINAL_CALL = Op.__dict__["apply"]


def test_trace_records_a_flat_tape():
    a = Value(2.0)
    tape = trace_tape(lambda x: (x * a + 1.0).relu() ** 2, (0.5,), params=[a])
    assert tape.ops.count("input") == 1
    assert tape.ops.count("param") == 1
    assert tape.ops.count("const") == 1
    # A slot holds the Op object itself; a constant exponent lives in its op.
    square = power_op(2.0)
    assert square in tape.ops
    s = tape.ops.index(square)
    assert tape.ops[s] is square and square.forward(3.0) == 9.0
    assert tape.data[s] == (0.5 * 2.0 + 1.0) ** 2
    assert all(isinstance(op, Op) for op, args in zip(tape.ops, tape.args) if args)
    for slot, args in enumerate(tape.args):
        assert all(arg < slot for arg in args)  # operands come first
    assert "slots" in tape.summary()


def test_detach_is_a_stop_gradient_while_tracing():
    a = Value(2.0)
    compiled = compile_fn(lambda x: x * a * (x * a).detach(), (1.0,), params=[a])
    X = np.array([1.0, 3.0])
    result = compiled(X)
    # loss_i = (x a) * stop(x a): value x^2 a^2, gradient only through the first factor: x * (x a).
    np.testing.assert_allclose(result.outputs, (X * 2.0) ** 2)
    assert a.grad == pytest.approx(np.mean(X * X * 2.0))


@pytest.mark.parametrize("explicit_params", [True, False])
def test_no_grad_block_inside_the_function_matches_eager(explicit_params):
    # Eagerly a no_grad() result is a leaf holding this call's number; compiled
    # it must be recomputed per sample and pass no gradient, not be frozen at
    # the example's number (or, without params=, be taken for a parameter).
    w, b = Value(0.75), Value(-0.5)

    def fn(x):
        with no_grad():
            scale = (x * w + b).tanh()  # depends on the sample and on w, b
        return (x * w + b) * scale + w * w

    X = np.array([1.0, -2.0, 0.5, 3.0])
    compiled = compile_fn(fn, (1.0,), params=[w, b] if explicit_params else None)
    assert list(compiled.params) == [w, b]
    result, grads = compiled_batch(compiled, (X,), [w, b])
    _, per_sample, eager_grads = eager_batch(fn, (X,), [w, b])
    np.testing.assert_allclose(result.outputs, per_sample, rtol=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)
    assert engine.is_grad_enabled()


# ---------------------------------------------------------------------------
# Tracing guard and errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x if x > 0 else -x,
        lambda x: x.relu() if x.data > 0 and x < 1 else x,
        lambda x: max(x, x * 2),
        lambda x: x * 2 if x else x,
        lambda x: Value(math.floor(x)),
        lambda x: Value(float(x)),
        lambda x: x if x >= 0 else -x,
        lambda x: -x if x <= 0 else x,
    ],
)
def test_data_dependent_control_flow_is_refused(fn):
    with pytest.raises(TracingError, match=r"data-dependent control flow|float\(\)"):
        compile_fn(fn, (1.0,))
    # The guard is gone afterwards: the eager engine compares as before.
    assert not is_tracing()
    assert Value(1.0) < Value(2.0)
    assert bool(Value(0.0)) is True
    assert float(Value(2.5)) == 2.5
    assert Value(3.0).detach()._prev == ()
    assert Value.__dict__["__init__"] is ORIGINAL_INIT  # the constructor, not the recording one
    assert Op.__dict__["apply"] is ORIGINAL_CALL


def test_guard_is_removed_when_fn_raises_anything():
    before = dict(Value.__dict__)
    before_op = dict(Op.__dict__)
    patched = (engine._node, engine._set_modes, engine._grad_enabled, engine._plain)

    def broken(x):
        with no_grad():  # raising inside a no_grad() block, the Op.apply patch's path
            x * 2
            raise KeyError("boom")

    with pytest.raises(KeyError):
        trace_tape(broken, (1.0,))
    assert not is_tracing()
    assert Value(1.0) <= 1.0
    # The eager classes are exactly as they were: same methods, nothing added.
    assert dict(Value.__dict__) == before
    assert dict(Op.__dict__) == before_op
    assert (engine._node, engine._set_modes, engine._grad_enabled, engine._plain) == patched


def test_values_made_inside_the_function_are_constants_and_errors_name_value():
    class Sub(Value):
        __slots__ = ()

    compiled = compile_fn(lambda x: x * Sub(2.0) + Value(1.0, label="one"), (1.0,))
    assert compiled.tape.ops.count("const") == 2 and list(compiled.params) == []
    np.testing.assert_allclose(compiled.forward(np.array([1.0, 3.0])), [3.0, 7.0])
    # A bad constructor call fails while tracing exactly as it does eagerly.
    with pytest.raises(TypeError) as eager:
        Value()  # type: ignore[call-arg]
    message = str(eager.value)
    assert "Value" in message and "missing 1 required positional argument: 'data'" in message
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        compile_fn(lambda x: x + Value(), (1.0,))


def test_unsupported_op_is_reported():
    def custom(x):  # a node not made by an Op (user code building nodes by hand)
        return engine._node(x.data, (x,), "frobnicate", (1.0,))

    with pytest.raises(TracingError, match="frobnicate"):
        compile_fn(custom, (1.0,))


def test_cannot_trace_under_no_grad():
    with engine.no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        compile_fn(lambda x: x * 2, (1.0,))


def test_nested_no_grad_blocks_while_tracing_match_eager():
    # The inner block's exit must not re-enable recording for the rest of the outer one.
    w = Value(0.5)

    def fn(x):
        with no_grad():
            with no_grad():
                inner = x * w
            assert not engine.is_grad_enabled()  # the modes read as they do eagerly
            outer = inner + w  # still inside the outer block: detached too
        return x * w * outer

    X = np.array([1.0, -2.0, 3.0])
    compiled = compile_fn(fn, (1.0,), params=[w])
    assert sum(op is STOP_GRADIENT for op in compiled.tape.ops) == 2
    result, grads = compiled_batch(compiled, (X,), [w])
    _, per_sample, eager_grads = eager_batch(fn, (X,), [w])
    np.testing.assert_allclose(result.outputs, per_sample, rtol=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)
    assert engine.is_grad_enabled()


def test_an_op_without_operands_is_a_constant_of_the_tape():
    pi = Op("pi", lambda: math.pi, lambda out: (), 0)
    a = Value(2.0)
    compiled = compile_fn(lambda x: x * a + pi(), (0.0,), params=[a])
    assert pi in compiled.tape.ops and list(compiled.params) == [a]
    result = compiled(np.array([1.0, 3.0]))
    np.testing.assert_allclose(result.outputs, [2.0 + math.pi, 6.0 + math.pi])
    assert a.grad == pytest.approx(2.0)
