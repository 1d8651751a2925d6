"""compile_fn / CompiledFunction (micrograd.compiled) against the eager engine and PyTorch."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from compiled_support import ATOL, RTOL, compiled_batch, eager_batch, moons_like

from micrograd.compiled import TracingError, compile_fn, per_sample_loss, svm_loss_fn
from micrograd.engine import AnomalyError, Value, linear, values
from micrograd.losses import cross_entropy, logsumexp
from micrograd.nn import MLP

# ---------------------------------------------------------------------------
# Equality with the eager engine
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nin", "nouts", "activation", "fused", "batch"),
    [
        (2, [16, 16, 1], "relu", True, 100),
        (3, [8, 1], "tanh", True, 7),
        (4, [5, 6, 1], "sigmoid", True, 13),
        (2, [4, 4, 1], "relu", False, 9),
        (5, [3, 1], "tanh", False, 1),
    ],
)
def test_random_mlp_svm_matches_eager(nin, nouts, activation, fused, batch):
    rng = np.random.default_rng(nin * 100 + batch)
    model = MLP(nin, nouts, activation=activation, seed=batch, fused=fused)
    params = model.parameters()
    X = rng.normal(size=(batch, nin))
    y = np.where(rng.random(batch) < 0.5, -1.0, 1.0)
    fn = svm_loss_fn(model, params)
    compiled = compile_fn(fn, (X[0], y[0]), params=params)
    result, grads = compiled_batch(compiled, (X, y), params)
    loss, per_sample, eager_grads = eager_batch(fn, (X, y), params)
    assert result.loss == pytest.approx(loss, rel=RTOL, abs=ATOL)
    np.testing.assert_allclose(result.outputs[0], per_sample, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)
    assert np.any(grads != 0)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_multi_output_mse_and_reduction(reduction):
    rng = np.random.default_rng(3)
    model = MLP(3, [6, 4], activation="tanh", final_activation="sigmoid", seed=4)
    params = model.parameters()

    def fn(x, t):
        out = model(x)
        return sum(((o - ti) ** 2 for o, ti in zip(out, t)), Value(0.0)), out

    X, T = rng.normal(size=(11, 3)), rng.random(size=(11, 4))
    compiled = compile_fn(fn, (X[0], T[0]), params=params, reduction=reduction)
    result, grads = compiled_batch(compiled, (X, T), params)
    loss, _, eager_grads = eager_batch(fn, (X, T), params, reduction)
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)
    outputs = result.outputs[1]
    assert outputs.shape == (11, 4)
    eager_out = np.array([[v.data for v in model(values(x.tolist()))] for x in X])
    np.testing.assert_allclose(outputs, eager_out, rtol=RTOL, atol=ATOL)


def test_matches_pytorch_mlp_float64():
    rng = np.random.default_rng(5)
    model = MLP(3, [7, 5, 1], activation="tanh", seed=6)
    params = model.parameters()
    X, y = rng.normal(size=(20, 3)), np.where(rng.random(20) < 0.5, -1.0, 1.0)
    compiled = compile_fn(svm_loss_fn(model, params, alpha=1e-3), (X[0], y[0]), params=params)
    result, grads = compiled_batch(compiled, (X, y), params)

    tensors = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in params]
    it = iter(tensors)
    h = torch.tensor(X)
    for layer in model.layers:
        ws, bs = [], []
        for neuron in layer.neurons:
            ws.append(torch.stack([next(it) for _ in neuron.w]))
            bs.append(next(it))
        z = h @ torch.stack(ws).T + torch.stack(bs)
        h = torch.tanh(z) if layer.activation == "tanh" else z
    score = h[:, 0]
    loss = torch.relu(1 - torch.tensor(y) * score).mean() + 1e-3 * sum(t * t for t in tensors)
    loss.backward()
    assert result.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grads, [t.grad.item() for t in tensors], rtol=1e-12, atol=1e-14)


def test_reads_current_parameter_data_and_accumulates_grads():
    rng = np.random.default_rng(7)
    model = MLP(2, [5, 1], seed=8)
    params = model.parameters()
    fn = svm_loss_fn(model, params)
    X, y = moons_like(12, rng)
    compiled = compile_fn(fn, (X[0], y[0]), params=params)
    for p in params:  # an optimizer step between calls
        p.data -= 0.3 * random.Random(1).uniform(-1, 1)
    result, grads = compiled_batch(compiled, (X, y), params)
    loss, _, eager_grads = eager_batch(fn, (X, y), params)
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)
    # Leaves accumulate across calls, as eagerly: two calls add two copies.
    compiled(X, y)
    np.testing.assert_allclose([p.grad for p in params], 2 * grads, rtol=RTOL, atol=ATOL)


def test_forward_only_does_not_touch_grads():
    model = MLP(2, [3, 1], seed=9)
    params = model.parameters()
    compiled = compile_fn(lambda x: model(x), ([0.0, 0.0],), params=params)
    X = np.array([[0.5, -1.0], [2.0, 0.25], [0.0, 0.0]])
    out = compiled.forward(X)
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [model(values(x.tolist())).data for x in X], rtol=RTOL)
    assert all(p.grad == 0.0 for p in params)
    with pytest.raises(ValueError, match="single Value"):
        compile_fn(lambda x: [model(x), model(x)], ([0.0, 0.0],))(X)


def test_parameters_discovered_and_constants_baked():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    compiled = compile_fn(lambda x: (x * a + 1.5) * b + Value(4.0), (0.0,))
    assert set(compiled.params) == {a, b}
    assert len(compiled.params) == 2
    assert compiled.tape.ops.count("const") == 2
    X = np.array([1.0, 2.0, -1.0])
    result = compiled(X)
    # loss_i = (x_i a + 1.5) b + 4;  mean over i:  dl/da = mean(x) b,  dl/db = mean(x) a + 1.5
    np.testing.assert_allclose(result.outputs, (X * 2.0 + 1.5) * -3.0 + 4.0)
    assert a.grad == pytest.approx(np.mean(X) * -3.0, rel=1e-15)
    assert b.grad == pytest.approx(np.mean(X) * 2.0 + 1.5, rel=1e-15)


def test_explicit_params_make_other_leaves_constants():
    a, b = Value(2.0), Value(3.0)
    compiled = compile_fn(lambda x: x * a * b, (1.0,), params=[a])
    compiled(np.array([1.0, 3.0]))
    assert a.grad == pytest.approx(2.0 * 3.0)
    assert b.grad == 0.0
    b.data = 100.0  # baked in at trace time
    np.testing.assert_allclose(compiled.forward(np.array([1.0])), [6.0])


def test_unused_param_and_input_get_slots():
    a, unused = Value(2.0), Value(5.0)
    compiled = compile_fn(lambda x, z: x * a, (1.0, 7.0), params=[a, unused])
    result = compiled(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    assert result.loss == pytest.approx(3.0)
    assert unused.grad == 0.0
    assert a.grad == pytest.approx(1.5)


def test_invariant_loss_seeded_per_sample():
    # A loss that does not depend on the input: its mean is itself, its sum B copies.
    a = Value(3.0)
    mean = compile_fn(lambda x: a * a, (0.0,), params=[a])
    assert mean(np.zeros(4)).loss == pytest.approx(9.0)
    assert a.grad == pytest.approx(6.0)
    a.grad = 0.0
    total = compile_fn(lambda x: a * a, (0.0,), params=[a], reduction="sum")
    assert total(np.zeros(4)).loss == pytest.approx(36.0)
    assert a.grad == pytest.approx(24.0)


# ---------------------------------------------------------------------------
# Grouping: the number of numpy steps follows depth, not size
# ---------------------------------------------------------------------------


def test_groups_scale_with_depth_not_width():
    def stats(width):
        model = MLP(3, [width, width, 1], seed=1)
        params = model.parameters()
        return compile_fn(svm_loss_fn(model, params), ([0.0] * 3, 1.0), params=params).stats

    small, large = stats(4), stats(64)
    assert large["nodes"] > 10 * small["nodes"]
    assert large["forward_groups"] == small["forward_groups"]
    assert large["backward_groups"] == small["backward_groups"]
    assert large["depth"] == small["depth"]
    assert large["forward_groups"] <= 2 * large["depth"]


def test_sum_chain_is_flattened():
    # sum() of 500 terms is a chain 500 deep; it becomes one n-ary sum.
    ps = [Value(float(i) / 100) for i in range(500)]
    compiled = compile_fn(lambda x: sum((p * x for p in ps), Value(0.0)), (1.0,), params=ps)
    assert compiled.stats["depth"] <= 3
    assert compiled.stats["forward_groups"] <= 3
    result = compiled(np.array([1.0, 3.0]))
    assert result.loss == pytest.approx(2.0 * sum(p.data for p in ps), rel=1e-13)
    np.testing.assert_allclose([p.grad for p in ps], 2.0)


def test_layer_is_one_matmul():
    model = MLP(4, [8, 1], seed=2)
    compiled = compile_fn(lambda x: model(x), ([0.0] * 4,), params=model.parameters())
    kinds = [type(g).__name__ for g in compiled._plan.groups]
    assert kinds.count("MatmulLinear") == 2  # one per layer, not one per neuron
    assert len(kinds) == 3  # linear, relu, linear


@pytest.mark.parametrize("order", ["mlp", "reversed"])
def test_a_layer_with_its_parameters_neuron_after_neuron_is_one_product_with_the_bias(order):
    # MLP order (w_j1..w_jn, b_j per neuron): [W | b] @ [X; 1], with a row of ones after the
    # layer's inputs.  Any other order: the general path.  Both give the eager numbers.
    model = MLP(4, [8, 3], seed=2)
    params = model.parameters() if order == "mlp" else model.parameters()[::-1]

    def fn(x):
        return sum((o * o for o in model(x)), Value(0.0))

    compiled = compile_fn(fn, ([0.0] * 4,), params=params)
    layers = [g for g in compiled._plan.groups if type(g).__name__ == "MatmulLinear"]
    assert len(layers) == 2
    assert all((g.augmented is not None) == (order == "mlp") for g in layers)
    assert len(compiled._plan.ones_rows) == (2 if order == "mlp" else 0)
    X = np.random.default_rng(3).normal(size=(9, 4))
    result, grads = compiled_batch(compiled, (X,), params)
    loss, _, eager_grads = eager_batch(fn, (X,), params)
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)


def test_linear_nodes_of_one_level_and_fan_in_are_one_group():
    # Two towers reading the same input: their first layers are one matmul;
    # their second layers read different hidden units and become one batched
    # (k, n, batch) product, not one call per tower.
    left, right = MLP(3, [4, 4, 1], seed=20), MLP(3, [4, 4, 1], seed=21)
    params = left.parameters() + right.parameters()

    def fn(x, y):
        return (1 - y * (left(x) + right(x))).relu()

    rng = np.random.default_rng(22)
    X, y = rng.normal(size=(8, 3)), np.where(rng.random(8) < 0.5, -1.0, 1.0)
    both = compile_fn(fn, (X[0], y[0]), params=params)
    one = compile_fn(lambda x, y: (1 - y * left(x)).relu(), (X[0], y[0]), params=left.parameters())
    kinds = [type(g).__name__ for g in both._plan.groups]
    assert kinds.count("MatmulLinear") == 1
    assert kinds.count("BatchedLinear") == 2
    assert both.stats["forward_groups"] == one.stats["forward_groups"] + 1  # + the towers' sum
    result, grads = compiled_batch(both, (X, y), params)
    loss, _, eager_grads = eager_batch(fn, (X, y), params)
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)


def test_extra_output_that_overflows_does_not_poison_loss_gradients():
    # The extra result log(x*b) is -inf at x = 0 and not part of the loss.  Its
    # nodes share a level and an op with the loss's (log, +, *); gradients must
    # still be the loss's alone: d loss/d b = 0, not 0 * inf = NaN.
    a, b = Value(1.0), Value(1.0)

    def fn(x):
        return (x * a + 2.0).log(), (x * b + 0.0).log()

    X = np.array([0.0, 1.0])
    compiled = compile_fn(fn, (1.0,), params=[a, b])
    result, grads = compiled_batch(compiled, (X,), [a, b])
    # Eagerly log(0) raises, so the reference is by hand: loss_i = log(x_i a + 2),
    # mean d/da = mean(x / (x a + 2)) = (0 + 1/3) / 2.
    assert result.loss == pytest.approx((math.log(2.0) + math.log(3.0)) / 2, rel=RTOL)
    assert result.outputs[1][0] == -math.inf
    assert grads[0] == pytest.approx(1 / 6, rel=RTOL)
    assert grads[1] == 0.0


# ---------------------------------------------------------------------------
# Ops the MLPs do not exercise
# ---------------------------------------------------------------------------


def test_linear_with_sample_dependent_weights_and_swapped_roles():
    w = [Value(0.5), Value(-2.0), Value(1.25)]
    b = Value(0.1)

    def fn(x, t):
        dot = linear(t, x, b)  # both sides depend on the sample
        swapped = linear(x, w, b)  # per-sample "weights", invariant "inputs"
        return dot * swapped

    rng = np.random.default_rng(11)
    X, T = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    params = [*w, b]
    compiled = compile_fn(fn, (X[0], T[0]), params=params)
    result, grads = compiled_batch(compiled, (X, T), params)
    loss, _, eager_grads = eager_batch(fn, (X, T), params)
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)


def test_mixed_domain_sum_and_repeated_operands():
    p, q = Value(0.7), Value(-1.3)

    def fn(x):
        # x + p + x*x + q*q: a flattened sum over per-sample and invariant terms,
        # with x and q repeated inside one op.
        return x + p + x * x + q * q + p * x

    X = np.array([0.5, -2.0, 3.0])
    compiled = compile_fn(fn, (0.0,), params=[p, q])
    assert any(type(g).__name__ == "SumGroup" for g in compiled._plan.groups)
    result, grads = compiled_batch(compiled, (X,), [p, q])
    loss, _, eager_grads = eager_batch(fn, (X,), [p, q])
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)


def test_logsumexp_value_grad_and_stability_vs_torch():
    zs = [1000.0, 999.0, -5.0, 0.5]
    vs = values(zs)
    out = logsumexp(vs)
    out.backward()
    t = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
    ref = torch.logsumexp(t, dim=0)
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=1e-15)
    np.testing.assert_allclose([v.grad for v in vs], t.grad.numpy(), rtol=1e-14, atol=1e-300)
    # Compiled, with per-sample maxima far apart: the shift is per sample.
    compiled = compile_fn(lambda x: logsumexp(x), ([0.0] * 4,))
    X = np.array([zs, [-1000.0, -1001.0, -999.5, -1200.0]])
    expected = torch.logsumexp(torch.tensor(X), dim=1).numpy()
    np.testing.assert_allclose(compiled.forward(X), expected, rtol=1e-15)
    assert logsumexp([-math.inf, -math.inf]).data == -math.inf


def test_softmax_cross_entropy_matches_torch():
    model = MLP(5, [7, 4], seed=12)
    params = model.parameters()
    fn = per_sample_loss(model, "cross_entropy", 4)
    rng = np.random.default_rng(13)
    X = rng.normal(size=(9, 5)) * 3
    labels = rng.integers(0, 4, size=9)
    compiled = compile_fn(fn, (X[0], np.eye(4)[0]), params=params)
    result, grads = compiled_batch(compiled, (X, np.eye(4)[labels]), params)
    for p in params:
        p.grad = 0.0
    eager = cross_entropy([model(values(x.tolist())) for x in X], labels.tolist())
    eager.backward()
    assert result.loss == pytest.approx(eager.data, rel=1e-12)
    np.testing.assert_allclose(grads, [p.grad for p in params], rtol=1e-12, atol=1e-14)


def test_pow_value_and_special_values_match_eager():
    a, b = Value(1.5), Value(0.5)

    def fn(x):
        return (x.abs() + a) ** b + (x * b) ** 3 + (x.abs() + 1) ** -0.5 + (x + a).log() / (x.exp() + 1)

    X = np.array([0.25, -1.0, 2.0, 0.0])
    compiled = compile_fn(fn, (0.0,), params=[a, b])
    result, grads = compiled_batch(compiled, (X,), [a, b])
    _, per_sample, eager_grads = eager_batch(fn, (X,), [a, b])
    np.testing.assert_allclose(result.outputs, per_sample, rtol=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=ATOL)
    # 0 ** b with b >= 0: d/db is 0 (PyTorch convention), not NaN.
    zero_base = compile_fn(lambda x: x**b, (0.0,), params=[b])
    b.grad = 0.0
    zero_base(np.array([0.0]))
    assert b.grad == 0.0


def test_check_finite_names_the_op():
    a = Value(1.0)
    compiled = compile_fn(lambda x: (x * a).log(), (1.0,), params=[a], check_finite=True)
    with pytest.raises(AnomalyError, match="'log'"):
        compiled(np.array([1.0, -1.0]))
    quiet = compile_fn(lambda x: (x * a).log(), (1.0,), params=[a])
    out = quiet.forward(np.array([1.0, -1.0]))
    assert out[0] == 0.0 and math.isnan(out[1])


def test_check_finite_covers_gradients_and_leaves_grads_untouched():
    # sqrt at 0 is finite forward but its derivative 0.5 * 0 ** -0.5 is inf.
    a = Value(2.0)
    compiled = compile_fn(lambda x: (x * a) ** 0.5, (1.0,), params=[a], check_finite=True)
    compiled(np.array([1.0, 4.0]))  # all finite: no error
    a.grad = 0.25
    with pytest.raises(AnomalyError, match=r"backward of compiled op '\*\*0\.5'.*gradient"):
        compiled(np.array([1.0, 0.0]))
    assert a.grad == 0.25
    quiet = compile_fn(lambda x: (x * a) ** 0.5, (1.0,), params=[a])
    quiet(np.array([1.0, 0.0]))
    assert math.isnan(a.grad)  # as eagerly: d/da = inf * x = inf * 0


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: compile_fn(42, (1.0,)), TypeError, "callable"),
        (lambda: compile_fn(lambda x: x, 1.0), TypeError, "example_inputs"),
        (lambda: compile_fn(lambda x: x, (["a"],)), TypeError, "real number"),
        (lambda: compile_fn(lambda x: 3.0, (1.0,)), TracingError, "must return"),
        (lambda: compile_fn(lambda x: x, (1.0,), reduction="max"), ValueError, "reduction"),
        (lambda: compile_fn(lambda x: x, (1.0,), params=[1.0]), TypeError, "params"),
        (lambda: compile_fn(lambda x: x, (1.0,), params=[Value(1.0) + 1]), ValueError, "not a leaf"),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_batches():
    a = Value(1.0)
    compiled = compile_fn(lambda x, y: x[0] * a + y, ([0.0, 0.0], 0.0), params=[a])
    with pytest.raises(TypeError, match="2 batch arguments"):
        compiled(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(B, 2\)"):
        compiled(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(B,\)"):
        compiled(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="samples"):
        compiled(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        compiled(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match="not numeric"):
        compiled(np.zeros((3, 2)), ["a", "b", "c"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([1.0, 1.0], r"params\[0\] is a 'float', not a Value"),
        ([[1.0]], r"params\[0\] is a 'list', not a Value"),
        (Value(1.0), "params must be a sequence of Values, got 'Value'"),
    ],
)
def test_bad_params_are_named(params, message):
    # Each entry's type is checked before duplicates: two floats are not "the
    # same Value twice", and a list entry is not "unhashable".
    with pytest.raises(TypeError, match=message):
        compile_fn(lambda x: x, (1.0,), params=params)


def test_function_without_inputs_is_refused_when_compiled():
    # The batch size comes from the inputs; without any, every call failed
    # later with a misleading "the batch is empty".
    a = Value(2.0)
    with pytest.raises(ValueError, match="at least one input"):
        compile_fn(lambda: a * a, (), params=[a])
