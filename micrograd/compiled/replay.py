"""A plan bound to buffers for one batch size: what a compiled call runs.

:class:`Replay` owns the per-sample (VAR) value and gradient buffers for
batches of ``width`` samples and every group kernel bound to them
(:meth:`~micrograd.compiled.kernels.Group.bind`), so that a call is: copy the
batch and the parameters in, run the bound forward passes, seed the loss's
gradient, run the bound backward passes.  The batch-invariant (INV) buffers
belong to the compiled function and are shared by its replays.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import numpy as np

from micrograd.compiled.kernels import Group, Pass
from micrograd.compiled.planner import Plan
from micrograd.compiled.rows import INV, VAR, Array, Bufs
from micrograd.compiled.tape import Tape
from micrograd.engine import AnomalyError

__all__ = ["OneBlasThread", "Replay"]


class OneBlasThread:
    """Limit BLAS to one thread for the duration of a replay.

    The products here are small (a layer's weights times a batch); threading
    them only adds synchronisation, and on a busy machine a multi-threaded BLAS
    stalls: on the 2-core development machine, under load, a ``32x64 @ 64x1437``
    product took 17.9 ms with OpenBLAS's 2 threads and 0.16 ms with one.  Uses
    ``threadpoolctl`` (installed with scikit-learn) when present; asking each
    BLAS library for its thread count costs ~0.4 us, and nothing is changed
    when it is 1 already.  Without threadpoolctl, BLAS keeps its own setting.
    """

    _libraries: list[Any] | None = None

    def __init__(self) -> None:
        if OneBlasThread._libraries is None:
            try:
                # Imported by name: an optional dependency without type stubs.
                controller = importlib.import_module("threadpoolctl").ThreadpoolController()
                OneBlasThread._libraries = [c for c in controller.lib_controllers if c.user_api == "blas"]
            except ImportError:  # pragma: no cover - depends on the environment
                OneBlasThread._libraries = []
        self._restore: list[tuple[Any, int]] = []
        self._depth = 0  # reusable, and reentrant (an op of a compiled function may call another)

    def __enter__(self) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        for lib in OneBlasThread._libraries or ():
            threads = lib.get_num_threads()
            if threads != 1:
                self._restore.append((lib, threads))
                lib.set_num_threads(1)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth:
            return
        for lib, threads in self._restore:
            lib.set_num_threads(threads)
        self._restore.clear()


class Replay:
    """The plan of ``tape`` bound to buffers for ``width`` samples."""

    def __init__(self, tape: Tape, plan: Plan, inv: Array, grad_inv: Array, width: int) -> None:
        self.width = width
        self.plan = plan
        var = np.zeros((plan.n_rows[VAR], width))
        self.bufs: Bufs = (inv, var)
        self.grads: Bufs = (grad_inv, np.zeros_like(var))
        bound = {id(group): group.bind(self.bufs, self.grads) for group in plan.groups}
        self.forward_passes: list[tuple[Group, Pass]] = [(g, bound[id(g)][0]) for g in plan.groups]
        self.backward_passes: list[tuple[Group, Pass]] = [(g, bound[id(g)][1]) for g in plan.backward_groups]
        var[plan.ones_rows] = 1.0  # a layer's [W | b] @ [X; 1] (never written again)
        self.input_rows = plan.input_rows  # where each batch argument goes
        self.tape = tape
        all_var = all(d == VAR for d in plan.out_dom)
        self._out_rows = np.asarray(plan.out_row, dtype=np.intp) if all_var else None

    def load(self, arrays: Sequence[Array]) -> None:
        """Copy the batch (one ``(B,)`` or ``(B, n)`` array per argument) into its rows."""
        var = self.bufs[VAR]
        for rows, arr in zip(self.input_rows, arrays):
            var[rows] = arr.T if arr.ndim == 2 else arr

    def forward(self, check_finite: bool) -> None:
        if not check_finite:
            for _, forward in self.forward_passes:
                forward()
            return
        for group, forward in self.forward_passes:
            forward()
            if not np.isfinite(self.bufs[group.dom][group.out]).all():
                raise AnomalyError(
                    f"compiled op {str(group.op)!r} at level {group.level} produced NaN or inf"
                )

    def backward(self, seed: float, check_finite: bool) -> None:
        """Gradients of the loss (first output) scaled by ``seed``, into the gradient buffers."""
        grad_inv, grad_var = self.grads
        grad_inv.fill(0.0)
        grad_var.fill(0.0)
        dom, row = self.plan.out_dom[0], self.plan.out_row[0]
        self.grads[dom][row] = seed
        for group, backward in self.backward_passes:
            backward()
            if check_finite and not (np.isfinite(grad_inv).all() and np.isfinite(grad_var).all()):
                raise AnomalyError(
                    f"backward of compiled op {str(group.op)!r} at level {group.level} "
                    "produced a NaN or inf gradient"
                )

    def loss_total(self) -> float:
        """The sum over the batch of the first output (B copies of an invariant one)."""
        dom, row = self.plan.out_dom[0], self.plan.out_row[0]
        if dom == INV:
            return float(self.bufs[INV][row, 0]) * self.width
        return float(np.add.reduce(self.bufs[VAR][row]))

    def outputs(self) -> object:
        """Every result for every sample, shaped like fn's return value (copies:
        the buffers are overwritten by the next call)."""
        var, inv = self.bufs[VAR], self.bufs[INV]
        if self._out_rows is not None:
            block = var[self._out_rows]  # one copy of every result row
        else:
            block = np.stack(
                [
                    var[r] if d == VAR else np.full(self.width, inv[r, 0])
                    for d, r in zip(self.plan.out_dom, self.plan.out_row)
                ]
            )
        shaped: list[Array] = []
        pos = 0
        for shape in self.tape.output_shapes:
            if shape is None:
                shaped.append(block[pos])
                pos += 1
            else:
                shaped.append(block[pos : pos + shape].T)  # (B, n), a view of the copy
                pos += shape
        return tuple(shaped) if self.tape.output_is_tuple else shaped[0]
