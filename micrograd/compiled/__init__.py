"""Compiled mode: trace a scalar function once, replay it for whole batches with numpy.

One concept per module, in the order the data flows::

    guard     what tracing changes in the engine (TracingError, stop-gradient)
    tape      trace_tape(): a function's graph as a flat Tape of Ops
    rows      the two row buffers (batch-invariant and per-sample) and moving rows
    kernels   group kernels: any Op through its own forward/partials, plus
              the matmul, batched-linear and n-ary-sum kernels
    planner   tape -> groups of nodes by level and op, rows allocated
    function  compile_fn() and CompiledFunction: run the plan on a batch
    training  per-sample losses and compiled_step_fn for micrograd.train.fit

Importing this package imports numpy (the eager engine never does).
"""

from micrograd.compiled.function import CompiledFunction, StepResult, compile_fn
from micrograd.compiled.guard import STOP_GRADIENT, TracingError, is_tracing
from micrograd.compiled.tape import Tape, trace_tape
from micrograd.compiled.training import COMPILED_LOSSES, compiled_step_fn, per_sample_loss, svm_loss_fn
from micrograd.losses import logsumexp

__all__ = [
    "COMPILED_LOSSES",
    "STOP_GRADIENT",
    "CompiledFunction",
    "StepResult",
    "Tape",
    "TracingError",
    "compile_fn",
    "compiled_step_fn",
    "is_tracing",
    "logsumexp",
    "per_sample_loss",
    "svm_loss_fn",
    "trace_tape",
]
