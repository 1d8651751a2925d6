"""Property-based tests: random expression DAGs over every op, checked
against PyTorch (float64) and against central finite differences.

A random *program* is a list of instructions; each instruction applies an op
to nodes chosen from everything computed so far, so leaves and intermediate
results are reused freely: the graphs are DAGs with shared subexpressions,
which is where gradient-accumulation bugs hide.

Domains are kept valid while the program runs on micrograd: an op whose
operand lies outside a safe domain (log of <= 0.1, a divisor or negative-power
base of |b| < 0.1, a Value exponent with base <= 0.1, or a result above 1e3 in
magnitude) is replaced by ``tanh`` of its first operand.  The ops actually
used are recorded and replayed identically in PyTorch and for the finite
differences, so all three evaluate the very same function.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from conftest import MANY_EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_torch import assert_mlp_matches_torch

from micrograd.engine import Value, no_grad
from micrograd.nn import MLP

LIMIT = 1e3  # largest |value| a node may take; keeps derivatives moderate


@dataclass(frozen=True)
class Op:
    name: str
    arity: int
    apply: Callable[..., Any]  # works on Values and on torch tensors (lib passed in)
    valid: Callable[..., bool]  # on operand data (floats)


def _tanh(lib: Any, a: Any) -> Any:
    return a.tanh() if lib is None else torch.tanh(a)


def _unary(method: str, torch_fn: Callable[[Any], Any]) -> Callable[..., Any]:
    def apply(lib: Any, a: Any) -> Any:
        return getattr(a, method)() if lib is None else torch_fn(a)

    return apply


def _any(*_: float) -> bool:
    return True


OPS: list[Op] = [
    Op("+", 2, lambda lib, a, b: a + b, _any),
    Op("-", 2, lambda lib, a, b: a - b, _any),
    Op("*", 2, lambda lib, a, b: a * b, _any),
    Op("/", 2, lambda lib, a, b: a / b, lambda a, b: abs(b) > 0.1),
    Op("**", 2, lambda lib, a, b: a**b, lambda a, b: a > 0.1 and abs(b) <= 3),
    Op("neg", 1, lambda lib, a: -a, _any),
    Op("relu", 1, _unary("relu", torch.relu), _any),
    Op("tanh", 1, _tanh, _any),
    Op("sigmoid", 1, _unary("sigmoid", torch.sigmoid), _any),
    Op("exp", 1, _unary("exp", torch.exp), lambda a: a < 6.9),
    Op("log", 1, _unary("log", torch.log), lambda a: a > 0.1),
    Op("abs", 1, _unary("abs", torch.abs), _any),
    Op("abs()", 1, lambda lib, a: abs(a), _any),
    Op("**2", 1, lambda lib, a: a**2, _any),
    Op("**3", 1, lambda lib, a: a**3, _any),
    Op("**0", 1, lambda lib, a: a**0, _any),
    Op("**-1", 1, lambda lib, a: a**-1, lambda a: abs(a) > 0.1),
    Op("**0.5", 1, lambda lib, a: a**0.5, lambda a: a > 0.1),
    Op("**-1.5", 1, lambda lib, a: a**-1.5, lambda a: a > 0.1),
    # reflected forms with a number on the left
    Op("2.5+v", 1, lambda lib, a: 2.5 + a, _any),
    Op("1-v", 1, lambda lib, a: 1 - a, _any),
    Op("-1.5*v", 1, lambda lib, a: -1.5 * a, _any),
    Op("1/v", 1, lambda lib, a: 1 / a, lambda a: abs(a) > 0.1),
    Op("2**v", 1, lambda lib, a: 2**a, _any),
    Op("0.7**v", 1, lambda lib, a: 0.7**a, _any),
    Op("sum", 2, lambda lib, a, b: sum([a, b, a]), _any),
]
FALLBACK = Op("tanh", 1, _tanh, _any)


@dataclass(frozen=True)
class Step:
    op: Op
    args: tuple[int, ...]


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[float], list[tuple[int, int, int]]]:
    n_leaves = draw(st.integers(1, 4))
    leaves = draw(st.lists(st.floats(-2.0, 2.0), min_size=n_leaves, max_size=n_leaves))
    n_steps = draw(st.integers(1, 20))
    raw = []
    for k in range(n_steps):
        pool = n_leaves + k
        raw.append(
            (
                draw(st.integers(0, len(OPS) - 1)),
                draw(st.integers(0, pool - 1)),
                draw(st.integers(0, pool - 1)),
            )
        )
    return leaves, raw


def compile_program(leaves: list[float], raw: list[tuple[int, int, int]]) -> list[Step]:
    """Choose the ops that are valid for the data, by running on plain Values."""
    with no_grad():
        pool = [Value(x) for x in leaves]
        steps: list[Step] = []
        for op_index, i, j in raw:
            op = OPS[op_index]
            args = (i, j)[: op.arity]
            operands = [pool[k] for k in args]
            result = op.apply(None, *operands) if op.valid(*(v.data for v in operands)) else None
            if result is None or not abs(result.data) <= LIMIT:
                op, args = FALLBACK, (i,)
                result = FALLBACK.apply(None, pool[i])
            steps.append(Step(op, args))
            pool.append(result)
    return steps


def run(steps: list[Step], leaves: list[Any], lib: Any) -> Any:
    """The program's output: the last node plus a weighted sum of every node,
    so that every leaf and intermediate result reaches the root."""
    pool = list(leaves)
    for step in steps:
        pool.append(step.op.apply(lib, *(pool[k] for k in step.args)))
    total = pool[-1]
    for k, node in enumerate(pool):
        total = total + node * (0.1 * (k % 3 + 1))
    return total


def micrograd_grads(steps: list[Step], xs: list[float]) -> tuple[float, list[float]]:
    vs = [Value(x) for x in xs]
    out = run(steps, vs, None)
    out.backward()
    return out.data, [v.grad for v in vs]


def torch_grads(steps: list[Step], xs: list[float]) -> tuple[float, list[float]]:
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = run(steps, ts, torch)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in ts]


def evaluate(steps: list[Step], xs: list[float]) -> tuple[float, list[bool]]:
    """Forward value and the branch taken at every relu/abs kink."""
    with no_grad():
        pool = [Value(x) for x in xs]
        branches: list[bool] = []
        for step in steps:
            operands = [pool[k] for k in step.args]
            if step.op.name in ("relu", "abs", "abs()"):
                branches.append(operands[0].data > 0)
            pool.append(step.op.apply(None, *operands))
        total = run(steps, [Value(x) for x in xs], None)
    return total.data, branches


@settings(max_examples=MANY_EXAMPLES, deadline=None)
@given(programs())
def test_random_dags_match_torch(program: tuple[list[float], list[tuple[int, int, int]]]) -> None:
    leaves, raw = program
    steps = compile_program(leaves, raw)
    value, grads = micrograd_grads(steps, leaves)
    t_value, t_grads = torch_grads(steps, leaves)
    assert value == pytest.approx(t_value, rel=1e-9, abs=1e-12)
    # The scale of the largest gradient bounds the rounding noise of sums
    # that cancel (torch and libm may differ by an ulp per op).
    scale = max(1.0, *(abs(g) for g in t_grads))
    for g, tg in zip(grads, t_grads):
        assert g == pytest.approx(tg, rel=1e-9, abs=1e-12 * scale)


@settings(max_examples=MANY_EXAMPLES, deadline=None)
@given(programs())
def test_random_dags_match_finite_differences(
    program: tuple[list[float], list[tuple[int, int, int]]],
) -> None:
    leaves, raw = program
    steps = compile_program(leaves, raw)
    value, grads = micrograd_grads(steps, leaves)
    base_value, base_branches = evaluate(steps, leaves)
    assert value == base_value
    for i, g in enumerate(grads):
        h = 1e-4
        points = []
        for k in (-2, -1, 1, 2):
            xs = list(leaves)
            xs[i] += k * h
            points.append(evaluate(steps, xs))
        if any(branches != base_branches for _, branches in points):
            continue  # a relu/abs kink lies within 2h: the function is not smooth there
        fm2, fm1, fp1, fp2 = (f for f, _ in points)
        # fourth-order central difference: error O(h**4 f''''') + O(eps |f| / h)
        fd = (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h)
        assert g == pytest.approx(fd, rel=1e-5, abs=1e-6 * max(1.0, abs(value))), f"leaf {i}"


@settings(max_examples=MANY_EXAMPLES, deadline=None)
@given(programs())
def test_backward_twice_doubles_leaf_grads(program: tuple[list[float], list[tuple[int, int, int]]]) -> None:
    leaves, raw = program
    steps = compile_program(leaves, raw)
    vs = [Value(x) for x in leaves]
    out = run(steps, vs, None)
    out.backward()
    once = [v.grad for v in vs]
    out.backward()
    assert [v.grad for v in vs] == [2 * g for g in once]
    assert out.grad == 1.0  # the root is interior: it holds the latest pass only


finite = st.floats(allow_nan=False, allow_infinity=False)
moderate = st.floats(-40.0, 40.0)


@settings(max_examples=MANY_EXAMPLES, deadline=None)
@given(st.one_of(finite, moderate))
def test_sigmoid_tanh_finite_and_match_torch_for_any_finite_input(x: float) -> None:
    for name, torch_fn in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        t_out = torch_fn(t)
        t_out.backward()
        assert t.grad is not None
        assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert out.data == pytest.approx(t_out.item(), rel=1e-12, abs=1e-300)
        # Both libraries compute the derivative from the rounded output y:
        # 1 - y**2 and y (1 - y).  Near |y| = 1 that subtraction magnifies a
        # one-ulp difference between libm's and PyTorch's forward value into
        # a relative difference of ulp / (1 - |y|) (~1e-6 at |x| = 12), so the
        # grads agree to rel 1e-9 plus a few ulps of y, not better.
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-9, abs=4 * math.ulp(out.data))


activations = st.sampled_from(["relu", "tanh", "sigmoid", None])


@settings(max_examples=MANY_EXAMPLES // 5, deadline=None)
@given(
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=activations,
    final=activations,
    fused=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_mlps_match_torch(
    nin: int, nouts: list[int], activation: str | None, final: str | None, fused: bool, seed: int
) -> None:
    model = MLP(nin, nouts, activation, final, seed=seed, fused=fused)
    assert_mlp_matches_torch(model, random.Random(seed), batch=2)
