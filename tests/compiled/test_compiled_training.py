"""Compiled training (micrograd.compiled.training): fit()'s step_fn, the digits showcase, the benchmark."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd.compiled import CompiledFunction, compiled_step_fn
from micrograd.engine import values
from micrograd.losses import binary_cross_entropy_with_logits, cross_entropy, hinge
from micrograd.nn import MLP

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


# ---------------------------------------------------------------------------
# benchmarks/compiled.py: its bars and its report file
# ---------------------------------------------------------------------------


def _compiled_benchmark(monkeypatch, eager_loss=0.5, compiled_loss=0.5):
    """benchmarks/compiled.py with the timed runs replaced by fixed results."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "compiled.py"
    spec = importlib.util.spec_from_file_location("micrograd_bench_compiled", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    moons = {
        "eager_ms": 10.0,
        "compiled_ms": 0.2,
        "compile_ms": 5.0,
        "ratio": 50.0,
        "ratio_100_steps_with_compile": 40.0,
        "stats": {},
    }
    training = {
        "eager": {"loss": eager_loss, "accuracy": 0.99, "seconds": 1.0},
        "compiled": {"loss": compiled_loss, "accuracy": 0.99, "seconds": 0.1},
        "same_accuracy": True,
        "loss_difference": abs(eager_loss - compiled_loss),
    }
    monkeypatch.setattr(module, "bench_moons", lambda repeats: moons)
    monkeypatch.setattr(module, "bench_moons_training", lambda: training)
    return module


def test_compiled_benchmark_bar_needs_the_same_final_loss(monkeypatch, capsys):
    # Its docstring: "final loss and accuracy must agree".
    assert _compiled_benchmark(monkeypatch).main(["--skip-digits"]) == 0
    assert _compiled_benchmark(monkeypatch, 0.5, 0.6).main(["--skip-digits"]) == 1
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
