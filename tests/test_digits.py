"""The digits classifier (micrograd.digits) trained through train.fit, eagerly
and compiled, and the digits branch of the demo command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from micrograd import checkpoint
from micrograd.classify import confusion_matrix
from micrograd.data import load_digits_split
from micrograd.digits import cosine_lr, digits_model, plot_confusion, train_digits

SMALL = {"epochs": 2, "batch_size": 16, "train_limit": 48, "progress": False}


def test_both_modes_follow_the_same_trajectory() -> None:
    compiled = train_digits(compiled=True, **SMALL)  # type: ignore[arg-type]
    eager = train_digits(compiled=False, **SMALL)  # type: ignore[arg-type]
    assert compiled.steps == eager.steps == 6
    assert [h["epoch"] for h in compiled.history] == [1, 2]
    for a, b in zip(compiled.history, eager.history):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-10)
        assert a["train_accuracy"] == b["train_accuracy"]
    np.testing.assert_allclose(
        [p.data for p in compiled.model.parameters()],
        [p.data for p in eager.model.parameters()],
        rtol=1e-9,
        atol=1e-12,
    )
    assert compiled.test_accuracy == eager.test_accuracy
    assert compiled.confusion.sum() == 359
    np.testing.assert_array_equal(compiled.confusion, eager.confusion)
    assert compiled.compile_seconds > 0 and eager.compile_seconds == 0
    assert compiled.samples_per_second > 0 and not compiled.interrupted


def test_split_and_model_shapes() -> None:
    X_train, _, X_test, y_test = load_digits_split(0)
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    assert X_train.min() >= 0.0 and X_train.max() <= 0.25  # pixels scaled to [0, 1/4]
    assert sorted(set(y_test.tolist())) == list(range(10))
    assert digits_model(0).nouts == [32, 16, 10]


def test_cosine_schedule_decays_from_lr_to_a_twentieth() -> None:
    schedule = cosine_lr(0.01, 100)
    assert schedule(0) == pytest.approx(0.01)
    assert schedule(50) == pytest.approx(0.01 * (0.05 + 0.95 / 2))
    assert schedule(100) == pytest.approx(0.0005)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="epochs"):
        train_digits(epochs=0)
    with pytest.raises(ValueError, match="train_limit"):
        train_digits(train_limit=0)
    with pytest.raises(TypeError, match="train_limit"):
        train_digits(train_limit=True)  # type: ignore[arg-type]  # a bool is not a sample count
    with pytest.raises(TypeError, match="batch_size"):
        train_digits(batch_size=2.0)  # type: ignore[arg-type]


def test_ctrl_c_keeps_the_model_trained_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    # fit's Ctrl-C handling applies to digits: the result covers the steps done.
    import micrograd.optim

    calls = 0
    step = micrograd.optim.Adam.step

    def interrupted_on_the_second_step(self: micrograd.optim.Adam) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # before any parameter changes
        step(self)

    monkeypatch.setattr(micrograd.optim.Adam, "step", interrupted_on_the_second_step)
    result = train_digits(compiled=True, **SMALL)  # type: ignore[arg-type]
    assert result.interrupted and result.steps == 1
    assert [h["epoch"] for h in result.history] == [1]  # the part of epoch 1 that was trained
    assert result.confusion.sum() == 359


def test_confusion_matrix() -> None:
    matrix = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    np.testing.assert_array_equal(matrix, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(confusion_matrix([0, 1], [1, 1]), [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="class indices"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="labels"):
        confusion_matrix([0, 1], [0], 2)


def test_demo_outputs_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from micrograd.cli.demo_digits import run_demo

    assert run_demo(compiled=True, epochs=1, seed=3, out=tmp_path, progress=False) == 0
    text = capsys.readouterr().out
    assert "held-out accuracy" in text and "samples/s" in text and "eager" in text
    assert f"wrote {tmp_path / 'digits_confusion.png'}" in text
    png = tmp_path / "digits_confusion.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    restored = checkpoint.load(tmp_path / "digits_checkpoint.json")
    assert restored.model is not None and restored.model.nouts == [32, 16, 10]
    assert len(restored.parameters) == 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert restored.optimizer_state is not None


def test_confusion_plot_leaves_the_matplotlib_backend_alone(tmp_path: Path) -> None:
    # In a notebook, writing the plot must not switch the user's backend to Agg.
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        path = plot_confusion(np.array([[3, 1], [0, 2]]), tmp_path / "cm.png")
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
