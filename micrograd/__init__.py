"""micrograd: a small, readable, correct scalar reverse-mode autograd engine.

Every public name is importable from here (``from micrograd import Value, MLP,
draw_dot, compile_fn``).  They are loaded on first use, so ``import micrograd``
(like ``import micrograd.engine`` or ``micrograd.nn``) imports neither numpy,
graphviz, matplotlib nor torch: only what a name needs, when it is used.

Where things live (data flows one way, top to bottom)::

    engine, op, elementwise, topo   Value, Op and the op table, backward()
    nn                              Module, Neuron, Layer, MLP
    losses, optim, data, train      training: losses, optimizers, data sets, fit()
    checkpoint, torch_bridge        saving models; moving them to and from PyTorch
    viz/                            graphs, backward steps, explain, the stepper, plots
    compiled/                       tracing once and replaying batches with numpy
    cli/                            ``python -m micrograd ...``
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__version__ = "0.3.0"

# public name -> the module that defines it
_WHERE = {
    **dict.fromkeys(
        [
            "AnomalyError", "Op", "Value", "detect_anomaly", "is_anomaly_enabled", "is_grad_enabled",
            "linear", "no_grad", "power_op", "topological_order", "values",
        ],
        "micrograd.engine",
    ),
    **dict.fromkeys(["grad", "jvp"], "micrograd.calculus"),
    **dict.fromkeys(["GradcheckError", "gradcheck"], "micrograd.finite_differences"),
    **dict.fromkeys(["MLP", "Layer", "Module", "Neuron"], "micrograd.nn"),
    **dict.fromkeys(
        [
            "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "hinge",
            "log_softmax", "logsumexp", "mse", "softmax", "softplus",
        ],
        "micrograd.losses",
    ),
    **dict.fromkeys(["SGD", "Adam", "AdamW", "Optimizer"], "micrograd.optim"),
    **dict.fromkeys(["accuracy", "evaluate", "fit", "predict", "predicted_class"], "micrograd.train"),
    **dict.fromkeys(
        ["load_digits", "make_blobs", "make_moons", "spiral", "train_test_split", "xor"], "micrograd.data"
    ),
    **dict.fromkeys(["load", "load_into", "save"], "micrograd.checkpoint"),
    **dict.fromkeys(["from_torch", "to_torch"], "micrograd.torch_bridge"),
    **dict.fromkeys(["build_example", "worked_example"], "micrograd.examples"),
    **dict.fromkeys(
        [
            "Stepper", "backward_steps", "build_stepper_html", "draw_dot", "explain", "graph_picture",
            "render_svg", "save_step_svgs", "save_svg", "show_stepper", "write_stepper",
        ],
        "micrograd.viz",
    ),
    **dict.fromkeys(["CompiledFunction", "TracingError", "compile_fn"], "micrograd.compiled"),
}  # fmt: skip

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'micrograd' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


def _value_svg(value: Any) -> str | None:
    from micrograd.viz.jupyter import value_svg  # graphviz is loaded at the first picture, not before

    return value_svg(value)


def _show_values_as_graphs_in_jupyter() -> None:
    """Inside a running IPython (a Jupyter kernel), a cell that ends with a Value
    shows its graph.  Registered by the Value's type name, so nothing is imported
    now; outside IPython nothing happens and IPython is never imported."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        formatter = shell.display_formatter.formatters["image/svg+xml"]
        formatter.for_type_by_name("micrograd.engine", "Value", _value_svg)


_show_values_as_graphs_in_jupyter()
