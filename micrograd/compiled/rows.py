"""Where the replay keeps its numbers: two row buffers, and moving rows in and out.

Every tape slot is one row.  Rows that depend on an input live in the *VAR*
buffer (``rows x batch``); parameters, constants and whatever is computed from
them alone (a weight-decay term) live in the *INV* buffer (``rows x 1``,
batch invariant) and broadcast against the batch.  A gradient flowing into an
INV row is summed over the batch, since that one number served every sample.

The buffers persist between calls (:mod:`micrograd.compiled.function` keeps
one set per batch size), so each group's operands are *bound* once
(:meth:`Operand.bind`): rows that form an arithmetic progression are a view
of the buffer, read and written in place with no copy; other rows are copied
into a scratch array of the binding once per call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["INV", "VAR", "Array", "Bound", "Bufs", "Index", "IntArray", "Operand", "Scatter", "row_index"]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]
Index = slice | IntArray
# (INV buffer, VAR buffer), indexed by a domain.
Bufs = tuple[Array, Array]

INV, VAR = 0, 1


def row_index(rows: Sequence[int]) -> Index:
    """A slice when the rows are evenly spaced and increasing (``a[index]`` is
    then a view, no copy: a layer's biases, one per ``n + 1`` parameters, are
    ``slice(n, k * (n + 1), n + 1)``), else an index array."""
    arr = np.asarray(rows, dtype=np.intp)
    if len(arr) == 1:
        return slice(int(arr[0]), int(arr[0]) + 1)
    if len(arr) > 1:
        step = int(arr[1] - arr[0])
        if step > 0 and bool(np.all(np.diff(arr) == step)):
            return slice(int(arr[0]), int(arr[-1]) + 1, step if step > 1 else None)
    return arr


def _sum_over_batch(contrib: Array) -> Array:
    # A width-1 (batch-invariant) row received one contribution per sample.
    return contrib if contrib.shape[1] == 1 else np.add.reduce(contrib, axis=1, keepdims=True)


class Scatter:
    """``target[rows] += contrib`` that is correct when rows repeat (``x * x``,
    or one input feeding several neurons) and that sums over the batch when
    the target is a width-1 (batch-invariant) buffer."""

    def __init__(self, rows: Sequence[int]) -> None:
        arr = np.asarray(rows, dtype=np.intp)
        self.duplicates = len(np.unique(arr)) != len(arr)
        self.index = row_index(rows)
        if self.duplicates:
            # Sorting once lets reduceat add the repeated rows' contributions.
            self.order = np.argsort(arr, kind="stable")
            self.unique, self.starts = np.unique(arr[self.order], return_index=True)

    def add(self, target: Array, contrib: Array) -> None:
        if target.shape[1] == 1:
            contrib = _sum_over_batch(contrib)
        if self.duplicates:
            target[self.unique] += np.add.reduceat(contrib[self.order], self.starts, axis=0)
        else:
            target[self.index] += contrib

    def bind(self, target: Array) -> Callable[[Array], None]:
        """``add`` into this ``target``, as fast as the rows allow: a view of
        evenly spaced rows takes the contribution with one in-place ``np.add``."""
        if self.duplicates or not isinstance(self.index, slice):
            return functools.partial(self.add, target)
        view = target[self.index]
        if target.shape[1] == 1:

            def add_summed(contrib: Array) -> None:
                np.add(view, _sum_over_batch(contrib), out=view)

            return add_summed
        return functools.partial(np.add, view, out=view)


def _ignore(contrib: Array) -> None:
    """The gradient of rows nothing depends on (inputs, constants)."""


@dataclass(frozen=True)
class Bound:
    """An operand bound to a set of buffers.  ``value`` is its ``(k, width)``
    rows: a view of the buffer, or a scratch array that ``gather()`` fills
    (None when ``value`` is a view).  ``add(contrib)`` adds a ``(k, width)``
    (or ``(k, batch)``) contribution into the gradients of its rows.

    ``into`` is the gradient rows themselves (a view) when this operand is
    their only use (``Operand.exclusive``): their gradient is then exactly the
    contribution, and a kernel may compute it straight into them
    (``np.matmul(..., out=into)``) instead of adding a temporary.  None otherwise."""

    value: Array
    gather: Callable[[], None] | None
    add: Callable[[Array], None]
    needs_grad: bool
    into: Array | None = None


class Operand:
    """The rows of ``k`` slots (one operand position of a group's ``k`` nodes),
    gathered as a ``(k, width)`` array, and their gradients scattered back.
    The slots may come from both buffers (then the invariant ones broadcast).
    ``exclusive``: nothing else reads these slots (the planner knows), so the
    gradients this operand receives are the whole gradients of its rows."""

    def __init__(
        self,
        slots: Sequence[int],
        dom: Sequence[int],
        row: Sequence[int],
        needs: Sequence[bool],
        exclusive: bool = False,
    ):
        self.k = len(slots)
        self.exclusive = exclusive
        doms = [dom[s] for s in slots]
        rows = [row[s] for s in slots]
        self.rows = rows
        self.needs_grad = any(needs[s] for s in slots)
        self.dom = VAR if VAR in doms else INV
        self.single = len(set(doms)) <= 1
        if self.single:
            self.index = row_index(rows)
            self.scatter = Scatter(rows)
        else:
            var = [i for i, d in enumerate(doms) if d == VAR]
            inv = [i for i, d in enumerate(doms) if d == INV]
            self.var_pos, self.inv_pos = row_index(var), row_index(inv)
            self.var_index = row_index([rows[i] for i in var])
            self.inv_index = row_index([rows[i] for i in inv])
            self.var_scatter = Scatter([rows[i] for i in var])
            self.inv_scatter = Scatter([rows[i] for i in inv])

    def get(self, bufs: Bufs) -> Array:
        """The rows' current values (a view or a new array)."""
        if self.single:
            return bufs[self.dom][self.index]
        out = np.empty((self.k, bufs[VAR].shape[1]))
        out[self.var_pos] = bufs[VAR][self.var_index]
        out[self.inv_pos] = bufs[INV][self.inv_index]
        return out

    def add(self, grads: Bufs, contrib: Array) -> None:
        if not self.needs_grad:
            return
        if self.single:
            self.scatter.add(grads[self.dom], contrib)
            return
        contrib = np.broadcast_to(contrib, (self.k, grads[VAR].shape[1]))
        self.var_scatter.add(grads[VAR], contrib[self.var_pos])
        self.inv_scatter.add(grads[INV], contrib[self.inv_pos])

    def bind(self, bufs: Bufs, grads: Bufs) -> Bound:
        """This operand on these (persistent) buffers: see :class:`Bound`."""
        gather: Callable[[], None] | None = None
        if self.single and isinstance(self.index, slice):
            value = bufs[self.dom][self.index]
        elif self.single:
            source = bufs[self.dom]
            value = np.empty((self.k, source.shape[1]))
            # mode="clip": the rows are valid, and "raise" would buffer the copy.
            gather = functools.partial(np.take, source, self.index, 0, value, "clip")
        else:
            value = np.empty((self.k, bufs[VAR].shape[1]))

            def gather_mixed() -> None:
                value[self.var_pos] = bufs[VAR][self.var_index]
                value[self.inv_pos] = bufs[INV][self.inv_index]

            gather = gather_mixed
        add: Callable[[Array], None] = _ignore
        into: Array | None = None
        if self.needs_grad:
            add = self.scatter.bind(grads[self.dom]) if self.single else functools.partial(self.add, grads)
            if self.exclusive and self.single and isinstance(self.index, slice):
                into = grads[self.dom][self.index]
        return Bound(value, gather, add, self.needs_grad, into)
