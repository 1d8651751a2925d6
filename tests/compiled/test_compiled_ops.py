"""Every op of the engine, compiled, against the eager engine; user ops; the special kernels.

Compiled mode computes each op through its own definition (``forward`` and
``partials`` on numpy arrays), so these tests enumerate the op table: an op
the compiler lacks, or computes differently, fails here.
"""

from __future__ import annotations

import functools
import math
import zlib

import numpy as np
import pytest
from compiled_support import compiled_batch, eager_batch

from micrograd import elementwise as ew
from micrograd import engine
from micrograd.compiled import TracingError, compile_fn, trace_tape
from micrograd.compiled.kernels import LogSumExpGroup, OpGroup, ReluGroup, SumGroup
from micrograd.compiled.linear_kernels import BatchedLinear, MatmulLinear
from micrograd.compiled.rows import INV, VAR, Operand
from micrograd.engine import (
    ABS,
    ADD,
    COS,
    DIV,
    EXP,
    LINEAR,
    LOG,
    MUL,
    NEG,
    POW,
    RELU,
    SIGMOID,
    SIN,
    SUB,
    TANH,
    Op,
    Value,
    power_op,
)
from micrograd.losses import LOGSUMEXP

RTOL = 1e-12


def positive(v: Value) -> Value:
    """A denominator, a log's argument, a fractional or negative power's base."""
    return v.abs() + 0.5


# op -> (its number of inputs, how to make an input valid for it); None: any real number.
OPS = {
    ADD: (2, None),
    SUB: (2, None),
    MUL: (2, None),
    DIV: (2, (None, positive)),
    NEG: (1, None),
    POW: (2, (positive, None)),
    RELU: (1, None),
    ABS: (1, None),
    TANH: (1, None),
    SIGMOID: (1, None),
    EXP: (1, None),
    LOG: (1, (positive,)),
    SIN: (1, None),
    COS: (1, None),
    LINEAR: (5, None),  # bias, w_1, w_2, x_1, x_2
    power_op(2.0): (1, None),
    power_op(3.0): (1, None),
    power_op(-1.0): (1, (positive,)),
    power_op(0.5): (1, (positive,)),
    power_op(-1.5): (1, (positive,)),
    LOGSUMEXP: (3, None),
}


def test_the_list_covers_the_engine_table():
    assert set(engine.BUILTIN_OPS) <= set(OPS)


def _operands(op: Op, made: list[Value]) -> list[Value]:
    arity, valid = OPS[op]
    fixes = valid if valid is not None else (None,) * arity
    return [v if fix is None else fix(v) for v, fix in zip(made, fixes)]


# Where an op's operands come from: per-sample (inputs and parameters mixed),
# batch-invariant (parameters only: the op runs once, broadcast), or both.
SOURCES = ["sample", "invariant", "mixed"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("op", list(OPS), ids=lambda op: op.name)
def test_every_op_compiled_equals_eager(op, source):
    arity = OPS[op][0]
    rng = np.random.default_rng(zlib.crc32(f"{op.name} {source}".encode()))
    ps = [Value(float(v)) for v in rng.uniform(-1.5, 1.5, arity)]
    qs = [Value(float(v)) for v in rng.uniform(-1.0, 1.0, arity)]
    params = ps + qs

    def fn(xs):
        if source == "sample":
            made = [x * p + q for x, p, q in zip(xs, ps, qs)]
        elif source == "invariant":
            made = [p * q + p for p, q in zip(ps, qs)]
        else:  # even operands per sample, odd ones invariant
            made = [x * p + q if i % 2 == 0 else p - q for i, (x, p, q) in enumerate(zip(xs, ps, qs))]
        out = op(*_operands(op, made))
        return out * (xs[0] * 0.25 + 1.0), out  # the loss depends on the sample in every case

    X = rng.uniform(-2.0, 2.0, size=(7, arity))
    compiled = compile_fn(fn, (X[0],), params=params)
    assert any(slot_op is op for slot_op in compiled.tape.ops)  # the op itself is compiled
    result, grads = compiled_batch(compiled, (X,), params)
    loss, per_sample, eager_grads = eager_batch(fn, (X,), params)
    eager_out = np.array([fn(engine.values(x.tolist()))[1].data for x in X])
    np.testing.assert_allclose(result.outputs[1], eager_out, rtol=RTOL, atol=0)
    np.testing.assert_allclose(result.outputs[0], per_sample, rtol=RTOL, atol=1e-300)
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("op", [SIN, COS], ids=lambda op: op.name)
def test_sin_and_cos_compiled_equal_eager(op):
    a = Value(1.3)
    X = np.linspace(-40.0, 40.0, 101)

    def fn(x):
        return op(x * a) * op(x + a)

    compiled = compile_fn(fn, (0.0,), params=[a])
    result, grads = compiled_batch(compiled, (X,), [a])
    _, per_sample, eager_grads = eager_batch(fn, (X,), [a])
    np.testing.assert_allclose(result.outputs, per_sample, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL)


def test_huge_quotient_squared_has_a_finite_gradient_as_eagerly():
    # d/db (a/b)**2 = 2 (a/b) * -(a/b)/b: the engine's DIV partial -(out/b) keeps
    # every product finite, where -(g * out) / b would overflow to -inf.
    a, b = Value(1e155), Value(10.0)
    eager = (a / b) ** 2
    eager.backward()
    assert b.grad == pytest.approx(-2e307, rel=1e-15) and math.isfinite(b.grad)
    expected = (a.grad, b.grad)
    a.grad = b.grad = 0.0
    compiled = compile_fn(lambda x: (a / b) ** 2, (0.0,), params=[a, b])
    compiled(np.zeros(3))
    assert math.isfinite(b.grad)
    assert (a.grad, b.grad) == pytest.approx(expected, rel=1e-15)
    assert b.grad == pytest.approx(-2e307, rel=1e-15)


# ---------------------------------------------------------------------------
# User-defined ops
# ---------------------------------------------------------------------------

MATH_EXP = Op("math_exp", lambda a: math.exp(a), lambda a, out: (out,))
MATH_PARTIALS = Op("math_partials", lambda a: a * a, lambda a, out: (2 * math.fabs(a) * ew.sign(a),))
BRANCHING = Op("branching", lambda a: a if a > 0 else -a, lambda a, out: (ew.sign(a),))
DISAGREES = Op("disagrees", lambda a: a if isinstance(a, float) else a + 1, lambda a, out: (1.0,))


@pytest.mark.parametrize(
    ("op", "part"),
    [(MATH_EXP, "forward"), (MATH_PARTIALS, "partials"), (BRANCHING, "forward"), (DISAGREES, "forward")],
    ids=lambda v: v.name if isinstance(v, Op) else v,
)
def test_user_op_that_does_not_run_on_arrays_is_refused_at_compile_time(op, part):
    a = Value(0.7)
    op(Value(1.5)).backward()  # eagerly it works
    with pytest.raises(TracingError) as refused:
        compile_fn(lambda x: op(x * a), (1.0,), params=[a])
    message = str(refused.value)
    assert f"op {op.name!r}" in message and f"its {part}" in message
    assert "micrograd.elementwise" in message and "numpy arrays" in message


# Written with ordinary arithmetic and micrograd.elementwise: runs on floats and arrays.
GAUSS = Op("gauss", lambda a: ew.exp(-a * a), lambda a, out: (-2 * a * out,))
SMOOTH_MAX = Op(
    "smooth_max",
    lambda a, b: ew.log(ew.exp(a) + ew.exp(b)),
    lambda a, b, out: (ew.exp(a - out), ew.exp(b - out)),
    2,
)


@pytest.mark.parametrize("op", [GAUSS, SMOOTH_MAX], ids=lambda op: op.name)
def test_user_op_written_with_elementwise_compiles_and_matches_eager(op):
    p, q = Value(0.8), Value(-0.3)

    def fn(x):
        args = (x * p + q,) if op.arity == 1 else (x * p, x + q)
        return op(*args) * (x + 2.0)

    X = np.linspace(-2.0, 2.0, 9)
    compiled = compile_fn(fn, (0.0,), params=[p, q])
    assert op in compiled.tape.ops
    result, grads = compiled_batch(compiled, (X,), [p, q])
    loss, per_sample, eager_grads = eager_batch(fn, (X,), [p, q])
    assert result.loss == pytest.approx(loss, rel=RTOL)
    np.testing.assert_allclose(result.outputs, per_sample, rtol=RTOL)
    np.testing.assert_allclose(grads, eager_grads, rtol=RTOL)


def test_tape_slots_hold_the_op_objects():
    # Two ops may share a name; the tape tells them apart by identity.
    twin = Op("*", lambda a, b: a * b, lambda a, b, out: (b, a), 2)
    tape = trace_tape(lambda x: twin(x, x) + x * x, (2.0,))
    assert twin in tape.ops and MUL in tape.ops
    assert [op for op in tape.ops if op is twin] == [twin]


# ---------------------------------------------------------------------------
# The special kernels against the op definitions (the general kernel OpGroup)
# ---------------------------------------------------------------------------


class Slots:
    """A little row layout: slots placed in the INV or VAR buffer, with data."""

    def __init__(self, batch: int) -> None:
        self.batch, self.dom, self.row, self.needs = batch, [], [], []
        self.inv: list[np.ndarray] = []
        self.var: list[np.ndarray] = []

    def add(self, values: np.ndarray, d: int) -> list[int]:
        slots = []
        for v in values:
            slots.append(len(self.dom))
            self.dom.append(d)
            rows = self.inv if d == INV else self.var
            self.row.append(len(rows))
            rows.append(np.broadcast_to(v, (1 if d == INV else self.batch,)).astype(np.float64))
            self.needs.append(True)
        return slots

    def out(self, k: int) -> slice:
        start = len(self.var)
        self.var.extend(np.zeros(self.batch) for _ in range(k))
        return slice(start, start + k)

    def operand(self, slots: list[int], exclusive: bool = False) -> Operand:
        return Operand(slots, self.dom, self.row, self.needs, exclusive)

    def buffers(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.inv).reshape(-1, 1), np.array(self.var)


def run(group, out: slice, bufs, seed: np.ndarray):
    """Bind the kernel to copies of the buffers, run forward, seed, run backward."""
    group.dom, group.out, group.level = VAR, out, 1
    bufs = (bufs[0].copy(), bufs[1].copy())
    grads = (np.zeros_like(bufs[0]), np.zeros_like(bufs[1]))
    forward, backward = group.bind(bufs, grads)
    forward()
    grads[VAR][out] = seed
    backward()
    return bufs[VAR][out], grads


def assert_same(special, generic):
    (out_s, grads_s), (out_g, grads_g) = special, generic
    np.testing.assert_allclose(out_s, out_g, rtol=1e-13)
    for gs, gg in zip(grads_s, grads_g):
        np.testing.assert_allclose(gs, gg, rtol=1e-13, atol=1e-15)


# exclusive=True: the kernel writes gradients straight into its operands' rows
# (nothing else reads them), instead of adding; both must give the op's numbers.
EXCLUSIVE = pytest.mark.parametrize("exclusive", [False, True], ids=["adds", "writes"])


@EXCLUSIVE
def test_matmul_linear_kernel_matches_the_linear_op(exclusive):
    rng = np.random.default_rng(0)
    k, n, batch = 3, 4, 6
    layout = Slots(batch)
    weights = [layout.add(rng.normal(size=n), INV) for _ in range(k)]
    biases = layout.add(rng.normal(size=k), INV)
    inputs = [layout.add(rng.normal(size=(1, batch)), VAR)[0] for _ in range(n)]
    out = layout.out(k)
    bufs, seed = layout.buffers(), rng.normal(size=(k, batch))
    w_rows = np.array([[layout.row[s] for s in w] for w in weights], dtype=np.intp)
    special = MatmulLinear(
        LINEAR, layout.operand(biases, exclusive), w_rows, True, layout.operand(inputs, exclusive), exclusive
    )
    positions = [biases, *([w[i] for w in weights] for i in range(n)), *([x] * k for x in inputs)]
    generic = OpGroup(LINEAR, [layout.operand(list(p)) for p in positions])
    assert_same(run(special, out, bufs, seed), run(generic, out, bufs, seed))


@EXCLUSIVE
def test_batched_linear_kernel_matches_the_linear_op(exclusive):
    rng = np.random.default_rng(1)
    k, n, batch = 2, 3, 5
    layout = Slots(batch)
    weights = [[layout.add(rng.normal(size=(1, batch)), VAR)[0] for _ in range(n)] for _ in range(k)]
    inputs = [[layout.add(rng.normal(size=(1, batch)), VAR)[0] for _ in range(n)] for _ in range(k)]
    biases = layout.add(rng.normal(size=k), INV)
    out = layout.out(k)
    bufs, seed = layout.buffers(), rng.normal(size=(k, batch))
    flat_w, flat_x = [s for w in weights for s in w], [s for x in inputs for s in x]
    special = BatchedLinear(
        LINEAR, layout.operand(biases), layout.operand(flat_w, exclusive), layout.operand(flat_x), k, n
    )
    positions = [
        biases,
        *([w[i] for w in weights] for i in range(n)),
        *([x[i] for x in inputs] for i in range(n)),
    ]
    generic = OpGroup(LINEAR, [layout.operand(list(p)) for p in positions])
    assert_same(run(special, out, bufs, seed), run(generic, out, bufs, seed))


def test_sum_kernel_writes_exclusive_terms_straight_into_their_rows():
    rng = np.random.default_rng(4)
    batch = 3
    layout = Slots(batch)
    terms = [layout.add(rng.normal(size=(1, batch)), VAR)[0] for _ in range(5)]
    out = layout.out(2)
    bufs, seed = layout.buffers(), rng.normal(size=(2, batch))
    starts, segment = np.array([0, 2], dtype=np.intp), np.array([0, 0, 1, 1, 1], dtype=np.intp)
    adds = SumGroup(ADD, layout.operand(terms), starts, segment)
    writes = SumGroup(ADD, layout.operand(terms, exclusive=True), starts, segment)
    assert_same(run(writes, out, bufs, seed), run(adds, out, bufs, seed))


def test_sum_kernel_matches_a_chain_of_add():
    # Two sums of 4 and 3 terms, mixing per-sample and invariant terms, one term repeated.
    rng = np.random.default_rng(2)
    batch = 4
    layout = Slots(batch)
    var_terms = [layout.add(rng.normal(size=(1, batch)), VAR)[0] for _ in range(4)]
    inv_terms = layout.add(rng.normal(size=2), INV)
    sums = [
        [var_terms[0], inv_terms[0], var_terms[1], var_terms[1]],
        [inv_terms[1], var_terms[2], var_terms[3]],
    ]
    out = layout.out(2)
    bufs, seed = layout.buffers(), rng.normal(size=(2, batch))
    lengths = [len(t) for t in sums]
    starts = np.array([0, lengths[0]], dtype=np.intp)
    segment = np.repeat(np.arange(2, dtype=np.intp), lengths)
    special = SumGroup(ADD, layout.operand([s for t in sums for s in t]), starts, segment)
    got_out, got_grads = run(special, out, bufs, seed)

    # The reference: ((t1 + t2) + t3) + ..., forward and chain rule through ADD's own definition.
    inv, var = bufs

    def value(s):
        return inv[layout.row[s]] if layout.dom[s] == INV else var[layout.row[s]]

    want_grads = (np.zeros_like(inv), np.zeros_like(var))
    want_grads[VAR][out] = seed  # the results' own gradients, as run() seeded them
    for j, terms in enumerate(sums):
        partial_sums = [value(terms[0])]
        for t in terms[1:]:
            partial_sums.append(ADD.forward(partial_sums[-1], value(t)))
        np.testing.assert_allclose(got_out[j], partial_sums[-1], rtol=1e-15)
        g = seed[j]
        for i in range(len(terms) - 1, 0, -1):  # back down the chain
            d_left, d_term = ADD.partials(partial_sums[i - 1], value(terms[i]), partial_sums[i])
            contrib = g * d_term
            target = want_grads[layout.dom[terms[i]]]
            target[layout.row[terms[i]]] += contrib if layout.dom[terms[i]] == VAR else contrib.sum()
            g = g * d_left
        first = terms[0]
        want_grads[layout.dom[first]][layout.row[first]] += g if layout.dom[first] == VAR else g.sum()
    for got, want in zip(got_grads, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


@EXCLUSIVE
def test_logsumexp_kernel_matches_the_op_definition_at_extremes(exclusive):
    # Two logsumexp nodes of 3 inputs over 6 samples: ordinary, huge, all -inf, +inf, NaN.
    cols = np.array(
        [
            [
                [0.5, -1.0, 2.0],
                [1000.0, 999.0, -5.0],
                [-np.inf] * 3,
                [np.inf, 1.0, 0.0],
                [np.nan, 1.0, 0.0],
                [3.0] * 3,
            ],
            [
                [-0.3, 0.2, 0.1],
                [-1000.0, -1001.0, -999.5],
                [-np.inf, 0.0, 1.0],
                [5.0, 6.0, 7.0],
                [0.0] * 3,
                [1.0, 2.0, 3.0],
            ],
        ]
    )  # (node, sample, input)
    k, batch, n = cols.shape
    layout = Slots(batch)
    inputs = [[layout.add(cols[j, :, i][None, :], VAR)[0] for i in range(n)] for j in range(k)]
    out = layout.out(k)
    rng = np.random.default_rng(3)
    bufs, seed = layout.buffers(), rng.normal(size=(k, batch))
    special = LogSumExpGroup(LOGSUMEXP, layout.operand([s for node in inputs for s in node], exclusive), k, n)
    generic = OpGroup(LOGSUMEXP, [layout.operand([node[i] for node in inputs]) for i in range(n)])
    with np.errstate(all="ignore"):
        assert_same(run(special, out, bufs, seed), run(generic, out, bufs, seed))


@EXCLUSIVE
def test_relu_kernel_matches_the_op_definition_bit_for_bit(exclusive):
    # relu(-0.0) is +0.0, NaN passes through (and passes its gradient on), an infinite
    # gradient times relu's 0 is NaN: exactly as the op's forward and partials on arrays.
    x = np.array([[-0.0, 0.0, -1.5, 2.0, np.nan, np.inf, -np.inf, 1e-300]])
    layout = Slots(x.shape[1])
    xs = layout.add(x, VAR)
    out = layout.out(1)
    bufs = layout.buffers()
    seed = np.array([[np.inf, -2.0, np.inf, -np.inf, 3.0, 1.0, -1.0, 0.5]])
    special, generic = ReluGroup(RELU, layout.operand(xs, exclusive)), OpGroup(RELU, [layout.operand(xs)])
    with np.errstate(all="ignore"):
        (out_s, grads_s), (out_g, grads_g) = run(special, out, bufs, seed), run(generic, out, bufs, seed)
    np.testing.assert_array_equal(out_s, out_g)
    np.testing.assert_array_equal(np.signbit(out_s), np.signbit(out_g))
    for gs, gg in zip(grads_s, grads_g):
        np.testing.assert_array_equal(gs, gg)
        if not exclusive:
            # A gradient written (not added to a 0.0) may keep g * 0.0 = -0.0 where 0.0 + -0.0
            # is +0.0: equal numbers, and parameter gradients are added into the store anyway.
            np.testing.assert_array_equal(np.signbit(gs), np.signbit(gg))


def test_logsumexp_is_an_ordinary_op_on_arrays():
    # Its forward and partials run on arrays with the same per-row max shift, and
    # handle infinite maxima as on floats.
    rows = [[1000.0, 999.0, -5.0], [-1000.0, -1001.0, -999.5], [-math.inf, -math.inf, -math.inf]]
    cols = [np.array(c) for c in zip(*rows)]
    with np.errstate(invalid="ignore"):  # -inf - -inf, as in a compiled replay
        on_arrays = LOGSUMEXP.forward(*cols)
    on_floats = [LOGSUMEXP.forward(*r) for r in rows]
    np.testing.assert_allclose(on_arrays, on_floats, rtol=1e-15)
    assert on_floats[2] == -math.inf and LOGSUMEXP.forward(math.inf, 1.0) == math.inf
    softmax = LOGSUMEXP.partials(*[c[:2] for c in cols], on_arrays[:2])
    np.testing.assert_allclose(functools.reduce(np.add, softmax), [1.0, 1.0], rtol=1e-13)
