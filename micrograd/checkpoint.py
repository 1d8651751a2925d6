"""Save and load models (and optimizer state) as checksummed JSON.

A checkpoint file looks like::

    {
      "format": "micrograd-checkpoint",
      "version": 1,
      "sha256": "<hex digest of the canonical JSON of payload>",
      "payload": {
        "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1], ...},
        "parameters": {"layers.0.neurons.0.w.0": -0.2378..., ...},
        "optimizer": {"type": "Adam", "hyperparameters": {...}, "state": {...}}
      }
    }

Design choices:

* JSON, never pickle or eval: loading a file can only ever produce data.
* Floats are written with ``repr`` (Python's shortest round-trip form), so
  every parameter comes back bit for bit.  NaN and infinity are not JSON, so
  saving a model that has diverged raises ``ValueError`` naming the parameter.
* The checksum covers the payload, so a truncated or hand-edited file is
  rejected with a ``ValueError`` that says what is wrong.
* Writes are atomic: the bytes go to a temporary file in the same folder,
  are fsynced, and replace the target with ``os.replace``.  A crash at any
  point leaves either the old checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd.fileio import atomic_write
from micrograd.nn import MLP, Module
from micrograd.optim import Optimizer
from micrograd.validate import check_int, check_real

__all__ = ["FORMAT", "FORMAT_VERSION", "Checkpoint", "load", "load_into", "save"]

FORMAT = "micrograd-checkpoint"
FORMAT_VERSION = 1


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _checksum(payload: Any) -> str:
    return hashlib.sha256(_canonical(payload)).hexdigest()


def _check_finite(tree: Any, where: str) -> None:
    if isinstance(tree, float) and not math.isfinite(tree):
        raise ValueError(f"cannot save {where} = {tree!r}: JSON has no NaN/infinity (has training diverged?)")
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            _check_finite(value, f"{where}.{key}")
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            _check_finite(value, f"{where}[{i}]")


def _check_optimizer_owns(optimizer: Optimizer, model: Module) -> None:
    """The optimizer's state is stored per parameter position, so the state of
    an optimizer built for another model would be saved beside this model's
    weights and later restored into the wrong parameters.  An optimizer over
    some of the model's parameters (a frozen layer), or over them and extra
    ones (a learnable loss weight), is fine."""
    own = set(model.parameters())
    if not any(p in own for p in optimizer.params):
        raise ValueError(
            f"none of the optimizer's {len(optimizer.params)} parameters belongs to this model "
            "(was the optimizer built for another model?)"
        )


def save(
    model_or_state: Module | Mapping[str, float],
    path: str | os.PathLike[str],
    optimizer: Optimizer | None = None,
) -> Path:
    """Write a checkpoint of a model (or a ``state_dict``) and optionally an
    optimizer's state to ``path``, atomically.  Returns the path.

    An :class:`~micrograd.nn.MLP` also records its architecture, so
    :func:`load` can rebuild it without any code from the caller.
    """
    architecture: dict[str, Any] | None = None
    if isinstance(model_or_state, Module):
        parameters = model_or_state.state_dict()
        if isinstance(model_or_state, MLP):
            architecture = {"type": "MLP", **model_or_state.config()}
    elif isinstance(model_or_state, Mapping):
        parameters = {}
        for name, value in model_or_state.items():
            if not isinstance(name, str):
                raise TypeError(f"state keys must be parameter names (str), got {name!r}")
            # NaN and infinity are refused below, naming the parameter and the likely cause.
            parameters[name] = check_real(value, f"state[{name!r}]", finite=False)
    else:
        raise TypeError(f"save expects a Module or a state dict, not {type(model_or_state).__name__!r}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a micrograd Optimizer, not {type(optimizer).__name__!r}")
    if optimizer is not None and isinstance(model_or_state, Module):
        _check_optimizer_owns(optimizer, model_or_state)
    payload = {
        "architecture": architecture,
        "parameters": parameters,
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
    }
    _check_finite(payload["parameters"], "parameter")
    _check_finite(payload["optimizer"], "optimizer")
    document = {"format": FORMAT, "version": FORMAT_VERSION, "sha256": _checksum(payload), "payload": payload}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    return atomic_write(path, text.encode("utf-8"))


@dataclass
class Checkpoint:
    """What :func:`load` found.  ``model`` is the rebuilt MLP (None when the
    file holds a bare state dict or a non-MLP module)."""

    parameters: dict[str, float]
    architecture: dict[str, Any] | None
    optimizer_state: dict[str, Any] | None
    model: MLP | None

    def restore_optimizer(self, optimizer: Optimizer) -> None:
        """Load the saved optimizer state into ``optimizer`` (ValueError if none
        was saved or it does not fit)."""
        if self.optimizer_state is None:
            raise ValueError("this checkpoint holds no optimizer state")
        optimizer.load_state_dict(self.optimizer_state)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # e.g. 1e400, which float() makes inf
        raise ValueError(f"the number {text} is out of the float range")
    return value


def load(path: str | os.PathLike[str]) -> Checkpoint:
    """Read and verify a checkpoint written by :func:`save`.

    Raises ``ValueError`` saying what is wrong for a file that is truncated,
    not JSON, not a checkpoint, from a newer format version, fails its
    checksum, or whose parameters do not fit its architecture.
    """
    where = os.fspath(path)
    raw = Path(path).read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{where}: not a valid checkpoint, the JSON is broken (truncated?): {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{where}: not a micrograd checkpoint (no 'format': {FORMAT!r} field)")
    try:
        version = check_int(document.get("version"), "the format version")
    except (TypeError, ValueError) as exc:  # a bad file is a ValueError, whatever is wrong in it
        raise ValueError(f"{where}: bad checkpoint: {exc}") from None
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{where}: format version {version} is newer than this micrograd understands ({FORMAT_VERSION})"
        )
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise ValueError(f"{where}: the checkpoint has no 'payload' object")
    if document.get("sha256") != _checksum(payload):
        raise ValueError(f"{where}: checksum mismatch, the payload was modified or corrupted")
    return _decode_payload(payload, where)


def _decode_payload(payload: dict[str, Any], where: str) -> Checkpoint:
    params = payload.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ValueError(f"{where}: 'parameters' must be a non-empty object of name -> number")
    parameters: dict[str, float] = {}
    for name, value in params.items():
        try:
            parameters[name] = check_real(value, f"parameter {name!r}")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
        except OverflowError:  # an integer too large for a float
            raise ValueError(f"{where}: parameter {name!r} is out of the float range") from None
    architecture = payload.get("architecture")
    optimizer_state = payload.get("optimizer")
    if optimizer_state is not None and not isinstance(optimizer_state, dict):
        raise ValueError(f"{where}: 'optimizer' must be an object or null")
    model = None
    if architecture is not None:
        if not isinstance(architecture, dict) or architecture.get("type") != "MLP":
            raise ValueError(f"{where}: unknown architecture {architecture!r} (only 'MLP' can be rebuilt)")
        config = {k: v for k, v in architecture.items() if k != "type"}
        try:
            model = MLP(**config)
            model.load_state_dict(parameters)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: parameters do not fit the architecture {config}: {exc}") from None
    return Checkpoint(parameters, architecture, optimizer_state, model)


def load_into(path: str | os.PathLike[str], model: Module, optimizer: Optimizer | None = None) -> Checkpoint:
    """Load a checkpoint's parameters into an existing ``model`` (and its
    optimizer state into ``optimizer``).  A checkpoint of a different shape
    raises ``ValueError`` and leaves both untouched."""
    checkpoint = load(path)
    if isinstance(model, MLP) and checkpoint.architecture is not None:
        # 'fused' only changes how the graph is drawn, not the parameters.
        keys = ("nin", "nouts", "activation", "final_activation")
        saved = {k: checkpoint.architecture.get(k) for k in keys}
        wanted = {k: model.config()[k] for k in keys}
        if saved != wanted:
            raise ValueError(f"{os.fspath(path)}: checkpoint architecture {saved} != model {wanted}")
    before = model.state_dict()
    model.load_state_dict(checkpoint.parameters)
    if optimizer is not None:
        try:
            checkpoint.restore_optimizer(optimizer)
        except (TypeError, ValueError):
            model.load_state_dict(before)
            raise
    return checkpoint
