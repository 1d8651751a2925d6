"""``python -m micrograd demo``: train an MLP on the moons data set."""

from __future__ import annotations

import argparse

from tqdm import tqdm

from micrograd.data import make_moons
from micrograd.engine import Value
from micrograd.nn import MLP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=100, help="full-batch training steps (default 100)")
    parser.add_argument("--seed", type=int, default=1337, help="seed for data and weights (default 1337)")


def svm_step(model: MLP, X: list[list[float]], y: list[int]) -> tuple[Value, float]:
    """Max-margin loss ``mean(relu(1 - y_i * score_i))`` with labels in {-1, +1},
    plus ``1e-4 * sum(p**2)`` weight decay; returns (loss, accuracy)."""
    signs = [2 * yi - 1 for yi in y]
    scores: list[Value] = []
    for x in X:
        out = model(x)
        assert isinstance(out, Value)
        scores.append(out)
    margins = [(1 - s * score).relu() for s, score in zip(signs, scores)]
    data_loss = sum(margins, Value(0.0)) / len(margins)
    reg = 1e-4 * sum((p * p for p in model.parameters()), Value(0.0))
    correct = sum((s > 0) == (score.data > 0) for s, score in zip(signs, scores))
    return data_loss + reg, correct / len(y)


def run(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise SystemExit("--steps must be >= 1")
    Xa, ya = make_moons(100, noise=0.1, seed=args.seed)
    X, y = Xa.tolist(), ya.tolist()
    model = MLP(2, [16, 16, 1], seed=args.seed)
    bar = tqdm(range(args.steps), desc="moons", unit="step")
    acc = 0.0
    for k in bar:
        loss, acc = svm_step(model, X, y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / args.steps
        for p in model.parameters():
            p.data -= lr * p.grad
        bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{acc:.0%}")
    print(f"final loss {loss.data:.4f}, training accuracy {acc:.0%}")
    return 0
