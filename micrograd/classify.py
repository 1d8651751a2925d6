"""A classifier's losses, predictions and scores on class-index labels.

Labels are class indices ``0 .. C-1``.  A model with one output is a binary
classifier whose score is positive for class 1; a model with ``C`` outputs
predicts the argmax of its logits.  The losses take the model's outputs for a
batch and the labels, and return the batch mean as one Value:

* ``"hinge"``: ``relu(1 - s * score)`` with ``s = +1`` for class 1, ``-1`` for class 0;
* ``"bce"``: binary cross-entropy of ``sigmoid(score)`` against the label;
* ``"cross_entropy"``: softmax cross-entropy ``logsumexp(z) - z[label]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from micrograd.engine import Value, no_grad
from micrograd.losses import binary_cross_entropy_with_logits, cross_entropy, hinge
from micrograd.validate import check_int

__all__ = [
    "LOSSES",
    "LabelsLike",
    "LossFn",
    "Model",
    "Output",
    "RowsLike",
    "accuracy",
    "check_binary_labels",
    "class_labels",
    "confusion_matrix",
    "evaluate",
    "loss_function",
    "predict",
    "predicted_class",
]

Output = Value | list[Value]
# What evaluate/predict accept: lists of rows or a numpy array (likewise labels).
RowsLike = Sequence[Sequence[float]] | NDArray[Any]
LabelsLike = Sequence[int] | NDArray[Any]
LossFn = Callable[[list[Output], Sequence[int]], Value]
# Anything that maps one row of numbers to an output (an MLP, a Layer, a function).
Model = Callable[[list[float]], Output]


def _scores(outputs: list[Output]) -> list[Value]:
    if not all(isinstance(o, Value) for o in outputs):
        raise ValueError("this loss needs a model with a single output (a binary score)")
    return [o for o in outputs if isinstance(o, Value)]


def check_binary_labels(y: Sequence[int], loss: str) -> None:
    """Refuse labels other than 0 and 1 for the binary loss ``loss``."""
    for label in y:
        if label not in (0, 1):
            raise ValueError(
                f"the {loss!r} loss needs class labels 0 or 1, got {label!r} "
                "(for -1/+1 labels pass (y + 1) // 2)"
            )


def _hinge(outputs: list[Output], y: Sequence[int]) -> Value:
    """Max-margin loss with class 1 -> +1 and class 0 -> -1."""
    check_binary_labels(y, "hinge")
    return hinge(_scores(outputs), [1.0 if label == 1 else -1.0 for label in y])


def _bce(outputs: list[Output], y: Sequence[int]) -> Value:
    check_binary_labels(y, "bce")
    return binary_cross_entropy_with_logits(_scores(outputs), [float(label) for label in y])


def _cross_entropy(outputs: list[Output], y: Sequence[int]) -> Value:
    rows = [o if isinstance(o, list) else [o] for o in outputs]
    return cross_entropy(rows, list(y))


LOSSES: dict[str, LossFn] = {"hinge": _hinge, "bce": _bce, "cross_entropy": _cross_entropy}


def loss_function(loss: str | LossFn) -> LossFn:
    """The loss named ``loss`` (a key of :data:`LOSSES`), or ``loss`` itself if it is a function."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a function")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a function, not {type(loss).__name__!r}")
    return loss


def predicted_class(output: Output) -> int:
    """The class a model output stands for: 1 if a single score is > 0 else 0;
    for a list of logits, the index of the largest."""
    if isinstance(output, Value):
        return 1 if output.data > 0 else 0
    return max(range(len(output)), key=lambda k: output[k].data)


def accuracy(outputs: Sequence[Output], y: Sequence[int]) -> float:
    """Fraction of samples whose predicted class (score > 0, or argmax) is ``y``."""
    if not outputs:
        return math.nan
    return sum(predicted_class(o) == label for o, label in zip(outputs, y)) / len(outputs)


def class_labels(y: Any) -> list[int]:
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
    loss_fn = loss_function(loss)
    labels = class_labels(y)
    with no_grad():
        outputs = [model(x) for x in _rows(X)]
        return loss_fn(outputs, labels).data, accuracy(outputs, labels)


def confusion_matrix(
    y_true: LabelsLike, y_pred: LabelsLike, n_classes: int | None = None
) -> NDArray[np.int64]:
    """``C[i, j]`` = number of samples of class ``i`` predicted as ``j``, for
    ``n_classes`` classes (default: 1 + the largest label seen)."""
    true, pred = (
        np.asarray(class_labels(y_true), dtype=np.int64),
        np.asarray(class_labels(y_pred), dtype=np.int64),
    )
    if len(true) != len(pred):
        raise ValueError(f"y_true has {len(true)} labels but y_pred has {len(pred)}")
    if n_classes is None:
        n_classes = 1 + int(max(true.max(initial=0), pred.max(initial=0)))
    n_classes = check_int(n_classes, "n_classes")
    if len(true) and (min(true.min(), pred.min()) < 0 or max(true.max(), pred.max()) >= n_classes):
        raise ValueError(f"labels must be class indices 0 .. {n_classes - 1}")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true, pred), 1)
    return matrix
