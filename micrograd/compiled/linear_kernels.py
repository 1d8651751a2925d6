"""The ``LINEAR`` kernels: a layer of fused neurons as one matrix product.

``LINEAR``'s inputs are ``(bias, w_1..w_n, x_1..x_n)`` and its partials
``(1, x_1..x_n, w_1..w_n)`` (:mod:`micrograd.engine`); for ``k`` such nodes:

* :class:`MatmulLinear`: nodes sharing their inputs, with batch-invariant
  weights (a layer): ``Z = W @ X + b``, ``dW = G @ X.T``, ``dX = W.T @ G``,
  ``db = G`` (summed over the batch);
* :class:`BatchedLinear`: weights that depend on the sample (``t . z`` in the
  cross-entropy, with ``t`` the one-hot target): one ``(k, n, batch)`` product
  summed over ``n``.

A layer's weights are rows of the INV buffer in the parameters' order, which
for an :class:`~micrograd.nn.MLP` is neuron after neuron, ``n`` weights then
the bias: ``W[j, i]`` is row ``base + j * (n + 1) + i``.  Rows laid out with
such constant strides are read and written through a strided *view*
(:func:`strided_rows`), so a step copies no weights at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from micrograd.compiled.kernels import Group, Pass, blocks, gathers
from micrograd.compiled.rows import INV, VAR, Array, Bufs, IntArray, Operand, Scatter
from micrograd.engine import Op

__all__ = ["BatchedLinear", "MatmulLinear", "strided_rows"]


def strided_rows(column: Array, rows: IntArray) -> Array | None:
    """A writeable view ``v`` of the 1-D ``column`` with ``v[j, i] = column[rows[j, i]]``
    when ``rows`` is ``base + j * r + i * c`` with strides ``r, c > 0`` and no row
    repeated (a view of a repeated row would add its gradient once, not twice);
    else None."""
    k, n = rows.shape
    base = int(rows[0, 0])
    r = int(rows[1, 0] - base) if k > 1 else 1
    c = int(rows[0, 1] - base) if n > 1 else 1
    if r <= 0 or c <= 0:
        return None
    expected = base + r * np.arange(k)[:, None] + c * np.arange(n)[None, :]
    if not np.array_equal(rows, expected) or len(np.unique(rows)) != rows.size:
        return None
    step = column.strides[0]
    view: Array = np.lib.stride_tricks.as_strided(column[base:], shape=(k, n), strides=(r * step, c * step))
    return view


def _weights(column: Array, rows: IntArray) -> tuple[Array, Pass | None]:
    """The ``(k, n)`` weights: a view, or a scratch array and the copy that fills it."""
    view = strided_rows(column, rows)
    if view is not None:
        return view, None
    scratch = np.empty(rows.shape)
    return scratch, functools.partial(np.take, column, rows, None, scratch, "clip")


class MatmulLinear(Group):
    """``LINEAR`` nodes sharing their inputs, with batch-invariant weights:
    ``Z = W @ X + b`` where ``W`` is ``k x n`` and ``X`` is ``n x width``.

    LINEAR's partials are 1 (bias), x_i (w_i), w_i (x_i), so dW = G @ X.T,
    dX = W.T @ G, db = G."""

    def __init__(
        self,
        op: Op,
        bias: Operand,
        w_rows: IntArray,
        w_needs: bool,
        x: Operand,
        w_exclusive: bool = False,
        ones_row: int | None = None,
    ) -> None:
        self.op, self.bias, self.x = op, bias, x
        self.w_rows, self.w_needs, self.w_exclusive = w_rows, w_needs, w_exclusive
        self.augmented = self._augmented(ones_row)

    def _augmented(self, ones_row: int | None) -> tuple[slice, slice] | None:
        """``(rows of [W | b], rows of [X; 1])`` when the weights and biases lie
        neuron after neuron (``W[j, i]`` at ``base + j (n + 1) + i``, ``b_j`` right
        after) and a row of ones follows the inputs: then ``Z = [W | b] @ [X; 1]``
        and ``[dW | db] = G @ [X; 1].T``, one product each."""
        k, n = self.w_rows.shape
        x, bias = self.x, self.bias
        if ones_row is None or not (x.single and x.dom != INV and isinstance(x.index, slice)):
            return None
        if x.index.step is not None or x.index.stop != ones_row or not bias.single or bias.dom != INV:
            return None
        base = int(self.w_rows[0, 0])
        layout = base + (n + 1) * np.arange(k)[:, None] + np.arange(n + 1)[None, :]
        if not np.array_equal(layout[:, :n], self.w_rows) or not np.array_equal(layout[:, n], bias.rows):
            return None
        return slice(base, base + k * (n + 1)), slice(x.index.start, ones_row + 1)

    def _bind_augmented(self, bufs: Bufs, grads: Bufs, rows: tuple[slice, slice]) -> tuple[Pass, Pass]:
        k, n = self.w_rows.shape
        params, inputs = rows
        w_b = bufs[INV][params, 0].reshape(k, n + 1)  # views: contiguous rows
        x_1 = bufs[VAR][inputs]
        grad_w_b = grads[INV][params, 0].reshape(k, n + 1)
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        x = self.x.bind(bufs, grads)
        w = w_b[:, :n]
        write = self.w_exclusive and self.bias.exclusive  # else other uses add to these rows too

        def forward() -> None:
            np.dot(w_b, x_1, out=out)

        def backward() -> None:
            if self.w_needs or self.bias.needs_grad:
                if write:
                    np.dot(g, x_1.T, out=grad_w_b)
                else:
                    np.add(grad_w_b, g @ x_1.T, out=grad_w_b)
            if x.into is not None:
                np.dot(w.T, g, out=x.into)
            elif x.needs_grad:
                x.add(w.T @ g)

        return forward, backward

    def _weight_grad(self, grad_column: Array, grads_inv: Array) -> Callable[[Array, Array], None]:
        """``dW += G @ X.T`` (written straight into dW when nothing else reads the weights)."""
        view = strided_rows(grad_column, self.w_rows)
        scatter = Scatter(self.w_rows.ravel().tolist())

        def weight_grad(g: Array, x: Array) -> None:
            if view is not None and self.w_exclusive:
                np.matmul(g, x.T, out=view)
            elif view is not None:
                np.add(view, g @ x.T, out=view)
            else:
                scatter.add(grads_inv, (g @ x.T).reshape(-1, 1))

        return weight_grad

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        if self.augmented is not None:
            return self._bind_augmented(bufs, grads, self.augmented)
        x, bias = self.x.bind(bufs, grads), self.bias.bind(bufs, grads)
        w, w_copy = _weights(bufs[INV][:, 0], self.w_rows)
        copies = gathers([x, bias]) + ([w_copy] if w_copy is not None else [])
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        same_width = x.value.shape[1] == out.shape[1]
        weight_grad = self._weight_grad(grads[INV][:, 0], grads[INV]) if self.w_needs else None
        x_into = x.into if same_width else None  # else dX must be summed over the batch first
        bias_into = bias.into

        def forward() -> None:
            for copy in copies:
                copy()
            if same_width:
                np.matmul(w, x.value, out=out)
                np.add(out, bias.value, out=out)
            else:  # batch-invariant inputs, per-sample bias
                out[...] = w @ x.value + bias.value

        def backward() -> None:
            if weight_grad is not None:
                # Batch-invariant inputs with a per-sample bias: sum G over the batch first.
                weight_grad(g if same_width else g.sum(axis=1, keepdims=True), x.value)
            if x_into is not None:
                np.matmul(w.T, g, out=x_into)
            elif x.needs_grad:
                x.add(w.T @ g)
            if bias_into is None:
                bias.add(g)
            elif bias_into.shape[1] == g.shape[1]:
                np.copyto(bias_into, g)
            else:
                np.sum(g, axis=1, keepdims=True, out=bias_into)

        return forward, backward


class BatchedLinear(Group):
    """``LINEAR`` nodes of fan-in ``n`` whose weights depend on the sample:
    ``z = b + sum_i w_i x_i`` as a ``(k, n, width)`` product summed over ``n``;
    the partials x_i (for w_i) and w_i (for x_i) times g, in one product each."""

    def __init__(self, op: Op, bias: Operand, w: Operand, x: Operand, k: int, n: int) -> None:
        self.op, self.bias, self.w, self.x, self.k, self.n = op, bias, w, x, k, n

    def bind(self, bufs: Bufs, grads: Bufs) -> tuple[Pass, Pass]:
        bias, w, x = (a.bind(bufs, grads) for a in (self.bias, self.w, self.x))
        copies = gathers([bias, w, x])
        k, n = self.k, self.n
        w3, x3 = w.value.reshape(k, n, -1), x.value.reshape(k, n, -1)
        out, g = bufs[self.dom][self.out], grads[self.dom][self.out]
        g3 = g[:, None, :]
        w_into = blocks(w.into, k, n) if w.into is not None and w.into.shape[1] == out.shape[1] else None
        products: Array = np.empty(np.broadcast_shapes(w3.shape, x3.shape))
        in_place = products.shape[-1] == out.shape[-1]  # else only the bias depends on the sample

        def forward() -> None:
            for copy in copies:
                copy()
            np.multiply(w3, x3, out=products)
            if in_place:
                np.add.reduce(products, axis=1, out=out)  # w_1 x_1 + w_2 x_2 + ..., in order
                np.add(out, bias.value, out=out)
            else:
                out[...] = np.add.reduce(products, axis=1) + bias.value

        def backward() -> None:
            if w_into is not None:
                np.multiply(g3, x3, out=w_into)
            elif w.needs_grad:
                w.add((g3 * x3).reshape(k * n, -1))
            if x.needs_grad:
                x.add((g3 * w3).reshape(k * n, -1))
            bias.add(g)

        return forward, backward
