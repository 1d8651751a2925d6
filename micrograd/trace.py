"""Watch backward() work: its chain-rule steps one by one, and the chain rule
written out by hand.

``backward()`` visits the nodes in reverse topological order and, for every
node ``c`` with operands ``p``, adds ``dL/dc * dc/dp`` into ``p.grad``.  Each
such addition is one :class:`Step` here::

    upstream      g   = dL/dc        (c's gradient, final by the time c is visited)
    local         l   = dc/dp        (the op's derivative rule, e.g. d(a*b)/da = b)
    contribution  g*l                (what gets added to p.grad)
    p.grad        before + contribution

The contributions are obtained by running the engine's *own* rule for the node
on stand-in operands, so they are the very floats ``backward()`` adds, in the
same order: replaying them reproduces ``backward()`` bit for bit (``a -= x`` is
recorded as adding ``-x``, which IEEE arithmetic makes identical).  Because a
rule such as ``g * y * x**(y-1)`` rounds ``g*y`` first, ``upstream * local``
can differ from ``contribution`` in the last bit; the contribution is the exact
one.

:func:`explain` writes ``dL/dw`` as the sum over all paths from ``L`` down to
``w`` of the product of local derivatives along the path, the way the notes
derive it by hand.
"""

from __future__ import annotations

import heapq
import html
import numbers
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from micrograd.engine import Value, topological_order
from micrograd.fileio import atomic_write
from micrograd.graph import _check_precision, format_number, node_names, render_svg

__all__ = [
    "DEFAULT_MAX_PATHS",
    "BackwardTrace",
    "Explanation",
    "Factor",
    "Step",
    "StepTable",
    "backward_steps",
    "explain",
    "local_derivatives",
    "save_step_svgs",
]

DEFAULT_MAX_PATHS = 64


# ---------------------------------------------------------------------------
# Running a node's rule on stand-ins
# ---------------------------------------------------------------------------


class _Probe(Value):
    """A stand-in operand whose ``grad`` always reads as 0.0 and logs every
    assignment.  A rule's ``p.grad += e`` then logs exactly ``0.0 + e == e``
    (and ``p.grad -= e`` logs ``-e``), in the order the rule performs them."""

    __slots__ = ("_log", "_slot")
    _log: list[tuple[int, float]]
    _slot: int

    @classmethod
    def for_operand(cls, data: float, slot: int, log: list[tuple[int, float]]) -> _Probe:
        # Not Value(data): its "grad = 0.0" would be logged as a rule's
        # addition.  A rule reads nothing of an operand but ``data``.
        probe: _Probe = object.__new__(cls)
        probe.data = data
        probe._slot = slot
        probe._log = log
        return probe

    @property
    def grad(self) -> float:
        return 0.0

    @grad.setter
    def grad(self, value: float) -> None:
        self._log.append((self._slot, value))


def _rule_events(node: Value, g: float) -> list[tuple[int, float]]:
    """``(position in node._prev, amount)`` for every addition that node's
    backward rule makes with upstream gradient ``g``, in the rule's order.

    Each operand *position* gets its own stand-in, so ``a * a`` reports two
    separate additions, as backward() performs them."""
    rule = node._backward
    if rule is None:
        return []
    log: list[tuple[int, float]] = []
    probes = tuple(_Probe.for_operand(p.data, k, log) for k, p in enumerate(node._prev))
    out = Value(node.data)
    out._prev = probes
    out._op = node._op
    out._backward = rule
    rule(out, g)
    return log


def local_derivatives(node: Value) -> list[float]:
    """``d(node)/d(node._prev[k])`` for every operand position ``k``, computed
    by the engine's own rule with upstream gradient 1."""
    local = [0.0] * len(node._prev)
    for k, amount in _rule_events(node, 1.0):
        local[k] += amount
    return local


def _local_formula(node: Value, k: int, names: Mapping[Value, str]) -> str:
    """The local derivative d(node)/d(operand k) as a formula in node names."""
    op = node._op
    prev = node._prev
    a = names[prev[0]] if prev else "?"
    b = names[prev[1]] if len(prev) > 1 else "?"
    out = names[node]
    if op == "+":
        return "1"
    if op == "-":
        return "1" if k == 0 else "-1"
    if op == "*":
        return b if k == 0 else a
    if op == "/":
        return f"1/{b}" if k == 0 else f"-{out}/{b}"
    if op == "neg":
        return "-1"
    if op.startswith("**") and len(prev) == 1:
        n = float(op[2:])
        if n == 2:
            return f"2 * {a}"
        return f"{op[2:]} * {a}**{format_number(n - 1, 6)}"
    if op == "**":
        return f"{b} * {a}**({b} - 1)" if k == 0 else f"{out} * ln({a})"
    if op == "relu":
        return f"[{a} > 0]"
    if op == "abs":
        return f"sign({a})"
    if op == "tanh":
        return f"1 - {out}**2"
    if op == "sigmoid":
        return f"{out} * (1 - {out})"
    if op == "exp":
        return out
    if op == "log":
        return f"1/{a}"
    if op == "linear":
        n = len(prev) >> 1
        if k == 0:
            return "1"
        return names[prev[k + n]] if k <= n else names[prev[k - n]]
    return f"d{out}/d{names[prev[k]]}"


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Step:
    """One chain-rule addition of backward(): ``parent.grad += upstream * local``.

    ``index`` counts from 1; ``parent_index`` is the operand's position in
    ``child._prev``.  ``applied`` is False for an edge whose rule adds nothing
    (relu at or below 0): its contribution is reported as 0 and the grad is
    unchanged, exactly as in backward().
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

    def local_text(self, precision: int = 4) -> str:
        """The local derivative in words: ``dchild/dparent = formula = value``
        (the formula is left out when it is just the number)."""
        value = format_number(self.local, precision)
        formula = "" if self.formula == value else f"{self.formula} = "
        return f"d{self.child_name}/d{self.parent_name} = {formula}{value}"

    def describe(self, precision: int = 6) -> str:
        """The arithmetic of this step in one line."""

        def f(x: float) -> str:
            return format_number(x, precision)

        def operand(x: float) -> str:  # "2 * (-1)", not "2 * -1"
            return f"({f(x)})" if x < 0 else f(x)

        root, c, p = self.root_name, self.child_name, self.parent_name
        local = operand(self.local)
        if self.formula != f(self.local):
            local = f"({self.formula} = {f(self.local)})"
        return (
            f"d{root}/d{c} * d{c}/d{p} = {operand(self.upstream)} * {local} = {f(self.contribution)};  "
            f"{p}.grad = {operand(self.grad_before)} + {operand(self.contribution)} = {f(self.grad_after)}"
        )


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
        held = {n: n.grad for n in order if n._backward is None and n.grad}
    trace = BackwardTrace(root, order, names, seed, dict(running), held)
    steps = trace._steps
    root_name = names[root]
    for node in reversed(order):
        if node._backward is None:
            continue
        g = running[node]
        local = local_derivatives(node)
        touched = set()
        for k, amount in _rule_events(node, g):
            touched.add(k)
            parent = node._prev[k]
            before = running[parent]
            after = before + amount
            running[parent] = after
            steps.append(
                Step(
                    len(steps) + 1, node, parent, k, node._op, g, local[k], amount, before, after,
                    names[node], names[parent], root_name, _local_formula(node, k, names), True, trace,
                )
            )  # fmt: skip
        for k, parent in enumerate(node._prev):
            if k in touched:
                continue
            # The rule adds nothing along this edge (e.g. relu with input <= 0).
            before = running[parent]
            steps.append(
                Step(
                    len(steps) + 1, node, parent, k, node._op, g, local[k], 0.0, before, before,
                    names[node], names[parent], root_name, _local_formula(node, k, names), False, trace,
                )
            )  # fmt: skip
    return trace


class StepTable:
    """A readable table of backward steps: ``str()`` gives aligned plain text,
    Jupyter shows HTML (no pandas needed)."""

    HEADERS = ("#", "edge", "op", "upstream", "local", "contribution", "grad")

    def __init__(self, trace: BackwardTrace, precision: int = 4) -> None:
        self.trace = trace
        self.precision = precision

    def rows(self) -> list[tuple[str, ...]]:
        """One tuple of cell strings per step, preceded by the seed row."""

        def f(x: float) -> str:
            return format_number(x, self.precision)

        t = self.trace
        root = t.names[t.root]
        rows: list[tuple[str, ...]] = [
            ("0", f"{root} (seed)", "", "", "", "", f"d{root}/d{root} = {f(t.initial[t.root])}")
        ]
        for s in t:
            rows.append(
                (
                    str(s.index),
                    f"{s.parent_name} <- {s.child_name}",
                    s.op,
                    f"d{root}/d{s.child_name} = {f(s.upstream)}",
                    s.local_text(self.precision),
                    f(s.contribution),
                    f"{s.parent_name}.grad: {f(s.grad_before)} -> {f(s.grad_after)}",
                )
            )
        return rows

    def __str__(self) -> str:
        rows = [self.HEADERS, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADERS))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows()
        )
        return f'<table class="micrograd-steps"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        return str(self)


class _Seed:
    """A highlight that marks only the root: the state before any step."""

    def __init__(self, trace: BackwardTrace) -> None:
        self._trace = trace

    @property
    def child(self) -> Value:
        return self._trace.root

    @property
    def parent(self) -> Value:
        return self._trace.root

    @property
    def parent_index(self) -> int:
        return -1

    def grads(self) -> dict[Value, float]:
        return self._trace.grads_after(0)


def save_step_svgs(root: Value, out_dir: str | os.PathLike[str], **draw_kwargs: Any) -> list[Path]:
    """Write ``step_000.svg`` (just the seed) and one ``step_NNN.svg`` per
    backward step into ``out_dir``: each highlights that step's edge and shows
    the gradients as they stand after it.  Needs ``dot``; returns the paths.
    Step pictures left in ``out_dir`` by an earlier, longer trace are removed,
    so the folder holds exactly this trace's steps."""
    trace = backward_steps(root)
    out = Path(out_dir)
    paths = [atomic_write(out / "step_000.svg", render_svg(root, highlight=_Seed(trace), **draw_kwargs))]
    for step in trace:
        svg = render_svg(root, highlight=step, **draw_kwargs)
        paths.append(atomic_write(out / f"step_{step.index:03d}.svg", svg))
    for old in out.glob("step_*.svg"):
        if old not in paths and re.fullmatch(r"step_\d{3,}\.svg", old.name):
            old.unlink(missing_ok=True)
    return paths


# ---------------------------------------------------------------------------
# The chain rule in words
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One factor ``d upper / d lower`` of a path product, and its value."""

    upper: str
    lower: str
    value: float


@dataclass(frozen=True, eq=False)
class Explanation:
    """``d root / d wrt`` written out; ``str()`` for text, LaTeX in Jupyter.

    ``paths`` holds one list of factors per path (empty when the number of
    paths exceeded the limit; then ``lines`` shows the per-edge form).
    ``value`` is the derivative as the sum of the path products.
    """

    root_name: str
    wrt_name: str
    value: float
    paths: list[list[Factor]]
    path_count: int
    lines: list[str]
    precision: int

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_latex_(self) -> str:
        def name(s: str) -> str:
            return r"\mathrm{" + _latex_escape(s) + "}"

        def d(upper: str, lower: str) -> str:
            return r"\frac{\partial " + name(upper) + r"}{\partial " + name(lower) + "}"

        def num(x: float) -> str:
            text = format_number(x, self.precision)
            return f"({text})" if x < 0 else text

        lhs = d(self.root_name, self.wrt_name)
        total = format_number(self.value, self.precision)
        if not self.paths or not any(self.paths):
            body = r" \\ ".join(r"\text{" + _latex_escape(line) + "}" for line in self.lines)
            return "$$\\begin{array}{l}" + body + r"\end{array}$$"
        sym = " + ".join(r" \cdot ".join(d(f.upper, f.lower) for f in path) for path in self.paths)
        nums = " + ".join(r" \cdot ".join(num(f.value) for f in path) for path in self.paths)
        return f"$${lhs} = {sym} = {nums} = {total}$$"


def _latex_escape(s: str) -> str:
    out = []
    for ch in s:
        if ch == "\\":
            out.append(r"\backslash{}")
        elif ch in "_%$#&{}":
            out.append("\\" + ch)
        elif ch in "^~":
            out.append(r"\text{" + ch + "}")
        else:
            out.append(ch)
    return "".join(out)


def explain(
    root: Value,
    wrt: Value,
    *,
    max_paths: int = DEFAULT_MAX_PATHS,
    precision: int = 6,
) -> Explanation:
    """``d root / d wrt`` as the sum over every path from ``root`` down to
    ``wrt`` of the product of the local derivatives along the path.

    Only *labelled* nodes (plus ``root`` and ``wrt``) become factors: an
    unlabelled intermediate node is treated as internal to the derivative of
    the nearest labelled node above it.  For ``L = 0.5 * (y_hat - y)**2`` with
    only ``L`` and ``y_hat`` labelled, the factor ``dL/dy_hat`` is the exact
    product ``0.5 * 2*(y_hat - y) * 1`` (summed over all unlabelled routes)
    -- the ``y_hat - y`` of the hand derivation.  Label a node to make it a
    factor of its own.

    Printed as two lines, symbols then numbers, e.g.::

        dL/dm2 = dL/dy_hat * dy_hat/dz2 * dz2/dm2
        dL/dm2 = 2 * 1 * 6 = 12

    With more than ``max_paths`` paths it says so and prints the per-edge
    form instead (``dL/dv = sum over v's consumers c of dL/dc * dc/dv``,
    node by node), one line per labelled node however many paths there are
    (finding each labelled node's derivatives walks the unlabelled nodes
    below it, so shared unlabelled subgraphs are walked once per labelled
    node that uses them).  The total
    equals ``wrt.grad`` after ``root.backward()`` up to rounding (sums are
    taken in a different order than backward() takes them).
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError("explain(root, wrt) expects two Values")
    if not isinstance(max_paths, int) or isinstance(max_paths, bool) or max_paths < 1:
        raise ValueError(f"max_paths must be a positive int, got {max_paths!r}")
    _check_precision(precision)
    order = topological_order(root)
    names = node_names(order)
    r = names[root]
    w = names.get(wrt, wrt.label or "wrt")
    head = f"d{r}/d{w}"

    def fmt(x: float) -> str:
        return format_number(x, precision)

    def factor_text(x: float) -> str:
        return f"({fmt(x)})" if x < 0 else fmt(x)

    if wrt is root:
        return Explanation(r, w, 1.0, [[]], 1, [f"{head} = 1"], precision)
    index = {node: i for i, node in enumerate(order)}
    if wrt not in index:
        line = f"{head} = 0   ({r} does not depend on {w})"
        return Explanation(r, w, 0.0, [], 0, [line], precision)
    depends = {node: node is wrt for node in order}
    for node in order:  # parents come first, so their flags are final
        if not depends[node]:
            depends[node] = any(depends[p] for p in node._prev)

    keys = [n for n in order if depends[n] and (n.label or n is root or n is wrt)]
    keyset = set(keys)
    local_cache: dict[Value, list[float]] = {}

    def local(node: Value) -> list[float]:
        if node not in local_cache:
            local_cache[node] = local_derivatives(node)
        return local_cache[node]

    # The reduced graph: for each key node u, the total derivative du/dv to
    # every key node v reached through unlabelled nodes only (a small backward
    # pass from u that stops at key nodes).
    edges: dict[Value, list[tuple[Value, float]]] = {}
    for u in keys:
        if u is wrt:
            continue
        acc = {u: 1.0}
        heap = [-index[u]]
        reached: list[tuple[Value, float]] = []
        while heap:
            node = order[-heapq.heappop(heap)]
            a = acc[node]
            if node is not u and node in keyset:
                reached.append((node, a))
                continue
            for k, p in enumerate(node._prev):
                if not depends[p]:
                    continue
                term = a * local(node)[k]
                if p in acc:
                    acc[p] += term
                else:
                    acc[p] = term
                    heapq.heappush(heap, -index[p])
        edges[u] = reached

    count: dict[Value, int] = {wrt: 1}
    for u in keys:  # ascending topological order: every v below u is counted first
        if u is not wrt:
            count[u] = sum(count[v] for v, _ in edges[u])
    total_paths = count[root]

    if total_paths <= max_paths:
        paths: list[list[Factor]] = []
        # Depth-first with an explicit stack, so a long chain cannot hit the
        # recursion limit; children are pushed reversed to come out in order.
        stack: list[tuple[Value, list[Factor]]] = [(root, [])]
        while stack:
            u, prefix = stack.pop()
            if u is wrt:
                paths.append(prefix)
                continue
            for v, weight in reversed(edges[u]):
                stack.append((v, [*prefix, Factor(names[u], names[v], weight)]))
        value = 0.0
        for path in paths:
            prod = 1.0
            for f in path:
                prod *= f.value
            value += prod
        if len(paths) == 1 and len(paths[0]) == 1:
            lines = [f"{head} = {fmt(value)}"]
        else:
            sym = " + ".join(" * ".join(f"d{f.upper}/d{f.lower}" for f in path) for path in paths)
            # Negative factors get parentheses, except a leading one: "-1 * (-2) + 3 * (-4)".
            nums = " + ".join(
                " * ".join(fmt(f.value) if i == j == 0 else factor_text(f.value) for i, f in enumerate(path))
                for j, path in enumerate(paths)
            )
            lines = [f"{head} = {sym}", f"{head} = {nums} = {fmt(value)}"]
        return Explanation(r, w, value, paths, total_paths, lines, precision)

    # Too many paths: the per-edge (adjoint) form, node by node from the top.
    adjoint: dict[Value, float] = {root: 1.0}
    consumers: dict[Value, list[tuple[Value, float]]] = {}
    for u in keys:
        for v, weight in edges.get(u, []):
            consumers.setdefault(v, []).append((u, weight))
    lines = [
        f"{head}: {total_paths} paths lead from {r} to {w}, more than max_paths={max_paths}; "
        f"showing the chain rule edge by edge instead (d{r}/dv = the sum, over the nodes that use v, "
        f"of d{r}/d(node) * d(node)/dv):"
    ]
    for v in reversed(keys):
        if v is root or v not in consumers:
            continue
        terms = consumers[v]
        total = 0.0
        for u, weight in terms:
            total += adjoint[u] * weight
        adjoint[v] = total
        sym = " + ".join(f"d{r}/d{names[u]} * d{names[u]}/d{names[v]}" for u, _ in terms)
        nums = " + ".join(f"{factor_text(adjoint[u])} * {factor_text(wt)}" for u, wt in terms)
        lines.append(f"d{r}/d{names[v]} = {sym} = {nums} = {fmt(total)}")
    return Explanation(r, w, adjoint.get(wrt, 0.0), [], total_paths, lines, precision)
