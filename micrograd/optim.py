"""Optimizers: SGD (with momentum / Nesterov), Adam and AdamW.

Each follows the update rule of its ``torch.optim`` namesake step for step
(same defaults, same order of floating-point operations where it matters), so
20 steps here and in PyTorch agree to ~1e-15.  Parameters are
:class:`~micrograd.engine.Value` leaves; ``step()`` reads ``p.grad`` and
changes ``p.data`` in place.

In compiled mode (:mod:`micrograd.compiled`) the parameters live in numpy
arrays between steps; there ``step()`` and ``zero_grad()`` run the same rules
on whole arrays (:mod:`micrograd.compiled.updates`, bit for bit equal to the
loops below), and the state buffers become arrays.  After ``step()`` returns,
reading any ``p.data`` gives the updated number either way.

Usage::

    opt = Adam(model.parameters(), lr=1e-2)
    for batch in data:
        opt.zero_grad()
        loss = ...; loss.backward()
        opt.step()
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from micrograd.engine import Value
from micrograd.validate import check_int, check_real

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]

# One number per parameter: a list, or a numpy array in compiled mode.
Buffer: TypeAlias = "list[float] | NDArray[np.float64]"


def _as_list(buffer: Buffer) -> list[float]:
    return buffer if isinstance(buffer, list) else buffer.tolist()


def _on_arrays(optimizer: Optimizer, what: str) -> bool:
    """``optimizer.step()`` or ``zero_grad()`` (``what``) on numpy arrays, if its
    parameters are resident there (compiled mode); False if they are not.
    Without compiled mode imported this is one dict lookup."""
    updates = sys.modules.get("micrograd.compiled.updates")
    return updates is not None and bool(updates.run(optimizer, what))


def _float_list(value: object, n: int, name: str) -> list[float]:
    if not isinstance(value, list) or len(value) != n:
        got = f"{len(value)} entries" if isinstance(value, list) else type(value).__name__
        raise ValueError(
            f"optimizer state {name!r} must be a list of {n} numbers (one per parameter), got {got}"
        )
    return [check_real(v, f"{name}[{i}]") for i, v in enumerate(value)]


class Optimizer:
    """Holds the parameter list; subclasses implement :meth:`step`.

    ``lr`` is a plain attribute, so a schedule can change it between steps.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] is a {type(p).__name__!r}, not a Value")
            if id(p) in seen:
                # It would be updated twice per step.
                raise ValueError(f"params[{i}] appears more than once in the parameter list")
            seen.add(id(p))
        self.lr = check_real(lr, "lr", minimum=0)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaves accumulate otherwise)."""
        if _on_arrays(self, "zero_grad"):
            return
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments other than ``params`` (JSON-friendly)."""
        return {"lr": self.lr}

    def _state(self) -> dict[str, Any]:
        return {}

    def _load_state(self, state: dict[str, Any]) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: ``{"type", "hyperparameters", "state"}``;
        per-parameter buffers are lists in parameter order.  Plain JSON types."""
        return {
            "type": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            "state": self._state(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and buffers saved by :meth:`state_dict`.

        Raises ``ValueError`` if the state is for another optimizer type or a
        different number of parameters.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict, not {type(state_dict).__name__!r}")
        kind = state_dict.get("type")
        if kind != type(self).__name__:
            raise ValueError(f"state is for optimizer {kind!r}, not {type(self).__name__!r}")
        hyper = state_dict.get("hyperparameters")
        state = state_dict.get("state")
        if not isinstance(hyper, dict) or not isinstance(state, dict):
            raise ValueError("optimizer state must have 'hyperparameters' and 'state' dicts")
        expected = set(self.hyperparameters())
        if set(hyper) != expected:
            raise ValueError(f"optimizer hyperparameters {sorted(hyper)} do not match {sorted(expected)}")
        # Validate everything on a fresh instance before touching self, so a
        # bad state leaves this optimizer unchanged.
        probe = type(self)(self.params, **hyper)
        probe._load_state(state)
        self.__dict__.update(probe.__dict__)


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (dampening 0).

    ``g = grad + weight_decay * p``;  with momentum ``mu``:
    ``b = g`` on the first step, then ``b = mu * b + g``; the update direction
    is ``b`` or, with Nesterov, ``g + mu * b``;  ``p -= lr * direction``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_real(momentum, "momentum", minimum=0)
        self.weight_decay = check_real(weight_decay, "weight_decay", minimum=0)
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be a bool, not {type(nesterov).__name__!r}")
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = nesterov
        self.buffers: Buffer | None = None  # momentum buffers, created on the first step

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
        }

    def step(self) -> None:
        if _on_arrays(self, "step"):
            return
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        first = self.buffers is None
        if mu != 0 and self.buffers is None:
            self.buffers = [0.0] * len(self.params)
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0:
                g = g + wd * p.data
            if self.buffers is not None:
                buf = g if first else mu * self.buffers[i] + g
                self.buffers[i] = buf
                g = g + mu * buf if self.nesterov else buf
            p.data -= lr * g

    def _state(self) -> dict[str, Any]:
        return {"momentum_buffer": None if self.buffers is None else _as_list(self.buffers)}

    def _load_state(self, state: dict[str, Any]) -> None:
        buf = state.get("momentum_buffer")
        self.buffers = None if buf is None else _float_list(buf, len(self.params), "momentum_buffer")


class Adam(Optimizer):
    """Adam (Kingma & Ba), as ``torch.optim.Adam`` (amsgrad off).

    With ``g = grad + weight_decay * p`` and step count ``t``::

        m = b1 * m + (1 - b1) * g          # first moment
        v = b2 * v + (1 - b2) * g**2       # second moment
        p -= (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)
    """

    decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
        b1, b2 = (check_real(b, f"betas[{i}]", minimum=0) for i, b in enumerate(betas))
        for i, b in enumerate((b1, b2)):
            if b >= 1.0:  # b = 1 would freeze the moment estimate and divide by 1 - b**t = 0
                raise ValueError(f"betas[{i}] must be in [0, 1), got {b!r}")
        self.betas = (b1, b2)
        self.eps = check_real(eps, "eps", minimum=0, strict_minimum=True)
        self.weight_decay = check_real(weight_decay, "weight_decay", minimum=0)
        self.t = 0
        self.m: Buffer = [0.0] * len(self.params)
        self.v: Buffer = [0.0] * len(self.params)

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps, "weight_decay": self.weight_decay}

    def step(self) -> None:
        if _on_arrays(self, "step"):
            return
        lr, (b1, b2), eps, wd = self.lr, self.betas, self.eps, self.weight_decay
        self.t += 1
        step_size = lr / (1.0 - b1**self.t)
        bias2_sqrt = math.sqrt(1.0 - b2**self.t)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0:
                if self.decoupled:
                    p.data *= 1.0 - lr * wd  # AdamW: shrink the weight, not the gradient
                else:
                    g = g + wd * p.data
            # m + (1 - b1) (g - m) is b1 m + (1 - b1) g written the way torch's lerp computes it.
            m[i] += (1.0 - b1) * (g - m[i])
            v[i] = v[i] * b2 + (1.0 - b2) * g * g
            p.data -= step_size * (m[i] / (math.sqrt(v[i]) / bias2_sqrt + eps))

    def _state(self) -> dict[str, Any]:
        return {"step": self.t, "exp_avg": _as_list(self.m), "exp_avg_sq": _as_list(self.v)}

    def _load_state(self, state: dict[str, Any]) -> None:
        self.t = check_int(state.get("step"), "optimizer state 'step'", minimum=0)
        self.m = _float_list(state.get("exp_avg"), len(self.params), "exp_avg")
        self.v = _float_list(state.get("exp_avg_sq"), len(self.params), "exp_avg_sq")


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``:
    ``p *= 1 - lr * weight_decay`` before the Adam update, which sees the raw gradient.
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
