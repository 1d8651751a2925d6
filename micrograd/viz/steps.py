"""Watch backward() work: its chain-rule steps, one by one.

``backward()`` visits the nodes in reverse topological order and, for every
node ``c`` with operands ``p``, adds ``dL/dc * dc/dp`` into ``p.grad``.  Each
such addition is one :class:`Step` here::

    upstream      g   = dL/dc        (c's gradient, final by the time c is visited)
    local         l   = dc/dp        (c._local[k], recorded by the op when c was made)
    contribution  g*l                (what gets added to p.grad)
    p.grad        before + contribution

The contribution is the very float product ``upstream * c._local[k]`` that
backward() adds, added in the same order, so replaying the steps reproduces
backward() bit for bit.  Each step also carries the local derivative as a
formula in the nodes' names (``dz/dx = w``), derived from the op's definition
by :mod:`micrograd.viz.formula`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

from micrograd.engine import Value, topological_order
from micrograd.viz.formula import local_formulas
from micrograd.viz.names import derivative_text, format_number, grad_text, node_names

if TYPE_CHECKING:
    from micrograd.viz.table import StepTable

__all__ = ["BackwardTrace", "Step", "backward_steps", "local_derivatives"]


def local_derivatives(node: Value) -> list[float]:
    """``d(node)/d(node._prev[k])`` for every operand position ``k``: the
    local derivatives the op recorded when it made ``node``."""
    return [float(d) for d in node._local]


@dataclass(frozen=True, eq=False)
class Step:
    """One chain-rule addition of backward(): ``parent.grad += upstream * local``.

    ``index`` counts from 1; ``parent_index`` is the operand's position in
    ``child._prev``.  ``applied`` is False for an edge whose local derivative
    is 0 (a relu at or below 0): it adds ``upstream * 0``, nothing for a
    finite upstream.  ``formula`` is the local derivative in node names
    (``""`` when the op's rule gives none).
    """

    index: int
    child: Value
    parent: Value
    parent_index: int
    op: str
    upstream: float
    local: float
    contribution: float
    grad_before: float
    grad_after: float
    child_name: str
    parent_name: str
    root_name: str
    formula: str
    applied: bool
    trace: BackwardTrace = field(repr=False)

    def grads(self) -> dict[Value, float]:
        """Every node's gradient right after this step."""
        return self.trace.grads_after(self.index)

    def _formula_for(self, value: str) -> str:
        """The formula, unless it says no more than the number itself."""
        return "" if self.formula == value else self.formula

    def local_text(self, precision: int = 4) -> str:
        """The local derivative in words: ``dchild/dparent = formula = value``
        (the formula is left out when it is just the number)."""
        value = format_number(self.local, precision)
        formula = self._formula_for(value)
        d = derivative_text(self.child_name, self.parent_name)
        return f"{d} = {formula + ' = ' if formula else ''}{value}"

    def upstream_text(self, precision: int = 4) -> str:
        """The child's gradient, which this step passes on: ``dL/dz2 = 2``."""
        return (
            f"{derivative_text(self.root_name, self.child_name)} = {format_number(self.upstream, precision)}"
        )

    def sum_text(self, precision: int = 4) -> str:
        """The parent's gradient after this step as a sum: ``x.grad = 4 + 3 = 7``."""
        before, added = _operand(self.grad_before, precision), _operand(self.contribution, precision)
        after = format_number(self.grad_after, precision)
        return f"{grad_text(self.parent_name)} = {before} + {added} = {after}"

    def caption(self, count: int, precision: int = 4) -> str:
        """This step in one line, as a step picture's caption: ``step 7 of 10:
        dL/dm2 += dL/dz2 * dz2/dm2 = 2 * 6 = 12``, and when the gradient held
        something already, what it sums to now: ``(x.grad = 4 + 3 = 7)``."""
        root, c, p = self.root_name, self.child_name, self.parent_name
        text = (
            f"step {self.index} of {count}: {derivative_text(root, p)} += "
            f"{derivative_text(root, c)} * {derivative_text(c, p)} = {_operand(self.upstream, precision)} * "
            f"{_operand(self.local, precision)} = {format_number(self.contribution, precision)}"
        )
        return text + f"  ({self.sum_text(precision)})" if self.grad_before != 0 else text

    def describe(self, precision: int = 6) -> str:
        """The arithmetic of this step in one line."""
        root, c, p = self.root_name, self.child_name, self.parent_name
        value = format_number(self.local, precision)
        formula = self._formula_for(value)
        local = f"({formula} = {value})" if formula else _operand(self.local, precision)
        return (
            f"{derivative_text(root, c)} * {derivative_text(c, p)} = {_operand(self.upstream, precision)} * "
            f"{local} = {format_number(self.contribution, precision)};  {self.sum_text(precision)}"
        )


def _operand(x: float, precision: int) -> str:
    """A number as a factor or term: ``2 * (-1)``, not ``2 * -1``."""
    text = format_number(x, precision)
    return f"({text})" if x < 0 else text


class BackwardTrace(Sequence[Step]):
    """The ordered steps of one backward pass (a read-only sequence of
    :class:`Step`), plus the state before and after it."""

    def __init__(
        self,
        root: Value,
        order: list[Value],
        names: dict[Value, str],
        seed: float,
        initial: dict[Value, float],
        held: dict[Value, float] | None = None,
    ) -> None:
        self.root = root
        self.order = order
        self.names = names
        self.seed = seed
        #: every node's grad before the first step: 0, and the seed at the root
        self.initial = initial
        #: leaf grads from earlier passes, added after the last step (accumulate=True)
        self.held = held or {}
        self._steps: list[Step] = []

    @overload
    def __getitem__(self, i: int) -> Step: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Step]: ...

    def __getitem__(self, i: int | slice) -> Step | Sequence[Step]:
        return self._steps[i]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self._steps)

    def grads_after(self, k: int) -> dict[Value, float]:
        """Every node's gradient in this pass after the first ``k`` steps
        (``k = 0``: just the seed); ``held`` grads are not included."""
        if not 0 <= k <= len(self._steps):
            raise ValueError(f"step number must be between 0 and {len(self._steps)}, got {k}")
        grads = dict(self.initial)
        for step in self._steps[:k]:
            grads[step.parent] = step.grad_after
        return grads

    @property
    def final_grads(self) -> dict[Value, float]:
        """Every node's gradient at the end of the pass, plus the ``held``
        ones: exactly the ``.grad`` values backward() leaves."""
        grads = self.grads_after(len(self._steps))
        for node, old in self.held.items():
            grads[node] += old
        return grads

    def table(self, precision: int = 4) -> StepTable:
        """The steps as a table (``print`` it, or display it in Jupyter)."""
        from micrograd.viz.table import StepTable  # the table module imports this one

        return StepTable(self, precision)

    def __repr__(self) -> str:
        return f"BackwardTrace(root={self.names[self.root]!r}, steps={len(self._steps)})"


def backward_steps(root: Value, grad: float = 1.0, *, accumulate: bool = False) -> BackwardTrace:
    """The chain-rule steps that ``root.backward(grad)`` performs, in order,
    without changing any ``.grad``.

    Like ``backward()``, a pass starts every node at 0 and the root at
    ``grad``, and the steps add up this pass's gradients from there.
    Gradients that leaves already hold are not part of any step: with
    ``accumulate=False`` (default) they are ignored, as after ``zero_grad()``;
    with ``accumulate=True`` they are kept in ``trace.held`` and added at the
    end, exactly as ``backward()`` (and PyTorch) add a pass's sum to the held
    value, ``old + (c1 + c2 + ...)``.  Either way ``trace.final_grads`` equals
    the ``.grad`` values that ``backward()`` leaves.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps expects a Value, got {type(root).__name__!r}")
    if isinstance(grad, bool) or not isinstance(grad, numbers.Real):
        raise TypeError(f"grad must be a real number, got {type(grad).__name__!r}")
    seed = float(grad)
    order = topological_order(root)
    names = node_names(order)
    running = dict.fromkeys(order, 0.0)
    running[root] = seed
    held: dict[Value, float] = {}
    if accumulate:
        held = {n: n.grad for n in order if not n._prev and n.grad}
    trace = BackwardTrace(root, order, names, seed, dict(running), held)
    steps = trace._steps
    root_name = names[root]
    for node in reversed(order):
        if not node._prev:
            continue
        upstream = running[node]
        formulas = local_formulas(node, names)
        for k, parent in enumerate(node._prev):
            local = node._local[k]
            contribution = upstream * local  # the product backward() adds, to the bit
            before = running[parent]
            after = running[parent] = before + contribution
            steps.append(
                Step(
                    len(steps) + 1, node, parent, k, node._op, upstream, float(local), contribution,
                    before, after, names[node], names[parent], root_name, formulas[k], local != 0, trace,
                )
            )  # fmt: skip
    return trace
