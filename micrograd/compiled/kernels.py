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

Some kernels are specialised for speed, and tests check them against the op
definitions: :class:`SumGroup` (a flattened chain of ``+`` as one n-ary sum),
:class:`LogSumExpGroup` (``logsumexp`` over a block of rows, instead of one
numpy call per input), :class:`ReluGroup` (``relu`` written into its rows
without temporaries) and, in :mod:`micrograd.compiled.linear_kernels`, the
``LINEAR`` kernels.

A kernel is *bound* to a set of buffers once (:meth:`Group.bind`): the result
is a pair of functions, forward and backward, that hold every view they
need, so that a call does the numpy work and little else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from micrograd.compiled.guard import TracingError
from micrograd.compiled.rows import Array, Bound, Bufs, IntArray, Operand
from micrograd.engine import Op

__all__ = ["Group", "LogSumExpGroup", "OpGroup", "Pass", "ReluGroup", "SumGroup", "check_runs_on_arrays"]
__all__ += ["blocks", "gathers"]

ARRAY_HINT = "write forward and partials with micrograd.elementwise functions so they run on numpy arrays"

# A bound kernel's forward or backward.
Pass = Callable[[], None]


class Group:
    """``k`` nodes computed together.  Their results occupy the consecutive rows
    ``out`` of buffer ``dom``; ``level`` is their depth in the graph."""

    op: Op
    dom: int
    out: slice
    level: int

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        """``(forward, backward)`` on these buffers (values, gradients).
        ``backward`` may only run after ``forward`` (it reuses what forward read)."""
        raise NotImplementedError


def gathers(bounds: Sequence[Bound]) -> list[Pass]:
    """The copies a bound kernel must make first (operands that are not views)."""
    return [b.gather for b in bounds if b.gather is not None]


def blocks(rows: Array, k: int, n: int) -> Array | None:
    """``rows`` (``k * n`` rows) as a ``(k, n, width)`` view, or None if that would copy."""
    blocks = rows.reshape(k, n, -1)
    return blocks if np.shares_memory(blocks, rows) else None


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

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        bound = [a.bind(bufs, grads) for a in self.operands]
        copies = gathers(bound)
        xs = [b.value for b in bound]
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        forward_fn, partials_fn = self.op.forward, self.op.partials
        # (input, add, the rows to write into when nothing else reads them)
        needing = [
            (i, b.add, b.into if b.into is not None and b.into.shape == g.shape else None)
            for i, b in enumerate(bound)
            if b.needs_grad
        ]

        def forward() -> None:
            for copy in copies:
                copy()
            out[...] = forward_fn(*xs)

        def backward() -> None:
            partials = partials_fn(*xs, out)
            for i, add, into in needing:
                if into is None:
                    add(_times(g, partials[i]))
                else:
                    np.multiply(g, partials[i], out=into)

        return forward, backward


class ReluGroup(Group):
    """``relu`` nodes: ``out = max(x, 0)`` and ``grad x += g * step(x)``, with
    ``step(x) = 0 if x <= 0 else 1`` (:data:`micrograd.engine.RELU`), each
    written into a buffer.  Exactly the op's numbers: ``max(-0.0, 0) + 0.0``
    is ``+0.0`` as relu(-0.0) is, a NaN stays NaN and passes its gradient on
    (``not NaN <= 0``), and ``g * False`` is ``g * 0.0``: an infinite g gives
    NaN, as the op's partial does."""

    def __init__(self, op: Op, x: Operand) -> None:
        self.op, self.x = op, x

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        x = self.x.bind(bufs, grads)
        copies = gathers([x])
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        step = np.empty(out.shape, dtype=bool)
        # The gradient goes straight into x's rows when nothing else reads x.
        target = x.into if x.into is not None else np.empty(out.shape)
        add = x.add if x.into is None else None

        def forward() -> None:
            for copy in copies:
                copy()
            np.maximum(x.value, 0.0, out=out)
            np.add(out, 0.0, out=out)  # -0.0 + 0.0 = +0.0

        def backward() -> None:
            np.less_equal(x.value, 0.0, out=step)
            np.logical_not(step, out=step)
            np.multiply(g, step, out=target)
            if add is not None:
                add(target)

        return forward, backward


class SumGroup(Group):
    """Flattened ``+`` chains: ``out_j = t_j1 + ... + t_jm``, as one reduceat.
    ``terms`` holds every term of every node, node after node; ``starts`` is
    where each node's terms begin; ``segment`` maps each term to its node.
    Terms are added left to right, in the chain's order.
    ``+``'s partials are 1 and 1, so every term receives the sum's gradient."""

    def __init__(self, op: Op, terms: Operand, starts: IntArray, segment: IntArray) -> None:
        self.op, self.terms, self.starts, self.segment = op, terms, starts, segment

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        terms = self.terms.bind(bufs, grads)
        copies = gathers([terms])
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        starts, segment, add, into = self.starts, self.segment, terms.add, terms.into

        def forward() -> None:
            for copy in copies:
                copy()
            out[...] = np.add.reduceat(terms.value, starts, axis=0)

        def backward() -> None:
            if into is not None and into.shape[1] == g.shape[1]:
                np.take(g, segment, 0, into, "clip")
            else:
                add(g[segment])

        return forward, backward


class LogSumExpGroup(Group):
    """``logsumexp`` nodes with ``n`` inputs each, over one ``(k, n, batch)`` block:
    ``m = max_i x_i``, ``out = m + log(sum_i e**(x_i - m))`` (``out = m`` where
    ``m`` is not finite), and ``d out / d x_i = e**(x_i - out)``, the softmax:
    the op's own forward and partials (:data:`micrograd.losses.LOGSUMEXP`) with
    the sum over its inputs as one reduction instead of ``n`` calls.
    ``xs`` holds every input of every node, node after node."""

    def __init__(self, op: Op, xs: Operand, k: int, n: int) -> None:
        self.op, self.xs, self.k, self.n = op, xs, k, n

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        xs = self.xs.bind(bufs, grads)
        copies = gathers([xs])
        k, n = self.k, self.n
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        # One node (the usual softmax): its (n, width) rows as they are, reduced over axis 0;
        # several: a (k, n, width) view, reduced over axis 1.  Both add the inputs in order.
        if k == 1:
            block, axis, result, out_b, g_b = xs.value, 0, out[0], out[0], g
        else:
            block, axis, result = xs.value.reshape(k, n, -1), 1, out
            out_b, g_b = out[:, None, :], g[:, None, :]  # broadcast over each node's inputs
        add = xs.add
        into = None
        if xs.into is not None and xs.into.shape == xs.value.shape:
            into = xs.into if k == 1 else blocks(xs.into, k, n)
        softmax = into if into is not None else np.empty(block.shape)
        shifted = np.empty(block.shape)

        def forward() -> None:
            for copy in copies:
                copy()
            m = np.maximum.reduce(block, axis=axis)  # ufunc methods: no Python wrapper, as .max() has
            np.subtract(block, m if k == 1 else m[:, None, :], out=shifted)
            np.exp(shifted, out=shifted)
            total = np.add.reduce(shifted, axis=axis)  # in the inputs' order, as the op's sum(...) adds
            np.log(total, out=total)
            np.add(m, total, out=result)
            # The op's where(m - m == 0, ..., m): only a NaN or infinite max makes the sum not finite.
            if not math.isfinite(float(np.add.reduce(m, axis=None))):
                np.copyto(result, m, where=~np.isfinite(m))

        def backward() -> None:
            np.subtract(block, out_b, out=softmax)
            np.exp(softmax, out=softmax)
            np.multiply(softmax, g_b, out=softmax)
            if into is None:
                add(softmax.reshape(k * n, -1))

        return forward, backward


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
