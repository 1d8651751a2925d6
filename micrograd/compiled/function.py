"""Compile a scalar function once, then replay it for a whole batch with numpy.

The eager engine builds a new Python object per scalar per sample, although
training repeats the same graph for every sample.  :func:`compile_fn` traces
the function once (:func:`~micrograd.compiled.tape.trace_tape`), plans it
(:mod:`~micrograd.compiled.planner`) and replays the plan on a batch: every
tape slot is one numpy row with the batch along it, and each group of nodes
of one op and level is one numpy call (``CompiledFunction.stats`` shows the
counts).  Each op computes through its own definition, ``forward`` and
``partials`` on arrays (:mod:`~micrograd.compiled.kernels`).

Semantics of a compiled call on a batch of ``B`` samples, where ``fn`` returns
a per-sample loss ``l_i`` (first result)::

    loss = (1/B) sum_i l_i        (reduction="mean"; "sum" drops the 1/B)
    p.grad += d loss / d p        for every parameter p (leaves accumulate, as eagerly)

so ``fn = lambda x, y: relu(1 - y * model(x)) + 1e-4 * sum(p * p)`` gives the
mean hinge loss plus the weight decay, exactly as the eager full-batch loss.
Parameters' ``.data`` is read on every call, so an optimizer may update them
between calls.  Usage::

    model = MLP(2, [16, 16, 1])
    params = model.parameters()

    def loss_fn(x, y):                      # one sample: x a list of Values, y a Value
        return (1 - y * model(x)).relu() + 1e-4 * sum(p * p for p in params)

    step = compile_fn(loss_fn, (X[0], y[0]), params=params)   # trace once
    for k in range(100):
        model.zero_grad()
        result = step(X, y)                 # X: (B, 2), y: (B,); fills p.grad
        for p in params:
            p.data -= 0.1 * p.grad

Limits (see :mod:`micrograd.compiled.guard`): no data-dependent control flow
(detected for comparisons, ``bool()`` and ``float()`` on Values); every op's
forward and partials must run on numpy arrays (checked when compiling).  Where
the eager engine raises on a bad value (division by zero, ``log`` of a
non-positive number, ``exp`` overflow) the replay produces ``inf``/``nan``
like numpy, unless ``check_finite=True``, which raises
:class:`~micrograd.engine.AnomalyError` naming the first op whose forward
value or backward gradient is not finite (a debugging aid: it scans the
buffers after every group, ~15% slower).  Results equal the eager engine's up
to floating-point reassociation (a matrix product adds in another order),
~1e-15 relative.
"""

from __future__ import annotations

import contextlib
import importlib
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from micrograd.compiled.planner import Plan
from micrograd.compiled.rows import INV, VAR, Array, Bufs
from micrograd.compiled.tape import Tape, trace_tape
from micrograd.engine import AnomalyError, Value
from micrograd.validate import check_choice

__all__ = ["CompiledFunction", "Reduction", "StepResult", "compile_fn"]

Reduction = Literal["mean", "sum"]

_get_data = operator.attrgetter("data")
_blas_controller: Any = None


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Limit BLAS to one thread for the duration of a replay.

    The products here are small (a layer's weights times a batch); threading
    them only adds synchronisation, and on a busy machine a multi-threaded BLAS
    stalls: on the 2-core development machine, under load, a ``32x64 @ 64x1437``
    product took 17.9 ms with OpenBLAS's 2 threads and 0.16 ms with one.  Uses
    ``threadpoolctl`` (installed with scikit-learn) when present, ~10 us per
    call; without it BLAS keeps its own setting.
    """
    global _blas_controller
    if _blas_controller is None:
        try:
            # Imported by name: an optional dependency without type stubs.
            _blas_controller = importlib.import_module("threadpoolctl").ThreadpoolController()
        except ImportError:  # pragma: no cover - depends on the environment
            _blas_controller = False
    if _blas_controller is False:
        return contextlib.nullcontext()
    limited: contextlib.AbstractContextManager[object] = _blas_controller.limit(limits=1, user_api="blas")
    return limited


@dataclass(frozen=True)
class StepResult:
    """What a compiled training call returns.

    ``loss``     the reduced (mean or sum over the batch) first result of fn;
    ``outputs``  every result of fn for every sample, shaped like fn's return
                 value: a scalar result becomes an array ``(B,)``, a list of
                 ``n`` Values an array ``(B, n)``; a tuple stays a tuple.
    """

    loss: float
    outputs: object


class CompiledFunction:
    """A traced function replayed on batches.  Made by :func:`compile_fn`.

    ``f(*batch)`` runs forward and backward and returns a :class:`StepResult`;
    ``f.forward(*batch)`` runs forward only and returns the outputs.  Each
    batch argument matches one example input: an array ``(B,)`` for a scalar
    input, ``(B, n)`` for a list of ``n`` (one row per sample, as data sets
    are usually stored).
    """

    def __init__(
        self,
        tape: Tape,
        reduction: Reduction = "mean",
        check_finite: bool = False,
        compile_seconds: float = 0.0,
        single_blas_thread: bool = True,
    ) -> None:
        check_choice(reduction, "reduction", ("mean", "sum"))
        if not tape.input_shapes:
            raise ValueError("a compiled function needs at least one input: the batch size comes from it")
        self.tape = tape
        self.params: list[Value] = list(tape.params)
        self.reduction: Reduction = reduction
        self.check_finite = check_finite
        self.compile_seconds = compile_seconds
        self._plan = Plan(tape)
        self._inv = np.zeros((self._plan.n_rows[INV], 1))
        self._inv[self._plan.const_rows, 0] = self._plan.const_values
        self._blas: Callable[[], contextlib.AbstractContextManager[object]] = (
            _one_blas_thread if single_blas_thread else contextlib.nullcontext
        )

    @property
    def stats(self) -> dict[str, int]:
        """Sizes: tape slots, interior nodes after sum flattening, depth (levels),
        numpy groups run forward / backward per batch (the Python-level steps)."""
        plan = self._plan
        return {
            "slots": len(self.tape),
            "nodes": plan.n_nodes,
            "depth": plan.depth,
            "params": plan.n_params,
            "forward_groups": len(plan.groups),
            "backward_groups": len(plan.backward_groups),
        }

    def _batch(self, batch: Sequence[object]) -> Array:
        """Stack the batch arguments into the ``inputs x B`` matrix."""
        shapes = self.tape.input_shapes
        if len(batch) != len(shapes):
            raise TypeError(f"compiled function takes {len(shapes)} batch arguments, got {len(batch)}")
        columns: list[Array] = []
        size: int | None = None
        for i, (arg, shape) in enumerate(zip(batch, shapes)):
            try:
                arr = np.asarray(arg, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"batch argument {i} is not numeric: {exc}") from None
            if shape is None:
                if arr.ndim != 1:
                    raise ValueError(f"batch argument {i} must have shape (B,), got {arr.shape}")
                arr = arr[:, None]
            elif arr.ndim != 2 or arr.shape[1] != shape:
                raise ValueError(f"batch argument {i} must have shape (B, {shape}), got {arr.shape}")
            if size is None:
                size = arr.shape[0]
            elif arr.shape[0] != size:
                raise ValueError(f"batch argument {i} has {arr.shape[0]} samples, argument 0 has {size}")
            columns.append(arr)
        if not size:
            raise ValueError("the batch is empty")
        stacked: Array = np.concatenate(columns, axis=1)
        return np.transpose(stacked)

    def _forward(self, batch: Sequence[object]) -> Bufs:
        x = self._batch(batch)
        plan = self._plan
        var = np.empty((plan.n_rows[VAR], x.shape[1]))
        var[: plan.n_inputs] = x
        inv = self._inv
        if plan.n_params:
            inv[: plan.n_params, 0] = np.fromiter(map(_get_data, self.params), np.float64, plan.n_params)
        bufs: Bufs = (inv, var)
        with np.errstate(all="ignore"), self._blas():
            for group in plan.groups:
                group.forward(bufs)
                if self.check_finite and not np.isfinite(bufs[group.dom][group.out]).all():
                    raise AnomalyError(
                        f"compiled op {str(group.op)!r} at level {group.level} produced NaN or inf"
                    )
        return bufs

    def _outputs(self, bufs: Bufs) -> object:
        size = bufs[VAR].shape[1]
        flat = [
            bufs[VAR][r].copy() if d == VAR else np.full(size, bufs[INV][r, 0])
            for d, r in zip(self._plan.out_dom, self._plan.out_row)
        ]
        shaped: list[Array] = []
        pos = 0
        for shape in self.tape.output_shapes:
            if shape is None:
                shaped.append(flat[pos])
                pos += 1
            else:
                shaped.append(np.stack(flat[pos : pos + shape], axis=1))
                pos += shape
        return tuple(shaped) if self.tape.output_is_tuple else shaped[0]

    def forward(self, *batch: object) -> object:
        """Evaluate fn on every sample; no gradients.  Returns arrays shaped like
        fn's results (see :class:`StepResult`)."""
        return self._outputs(self._forward(batch))

    def __call__(self, *batch: object) -> StepResult:
        """Forward and backward on the batch: ``p.grad += d loss / d p``."""
        if self.tape.output_shapes[0] is not None:
            raise ValueError("backward needs fn's first result to be a single Value (the per-sample loss)")
        bufs = self._forward(batch)
        plan = self._plan
        size = bufs[VAR].shape[1]
        grads: Bufs = (np.zeros_like(bufs[INV]), np.zeros_like(bufs[VAR]))
        loss_dom, loss_row = plan.out_dom[0], plan.out_row[0]
        seed = 1.0 / size if self.reduction == "mean" else 1.0
        if loss_dom == INV:  # the same loss for every sample: B copies of it
            seed *= size
        grads[loss_dom][loss_row] = seed
        with np.errstate(all="ignore"), self._blas():
            for group in plan.backward_groups:
                group.backward(bufs, grads)
                if self.check_finite and not all(np.isfinite(g).all() for g in grads):
                    # Raised before any p.grad is touched.
                    raise AnomalyError(
                        f"backward of compiled op {str(group.op)!r} at level {group.level} "
                        "produced a NaN or inf gradient"
                    )
        for p, g in zip(self.params, grads[INV][: plan.n_params, 0].tolist()):
            p.grad += g
        losses = bufs[loss_dom][loss_row]
        total = float(losses.sum()) * (size if loss_dom == INV else 1)
        loss = total / size if self.reduction == "mean" else total
        return StepResult(loss=loss, outputs=self._outputs(bufs))

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"CompiledFunction({s['slots']} slots, depth {s['depth']}, {s['forward_groups']} forward / "
            f"{s['backward_groups']} backward groups, {s['params']} params, reduction={self.reduction!r})"
        )


def compile_fn(
    fn: Callable[..., object],
    example_inputs: Sequence[object],
    *,
    params: Sequence[Value] | None = None,
    reduction: Reduction = "mean",
    check_finite: bool = False,
) -> CompiledFunction:
    """Trace ``fn`` once on ``example_inputs`` and compile it for batches.

    ``fn(*args)`` receives, per entry of ``example_inputs``, a Value (for a
    number) or a list of Values (for a sequence), and returns the per-sample
    loss Value, or a tuple ``(loss, extra, ...)`` whose extras (Values or lists
    of Values, e.g. the model's score) are returned but not differentiated.

    Parameters are ``params`` if given, else the leaves of the graph that are
    not inputs and were not created inside ``fn`` (numbers that ``fn`` lifts
    to Values are constants, baked into the tape).  An op whose forward or
    partials do not run on numpy arrays is refused here, with a
    :class:`~micrograd.compiled.guard.TracingError` naming it.

    >>> from micrograd.nn import MLP
    >>> model = MLP(2, [4, 1], seed=0)
    >>> f = compile_fn(lambda x, y: (1 - y * model(x)).relu(), ([0.0, 0.0], 1.0))
    >>> step = f(np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([1.0, -1.0]))
    >>> isinstance(step.loss, float)
    True
    """
    start = time.perf_counter()
    check_choice(reduction, "reduction", ("mean", "sum"))
    tape = trace_tape(fn, example_inputs, params)
    compiled = CompiledFunction(tape, reduction, check_finite, 0.0)
    compiled.compile_seconds = time.perf_counter() - start
    return compiled
