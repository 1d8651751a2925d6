#!/usr/bin/env python3
"""Benchmark of compiled mode (micrograd.compiled) against PyTorch and the eager engine.

1. ``vs-torch``  the full training step a user writes by hand (``opt.zero_grad();
   step(X, y); opt.step()``, see ``compiled_workloads.py``) against PyTorch tensors
   on the same net, data and batches (float64, one thread each):
   digits 64-32-16-10, softmax cross-entropy, Adam lr 1e-2, batches of 32; moons
   2-16-16-1, SVM loss + L2, SGD, full batch of 100.  Timed by pyperf
   (``compiled_pyperf.py``: calibrated loops, warm-ups, fresh worker processes) in
   ``--rounds`` short rounds (default 5); each round times both engines back to back
   (alternating which goes first), and the ratio of each round's medians is one
   side-by-side ratio: the table gives their median and range.  Compile time is
   measured separately.  Bars: compiled >= 2x faster than PyTorch on both workloads
   in every round; moonshot >= 5x on digits (the median of the rounds).
2. ``moons``  the same moons step with the eager engine (the batch's Value graph,
   ``backward()``): bar, compiled >= 20x faster per step.
3. ``moons-train``  the demo's 100 training steps in both modes from the same
   initial weights: final loss and accuracy must agree.
4. ``digits``  the 64-32-16-10 softmax classifier on scikit-learn's digits: the
   full compiled run through ``train.fit`` (held-out accuracy >= 95%, samples/s),
   the eager rate on a small slice, and both modes on the same slice for a few
   epochs, which must reach the same held-out accuracy.

Usage::

    python benchmarks/compiled.py              # everything: tables, markdown, bars
    python benchmarks/compiled.py --quick      # fewer pyperf processes, a shorter digits run
    python benchmarks/compiled.py --json out.json --keep-pyperf /tmp/rounds

Exits with status 1 if a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):
    if str(_path) not in sys.path:  # `python benchmarks/compiled.py` from a checkout without an install
        sys.path.insert(0, str(_path))

import numpy as np  # noqa: E402
from compiled_workloads import DIGITS_BATCH, MOONS_POINTS, build, one_thread  # noqa: E402

from micrograd.compiled import compile_fn, svm_loss_fn  # noqa: E402
from micrograd.data import make_moons  # noqa: E402
from micrograd.digits import eager_samples_per_second, train_digits  # noqa: E402
from micrograd.engine import Value  # noqa: E402
from micrograd.fileio import atomic_write  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.optim import SGD  # noqa: E402

BAR_TORCH_RATIO = 2.0
MOONSHOT_DIGITS_RATIO = 5.0
BAR_MOONS_RATIO = 20.0
BAR_DIGITS_ACCURACY = 0.95
# The two modes' final moons losses may differ by rounding only (the matrix
# products add in another order): about 1e-16 relative in practice.
LOSS_RTOL = 1e-9
# Both modes train on this slice of the digits (eager is too slow for the full run).
SLICE_SAMPLES = 400
SLICE_EPOCHS = 12
SEED = 1337
PYPERF_SCRIPT = Path(__file__).resolve().parent / "compiled_pyperf.py"
WORKLOAD_TEXT = {
    "digits": "digits 64-32-16-10, softmax CE, Adam lr 1e-2, batch 32",
    "moons": "moons 2-16-16-1, SVM loss + L2, SGD, full batch of 100",
}
SAMPLES = {"digits": DIGITS_BATCH, "moons": MOONS_POINTS}


# ---------------------------------------------------------------------------
# 1-2. Step times: pyperf rounds
# ---------------------------------------------------------------------------


def pyperf_round(path: Path, quick: bool, torch_first: bool) -> dict[str, float]:
    """One pyperf run of every benchmark; the median seconds per step of each."""
    import pyperf

    # Short rounds, many of them: the two engines of a pair run seconds apart, so a
    # load change on a shared machine hits both (the ratio) rather than one.
    options = ["--processes", "1", "--values", "3", "--min-time", "0.05"] if quick else []
    options = options or ["--processes", "2", "--values", "3"]
    order = "torch-first" if torch_first else "micrograd-first"
    cmd = [sys.executable, str(PYPERF_SCRIPT), "--quiet", "-o", str(path), "--order", order, *options]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    suite = pyperf.BenchmarkSuite.load(str(path))
    return {bench.get_name(): bench.median() for bench in suite.get_benchmarks()}


def run_rounds(rounds: int, quick: bool, keep: Path | None) -> list[dict[str, float]]:
    """``rounds`` pyperf runs, alternating which engine of a pair goes first."""
    folder = keep or Path(tempfile.mkdtemp(prefix="micrograd-pyperf-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for r in range(rounds):
        path = folder / f"round{r + 1}.json"
        path.unlink(missing_ok=True)  # pyperf refuses to overwrite
        results.append(pyperf_round(path, quick, torch_first=r % 2 == 1))
        print(
            f"  round {r + 1}/{rounds}: "
            + ", ".join(f"{k} {v * 1e6:,.0f} us" for k, v in results[-1].items())
        )
    return results


def compile_times(repeats: int = 3) -> dict[str, list[float]]:
    """Seconds to trace and plan each workload's compiled step (once per run of a program)."""
    times: dict[str, list[float]] = {"digits": [], "moons": []}
    with one_thread(torch_too=False):
        for _ in range(repeats):
            for name in times:
                times[name].append(build(name, "micrograd").compile_seconds)
    return times


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarize(rounds: list[dict[str, float]], compiles: dict[str, list[float]]) -> dict[str, Any]:
    """Per workload: step times and the per-round ratios (PyTorch / compiled, eager / compiled)."""
    out: dict[str, Any] = {}
    for name in ("digits", "moons"):
        ours = [r[f"{name}-micrograd"] for r in rounds]
        torch = [r[f"{name}-torch"] for r in rounds]
        entry = {
            "micrograd_us": _spread([t * 1e6 for t in ours]),
            "torch_us": _spread([t * 1e6 for t in torch]),
            "ratio": _spread([b / a for a, b in zip(ours, torch)]),
            "compile_ms": _spread([t * 1e3 for t in compiles[name]]),
            "samples": SAMPLES[name],
        }
        if f"{name}-eager" in rounds[0]:
            eager = [r[f"{name}-eager"] for r in rounds]
            entry["eager_ms"] = _spread([t * 1e3 for t in eager])
            entry["eager_ratio"] = _spread([b / a for a, b in zip(ours, eager)])
        out[name] = entry
    return out


def _range(s: dict[str, float], unit: str = "", digits: int = 0) -> str:
    """``median (min-max)`` with the unit on both."""
    return f"{s['median']:,.{digits}f}{unit} ({s['min']:,.{digits}f}-{s['max']:,.{digits}f}{unit})"


def markdown_table(summary: dict[str, Any], rounds: int) -> str:
    lines = [
        f"| workload (one training step; median of {rounds} pyperf rounds, range) | compiled micrograd "
        "| PyTorch tensors | ratio | compile (once) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, s in summary.items():
        per_sample = s["micrograd_us"]["median"] / s["samples"]
        torch_sample = s["torch_us"]["median"] / s["samples"]
        lines.append(
            f"| {WORKLOAD_TEXT[name]} | {_range(s['micrograd_us'], ' us')} ({per_sample:.1f} us/sample) "
            f"| {_range(s['torch_us'], ' us')} ({torch_sample:.1f} us/sample) "
            f"| **{_range(s['ratio'], 'x', 1)}** | {s['compile_ms']['median']:.0f} ms |"
        )
    moons = summary["moons"]
    if "eager_ratio" in moons:
        lines.append(
            f"\nThe same moons step with the eager engine (a Value graph per step): "
            f"{_range(moons['eager_ms'], ' ms', 2)}; "
            f"compiled is {_range(moons['eager_ratio'], 'x', 0)} faster."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# 3-4. Agreement of the two modes (and the digits run through train.fit)
# ---------------------------------------------------------------------------


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


def bench_moons_training(steps: int = 100) -> dict[str, Any]:
    """The demo's schedule in both modes; the compiled one is the hand-written loop with SGD."""
    results: dict[str, Any] = {}
    for mode in ("eager", "compiled"):
        model, X, signs = moons_problem()
        params = model.parameters()
        rows, sign_list = X.tolist(), signs.tolist()
        # Only the compiled run compiles: that makes its parameters resident in numpy.
        program = (
            compile_fn(svm_loss_fn(model, params), (X[0], signs[0]), params=params)
            if mode == "compiled"
            else None
        )
        opt = SGD(params, lr=1.0)
        began = time.perf_counter()
        for k in range(steps):
            lr = 1.0 - 0.9 * k / steps
            if program is None:
                loss, acc = eager_step(model, rows, sign_list, lr)
            else:
                opt.lr = lr
                opt.zero_grad()
                result = program(X, signs)
                opt.step()
                assert isinstance(result.outputs, tuple)
                loss, acc = result.loss, float(np.mean((result.outputs[1] > 0) == (signs > 0)))
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


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def check_bars(summary: dict[str, Any]) -> dict[str, bool]:
    bars = {
        f"{name} >= {BAR_TORCH_RATIO:.0f}x PyTorch": s["ratio"]["min"] >= BAR_TORCH_RATIO
        for name, s in summary.items()
    }
    bars[f"moons >= {BAR_MOONS_RATIO:.0f}x eager"] = (
        summary["moons"].get("eager_ratio", {"min": 0})["min"] >= BAR_MOONS_RATIO
    )
    return bars


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer pyperf processes and a shorter digits run"
    )
    parser.add_argument("--rounds", type=int, help="pyperf rounds, each timing every engine (5; --quick: 3)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep-pyperf", type=Path, help="keep each round's pyperf JSON in this folder")
    parser.add_argument("--skip-digits", action="store_true", help="skip the digits training runs")
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 3 if args.quick else 5

    report: dict[str, Any] = {"cpu_count": os.cpu_count()}
    print(f"step times: {args.rounds} pyperf rounds of {PYPERF_SCRIPT.name}")
    rounds = run_rounds(args.rounds, args.quick, args.keep_pyperf)
    summary = summarize(rounds, compile_times())
    report["rounds"], report["summary"] = rounds, summary
    for name, s in summary.items():
        print(
            f"{name:6s}  compiled {_range(s['micrograd_us'], ' us')}  "
            f"PyTorch {_range(s['torch_us'], ' us')}  "
            f"ratio {_range(s['ratio'], 'x', 2)} (bar {BAR_TORCH_RATIO:.0f}x)  "
            f"compile {_range(s['compile_ms'], ' ms', 1)}"
        )
        if "eager_ratio" in s:
            eager_ms, eager_ratio = _range(s["eager_ms"], " ms", 2), _range(s["eager_ratio"], "x", 1)
            print(f"  eager engine {eager_ms}: compiled {eager_ratio} faster (bar {BAR_MOONS_RATIO:.0f}x)")
    digits_ratio = summary["digits"]["ratio"]["median"]
    moonshot = digits_ratio >= MOONSHOT_DIGITS_RATIO
    verdict = "met" if moonshot else "not met"
    print(f"moonshot (digits >= {MOONSHOT_DIGITS_RATIO:.0f}x PyTorch): {verdict} ({digits_ratio:.2f}x)")
    print("\nmarkdown (for README.md):\n")
    report["markdown"] = markdown_table(summary, args.rounds)
    print(report["markdown"] + "\n")

    bars = check_bars(summary)
    training = bench_moons_training()
    report["moons_training"] = training
    eager, compiled = training["eager"], training["compiled"]
    print(
        f"moons 100 training steps  eager: loss {eager['loss']:.6f}, accuracy {eager['accuracy']:.0%}, "
        f"{eager['seconds']:.2f} s   compiled: loss {compiled['loss']:.6f}, "
        f"accuracy {compiled['accuracy']:.0%}, {compiled['seconds']:.3f} s"
    )
    bars["moons: both modes, the same final loss and accuracy"] = training["same_accuracy"] and (
        abs(eager["loss"] - compiled["loss"]) <= LOSS_RTOL * abs(eager["loss"])
    )
    if not args.skip_digits:
        digits = bench_digits(args.quick)
        report["digits"] = digits
        same = digits["slice_both_modes"]
        print(
            f"digits {digits['epochs']} epochs compiled (train.fit): "
            f"test accuracy {digits['test_accuracy']:.1%} in "
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
        bars[f"digits held-out accuracy >= {BAR_DIGITS_ACCURACY:.0%}"] = (
            digits["test_accuracy"] >= BAR_DIGITS_ACCURACY
        )
        bars["digits slice: both modes, the same held-out accuracy"] = same["same_accuracy"]
    report["bars"], report["moonshot_met"] = bars, moonshot
    ok = all(bars.values())
    report["bars_met"] = ok
    for bar, met in bars.items():
        print(f"  [{'x' if met else ' '}] {bar}")
    print("bars met" if ok else "BAR MISSED")
    if args.json:
        atomic_write(args.json, json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
