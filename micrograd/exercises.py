"""Checkers for the notebooks' exercises: each compares a learner's answer with the engine.

A checker never compares with a stored number when the engine can compute the truth: it builds the
expression out of :class:`~micrograd.engine.Value` objects, calls ``backward()`` and says *why* an
answer is wrong (which case, what was expected). The reference answers live in :data:`SOLUTIONS`,
so a notebook can test its own checker (``check(SOLUTIONS[...]).ok``) without printing the answer
next to the question.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from micrograd.engine import Op, Value
from micrograd.examples import worked_example
from micrograd.finite_differences import GradcheckError, gradcheck

Vector = Sequence[float]


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``ok`` and a sentence that says why."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("Right. " if self.ok else "Not yet. ") + self.message

    def _repr_markdown_(self) -> str:
        return ("**Right.** " if self.ok else "**Not yet.** ") + self.message


def _unanswered(answer: object) -> Verdict | None:
    if answer is None or answer is Ellipsis:
        return Verdict(False, "Replace `None` by your answer, then run the cell again.")
    return None


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def _compare(name: str, got: object, want: Vector, case: str) -> Verdict | None:
    """None if ``got`` equals ``want`` entry by entry; otherwise the Verdict that explains the difference."""
    try:
        values = [float(v) for v in got]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return Verdict(False, f"{name} must return a list of numbers, got {got!r} for {case}.")
    if len(values) != len(want):
        return Verdict(False, f"for {case} {name} returned {len(values)} numbers, expected {len(want)}.")
    for i, (g, w) in enumerate(zip(values, want)):
        if not _close(g, w):
            return Verdict(False, f"for {case}, entry {i} is {g:.6g}; the engine's backward() gives {w:.6g}.")
    return None


# ---- 01: the largest learning rate that keeps the ReLU alive -------------------------------------


def relu_alive_after_step(lr: float) -> tuple[bool, float]:
    """One SGD step on the worked example with learning rate ``lr``; (z2 > 0 afterwards, new z2)."""
    ex = worked_example()
    ex.L.backward()
    m1, m2 = ex.m1.data - lr * ex.m1.grad, ex.m2.data - lr * ex.m2.grad
    z2 = worked_example(m1=m1, m2=m2).z2.data
    return z2 > 0, z2


def check_largest_live_lr(lr: float | None) -> Verdict:
    """Right if the ReLU survives one step at ``lr`` but dies at ``lr + 0.0001`` (4 decimals)."""
    if (missing := _unanswered(lr)) is not None:
        return missing
    assert lr is not None
    alive, z2 = relu_alive_after_step(lr)
    if not alive:
        return Verdict(
            False, f"at lr = {lr:g} the step makes z2 = {z2:.4g} <= 0: the ReLU dies. Try smaller."
        )
    alive_next, z2_next = relu_alive_after_step(lr + 1e-4)
    if alive_next:
        return Verdict(
            False, f"lr = {lr:g} survives (z2 = {z2:.4g}), but so does {lr + 1e-4:.4f}: go larger."
        )
    return Verdict(
        True, f"lr = {lr:g} leaves z2 = {z2:.4g} > 0, while {lr + 1e-4:.4f} gives z2 = {z2_next:.4g} <= 0."
    )


# ---- 02: da/dw of one sigmoid neuron -------------------------------------------------------------

NEURON_CASES: list[tuple[list[float], list[float]]] = [
    ([2.0, -3.0, 1.0], [-1.0, -2.0, 1.0]),
    ([2.0, -3.0, 1.0], [-3.5, -2.0, 1.0]),
    ([0.5, 1.5, -2.0], [4.0, -1.0, 1.0]),
]


def engine_neuron_grad(w: Vector, x: Vector) -> list[float]:
    """da/dw for a = sigmoid(sum_i w_i x_i), by the engine's backward()."""
    ws = [Value(wi) for wi in w]
    z = ws[0] * x[0]
    for wi, xi in zip(ws[1:], x[1:]):
        z = z + wi * xi
    z.sigmoid().backward()
    return [wi.grad for wi in ws]


def check_neuron_grad(fn: Callable[[Vector, Vector], Vector] | None) -> Verdict:
    """Compare ``fn(w, x)`` (your da/dw) with the engine on a few neurons, including z = 0."""
    if (missing := _unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for w, x in NEURON_CASES:
        got = fn(w, x)
        if (bad := _unanswered(got)) is not None:
            return bad
        if (wrong := _compare("your function", got, engine_neuron_grad(w, x), f"w={w}, x={x}")) is not None:
            return wrong
    return Verdict(True, f"your da/dw matches backward() on all {len(NEURON_CASES)} neurons.")


# ---- 03 and 05: the gradient that reaches the logits ---------------------------------------------


def engine_logit_grad(logits: Vector, target: int) -> list[float]:
    """dL/dz for L = -log softmax(z)[target], by the engine."""
    zs = [Value(z) for z in logits]
    total = sum((z.exp() for z in zs), Value(0.0))
    loss = -(zs[target].exp() / total).log()
    loss.backward()
    return [z.grad for z in zs]


def check_logit_grad(fn: Callable[[Vector, int], Vector] | None) -> Verdict:
    """Compare ``fn(logits, target)`` (your dL/dz for softmax + cross-entropy) with the engine."""
    if (missing := _unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for logits, target in (([0.495, 0.46, 0.525], 1), ([2.0, -1.0, 0.5, 0.0], 3), ([3.0, 3.0], 0)):
        got = fn(logits, target)
        if (bad := _unanswered(got)) is not None:
            return bad
        want = engine_logit_grad(logits, target)
        if (wrong := _compare("your function", got, want, f"logits={logits}, target={target}")) is not None:
            return wrong
    return Verdict(True, "your dL/dz is softmax minus one-hot, exactly what backward() computes.")


def engine_bce_grad(z: float, y: float) -> float:
    """dL/dz for L = -[y log s + (1-y) log(1-s)], s = sigmoid(z), by the engine."""
    zv = Value(z)
    s = zv.sigmoid()
    loss = -(y * s.log() + (1.0 - y) * (1.0 - s).log())
    loss.backward()
    return zv.grad


def check_bce_grad(fn: Callable[[float, float], float] | None) -> Verdict:
    """Compare ``fn(y_hat, y)`` (your dL/dz for sigmoid + binary cross-entropy) with the engine."""
    if (missing := _unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for z, y in ((0.3, 1.0), (-2.0, 1.0), (1.5, 0.0), (0.0, 0.0)):
        y_hat = 1.0 / (1.0 + math.exp(-z))
        got = fn(y_hat, y)
        if (bad := _unanswered(got)) is not None:
            return bad
        if (
            wrong := _compare("your function", [got], [engine_bce_grad(z, y)], f"y_hat={y_hat:.4f}, y={y}")
        ) is not None:
            return wrong
    return Verdict(True, "your dL/dz matches backward() through sigmoid and BCE for all four cases.")


# ---- 04: the output error and the parameter count ------------------------------------------------


def engine_output_error(z: Vector, y: Vector) -> list[float]:
    """delta^L = dC/dz^L for C = 1/2 ||sigmoid(z) - y||^2, by the engine."""
    zs = [Value(v) for v in z]
    cost = sum((0.5 * (zi.sigmoid() - yi) ** 2 for zi, yi in zip(zs, y)), Value(0.0))
    cost.backward()
    return [zi.grad for zi in zs]


def check_output_error(fn: Callable[[Vector, Vector], Vector] | None) -> Verdict:
    """Compare ``fn(z, y)`` (your BP1, delta^L) with the engine for sigmoid outputs and C = 1/2||a - y||^2."""
    if (missing := _unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for z, y in (([0.2, -1.0], [1.0, 0.0]), ([3.0, 0.0, -0.5], [0.0, 1.0, 0.0])):
        got = fn(z, y)
        if (bad := _unanswered(got)) is not None:
            return bad
        if (wrong := _compare("your delta", got, engine_output_error(z, y), f"z={z}, y={y}")) is not None:
            return wrong
    return Verdict(True, "your delta^L = (a - y) * sigma'(z) matches backward().")


def check_parameter_count(count: int | None, sizes: Sequence[int] = (784, 16, 16, 10)) -> Verdict:
    """Compare your count of weights and biases with the library's ``MLP(...).parameters()``."""
    from micrograd.nn import MLP  # built only when asked: 13,002 Values

    if (missing := _unanswered(count)) is not None:
        return missing
    assert count is not None
    want = len(MLP(sizes[0], list(sizes[1:]), seed=0).parameters())
    if count == want:
        return Verdict(True, f"MLP{tuple(sizes)} has {want:,} parameters.")
    weights = sum(a * b for a, b in itertools.pairwise(sizes))
    return Verdict(
        False,
        f"your count is too {'small' if count < want else 'large'}. Hint: a layer of n_out neurons "
        f"with n_in inputs has n_in*n_out weights and n_out biases; the weights alone make {weights:,}.",
    )


# ---- 07: your own op's partials ------------------------------------------------------------------


def check_partials(
    forward: Callable[[float], float], partials: Callable[[float, float], tuple[float]] | None
) -> Verdict:
    """gradcheck an Op built from ``forward`` and your ``partials(a, out)`` at a few points."""
    if (missing := _unanswered(partials)) is not None:
        return missing
    assert partials is not None
    probe = partials(0.4, forward(0.4))
    if (bad := _unanswered(probe)) is not None:
        return bad
    if not isinstance(probe, tuple) or len(probe) != 1:
        return Verdict(False, f"partials must return a one-element tuple such as (3.0,), got {probe!r}.")
    op = Op("mine", forward, partials)
    for point in (-1.3, 0.4, 2.0):
        try:
            gradcheck(lambda a: op(a), [point])
        except GradcheckError as error:
            return Verdict(False, f"at a = {point}: {error}")
    return Verdict(True, "gradcheck agrees with your partials at a = -1.3, 0.4 and 2.0.")


# ---- reference answers (for the notebooks' self-tests; try the exercise first) -------------------


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def _neuron_grad(w: Vector, x: Vector) -> list[float]:
    a = _sigmoid(sum(wi * xi for wi, xi in zip(w, x)))
    return [a * (1 - a) * xi for xi in x]


def _logit_grad(logits: Vector, target: int) -> list[float]:
    top = max(logits)
    e = [math.exp(z - top) for z in logits]
    return [v / sum(e) - (k == target) for k, v in enumerate(e)]


def _output_error(z: Vector, y: Vector) -> list[float]:
    return [(_sigmoid(zi) - yi) * _sigmoid(zi) * (1 - _sigmoid(zi)) for zi, yi in zip(z, y)]


SOLUTIONS: dict[str, object] = {
    "largest_live_lr": 0.0416,  # m2 - 12 lr > 0  <=>  lr < 1/24
    "neuron_grad": _neuron_grad,
    "logit_grad": _logit_grad,
    "bce_grad": lambda y_hat, y: y_hat - y,
    "output_error": _output_error,
    "parameter_count": 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10,
    "softplus_partials": lambda a, out: (_sigmoid(a),),
}
