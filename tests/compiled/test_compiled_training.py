"""Compiled training (micrograd.compiled.training): fit()'s step_fn, the digits showcase, the benchmark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from micrograd import checkpoint
from micrograd.compiled import CompiledFunction, ResidentValue, compiled_step_fn
from micrograd.engine import Value, values
from micrograd.losses import binary_cross_entropy_with_logits, cross_entropy, hinge
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, AdamW
from micrograd.train import fit

# ---------------------------------------------------------------------------
# fit() integration
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "nouts", "eager_loss"),
    [
        ("hinge", [6, 1], lambda outs, y: hinge(outs, [2.0 * t - 1 for t in y])),
        ("bce", [6, 1], lambda outs, y: binary_cross_entropy_with_logits(outs, [float(t) for t in y])),
        ("cross_entropy", [6, 3], lambda outs, y: cross_entropy(outs, list(y))),
    ],
)
def test_compiled_step_fn_matches_eager_losses(loss, nouts, eager_loss):
    model = MLP(4, nouts, seed=14)
    params = model.parameters()
    rng = np.random.default_rng(15)
    X = rng.normal(size=(10, 4)) * 2
    y = rng.integers(0, nouts[-1] if nouts[-1] > 1 else 2, size=10).tolist()
    step = compiled_step_fn(model, loss, 4)
    assert isinstance(step.compiled, CompiledFunction)
    for p in params:
        p.grad = 0.0
    loss_value, acc = step(X.tolist(), y)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    outs = [model(values(x.tolist())) for x in X]
    eager = eager_loss(outs, y)
    eager.backward()
    assert loss_value == pytest.approx(eager.data, rel=1e-12)
    np.testing.assert_allclose(grads, [p.grad for p in params], rtol=1e-12, atol=1e-14)
    if nouts[-1] == 1:
        predicted = [1 if o.data > 0 else 0 for o in outs]
    else:
        predicted = [max(range(len(o)), key=lambda k, o=o: o[k].data) for o in outs]
    assert acc == pytest.approx(np.mean(np.array(predicted) == np.array(y)))


def test_compiled_step_fn_rejects_unknown_loss():
    with pytest.raises(ValueError, match="cannot be compiled"):
        compiled_step_fn(MLP(2, [1], seed=0), "mse", 2)
    with pytest.raises(ValueError, match="one output"):
        compiled_step_fn(MLP(2, [3], seed=0), "hinge", 2)


def test_compiled_step_fn_checks_labels_as_eagerly():
    # Labels the eager losses refuse are refused here too, instead of numpy
    # wrapping eye[-1] to the last class, truncating 0.5 to class 0, or taking
    # a label 2 as a hinge/bce target.
    from micrograd.train import eager_step_fn

    X = [[0.1, 0.2], [0.3, -0.4], [-1.0, 0.5]]
    model = MLP(2, [3], seed=0)
    for bad in ([0, -1, 2], [0, 3, 1], [0, 0.5, 1]):
        with pytest.raises(ValueError, match="out of range"):
            compiled_step_fn(model, "cross_entropy", 2)(X, bad)
    for bad in ([0, -1, 2], [0, 3, 1]):
        with pytest.raises(ValueError, match="out of range"):
            eager_step_fn(model, "cross_entropy")(X, bad)
    binary = MLP(2, [4, 1], seed=1)
    for loss in ("hinge", "bce"):
        for bad in ([2, 0, 1], [-1, 1, 1], [0, 0.5, 1]):
            with pytest.raises(ValueError, match="labels 0 or 1"):
                compiled_step_fn(binary, loss, 2)(X, bad)
        with pytest.raises(ValueError, match="labels 0 or 1"):
            eager_step_fn(binary, loss)(X, [2, 0, 1])


@pytest.mark.parametrize(
    ("loss", "nouts", "make_opt"),
    [
        ("cross_entropy", [8, 3], lambda p: Adam(p, lr=0.02, weight_decay=1e-4)),
        ("hinge", [8, 1], lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
        ("bce", [6, 1], lambda p: AdamW(p, lr=0.01)),
    ],
)
def test_fit_compiled_then_checkpoint_gives_the_eager_numbers(tmp_path, loss, nouts, make_opt):
    # fit(compiled=True): gradients from the tape, the optimizer on the store's arrays;
    # the checkpoint written afterwards holds the same numbers as an eager run's.
    rng = np.random.default_rng(21)
    X = rng.normal(size=(40, 4))
    y = rng.integers(0, nouts[-1] if nouts[-1] > 1 else 2, size=40)
    saved = {}
    for compiled in (False, True):
        model = MLP(4, nouts, seed=22)
        opt = make_opt(model.parameters())
        kinds: set[type] = set()
        history = fit(
            model,
            (X, y),
            loss,
            opt,
            epochs=6,
            batch_size=8,
            compiled=compiled,
            progress=False,
            callback=lambda record, kinds=kinds, model=model: kinds.add(type(model.parameters()[0])),
        )
        assert len(history) == 30
        # During training the parameters live in numpy (the fast path), only then.
        assert all(issubclass(k, ResidentValue) for k in kinds) if compiled else kinds == {Value}
        if compiled:
            # The optimizer ran on arrays (its state is arrays now); after fit the
            # parameters are plain Values again, for eager code such as predict().
            assert type(getattr(opt, "m", getattr(opt, "buffers", None))) is np.ndarray
            assert all(type(p) is Value for p in model.parameters())
        path = checkpoint.save(model, tmp_path / f"{compiled}.json", opt)
        saved[compiled] = json.loads(path.read_text())["payload"]
    eager, fast = saved[False], saved[True]
    assert eager["parameters"].keys() == fast["parameters"].keys()
    for name, value in eager["parameters"].items():
        assert fast["parameters"][name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    for key, value in eager["optimizer"]["state"].items():
        np.testing.assert_allclose(fast["optimizer"]["state"][key], value, rtol=1e-12, atol=1e-15)
    assert fast["optimizer"]["hyperparameters"] == eager["optimizer"]["hyperparameters"]
    # Loading it back into a fresh (plain) model gives the trained numbers.
    restored = checkpoint.load(tmp_path / "True.json")
    assert [p.data for p in restored.model.parameters()] == list(fast["parameters"].values())


def test_fit_compiled_refuses_what_it_cannot_compile():
    X, y = np.zeros((4, 2)), [0, 1, 0, 1]
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="compiled=True needs"):
        fit(model, (X, y), "mse", SGD(model.parameters()), compiled=True, progress=False)
    with pytest.raises(ValueError, match="not both"):
        fit(model, (X, y), "hinge", SGD(model.parameters()), compiled=True, step_fn=lambda a, b: (0.0, 0.0))


# ---------------------------------------------------------------------------
# benchmarks/compiled.py: its bars and its report file
# ---------------------------------------------------------------------------


def _compiled_benchmark(monkeypatch, eager_loss=0.5, compiled_loss=0.5, digits_torch_us=(500, 520, 480)):
    """benchmarks/compiled.py with the timed runs (pyperf rounds, compile times, training) replaced
    by fixed results: compiled steps of 100 us (digits) and 50 us (moons)."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "compiled.py"
    spec = importlib.util.spec_from_file_location("micrograd_bench_compiled", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rounds = [
        {
            "digits-micrograd": 100e-6,
            "digits-torch": torch_us * 1e-6,
            "moons-micrograd": 50e-6,
            "moons-torch": 400e-6,
            "moons-eager": 5e-3,
        }
        for torch_us in digits_torch_us
    ]
    training = {
        "eager": {"loss": eager_loss, "accuracy": 0.99, "seconds": 1.0},
        "compiled": {"loss": compiled_loss, "accuracy": 0.99, "seconds": 0.1},
        "same_accuracy": True,
        "loss_difference": abs(eager_loss - compiled_loss),
    }
    monkeypatch.setattr(module, "run_rounds", lambda n, quick, keep: rounds[:n])
    monkeypatch.setattr(module, "compile_times", lambda: {"digits": [0.01] * 3, "moons": [0.02] * 3})
    monkeypatch.setattr(module, "bench_moons_training", lambda: training)
    return module


def test_compiled_benchmark_bar_needs_the_same_final_loss(monkeypatch, capsys):
    # Its docstring: "final loss and accuracy must agree".
    assert _compiled_benchmark(monkeypatch).main(["--skip-digits"]) == 0
    assert _compiled_benchmark(monkeypatch, 0.5, 0.6).main(["--skip-digits"]) == 1
    assert "BAR MISSED" in capsys.readouterr().out


def test_compiled_benchmark_bar_needs_2x_pytorch_in_every_round(monkeypatch, capsys):
    module = _compiled_benchmark(monkeypatch)
    assert module.main(["--skip-digits"]) == 0
    out = capsys.readouterr().out
    assert "moonshot (digits >= 5x PyTorch): met (5.00x)" in out
    assert "| digits 64-32-16-10" in out and "**5.0x (4.8-5.2x)**" in out  # the markdown table
    assert _compiled_benchmark(monkeypatch, digits_torch_us=(500, 190, 480)).main(["--skip-digits"]) == 1
    assert "BAR MISSED" in capsys.readouterr().out


def test_compiled_benchmark_writes_its_json_atomically(monkeypatch, tmp_path):
    # A write that fails half way (disk full) leaves the previous report whole.
    import errno
    import os

    report = tmp_path / "compiled.json"
    report.write_text('{"old": true}\n')
    module = _compiled_benchmark(monkeypatch)

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OSError, match="No space"):
        module.main(["--skip-digits", "--json", str(report)])
    monkeypatch.undo()
    assert report.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["compiled.json"]


def _benchmark_script(name):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"micrograd_bench_{name}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, script


def test_the_pyperf_script_times_every_engine_of_a_workload(tmp_path):
    # What compiled.py runs in rounds: one pyperf value per benchmark here (a smoke test).
    import subprocess
    import sys

    import pyperf

    _, script = _benchmark_script("compiled_pyperf")
    out = tmp_path / "round.json"
    cmd = [sys.executable, str(script), "--debug-single-value", "--workloads", "moons", "--quiet"]
    cmd += ["-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    suite = pyperf.BenchmarkSuite.load(str(out))
    assert [b.get_name() for b in suite.get_benchmarks()] == ["moons-micrograd", "moons-torch", "moons-eager"]
    assert all(b.median() > 0 for b in suite.get_benchmarks())


def test_the_profile_counts_a_steps_numpy_calls_without_changing_its_numbers():
    profile, _ = _benchmark_script("profile_compiled")
    total, counts = profile.numpy_calls_per_step("moons", warmup=2)
    # The fast path: a few dozen numpy calls per moons step (187 before issue 14).
    assert 30 <= total <= 120 and counts["ufunc matmul"] + counts["np.dot"] >= 3
    # Counting ran a real step: the same parameters as an uncounted run of as many steps.
    plain = profile.build("moons", "micrograd")
    for _ in range(3):
        plain.step()
    counted = profile.build("moons", "micrograd")
    with profile.counting():
        for _ in range(3):
            counted.step()
    assert counted.params() == plain.params()
