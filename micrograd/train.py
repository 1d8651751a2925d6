"""A small training loop: ``fit(model, (X, y), loss, optimizer, epochs, batch_size)``.

One step is::

    optimizer.zero_grad()
    loss, accuracy = step_fn(batch_X, batch_y)   # forward + backward: fills p.grad
    optimizer.step()

``step_fn`` is the only place that knows how gradients are computed.  The
default, :func:`eager_step_fn`, builds the Value graph of the batch and calls
``backward()``; a compiled implementation (evaluating the whole batch with
numpy) can be passed as ``fit(..., step_fn=...)`` without touching the loop.

Labels are class indices ``0 .. C-1``.  A model with one output is a binary
classifier whose score is positive for class 1; a model with ``C`` outputs
predicts the argmax.

Ctrl-C during ``fit`` finishes the current step, then stops and returns the
history so far (``history.interrupted`` is True); a second Ctrl-C stops at
once, except during the optimizer's update, which always completes so that no
parameter is left half-updated; it then stops right after the update.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from micrograd.engine import Value, no_grad
from micrograd.losses import binary_cross_entropy_with_logits, cross_entropy, hinge

__all__ = [
    "LOSSES",
    "History",
    "LossFn",
    "StepFn",
    "accuracy",
    "eager_step_fn",
    "evaluate",
    "fit",
    "predict",
    "predicted_class",
]

Output = Value | list[Value]
Rows = Sequence[Sequence[float]]
# What evaluate/predict accept: lists of rows or a numpy array (likewise labels).
RowsLike = Sequence[Sequence[float]] | NDArray[Any]
LabelsLike = Sequence[int] | NDArray[Any]
LossFn = Callable[[list[Output], Sequence[int]], Value]
Record = dict[str, float]
# Anything that maps one row of numbers to an output (an MLP, a Layer, a function).
Model = Callable[[list[float]], Output]


class StepFn(Protocol):
    """Compute the loss of one batch and add its gradient into every
    parameter's ``grad`` (which ``fit`` has zeroed); return
    ``(loss, accuracy)`` as floats."""

    def __call__(self, X: Rows, y: Sequence[int], /) -> tuple[float, float]: ...


class OptimizerLike(Protocol):
    lr: float

    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


# ---------------------------------------------------------------------------
# Losses on class-index labels
# ---------------------------------------------------------------------------


def _scores(outputs: list[Output]) -> list[Value]:
    if not all(isinstance(o, Value) for o in outputs):
        raise ValueError("this loss needs a model with a single output (a binary score)")
    return [o for o in outputs if isinstance(o, Value)]


def _check_binary(y: Sequence[int], loss: str) -> None:
    for label in y:
        if label not in (0, 1):
            raise ValueError(
                f"the {loss!r} loss needs class labels 0 or 1, got {label!r} "
                "(for -1/+1 labels pass (y + 1) // 2)"
            )


def _hinge(outputs: list[Output], y: Sequence[int]) -> Value:
    """Max-margin loss with class 1 -> +1 and class 0 -> -1."""
    _check_binary(y, "hinge")
    return hinge(_scores(outputs), [1.0 if label == 1 else -1.0 for label in y])


def _bce(outputs: list[Output], y: Sequence[int]) -> Value:
    _check_binary(y, "bce")
    return binary_cross_entropy_with_logits(_scores(outputs), [float(label) for label in y])


def _cross_entropy(outputs: list[Output], y: Sequence[int]) -> Value:
    rows = [o if isinstance(o, list) else [o] for o in outputs]
    return cross_entropy(rows, list(y))


LOSSES: dict[str, LossFn] = {"hinge": _hinge, "bce": _bce, "cross_entropy": _cross_entropy}


def predicted_class(output: Output) -> int:
    """The class a model output stands for: 1 if a single score is > 0 else 0;
    for a list of logits, the index of the largest."""
    if isinstance(output, Value):
        return 1 if output.data > 0 else 0
    best = max(range(len(output)), key=lambda k: output[k].data)
    return best


def accuracy(outputs: Sequence[Output], y: Sequence[int]) -> float:
    """Fraction of samples whose predicted class (score > 0, or argmax) is ``y``."""
    if not outputs:
        return math.nan
    return sum(predicted_class(o) == label for o, label in zip(outputs, y)) / len(outputs)


def _labels(y: Any) -> list[int]:
    """Class indices as ints; a fractional label is an error, never truncated."""
    array = np.asarray(y)
    if array.ndim != 1:
        raise ValueError(f"labels must be one class index per sample (not one-hot), got shape {array.shape}")
    labels: list[int] = []
    for label in array.tolist():
        if isinstance(label, float) and not label.is_integer():
            raise ValueError(f"labels must be class indices 0 .. C-1, got {label!r}")
        labels.append(int(label))
    return labels


def _rows(X: RowsLike) -> list[list[float]]:
    rows: list[list[float]] = np.asarray(X, dtype=np.float64).tolist()
    return rows


def predict(model: Model, X: RowsLike) -> list[int]:
    """Predicted class of every row (no graph is recorded)."""
    with no_grad():
        return [predicted_class(model(x)) for x in _rows(X)]


def evaluate(model: Model, X: RowsLike, y: LabelsLike, loss: str | LossFn) -> tuple[float, float]:
    """``(loss, accuracy)`` on a data set, without recording a graph."""
    loss_fn = _loss_fn(loss)
    labels = _labels(y)
    with no_grad():
        outputs = [model(x) for x in _rows(X)]
        return loss_fn(outputs, labels).data, accuracy(outputs, labels)


def _loss_fn(loss: str | LossFn) -> LossFn:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a function")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a function, not {type(loss).__name__!r}")
    return loss


def eager_step_fn(model: Model, loss: str | LossFn) -> StepFn:
    """The default step: build the batch's Value graph, ``backward()``, and
    return the loss value and accuracy."""
    loss_fn = _loss_fn(loss)

    def step(X: Rows, y: Sequence[int]) -> tuple[float, float]:
        outputs = [model(list(x)) for x in X]
        total = loss_fn(outputs, y)
        total.backward()
        return total.data, accuracy(outputs, y)

    return step


# ---------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------


class History(list[Record]):
    """Per-step records ``{"step", "epoch", "loss", "accuracy", "lr"}``;
    ``interrupted`` tells whether Ctrl-C ended training early."""

    interrupted: bool = False


class _Flag:
    hit = False  # Ctrl-C was pressed: stop after this step
    updating = False  # inside optimizer.step(): even a second Ctrl-C waits ...
    again = False  # ... and is noted here, to stop as soon as the update is done


@contextmanager
def _defer_ctrl_c() -> Iterator[_Flag]:
    """While active, the first SIGINT only sets ``flag.hit`` (checked between
    steps, so a step is never cut in half); a second one raises at once,
    unless ``flag.updating``: then it sets ``flag.again``, which the loop
    checks as soon as the update is done.
    Signal handlers can only be installed from the main thread; elsewhere
    Ctrl-C keeps its default behaviour.  An ignored SIGINT (a background job)
    stays ignored."""
    flag = _Flag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not flag.hit:
            flag.hit = True
        elif flag.updating:
            flag.again = True
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def _batches(
    n: int, size: int, epochs: int, shuffle: bool, rng: np.random.Generator
) -> Iterator[tuple[int, list[int]]]:
    """``(epoch, sample indices)`` for every batch, reshuffled each epoch."""
    for epoch in range(epochs):
        order = rng.permutation(n).tolist() if shuffle else list(range(n))
        for start in range(0, n, size):
            yield epoch, order[start : start + size]


def fit(
    model: Model | None,
    data: tuple[Any, Any],
    loss: str | LossFn | None,
    optimizer: OptimizerLike,
    epochs: int = 1,
    batch_size: int | None = None,
    *,
    max_steps: int | None = None,
    step_fn: StepFn | None = None,
    shuffle: bool = True,
    seed: int | None = 0,
    lr_schedule: Callable[[int], float] | None = None,
    callback: Callable[[Record], None] | None = None,
    progress: bool = True,
    desc: str = "train",
) -> History:
    """Train for ``epochs`` passes over ``data = (X, y)`` in mini-batches.

    Args:
        model: the model; only used to build the default eager ``step_fn``.
        data: ``X`` (rows of numbers, a list or numpy array) and ``y`` (class indices).
        loss: ``"hinge"``, ``"bce"``, ``"cross_entropy"`` or a function
            ``(outputs, y) -> Value``.
        optimizer: anything with ``zero_grad()``, ``step()`` and ``lr``.
        epochs: passes over the data.
        batch_size: samples per step; ``None`` means the whole data set.
        max_steps: stop after this many steps even if an epoch is unfinished.
        step_fn: computes loss and gradients of a batch (default: eager).
        shuffle: reshuffle the samples each epoch (seeded by ``seed``).
        lr_schedule: ``step -> learning rate``, applied before each step.
        callback: called with each step's record after the step.
        progress: show a tqdm bar with the loss and accuracy.

    Returns:
        The :class:`History` of per-step records.
    """
    X_raw, y_raw = data
    X = np.asarray(X_raw, dtype=np.float64)
    y = _labels(y_raw)
    if X.ndim != 2 or len(X) != len(y) or len(y) == 0:
        raise ValueError(
            f"data must be (X, y) with X of shape (n, features) and n labels; got {X.shape}, {len(y)}"
        )
    rows: list[list[float]] = X.tolist()
    epochs = _positive_int(epochs, "epochs")
    n = len(rows)
    size = n if batch_size is None else min(_positive_int(batch_size, "batch_size"), n)
    if step_fn is None:
        if model is None or loss is None:
            raise ValueError("fit needs a model and a loss (or a step_fn)")
        step_fn = eager_step_fn(model, loss)
    if loss in ("hinge", "bce"):
        # Checked up front so a compiled step_fn, which trusts its labels, is covered too.
        _check_binary(y, loss)
    total = epochs * math.ceil(n / size)
    if max_steps is not None:
        total = min(total, _positive_int(max_steps, "max_steps"))
    history = History()
    bar = tqdm(total=total, desc=desc, unit="step", disable=not progress)
    batches = _batches(n, size, epochs, shuffle, np.random.default_rng(seed))
    with _defer_ctrl_c() as ctrl_c:
        try:
            for step, (epoch, batch) in zip(range(total), batches):
                if lr_schedule is not None:
                    optimizer.lr = lr_schedule(step)
                optimizer.zero_grad()
                loss_value, acc = step_fn([rows[i] for i in batch], [y[i] for i in batch])
                ctrl_c.updating = True
                try:
                    optimizer.step()
                finally:
                    ctrl_c.updating = False
                record: Record = {"step": step, "epoch": epoch, "loss": loss_value, "accuracy": acc}
                record["lr"] = optimizer.lr
                history.append(record)
                bar.update(1)
                if ctrl_c.again:  # a second Ctrl-C during the update: stop before the callback
                    raise KeyboardInterrupt
                bar.set_postfix(loss=f"{loss_value:.4f}", acc=f"{acc:.1%}")
                if callback is not None:
                    callback(record)
                if ctrl_c.hit:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            history.interrupted = True
            bar.write(f"interrupted: stopped after {len(history)} complete steps")
        finally:
            bar.close()
    return history
