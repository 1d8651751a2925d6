"""Losses against torch.nn.functional in float64: values and gradients,
including saturated and huge inputs."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from micrograd.engine import Op, Value
from micrograd.losses import (
    LOGSUMEXP,
    Reduction,
    bce_with_logits_term,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_term,
    hinge,
    hinge_term,
    log_softmax,
    logsumexp,
    mse,
    softmax,
    softplus,
)

REL = 1e-12


def close(a: float, b: float, rel: float = REL, abs_: float = 1e-15) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def run_both(
    ours: Callable[[list[Value]], Value],
    theirs: Callable[[torch.Tensor], torch.Tensor],
    xs: Sequence[float],
) -> tuple[float, list[float], float, list[float]]:
    """Value and input-gradient of a scalar loss in micrograd and in torch."""
    vs = [Value(x) for x in xs]
    out = ours(vs)
    out.backward()
    t = torch.tensor(list(xs), dtype=torch.float64, requires_grad=True)
    tout = theirs(t)
    tout.backward()
    assert t.grad is not None
    return out.data, [v.grad for v in vs], float(tout.detach()), t.grad.tolist()


def assert_match(
    ours: Callable[[list[Value]], Value],
    theirs: Callable[[torch.Tensor], torch.Tensor],
    xs: Sequence[float],
    abs_: float = 1e-15,
) -> None:
    val, grads, tval, tgrads = run_both(ours, theirs, xs)
    assert close(val, tval, abs_=abs_), (val, tval)
    for g, tg in zip(grads, tgrads):
        assert close(g, tg, abs_=abs_), (grads, tgrads)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_matches_torch(reduction: Reduction) -> None:
    target = [0.5, -2.0, 3.25, 1e8]
    assert_match(
        lambda v: mse(v, target, reduction=reduction),
        lambda t: F.mse_loss(t, torch.tensor(target, dtype=torch.float64), reduction=reduction),
        [0.1, -2.0, 7.0, -1e8],
    )


def test_mse_single_value_and_numbers() -> None:
    x = Value(3.0)
    loss = mse(x, 1.0)
    loss.backward()
    assert loss.data == 4.0 and x.grad == 4.0
    assert mse([1, 2], [1, 2]).data == 0.0


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(
    ("probs", "targets"),
    [
        ([0.3, 0.9, 0.5, 0.01, 0.999], [1.0, 0.0, 0.5, 0.0, 1.0]),  # ordinary
        ([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]),  # exactly saturated: clamp at -100
        ([1e-50, 1 - 1e-16, 1e-13, 1e-300], [1.0, 0.0, 0.3, 0.0]),  # capped gradient region
        ([1e-11, 0.99999999999, 5e-7], [1.0, 0.0, 1.0]),  # just outside the cap
    ],
)
def test_bce_matches_torch(probs: list[float], targets: list[float], reduction: Reduction) -> None:
    # abs 1e-14: torch computes log(1 - p) as log1p(-p); we form 1 - p first,
    # whose rounding (1e-16 absolute) is all that separates the two.
    assert_match(
        lambda v: binary_cross_entropy(v, targets, reduction=reduction),
        lambda t: F.binary_cross_entropy(t, torch.tensor(targets, dtype=torch.float64), reduction=reduction),
        probs,
        abs_=1e-14,
    )


def test_bce_saturated_value_is_clamped() -> None:
    assert binary_cross_entropy([0.0], [1.0]).data == 100.0
    assert binary_cross_entropy([1.0], [0.0]).data == 100.0


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(
    ("logits", "targets"),
    [
        ([0.0, 2.5, -3.0, 0.7], [1.0, 0.0, 1.0, 0.25]),
        ([1000.0, -1000.0, 1000.0, -1000.0], [1.0, 0.0, 0.0, 1.0]),
        ([40.0, -40.0, 1e-9, -1e-9], [0.0, 1.0, 1.0, 0.0]),
    ],
)
def test_bce_with_logits_matches_torch(
    logits: list[float], targets: list[float], reduction: Reduction
) -> None:
    assert_match(
        lambda v: binary_cross_entropy_with_logits(v, targets, reduction=reduction),
        lambda t: F.binary_cross_entropy_with_logits(
            t, torch.tensor(targets, dtype=torch.float64), reduction=reduction
        ),
        logits,
    )


def test_bce_with_logits_gradient_at_zero_is_half() -> None:
    # The relu/abs form of softplus would give the subgradient 0 here.
    x = Value(0.0)
    binary_cross_entropy_with_logits(x, 0.0).backward()
    assert x.grad == 0.5


def test_softplus_extremes() -> None:
    for x, want_val, want_grad in [(1000.0, 1000.0, 1.0), (-1000.0, 0.0, 0.0), (0.0, math.log(2), 0.5)]:
        v = Value(x)
        out = softplus(v)
        out.backward()
        assert close(out.data, want_val) and close(v.grad, want_grad)


@pytest.mark.parametrize(
    "logits",
    [[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -999.5], [0.0]],
)
def test_softmax_and_log_softmax_match_torch(logits: list[float]) -> None:
    n = len(logits)
    weights = [0.3 * (i + 1) for i in range(n)]  # a non-trivial upstream gradient

    def weighted(vals: list[Value]) -> Value:
        total = vals[0] * weights[0]
        for w, v in zip(weights[1:], vals[1:]):
            total = total + w * v
        return total

    wt = torch.tensor(weights, dtype=torch.float64)
    assert_match(lambda v: weighted(softmax(v)), lambda t: (F.softmax(t, dim=0) * wt).sum(), logits)
    assert_match(lambda v: weighted(log_softmax(v)), lambda t: (F.log_softmax(t, dim=0) * wt).sum(), logits)


@pytest.mark.parametrize(
    ("logits", "target"),
    [([0.2, -1.0, 3.0], 0), ([1000.0, 0.0, -1000.0], 2), ([1000.0, 1000.0], 1), ([5.0], 0)],
)
def test_cross_entropy_single_matches_torch(logits: list[float], target: int) -> None:
    assert_match(
        lambda v: cross_entropy(v, target),
        lambda t: F.cross_entropy(t.unsqueeze(0), torch.tensor([target])),
        logits,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_batch_matches_torch(reduction: Reduction) -> None:
    rows = [[0.5, 1.5, -2.0], [1000.0, -1000.0, 0.0], [3.0, 3.0, 3.0], [-7.0, 2.0, 1.0]]
    targets = [1, 1, 2, 0]
    vs = [[Value(x) for x in row] for row in rows]
    loss = cross_entropy(vs, targets, reduction=reduction)
    loss.backward()
    t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    tloss = F.cross_entropy(t, torch.tensor(targets), reduction=reduction)
    tloss.backward()
    assert t.grad is not None
    assert close(loss.data, float(tloss.detach()))
    for row, trow in zip(vs, t.grad.tolist()):
        for v, g in zip(row, trow):
            assert close(v.grad, g, abs_=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_hinge_matches_torch(reduction: Reduction) -> None:
    labels = [1.0, -1.0, 1.0, -1.0, 1.0]
    scores = [0.3, 0.2, 2.0, -5.0, 1.0]  # includes a margin of exactly 1 (the kink)
    assert_match(
        lambda v: hinge(v, labels, reduction=reduction),
        lambda t: getattr(F.relu(1 - torch.tensor(labels, dtype=torch.float64) * t), reduction)(),
        scores,
    )


LOGITS = st.floats(min_value=-1000, max_value=1000, allow_nan=False)


@given(st.lists(LOGITS, min_size=1, max_size=6), st.data())
def test_cross_entropy_property(logits: list[float], data: st.DataObject) -> None:
    target = data.draw(st.integers(0, len(logits) - 1))
    assert_match(
        lambda v: cross_entropy(v, target),
        lambda t: F.cross_entropy(t.unsqueeze(0), torch.tensor([target])),
        logits,
        abs_=1e-13,
    )


@given(st.lists(st.tuples(LOGITS, st.floats(0, 1)), min_size=1, max_size=6))
def test_bce_with_logits_property(pairs: list[tuple[float, float]]) -> None:
    targets = [t for _, t in pairs]
    assert_match(
        lambda v: binary_cross_entropy_with_logits(v, targets),
        lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(targets, dtype=torch.float64)),
        [x for x, _ in pairs],
        abs_=1e-13,
    )


def test_numpy_inputs_are_accepted() -> None:
    import numpy as np

    assert mse(np.array([1.0, 3.0]), np.array([1.0, 1.0])).data == 2.0
    assert close(cross_entropy(np.array([[0.0, 0.0]]), np.array([1])).data, math.log(2))
    assert close(cross_entropy(np.zeros(4), np.int64(3)).data, math.log(4))


def test_graph_is_made_of_ordinary_ops() -> None:
    from micrograd.engine import topological_order

    z = [Value(1.0), Value(2.0)]
    nodes = topological_order(cross_entropy(z, 1))
    # Every op node holds an Op (forward + partials, no special backward rule).
    assert all(isinstance(n._op, Op) for n in nodes if n._prev)
    assert {str(n._op) for n in nodes} <= {"", "-", "/", "logsumexp"}
    assert any(n._op is LOGSUMEXP for n in nodes)


def test_errors() -> None:
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="out of range"):
        cross_entropy([1.0, 2.0], 2)
    with pytest.raises(ValueError, match="out of range"):
        cross_entropy([[1.0, 2.0]], [-1])
    with pytest.raises(ValueError, match="2 logit rows but 1 targets"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0]], [0])
    with pytest.raises(TypeError, match="int class index"):
        cross_entropy([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="reduction"):
        mse([1.0], [1.0], reduction="avg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside"):
        binary_cross_entropy([1.5], [1.0])
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge([0.5], [0.0])
    with pytest.raises(ValueError, match="empty"):
        mse([], [])
    with pytest.raises(TypeError, match="constants"):
        mse([1.0], [Value(1.0)])
    with pytest.raises(TypeError):
        mse("ab", [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        softmax([math.inf, 0.0])


def test_cross_entropy_errors_name_cross_entropy_and_the_row() -> None:
    # They used to name log_softmax, which the caller never called, and no row.
    with pytest.raises(ValueError, match=r"^cross_entropy: logits must be finite"):
        cross_entropy([math.nan, 1.0], 0)
    with pytest.raises(ValueError, match=r"^cross_entropy \(row 1\) needs at least one logit"):
        cross_entropy([[1.0, 2.0], []], [0, 0])
    with pytest.raises(TypeError, match=r"^cross_entropy \(row 1\) expects a sequence of logits"):
        cross_entropy([[1.0, 2.0], 3.0], [0, 0])


def test_per_sample_terms_are_the_batch_losses_terms() -> None:
    # One formula per loss: the batch losses reduce the terms, and a term's
    # target may be a Value (in a compiled tape the label is an input).
    zs = [Value(0.3), Value(-1.2), Value(2.0)]
    by_index = cross_entropy_term(zs, 2)
    one_hot = cross_entropy_term(zs, [Value(0.0), Value(0.0), Value(1.0)])
    assert by_index.data == cross_entropy(zs, 2).data
    assert close(one_hot.data, by_index.data, rel=1e-15)
    one_hot.backward()
    grads = [z.grad for z in zs]
    for z in zs:
        z.grad = 0.0
    by_index.backward()
    assert all(close(g, z.grad, rel=1e-15) for g, z in zip(grads, zs))
    assert hinge_term(Value(0.3), -1.0).data == hinge([0.3], [-1.0]).data == 1.3
    assert hinge_term(Value(0.3), Value(-1.0)).data == 1.3
    bce = binary_cross_entropy_with_logits([0.7], [0.25]).data
    assert bce_with_logits_term(Value(0.7), 0.25).data == bce
    assert bce_with_logits_term(Value(0.7), Value(0.25)).data == bce


def test_logsumexp_is_one_stable_node_matching_torch() -> None:
    xs = [1000.0, 999.0, -5.0, 0.5]
    assert_match(lambda v: logsumexp(v) * 0.5, lambda t: torch.logsumexp(t, dim=0) * 0.5, xs)
    out = logsumexp([Value(x) for x in xs])
    assert out._op is LOGSUMEXP and len(out._prev) == 4
    assert logsumexp([-math.inf, -math.inf]).data == -math.inf
    assert logsumexp([math.inf, 1.0]).data == math.inf
    assert math.isnan(logsumexp([math.nan, 1.0]).data)
    with pytest.raises(ValueError, match="empty"):
        logsumexp([])
    with pytest.raises(TypeError, match="sequence"):
        logsumexp(3.0)  # type: ignore[arg-type]
