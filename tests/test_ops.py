"""One definition per op: every op of the engine's table, evaluated on floats,
numpy arrays and Values, agrees with itself and with PyTorch; the fast paths of
``+``, ``*`` and ``relu`` agree with the ops they stand for."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from micrograd import engine
from micrograd.engine import BUILTIN_OPS, Op, Value, detect_anomaly

torch = pytest.importorskip("torch")

from torch_twins import POWERS, TORCH_TWINS  # noqa: E402  (after the skip: it imports torch)

# Inputs inside every op's domain (log needs a > 0, pow a > 0 for a fractional b).
SAMPLES = [(0.7, 1.3), (2.0, -0.5), (1.9, 3.0), (0.05, 0.25)]


def _inputs(op: Op, a: float, b: float) -> tuple[float, ...]:
    if op is engine.LINEAR:
        return (b, a, -b, 0.5, a * b)  # bias, w1, w2, x1, x2
    return (a, b) if op.arity == 2 else (a,)


TORCH = TORCH_TWINS
ALL_OPS = [*BUILTIN_OPS, *POWERS]


def test_every_op_of_the_engine_is_in_the_table() -> None:
    defined = {v for v in vars(engine).values() if isinstance(v, Op)}
    assert defined <= set(BUILTIN_OPS), defined - set(BUILTIN_OPS)
    assert set(TORCH) >= set(ALL_OPS)


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_op_matches_torch_forward_and_partials(op: Op, a: float, b: float) -> None:
    xs = _inputs(op, a, b)
    out = op.forward(*xs)
    partials = op.partials(*xs, out)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = TORCH[op](*ts)
    t_grads = torch.autograd.grad(t_out, ts)
    assert out == pytest.approx(t_out.item(), rel=1e-12)
    assert len(partials) == len(xs)
    for mine, theirs in zip(partials, t_grads):
        assert mine == pytest.approx(theirs.item(), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
def test_op_on_arrays_equals_op_on_floats(op: Op) -> None:
    # numpy's vectorised tanh and pow may differ from the C library's by an ulp.
    columns = [np.array(column) for column in zip(*(_inputs(op, a, b) for a, b in SAMPLES))]
    out = op.forward(*columns)
    partials = op.partials(*columns, out)
    for i, (a, b) in enumerate(SAMPLES):
        xs = _inputs(op, a, b)
        assert out[i] == pytest.approx(op.forward(*xs), rel=1e-15)
        for k, p in enumerate(op.partials(*xs, op.forward(*xs))):
            assert np.broadcast_to(partials[k], out.shape)[i] == pytest.approx(p, rel=1e-15)


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
def test_op_partials_on_values_equal_the_floats(op: Op) -> None:
    # The partials evaluated on Values are graphs (the basis of higher-order
    # derivatives); their data must be the float partials.
    for a, b in SAMPLES:
        xs = _inputs(op, a, b)
        vs = [Value(x) for x in xs]
        node = op(*vs)
        symbolic = op.partials(*vs, node)
        for k, p in enumerate(node._local):
            got = symbolic[k].data if isinstance(symbolic[k], Value) else float(symbolic[k])
            assert got == pytest.approx(p, rel=1e-15)


@pytest.mark.parametrize("name", ["+", "*", "relu"])
def test_fast_paths_equal_their_op(name: str) -> None:
    rng = random.Random(0)
    specials = [0.0, -0.0, 1.0, -2.5, math.inf, -math.inf, math.nan, 1e308, 5e-324]
    pairs = [(rng.uniform(-5, 5), rng.uniform(-5, 5)) for _ in range(200)]
    pairs += [(x, y) for x in specials for y in specials]
    op = {"+": engine.ADD, "*": engine.MUL, "relu": engine.RELU}[name]
    for x, y in pairs:
        a, b = Value(x), Value(y)
        fast = a.relu() if name == "relu" else (a + b if name == "+" else a * b)
        with detect_anomaly(False):  # still the fast path: check the generic call too
            generic = op(a) if name == "relu" else op(a, b)
        assert fast._op is op and generic._op is op
        assert fast._prev == generic._prev
        assert math.copysign(1, fast.data) == math.copysign(1, generic.data) or math.isnan(fast.data)
        assert repr(fast.data) == repr(generic.data)
        assert [repr(v) for v in fast._local] == [repr(v) for v in generic._local]


def test_fast_paths_with_a_number_operand_equal_their_op() -> None:
    a = Value(1.5)
    for fast, generic in [
        (a + 2.5, engine.ADD(a, 2.5)),
        (2.5 + a, engine.ADD(2.5, a)),
        (a * -3, engine.MUL(a, -3)),
        (-3 * a, engine.MUL(-3, a)),
    ]:
        assert fast._op is generic._op
        assert fast.data == generic.data
        assert [p.data for p in fast._prev] == [p.data for p in generic._prev]
        assert fast._local == tuple(generic._local)


def test_fused_neuron_fast_path_equals_linear() -> None:
    rng = random.Random(1)
    for n in (1, 2, 5, 16):
        bias = Value(rng.uniform(-1, 1))
        ws = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        xs = [Value(rng.uniform(-3, 3)) for _ in range(n)]
        fast = engine.fused_neuron(bias, ws, xs)
        generic = engine.LINEAR(bias, *ws, *xs)
        assert fast._op is generic._op is engine.LINEAR
        assert fast._prev == generic._prev
        assert fast.data == generic.data
        assert tuple(fast._local) == tuple(generic._local)
    with detect_anomaly():  # the generic path, which checks
        assert engine.fused_neuron(bias, ws, xs).data == fast.data


def test_generic_path_is_taken_when_a_mode_is_on() -> None:
    # detect_anomaly() turns the fast paths off; results must not change.
    a, b = Value(1.5), Value(-2.0)
    plain = ((a * b + a).relu() + b * b).data
    with detect_anomaly():
        checked = ((a * b + a).relu() + b * b).data
    assert plain == checked


def test_user_op_defined_like_the_builtins() -> None:
    cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    x = Value(2.0)
    y = cube(x) * 2
    y.backward()
    assert (y.data, x.grad) == (16.0, 24.0)
    assert cube(3).data == 27.0  # numbers are lifted like operands of built-in ops
    assert y._prev[0]._op is cube and y._prev[0]._op == "cube"


def test_user_op_errors_say_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="takes 1 input"):
        Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))(Value(1.0), Value(2.0))
    with pytest.raises(TypeError, match="gave 2 derivatives for 1 inputs"):
        Op("bad", lambda a: a, lambda a, out: (1.0, 2.0))(Value(1.0))
    with pytest.raises(TypeError, match=r"forward of op 'text'.*'str'"):
        Op("text", lambda a: "x", lambda a, out: (1.0,))(Value(1.0))
    with pytest.raises(TypeError, match="non-empty str"):
        Op("", abs, abs)
    with pytest.raises(TypeError, match="must be functions"):
        Op("x", 3, abs)  # type: ignore[arg-type]  # the point of the test


def test_ops_equal_their_name_but_hash_by_identity() -> None:
    mine = Op("relu", abs, lambda a, out: (1.0,))
    assert mine == "relu" and engine.RELU == "relu"
    assert mine != engine.RELU
    assert len({mine, engine.RELU}) == 2
    assert "op: " + engine.ADD == "op: +"
