"""A small training loop: ``fit(model, (X, y), loss, optimizer, epochs, batch_size)``.

One step is::

    optimizer.zero_grad()
    loss, accuracy = step_fn(batch_X, batch_y)   # forward + backward: fills p.grad
    optimizer.step()

``step_fn`` is the only place that knows how gradients are computed.  The
default, :func:`eager_step_fn`, builds the Value graph of the batch and calls
``backward()``; ``fit(..., compiled=True)`` uses
:func:`micrograd.compiled.compiled_step_fn`, which evaluates the whole batch with
numpy (and the optimizer then updates the parameters in numpy too); any other
implementation can be passed as ``fit(..., step_fn=...)``.  A ``step_fn`` with
``accepts_arrays = True`` (the compiled one) gets numpy batches instead of
lists, and after such a run the parameters are plain Values again
(:func:`micrograd.compiled.training.release_after_fit`).

Labels are class indices ``0 .. C-1`` (see :mod:`micrograd.classify`, whose
losses, ``predict``, ``evaluate`` and ``accuracy`` this module re-exports).

Ctrl-C during ``fit`` finishes the current step, then stops and returns the
history so far (``history.interrupted`` is True); a second Ctrl-C stops at
once, except during the optimizer's update, which always completes so that no
parameter is left half-updated; it then stops right after the update.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from micrograd.classify import (
    LOSSES,
    LabelsLike,
    LossFn,
    Model,
    Output,
    RowsLike,
    accuracy,
    check_binary_labels,
    class_labels,
    evaluate,
    loss_function,
    predict,
    predicted_class,
)
from micrograd.validate import check_int

__all__ = [
    "LOSSES",
    "History",
    "LabelsLike",
    "LossFn",
    "Model",
    "OptimizerLike",
    "Output",
    "Record",
    "Rows",
    "RowsLike",
    "StepFn",
    "accuracy",
    "eager_step_fn",
    "evaluate",
    "fit",
    "predict",
    "predicted_class",
]

Rows = Sequence[Sequence[float]]
Record = dict[str, float]


class StepFn(Protocol):
    """Compute the loss of one batch and add its gradient into every
    parameter's ``grad`` (which ``fit`` has zeroed); return
    ``(loss, accuracy)`` as floats."""

    def __call__(self, X: Rows, y: Sequence[int], /) -> tuple[float, float]: ...


class OptimizerLike(Protocol):
    lr: float

    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


def eager_step_fn(model: Model, loss: str | LossFn) -> StepFn:
    """The default step: build the batch's Value graph, ``backward()``, and
    return the loss value and accuracy."""
    loss_fn = loss_function(loss)

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


def _batches(
    n: int, size: int, epochs: int, shuffle: bool, rng: np.random.Generator
) -> Iterator[tuple[int, list[int]]]:
    """``(epoch, sample indices)`` for every batch, reshuffled each epoch."""
    for epoch in range(epochs):
        order = rng.permutation(n).tolist() if shuffle else list(range(n))
        for start in range(0, n, size):
            yield epoch, order[start : start + size]


def _take(source: tuple[Any, Any], batch: list[int]) -> tuple[Any, Any]:
    """The batch's rows and labels: numpy fancy indexing, or list comprehensions."""
    X, y = source
    if isinstance(X, np.ndarray):
        index = np.array(batch, dtype=np.intp)  # converted once, for both
        return X[index], y[index]
    return [X[i] for i in batch], [y[i] for i in batch]


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
    compiled: bool = False,
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
        compiled: compute them with :func:`micrograd.compiled.compiled_step_fn`
            (``loss`` must be ``"hinge"``, ``"bce"`` or ``"cross_entropy"``).
        shuffle: reshuffle the samples each epoch (seeded by ``seed``).
        lr_schedule: ``step -> learning rate``, applied before each step.
        callback: called with each step's record after the step.
        progress: show a tqdm bar with the loss and accuracy.

    Returns:
        The :class:`History` of per-step records.
    """
    X_raw, y_raw = data
    X = np.asarray(X_raw, dtype=np.float64)
    y = class_labels(y_raw)
    if X.ndim != 2 or len(X) != len(y) or len(y) == 0:
        raise ValueError(
            f"data must be (X, y) with X of shape (n, features) and n labels; got {X.shape}, {len(y)}"
        )
    rows: list[list[float]] = X.tolist()  # what an eager step_fn gets
    epochs = check_int(epochs, "epochs")
    n = len(rows)
    size = n if batch_size is None else min(check_int(batch_size, "batch_size"), n)
    if compiled and step_fn is not None:
        raise ValueError("pass either compiled=True or a step_fn, not both")
    if step_fn is None:
        if model is None or loss is None:
            raise ValueError("fit needs a model and a loss (or a step_fn)")
        if compiled:
            from micrograd.compiled.training import fit_step_fn

            step_fn = fit_step_fn(model, loss, X.shape[1])
        else:
            step_fn = eager_step_fn(model, loss)
    # A compiled step takes numpy batches: no list of lists to build and convert back.
    source: tuple[Any, Any] = (X, np.asarray(y)) if getattr(step_fn, "accepts_arrays", False) else (rows, y)
    if loss in ("hinge", "bce"):
        # Checked up front so a compiled step_fn, which trusts its labels, is covered too.
        check_binary_labels(y, loss)
    total = epochs * math.ceil(n / size)
    if max_steps is not None:
        total = min(total, check_int(max_steps, "max_steps"))
    history = History()
    bar = tqdm(total=total, desc=desc, unit="step", disable=not progress)
    batches = _batches(n, size, epochs, shuffle, np.random.default_rng(seed))
    with _defer_ctrl_c() as ctrl_c:
        try:
            for step, (epoch, batch) in zip(range(total), batches):
                if lr_schedule is not None:
                    optimizer.lr = lr_schedule(step)
                optimizer.zero_grad()
                loss_value, acc = step_fn(*_take(source, batch))
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
                # refresh=False: tqdm redraws at its own pace (a redraw per step is
                # a terminal write per step, a real cost for fast compiled steps).
                if progress:
                    bar.set_postfix(loss=f"{loss_value:.4f}", acc=f"{acc:.1%}", refresh=False)
                if callback is not None:
                    callback(record)
                if ctrl_c.hit:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            history.interrupted = True
            bar.write(f"interrupted: stopped after {len(history)} complete steps")
        finally:
            bar.close()
            training = sys.modules.get("micrograd.compiled.training")
            if source[0] is X and training is not None:  # plain Values again for eager code after fit
                training.release_after_fit(model, optimizer)
    return history
