#!/usr/bin/env python3
"""Benchmark of the compiled path (micrograd.compiled) against the eager engine.

1. ``moons``  one full-batch training step of ``MLP(2, [16, 16, 1])`` on 100
   moons points with the SVM loss ``mean(relu(1 - y * score)) + 1e-4 * sum(p*p)``
   (forward, backward and the SGD update), eager vs compiled.  Median seconds
   per step; the compile time is reported separately and amortised over 100
   steps.  Bar: compiled >= 20x faster per step.
2. ``moons-train``  the demo's 100 training steps in both modes from the same
   initial weights: final loss and accuracy must agree.
3. ``digits``  the 64-32-16-10 softmax classifier on scikit-learn's digits:
   the full compiled run (held-out accuracy, samples/s), the eager rate on a
   small slice (samples/s), and both modes on the same slice of the data for a
   few epochs, which must reach the same held-out accuracy.

Usage::

    python benchmarks/compiled.py            # everything, prints a table
    python benchmarks/compiled.py --quick    # fewer repetitions, shorter digits run
    python benchmarks/compiled.py --json out.json

Exits with status 1 if a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/compiled.py` from a checkout without an install
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from micrograd.compiled import CompiledFunction, compile_fn, svm_loss_fn  # noqa: E402
from micrograd.data import make_moons  # noqa: E402
from micrograd.digits import eager_samples_per_second, train_digits  # noqa: E402
from micrograd.engine import Value  # noqa: E402
from micrograd.fileio import atomic_write  # noqa: E402
from micrograd.nn import MLP  # noqa: E402

BAR_MOONS_RATIO = 20.0
BAR_DIGITS_ACCURACY = 0.95
# The two modes' final moons losses may differ by rounding only (the matrix
# products add in another order): about 1e-16 relative in practice.
LOSS_RTOL = 1e-9
# Both modes train on this slice of the digits (eager is too slow for the full run).
SLICE_SAMPLES = 400
SLICE_EPOCHS = 12
SEED = 1337


def moons_problem(seed: int = SEED) -> tuple[MLP, np.ndarray, np.ndarray]:
    X, y = make_moons(100, noise=0.1, seed=seed)
    return MLP(2, [16, 16, 1], seed=seed), X, (2 * y - 1).astype(np.float64)


def eager_step(model: MLP, rows: list[list[float]], signs: list[float], lr: float) -> tuple[float, float]:
    """The demo's step: the batch's Value graph, backward(), SGD."""
    params = model.parameters()
    scores = [model(x) for x in rows]
    margins = [(1 - s * score).relu() for s, score in zip(signs, scores)]  # type: ignore[operator]
    loss = sum(margins, Value(0.0)) / len(margins) + 1e-4 * sum((p * p for p in params), Value(0.0))
    model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    correct = sum((s > 0) == (score.data > 0) for s, score in zip(signs, scores))  # type: ignore[union-attr]
    return loss.data, correct / len(signs)


def compiled_step(
    model: MLP, program: CompiledFunction, X: np.ndarray, signs: np.ndarray, lr: float
) -> tuple[float, float]:
    params = model.parameters()
    model.zero_grad()
    result = program(X, signs)
    for p in params:
        p.data -= lr * p.grad
    assert isinstance(result.outputs, tuple)
    return result.loss, float(np.mean((result.outputs[1] > 0) == (signs > 0)))


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def bench_moons(repeats: int) -> dict[str, Any]:
    model, X, signs = moons_problem()
    rows, sign_list = X.tolist(), signs.tolist()
    params = model.parameters()
    began = time.perf_counter()
    program = compile_fn(svm_loss_fn(model, params), (X[0], signs[0]), params=params)
    compile_s = time.perf_counter() - began
    # lr 0 keeps the weights (and so the work) identical across repetitions.
    eager_s = median_seconds(lambda: eager_step(model, rows, sign_list, 0.0), repeats)
    compiled_s = median_seconds(lambda: compiled_step(model, program, X, signs, 0.0), repeats * 10)
    return {
        "eager_ms": eager_s * 1e3,
        "compiled_ms": compiled_s * 1e3,
        "compile_ms": compile_s * 1e3,
        "ratio": eager_s / compiled_s,
        "ratio_100_steps_with_compile": 100 * eager_s / (compile_s + 100 * compiled_s),
        "stats": program.stats,
    }


def bench_moons_training(steps: int = 100) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for mode in ("eager", "compiled"):
        model, X, signs = moons_problem()
        params = model.parameters()
        program = (
            compile_fn(svm_loss_fn(model, params), (X[0], signs[0]), params=params)
            if mode == "compiled"
            else None
        )
        rows, sign_list = X.tolist(), signs.tolist()
        began = time.perf_counter()
        for k in range(steps):
            lr = 1.0 - 0.9 * k / steps
            if mode == "eager":
                loss, acc = eager_step(model, rows, sign_list, lr)
            else:
                assert program is not None
                loss, acc = compiled_step(model, program, X, signs, lr)
        results[mode] = {"loss": loss, "accuracy": acc, "seconds": time.perf_counter() - began}
    results["same_accuracy"] = results["eager"]["accuracy"] == results["compiled"]["accuracy"]
    results["loss_difference"] = abs(results["eager"]["loss"] - results["compiled"]["loss"])
    return results


def bench_digits(quick: bool) -> dict[str, Any]:
    full = train_digits(compiled=True, epochs=20 if quick else 60, progress=False)
    eager_rate = statistics.median(eager_samples_per_second(64) for _ in range(1 if quick else 3))
    train_samples = full.samples_per_second * full.train_seconds
    same: dict[str, Any] = {}
    for compiled in (True, False):
        run = train_digits(compiled=compiled, epochs=SLICE_EPOCHS, train_limit=SLICE_SAMPLES, progress=False)
        same["compiled" if compiled else "eager"] = {
            "test_accuracy": run.test_accuracy,
            "train_accuracy": run.train_accuracy,
            "samples_per_second": run.samples_per_second,
        }
    same["same_accuracy"] = same["compiled"]["test_accuracy"] == same["eager"]["test_accuracy"]
    return {
        "epochs": full.epochs,
        "test_accuracy": full.test_accuracy,
        "train_seconds": full.train_seconds,
        "compile_ms": full.compile_seconds * 1e3,
        "compiled_samples_per_second": full.samples_per_second,
        "eager_samples_per_second": eager_rate,
        "eager_projected_seconds": train_samples / eager_rate,
        "slice_both_modes": same,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a shorter digits run")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--skip-digits", action="store_true", help="only the moons benchmarks")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {"cpu_count": os.cpu_count()}
    moons = bench_moons(repeats=5 if args.quick else 15)
    report["moons"] = moons
    print(
        f"moons step  eager {moons['eager_ms']:.2f} ms   compiled {moons['compiled_ms']:.3f} ms   "
        f"ratio {moons['ratio']:.1f}x (bar {BAR_MOONS_RATIO:.0f}x)"
    )
    print(
        f"            compile {moons['compile_ms']:.1f} ms once; over 100 steps incl. compile: "
        f"{moons['ratio_100_steps_with_compile']:.1f}x   tape {moons['stats']}"
    )
    training = bench_moons_training()
    report["moons_training"] = training
    eager, compiled = training["eager"], training["compiled"]
    print(
        f"moons 100 training steps  eager: loss {eager['loss']:.6f}, accuracy {eager['accuracy']:.0%}, "
        f"{eager['seconds']:.2f} s   compiled: loss {compiled['loss']:.6f}, "
        f"accuracy {compiled['accuracy']:.0%}, {compiled['seconds']:.3f} s"
    )
    same_loss = abs(eager["loss"] - compiled["loss"]) <= LOSS_RTOL * abs(eager["loss"])
    ok = moons["ratio"] >= BAR_MOONS_RATIO and training["same_accuracy"] and same_loss
    if not args.skip_digits:
        digits = bench_digits(args.quick)
        report["digits"] = digits
        same = digits["slice_both_modes"]
        print(
            f"digits {digits['epochs']} epochs compiled: test accuracy {digits['test_accuracy']:.1%} in "
            f"{digits['train_seconds']:.1f} s, {digits['compiled_samples_per_second']:,.0f} samples/s; "
            f"eager {digits['eager_samples_per_second']:,.0f} samples/s "
            f"(the same run eager: ~{digits['eager_projected_seconds'] / 60:.1f} min)"
        )
        print(
            f"digits slice ({SLICE_SAMPLES} samples, {SLICE_EPOCHS} epochs): test accuracy "
            f"compiled {same['compiled']['test_accuracy']:.1%}, eager {same['eager']['test_accuracy']:.1%} "
            f"({same['compiled']['samples_per_second']:,.0f} vs "
            f"{same['eager']['samples_per_second']:,.0f} samples/s)"
        )
        ok = ok and same["same_accuracy"] and digits["test_accuracy"] >= BAR_DIGITS_ACCURACY
    report["bars_met"] = ok
    print("bars met" if ok else "BAR MISSED")
    if args.json:
        atomic_write(args.json, json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
