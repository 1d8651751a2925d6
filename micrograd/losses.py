"""Loss functions built from :class:`~micrograd.engine.Value` operations.

Every loss here is an ordinary expression graph (``+``, ``*``, ``exp``,
``log``, ``relu`` ...), so ``loss.backward()`` needs no special rules and the
graph can be drawn node by node.  Where the textbook formula overflows, the
stable form is used instead, always with the *same* value and derivative:

* log-softmax subtracts ``m = max_j z_j`` first.  ``m`` enters the graph as a
  constant (a detached leaf): ``log_softmax(z - c) = log_softmax(z)`` for any
  constant ``c``, so the gradient is unchanged while ``exp`` never sees a
  positive argument.
* softplus ``log(1 + e**x)`` is written ``x + log(1 + e**-x)`` for ``x >= 0``
  and ``log(1 + e**x)`` for ``x < 0``: both are the same smooth function and
  neither exponentiates a positive number.

Each loss takes ``reduction='mean'`` (average over samples, the default) or
``'sum'``, and matches ``torch.nn.functional`` in float64 (values and
gradients), including at saturation (see the tests).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Literal

from micrograd.engine import Operand, Value

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "log_softmax",
    "mse",
    "softmax",
    "softplus",
]

Reduction = Literal["mean", "sum"]
Target = float | int | numbers.Real

# PyTorch's BCELoss clamps each log to >= -100, so a probability of exactly 0
# or 1 gives a large finite loss instead of inf.
LOG_CLAMP = -100.0
# ...and its backward divides by max(p * (1 - p), eps), which caps the
# gradient at |p - t| / eps where p * (1 - p) is tinier than that.  PyTorch
# declares eps = 1e-12 as a C float, so its value is float32(1e-12).
BCE_GRAD_EPS = 9.999999960041972e-13


# ---------------------------------------------------------------------------
# Input checking and reduction
# ---------------------------------------------------------------------------


def _as_value(x: object, what: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(float(x))
    raise TypeError(f"{what} must be a Value or a real number, not {type(x).__name__!r}")


def _as_target(x: object, what: str) -> float:
    # Targets are data, not parameters: a Value here is almost surely a
    # mix-up of the argument order, so say so rather than silently detaching.
    if isinstance(x, Value) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (targets are constants), not {type(x).__name__!r}")
    t = float(x)
    if not math.isfinite(t):
        raise ValueError(f"{what} must be finite, got {t!r}")
    return t


def _tolist(x: object) -> object:
    """numpy arrays (and anything else with ``tolist``) become nested lists."""
    if not isinstance(x, (Value, list, tuple)) and hasattr(x, "tolist"):
        return x.tolist()
    return x


def _as_sequence(x: object, what: str) -> list[object]:
    """A single prediction/target becomes a batch of one."""
    x = _tolist(x)
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{what} must be a Value, a number or a sequence of them, not {type(x).__name__!r}")
    return list(x)


def _pair(predictions: object, targets: object) -> tuple[list[Value], list[float]]:
    preds = _as_sequence(predictions, "predictions")
    targs = _as_sequence(targets, "targets")
    if len(preds) != len(targs):
        raise ValueError(f"got {len(preds)} predictions but {len(targs)} targets; they must match")
    if not preds:
        raise ValueError("a loss needs at least one prediction, got an empty sequence")
    return (
        [_as_value(p, f"predictions[{i}]") for i, p in enumerate(preds)],
        [_as_target(t, f"targets[{i}]") for i, t in enumerate(targs)],
    )


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def _total(terms: Sequence[Value]) -> Value:
    """``terms[0] + terms[1] + ...`` as a chain of ``+`` nodes (no extra zero leaf)."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _reduce(terms: Sequence[Value], reduction: str) -> Value:
    """'sum': ``sum_i l_i``;  'mean': ``(sum_i l_i) / n`` so ``d/dl_i = 1/n``."""
    total = _total(terms)
    return total / len(terms) if reduction == "mean" else total


# ---------------------------------------------------------------------------
# Elementwise building blocks
# ---------------------------------------------------------------------------


def softplus(x: Value) -> Value:
    """``log(1 + e**x)``, never overflowing;  ``d/dx = sigmoid(x)``.

    ``x >= 0``: ``x + log(1 + e**-x)``;  ``x < 0``: ``log(1 + e**x)``.
    Branching on the sign (rather than ``relu(x) + log(1 + e**-|x|)``) keeps
    the derivative right at ``x = 0`` (0.5), where relu and abs would each
    contribute their subgradient 0.
    """
    if x.data >= 0:
        return x + (1.0 + (-x).exp()).log()
    return (1.0 + x.exp()).log()


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """``p_i = e**(z_i - m) / sum_j e**(z_j - m)`` with the constant ``m = max z``.

    ``dp_i/dz_j = p_i * (delta_ij - p_j)``.  Fine for logits of any size.
    """
    zs = _logit_row(logits, "softmax")
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    total = _total(exps)
    return [e / total for e in exps]


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """``z_i - m - log(sum_j e**(z_j - m))`` with the constant ``m = max z``.

    ``d/dz_j [log_softmax(z)]_i = delta_ij - softmax(z)_j``.  The largest
    shifted logit is 0, so the sum is in ``[1, n]``: no overflow, no log(0).
    """
    zs = _logit_row(logits, "log_softmax")
    m = max(z.data for z in zs)
    shifted = [z - m for z in zs]
    lse = _total([s.exp() for s in shifted]).log()
    return [s - lse for s in shifted]


def _logit_row(logits: object, who: str) -> list[Value]:
    logits = _tolist(logits)
    if isinstance(logits, (str, bytes, Value)) or not isinstance(logits, Sequence):
        raise TypeError(f"{who} expects a sequence of logits, not {type(logits).__name__!r}")
    if len(logits) == 0:
        raise ValueError(f"{who} needs at least one logit, got an empty sequence")
    zs = [_as_value(z, f"logits[{i}]") for i, z in enumerate(logits)]
    for z in zs:
        if math.isnan(z.data) or math.isinf(z.data):
            raise ValueError(f"{who}: logits must be finite, got {z.data!r}")
    return zs


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------


def mse(predictions: object, targets: object, reduction: Reduction = "mean") -> Value:
    """Mean squared error ``(1/n) sum_i (p_i - t_i)**2``;  ``d/dp_i = 2 (p_i - t_i) / n``.

    ``predictions`` is a Value/number or a sequence of them; ``targets`` the
    matching real numbers.  Same as ``torch.nn.functional.mse_loss``.
    """
    _check_reduction(reduction)
    preds, targs = _pair(predictions, targets)
    return _reduce([(p - t) ** 2 for p, t in zip(preds, targs)], reduction)


def binary_cross_entropy(probabilities: object, targets: object, reduction: Reduction = "mean") -> Value:
    """``-(t log p + (1 - t) log(1 - p))`` on probabilities ``p`` in [0, 1].

    ``dl/dp = (p - t) / (p (1 - p))``.  Like PyTorch's ``BCELoss`` each log is
    clamped to ``>= -100`` (so ``p = 0`` or ``1`` gives a finite loss) and the
    gradient is capped as ``(p - t) / max(p (1 - p), eps)``, eps ~ 1e-12.  Where
    that cap is active (``p (1 - p) < eps``, a saturated sigmoid) the term is built
    as ``c + k * (p - p0)``: value ``c`` (the clamped loss), slope ``k`` (the
    capped gradient); elsewhere it is the plain ``log`` graph.  For training,
    prefer :func:`binary_cross_entropy_with_logits`, which needs no clamping.
    """
    _check_reduction(reduction)
    probs, targs = _pair(probabilities, targets)
    terms = []
    for i, (p, t) in enumerate(zip(probs, targs)):
        x = p.data
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"binary_cross_entropy: probabilities[{i}] = {x!r} is outside [0, 1]")
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"binary_cross_entropy: targets[{i}] = {t!r} is outside [0, 1]")
        if x * (1.0 - x) >= BCE_GRAD_EPS:
            terms.append(-(t * p.log() + (1.0 - t) * (1.0 - p).log()))
        else:
            log_p = max(math.log(x), LOG_CLAMP) if x > 0 else LOG_CLAMP
            log_q = max(math.log1p(-x), LOG_CLAMP) if x < 1 else LOG_CLAMP
            value = -(t * log_p + (1.0 - t) * log_q)
            slope = (x - t) / BCE_GRAD_EPS  # p (1 - p) < eps here, so max() picks eps
            terms.append(slope * (p - x) + value)
    return _reduce(terms, reduction)


def binary_cross_entropy_with_logits(logits: object, targets: object, reduction: Reduction = "mean") -> Value:
    """``-(t log s(x) + (1 - t) log(1 - s(x)))`` for ``s = sigmoid``, from logits.

    Equal to ``softplus(x) - t x``, with ``dl/dx = sigmoid(x) - t``.  Stable for
    any logit (``+-1000`` included): see :func:`softplus`.  Same as
    ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    _check_reduction(reduction)
    xs, targs = _pair(logits, targets)
    return _reduce([softplus(x) - t * x for x, t in zip(xs, targs)], reduction)


def cross_entropy(logits: object, target: object, reduction: Reduction = "mean") -> Value:
    """Softmax cross-entropy ``-log_softmax(z)[y] = log sum_j e**z_j - z_y``.

    ``dl/dz_j = softmax(z)_j - [j == y]``.  Either one sample (``logits`` a
    sequence of Values/numbers, ``target`` an int class index) or a batch
    (``logits`` a sequence of such rows, ``target`` a sequence of ints).
    Same as ``torch.nn.functional.cross_entropy``; stable for logits of 1000.
    """
    _check_reduction(reduction)
    logits, target = _tolist(logits), _tolist(target)
    if isinstance(logits, (str, bytes, Value)) or not isinstance(logits, Sequence):
        raise TypeError(f"cross_entropy expects a sequence of logits, not {type(logits).__name__!r}")
    if len(logits) == 0:
        raise ValueError("cross_entropy needs at least one logit, got an empty sequence")
    batched = not isinstance(logits[0], (Value, numbers.Real))
    if batched:
        if isinstance(target, (str, bytes)) or not isinstance(target, Sequence):
            raise TypeError("a batch of logit rows needs a sequence of target indices")
        if len(logits) != len(target):
            raise ValueError(f"got {len(logits)} logit rows but {len(target)} targets; they must match")
        rows, targets = list(logits), list(target)
    else:
        rows, targets = [logits], [target]
    terms = []
    for i, (row, y) in enumerate(zip(rows, targets)):
        # Checked here so that errors name cross_entropy (and the row), not log_softmax.
        log_probs = log_softmax(_logit_row(row, f"cross_entropy (row {i})" if batched else "cross_entropy"))
        if not isinstance(y, numbers.Integral) or isinstance(y, bool):
            raise TypeError(f"target[{i}] must be an int class index, not {type(y).__name__!r}")
        if not 0 <= int(y) < len(log_probs):
            raise ValueError(f"target[{i}] = {y} is out of range for {len(log_probs)} classes")
        terms.append(-log_probs[int(y)])
    return _reduce(terms, reduction)


def hinge(scores: object, labels: object, reduction: Reduction = "mean") -> Value:
    """micrograd's max-margin loss ``relu(1 - y * s)`` with labels ``y`` in {-1, +1}.

    ``dl/ds = -y`` while the margin ``y s`` is below 1, else 0 (0 exactly at
    the kink, like PyTorch's relu).
    """
    _check_reduction(reduction)
    ss, ys = _pair(scores, labels)
    for i, y in enumerate(ys):
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels[{i}] = {y!r}; labels must be -1 or +1")
    return _reduce([(1.0 - y * s).relu() for s, y in zip(ss, ys)], reduction)
