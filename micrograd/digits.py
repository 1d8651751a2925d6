"""A 64-32-16-10 softmax classifier for scikit-learn's 8x8 digits, trained
eagerly or through a compiled tape (:mod:`micrograd.compile`).

The data ships inside scikit-learn (``sklearn.datasets.load_digits``: 1,797
images of 8x8 pixels, intensities 0..16), so nothing is downloaded.  Pixels
are scaled to [0, 1/4]: the MLP draws weights from U(-1, 1), and 64 inputs of
that size keep the first layer's pre-activations of order one (inputs in
[0, 1] start with logits in the tens and a loss near 4).  A seeded shuffle
holds out 20% for testing.

The loss of one sample with logits ``z`` and one-hot target ``t`` is the
softmax cross-entropy

    l = logsumexp(z) - sum_k t_k z_k,      dl/dz_k = softmax(z)_k - t_k,

written with Value ops so the same function runs eagerly and traced.  The
stable form of log-sum-exp subtracts ``max_k z_k``, a data-dependent number:
baked into a tape it would be the example's maximum, wrong for every other
sample's stability.  So the whole reduction is one op,
:func:`micrograd.tape.logsumexp`, which the compiled replay computes with the
max shift per sample, in numpy.

Both modes use the same model, initial weights, batches and Adam optimizer
(``micrograd.optim.Adam``, with ``weight_decay`` as L2), so they follow the
same trajectory up to floating-point rounding and reach the same accuracy; the
compiled one is tens of times faster per sample (``benchmarks/compiled.py``
measures both rates; on digits most of a compiled step is Adam's Python loop).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from micrograd.compile import CompiledFunction, compile_fn
from micrograd.data import load_digits, train_test_split
from micrograd.engine import Value, linear, no_grad, values
from micrograd.nn import MLP
from micrograd.optim import Adam
from micrograd.tape import logsumexp

__all__ = [
    "DigitsResult",
    "confusion_matrix",
    "cross_entropy_fn",
    "eager_samples_per_second",
    "load_digits_split",
    "plot_confusion",
    "run_demo",
    "train_digits",
    "write_outputs",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
N_FEATURES = 64
N_CLASSES = 10
HIDDEN = (32, 16)


def load_digits_split(
    seed: int = 0, test_fraction: float = 0.2
) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """``(X_train, y_train, X_test, y_test)``: pixels scaled to [0, 1/4], labels
    0..9, a seeded split (stratified by class) holding out ``test_fraction`` of
    the samples.

    The extra factor 1/4 on top of ``load_digits``'s [0, 1] keeps the first
    logits of an ``MLP`` with U(-1, 1) weights small enough to train well.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X / 4.0, y, test_fraction=test_fraction, seed=seed)
    return X_train, y_train, X_test, y_test


def cross_entropy_fn(model: MLP) -> Callable[[list[Value], list[Value]], tuple[Value, list[Value]]]:
    """``fn(x, t) -> (loss, logits)`` for one sample: ``logsumexp(z) - t . z``
    with ``t`` the one-hot target (an input, so one tape serves every label).
    ``t . z`` is a single fused ``linear`` node with zero bias."""

    def fn(x: list[Value], target: list[Value]) -> tuple[Value, list[Value]]:
        out = model(x)
        logits = out if isinstance(out, list) else [out]
        return logsumexp(logits) - linear(target, logits, Value(0.0)), logits

    return fn


def confusion_matrix(y_true: IntArray, y_pred: IntArray, n_classes: int = N_CLASSES) -> IntArray:
    """``C[i, j]`` = number of samples of class ``i`` predicted as ``j``."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


@dataclass
class DigitsResult:
    """What :func:`train_digits` returns.  Rates are training samples per
    second of wall time spent in steps (forward, backward, optimizer)."""

    model: MLP
    optimizer: Adam
    compiled: bool
    epochs: int
    steps: int
    train_accuracy: float
    test_accuracy: float
    confusion: IntArray
    train_seconds: float
    samples_per_second: float
    compile_seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


def _predict(model: MLP, compiled: CompiledFunction | None, X: FloatArray) -> IntArray:
    if compiled is not None:
        out = compiled.forward(X, np.zeros((len(X), N_CLASSES)))
        assert isinstance(out, tuple)
        return np.asarray(out[1].argmax(axis=1), dtype=np.int64)
    predictions = []
    with no_grad():
        for row in X.tolist():
            logits = model(row)
            assert isinstance(logits, list)
            predictions.append(max(range(N_CLASSES), key=lambda k: logits[k].data))
    return np.asarray(predictions, dtype=np.int64)


def _eager_batch(
    fn: Callable[[list[Value], list[Value]], tuple[Value, list[Value]]],
    X: FloatArray,
    T: FloatArray,
) -> tuple[float, FloatArray]:
    """Mean loss over the batch, built as one Value graph; backward() fills p.grad."""
    losses: list[Value] = []
    scores: list[list[float]] = []
    for x, t in zip(X.tolist(), T.tolist()):
        loss, logits = fn(values(x), values(t))
        losses.append(loss)
        scores.append([z.data for z in logits])
    total = sum(losses, Value(0.0)) / len(losses)
    total.backward()
    return total.data, np.asarray(scores)


def train_digits(
    *,
    compiled: bool = True,
    epochs: int = 60,
    batch_size: int = 32,
    lr: float = 1e-2,
    weight_decay: float = 1e-4,
    seed: int = 0,
    train_limit: int | None = None,
    progress: bool = True,
) -> DigitsResult:
    """Train ``MLP(64, [32, 16, 10])`` with softmax cross-entropy and Adam.

    ``compiled`` selects the compiled tape (default) or the eager engine;
    everything else is identical.  ``train_limit`` keeps only the first
    ``train_limit`` training samples (to compare the modes cheaply).  The
    learning rate decays with a cosine from ``lr`` to ``lr / 20``.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if train_limit is not None and (
        isinstance(train_limit, bool) or not isinstance(train_limit, int) or train_limit < 1
    ):
        raise ValueError(f"train_limit must be None or an int >= 1, got {train_limit!r}")
    X_train, y_train, X_test, y_test = load_digits_split(seed)
    if train_limit is not None:
        X_train, y_train = X_train[:train_limit], y_train[:train_limit]
    T_train = np.eye(N_CLASSES)[y_train]

    model = MLP(N_FEATURES, [*HIDDEN, N_CLASSES], seed=seed)
    params = model.parameters()
    optimizer = Adam(params, lr=lr, weight_decay=weight_decay)
    fn = cross_entropy_fn(model)
    program: CompiledFunction | None = None
    if compiled:
        program = compile_fn(fn, (X_train[0], T_train[0]), params=params)

    n = len(y_train)
    steps_per_epoch = math.ceil(n / batch_size)
    total_steps = epochs * steps_per_epoch
    rng = np.random.default_rng(seed)
    history: list[dict[str, float]] = []
    desc = "digits (compiled)" if compiled else "digits (eager)"
    bar = tqdm(total=total_steps, desc=desc, unit="step", disable=not progress)
    step = 0
    train_seconds = 0.0
    correct = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        correct, loss_sum = 0, 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            optimizer.lr = lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / total_steps)))
            began = time.perf_counter()
            optimizer.zero_grad()
            if program is not None:
                result = program(X_train[batch], T_train[batch])
                assert isinstance(result.outputs, tuple)
                loss, scores = result.loss, result.outputs[1]
            else:
                loss, scores = _eager_batch(fn, X_train[batch], T_train[batch])
            optimizer.step()
            train_seconds += time.perf_counter() - began
            correct += int(np.sum(scores.argmax(axis=1) == y_train[batch]))
            loss_sum += loss * len(batch)
            step += 1
            bar.update(1)
            # refresh=False: let tqdm redraw at its own pace, not on every step.
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss:.4f}", refresh=False)
        history.append({"epoch": epoch + 1, "loss": loss_sum / n, "train_accuracy": correct / n})
    bar.close()

    predicted = _predict(model, program, X_test)
    return DigitsResult(
        model=model,
        optimizer=optimizer,
        compiled=compiled,
        epochs=epochs,
        steps=step,
        train_accuracy=history[-1]["train_accuracy"],
        test_accuracy=float(np.mean(predicted == y_test)),
        confusion=confusion_matrix(y_test, predicted),
        train_seconds=train_seconds,
        samples_per_second=epochs * n / train_seconds if train_seconds > 0 else math.inf,
        compile_seconds=program.compile_seconds if program is not None else 0.0,
        history=history,
    )


def eager_samples_per_second(samples: int = 64, seed: int = 0) -> float:
    """Eager training throughput (forward + backward + Adam step, one batch of
    ``samples``), measured on a small slice: the full eager run is too slow."""
    X_train, y_train, _, _ = load_digits_split(seed)
    model = MLP(N_FEATURES, [*HIDDEN, N_CLASSES], seed=seed)
    optimizer = Adam(model.parameters(), lr=1e-3)
    fn = cross_entropy_fn(model)
    X, T = X_train[:samples], np.eye(N_CLASSES)[y_train[:samples]]
    began = time.perf_counter()
    optimizer.zero_grad()
    _eager_batch(fn, X, T)
    optimizer.step()
    return samples / (time.perf_counter() - began)


def plot_confusion(
    matrix: IntArray, path: str | Path, title: str = "digits: held-out confusion matrix"
) -> Path:
    """Write the confusion matrix as a PNG (matplotlib's Agg renderer on a bare
    ``Figure``, as :mod:`micrograd.plots`: pyplot and the user's backend are
    left alone; atomic write)."""
    from micrograd.plots import _new_figure, _save

    fig = _new_figure(5.5, 5)
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    n = matrix.shape[0]
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    threshold = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            color = "white" if matrix[i, j] > threshold else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=color, fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def write_outputs(result: DigitsResult, out_dir: str | Path) -> dict[str, Path]:
    """The confusion-matrix plot and a JSON checkpoint (model + optimizer state)
    in ``out_dir``; returns their paths."""
    from micrograd.checkpoint import save

    folder = Path(out_dir)
    mode = "compiled" if result.compiled else "eager"
    return {
        "confusion": plot_confusion(
            result.confusion,
            folder / "digits_confusion.png",
            title=f"digits ({mode}): test accuracy {result.test_accuracy:.1%}",
        ),
        "checkpoint": save(result.model, folder / "digits_checkpoint.json", result.optimizer),
    }


def run_demo(
    *,
    compiled: bool = True,
    epochs: int | None = None,
    seed: int = 0,
    out: str | Path = Path("out/demo"),
    progress: bool = True,
) -> int:
    """``python -m micrograd demo --dataset digits [--compiled]``: train, print
    the held-out accuracy and both modes' rates, write the confusion-matrix plot
    and the checkpoint.  The eager rate is measured on a 64-sample slice (the
    full eager run takes minutes); returns the exit status."""
    result = train_digits(
        compiled=compiled, epochs=60 if epochs is None else epochs, seed=seed, progress=progress
    )
    files = write_outputs(result, out)
    eager_rate = result.samples_per_second if not compiled else eager_samples_per_second(64, seed)
    samples = result.samples_per_second * result.train_seconds
    mode = "compiled" if compiled else "eager"
    print(
        f"digits ({mode}): {result.epochs} epochs, {result.steps} steps in {result.train_seconds:.1f} s; "
        f"held-out accuracy {result.test_accuracy:.1%} ({int(result.confusion.sum())} images), "
        f"training accuracy {result.train_accuracy:.1%}"
    )
    if compiled:
        print(
            f"rates: compiled {result.samples_per_second:,.0f} samples/s (compiled once in "
            f"{result.compile_seconds * 1e3:.0f} ms), eager {eager_rate:,.0f} samples/s "
            f"(measured on 64 samples): this run eager would take ~{samples / eager_rate / 60:.1f} min"
        )
    else:
        print(f"rate: eager {eager_rate:,.0f} samples/s (--compiled is much faster)")
    for path in files.values():
        print(f"wrote {path}")
    return 0
