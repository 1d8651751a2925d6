"""Loss functions built from :class:`~micrograd.engine.Value` operations.

Every loss is an ordinary graph of ops (``+``, ``*``, ``exp``, ``log``, ``relu``,
``linear``, and the n-ary ``logsumexp`` defined here like the engine's ops), so
``backward()`` needs no special rules and the graph can be drawn node by node.
Where a textbook formula overflows, a stable form with the same value and
derivative is used: ``logsumexp(z) = m + log(sum_j e**(z_j - m))`` with
``m = max_j z_j`` (exponents <= 0, the sum in ``[1, n]``) under softmax and
cross-entropy; softplus ``log(1 + e**x) = (x + |x|)/2 + log(1 + e**-|x|)``.

One sample's term of a loss (``hinge_term``, ``bce_with_logits_term``,
``cross_entropy_term``) has no Python branch on a Value's data, so it can be
traced: compiled training (:mod:`micrograd.compiled.training`) uses the terms,
with the label as a Value; the batch losses are their reductions
(``reduction='mean'``, the default, or ``'sum'``).  All match
``torch.nn.functional`` in float64, values and gradients, at saturation too.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Sequence
from typing import Any, Literal

from micrograd import elementwise as ew
from micrograd.engine import Op, Operand, Value, linear
from micrograd.validate import check_choice

__all__ = ["LOGSUMEXP", "bce_with_logits_term", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
__all__ += ["cross_entropy", "cross_entropy_term", "hinge", "hinge_term", "log_softmax", "logsumexp", "mse"]
__all__ += ["softmax", "softplus"]

Reduction = Literal["mean", "sum"]
Target = float | int | numbers.Real  # a target of the batch losses: a number, not a Value

# PyTorch's BCELoss clamps each log to >= -100 (a probability of exactly 0 or 1 gives a
# finite loss), and its backward divides by max(p * (1 - p), eps), capping the gradient
# at |p - t| / eps; eps = 1e-12 is declared as a C float, so its value is float32(1e-12).
LOG_CLAMP = -100.0
BCE_GRAD_EPS = 9.999999960041972e-13


# --- logsumexp: one n-ary op, defined like the engine's (forward and partials) ---


def _logsumexp_forward(*xs: Any) -> Any:
    # micrograd.elementwise functions: this runs on floats and on numpy arrays (compiled mode).
    m = functools.reduce(ew.maximum, xs)
    shifted = m + ew.log(sum(ew.exp(x - m) for x in xs))
    # An infinite max (all -inf, or some +inf) gives inf - inf = NaN above, and the answer
    # is the max itself.  m - m == 0 says that m is finite.
    return ew.where(m - m == 0, shifted, m)


def _logsumexp_partials(*xs_out: Any) -> tuple[Any, ...]:
    # d/dx_i log(sum_j e**x_j) = e**x_i / sum_j e**x_j = e**(x_i - out): the softmax.
    out = xs_out[-1]
    return tuple(ew.exp(x - out) for x in xs_out[:-1])


# log(sum_i e**x_i) of any number of inputs, stable for logits of any size.
LOGSUMEXP = Op("logsumexp", _logsumexp_forward, _logsumexp_partials, None)


def logsumexp(xs: Sequence[Operand]) -> Value:
    """``log(sum_i e**x_i)`` as one node, ``m + log(sum_i e**(x_i - m))`` with ``m = max_i x_i``;
    ``d/dx_i = softmax(x)_i``.  The shift is part of the op, not a constant read from
    ``.data``, so a compiled tape shifts each sample by its own maximum."""
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"logsumexp expects a sequence of Values, got {type(xs).__name__!r}")
    if len(xs) == 0:
        raise ValueError("logsumexp of an empty sequence is -inf and has no gradient; pass at least one")
    return LOGSUMEXP(*xs)


# --- Input checking and reduction ---


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
    return x.tolist() if not isinstance(x, (Value, list, tuple)) and hasattr(x, "tolist") else x


def _as_sequence(x: object, what: str) -> list[object]:
    """A single prediction/target becomes a batch of one."""
    x = _tolist(x)
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{what} must be a Value, a number or a sequence of them, not {type(x).__name__!r}")
    return list(x)


def _pair(predictions: object, targets: object) -> tuple[list[Value], list[float]]:
    preds, targs = _as_sequence(predictions, "predictions"), _as_sequence(targets, "targets")
    if len(preds) != len(targs):
        raise ValueError(f"got {len(preds)} predictions but {len(targs)} targets; they must match")
    if not preds:
        raise ValueError("a loss needs at least one prediction, got an empty sequence")
    return (
        [_as_value(p, f"predictions[{i}]") for i, p in enumerate(preds)],
        [_as_target(t, f"targets[{i}]") for i, t in enumerate(targs)],
    )


def _reduce(terms: Sequence[Value], reduction: str) -> Value:
    """'sum': ``sum_i l_i``;  'mean': ``(sum_i l_i) / n``, so ``d/dl_i = 1/n``.  No zero leaf."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total / len(terms) if reduction == "mean" else total


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


# --- Building blocks and one sample's terms (traceable: no branch on data) ---


def softplus(x: Value) -> Value:
    """``log(1 + e**x)`` as ``(x + |x|)/2 + log(1 + e**-|x|)``;  ``d/dx = sigmoid(x)``.

    That is ``x + log(1 + e**-x)`` for ``x >= 0`` and ``log(1 + e**x)`` for ``x < 0``:
    one formula, no positive exponent.  Not ``relu(x)`` for the first half: at ``x = 0``
    (a dead unit's logit) the derivative is ``1/2 + 0 = sigmoid(0)``, not ``relu'(0) = 0``.
    """
    magnitude = x.abs()
    return 0.5 * (x + magnitude) + (1.0 + (-magnitude).exp()).log()


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """``z_i - logsumexp(z)``;  ``d/dz_j [log_softmax(z)]_i = delta_ij - softmax(z)_j``."""
    zs = _logit_row(logits, "log_softmax")
    lse = logsumexp(zs)
    return [z - lse for z in zs]


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """``p_i = e**(z_i - logsumexp(z)) = e**z_i / sum_j e**z_j`` (exponents <= 0: no overflow);
    ``dp_i/dz_j = p_i (delta_ij - p_j)``."""
    zs = _logit_row(logits, "softmax")
    lse = logsumexp(zs)
    return [(z - lse).exp() for z in zs]


def hinge_term(score: Value, label: Value | float) -> Value:
    """One sample's max-margin loss ``relu(1 - y * s)``, label ``y`` in {-1, +1};
    ``dl/ds = -y`` while the margin ``y s`` is below 1, else 0."""
    return (1.0 - label * score).relu()


def bce_with_logits_term(logit: Value, target: Value | float) -> Value:
    """One sample's ``-(t log s(x) + (1 - t) log(1 - s(x)))``, ``s = sigmoid``,
    as ``softplus(x) - t x``;  ``dl/dx = sigmoid(x) - t``."""
    return softplus(logit) - target * logit


def cross_entropy_term(logits: Sequence[Value], target: int | Sequence[Operand]) -> Value:
    """One sample's softmax cross-entropy ``logsumexp(z) - sum_k t_k z_k``.

    ``target`` is a class index ``y`` (``t`` one-hot: ``logsumexp(z) - z_y``) or the
    probabilities ``t``, numbers or Values summing to 1 (a compiled tape takes the one-hot
    row as an input, so one tape serves every label).  ``dl/dz_k = softmax(z)_k - t_k``.
    """
    if not isinstance(target, Sequence):  # a class index (int or numpy integer)
        return logsumexp(logits) - logits[int(target)]
    return logsumexp(logits) - linear(logits, target, Value(0.0))  # t . z as one node


# --- Batch losses: the reductions of the terms ---


def mse(predictions: object, targets: object, reduction: Reduction = "mean") -> Value:
    """Mean squared error ``(1/n) sum_i (p_i - t_i)**2``;  ``d/dp_i = 2 (p_i - t_i) / n``.
    ``predictions``: a Value/number or a sequence of them; ``targets``: the
    matching real numbers.  Same as ``torch.nn.functional.mse_loss``."""
    check_choice(reduction, "reduction", ("mean", "sum"))
    preds, targs = _pair(predictions, targets)
    return _reduce([(p - t) ** 2 for p, t in zip(preds, targs)], reduction)


def binary_cross_entropy(probabilities: object, targets: object, reduction: Reduction = "mean") -> Value:
    """``-(t log p + (1 - t) log(1 - p))`` on probabilities ``p`` in [0, 1];
    ``dl/dp = (p - t) / (p (1 - p))``.

    As PyTorch's ``BCELoss``: each log is clamped to ``>= -100`` and the gradient
    capped as ``(p - t) / max(p (1 - p), eps)``, eps ~ 1e-12.  Where the cap is
    active (a saturated sigmoid) the term is ``c + k * (p - p0)``: value ``c``
    (the clamped loss), slope ``k`` (the capped gradient).  That choice reads
    ``p.data``, so this loss cannot be compiled; prefer
    :func:`binary_cross_entropy_with_logits`, which needs no clamping.
    """
    check_choice(reduction, "reduction", ("mean", "sum"))
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
    """The mean (or sum) of :func:`bce_with_logits_term`: ``softplus(x) - t x``
    per sample, ``dl/dx = sigmoid(x) - t``.  Stable for any logit (``+-1000``
    included).  Same as ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    check_choice(reduction, "reduction", ("mean", "sum"))
    xs, targs = _pair(logits, targets)
    return _reduce([bce_with_logits_term(x, t) for x, t in zip(xs, targs)], reduction)


def cross_entropy(logits: object, target: object, reduction: Reduction = "mean") -> Value:
    """Softmax cross-entropy ``-log_softmax(z)[y] = logsumexp(z) - z_y`` per sample
    (:func:`cross_entropy_term`);  ``dl/dz_j = softmax(z)_j - [j == y]``.

    One sample (``logits`` a sequence of Values/numbers, ``target`` an int class
    index) or a batch (a sequence of such rows, a sequence of ints).  Same as
    ``torch.nn.functional.cross_entropy``; stable for logits of 1000.
    """
    check_choice(reduction, "reduction", ("mean", "sum"))
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
        zs = _logit_row(row, f"cross_entropy (row {i})" if batched else "cross_entropy")
        if not isinstance(y, numbers.Integral) or isinstance(y, bool):
            raise TypeError(f"target[{i}] must be an int class index, not {type(y).__name__!r}")
        if not 0 <= int(y) < len(zs):
            raise ValueError(f"target[{i}] = {y} is out of range for {len(zs)} classes")
        terms.append(cross_entropy_term(zs, int(y)))
    return _reduce(terms, reduction)


def hinge(scores: object, labels: object, reduction: Reduction = "mean") -> Value:
    """The mean (or sum) of :func:`hinge_term`, micrograd's max-margin loss
    ``relu(1 - y * s)`` with labels ``y`` in {-1, +1}.  ``dl/ds = -y`` while the
    margin ``y s`` is below 1, else 0 (0 exactly at the kink, like PyTorch's relu).
    """
    check_choice(reduction, "reduction", ("mean", "sum"))
    ss, ys = _pair(scores, labels)
    for i, y in enumerate(ys):
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels[{i}] = {y!r}; labels must be -1 or +1")
    return _reduce([hinge_term(s, y) for s, y in zip(ss, ys)], reduction)
