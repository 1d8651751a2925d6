"""The fit loop: history, batching, pluggable step_fn, Ctrl-C handling."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from micrograd.data import xor
from micrograd.engine import Value
from micrograd.losses import hinge
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam
from micrograd.train import LOSSES, Record, accuracy, eager_step_fn, evaluate, fit, predict

X, Y = xor(40, seed=0)


def model_and_opt(seed: int = 0) -> tuple[MLP, Adam]:
    model = MLP(2, [8, 1], seed=seed)
    return model, Adam(model.parameters(), lr=0.05)


def test_fit_learns_xor_and_records_history() -> None:
    model, opt = model_and_opt()
    history = fit(model, (X, Y), "hinge", opt, epochs=80, progress=False)
    assert len(history) == 80 and not history.interrupted
    assert set(history[0]) == {"step", "epoch", "loss", "accuracy", "lr"}
    assert [r["step"] for r in history] == list(range(80))
    assert history[-1]["loss"] < history[0]["loss"] / 5
    train_loss, train_acc = evaluate(model, X, Y, "hinge")
    assert train_acc == 1.0
    assert predict(model, X) == Y.tolist()
    assert train_loss < 0.1


def test_history_loss_is_the_batch_loss_before_the_step() -> None:
    model, opt = model_and_opt()
    expected_loss, expected_acc = evaluate(model, X, Y, "hinge")
    # shuffle=False: the same summation order, so the very same float
    history = fit(model, (X, Y), "hinge", opt, epochs=1, shuffle=False, progress=False)
    assert history[0]["loss"] == expected_loss and history[0]["accuracy"] == expected_acc


def test_mini_batches_cover_every_sample_once_per_epoch() -> None:
    seen: list[list[float]] = []
    sizes: list[int] = []

    def fake_step(xb: Sequence[Sequence[float]], yb: Sequence[int]) -> tuple[float, float]:
        sizes.append(len(xb))
        seen.extend(list(x) for x in xb)
        return 1.0, 0.5

    opt = SGD([Value(0.0)], lr=0.1)
    history = fit(
        None, (X[:10], Y[:10]), None, opt, epochs=2, batch_size=3, step_fn=fake_step, progress=False
    )
    assert sizes == [3, 3, 3, 1, 3, 3, 3, 1]
    assert len(history) == 8 and [r["epoch"] for r in history] == [0] * 4 + [1] * 4
    rows = sorted(map(tuple, X[:10].tolist()))
    assert sorted(map(tuple, seen[:10])) == rows and sorted(map(tuple, seen[10:])) == rows
    assert seen[:10] != seen[10:]  # reshuffled between epochs


def test_max_steps_stops_mid_epoch() -> None:
    model, opt = model_and_opt()
    history = fit(model, (X, Y), "hinge", opt, epochs=5, batch_size=10, max_steps=6, progress=False)
    assert [(r["epoch"], r["step"]) for r in history] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 4), (1, 5)]


def test_step_fn_hook_replaces_the_eager_step() -> None:
    # A step function that computes the same loss another way plugs in
    # without touching the loop: both runs end with identical weights.
    a, opt_a = model_and_opt(seed=3)
    b, opt_b = model_and_opt(seed=3)

    def manual_step(xb: Sequence[Sequence[float]], yb: Sequence[int]) -> tuple[float, float]:
        scores: list[Value | list[Value]] = [b(list(x)) for x in xb]
        loss = hinge(scores, [1.0 if label == 1 else -1.0 for label in yb])
        loss.backward()
        return loss.data, accuracy(scores, yb)

    fit(a, (X, Y), "hinge", opt_a, epochs=5, batch_size=16, progress=False)
    fit(None, (X, Y), None, opt_b, epochs=5, batch_size=16, step_fn=manual_step, progress=False)
    assert a.state_dict() == b.state_dict()


def test_lr_schedule_and_callback() -> None:
    model, opt = model_and_opt()
    seen: list[Record] = []
    history = fit(
        model,
        (X, Y),
        "bce",
        opt,
        epochs=4,
        lr_schedule=lambda k: 0.1 / (k + 1),
        callback=seen.append,
        progress=False,
    )
    assert [r["lr"] for r in history] == [0.1, 0.05, 0.1 / 3, 0.025]
    assert seen == list(history)


def run_steps(k: int) -> dict[str, float]:
    model, opt = model_and_opt()
    fit(model, (X, Y), "hinge", opt, epochs=k, progress=False)
    return model.state_dict()


def test_keyboard_interrupt_in_loss_keeps_completed_steps() -> None:
    model, opt = model_and_opt()
    calls = 0

    def loss_that_is_interrupted(outputs: list[Value | list[Value]], y: Sequence[int]) -> Value:
        nonlocal calls
        if calls == 3:
            raise KeyboardInterrupt
        calls += 1
        return LOSSES["hinge"](outputs, y)

    history = fit(model, (X, Y), loss_that_is_interrupted, opt, epochs=10, progress=False)
    assert history.interrupted and len(history) == 3
    # The interrupted step changed nothing: weights are those after 3 steps.
    assert model.state_dict() == run_steps(3)


def test_keyboard_interrupt_in_callback_stops_after_that_step() -> None:
    model, opt = model_and_opt()

    def stop_at_2(record: Record) -> None:
        if record["step"] == 2:
            raise KeyboardInterrupt

    history = fit(model, (X, Y), "hinge", opt, epochs=10, callback=stop_at_2, progress=False)
    assert history.interrupted and len(history) == 3
    assert model.state_dict() == run_steps(3)


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Python's own SIGINT handler (Ctrl-C raises KeyboardInterrupt) for the
    test, whatever the test runner inherited: a background job (`make test &`,
    nohup) starts with SIGINT ignored, and fit rightly leaves an ignored
    SIGINT ignored, so these tests would see no Ctrl-C at all."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_real_ctrl_c_finishes_the_current_step() -> None:
    before = signal.getsignal(signal.SIGINT)
    model, opt = model_and_opt()

    def press_ctrl_c(record: Record) -> None:
        if record["step"] == 4:
            os.kill(os.getpid(), signal.SIGINT)

    history = fit(model, (X, Y), "hinge", opt, epochs=10, callback=press_ctrl_c, progress=False)
    assert history.interrupted and len(history) == 5
    assert model.state_dict() == run_steps(5)
    assert signal.getsignal(signal.SIGINT) is before  # handler restored


@pytest.mark.usefixtures("ctrl_c_raises")
def test_second_ctrl_c_waits_for_the_optimizer_update_to_complete() -> None:
    class PressedMidUpdate(SGD):
        """Plain SGD whose third update is interrupted by two Ctrl-C presses
        halfway through its parameters."""

        calls = 0

        def step(self) -> None:
            self.calls += 1
            half = len(self.params) // 2
            for i, p in enumerate(self.params):
                if self.calls == 3 and i == half:
                    os.kill(os.getpid(), signal.SIGINT)
                    os.kill(os.getpid(), signal.SIGINT)
                p.data -= self.lr * p.grad

    model = MLP(2, [8, 1], seed=0)
    pressed = PressedMidUpdate(model.parameters(), lr=0.1)
    called: list[int] = []
    history = fit(
        model,
        (X, Y),
        "hinge",
        pressed,
        epochs=10,
        progress=False,
        callback=lambda record: called.append(record["step"]),
    )
    # The interrupted step is complete and recorded; the second press then
    # stops at once, without running the callback for it.
    assert history.interrupted and len(history) == 3
    assert called == [0, 1]
    reference = MLP(2, [8, 1], seed=0)
    plain = SGD(reference.parameters(), lr=0.1)
    fit(reference, (X, Y), "hinge", plain, epochs=10, max_steps=3, progress=False)
    assert model.state_dict() == reference.state_dict()  # every parameter got its third update


def test_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    model, opt = model_and_opt()
    fit(model, (X, Y), "hinge", opt, epochs=3, progress=True, desc="xor")
    err = capsys.readouterr().err
    assert "xor" in err and "loss=" in err and "acc=" in err and "3/3" in err


def test_cross_entropy_on_multi_output_model() -> None:
    model = MLP(2, [8, 2], seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    history = fit(model, (X, Y), "cross_entropy", opt, epochs=60, progress=False)
    assert history[-1]["loss"] < history[0]["loss"] / 3
    assert evaluate(model, X, Y, "cross_entropy")[1] >= 0.95


def test_eager_step_fn_fills_gradients() -> None:
    model, _ = model_and_opt()
    loss, acc = eager_step_fn(model, "hinge")(X.tolist(), Y.tolist())
    assert loss == evaluate(model, X, Y, "hinge")[0] and 0 <= acc <= 1
    assert any(p.grad != 0 for p in model.parameters())


def test_bad_arguments() -> None:
    model, opt = model_and_opt()
    with pytest.raises(ValueError, match="epochs"):
        fit(model, (X, Y), "hinge", opt, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, (X, Y), "hinge", opt, batch_size=0)
    with pytest.raises(ValueError, match="n labels"):
        fit(model, (X, Y[:5]), "hinge", opt)
    with pytest.raises(ValueError, match="unknown loss"):
        fit(model, (X, Y), "l1", opt)
    with pytest.raises(ValueError, match="single output"):
        fit(MLP(2, [3, 2], seed=0), (X, Y), "hinge", opt, progress=False)
    with pytest.raises(ValueError, match="model and a loss"):
        fit(None, (X, Y), None, opt)
    assert np.isnan(accuracy([], []))


def test_binary_losses_reject_labels_other_than_0_and_1() -> None:
    # -1/+1 labels (the reference micrograd's convention) used to train and
    # then report a wrong accuracy (class -1 never equals a prediction of 0);
    # bce with a label of 2 gave a negative loss.
    model, opt = model_and_opt()
    signed = 2 * Y - 1
    for loss in ("hinge", "bce"):
        with pytest.raises(ValueError, match="0 or 1"):
            fit(model, (X, signed), loss, opt, progress=False)
        with pytest.raises(ValueError, match="0 or 1"):
            evaluate(model, X, signed, loss)
        with pytest.raises(ValueError, match="0 or 1"):
            fit(model, (X, 2 * Y), loss, opt, progress=False)


def test_fractional_labels_are_rejected_not_truncated() -> None:
    model, opt = model_and_opt()
    with pytest.raises(ValueError, match="class indices"):
        fit(model, (X, Y * 0.5 + 0.25), "hinge", opt, progress=False)
    with pytest.raises(ValueError, match="class indices"):
        evaluate(model, X, Y * 0.7, "cross_entropy")
    # whole-number floats are fine
    assert len(fit(model, (X, Y.astype(float)), "hinge", opt, progress=False)) == 1


def test_ignored_ctrl_c_stays_ignored() -> None:
    # A job started in the background by a non-interactive shell has SIGINT
    # ignored; fit used to install its handler anyway, so a Ctrl-C meant for
    # the foreground stopped the background training.
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        model, opt = model_and_opt()

        def press_ctrl_c(record: Record) -> None:
            if record["step"] == 1:
                os.kill(os.getpid(), signal.SIGINT)

        history = fit(model, (X, Y), "hinge", opt, epochs=4, callback=press_ctrl_c, progress=False)
        assert not history.interrupted and len(history) == 4
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_one_hot_labels_are_a_clear_error() -> None:
    # Was "int() argument must be ... not 'list'".
    model = MLP(2, [4, 2], seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    one_hot = np.eye(2)[Y]
    with pytest.raises(ValueError, match=r"one class index per sample.*\(40, 2\)"):
        fit(model, (X, one_hot), "cross_entropy", opt, progress=False)
    with pytest.raises(ValueError, match="one class index per sample"):
        evaluate(model, X, one_hot, "cross_entropy")
