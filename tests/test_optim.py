"""Optimizers against torch.optim: 20 steps on the same model and data."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch

from micrograd.engine import Value
from micrograd.losses import mse
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, AdamW, Optimizer
from micrograd.torch_bridge import to_torch

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.1, 0.1], [-1.2, -0.4]]
Y = [1.0, -0.5, 0.25, 0.0, 2.0]
STEPS = 20


def train_micrograd(mlp: MLP, opt: Optimizer, steps: int = STEPS) -> None:
    for _ in range(steps):
        opt.zero_grad()
        preds = [mlp(x) for x in X]
        mse(preds, Y).backward()
        opt.step()


def train_torch(seq: torch.nn.Sequential, opt: Any) -> None:
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    for _ in range(STEPS):
        opt.zero_grad()
        torch.nn.functional.mse_loss(seq(x).squeeze(1), y).backward()
        opt.step()


def flat_torch(seq: torch.nn.Sequential) -> list[float]:
    """Parameters in MLP order: per neuron its weights then its bias."""
    out: list[float] = []
    for m in seq:
        if isinstance(m, torch.nn.Linear):
            for j in range(m.out_features):
                out.extend(m.weight.detach()[j].tolist())
                out.append(float(m.bias.detach()[j]))
    return out


CASES: list[tuple[str, Callable[[list[Value]], Optimizer], Callable[[Any], Any]]] = [
    ("sgd", lambda p: SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    (
        "sgd-momentum-wd",
        lambda p: SGD(p, lr=0.03, momentum=0.9, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.9, weight_decay=0.01),
    ),
    (
        "sgd-nesterov",
        lambda p: SGD(p, lr=0.03, momentum=0.8, nesterov=True),
        lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.8, nesterov=True),
    ),
    ("adam", lambda p: Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    (
        "adam-wd",
        lambda p: Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
    ("adamw", lambda p: AdamW(p, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
    (
        "adamw-wd",
        lambda p: AdamW(p, lr=0.02, weight_decay=0.5, betas=(0.5, 0.9)),
        lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.5, betas=(0.5, 0.9)),
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_twenty_steps_match_torch(
    name: str, ours: Callable[[list[Value]], Optimizer], theirs: Callable[[Any], Any]
) -> None:
    mlp = MLP(2, [6, 5, 1], activation="tanh", seed=3)
    seq = to_torch(mlp)
    before = [p.data for p in mlp.parameters()]
    train_micrograd(mlp, ours(mlp.parameters()))
    train_torch(seq, theirs(seq.parameters()))
    after = [p.data for p in mlp.parameters()]
    assert sum(abs(a - b) for a, b in zip(after, before)) > 1e-3  # training really moved them
    for a, b in zip(after, flat_torch(seq)):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (name, a, b)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.05, momentum=0.9), lambda p: Adam(p, lr=0.01)])
def test_state_dict_resume_is_exact(make: Callable[[list[Value]], Optimizer]) -> None:
    # 10 + 10 steps with a save/restore in between == 20 straight steps.
    straight = MLP(2, [4, 1], seed=1)
    train_micrograd(straight, make(straight.parameters()), steps=20)

    resumed = MLP(2, [4, 1], seed=1)
    opt = make(resumed.parameters())
    train_micrograd(resumed, opt, steps=10)
    saved = opt.state_dict()
    fresh = make(resumed.parameters())
    fresh.load_state_dict(saved)
    train_micrograd(resumed, fresh, steps=10)
    assert [p.data for p in resumed.parameters()] == [p.data for p in straight.parameters()]


def test_zero_grad() -> None:
    p = Value(1.0)
    p.grad = 3.0
    SGD([p], lr=0.1).zero_grad()
    assert p.grad == 0.0


def test_load_state_dict_rejects_mismatch() -> None:
    ps = [Value(1.0), Value(2.0)]
    adam = Adam(ps, lr=0.1)
    with pytest.raises(ValueError, match="'Adam', not 'SGD'"):
        SGD(ps, lr=0.1).load_state_dict(adam.state_dict())
    state = Adam([Value(1.0)], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="list of 2 numbers"):
        adam.load_state_dict(state)
    bad = adam.state_dict()
    bad["hyperparameters"]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr"):
        adam.load_state_dict(bad)
    assert adam.lr == 0.1  # a rejected state changes nothing


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), "lr"),
        (lambda p: SGD(p, lr=float("nan")), "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), "momentum"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), "weight_decay"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), "betas"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), "betas"),
        (lambda p: Adam(p, eps=0.0), "eps"),
        (lambda p: Adam(p, eps=-1e-8), "eps"),
        (lambda p: AdamW(p, weight_decay=-0.01), "weight_decay"),
        (lambda p: Adam([]), "empty"),
        (lambda p: Adam([p[0], p[0]]), "more than once"),
    ],
)
def test_bad_hyperparameters_raise(make: Callable[[list[Value]], Optimizer], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_bad_types_raise() -> None:
    with pytest.raises(TypeError, match="lr"):
        SGD([Value(1.0)], lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a Value"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="betas"):
        Adam([Value(1.0)], betas=0.9)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Compiled mode: the same updates on numpy arrays (micrograd.compiled.updates)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_array_updates_equal_the_loops_bit_for_bit_over_100_steps(
    name: str, ours: Callable[[list[Value]], Optimizer], theirs: Callable[[Any], Any]
) -> None:
    np = pytest.importorskip("numpy")
    from micrograd.compiled import ResidentValue, compile_fn, resident

    rng = np.random.default_rng(len(name))
    n, steps = 40, 100
    start = rng.normal(size=n)
    # Gradients over six orders of magnitude, so that Adam's sqrt(v) and eps both matter.
    grads = rng.normal(size=(steps, n)) * rng.choice([1e-4, 1.0, 30.0], size=(steps, n))
    eager = [Value(float(x)) for x in start]
    fast = [Value(float(x)) for x in start]
    # sum_i p_i * x_i on a batch of one sample: d/dp_i = x_i exactly, so step(g) puts g in the grads.
    step = compile_fn(
        lambda x: sum((p * xi for p, xi in zip(fast, x)), Value(0.0)), ([0.0] * n,), params=fast
    )
    assert all(isinstance(p, ResidentValue) for p in fast)
    opt_eager, opt_fast = ours(eager), ours(fast)
    for k, g in enumerate(grads):
        if k == 60:  # a schedule changes lr; a checkpoint round trip of the state
            opt_eager.lr = opt_fast.lr = opt_eager.lr * 0.5
            resumed = ours(fast)
            resumed.load_state_dict(opt_fast.state_dict())
            resumed.lr = opt_fast.lr
            opt_fast = resumed
        opt_eager.zero_grad()
        for p, gi in zip(eager, g.tolist()):
            p.grad = gi
        opt_eager.step()
        opt_fast.zero_grad()
        step(g[None, :])
        opt_fast.step()
    # The last update ran on the store's array: the Values are behind it until read.
    assert resident.DATA.stale == [type(fast[0]).store]
    after = [p.data for p in fast]
    assert after == [p.data for p in eager]  # rel 0: the same operations in the same order
    assert any(a != float(b) for a, b in zip(after, start))
    assert opt_fast.state_dict() == opt_eager.state_dict()
