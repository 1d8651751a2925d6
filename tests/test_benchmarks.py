"""The benchmark script (benchmarks/run.py): its workloads run in ``--quick``
mode for this engine (no reference install, no network), the graphs it times
are the ones it claims, and the memory bar holds: <= 200 bytes per live node.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import types
from pathlib import Path

import pytest

from micrograd import engine as our_engine
from micrograd.engine import Value, topological_order

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"


def _load_script() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("micrograd_bench_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load_script()


def test_quick_run_of_our_engine_writes_every_workload(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--engines", "ours", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    results = data["results"]
    assert set(results) == {"moons", "nodes", "chain", "bytes", "million"}
    for workload, by_engine in results.items():
        assert set(by_engine) == {"ours"}, workload
        value = by_engine["ours"]["value"]
        assert value is not None and math.isfinite(value) and value > 0, (workload, by_engine)
    # The chain is far deeper than the default recursion limit and still ran.
    assert data["sizes"]["chain_ops"] > sys.getrecursionlimit()
    assert results["bytes"]["ours"]["value"] <= 200
    (bytes_bar,) = [b for b in data["bars"] if "bytes" in b["bar"]]
    assert bytes_bar["met"] is True
    # The printed table names every workload.
    assert "moons training step" in proc.stdout and "bytes/node" in proc.stdout


def test_bytes_per_live_node_at_most_200() -> None:
    per_node = bench.measure_bytes(Value, 8, 150)
    # A node is at least its object (~90 bytes) plus a parent tuple: a
    # measurement far below that would mean tracemalloc saw nothing.
    assert 120 < per_node <= 200


def test_nodes_graph_has_the_op_count_it_reports() -> None:
    leaves = bench.make_leaves(Value)
    root, ops = bench.build_mixed(bench.mixed_schedule(leaves, 5, 7))
    order = topological_order(root)
    interior = [n for n in order if n._prev]
    used = [n for n in order if not n._prev]
    assert ops == len(interior) == 3 * 5 * 7 + 4  # 5 chains of 7 (*, +, relu) steps, 4 joining adds
    assert {str(n._op) for n in interior} == {"*", "+", "relu"}  # Ops hash by identity, not by name
    # All values stay positive, so relu never cuts the gradient off.
    root.backward()
    assert len(used) > 10 and all(leaf.grad > 0 for leaf in used)
    chain = bench.build_chain(leaves, 3000)
    assert len([n for n in topological_order(chain) if n._prev]) == 3000
    chain.backward()  # deeper than the recursion limit


def _plain_float_svm_loss(weights: list[float], X: list[list[float]], y: list[int]) -> float:
    """The moons loss with floats only, from the same flat weight layout
    (per neuron: its weights, then its bias)."""
    it = iter(weights)
    layers = []
    for nin, nout in ((2, 16), (16, 16), (16, 1)):
        layers.append([([next(it) for _ in range(nin)], next(it)) for _ in range(nout)])
    total = 0.0
    for row, yi in zip(X, y):
        h = row
        for depth, layer in enumerate(layers):
            z = [b + sum(w_i * h_i for w_i, h_i in zip(w, h)) for w, b in layer]
            h = z if depth == len(layers) - 1 else [max(0.0, v) for v in z]
        total += max(0.0, 1 - yi * h[0])
    return total / len(X) + 1e-4 * sum(w * w for w in weights)


def test_moons_step_computes_the_demo_loss_and_trains() -> None:
    from micrograd.data import make_moons
    from micrograd.nn import MLP

    Xa, ya = make_moons(100, noise=0.1, seed=3)
    X = Xa.tolist()
    y = [2 * int(v) - 1 for v in ya]
    model = MLP(2, [16, 16, 1], seed=3)
    # The benchmark hands weights to every engine in parameters() order, which
    # must be named_parameters' order: per neuron its weights, then its bias.
    assert model.parameters() == [p for _, p in model.named_parameters()]
    weights = [p.data for p in model.parameters()]
    step = bench.our_engine_spec().moons(X, y, weights)
    losses = [step(k, 100) for k in range(4)]
    assert losses[0] == pytest.approx(_plain_float_svm_loss(weights, X, y), rel=1e-12)
    assert losses[-1] < losses[0]


def test_reference_is_loaded_under_its_own_name(tmp_path: Path) -> None:
    # A stand-in with the reference's layout: nn.py imports micrograd.engine.
    src = tmp_path / "micrograd"
    src.mkdir()
    (src / "engine.py").write_text("class Value:\n    kind = 'stand-in'\n")
    (src / "nn.py").write_text("from micrograd.engine import Value\n")
    ref_engine, ref_nn = bench.load_reference(tmp_path)
    try:
        assert ref_engine.__name__ == "ref_micrograd.engine"
        assert ref_nn.Value is ref_engine.Value and ref_nn.Value.kind == "stand-in"
        # Our engine is untouched and still what `micrograd.engine` means.
        assert sys.modules["micrograd.engine"] is our_engine
        import micrograd.engine

        assert micrograd.engine.Value is Value
    finally:
        for name in ("ref_micrograd", "ref_micrograd.engine", "ref_micrograd.nn"):
            sys.modules.pop(name, None)


def test_readme_section_is_replaced_between_the_markers_only() -> None:
    text = "# title\n\nbefore\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n"
    new = bench.replace_section(text, "| new | table |")
    assert new == "# title\n\nbefore\n<!-- bench:start -->\n| new | table |\n<!-- bench:end -->\nafter\n"
    assert bench.replace_section(new, "| new | table |") == new  # idempotent
    with pytest.raises(ValueError, match="markers"):
        bench.replace_section("no markers here", "x")
    with pytest.raises(ValueError, match="markers"):
        bench.replace_section("<!-- bench:end -->\n<!-- bench:start -->", "x")


def test_command_line_rejects_bad_choices() -> None:
    bad = (["--engines", "numpy"], ["--workloads", "nope"], ["--engines", "torch"], ["--worker"])
    for argv in bad:
        with pytest.raises(SystemExit) as exc:
            bench.parse_args(argv)
        assert exc.value.code == 2
