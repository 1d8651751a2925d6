"""grad (any order) and jvp, against PyTorch float64."""

from __future__ import annotations

import math

import pytest

from micrograd import engine
from micrograd.engine import BUILTIN_OPS, Op, Value, grad, jvp

torch = pytest.importorskip("torch")

from torch_twins import TORCH_TWINS  # noqa: E402  (after the skip: it imports torch)

# Where every op is smooth (relu and abs away from their kink), inside its domain.
POINTS = {1: [(0.7,), (1.9,)], 2: [(0.7, 1.3), (1.9, -0.6)]}
TORCH = TORCH_TWINS
OPS = [op for op in TORCH if op is not engine.LINEAR]  # LINEAR: test_linear_second_derivatives


def _t(x: float) -> object:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _torch_derivative(y: object, x: object) -> object:
    if not y.requires_grad:  # a constant (the derivative of a + b, say): its derivative is 0
        return torch.zeros((), dtype=torch.float64)
    (d,) = torch.autograd.grad(y, x, create_graph=True, allow_unused=True)
    return torch.zeros((), dtype=torch.float64) if d is None else d


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_first_second_and_third_derivatives_of_every_op(op: Op) -> None:
    arity = 2 if op.arity == 2 else 1
    for point in POINTS[arity]:
        for k in range(arity):  # differentiate three times with respect to input k
            vs = [Value(x) for x in point]
            ts = [_t(x) for x in point]
            y, ty = op(*vs), TORCH[op](*ts)
            for order in (1, 2, 3):
                (y,) = grad(y, [vs[k]], create_graph=True)
                ty = _torch_derivative(ty, ts[k])
                assert _close(y.data, ty.item()), (op, point, k, order, y.data, ty.item())


@pytest.mark.parametrize("op", [o for o in OPS if o.arity == 2], ids=str)
def test_mixed_second_partials_of_binary_ops(op: Op) -> None:
    for point in POINTS[2]:
        a, b = (Value(x) for x in point)
        ta, tb = (_t(x) for x in point)
        (da,) = grad(op(a, b), [a], create_graph=True)
        (dab,) = grad(da, [b])
        tdab = _torch_derivative(_torch_derivative(TORCH[op](ta, tb), ta), tb)
        assert _close(dab.data, tdab.item())


def test_relu_and_abs_have_second_derivative_zero() -> None:
    for op, at in ((engine.RELU, 1.7), (engine.ABS, -1.7)):
        x = Value(at)
        (d1,) = grad(op(x) * op(x), [x], create_graph=True)
        (d2,) = grad(d1, [x])
        assert d2.data == pytest.approx(2.0)  # d2(f**2) = 2 f'**2 + 2 f f'' and f'' = 0
        (dd,) = grad(grad(op(x), [x], create_graph=True)[0], [x])
        assert dd.data == 0.0


def test_linear_second_derivatives() -> None:
    w, x, b = Value(0.3), Value(-1.2), Value(0.5)
    y = engine.linear([w], [x], b).tanh()
    tw, tx, tb = _t(0.3), _t(-1.2), _t(0.5)
    ty = torch.tanh(tb + tw * tx)
    (dw,) = grad(y, [w], create_graph=True)
    for v, tv in ((w, tw), (x, tx), (b, tb)):
        (d2,) = grad(dw, [v])
        assert _close(d2.data, _torch_derivative(_torch_derivative(ty, tw), tv).item())


def test_hessian_of_a_small_neuron_loss_matches_torch() -> None:
    x, target = [0.5, -1.5, 2.0], 0.25

    def loss(w0: object, w1: object, w2: object, bias: object) -> object:
        z = bias + w0 * x[0] + w1 * x[1] + w2 * x[2]
        return (z.tanh() - target) ** 2 if isinstance(z, Value) else (torch.tanh(z) - target) ** 2

    point = [0.1, -0.4, 0.3, 0.05]
    vs = [Value(p) for p in point]
    first = grad(loss(*vs), vs, create_graph=True)
    hessian = [[g.data for g in grad(d, vs)] for d in first]
    expected = torch.autograd.functional.hessian(
        lambda *ts: loss(*ts), tuple(torch.tensor(p, dtype=torch.float64) for p in point)
    )
    for i in range(4):
        for j in range(4):
            assert _close(hessian[i][j], expected[i][j].item())


def test_grad_writes_no_grad_and_matches_backward() -> None:
    a, b = Value(1.5), Value(-0.5)
    y = (a * b + a.sin()) / (b * b + 1)
    da, db = grad(y, [a, b])
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)
    y.backward()
    assert (da.data, db.data) == pytest.approx((a.grad, b.grad), rel=1e-15)
    assert da._prev == () and db._prev == ()  # without create_graph: leaves


def test_unused_input_gets_zero() -> None:
    a, b = Value(2.0), Value(3.0)
    assert [g.data for g in grad(a * a, [a, b])] == [4.0, 0.0]
    assert [g.data for g in grad(a * a, [b], create_graph=True)] == [0.0]


def test_pow_with_value_exponent_to_third_order() -> None:
    a, b = Value(1.7), Value(0.8)
    ta, tb = _t(1.7), _t(0.8)
    y, ty = a**b, ta**tb
    for v, tv in ((b, tb), (a, ta), (b, tb)):  # d3 / db da db
        (y,) = grad(y, [v], create_graph=True)
        ty = _torch_derivative(ty, tv)
        assert _close(y.data, ty.item())


def test_grad_errors_are_clear() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match="differentiates a Value"):
        grad(3.0, [a])  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(TypeError, match="as a list"):
        grad(a * 2, a)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(a * 2, [a, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="create_graph"):
        grad(a * 2, [a], create_graph="yes")  # type: ignore[arg-type]


def test_jvp_equals_the_directional_derivative_and_torch() -> None:
    a, b, c = Value(0.4), Value(-1.1), Value(2.0)
    y = (a * b).tanh() + (c / (a * a + 1)).log() + a ** b.abs()
    tangents = {a: 0.3, b: -2.0, c: 1.5}
    reverse = sum(g.data * tangents[v] for g, v in zip(grad(y, [a, b, c]), [a, b, c]))
    mine = jvp(y, tangents)
    assert mine == pytest.approx(reverse, rel=1e-12)

    def f(ta: object, tb: object, tc: object) -> object:
        return torch.tanh(ta * tb) + torch.log(tc / (ta * ta + 1)) + ta ** torch.abs(tb)

    primals = tuple(torch.tensor(v, dtype=torch.float64) for v in (0.4, -1.1, 2.0))
    directions = tuple(torch.tensor(t, dtype=torch.float64) for t in (0.3, -2.0, 1.5))
    _, expected = torch.func.jvp(f, primals, directions)
    assert mine == pytest.approx(expected.item(), rel=1e-12)


def test_jvp_errors_are_clear() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match="mapping"):
        jvp(a * 2, [a])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keys"):
        jvp(a * 2, {1.0: 1.0})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="real number"):
        jvp(a * 2, {a: "x"})  # type: ignore[dict-item]
    assert jvp(a * 2, {}) == 0.0


def test_a_user_op_in_backward_grad_and_jvp() -> None:
    cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    x = Value(1.5)
    y = cube(x) * 2
    y.backward()
    assert x.grad == pytest.approx(2 * 3 * 1.5**2)
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.data, d2.data, d3.data) == pytest.approx((13.5, 18.0, 12.0))
    assert jvp(y, {x: 2.0}) == pytest.approx(27.0)


def test_every_builtin_op_is_covered() -> None:
    assert set(BUILTIN_OPS) - set(OPS) == {engine.LINEAR}  # LINEAR: test_linear_second_derivatives
