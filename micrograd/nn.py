"""Neural-network building blocks made of :class:`~micrograd.engine.Value` scalars.

A neuron computes ``act(b + sum_i w_i * x_i)``.  By default the weighted sum
is a single fused ``linear`` node (local derivatives: ``x_i`` for ``w_i``,
``w_i`` for ``x_i``, ``1`` for ``b``), so a neuron costs two nodes instead of
``2n + 1``.  Pass ``fused=False`` to build every ``*`` and ``+`` as its own
node, which is what you want when drawing the graph for teaching.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

from micrograd.engine import Operand, Value, fused_neuron, values
from micrograd.validate import check_int, check_real

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "Seed", "make_rng"]

Seed = int | random.Random | None
Output = Value | list[Value]
ACTIVATIONS = ("relu", "tanh", "sigmoid", None)


def make_rng(seed: Seed) -> random.Random:
    """``None`` -> Python's global ``random`` module state (so ``random.seed``
    reproduces a model, as with the reference micrograd); an integer (``int``
    or a numpy integer) -> a new independent stream; a ``random.Random`` ->
    used as it is."""
    if seed is None:
        return random._inst  # type: ignore[attr-defined]  # the global generator
    if isinstance(seed, random.Random):
        return seed
    # Any integer type (numpy's too, e.g. a seed drawn with numpy), but not bool.
    # Of any sign, as random.seed takes; check_int wants a bound, and 64 bits is plenty.
    return random.Random(check_int(seed, "seed", minimum=-(2**63)))


def _check_activation(activation: str | None) -> str | None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
    return activation


def _check_inputs(x: Iterable[Operand], nin: int, who: str) -> list[Value]:
    # Any iterable of numbers is accepted (a list, a tuple, a numpy row such as X[i]).
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(f"{who} expects a sequence of {nin} numbers, got {type(x).__name__!r}")
    items = list(x)  # one pass over x, whatever kind of iterable it is
    try:
        xs = values(items)
    except TypeError:  # diagnosed only on failure: the common call pays nothing
        if any(_is_row(item) for item in items):
            raise TypeError(_batch_message(x, len(items), nin, who)) from None
        raise
    if len(xs) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(xs)}")
    return xs


def _is_row(item: object) -> bool:
    # A row of a 2-D input: a list, tuple or 1-D array (0-d arrays are numbers).
    return isinstance(item, Iterable) and not isinstance(item, (str, bytes)) and getattr(item, "ndim", 1) > 0


def _batch_message(x: object, rows: int, nin: int, who: str) -> str:
    """A 2-D input (many samples at once): say how to run them one by one."""
    shape = getattr(x, "shape", None)
    rows_text = f"{rows} row{'s' if rows != 1 else ''}"
    got = f"an array of shape {tuple(shape)}" if shape is not None else f"a {type(x).__name__} of {rows_text}"
    return (
        f"{who} takes one sample per call (a sequence of {nin} numbers), but got {got}: a batch. "
        "To run a batch, call the model per row: [model(x) for x in X]; "
        "micrograd.train.predict(model, X) gives the predicted class of every row"
    )


def _activate(z: Value, activation: str | None) -> Value:
    if activation is None:
        return z
    if activation == "relu":
        return z.relu()
    if activation == "tanh":
        return z.tanh()
    return z.sigmoid()


class Module:
    """Base class: anything that owns parameters."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs with stable dotted names."""
        return []

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's ``grad`` to 0 (leaves accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name, in ``named_parameters`` order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set the parameters from ``state`` (as made by :meth:`state_dict`).

        The names must match exactly: a missing or unexpected name raises
        ``ValueError``, a non-number ``TypeError``; either way nothing changes.
        """
        named = dict(self.named_parameters())
        missing = [k for k in named if k not in state]
        unexpected = [k for k in state if k not in named]
        if missing or unexpected:
            raise ValueError(
                f"state does not match the model: missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}"
            )
        new = {name: check_real(value, f"state[{name!r}]", finite=False) for name, value in state.items()}
        for name, p in named.items():
            p.data = new[name]


class Neuron(Module):
    """``act(b + w . x)`` with ``w_i ~ U(-1, 1)`` and ``b = 0``."""

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        *,
        seed: Seed = None,
        fused: bool = True,
        nonlin: bool | None = None,
    ) -> None:
        nin = check_int(nin, "nin")
        if nonlin is not None:  # the reference micrograd's spelling
            activation = "relu" if nonlin else None
        self.activation = _check_activation(activation)
        self.fused = fused
        rng = make_rng(seed)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    @property
    def nin(self) -> int:
        return len(self.w)

    def __call__(self, x: Sequence[Operand]) -> Value:
        return self._forward(_check_inputs(x, len(self.w), "Neuron"))

    def _forward(self, xs: list[Value]) -> Value:
        if self.fused:
            z = fused_neuron(self.b, self.w, xs)  # xs: checked Values, see _check_inputs
        else:
            z = self.b
            for wi, xi in zip(self.w, xs):
                z = z + wi * xi
        return _activate(z, self.activation)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    # parameters() is called several times per training step: the overrides
    # below give named_parameters' order without formatting a name per value.
    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        kind = (self.activation or "linear").capitalize()
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs.  Always returns a list."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        *,
        seed: Seed = None,
        fused: bool = True,
        nonlin: bool | None = None,
    ) -> None:
        nout = check_int(nout, "nout")
        rng = make_rng(seed)
        self.neurons = [Neuron(nin, activation, seed=rng, fused=fused, nonlin=nonlin) for _ in range(nout)]

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def activation(self) -> str | None:
        return self.neurons[0].activation

    def __call__(self, x: Sequence[Operand]) -> list[Value]:
        xs = _check_inputs(x, self.nin, "Layer")
        return [n._forward(xs) for n in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A stack of layers: ``MLP(2, [16, 16, 1])`` is 2 -> 16 -> 16 -> 1.

    Hidden layers use ``activation``; the last layer uses ``final_activation``
    (linear by default).  Returns one Value when the last layer has one output,
    else a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        final_activation: str | None = None,
        *,
        seed: Seed = None,
        fused: bool = True,
    ) -> None:
        if isinstance(nouts, (int, str, bytes)) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.activation = _check_activation(activation)
        self.final_activation = _check_activation(final_activation)
        rng = make_rng(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                final_activation if i == last else activation,
                seed=rng,
                fused=fused,
            )
            for i in range(len(nouts))
        ]

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def __call__(self, x: Sequence[Operand]) -> Output:
        out: list[Value] = _check_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = [n._forward(out) for n in layer.neurons]
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def config(self) -> dict[str, object]:
        """The constructor arguments of this architecture: ``MLP(**m.config())``
        builds a model of the same shape (with fresh weights)."""
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "final_activation": self.final_activation,
            "fused": self.layers[0].neurons[0].fused,
        }

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin} -> {self.nouts}, activation={self.activation!r}, "
            f"final_activation={self.final_activation!r})"
        )
