"""to_torch / from_torch: identical outputs and gradients in float64."""

from __future__ import annotations

import math
import sys

import pytest
import torch

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.torch_bridge import from_torch, to_torch

REL = 1e-12

INPUTS = [[0.5, -1.25, 2.0], [-0.3, 0.7, 0.1], [1.5, 1.5, -2.5]]


def micrograd_out_and_grads(mlp: MLP) -> tuple[list[list[float]], list[float], list[list[float]]]:
    """Outputs for INPUTS, parameter grads of sum(outputs * weights), input grads."""
    mlp.zero_grad()
    outs: list[list[float]] = []
    xs = [[Value(x) for x in row] for row in INPUTS]
    total = Value(0.0)
    for row in xs:
        out = mlp(row)
        vals = out if isinstance(out, list) else [out]
        outs.append([v.data for v in vals])
        for k, v in enumerate(vals):
            total = total + (k + 1.5) * v
    total.backward()
    return outs, [p.grad for p in mlp.parameters()], [[x.grad for x in row] for row in xs]


def torch_out_and_grads(seq: torch.nn.Sequential) -> tuple[list[list[float]], list[float], list[list[float]]]:
    seq.zero_grad()
    x = torch.tensor(INPUTS, dtype=torch.float64, requires_grad=True)
    out = seq(x)
    weights = torch.arange(out.shape[1], dtype=torch.float64) + 1.5
    (out * weights).sum().backward()
    grads: list[float] = []
    # MLP parameter order: per neuron w.0..w.n-1 then b.
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for lin in linears:
        assert lin.weight.grad is not None and lin.bias.grad is not None
        for j in range(lin.out_features):
            grads.extend(lin.weight.grad[j].tolist())
            grads.append(float(lin.bias.grad[j]))
    assert x.grad is not None
    return out.detach().tolist(), grads, x.grad.tolist()


def assert_all_close(a: list[float], b: list[float]) -> None:
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert math.isclose(u, v, rel_tol=REL, abs_tol=1e-14), (u, v)


@pytest.mark.parametrize(
    ("nouts", "activation", "final"),
    [
        ([4, 4, 1], "relu", None),
        ([5, 3], "tanh", "sigmoid"),
        ([2], "relu", "tanh"),
        ([6, 2], "sigmoid", None),
    ],
)
def test_to_torch_same_outputs_and_gradients(nouts: list[int], activation: str, final: str | None) -> None:
    mlp = MLP(3, nouts, activation=activation, final_activation=final, seed=7)
    seq = to_torch(mlp)
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    ours = micrograd_out_and_grads(mlp)
    theirs = torch_out_and_grads(seq)
    for a, b in zip(ours[0], theirs[0]):
        assert_all_close(a, b)
    assert_all_close(ours[1], theirs[1])
    for a, b in zip(ours[2], theirs[2]):
        assert_all_close(a, b)


def test_from_torch_round_trip_is_exact() -> None:
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    ).double()
    mlp = from_torch(seq)
    assert mlp.nouts == [5, 4, 2] and mlp.activation == "tanh" and mlp.final_activation is None
    ours = micrograd_out_and_grads(mlp)
    theirs = torch_out_and_grads(seq)
    for a, b in zip(ours[0], theirs[0]):
        assert_all_close(a, b)
    assert_all_close(ours[1], theirs[1])
    back = to_torch(mlp)
    for p, q in zip(seq.parameters(), back.parameters()):
        assert torch.equal(p, q)


def test_from_torch_float32_weights_are_widened() -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    mlp = from_torch(seq)
    assert mlp.layers[0].neurons[0].w[0].data == float(seq[0].weight.detach()[0, 0])


def test_from_torch_rejects_unsupported() -> None:
    with pytest.raises(ValueError, match="not supported"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.GELU(), torch.nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="without bias"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False)))
    with pytest.raises(ValueError, match="different activations"):
        from_torch(
            torch.nn.Sequential(
                torch.nn.Linear(2, 2),
                torch.nn.ReLU(),
                torch.nn.Linear(2, 2),
                torch.nn.Tanh(),
                torch.nn.Linear(2, 1),
            )
        )
    with pytest.raises(ValueError, match="expects 3 inputs"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(3, 1)))
    with pytest.raises(ValueError, match="must directly follow"):
        from_torch(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 1)))
    with pytest.raises(ValueError, match="no Linear"):
        from_torch(torch.nn.Sequential())
    with pytest.raises(TypeError):
        from_torch(torch.nn.Linear(2, 1))
    with pytest.raises(TypeError):
        to_torch("not an mlp")  # type: ignore[arg-type]


def test_clear_import_error_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import torch` raise ImportError.
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"needs torch.*pip install torch==2\.13\.0"):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(ImportError, match="needs torch"):
        from_torch(object())
