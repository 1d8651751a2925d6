"""A 64-32-16-10 softmax classifier for scikit-learn's 8x8 digits, trained by
:func:`micrograd.train.fit` eagerly or with a compiled step
(:func:`micrograd.compiled.compiled_step_fn`).

The data ships inside scikit-learn (1,797 images of 8x8 pixels), so nothing
is downloaded; :func:`micrograd.data.load_digits_split` scales the pixels and
holds out 20% for testing.  The loss of one sample with logits ``z`` and
label ``y`` is the softmax cross-entropy

    l = logsumexp(z) - z_y,      dl/dz_k = softmax(z)_k - [k == y],

averaged over a batch, plus L2 weight decay in the optimizer (Adam with
``weight_decay``).  Both modes use the same model, initial weights, batches,
learning-rate schedule and optimizer, so they follow the same trajectory up
to floating-point rounding and reach the same accuracy; the compiled one is
tens of times faster per sample (``benchmarks/compiled.py`` measures both
rates; on digits most of a compiled step is Adam's Python loop).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from micrograd.classify import confusion_matrix, predict
from micrograd.data import load_digits_split
from micrograd.nn import MLP
from micrograd.optim import Adam
from micrograd.train import History, StepFn, eager_step_fn, fit
from micrograd.validate import check_int

__all__ = [
    "HIDDEN",
    "N_CLASSES",
    "N_FEATURES",
    "DigitsResult",
    "confusion_matrix",
    "cosine_lr",
    "digits_model",
    "eager_samples_per_second",
    "load_digits_split",
    "plot_confusion",
    "train_digits",
]

IntArray = NDArray[np.int64]
N_FEATURES = 64
N_CLASSES = 10
HIDDEN = (32, 16)


def digits_model(seed: int = 0) -> MLP:
    """``MLP(64, [32, 16, 10])``: ReLU hidden layers, linear logits."""
    return MLP(N_FEATURES, [*HIDDEN, N_CLASSES], seed=seed)


def cosine_lr(lr: float, total_steps: int, floor: float = 0.05) -> Callable[[int], float]:
    """``step -> lr * (floor + (1 - floor) * (1 + cos(pi * step / total_steps)) / 2)``:
    a cosine decay from ``lr`` at step 0 towards ``floor * lr``."""
    return lambda step: lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * step / total_steps)))


@dataclass
class DigitsResult:
    """What :func:`train_digits` returns.  ``history`` has one record per
    epoch: ``{"epoch", "loss", "train_accuracy"}``, the mean batch loss and
    accuracy over the epoch's samples (while training); ``steps`` counts
    the optimizer steps.  Rates are training samples per second of wall time
    spent in :func:`~micrograd.train.fit` (forward, backward, optimizer)."""

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
    interrupted: bool = False


def _counting(step: StepFn, sizes: list[int]) -> StepFn:
    """``step``, noting each batch's size (fit's records give the batch's mean loss and accuracy)."""

    @functools.wraps(step)  # keeps step's attributes (accepts_arrays: fit passes numpy batches)
    def counted(X: Sequence[Sequence[float]], y: Sequence[int]) -> tuple[float, float]:
        result = step(X, y)
        sizes.append(len(y))
        return result

    return counted


def _per_epoch(steps: History, sizes: list[int]) -> list[dict[str, float]]:
    """Sample-weighted means of the step records of each epoch."""
    totals: dict[int, list[float]] = {}  # epoch -> [samples, loss * samples, correct]
    for record, size in zip(steps, sizes):
        total = totals.setdefault(int(record["epoch"]), [0.0, 0.0, 0.0])
        total[0] += size
        total[1] += record["loss"] * size
        total[2] += round(record["accuracy"] * size)
    return [
        {"epoch": epoch + 1, "loss": loss / samples, "train_accuracy": correct / samples}
        for epoch, (samples, loss, correct) in sorted(totals.items())
    ]


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
    """Train :func:`digits_model` with softmax cross-entropy and Adam through
    :func:`~micrograd.train.fit`.

    ``compiled`` selects the compiled step (default) or the eager one;
    everything else is identical.  ``train_limit`` keeps only the first
    ``train_limit`` training samples (to compare the modes cheaply).  The
    learning rate decays with a cosine from ``lr`` to ``lr / 20``
    (:func:`cosine_lr`).  Ctrl-C stops after the current step; the result
    then describes the model trained so far (``interrupted`` is True).
    """
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    if train_limit is not None:
        train_limit = check_int(train_limit, "train_limit")
    X_train, y_train, X_test, y_test = load_digits_split(seed)
    if train_limit is not None:
        X_train, y_train = X_train[:train_limit], y_train[:train_limit]

    model = digits_model(seed)
    optimizer = Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    compile_seconds = 0.0
    if compiled:
        from micrograd.compiled import compiled_step_fn

        step: StepFn = compiled_step_fn(model, "cross_entropy", N_FEATURES)
        compile_seconds = step.compiled.compile_seconds  # type: ignore[attr-defined]
    else:
        step = eager_step_fn(model, "cross_entropy")
    sizes: list[int] = []
    total_steps = epochs * math.ceil(len(y_train) / batch_size)
    began = time.perf_counter()
    steps = fit(
        model,
        (X_train, y_train),
        "cross_entropy",
        optimizer,
        epochs,
        batch_size,
        step_fn=_counting(step, sizes),
        seed=seed,
        lr_schedule=cosine_lr(lr, total_steps),
        progress=progress,
        desc="digits (compiled)" if compiled else "digits (eager)",
    )
    train_seconds = time.perf_counter() - began
    history = _per_epoch(steps, sizes)
    predicted = np.asarray(predict(model, X_test), dtype=np.int64)
    samples = sum(sizes[: len(steps)])
    return DigitsResult(
        model=model,
        optimizer=optimizer,
        compiled=compiled,
        epochs=epochs,
        steps=len(steps),
        train_accuracy=history[-1]["train_accuracy"] if history else math.nan,
        test_accuracy=float(np.mean(predicted == y_test)),
        confusion=confusion_matrix(y_test, predicted, N_CLASSES),
        train_seconds=train_seconds,
        samples_per_second=samples / train_seconds if train_seconds > 0 else math.inf,
        compile_seconds=compile_seconds,
        history=history,
        interrupted=steps.interrupted,
    )


def eager_samples_per_second(samples: int = 64, seed: int = 0) -> float:
    """Eager training throughput: one :func:`~micrograd.train.fit` step
    (forward, backward, Adam) on a batch of the first ``samples`` training
    images; the full eager run is too slow to time."""
    samples = check_int(samples, "samples")
    X_train, y_train, _, _ = load_digits_split(seed)
    X, y = X_train[:samples], y_train[:samples]
    model = digits_model(seed)
    optimizer = Adam(model.parameters(), lr=1e-3)
    began = time.perf_counter()
    fit(model, (X, y), "cross_entropy", optimizer, shuffle=False, progress=False)
    return len(y) / (time.perf_counter() - began)


def plot_confusion(
    matrix: IntArray, path: str | Path, title: str = "digits: held-out confusion matrix"
) -> Path:
    """Write the confusion matrix (rows: true class, columns: predicted) as a
    PNG with each cell's count, with matplotlib's Agg renderer on a bare
    ``Figure`` as :mod:`micrograd.viz.plots` does (pyplot and the user's
    backend are left alone; atomic write)."""
    from micrograd.viz.plots import new_figure, save_png

    fig = new_figure(5.5, 5)
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
    return save_png(fig, path)
