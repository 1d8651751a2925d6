"""Compiled training: per-sample losses and a drop-in ``step_fn`` for
:func:`micrograd.train.fit`.

The losses themselves live in :mod:`micrograd.losses` (one sample's term of
each, written without branches on data so that it traces); this module only
wires a model and a loss into a function of one sample, and that function
into :func:`~micrograd.compiled.function.compile_fn`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from micrograd.compiled.function import CompiledFunction, compile_fn
from micrograd.compiled.resident import release
from micrograd.engine import Value, no_grad, values
from micrograd.losses import bce_with_logits_term, cross_entropy_term, hinge_term

__all__ = ["COMPILED_LOSSES", "compiled_step_fn", "fit_step_fn", "per_sample_loss", "release_after_fit"]
__all__ += ["svm_loss_fn"]

COMPILED_LOSSES = ("hinge", "bce", "cross_entropy")


def svm_loss_fn(
    model: Callable[[list[Value]], object], params: Sequence[Value], alpha: float = 1e-4
) -> Callable[[list[Value], Value], tuple[Value, Value]]:
    """The per-sample form of the demo's max-margin loss, for :func:`compile_fn`:
    ``relu(1 - y * score(x)) + alpha * sum(p * p)`` with ``y`` in {-1, +1}.
    Its batch mean is the eager full-batch loss (the weight decay does not
    depend on the sample).  Returns ``(loss, score)``."""
    params = list(params)

    def fn(x: list[Value], y: Value) -> tuple[Value, Value]:
        score = model(x)
        if not isinstance(score, Value):
            raise TypeError("svm_loss_fn needs a model with a single output")
        reg = alpha * sum((p * p for p in params), Value(0.0))
        return hinge_term(score, y) + reg, score

    return fn


def _as_values(out: object) -> list[Value]:
    items = out if isinstance(out, list) else [out]
    if not all(isinstance(v, Value) for v in items):
        raise TypeError(f"the model must return a Value or a list of Values, got {type(out).__name__!r}")
    return [v for v in items if isinstance(v, Value)]


def per_sample_loss(
    model: Callable[[list[Value]], object], loss: str, n_outputs: int
) -> Callable[[list[Value], object], tuple[Value, Value | list[Value]]]:
    """The per-sample, traceable form of one of ``micrograd.train``'s losses.

    ``fn(x, target)`` returns ``(loss, output)``.  ``target`` is the label as a
    number (0 or 1) for ``"hinge"`` (:func:`~micrograd.losses.hinge_term` with
    ``y = 2t - 1``) and ``"bce"`` (:func:`~micrograd.losses.bce_with_logits_term`),
    and a one-hot list of ``n_outputs`` for ``"cross_entropy"``
    (:func:`~micrograd.losses.cross_entropy_term`).  Averaged over a batch, each
    equals the eager loss of the same name.
    """
    if loss not in COMPILED_LOSSES:
        raise ValueError(f"loss {loss!r} cannot be compiled; choose one of {COMPILED_LOSSES}")
    if loss in ("hinge", "bce") and n_outputs != 1:
        raise ValueError(f"loss {loss!r} needs a model with one output, this one has {n_outputs}")

    def fn(x: list[Value], target: object) -> tuple[Value, Value | list[Value]]:
        out = model(x)
        if loss == "cross_entropy":
            logits = _as_values(out)
            assert isinstance(target, list)
            return cross_entropy_term(logits, target), logits
        assert isinstance(out, Value) and isinstance(target, Value)
        if loss == "hinge":
            return hinge_term(out, 2 * target - 1), out
        return bce_with_logits_term(out, target), out

    return fn


def _check_labels(raw: np.ndarray, labels: np.ndarray, loss: str, n_outputs: int) -> None:
    """The eager losses' checks: numpy would truncate 0.5 to class 0, wrap
    eye[-1] to the last class, and take a label 2 as a bce/hinge target."""
    n_classes = n_outputs if loss == "cross_entropy" else 2
    bad = np.flatnonzero((raw != labels) | (labels < 0) | (labels >= n_classes))
    if not len(bad):
        return
    i = int(bad[0])
    value = float(raw[i])
    shown = int(value) if value.is_integer() else value
    if loss == "cross_entropy":
        raise ValueError(f"target[{i}] = {shown!r} is out of range for {n_outputs} classes")
    raise ValueError(
        f"the {loss!r} loss needs class labels 0 or 1, got {shown!r} (for -1/+1 labels pass (y + 1) // 2)"
    )


def compiled_step_fn(
    model: Callable[[list[Value]], object],
    loss: str,
    n_features: int,
    *,
    params: Sequence[Value] | None = None,
) -> Callable[[Sequence[Sequence[float]], Sequence[int]], tuple[float, float]]:
    """A ``step_fn`` for :func:`micrograd.train.fit` that computes a batch's
    mean loss and parameter gradients with a compiled tape instead of the
    eager graph.  Returns ``(loss, accuracy)`` like ``train.eager_step_fn``.

    ``params`` defaults to ``model.parameters()``.  The compiled function is
    the step's ``compiled`` attribute (for its stats and timing).  The
    parameters become resident in numpy (:mod:`micrograd.compiled.resident`),
    so an optimizer of :mod:`micrograd.optim` over them updates them there.
    ``X`` and ``y`` may be lists or numpy arrays (``fit`` passes arrays: the
    step's ``accepts_arrays`` is True).
    """
    if params is None:
        get = getattr(model, "parameters", None)
        if get is None:
            raise TypeError("pass params=... for a model without a parameters() method")
        params = list(get())
    with no_grad():
        probe = model(values([0.0] * n_features))
    n_outputs = len(probe) if isinstance(probe, list) else 1
    fn = per_sample_loss(model, loss, n_outputs)
    target_example: object = [0.0] * n_outputs if loss == "cross_entropy" else 0.0
    compiled: CompiledFunction = compile_fn(fn, ([0.0] * n_features, target_example), params=params)
    eye = np.eye(n_outputs)

    def step(X: Sequence[Sequence[float]], y: Sequence[int]) -> tuple[float, float]:
        raw = np.asarray(y, dtype=np.float64)
        labels = raw.astype(np.intp)
        _check_labels(raw, labels, loss, n_outputs)
        targets = eye[labels] if loss == "cross_entropy" else labels.astype(np.float64)
        result = compiled(np.asarray(X, dtype=np.float64), targets)
        assert isinstance(result.outputs, tuple)
        out = result.outputs[1]
        predicted = out.argmax(axis=1) if out.ndim == 2 else (out > 0).astype(np.intp)
        return result.loss, float(np.mean(predicted == labels))

    step.compiled = compiled  # type: ignore[attr-defined]  # for inspection (stats, timing)
    step.accepts_arrays = True  # type: ignore[attr-defined]  # fit passes numpy batches
    return step


def fit_step_fn(model: Any, loss: object, n_features: int) -> Callable[[Any, Any], tuple[float, float]]:
    """The step of ``micrograd.train.fit(..., compiled=True)``: :func:`compiled_step_fn`
    for one of :data:`COMPILED_LOSSES` (fit's other losses cannot be traced)."""
    if not isinstance(loss, str) or loss not in COMPILED_LOSSES:
        raise ValueError(f"compiled=True needs one of the losses {COMPILED_LOSSES}, got {loss!r}")
    return compiled_step_fn(model, loss, n_features)


def release_after_fit(model: object, optimizer: object) -> None:
    """After ``fit`` with a compiled step: the parameters (the optimizer's and the
    model's) become plain Values again (:func:`~micrograd.compiled.resident.release`),
    so that eager code after training, such as ``predict``, which reads every
    weight once per sample, runs at full speed.  The next compiled call or
    optimizer step makes them resident again."""
    params: list[Value] = list(getattr(optimizer, "params", []))
    get = getattr(model, "parameters", None)
    if callable(get):
        params += list(get())
    release(params)
