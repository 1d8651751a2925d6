"""Tests for the neural-network building blocks (Module, Neuron, Layer, MLP)."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Module, Neuron


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def neuron_with(weights: list[float], bias: float, activation: str | None, fused: bool = True) -> Neuron:
    n = Neuron(len(weights), activation, seed=0, fused=fused)
    for w, value in zip(n.w, weights):
        w.data = value
    n.b.data = bias
    return n


# ---------------------------------------------------------------------------
# Neuron
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "act"),
    [
        ("relu", lambda z: max(0.0, z)),
        ("tanh", math.tanh),
        ("sigmoid", sigmoid),
        (None, lambda z: z),
    ],
)
@pytest.mark.parametrize("fused", [True, False])
def test_neuron_computes_activation_of_affine_map(activation: str | None, act: Any, fused: bool) -> None:
    n = neuron_with([0.5, -2.0, 1.5], 0.25, activation, fused)
    for x in ([1.0, 2.0, 3.0], [1.0, 0.5, -1.0], [-1.0, -1.0, 0.0]):
        z = 0.25 + 0.5 * x[0] - 2.0 * x[1] + 1.5 * x[2]
        out = n(x)
        assert isinstance(out, Value)
        assert out.data == pytest.approx(act(z), rel=1e-15, abs=1e-300)


def test_neuron_gradients() -> None:
    # out = tanh(b + w.x):  d/dw_i = (1 - out**2) x_i,  d/db = 1 - out**2,  d/dx_i = (1 - out**2) w_i
    n = neuron_with([0.5, -2.0], 0.25, "tanh")
    xs = [Value(1.0), Value(-0.5)]
    out = n(xs)
    out.backward()
    d = 1 - math.tanh(0.25 + 0.5 + 1.0) ** 2
    assert [w.grad for w in n.w] == pytest.approx([d * 1.0, d * -0.5], rel=1e-14, abs=0)
    assert n.b.grad == pytest.approx(d, rel=1e-14, abs=0)
    assert [x.grad for x in xs] == pytest.approx([d * 0.5, d * -2.0], rel=1e-14, abs=0)


def test_neuron_reference_nonlin_keyword() -> None:
    assert Neuron(3, nonlin=True).activation == "relu"
    assert Neuron(3, nonlin=False).activation is None
    assert Neuron(3).activation == "relu"  # the reference's default
    n = Neuron(2, nonlin=False, seed=1)
    for w in n.w:
        w.data = -1.0
    assert n([1.0, 1.0]).data == -2.0  # linear: no relu clipping


def test_neuron_init_and_parameters() -> None:
    n = Neuron(5, seed=3)
    assert n.nin == 5
    assert len(n.parameters()) == 6
    assert n.parameters()[-1] is n.b
    assert n.b.data == 0.0
    assert all(-1.0 <= w.data <= 1.0 for w in n.w)
    assert len({w.data for w in n.w}) == 5
    assert [name for name, _ in n.named_parameters()] == ["w.0", "w.1", "w.2", "w.3", "w.4", "b"]


@pytest.mark.parametrize("nin", [0, -1])
def test_neuron_rejects_bad_nin(nin: Any) -> None:
    with pytest.raises(ValueError, match="nin must be an integer >= 1"):
        Neuron(nin)


@pytest.mark.parametrize("nin", [2.5, "3", True])
def test_neuron_rejects_a_nin_that_is_not_an_integer(nin: Any) -> None:
    # micrograd.validate.check_int: a wrong type is a TypeError (it was a ValueError).
    with pytest.raises(TypeError, match="nin must be an integer"):
        Neuron(nin)


def test_unknown_activation_is_rejected() -> None:
    with pytest.raises(ValueError, match="softmax"):
        Neuron(2, "softmax")
    with pytest.raises(ValueError, match="gelu"):
        MLP(2, [3, 1], "gelu")
    with pytest.raises(ValueError, match="elu"):
        MLP(2, [3, 1], final_activation="elu")


# ---------------------------------------------------------------------------
# Layer and MLP shapes
# ---------------------------------------------------------------------------


def test_layer_always_returns_a_list() -> None:
    one = Layer(3, 1, seed=0)
    out = one([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    four = Layer(3, 4, "tanh", seed=0)
    assert len(four([1.0, 2.0, 3.0])) == 4
    assert (four.nin, four.nout, four.activation) == (3, 4, "tanh")
    with pytest.raises(ValueError, match="nout"):
        Layer(3, 0)


def test_mlp_returns_value_for_one_output_else_list() -> None:
    single = MLP(2, [4, 1], seed=0)
    out = single([0.5, -0.5])
    assert isinstance(out, Value)
    multi = MLP(2, [4, 3], seed=0)
    outs = multi([0.5, -0.5])
    assert isinstance(outs, list) and len(outs) == 3
    assert all(isinstance(o, Value) for o in outs)
    assert (multi.nin, multi.nouts) == (2, [4, 3])


def test_mlp_last_layer_is_linear_by_default() -> None:
    model = MLP(2, [3, 3, 2], "relu", seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", None]
    assert model(np.array([0.3, 0.7]))[0]._op == "linear"  # type: ignore[index]
    # A linear output can be negative: make it so with negative last weights.
    for n in model.layers[-1].neurons:
        n.b.data = -5.0
    outs = model([0.3, 0.7])
    assert isinstance(outs, list)
    assert all(o.data < 0 for o in outs)
    tanh_head = MLP(2, [3, 1], "relu", final_activation="tanh", seed=0)
    assert [layer.activation for layer in tanh_head.layers] == ["relu", "tanh"]
    out = tanh_head([0.3, 0.7])
    assert isinstance(out, Value) and out._op == "tanh"


def test_mlp_equals_its_layers_composed() -> None:
    model = MLP(3, [4, 2], "tanh", seed=5)
    x = [0.1, -0.2, 0.3]
    hidden = model.layers[0](x)
    expected = model.layers[1](hidden)
    got = model(x)
    assert isinstance(got, list)
    assert [o.data for o in got] == [o.data for o in expected]


def test_mlp_rejects_bad_nouts() -> None:
    for bad in (3, [], "12", None):
        with pytest.raises(ValueError, match=r"nouts?"):
            MLP(2, bad)  # type: ignore[arg-type]  # the point of the test


@pytest.mark.parametrize("module", [Neuron(3, seed=0), Layer(3, 2, seed=0), MLP(3, [2, 1], seed=0)])
def test_wrong_input_length_names_expected_and_got(module: Any) -> None:
    with pytest.raises(ValueError, match=r"expects 3 inputs, got 2"):
        module([1.0, 2.0])
    with pytest.raises(ValueError, match=r"expects 3 inputs, got 4"):
        module([1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("bad", ["abc", 3.0, None])
def test_non_sequence_input_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        MLP(3, [2, 1], seed=0)(bad)


@pytest.mark.parametrize("module", [Neuron(2, seed=0), Layer(2, 3, seed=0), MLP(2, [3, 1], seed=0)])
@pytest.mark.parametrize(
    ("batch", "got"),
    [
        (np.zeros((5, 2)), "an array of shape (5, 2)"),
        (np.zeros((2, 2)), "an array of shape (2, 2)"),  # as many rows as inputs: still a batch
        (np.zeros((1, 2)), "an array of shape (1, 2)"),
        ([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], "a list of 3 rows"),
        ([(0.0, 1.0)], "a list of 1 row"),
        ([np.zeros(2), np.ones(2)], "a list of 2 rows"),
    ],
)
def test_a_batch_is_refused_with_how_to_run_it_per_row(module: Any, batch: Any, got: str) -> None:
    # Was "an operand of 'values()' needs a real number ..., got 'ndarray'": nothing about batches.
    with pytest.raises(TypeError) as exc:
        module(batch)
    message = str(exc.value)
    assert message.startswith(f"{type(module).__name__} takes one sample per call (a sequence of 2 numbers)")
    assert got in message
    assert "call the model per row: [model(x) for x in X]" in message
    assert "micrograd.train.predict(model, X)" in message


def test_the_per_row_advice_of_the_batch_error_works() -> None:
    from micrograd.train import predict

    model, X = MLP(2, [3, 1], seed=0), np.array([[0.5, -1.0], [2.0, 0.25]])
    outputs = [model(x) for x in X]  # what the message says to do
    assert [o.data for o in outputs] == [model(list(x)).data for x in X.tolist()]  # type: ignore[union-attr]
    assert predict(model, X) == [int(o.data > 0) for o in outputs]  # type: ignore[union-attr]


def test_a_bad_number_in_a_sample_is_not_called_a_batch() -> None:
    for bad in (["a", 1.0], [None, 1.0], [np.array(1.0), 1.0]):
        with pytest.raises(TypeError, match="needs a real number") as exc:
            MLP(2, [3, 1], seed=0)(bad)  # type: ignore[arg-type]  # the point of the test
        assert "one sample per call" not in str(exc.value)


def test_inputs_may_be_numbers_values_tuples_or_numpy_rows() -> None:
    model = MLP(2, [3, 1], seed=0)
    ref = model([0.5, -1.0])
    assert isinstance(ref, Value)
    for x in ((0.5, -1.0), np.array([0.5, -1.0]), [np.float64(0.5), np.int64(-1)], [Value(0.5), -1]):
        out = model(x)
        assert isinstance(out, Value)
        assert out.data == ref.data


def test_gradient_reaches_value_inputs() -> None:
    model = MLP(2, [3, 1], "tanh", seed=0)
    xs = [Value(0.5), Value(-1.0)]
    out = model(xs)
    assert isinstance(out, Value)
    out.backward()
    assert all(x.grad != 0.0 for x in xs)


# ---------------------------------------------------------------------------
# Parameters, names, zero_grad
# ---------------------------------------------------------------------------


def test_parameters_count_and_named_parameters() -> None:
    model = MLP(3, [4, 4, 1], seed=0)
    params = model.parameters()
    assert len(params) == (3 * 4 + 4) + (4 * 4 + 4) + (4 * 1 + 1)
    assert len(set(params)) == len(params)
    named = model.named_parameters()
    assert [p for _, p in named] == params
    names = [name for name, _ in named]
    assert len(set(names)) == len(names)
    lookup = dict(named)
    assert lookup["layers.0.neurons.3.w.1"] is model.layers[0].neurons[3].w[1]
    assert lookup["layers.2.neurons.0.b"] is model.layers[2].neurons[0].b
    assert names[:5] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.w.2",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    # stable: the same structure gives the same names
    assert names == [name for name, _ in MLP(3, [4, 4, 1], seed=1).named_parameters()]
    layer_names = [name for name, _ in model.layers[1].named_parameters()]
    assert layer_names[0] == "neurons.0.w.0" and layer_names[-1] == "neurons.3.b"


def test_zero_grad_resets_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    (out * out).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_parameter_grads_accumulate_until_zero_grad() -> None:
    model = MLP(2, [3, 1], "tanh", seed=0)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    out.backward()
    once = [p.grad for p in model.parameters()]
    out.backward()
    assert [p.grad for p in model.parameters()] == [2 * g for g in once]


def test_base_module_has_no_parameters() -> None:
    m = Module()
    assert m.parameters() == [] and m.named_parameters() == []
    m.zero_grad()


def test_reprs_are_readable() -> None:
    assert repr(Neuron(3, seed=0)) == "ReluNeuron(3)"
    assert repr(Neuron(3, None, seed=0)) == "LinearNeuron(3)"
    assert repr(Neuron(2, "sigmoid", seed=0)) == "SigmoidNeuron(2)"
    assert repr(Layer(3, 2, "tanh", seed=0)) == "Layer(3 -> 2, activation='tanh')"
    assert (
        repr(MLP(2, [16, 16, 1], seed=0)) == "MLP(2 -> [16, 16, 1], activation='relu', final_activation=None)"
    )


# ---------------------------------------------------------------------------
# Seeds and initialisation
# ---------------------------------------------------------------------------


def test_seed_none_matches_reference_micrograd_init() -> None:
    # The reference draws w ~ U(-1, 1) with the global `random`, neuron by
    # neuron, layer by layer, and sets b = 0 (no draw).
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    n_weights = 2 * 16 + 16 * 16 + 16 * 1
    expected = [random.uniform(-1, 1) for _ in range(n_weights)]
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert weights == expected
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    # and the global stream moved on by exactly that many draws
    random.seed(1337)
    MLP(2, [16, 16, 1])
    after_model = random.random()
    random.seed(1337)
    for _ in range(n_weights):
        random.uniform(-1, 1)
    assert random.random() == after_model


def test_int_seed_is_reproducible_and_leaves_global_random_alone() -> None:
    random.seed(42)
    state = random.getstate()
    a = MLP(3, [4, 2], seed=7)
    assert random.getstate() == state
    b = MLP(3, [4, 2], seed=7)
    c = MLP(3, [4, 2], seed=8)
    da = [p.data for p in a.parameters()]
    assert da == [p.data for p in b.parameters()]
    assert da != [p.data for p in c.parameters()]
    # int seed -> random.Random(seed), drawn in the same order as the reference
    rng = random.Random(7)
    assert [w.data for layer in a.layers for n in layer.neurons for w in n.w] == [
        rng.uniform(-1, 1) for _ in range(3 * 4 + 4 * 2)
    ]


def test_random_instance_seed_is_used_as_a_stream() -> None:
    state = random.getstate()
    rng = random.Random(11)
    first = Neuron(3, seed=rng)
    second = Neuron(3, seed=rng)
    assert random.getstate() == state
    check = random.Random(11)
    assert [w.data for w in first.w] == [check.uniform(-1, 1) for _ in range(3)]
    assert [w.data for w in second.w] == [check.uniform(-1, 1) for _ in range(3)]
    layer = Layer(2, 3, seed=random.Random(5))
    assert [p.data for p in layer.parameters()] == [p.data for p in Layer(2, 3, seed=5).parameters()]


def test_numpy_integer_seed_is_the_same_stream_as_the_int() -> None:
    by_numpy = MLP(2, [3, 1], seed=np.int64(7))
    by_int = MLP(2, [3, 1], seed=7)
    assert [p.data for p in by_numpy.parameters()] == [p.data for p in by_int.parameters()]


@pytest.mark.parametrize("bad", ["1", 1.5, True, np.bool_(True), np.float64(1.0), [1]])
def test_bad_seed_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [3, 1], seed=bad)


def test_fused_and_seed_do_not_change_the_draws() -> None:
    a = MLP(3, [5, 1], seed=3, fused=True)
    b = MLP(3, [5, 1], seed=3, fused=False)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


# ---------------------------------------------------------------------------
# fused=True and fused=False are the same function with the same gradients
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_fused_and_elementary_models_agree(activation: str) -> None:
    rng = random.Random(activation)
    for nouts in ([4, 1], [5, 5, 3]):
        fused = MLP(3, nouts, activation, seed=21, fused=True)
        plain = MLP(3, nouts, activation, seed=21, fused=False)
        for _ in range(3):
            x = [rng.uniform(-2, 2) for _ in range(3)]
            xf, xp = [Value(v) for v in x], [Value(v) for v in x]
            of, op = fused(xf), plain(xp)
            outs_f = of if isinstance(of, list) else [of]
            outs_p = op if isinstance(op, list) else [op]
            loss_f = sum((o * o * (i + 1) for i, o in enumerate(outs_f)), Value(0.0))
            loss_p = sum((o * o * (i + 1) for i, o in enumerate(outs_p)), Value(0.0))
            fused.zero_grad()
            plain.zero_grad()
            loss_f.backward()
            loss_p.backward()
            assert loss_f.data == pytest.approx(loss_p.data, rel=1e-12, abs=1e-12)
            for pf, pp in zip(fused.parameters(), plain.parameters()):
                assert pf.grad == pytest.approx(pp.grad, rel=1e-12, abs=1e-12)
            for a, b in zip(xf, xp):
                assert a.grad == pytest.approx(b.grad, rel=1e-12, abs=1e-12)


def test_elementary_model_builds_mul_and_add_nodes() -> None:
    out = Neuron(2, None, seed=0, fused=False)([1.0, 2.0])
    assert out._op == "+"
    assert {str(p._op) for p in out._prev} == {"+", "*"}  # Ops hash by identity, not by name


# ---------------------------------------------------------------------------
# Training works
# ---------------------------------------------------------------------------


def test_sgd_reduces_loss_on_a_tiny_problem() -> None:
    # The reference micrograd README's toy problem.
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(3, [4, 4, 1], "tanh", final_activation="tanh", seed=0)

    def loss() -> Value:
        preds = [model(x) for x in xs]
        return sum(((p - y) ** 2 for p, y in zip(preds, ys)), Value(0.0))  # type: ignore[operator]

    first = loss().data
    for _ in range(50):
        current = loss()
        model.zero_grad()
        current.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    assert loss().data < 0.1 * first


def test_importing_nn_loads_no_heavy_dependency() -> None:
    # micrograd.nn is the engine plus plain Python: numpy, graphviz, matplotlib
    # and torch belong to the modules that need them (data, viz, compiled, bridge).
    import subprocess
    import sys

    code = (
        "import sys, micrograd.nn\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(','.join(sorted(loaded & {'numpy', 'graphviz', 'matplotlib', 'torch'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
