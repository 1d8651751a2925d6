"""The two training workloads of issue 14, built the same way for compiled micrograd and PyTorch.

Each builder returns a :class:`Workload`: a ``step()`` that runs one full training
step (zero the gradients, forward, backward, optimizer update) on the next batch of
a fixed, pre-made cycle of batches, plus what a report needs (batch size, compile
time).  The micrograd step is the loop a user writes by hand::

    step = compile_fn(loss_fn, example_inputs, params=params)
    opt = Adam(params, lr=1e-2)
    for X_batch, y_batch in batches:
        opt.zero_grad(); step(X_batch, y_batch); opt.step()

and the PyTorch step is the same net (``micrograd.torch_bridge.to_torch``: the same
initial weights, float64), the same loss, the same batches and ``torch.optim``'s
optimizer with the same hyper-parameters.

* ``digits``: ``MLP(64, [32, 16, 10])`` on scikit-learn's 8x8 digits, softmax
  cross-entropy, Adam lr 1e-2, batches of 32 (one pass over 1,437 training images
  is 45 batches; the cycle repeats them).
* ``moons``: ``MLP(2, [16, 16, 1])`` on 100 ``make_moons`` points, the max-margin
  loss ``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, SGD lr 0.05, full batch.

Both engines must be limited to one thread by the caller (``one_thread()``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd.compiled import compile_fn, per_sample_loss, svm_loss_fn
from micrograd.data import load_digits_split, make_moons
from micrograd.digits import digits_model
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, Optimizer

__all__ = ["WORKLOADS", "Workload", "build", "one_thread"]

SEED = 1337
DIGITS_BATCH = 32
DIGITS_LR = 1e-2
MOONS_POINTS = 100
MOONS_LR = 0.05
MOONS_ALPHA = 1e-4


@dataclass
class Workload:
    """One engine's training step on one workload.

    ``step()`` trains on the next batch and returns nothing (the loss stays
    inside the engine, as in a loop that logs only every so often);
    ``samples`` is the batch size; ``compile_seconds`` the one-time cost before
    the first step (0 for PyTorch); ``params`` the trained parameters as a
    function returning a flat list (to check that both engines really train).
    """

    name: str
    engine: str
    step: Callable[[], None]
    samples: int
    compile_seconds: float
    params: Callable[[], list[float]]
    extra: dict[str, Any]


@contextlib.contextmanager
def one_thread(torch_too: bool = True) -> Iterator[None]:
    """numpy's BLAS (threadpoolctl) and torch's intra-op pool at one thread each
    (``torch_too=False`` leaves torch unimported)."""
    import threadpoolctl

    torch: Any = None
    if torch_too:
        import torch
    before = torch.get_num_threads() if torch is not None else 0
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with threadpoolctl.threadpool_limits(limits=1):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def _cycle(batches: list[tuple[Any, ...]]) -> Callable[[], tuple[Any, ...]]:
    position = [0]

    def next_batch() -> tuple[Any, ...]:
        i = position[0]
        position[0] = (i + 1) % len(batches)
        return batches[i]

    return next_batch


def _digits_batches(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    X_train, y_train, _, _ = load_digits_split(seed)
    order = np.random.default_rng(seed).permutation(len(y_train))
    n_full = len(order) // DIGITS_BATCH  # full batches only: every step does the same work
    xs = [X_train[order[k * DIGITS_BATCH : (k + 1) * DIGITS_BATCH]] for k in range(n_full)]
    ys = [y_train[order[k * DIGITS_BATCH : (k + 1) * DIGITS_BATCH]] for k in range(n_full)]
    return xs, ys


def _moons_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_moons(MOONS_POINTS, noise=0.1, seed=seed)
    return X, (2 * y - 1).astype(np.float64)


def _micrograd_loop(
    model: MLP, fn: Callable[..., object], example: tuple[object, ...], make_opt: Callable[..., Optimizer]
) -> tuple[Callable[[tuple[Any, ...]], None], float, list[object]]:
    params = model.parameters()
    began = time.perf_counter()
    step = compile_fn(fn, example, params=params)
    compile_seconds = time.perf_counter() - began
    opt = make_opt(params)

    def train(batch: tuple[Any, ...]) -> None:
        opt.zero_grad()
        step(*batch)
        opt.step()

    return train, compile_seconds, [step, opt]


def digits_micrograd(seed: int = SEED) -> Workload:
    model = digits_model(seed)
    xs, ys = _digits_batches(seed)
    eye = np.eye(10)
    batches = [(x, eye[y]) for x, y in zip(xs, ys)]
    fn = per_sample_loss(model, "cross_entropy", 10)
    train, compile_seconds, state = _micrograd_loop(
        model, fn, ([0.0] * 64, [0.0] * 10), lambda p: Adam(p, lr=DIGITS_LR)
    )
    next_batch = _cycle(batches)
    return Workload(
        "digits",
        "micrograd",
        lambda: train(next_batch()),
        DIGITS_BATCH,
        compile_seconds,
        lambda: [p.data for p in model.parameters()],
        {"state": state, "next_batch": next_batch},
    )


def moons_micrograd(seed: int = SEED) -> Workload:
    model = MLP(2, [16, 16, 1], seed=seed)
    X, signs = _moons_data(seed)
    params = model.parameters()
    fn = svm_loss_fn(model, params, MOONS_ALPHA)
    train, compile_seconds, state = _micrograd_loop(
        model, fn, (X[0], signs[0]), lambda p: SGD(p, lr=MOONS_LR)
    )
    return Workload(
        "moons",
        "micrograd",
        lambda: train((X, signs)),
        MOONS_POINTS,
        compile_seconds,
        lambda: [p.data for p in model.parameters()],
        {"state": state, "next_batch": lambda: (X, signs)},
    )


def _torch_flat(seq: Any) -> Callable[[], list[float]]:
    """The Sequential's parameters in MLP order (per neuron: its weights, then its bias)."""
    import torch

    def flat() -> list[float]:
        out: list[float] = []
        for m in seq:
            if isinstance(m, torch.nn.Linear):
                w, b = m.weight.detach(), m.bias.detach()
                for j in range(m.out_features):
                    out.extend(w[j].tolist())
                    out.append(float(b[j]))
        return out

    return flat


def digits_torch(seed: int = SEED) -> Workload:
    import torch

    from micrograd.torch_bridge import to_torch

    seq = to_torch(digits_model(seed))
    xs, ys = _digits_batches(seed)
    batches = [(torch.tensor(x), torch.tensor(y, dtype=torch.long)) for x, y in zip(xs, ys)]
    opt = torch.optim.Adam(seq.parameters(), lr=DIGITS_LR)
    cross_entropy = torch.nn.functional.cross_entropy
    next_batch = _cycle(batches)

    def step() -> None:
        x, y = next_batch()
        opt.zero_grad()
        cross_entropy(seq(x), y).backward()
        opt.step()

    return Workload("digits", "torch", step, DIGITS_BATCH, 0.0, _torch_flat(seq), {})


def moons_torch(seed: int = SEED) -> Workload:
    import torch

    from micrograd.torch_bridge import to_torch

    seq = to_torch(MLP(2, [16, 16, 1], seed=seed))
    X, signs = _moons_data(seed)
    x, y = torch.tensor(X), torch.tensor(signs)
    params = list(seq.parameters())
    opt = torch.optim.SGD(params, lr=MOONS_LR)

    def step() -> None:
        opt.zero_grad()
        score = seq(x)[:, 0]
        loss = torch.relu(1 - y * score).mean() + MOONS_ALPHA * sum((p * p).sum() for p in params)
        loss.backward()
        opt.step()

    return Workload("moons", "torch", step, MOONS_POINTS, 0.0, _torch_flat(seq), {})


def moons_eager(seed: int = SEED) -> Workload:
    """The same moons step with the eager engine: the batch's Value graph,
    ``backward()``, SGD (micrograd's demo notebook, one graph per step)."""
    from micrograd.engine import Value

    model = MLP(2, [16, 16, 1], seed=seed)
    X, signs = _moons_data(seed)
    rows, sign_list = X.tolist(), signs.tolist()
    params = model.parameters()
    opt = SGD(params, lr=MOONS_LR)

    def step() -> None:
        scores = [model(x) for x in rows]
        margins = [(1 - s * score).relu() for s, score in zip(sign_list, scores)]  # type: ignore[operator]
        reg = MOONS_ALPHA * sum((p * p for p in params), Value(0.0))
        loss = sum(margins, Value(0.0)) / len(margins) + reg
        opt.zero_grad()
        loss.backward()
        opt.step()

    return Workload("moons", "eager", step, MOONS_POINTS, 0.0, lambda: [p.data for p in params], {})


WORKLOADS: dict[str, dict[str, Callable[[], Workload]]] = {
    "digits": {"micrograd": digits_micrograd, "torch": digits_torch},
    "moons": {"micrograd": moons_micrograd, "torch": moons_torch, "eager": moons_eager},
}


def build(workload: str, engine: str) -> Workload:
    return WORKLOADS[workload][engine]()
