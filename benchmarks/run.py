#!/usr/bin/env python3
"""Side-by-side benchmarks: this micrograd vs reference micrograd 0.1.0 vs PyTorch scalars.

All engines run the *same* graph on the *same* data (and, for the moons MLP,
the same initial weights) in one process, so the headline numbers are ratios
measured minutes apart on the same machine rather than absolute times.

Workloads
---------
1. ``moons``  one full-batch training step of ``MLP(2, [16, 16, 1])`` on 100 moons
   points with the max-margin (SVM) loss of micrograd's demo notebook, under the
   default garbage-collector settings (as users run it).  Median seconds per step.
2. ``nodes``  forward + backward of a graph of elementary Value-Value ops
   (``*``, ``+``, ``relu``: 64 chains of 450 ops summed by a balanced tree),
   GC off, best-of-N, reported per op node.
3. ``chain``  one chain of 100,000 ops, forward + backward, GC off, best-of-N.
   The reference's recursive topological sort raises ``RecursionError`` there.
4. ``bytes``  bytes per live op node after forward + backward of the ``nodes``
   graph, measured with ``tracemalloc``.

Usage::

    python benchmarks/run.py                 # all engines, print the table
    python benchmarks/run.py --write-readme  # ... and rewrite the README section
    python benchmarks/run.py --quick --engines ours --json out.json

The reference micrograd is installed on first use with
``pip install --no-deps --target .bench/ref micrograd==0.1.0`` and loaded under
the module names ``ref_micrograd.engine`` / ``ref_micrograd.nn``; it is never
importable as ``micrograd`` and never becomes a dependency of this package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` from a checkout without an install
    sys.path.insert(0, str(ROOT))

from micrograd import engine as our_engine  # noqa: E402  (needs the sys.path line above)
from micrograd import nn as our_nn  # noqa: E402
from micrograd.data import make_moons  # noqa: E402
from micrograd.fileio import atomic_write  # noqa: E402

REF_VERSION = "0.1.0"
REF_DIR = ROOT / ".bench" / "ref"
README = ROOT / "README.md"
START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"
ENGINES = ("ours", "reference", "torch")

# Bars set by the performance issue, checked in every run.
BAR_MOONS_VS_REF = 20.0
BAR_MOONS_VS_TORCH = 10.0
# Lowered from 2.5x on purpose: the engine is written to be read (one Op definition
# per operation); speed belongs to fused neurons and compiled mode.
BAR_NODES_VS_REF = 2.0
BAR_BYTES = 200.0
MILLION = 1_000_000  # ops in the chain that must work at Python's default recursion limit
RAISED_LIMIT = 1_000_000  # for retrying the reference's recursive backward on the chain


@dataclass(frozen=True)
class Sizes:
    """How much work each workload does (``--quick`` shrinks everything)."""

    moons_points: int
    moons_warmup: int
    moons_steps: int
    segments: int  # chains in the `nodes` graph
    segment_steps: int  # (*, +, relu) triples per chain: depth 3x this, < the reference's recursion limit
    node_reps: dict[str, int]
    chain_ops: int
    chain_reps: dict[str, int]
    million_ops: int  # the `million` workload: ours only, at the default recursion limit


FULL = Sizes(
    moons_points=100,
    moons_warmup=2,
    moons_steps=7,
    segments=64,
    segment_steps=150,
    node_reps={"ours": 20, "reference": 20, "torch": 3},
    chain_ops=100_000,
    chain_reps={"ours": 5, "reference": 1, "torch": 2},
    million_ops=MILLION,
)
QUICK = Sizes(
    moons_points=100,
    moons_warmup=1,
    moons_steps=2,
    segments=8,
    segment_steps=150,
    node_reps={"ours": 2, "reference": 2, "torch": 1},
    chain_ops=20_000,
    chain_reps={"ours": 1, "reference": 1, "torch": 1},
    million_ops=50_000,
)


# ---------------------------------------------------------------------------
# The reference micrograd, installed next to (never into) this project.
# ---------------------------------------------------------------------------


def ensure_reference(target: Path = REF_DIR) -> Path:
    """Install ``micrograd==0.1.0`` from PyPI into ``target`` unless already there.

    pip writes into a fresh temporary directory that is renamed into place, so
    an interrupted install never leaves a half-populated ``target`` behind.
    """
    marker = target / f"micrograd-{REF_VERSION}.dist-info"
    if marker.is_dir() and (target / "micrograd" / "nn.py").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="ref-", dir=target.parent))
    try:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            str(staging),
            f"micrograd=={REF_VERSION}",
        ]
        subprocess.run(cmd, check=True)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def _exec_module(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_reference(target: Path = REF_DIR) -> tuple[types.ModuleType, types.ModuleType]:
    """Load the reference's ``engine`` and ``nn`` as ``ref_micrograd.engine`` / ``.nn``.

    Its ``nn.py`` says ``from micrograd.engine import Value``; while it runs,
    ``sys.modules['micrograd.engine']`` points at the reference engine, and the
    entry for our own engine is restored right after.
    """
    src = target / "micrograd"
    package = types.ModuleType("ref_micrograd")
    package.__path__ = [str(src)]
    sys.modules["ref_micrograd"] = package
    ref_engine = _exec_module("ref_micrograd.engine", src / "engine.py")
    saved = sys.modules.get("micrograd.engine")
    sys.modules["micrograd.engine"] = ref_engine
    try:
        ref_nn = _exec_module("ref_micrograd.nn", src / "nn.py")
    finally:
        if saved is None:
            del sys.modules["micrograd.engine"]
        else:
            sys.modules["micrograd.engine"] = saved
    if ref_nn.Value is not ref_engine.Value:
        raise ImportError("reference nn.py did not pick up the reference engine")
    return ref_engine, ref_nn


# ---------------------------------------------------------------------------
# Engines: how to make a leaf, and how to build the moons model.
# ---------------------------------------------------------------------------


@dataclass
class Engine:
    """What the workloads need from an engine."""

    name: str
    leaf: Callable[[float], Any]  # a differentiable scalar input
    # moons(X, y, initial weights) -> step(k, total_steps) -> loss before the update
    moons: Callable[[list[list[float]], list[int], list[float]], Callable[[int, int], float]]


def _svm_step(value: Callable[[float], Any], model: Any, X: list[list[float]], y: list[int]) -> Any:
    """The loss of micrograd's demo notebook, written once for both Value engines:
    ``mean_i relu(1 - y_i * score_i) + 1e-4 * sum_p p**2`` (plus its accuracy)."""
    inputs = [[value(a) for a in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (score.data > 0) for yi, score in zip(y, scores)]
    _ = sum(accuracy) / len(accuracy)  # computed every step by the demo, so here too
    return data_loss + reg_loss


def _value_trainer(value: Callable[[float], Any], model: Any) -> Callable[..., Callable[[int, int], float]]:
    def make(X: list[list[float]], y: list[int]) -> Callable[[int, int], float]:
        def step(k: int, total_steps: int) -> float:
            loss = _svm_step(value, model, X, y)
            model.zero_grad()
            loss.backward()
            lr = 1.0 - 0.9 * k / total_steps
            for p in model.parameters():
                p.data -= lr * p.grad
            return float(loss.data)

        return step

    return make


def our_engine_spec() -> Engine:
    def moons(X: list[list[float]], y: list[int], weights: list[float]) -> Callable[[int, int], float]:
        model = our_nn.MLP(2, [16, 16, 1], seed=0)
        params = model.parameters()
        for p, w in zip(params, weights, strict=True):
            p.data = w
        return _value_trainer(our_engine.Value, model)(X, y)

    return Engine("ours", our_engine.Value, moons)


def reference_engine_spec(ref_engine: types.ModuleType, ref_nn: types.ModuleType) -> Engine:
    def moons(X: list[list[float]], y: list[int], weights: list[float]) -> Callable[[int, int], float]:
        model = ref_nn.MLP(2, [16, 16, 1])
        params = model.parameters()
        for p, w in zip(params, weights, strict=True):
            p.data = w
        return _value_trainer(ref_engine.Value, model)(X, y)

    return Engine("reference", ref_engine.Value, moons)


def torch_engine_spec() -> Engine:
    import torch

    torch.set_num_threads(1)  # scalar ops: threads only add overhead on a shared machine
    f64 = torch.float64

    def leaf(x: float) -> Any:
        return torch.tensor(x, dtype=f64, requires_grad=True)

    def moons(X: list[list[float]], y: list[int], weights: list[float]) -> Callable[[int, int], float]:
        params = [leaf(w) for w in weights]
        # Same layout as micrograd's parameters(): per neuron, nin weights then the bias.
        layers: list[list[tuple[list[Any], Any]]] = []
        it = iter(params)
        for nin, nout in ((2, 16), (16, 16), (16, 1)):
            layers.append([([next(it) for _ in range(nin)], next(it)) for _ in range(nout)])
        last = len(layers) - 1

        def model(x: list[Any]) -> Any:
            for i, layer in enumerate(layers):
                out = []
                for w, b in layer:
                    act = sum((wi * xi for wi, xi in zip(w, x)), b)
                    out.append(act.relu() if i != last else act)
                x = out
            return x[0]

        def step(k: int, total_steps: int) -> float:
            inputs = [[torch.tensor(a, dtype=f64) for a in row] for row in X]
            scores = [model(x) for x in inputs]
            losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum(p * p for p in params)
            loss = data_loss + reg_loss
            accuracy = [(yi > 0) == (score.item() > 0) for yi, score in zip(y, scores)]
            _ = sum(accuracy) / len(accuracy)
            for p in params:
                p.grad = None
            loss.backward()
            lr = 1.0 - 0.9 * k / total_steps
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            return float(loss.item())

        return step

    return Engine("torch", leaf, moons)


# ---------------------------------------------------------------------------
# Graphs shared by all engines (only `*`, `+` and `.relu()`, which all three have).
# ---------------------------------------------------------------------------

N_LEAVES = 64


def make_leaves(leaf: Callable[[float], Any]) -> list[Any]:
    rng = random.Random(1234)
    # Multipliers in [0.5, 0.99] and offsets in [0.01, 0.5] keep every value
    # positive and bounded, so relu never cuts the gradient and nothing overflows.
    return [leaf(rng.uniform(0.5, 0.99) if i % 2 == 0 else rng.uniform(0.01, 0.5)) for i in range(N_LEAVES)]


def mixed_schedule(
    leaves: Sequence[Any], segments: int, steps: int
) -> list[tuple[Any, list[tuple[Any, Any]]]]:
    """Which leaves the ``nodes`` graph reads: per chain, its start and the
    (multiplier, offset) of each step.  Built outside the timed region, so the
    timing sees the engine and not this bookkeeping."""
    n = len(leaves)
    return [
        (
            leaves[(2 * s + 1) % n],
            [(leaves[(2 * (i + s)) % n], leaves[(2 * i + 7 * s + 1) % n]) for i in range(steps)],
        )
        for s in range(segments)
    ]


def build_mixed(schedule: list[tuple[Any, list[tuple[Any, Any]]]]) -> tuple[Any, int]:
    """One chain of ``h = (h*a + b).relu()`` steps per schedule entry, then a
    balanced tree of ``+`` over the chain ends.  Returns (root, number of op nodes)."""
    ends = []
    ops = 0
    for h, steps in schedule:
        for a, b in steps:
            h = (h * a + b).relu()
        ends.append(h)
        ops += 3 * len(steps)
    while len(ends) > 1:
        paired = [ends[i] + ends[i + 1] for i in range(0, len(ends) - 1, 2)]
        ops += len(paired)
        if len(ends) % 2:
            paired.append(ends[-1])
        ends = paired
    return ends[0], ops


def build_chain(leaves: Sequence[Any], ops: int) -> Any:
    """One chain of exactly ``ops`` nodes cycling through ``*``, ``+``, ``relu``."""
    n = len(leaves)
    h = leaves[1]
    for i in range(ops):
        kind = i % 3
        if kind == 0:
            h = h * leaves[(i // 3 * 2) % n]
        elif kind == 1:
            h = h + leaves[(i // 3 * 2 + 1) % n]
        else:
            h = h.relu()
    return h


# ---------------------------------------------------------------------------
# Measurement helpers.
# ---------------------------------------------------------------------------


@contextmanager
def gc_off() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _drain_free_lists() -> list[Any]:
    """Take every object CPython keeps on its free lists (floats, small tuples,
    dicts) so that each object a graph allocates afterwards really comes from
    the allocator and is seen by tracemalloc.  Keep the result alive."""
    hold: list[Any] = []
    for i in range(2500):
        f = float(i) + 0.5
        hold.append((f,))
        hold.append((f, i))
        hold.append((f, i, i))
        hold.append(f)
        hold.append({"k": f})
    return hold


@dataclass
class Result:
    """One engine's number for one workload (``None`` when it did not run)."""

    value: float | None
    note: str = ""
    samples: list[float] = field(default_factory=list)
    retried: float | None = None  # the chain's time for an engine that needed a raised recursion limit
    losses: list[float] = field(default_factory=list)  # moons: the loss at each step


def bench_moons(engines: dict[str, Engine], sizes: Sizes, log: Callable[[str], None]) -> dict[str, Result]:
    Xa, ya = make_moons(sizes.moons_points, noise=0.1, seed=1337)
    X = Xa.tolist()
    y = [2 * int(v) - 1 for v in ya]  # labels in {-1, +1}
    weights = [p.data for p in our_nn.MLP(2, [16, 16, 1], seed=1337).parameters()]
    total_steps = 100  # the demo's learning-rate schedule runs over 100 steps
    results: dict[str, Result] = {}
    for name, eng in engines.items():
        step = eng.moons(X, y, weights)
        gc.enable()  # the default collector, as users run it
        gc.collect()  # ... starting from a clean heap, without the previous engine's garbage
        history = []
        times = []
        for k in range(sizes.moons_warmup + sizes.moons_steps):
            t0 = time.perf_counter()
            history.append(step(k, total_steps))
            t1 = time.perf_counter()
            if k >= sizes.moons_warmup:
                times.append(t1 - t0)
        median = statistics.median(times)
        results[name] = Result(median, samples=times, losses=history)
        log(f"  moons  {name:9s} {median * 1e3:9.2f} ms/step  loss {history[0]:.6f} -> {history[-1]:.6f}")
    return results


def check_same_training(moons: dict[str, Result]) -> None:
    """Same weights, data and math: every engine's loss trajectory must agree
    with ours (up to rounding), or the timings would not compare like with like."""
    base = moons["ours"].losses
    for name, res in moons.items():
        if len(res.losses) != len(base) or not all(
            math.isclose(a, b, rel_tol=1e-9) for a, b in zip(base, res.losses)
        ):
            raise AssertionError(f"moons losses of {name} differ from ours: {res.losses} vs {base}")


def bench_nodes(engines: dict[str, Engine], sizes: Sizes, log: Callable[[str], None]) -> dict[str, Result]:
    schedules = {}
    for name, eng in engines.items():
        leaves = make_leaves(eng.leaf)
        schedules[name] = mixed_schedule(leaves, sizes.segments, sizes.segment_steps)
        with gc_off():  # warm-up at full size: the first run also pays for growing the heap
            root, _ = build_mixed(schedules[name])
            root.backward()
            del root
    times: dict[str, list[float]] = {name: [] for name in engines}
    ops = 0

    def once(name: str) -> None:
        nonlocal ops
        with gc_off():
            t0 = time.perf_counter()
            root, ops = build_mixed(schedules[name])
            root.backward()
            t1 = time.perf_counter()
            del root  # freed outside the timed region, for every engine alike
        times[name].append((t1 - t0) / ops)

    # Engines in alternating rounds, so that a burst of load on a shared
    # machine hits each of them rather than just one.
    for rep in range(max(sizes.node_reps[name] for name in engines)):
        for name in engines:
            if rep < sizes.node_reps[name]:
                once(name)
    results: dict[str, Result] = {}
    for name, samples in times.items():
        results[name] = Result(min(samples), samples=samples)
        log(f"  nodes  {name:9s} {min(samples) * 1e6:9.3f} us/node  ({ops} op nodes, best of {len(samples)})")
    return results


def time_chain(leaf: Callable[[float], Any], ops: int, reps: int) -> list[float]:
    """Seconds for forward + backward of a chain of ``ops`` nodes, GC off.
    Raises RecursionError where the engine's backward recurses."""
    leaves = make_leaves(leaf)
    times = []
    for _ in range(reps):
        with gc_off():
            try:
                t0 = time.perf_counter()
                root = build_chain(leaves, ops)
                root.backward()
                t1 = time.perf_counter()
            finally:
                root = None  # freed outside the timed region
        times.append(t1 - t0)
    gc.collect()
    return times


def reference_chain_in_child(sizes: Sizes, quick: bool) -> float | None:
    """The reference on the chain with ``sys.setrecursionlimit`` raised, in a
    child process, so that a crash (a C stack overflow) cannot take this run
    down.  Returns its best time, or None if the child failed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chain.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--engines", "reference"]
        cmd += ["--workloads", "chain", "--recursion-limit", str(RAISED_LIMIT), "--json", str(out)]
        if quick:
            cmd.append("--quick")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not out.exists():
            return None
        value = json.loads(out.read_text())["results"]["chain"]["reference"]["value"]
        return None if value is None else float(value)


def bench_chain(
    engines: dict[str, Engine], sizes: Sizes, log: Callable[[str], None], retry_in_child: bool = True
) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for name, eng in engines.items():
        try:
            times = time_chain(eng.leaf, sizes.chain_ops, sizes.chain_reps[name])
        except RecursionError:
            gc.collect()
            result = Result(None, "fails (RecursionError)")
            if name == "reference" and retry_in_child:
                raised = reference_chain_in_child(sizes, sizes is QUICK)
                if raised is None:
                    result.note += f"; also with the recursion limit at {RAISED_LIMIT:,} (child process)"
                else:
                    result.retried = raised
                    result.note += f"; {raised * 1e3:.1f} ms with the recursion limit at {RAISED_LIMIT:,}"
            results[name] = result
            log(f"  chain  {name:9s} {result.note}")
            continue
        results[name] = Result(min(times), samples=times)
        log(f"  chain  {name:9s} {min(times) * 1e3:9.2f} ms  ({sizes.chain_ops} ops, best of {len(times)})")
    return results


def measure_bytes(leaf: Callable[[float], Any], segments: int, steps: int) -> float:
    """Traced bytes that stay allocated after forward + backward, per op node."""
    leaves = make_leaves(leaf)
    root, _ = build_mixed(mixed_schedule(leaves, 1, 10))  # warm-up: one-time caches are not per-node cost
    root.backward()
    del root
    schedule = mixed_schedule(leaves, segments, steps)
    with gc_off():
        hold = _drain_free_lists()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            root, ops = build_mixed(schedule)
            root.backward()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        del root, hold
    return (after - before) / ops


def bench_bytes(engines: dict[str, Engine], sizes: Sizes, log: Callable[[str], None]) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for name, eng in engines.items():
        if name == "torch":
            # Tensors live in C++ (TensorImpl, storage, autograd Node): tracemalloc
            # sees only the Python wrapper, so a number would be misleading.
            results[name] = Result(None, "n/a (C++ memory is invisible to tracemalloc)")
            log(f"  bytes  {name:9s} n/a")
            continue
        b = measure_bytes(eng.leaf, sizes.segments, sizes.segment_steps)
        results[name] = Result(b)
        log(f"  bytes  {name:9s} {b:9.1f} bytes/node")
    return results


# ---------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------

WORKLOADS = {
    "moons": ("MLP(2,[16,16,1]) moons training step, default GC", "ms/step", 1e3),
    "nodes": ("elementary ops (`*`, `+`, `relu`) fwd+bwd, GC off", "us/node", 1e6),
    "chain": ("100,000-op chain fwd+bwd, GC off", "ms", 1e3),
    "bytes": ("memory per live node after fwd+bwd (tracemalloc)", "bytes/node", 1.0),
    "million": ("1,000,000-op chain fwd+bwd at the default recursion limit", "s", 1.0),
}


def bench_million(engines: dict[str, Engine], sizes: Sizes, log: Callable[[str], None]) -> dict[str, Result]:
    """Ours alone: a chain far deeper than any recursion limit must simply work."""
    if "ours" not in engines:
        return {}
    assert sys.getrecursionlimit() < 10_000, "run at the default recursion limit"
    (seconds,) = time_chain(engines["ours"].leaf, sizes.million_ops, 1)
    log(f"  million ours {seconds:9.2f} s  ({sizes.million_ops:,} ops, once)")
    return {"ours": Result(seconds)}


def _ratio(ours: Result | None, other: Result | None) -> float | None:
    if ours is None or other is None or ours.value is None or other.value is None:
        return None
    return other.value / ours.value


def _fmt_ratio(r: float | None, bytes_: bool) -> str:
    if r is None:
        return "-"
    # Two decimals below 10x, so a ratio just under a bar (2.47x) never reads as
    # the bar itself (2.5x).
    digits = 2 if r < 10 else 1
    return f"{r:.{digits}f}x {'smaller' if bytes_ else 'faster'}"


def _fmt_value(res: Result | None, scale: float, unit: str) -> str:
    if res is None:
        return "not run"
    if res.value is None:
        return res.note
    v = res.value * scale
    digits = 3 if v < 10 else 1
    return f"{v:.{digits}f} {unit}"


def check_bars(results: dict[str, dict[str, Result]]) -> list[tuple[str, float | None, bool | None]]:
    """(description, measured, met?) for each bar; met is None when not measurable."""
    moons = results.get("moons", {})
    nodes = results.get("nodes", {})
    bytes_ = results.get("bytes", {}).get("ours")
    out: list[tuple[str, float | None, bool | None]] = []
    for desc, r, bar in (
        (
            f"moons step >= {BAR_MOONS_VS_REF:g}x faster than reference",
            _ratio(moons.get("ours"), moons.get("reference")),
            BAR_MOONS_VS_REF,
        ),
        (
            f"moons step >= {BAR_MOONS_VS_TORCH:g}x faster than torch",
            _ratio(moons.get("ours"), moons.get("torch")),
            BAR_MOONS_VS_TORCH,
        ),
        (
            f"elementary ops >= {BAR_NODES_VS_REF:g}x faster than reference",
            _ratio(nodes.get("ours"), nodes.get("reference")),
            BAR_NODES_VS_REF,
        ),
    ):
        out.append((desc, r, None if r is None else r >= bar))
    b = None if bytes_ is None else bytes_.value
    out.append((f"<= {BAR_BYTES:g} bytes per live node", b, None if b is None else b <= BAR_BYTES))
    million = results.get("million", {}).get("ours")
    if million is not None:
        desc = f"{MILLION:,}-op chain works at the default recursion limit (seconds)"
        out.append((desc, million.value, million.value is not None))
    return out


def table_rows(results: dict[str, dict[str, Result]], sizes: Sizes) -> list[list[str]]:
    rows = []
    for key, (title, unit, scale) in WORKLOADS.items():
        if key not in results:
            continue
        res = results[key]
        if key == "chain":
            title = f"{sizes.chain_ops:,}-op chain fwd+bwd, GC off"
        if key == "million":
            title = f"{sizes.million_ops:,}-op chain fwd+bwd at the default recursion limit"
        ours = res.get("ours")
        bytes_ = key == "bytes"
        vs_ref = _fmt_ratio(_ratio(ours, res.get("reference")), bytes_)
        ref = res.get("reference")
        if ref is not None and ref.retried is not None and ours is not None and ours.value is not None:
            vs_ref = f"fails; {ref.retried / ours.value:.1f}x faster with a raised limit"
        rows.append(
            [
                title,
                vs_ref,
                _fmt_ratio(_ratio(ours, res.get("torch")), bytes_),
                _fmt_value(ours, scale, unit),
                _fmt_value(res.get("reference"), scale, unit),
                _fmt_value(res.get("torch"), scale, unit),
            ]
        )
    return rows


HEADER = [
    "workload",
    "ours vs reference",
    "ours vs PyTorch",
    "ours",
    "reference micrograd 0.1.0",
    "PyTorch scalars",
]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def environment() -> dict[str, str]:
    env = {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": f"{platform.system()} {platform.machine()}",
    }
    if "torch" in sys.modules:
        env["torch"] = sys.modules["torch"].__version__
    return env


def markdown(
    rows: list[list[str]],
    results: dict[str, dict[str, Result]],
    sizes: Sizes,
    quick: bool,
    env: dict[str, str],
) -> str:
    torch_part = f", torch {env['torch']}" if "torch" in env else ""
    lines = [
        f"Measured by `make bench` (`benchmarks/run.py --write-readme`{' --quick' if quick else ''}) "
        f"on {env['date']}, {env['implementation']} {env['python']}{torch_part}, {env['machine']}; "
        "same graphs, same data and same initial weights for every engine.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(HEADER) - 1)) + " |",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += [
        "",
        "* **ours vs reference / ours vs PyTorch**: how many times less time (or memory) this engine "
        "needs than [micrograd 0.1.0](https://pypi.org/project/micrograd/) and than PyTorch 0-dim "
        "float64 tensors running the same scalar graph, op by op. These ratios are the result; the "
        "absolute times in the last three columns depend on the machine.",
        f"* **moons step**: forward of {sizes.moons_points} points, SVM loss `relu(1 - y*score)` "
        "averaged plus `1e-4 * sum(p*p)`, zero grads, backward, SGD update; garbage collector at its "
        "defaults, median over the timed steps. Ours uses fused neurons (one `linear` node per neuron); "
        "the others build every `*` and `+`.",
        f"* **elementary ops**: {sizes.segments} chains of {3 * sizes.segment_steps} Value-Value ops "
        "`(h*a + b).relu()` joined by a tree of `+`; GC off, best of "
        f"{sizes.node_reps['ours']}/{sizes.node_reps['reference']}/{sizes.node_reps['torch']} runs, "
        "time divided by the number of op nodes.",
        "* **chain**: one chain of `*`, `+`, `relu`; the reference's recursive topological sort fails at "
        "the default recursion limit.",
        "* **memory**: traced bytes still allocated after forward+backward of the elementary-ops graph, "
        "per op node (node object, parent tuple, data and grad floats, plus the reference's closure, "
        "set and instance dict). PyTorch keeps its nodes in C++ memory, which tracemalloc cannot see.",
        "* Each workload runs in fresh processes: one for the two pure-Python engines, timed side by "
        "side, and one for PyTorch; details in [benchmarks/README.md](benchmarks/README.md).",
    ]
    bars = check_bars(results)
    met = [
        f"{desc}: {'met' if ok else 'MISSED'} ({value:.2f})"
        for desc, value, ok in bars
        if ok is not None and value is not None
    ]
    if met:
        lines += ["", "Bars: " + "; ".join(met) + "."]
    return "\n".join(lines)


def replace_section(text: str, body: str) -> str:
    start = text.find(START_MARK)
    end = text.find(END_MARK)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"README.md needs the markers {START_MARK} and {END_MARK}, in that order")
    return text[: start + len(START_MARK)] + "\n" + body + "\n" + text[end:]


def write_readme(body: str, path: Path = README) -> None:
    atomic_write(path, replace_section(path.read_text(encoding="utf-8"), body))


# ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="small sizes and few repetitions (a smoke test)")
    p.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"comma-separated subset of {','.join(ENGINES)} (default: all)",
    )
    p.add_argument(
        "--workloads",
        default=",".join(WORKLOADS),
        help=f"comma-separated subset of {','.join(WORKLOADS)} (default: all)",
    )
    p.add_argument(
        "--write-readme", action="store_true", help="rewrite the README section between the bench markers"
    )
    p.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if a bar is missed")
    p.add_argument(
        "--recursion-limit",
        type=int,
        metavar="N",
        help="call sys.setrecursionlimit(N) first (how the chain is retried for the reference)",
    )
    p.add_argument(
        "--worker",
        action="store_true",
        help="measure in this process and write --json (what the main run starts once per workload)",
    )
    args = p.parse_args(argv)
    args.engines = [e for e in args.engines.split(",") if e]
    args.workloads = [w for w in args.workloads.split(",") if w]
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"unknown engine {e!r}; choose from {', '.join(ENGINES)}")
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    if args.worker and not args.json:
        p.error("--worker writes its results with --json PATH")
    if "ours" not in args.engines and not args.worker:
        p.error("--engines must include 'ours' (every number is a ratio against it)")
    if args.write_readme and set(args.engines) != set(ENGINES):
        p.error("--write-readme needs all engines, so that the README table is complete")
    return args


def measure(args: argparse.Namespace) -> dict[str, dict[str, Result]]:
    """Run the requested workloads for the requested engines in this process."""
    sizes = QUICK if args.quick else FULL
    engines: dict[str, Engine] = {}
    for name in args.engines:
        if name == "ours":
            engines[name] = our_engine_spec()
        elif name == "reference":
            engines[name] = reference_engine_spec(*load_reference(ensure_reference()))
        else:
            engines[name] = torch_engine_spec()

    def log(msg: str) -> None:
        print(msg, flush=True)

    def chain(engines: dict[str, Engine], sizes: Sizes, log: Callable[[str], None]) -> dict[str, Result]:
        # A child already running with a raised limit does not spawn another.
        return bench_chain(engines, sizes, log, retry_in_child=args.recursion_limit is None)

    benches = {
        "moons": bench_moons,
        "nodes": bench_nodes,
        "chain": chain,
        "bytes": bench_bytes,
        "million": bench_million,
    }
    return {w: benches[w](engines, sizes, log) for w in args.workloads}


def _results_to_json(results: dict[str, dict[str, Result]]) -> dict[str, dict[str, dict[str, Any]]]:
    return {w: {e: asdict(r) for e, r in res.items()} for w, res in results.items()}


def _results_from_json(data: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Result]]:
    return {w: {e: Result(**r) for e, r in res.items()} for w, res in data.items()}


def run(args: argparse.Namespace) -> tuple[dict[str, dict[str, Result]], dict[str, str]]:
    """Each workload in fresh worker processes, as pyperf does: one for the
    pure-Python engines (timed side by side), one for PyTorch.

    A fresh interpreter per workload keeps one workload's heap history from
    biasing the next (after the moons workload, for instance, the reference
    ran the per-node graph ~5% faster than in a fresh process), and keeps
    PyTorch away from the others: once torch's C++ heap has held a graph,
    pure-Python allocation in that process runs 10-15% slower.
    """
    if "reference" in args.engines:
        ensure_reference()  # once, before workers that would otherwise race to install it
    groups = [[e for e in args.engines if e != "torch"], [e for e in args.engines if e == "torch"]]
    results: dict[str, dict[str, Result]] = {}
    env = environment()
    with tempfile.TemporaryDirectory() as tmp:
        for w in args.workloads:
            print(f"{w}:", flush=True)
            results[w] = {}
            for group in (g for g in groups if g):
                out = Path(tmp) / f"{w}-{'-'.join(group)}.json"
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--json", str(out)]
                cmd += ["--workloads", w, "--engines", ",".join(group)]
                if args.quick:
                    cmd.append("--quick")
                subprocess.run(cmd, check=True)
                data = json.loads(out.read_text())
                results[w].update(_results_from_json(data["results"])[w])
                env.update({k: v for k, v in data["environment"].items() if k == "torch"})
    if "moons" in results:
        check_same_training(results["moons"])
    return results, env


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.recursion_limit is not None:
        sys.setrecursionlimit(args.recursion_limit)
    sizes = QUICK if args.quick else FULL
    if args.worker:
        measured = _results_to_json(measure(args))
        payload = {"environment": environment(), "results": measured}  # after measuring: torch's version
        atomic_write(Path(args.json), json.dumps(payload) + "\n")
        return 0
    results, env = run(args)
    rows = table_rows(results, sizes)
    print()
    print(text_table(rows))
    print()
    bars = check_bars(results)
    for desc, measured, ok in bars:
        if ok is not None:
            shown = f"{measured:.2f}" if measured is not None else "-"
            print(f"bar: {desc}: {shown} -> {'met' if ok else 'MISSED'}")
    if args.json:
        report = {
            "environment": env,
            "quick": args.quick,
            "sizes": dict(vars(sizes)),
            "results": _results_to_json(results),
            "bars": [{"bar": d, "measured": m, "met": ok} for d, m, ok in bars],
        }
        atomic_write(Path(args.json), json.dumps(report, indent=2) + "\n")
    if args.write_readme:
        write_readme(markdown(rows, results, sizes, args.quick, env))
        print(f"wrote the benchmark table into {README}")
    if args.strict and any(ok is False for _, _, ok in bars):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
