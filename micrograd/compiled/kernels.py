"""Group kernels: ``k`` tape nodes of one op, computed by one numpy call each way.

The general kernel, :class:`OpGroup`, knows nothing about any op: it runs the
op's own definition on arrays, one row per node and the batch along the row::

    out      = op.forward(x_1, ..., x_n)                 each x_i a (k, batch) array
    partials = op.partials(x_1, ..., x_n, out)           d out / d x_i, per element
    grad x_i += g * partials[i]                          the chain rule, as backward()

so compiled mode computes exactly what the eager engine's ``backward()`` does
(``parent.grad += node.grad * local``), batched.  An op is supported when its
forward and partials evaluate on numpy arrays: :func:`check_runs_on_arrays`
tries them at compile time on the example's values.

Three kernels are specialised for speed, and tests check them against the
op definitions: :class:`MatmulLinear` (a layer's ``LINEAR`` nodes as one matrix
product), :class:`BatchedLinear` (``LINEAR`` nodes with per-sample weights) and
:class:`SumGroup` (a flattened chain of ``+`` as one n-ary sum).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from micrograd.compiled.guard import TracingError
from micrograd.compiled.rows import INV, Array, Bufs, IntArray, Operand, Scatter
from micrograd.engine import Op

__all__ = ["BatchedLinear", "Group", "MatmulLinear", "OpGroup", "SumGroup", "check_runs_on_arrays"]

ARRAY_HINT = "write forward and partials with micrograd.elementwise functions so they run on numpy arrays"


class Group:
    """``k`` nodes computed together.  Their results occupy the consecutive rows
    ``out`` of buffer ``dom``; ``level`` is their depth in the graph."""

    op: Op
    dom: int
    out: slice
    level: int

    def forward(self, bufs: Bufs) -> None:
        raise NotImplementedError

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        raise NotImplementedError


def _times(g: Array, partial: Any) -> Array:
    # A partial of exactly 1.0 (ADD's, LINEAR's bias) contributes g itself: g * 1.0 == g.
    if type(partial) is float and partial == 1.0:
        return g
    result: Array = g * partial
    return result


class OpGroup(Group):
    """Any op, through its own ``forward`` and ``partials`` on arrays."""

    def __init__(self, op: Op, operands: Sequence[Operand]) -> None:
        self.op, self.operands = op, list(operands)
        self._xs: list[Array] = []

    def forward(self, bufs: Bufs) -> None:
        xs = [a.get(bufs) for a in self.operands]
        self._xs = xs  # kept for backward(): the rows they came from are not written again
        bufs[self.dom][self.out] = self.op.forward(*xs)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        g = grads[self.dom][self.out]
        partials = self.op.partials(*self._xs, bufs[self.dom][self.out])
        for operand, partial in zip(self.operands, partials):
            if operand.needs_grad:
                operand.add(grads, _times(g, partial))


class SumGroup(Group):
    """n-ary sums (flattened ``+`` chains); terms are added in the chain's order.
    ``+``'s partials are 1 and 1, so every term receives the sum's gradient."""

    def __init__(self, op: Op, terms: Operand, starts: IntArray, segment: IntArray) -> None:
        self.op, self.terms, self.starts, self.segment = op, terms, starts, segment

    def forward(self, bufs: Bufs) -> None:
        bufs[self.dom][self.out] = np.add.reduceat(self.terms.get(bufs), self.starts, axis=0)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        self.terms.add(grads, grads[self.dom][self.out][self.segment])


class MatmulLinear(Group):
    """``LINEAR`` nodes sharing their inputs, with batch-invariant weights:
    ``Z = W @ X + b`` where ``W`` is ``k x n`` and ``X`` is ``n x width``.

    LINEAR's partials are 1 (bias), x_i (w_i), w_i (x_i), so dW = G @ X.T,
    dX = W.T @ G, db = G."""

    def __init__(self, op: Op, bias: Operand, w_rows: IntArray, w_needs: bool, x: Operand) -> None:
        self.op, self.bias, self.x = op, bias, x
        self.w_rows, self.w_needs = w_rows, w_needs
        self.w_scatter = Scatter(w_rows.ravel().tolist())

    def forward(self, bufs: Bufs) -> None:
        w = bufs[INV][self.w_rows, 0]
        bufs[self.dom][self.out] = w @ self.x.get(bufs) + self.bias.get(bufs)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        g = grads[self.dom][self.out]
        if self.w_needs:
            x = self.x.get(bufs)
            # Batch-invariant inputs with a per-sample bias: sum G over the batch first.
            gw = g.sum(axis=1, keepdims=True) if x.shape[1] != g.shape[1] else g
            self.w_scatter.add(grads[INV], (gw @ x.T).reshape(-1, 1))
        if self.x.needs_grad:
            self.x.add(grads, bufs[INV][self.w_rows, 0].T @ g)
        self.bias.add(grads, g)


class BatchedLinear(Group):
    """``LINEAR`` nodes of fan-in ``n`` whose weights depend on the sample:
    ``z = b + sum_i w_i x_i`` as a ``(k, n, width)`` product summed over ``n``;
    the partials x_i (for w_i) and w_i (for x_i) times g, in one product each."""

    def __init__(self, op: Op, bias: Operand, w: Operand, x: Operand, k: int, n: int) -> None:
        self.op, self.bias, self.w, self.x, self.k, self.n = op, bias, w, x, k, n

    def forward(self, bufs: Bufs) -> None:
        w = self.w.get(bufs).reshape(self.k, self.n, -1)
        x = self.x.get(bufs).reshape(self.k, self.n, -1)
        bufs[self.dom][self.out] = (w * x).sum(axis=1) + self.bias.get(bufs)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        g = grads[self.dom][self.out]
        g3 = g[:, None, :]
        if self.w.needs_grad:
            x = self.x.get(bufs).reshape(self.k, self.n, -1)
            self.w.add(grads, (g3 * x).reshape(self.k * self.n, -1))
        if self.x.needs_grad:
            w = self.w.get(bufs).reshape(self.k, self.n, -1)
            self.x.add(grads, (g3 * w).reshape(self.k * self.n, -1))
        self.bias.add(grads, g)


def _refuse(op: Op, part: str, detail: str) -> TracingError:
    return TracingError(f"op {op.name!r} cannot be compiled: its {part} {detail}; {ARRAY_HINT}")


def _agrees(got: Any, want: Array) -> bool:
    try:
        got = np.broadcast_to(np.asarray(got, dtype=np.float64), want.shape)
    except (TypeError, ValueError):
        return False
    # Loose: numpy's exp, sin ... may differ from libm's in the last bits, and a user op may cancel.
    return bool(np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True))


def check_runs_on_arrays(
    op: Op, operands: Sequence[Sequence[float]], out: Sequence[float], local: Sequence[Sequence[float]]
) -> None:
    """Evaluate ``op``'s forward and partials on arrays made from the example's
    values of ``k`` nodes (``operands[i][j]``: input i of node j; ``out[j]``,
    ``local[j][i]``: what the eager engine computed) and compare: a
    :class:`TracingError` naming the op unless both run and agree.

    Each value is repeated over two columns: numpy converts a one-element
    array to a float silently, so ``math.exp`` would pass on a batch of one."""
    xs = [np.repeat(np.asarray(column, dtype=np.float64)[:, None], 2, axis=1) for column in operands]
    want_out = np.repeat(np.asarray(out, dtype=np.float64)[:, None], 2, axis=1)
    with np.errstate(all="ignore"):
        try:
            got = op.forward(*xs)
        except Exception as exc:
            raise _refuse(
                op, "forward", f"does not run on numpy arrays ({type(exc).__name__}: {exc})"
            ) from exc
        if not _agrees(got, want_out):
            raise _refuse(op, "forward", "gives other values on numpy arrays than on floats")
        try:
            partials = tuple(op.partials(*xs, want_out))
        except Exception as exc:
            raise _refuse(
                op, "partials", f"do not run on numpy arrays ({type(exc).__name__}: {exc})"
            ) from exc
    if len(partials) != len(xs):
        raise _refuse(op, "partials", f"give {len(partials)} derivatives for {len(xs)} inputs")
    for i, partial in enumerate(partials):
        want = np.repeat(np.asarray([row[i] for row in local], dtype=np.float64)[:, None], 2, axis=1)
        if not _agrees(partial, want):
            raise _refuse(op, "partials", f"give other values on numpy arrays than on floats (input {i})")
