"""Shared helpers of the compiled-mode tests: eager and compiled references on one batch."""

from __future__ import annotations

import numpy as np

from micrograd.engine import Value, values

RTOL = 1e-12
ATOL = 1e-12


def eager_batch(fn, batch_args, params, reduction="mean"):
    """Per-sample eager graphs, reduced like the compiled call; returns
    (loss, per-sample first outputs, param grads)."""
    for p in params:
        p.grad = 0.0
    size = len(batch_args[0])
    losses = []
    for i in range(size):
        args = []
        for arg in batch_args:
            row = arg[i]
            args.append(values(row.tolist()) if np.ndim(row) else Value(float(row)))
        out = fn(*args)
        losses.append(out[0] if isinstance(out, tuple) else out)
    total = sum(losses, Value(0.0))
    if reduction == "mean":
        total = total / size
    total.backward()
    return total.data, np.array([v.data for v in losses]), np.array([p.grad for p in params])


def compiled_batch(compiled, batch_args, params):
    for p in params:
        p.grad = 0.0
    result = compiled(*batch_args)
    return result, np.array([p.grad for p in params])


def moons_like(n, rng):
    X = rng.normal(size=(n, 2))
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return X, y
