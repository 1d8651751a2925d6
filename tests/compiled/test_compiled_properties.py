"""Property tests: compiled replay == eager engine on random expressions and MLPs.

Random expression trees use every op the compiler supports (+ - * / neg,
** constant, ** Value, relu tanh sigmoid exp log abs, linear, logsumexp),
over per-sample inputs, parameters and constants.  Arguments of log, of a
fractional or negative power and of a division are made positive first
(``|e| + 0.5``), as a user would, so that the eager engine does not raise.
"""

from __future__ import annotations

import numpy as np
from conftest import MANY_EXAMPLES
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd.compiled import compile_fn, per_sample_loss
from micrograd.engine import Value, linear, values
from micrograd.losses import logsumexp
from micrograd.nn import MLP

N_INPUTS = 3
N_PARAMS = 3

leaf = st.one_of(
    st.tuples(st.just("x"), st.integers(0, N_INPUTS - 1)),
    st.tuples(st.just("p"), st.integers(0, N_PARAMS - 1)),
    st.tuples(st.just("c"), st.floats(-3, 3, allow_nan=False).map(lambda c: round(c, 3))),
)
UNARY = ["neg", "relu", "tanh", "sigmoid", "exp", "log", "abs"]
BINARY = ["+", "-", "*", "/", "**"]
EXPONENTS = [2, 3, -1, 0.5, 0, 1.5]


def extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children),
        st.tuples(st.just("powc"), children, st.sampled_from(EXPONENTS)),
        st.tuples(st.sampled_from(BINARY), children, children),
        st.tuples(st.just("linear"), st.lists(children, min_size=1, max_size=3), children),
        st.tuples(st.just("lse"), st.lists(children, min_size=1, max_size=3)),
    )


expressions = st.recursive(leaf, extend, max_leaves=12)


def positive(v: Value) -> Value:
    return v.abs() + 0.5


def build(tree, xs, ps):
    kind = tree[0]
    if kind == "x":
        return xs[tree[1]]
    if kind == "p":
        return ps[tree[1]]
    if kind == "c":
        return Value(tree[1])
    if kind == "powc":
        base = build(tree[1], xs, ps)
        n = tree[2]
        return (positive(base) if n < 0 or n != int(n) else base) ** n
    if kind == "linear":
        terms = [build(t, xs, ps) for t in tree[1]]
        # Weights derived from the terms, so both sides may depend on the sample.
        weights = [t * 0.5 for t in terms]
        return linear(weights, terms, build(tree[2], xs, ps))
    if kind == "lse":
        return logsumexp([build(t, xs, ps) for t in tree[1]])
    if kind in UNARY:
        a = build(tree[1], xs, ps)
        if kind == "neg":
            return -a
        if kind == "log":
            return positive(a).log()
        if kind == "exp":
            return a.tanh().exp() if len(str(tree)) > 60 else a.exp()
        return getattr(a, kind)()
    a, b = build(tree[1], xs, ps), build(tree[2], xs, ps)
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        return a / positive(b)
    return positive(a) ** b.tanh()


def eager_reference(fn, X, params):
    for p in params:
        p.grad = 0.0
    outs = [fn(values(x.tolist())) for x in X]
    total = sum(outs, Value(0.0)) / len(outs)
    total.backward()
    return np.array([o.data for o in outs]), np.array([p.grad for p in params])


def close(actual, expected):
    # Relative 1e-12, with an absolute floor at 1e-12 of the largest entry:
    # a sum that cancels to ~0 carries rounding of its biggest terms.
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12 * scale)


@settings(deadline=None, max_examples=MANY_EXAMPLES)
@given(
    tree=expressions,
    seed=st.integers(0, 2**32 - 1),
    batch=st.integers(1, 5),
)
def test_random_expression_matches_eager(tree, seed, batch):
    rng = np.random.default_rng(seed)
    params = [Value(float(v)) for v in rng.uniform(-1.5, 1.5, N_PARAMS)]
    X = rng.uniform(-2, 2, size=(batch, N_INPUTS))

    def fn(xs):
        return build(tree, xs, params) + 0.0 * xs[0]  # always depends on the sample

    try:
        with np.errstate(all="ignore"):
            expected_out, expected_grads = eager_reference(fn, X, params)
    except (OverflowError, ZeroDivisionError, ValueError):
        assume(False)
    assume(np.all(np.isfinite(expected_out)) and np.all(np.isfinite(expected_grads)))
    assume(np.max(np.abs(expected_out)) < 1e12)

    compiled = compile_fn(fn, (X[0],), params=params)
    for p in params:
        p.grad = 0.0
    result = compiled(X)
    close(result.outputs, expected_out)
    close(np.array([p.grad for p in params]), expected_grads)


@settings(deadline=None, max_examples=30)
@given(
    nin=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=2),
    nout=st.integers(1, 3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid"]),
    fused=st.booleans(),
    batch=st.integers(1, 8),
    seed=st.integers(0, 2**16),
)
def test_random_mlp_losses_match_eager(nin, hidden, nout, activation, fused, batch, seed):
    rng = np.random.default_rng(seed)
    model = MLP(nin, [*hidden, nout], activation=activation, seed=seed, fused=fused)
    params = model.parameters()
    loss = "cross_entropy" if nout > 1 else ("hinge" if seed % 2 else "bce")
    fn = per_sample_loss(model, loss, nout)
    X = rng.normal(size=(batch, nin))
    labels = rng.integers(0, max(nout, 2), size=batch)
    targets = np.eye(nout)[labels] if nout > 1 else labels.astype(float)

    for p in params:
        p.grad = 0.0
    eager_losses = []
    for x, t in zip(X, targets):
        target = values(t.tolist()) if nout > 1 else Value(float(t))
        eager_losses.append(fn(values(x.tolist()), target)[0])
    total = sum(eager_losses, Value(0.0)) / batch
    total.backward()
    expected = np.array([p.grad for p in params])

    compiled = compile_fn(fn, (X[0], targets[0]), params=params)
    for p in params:
        p.grad = 0.0
    result = compiled(X, targets)
    close(np.array([result.loss]), np.array([total.data]))
    close(result.outputs[0], np.array([v.data for v in eager_losses]))
    close(np.array([p.grad for p in params]), expected)
