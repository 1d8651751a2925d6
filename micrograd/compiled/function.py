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
Usage, the training loop::

    model = MLP(2, [16, 16, 1])
    params = model.parameters()

    def loss_fn(x, y):                      # one sample: x a list of Values, y a Value
        return (1 - y * model(x)).relu() + 1e-4 * sum(p * p for p in params)

    step = compile_fn(loss_fn, (X[0], y[0]), params=params)   # trace once
    opt = SGD(params, lr=0.1)               # any optimizer of micrograd.optim
    for k in range(100):
        opt.zero_grad()
        result = step(X, y)                 # X: (B, 2), y: (B,); fills p.grad
        opt.step()

The parameters stay in numpy between steps (:mod:`~micrograd.compiled.resident`):
the call reads their data from one array and adds the gradients into another,
the optimizer updates the arrays in a few numpy calls
(:mod:`~micrograd.compiled.updates`), and no Python loop over parameters runs
unless something reads them.  Reading ``p.data`` or ``p.grad`` at any time gives
the current number, and a value written to them (``p.data -= 0.1 * p.grad``
works too) is what the next call or optimizer step uses.

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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from micrograd.compiled import resident
from micrograd.compiled.planner import Plan
from micrograd.compiled.replay import OneBlasThread, Replay
from micrograd.compiled.rows import INV, Array, Index
from micrograd.compiled.tape import Tape, trace_tape
from micrograd.engine import Value
from micrograd.validate import check_choice

__all__ = ["CompiledFunction", "Reduction", "StepResult", "compile_fn"]

Reduction = Literal["mean", "sum"]

# Replays kept per compiled function, one per batch size (fit's last batch of
# an epoch is usually smaller): the least recently used goes first.
MAX_REPLAYS = 4


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

    The parameters are resident in numpy (:mod:`micrograd.compiled.resident`):
    a call reads their ``data`` from the store's array and adds the gradients
    into its ``grad`` array, and reading ``p.grad`` afterwards gives the new
    number (the Values are updated when first read).
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
        self._grad_inv = np.zeros_like(self._inv)
        self._replays: dict[int, Replay] = {}
        self._blas: contextlib.AbstractContextManager[object] = (
            OneBlasThread() if single_blas_thread else contextlib.nullcontext()
        )
        self._store: resident.ParamStore | None = None
        self._index: Index = slice(0)
        self._param_rows = self._inv[: self._plan.n_params, 0]  # a view: the parameters' INV rows
        self._last: Replay | None = None
        if self.params:
            self._home()

    def _home(self) -> resident.ParamStore:
        """The store of the parameters (found again if it was retired).  A store
        made here keeps its data in this function's parameter rows, which the
        kernels read: then no copy is needed per call."""
        store = self._store
        if store is None or not store.alive:
            store, self._index = resident.adopt(self.params, self._param_rows)
            self._store = store
        return store

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

    def _batch(self, batch: Sequence[object]) -> tuple[list[Array], int]:
        """Check the batch arguments; return them as float arrays and the batch size."""
        shapes = self.tape.input_shapes
        if len(batch) != len(shapes):
            raise TypeError(f"compiled function takes {len(shapes)} batch arguments, got {len(batch)}")
        arrays: list[Array] = []
        size: int | None = None
        for i, (arg, shape) in enumerate(zip(batch, shapes)):
            try:
                arr = np.asarray(arg, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"batch argument {i} is not numeric: {exc}") from None
            if shape is None:
                if arr.ndim != 1:
                    raise ValueError(f"batch argument {i} must have shape (B,), got {arr.shape}")
            elif arr.ndim != 2 or arr.shape[1] != shape:
                raise ValueError(f"batch argument {i} must have shape (B, {shape}), got {arr.shape}")
            if size is None:
                size = arr.shape[0]
            elif arr.shape[0] != size:
                raise ValueError(f"batch argument {i} has {arr.shape[0]} samples, argument 0 has {size}")
            arrays.append(arr)
        if not size:
            raise ValueError("the batch is empty")
        return arrays, size

    def _replay(self, batch: Sequence[object]) -> Replay:
        """Load the batch and the parameters' current data into the replay for its size."""
        arrays, size = self._batch(batch)
        replay = self._last
        if replay is None or replay.width != size:
            replay = self._replays.pop(size, None)
            if replay is None:
                replay = Replay(self.tape, self._plan, self._inv, self._grad_inv, size)
                if len(self._replays) >= MAX_REPLAYS:
                    del self._replays[next(iter(self._replays))]
            self._replays[size] = replay  # most recently used last
            self._last = replay
        replay.load(arrays)
        if self._plan.n_params:
            data = self._home().array(resident.DATA)
            if data is not self._param_rows:  # another function's store: copy the numbers in
                self._param_rows[:] = data[self._index]
        return replay

    def forward(self, *batch: object) -> object:
        """Evaluate fn on every sample; no gradients.  Returns arrays shaped like
        fn's results (see :class:`StepResult`)."""
        replay = self._replay(batch)
        with np.errstate(all="ignore"), self._blas:
            replay.forward(self.check_finite)
        return replay.outputs()

    def __call__(self, *batch: object) -> StepResult:
        """Forward and backward on the batch: ``p.grad += d loss / d p``."""
        if self.tape.output_shapes[0] is not None:
            raise ValueError("backward needs fn's first result to be a single Value (the per-sample loss)")
        replay = self._replay(batch)
        size = replay.width
        seed = 1.0 / size if self.reduction == "mean" else 1.0
        if self._plan.out_dom[0] == INV:  # the same loss for every sample: B copies of it
            seed *= size
        with np.errstate(all="ignore"), self._blas:
            replay.forward(self.check_finite)
            # An AnomalyError is raised before any p.grad is touched.
            replay.backward(seed, self.check_finite)
        n = self._plan.n_params
        if n:
            store = self._home()
            grad = store.array(resident.GRAD)
            grad[self._index] += self._grad_inv[:n, 0]
            store.changed(resident.GRAD)
        total = replay.loss_total()
        loss = total / size if self.reduction == "mean" else total
        return StepResult(loss=loss, outputs=replay.outputs())

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
