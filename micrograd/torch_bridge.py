"""Convert an :class:`~micrograd.nn.MLP` to and from a ``torch.nn.Sequential``.

``to_torch(MLP(2, [16, 16, 1]))`` gives
``Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))``
in float64 with the same weights: neuron ``j`` of layer ``i`` becomes row ``j``
of ``Linear.weight`` (its ``w``) and entry ``j`` of ``Linear.bias`` (its
``b``).  Outputs and gradients then agree to rounding (about 1e-15).

torch is optional: importing this module works without it, and calling a
conversion then raises an ``ImportError`` saying how to install it.
"""

from __future__ import annotations

from typing import Any

from micrograd.nn import MLP

__all__ = ["from_torch", "to_torch"]

TORCH_HINT = (
    "the PyTorch bridge needs torch, which is not installed; install the CPU build with "
    "`pip install torch==2.13.0` (pinned: an unpinned torch pulls GBs of CUDA packages), "
    "or run `make test`, which sets it up"
)

# Activation name <-> torch module class name.
_ACTIVATION_MODULES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(TORCH_HINT) from exc
    return torch


def to_torch(mlp: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` computing exactly what ``mlp`` computes."""
    torch = _import_torch()
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch expects an MLP, not {type(mlp).__name__!r}")
    modules: list[Any] = []
    for layer in mlp.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if layer.activation is not None:
            modules.append(getattr(torch.nn, _ACTIVATION_MODULES[layer.activation])())
    return torch.nn.Sequential(*modules)


def _activation_name(module: Any, torch: Any) -> str | None:
    for name, cls_name in _ACTIVATION_MODULES.items():
        if isinstance(module, getattr(torch.nn, cls_name)):
            return name
    return None


def from_torch(sequential: Any) -> MLP:
    """An MLP with the weights of ``sequential``.

    ``sequential`` must be ``Linear`` layers (with bias), each optionally
    followed by one ``ReLU``, ``Tanh`` or ``Sigmoid``; every hidden layer must
    use the same activation (an MLP has one hidden activation plus an
    optional final one).  Anything else raises ``ValueError``.
    """
    torch = _import_torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch expects a torch.nn.Sequential, not {type(sequential).__name__!r}")
    linears: list[Any] = []
    activations: list[str | None] = []
    for index, module in enumerate(sequential):
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"module {index} is a Linear without bias; every MLP neuron has a bias")
            if linears and module.in_features != linears[-1].out_features:
                raise ValueError(
                    f"module {index}: Linear expects {module.in_features} inputs but the previous "
                    f"layer gives {linears[-1].out_features}"
                )
            linears.append(module)
            activations.append(None)
            continue
        name = _activation_name(module, torch)
        if name is None:
            raise ValueError(
                f"module {index} ({type(module).__name__}) is not supported; "
                "use Linear, ReLU, Tanh or Sigmoid"
            )
        if not linears or activations[-1] is not None:
            raise ValueError(f"module {index} ({type(module).__name__}) must directly follow a Linear")
        activations[-1] = name
    if not linears:
        raise ValueError("the Sequential has no Linear layer")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"hidden layers use different activations {sorted(map(str, hidden))}; an MLP has one"
        )
    hidden_activation = hidden.pop() if hidden else "relu"
    mlp = MLP(
        linears[0].in_features,
        [m.out_features for m in linears],
        activation=hidden_activation,
        final_activation=activations[-1],
        seed=0,
    )
    for layer, linear in zip(mlp.layers, linears):
        weight = linear.weight.detach().to(torch.float64).tolist()
        bias = linear.bias.detach().to(torch.float64).tolist()
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = b
    return mlp
