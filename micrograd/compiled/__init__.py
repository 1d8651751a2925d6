"""Compiled mode: trace a scalar function once, replay it for whole batches with numpy.

One concept per module, in the order the data flows::

    guard           what tracing changes in the engine (TracingError, stop-gradient)
    tape            trace_tape(): a function's graph as a flat Tape of Ops
    rows            the two row buffers (batch-invariant and per-sample), moving rows
    kernels         group kernels: any Op through its own forward/partials; the
                    n-ary sum, relu and logsumexp kernels
    linear_kernels  a layer as one matrix product; LINEAR with per-sample weights
    layout          + chains as n-ary sums; rows in the order their reader reads them;
                    the rows of ones after a layer's inputs
    planner         tape -> groups of nodes by level and op, rows allocated
    replay          a plan bound to buffers for one batch size
    resident        parameters kept in numpy arrays between steps (ParamStore)
    updates         micrograd.optim's updates on those arrays
    function        compile_fn() and CompiledFunction: run the plan on a batch
    training        per-sample losses and compiled_step_fn for micrograd.train.fit

Importing this package imports numpy (the eager engine never does).
"""

from micrograd.compiled import updates as _updates  # noqa: F401  (optim.py finds it in sys.modules)
from micrograd.compiled.function import CompiledFunction, StepResult, compile_fn
from micrograd.compiled.guard import STOP_GRADIENT, TracingError, is_tracing
from micrograd.compiled.resident import ParamStore, ResidentValue, release
from micrograd.compiled.tape import Tape, trace_tape
from micrograd.compiled.training import COMPILED_LOSSES, compiled_step_fn, per_sample_loss, svm_loss_fn
from micrograd.losses import logsumexp

__all__ = [
    "COMPILED_LOSSES",
    "STOP_GRADIENT",
    "CompiledFunction",
    "ParamStore",
    "ResidentValue",
    "StepResult",
    "Tape",
    "TracingError",
    "compile_fn",
    "compiled_step_fn",
    "is_tracing",
    "logsumexp",
    "per_sample_loss",
    "release",
    "svm_loss_fn",
    "trace_tape",
]
