"""One checker per notebook exercise. Each builds the truth with the engine (``backward()``, or
``gradcheck`` for a learner's own op) and returns a :class:`~micrograd.exercises.verdict.Verdict`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from micrograd.elementwise import sigmoid
from micrograd.engine import Op, Value
from micrograd.examples import worked_example
from micrograd.exercises.verdict import Vector, Verdict, as_number, call, compare, compare_number, unanswered
from micrograd.finite_differences import GradcheckError, gradcheck

__all__ = ["check_bce_grad", "check_largest_live_lr", "check_logit_grad", "check_neuron_grad"]
__all__ += ["check_output_error", "check_parameter_count", "check_partials", "engine_bce_grad"]
__all__ += ["engine_logit_grad", "engine_neuron_grad", "engine_output_error", "relu_alive_after_step"]


# ---- 01: the learning rate at which the ReLU first dies ------------------------------------------


def relu_alive_after_step(lr: float) -> tuple[bool, float]:
    """One SGD step on the worked example with learning rate ``lr``; (z2 > 0 afterwards, new z2)."""
    ex = worked_example()
    ex.L.backward()
    m1, m2 = ex.m1.data - lr * ex.m1.grad, ex.m2.data - lr * ex.m2.grad
    z2 = worked_example(m1=m1, m2=m2).z2.data + 0.0  # + 0.0: never print "-0"
    return z2 > 0, z2


def check_largest_live_lr(lr: float | None) -> Verdict:
    """Right if the ReLU survives one step at ``lr`` but dies at ``lr + 0.0001`` (4 decimals)."""
    if (missing := unanswered(lr)) is not None:
        return missing
    rate = as_number(lr)
    if rate is None:
        return Verdict(False, f"the answer is a number such as 0.05, got {lr!r}.")
    if rate <= 0:
        return Verdict(False, f"a learning rate is positive (a step goes downhill), got {rate:g}.")
    ex = worked_example()
    ex.L.backward()
    if ex.m1.data - rate * ex.m1.grad <= 0:
        return Verdict(
            False,
            f"at lr = {rate:g} the step is so large that both weights change sign, and z2 is positive "
            "again: a different regime. Look between 0.02 and 0.1.",
        )
    alive, z2 = relu_alive_after_step(rate)
    if not alive:
        return Verdict(
            False, f"at lr = {rate:g} the step makes z2 = {z2:.4g} <= 0: the ReLU dies. Try smaller."
        )
    alive_next, z2_next = relu_alive_after_step(rate + 1e-4)
    if alive_next:
        return Verdict(
            False, f"lr = {rate:g} survives (z2 = {z2:.4g}), but so does {rate + 1e-4:.4f}: go larger."
        )
    return Verdict(
        True,
        f"lr = {rate:g} leaves z2 = {z2:.4g} > 0, while {rate + 1e-4:.4f} gives z2 = {z2_next:.4g} <= 0.",
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
    if (missing := unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for w, x in NEURON_CASES:
        case = f"w={w}, x={x}"
        got, failed = call(fn, (list(w), list(x)), case)
        if failed is not None:
            return failed
        a = sigmoid(sum(wi * xi for wi, xi in zip(w, x)))
        slips = [
            ("sigma'(z) without the factor x_i", [a * (1 - a)] * len(x)),
            ("sigma(z) * x_i: the sigmoid instead of its derivative", [a * xi for xi in x]),
            ("da/dx (w_i in place of x_i)", [a * (1 - a) * wi for wi in w]),
        ]
        if (wrong := compare(got, engine_neuron_grad(w, x), case, slips)) is not None:
            return wrong
    return Verdict(True, f"your da/dw matches backward() on all {len(NEURON_CASES)} neurons.")


# ---- 03 and 05: the gradient that reaches the logits ---------------------------------------------


def engine_logit_grad(logits: Vector, target: int) -> list[float]:
    """dL/dz for L = -log softmax(z)[target], by the engine."""
    zs = [Value(z) for z in logits]
    top = max(logits)  # a constant shift: softmax(z - top) = softmax(z), and exp(z - top) cannot overflow
    total = sum(((z - top).exp() for z in zs), Value(0.0))
    loss = -((zs[target] - top).exp() / total).log()
    loss.backward()
    return [z.grad for z in zs]


# The last case has a logit whose exp overflows: only the max-shifted softmax gets it right.
LOGIT_CASES = (([0.495, 0.46, 0.525], 1), ([2.0, -1.0, 0.5, 0.0], 3), ([3.0, 3.0], 0), ([800.0, 799.0], 1))


def check_logit_grad(fn: Callable[[Vector, int], Vector] | None) -> Verdict:
    """Compare ``fn(logits, target)`` (your dL/dz for softmax + cross-entropy) with the engine."""
    if (missing := unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for logits, target in LOGIT_CASES:
        case = f"logits={logits}, target={target}"
        got, failed = call(fn, (list(logits), target), case)
        want = engine_logit_grad(logits, target)
        softmax = [g + (k == target) for k, g in enumerate(want)]
        slips = [("softmax alone: the one-hot [k = target] is not subtracted", softmax)]
        wrong = failed if failed is not None else compare(got, want, case, slips)
        if wrong is not None:
            if max(logits) > 700:  # exp(710) overflows a float: the stable softmax is the point of this case
                return Verdict(
                    False,
                    wrong.message + " For logits this large, exp overflows: subtract "
                    "max(logits) from every logit first (the softmax does not change).",
                )
            return wrong
    return Verdict(
        True,
        f"your dL/dz is softmax minus one-hot, exactly what backward() computes, on all {len(LOGIT_CASES)} "
        "sets of logits (even [800, 799], where a plain exp overflows).",
    )


def engine_bce_grad(z: float, y: float) -> float:
    """dL/dz for L = -[y log s + (1-y) log(1-s)], s = sigmoid(z), by the engine."""
    zv = Value(z)
    s = zv.sigmoid()
    loss = -(y * s.log() + (1.0 - y) * (1.0 - s).log())
    loss.backward()
    return zv.grad


def check_bce_grad(fn: Callable[[float, float], float] | None) -> Verdict:
    """Compare ``fn(y_hat, y)`` (your dL/dz for sigmoid + binary cross-entropy) with the engine."""
    if (missing := unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for z, y in ((0.3, 1.0), (-2.0, 1.0), (1.5, 0.0), (0.0, 0.0)):
        y_hat = sigmoid(z)
        case = f"y_hat={y_hat:.4f}, y={y}"
        got, failed = call(fn, (y_hat, y), case)
        if failed is not None:
            return failed
        slips = [
            (
                "dL/dy_hat: the sigmoid's factor y_hat(1 - y_hat) is still to multiply",
                -y / y_hat + (1 - y) / (1 - y_hat),
            ),
            (
                "(y_hat - y) y_hat (1 - y_hat), the squared error's gradient",
                (y_hat - y) * y_hat * (1 - y_hat),
            ),
        ]
        if (wrong := compare_number(got, engine_bce_grad(z, y), case, slips)) is not None:
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
    if (missing := unanswered(fn)) is not None:
        return missing
    assert fn is not None
    for z, y in (([0.2, -1.0], [1.0, 0.0]), ([3.0, 0.0, -0.5], [0.0, 1.0, 0.0])):
        case = f"z={z}, y={y}"
        got, failed = call(fn, (list(z), list(y)), case)
        if failed is not None:
            return failed
        want = engine_output_error(z, y)
        a = [sigmoid(v) for v in z]
        slips = [
            ("a - y: the factor sigma'(z) is missing", [ai - yi for ai, yi in zip(a, y)]),
            ("twice the answer: the source notes' cost has no 1/2, ours has", [2 * d for d in want]),
        ]
        if (wrong := compare(got, want, case, slips)) is not None:
            return wrong
    return Verdict(True, "your delta^L = (a - y) * sigma'(z) matches backward().")


def check_parameter_count(count: int | None, sizes: Sequence[int] = (784, 16, 16, 10)) -> Verdict:
    """Compare your count of weights and biases with the library's ``MLP(...).parameters()``."""
    from micrograd.nn import MLP  # built only when asked: 13,002 Values

    if (missing := unanswered(count)) is not None:
        return missing
    number = as_number(count)
    if number is None or number != int(number):
        return Verdict(False, f"the answer is a whole number, got {count!r}.")
    call_text = f"MLP({sizes[0]}, {list(sizes[1:])})"
    want = len(MLP(sizes[0], list(sizes[1:]), seed=0).parameters())
    if number == want:
        return Verdict(True, f"{call_text} has {want:,} parameters.")
    weights = sum(a * b for a, b in itertools.pairwise(sizes))
    if number == weights:
        return Verdict(False, "that counts the weights only: every neuron also has a bias.")
    return Verdict(
        False,
        f"your count is too {'small' if number < want else 'large'}. Hint: a layer of n_out neurons "
        "with n_in inputs has n_in*n_out weights and n_out biases; the input layer has no neurons.",
    )


# ---- 07: your own op's partials ------------------------------------------------------------------


def check_partials(
    forward: Callable[[float], float], partials: Callable[[float, float], tuple[float]] | None
) -> Verdict:
    """gradcheck an Op built from ``forward`` and your ``partials(a, out)`` at a few points."""
    if (missing := unanswered(partials)) is not None:
        return missing
    assert partials is not None
    points = (-1.3, 0.4, 2.0)
    for point in points:  # the shape of the answer first: gradcheck's errors would not say what is wrong
        probe, failed = call(partials, (point, forward(point)), f"a = {point}")
        if failed is not None:
            return failed
        if not isinstance(probe, tuple) or len(probe) != 1:
            return Verdict(False, f"partials must return a one-element tuple such as (3.0,), got {probe!r}.")
        if as_number(probe[0]) is None:
            return Verdict(False, f"the tuple's entry must be a plain number (a float), got {probe[0]!r}.")
    op = Op("mine", forward, partials)
    for point in points:
        try:
            gradcheck(lambda a: op(a), [point])
        except GradcheckError:
            h = 1e-6  # the measured slope: a central difference of the forward
            slope = (forward(point + h) - forward(point - h)) / (2 * h)
            yours = float(partials(point, forward(point))[0])
            flipped = " (the sign is flipped)" if math.isclose(yours, -slope, rel_tol=1e-5) else ""
            return Verdict(
                False,
                f"at a = {point} your partial gives {yours:.6g}, but the measured slope of the forward "
                f"is {slope:.6g}{flipped}.",
            )
    return Verdict(True, f"gradcheck agrees with your partials at a = {', '.join(map(str, points))}.")
