"""Where the replay keeps its numbers: two row buffers, and moving rows in and out.

Every tape slot is one row.  Rows that depend on an input live in the *VAR*
buffer (``rows x batch``); parameters, constants and whatever is computed from
them alone (a weight-decay term) live in the *INV* buffer (``rows x 1``,
batch invariant) and broadcast against the batch.  A gradient flowing into an
INV row is summed over the batch, since that one number served every sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["INV", "VAR", "Array", "Bufs", "Index", "IntArray", "Operand", "Scatter", "row_index"]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]
Index = slice | IntArray
# (INV buffer, VAR buffer), indexed by a domain.
Bufs = tuple[Array, Array]

INV, VAR = 0, 1


def row_index(rows: Sequence[int]) -> Index:
    """A slice when the rows are consecutive (a view, no copy), else an index array."""
    arr = np.asarray(rows, dtype=np.intp)
    if len(arr) and (len(arr) == 1 or bool(np.all(np.diff(arr) == 1))):
        return slice(int(arr[0]), int(arr[0]) + len(arr))
    return arr


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
        if target.shape[1] == 1 and contrib.shape[1] != 1:
            contrib = contrib.sum(axis=1, keepdims=True)
        if self.duplicates:
            target[self.unique] += np.add.reduceat(contrib[self.order], self.starts, axis=0)
        else:
            target[self.index] += contrib


class Operand:
    """The rows of ``k`` slots (one operand position of a group's ``k`` nodes),
    gathered as a ``(k, width)`` array, and their gradients scattered back.
    The slots may come from both buffers (then the invariant ones broadcast)."""

    def __init__(self, slots: Sequence[int], dom: Sequence[int], row: Sequence[int], needs: Sequence[bool]):
        self.k = len(slots)
        doms = [dom[s] for s in slots]
        rows = [row[s] for s in slots]
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
