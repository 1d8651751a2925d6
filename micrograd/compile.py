"""Compile a scalar function once, then replay it for a whole batch with numpy.

The eager engine builds a new Python object per scalar per sample, although
training repeats the same graph for every sample.  :func:`compile_fn` traces
the function once (:func:`micrograd.tape.trace`), and replays the recorded
tape on a batch: every tape slot becomes one numpy row with the batch on the
last axis, so one numpy call computes an op for all samples at once.

It goes one step further than one numpy call per node: nodes are grouped by
*topological level* (1 + the largest level of their operands) and op, and each
group is a single vectorised call.  The ``linear`` nodes of one level and
fan-in form one group: one matrix product ``Z = W @ X + b`` when they read the
same inputs, as a layer's neurons do (``W`` is ``neurons x inputs``, ``X`` is
``inputs x batch``), else one batched ``(nodes, fan-in, batch)`` product.  So
the number of Python-level steps per batch grows with the depth of the graph,
not its size (``CompiledFunction.stats`` shows both).  Chains of ``+`` (``sum(...)`` in Python
builds one) are first flattened into a single n-ary sum, so a sum over 2,000
terms is one step rather than 2,000 levels.

Two storage domains keep batch-independent work scalar: rows that depend on
an input live in ``V`` (``rows x batch``); parameters, constants and anything
computed from them alone (a weight-decay term) live in ``S`` (``rows x 1``) and
broadcast.  Gradients flowing into an ``S`` row are summed over the batch.

Semantics of a compiled call on a batch of ``B`` samples, where ``fn`` returns
a per-sample loss ``l_i`` (first result):

    loss = (1/B) sum_i l_i        (reduction="mean"; "sum" drops the 1/B)
    p.grad += d loss / d p        for every parameter p (leaves accumulate, as eagerly)

so ``fn = lambda x, y: relu(1 - y * model(x)) + 1e-4 * sum(p * p)`` gives the
mean hinge loss plus the weight decay, exactly as the eager full-batch loss.
Parameters' ``.data`` is read on every call, so an optimizer may update them
between calls.

Usage::

    model = MLP(2, [16, 16, 1])
    params = model.parameters()

    def loss_fn(x, y):                      # one sample: x a list of Values, y a Value
        return (1 - y * model(x)).relu() + 1e-4 * sum(p * p for p in params)

    step = compile_fn(loss_fn, (X[0], y[0]), params=params)   # trace once
    for k in range(100):
        model.zero_grad()
        result = step(X, y)                 # X: (B, 2), y: (B,); fills p.grad
        for p in params:
            p.data -= 0.1 * p.grad

Limits (see :mod:`micrograd.tape`): no data-dependent control flow (detected
for comparisons, ``bool()`` and ``float()`` on Values), and where the eager
engine raises on a bad value (division by zero, ``log`` of a non-positive
number, ``exp`` overflow, a negative base to a fractional power) the compiled
replay produces ``inf``/``nan`` like numpy, unless ``check_finite=True``,
which raises :class:`~micrograd.engine.AnomalyError` naming the first op
whose forward value or backward gradient is not finite (a debugging aid: it
scans the buffers after every op group: a forward+backward step of the digits
net, batch 32, takes ~15% longer).  Results
equal the eager engine's up to floating-point reassociation (a matrix product
adds in a different order), ~1e-15 relative.
"""

from __future__ import annotations

import contextlib
import importlib
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from micrograd.engine import AnomalyError, Value, linear, no_grad, values
from micrograd.tape import Tape, TracingError, logsumexp, trace

__all__ = [
    "COMPILED_LOSSES",
    "CompiledFunction",
    "StepResult",
    "TracingError",
    "compile_fn",
    "compiled_step_fn",
    "logsumexp",
    "per_sample_loss",
    "svm_loss_fn",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]
Index = slice | IntArray
Reduction = Literal["mean", "sum"]
Bufs = tuple[Array, Array]
# A group key: (level, op kind, result domain, what else must match).
_Key = tuple[int, str, int, tuple[int, ...]]

# Storage domains: S rows are batch invariant (width 1), V rows per sample (width B).
INV, VAR = 0, 1

_get_data = operator.attrgetter("data")

_blas_controller: Any = None


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Limit BLAS to one thread for the duration of a replay.

    The products here are small (a layer's weights times a batch); threading
    them only adds synchronisation, and on a busy machine a multi-threaded
    BLAS stalls: on the 2-core development machine, under load, a ``32x64 @ 64x1437`` product took
    17.9 ms with OpenBLAS's 2 threads and 0.16 ms with one.  Uses
    ``threadpoolctl`` (installed with scikit-learn) when present, ~10 us per
    call; without it BLAS keeps its own setting.
    """
    global _blas_controller
    if _blas_controller is None:
        try:
            # Imported by name: an optional dependency without type stubs.
            _blas_controller = importlib.import_module("threadpoolctl").ThreadpoolController()
        except ImportError:  # pragma: no cover - depends on the environment
            _blas_controller = False
    if _blas_controller is False:
        return contextlib.nullcontext()
    limited: contextlib.AbstractContextManager[object] = _blas_controller.limit(limits=1, user_api="blas")
    return limited


def _index(rows: Sequence[int]) -> Index:
    """A slice when the rows are consecutive (a view, no copy), else an index array."""
    arr = np.asarray(rows, dtype=np.intp)
    if len(arr) and (len(arr) == 1 or bool(np.all(np.diff(arr) == 1))):
        return slice(int(arr[0]), int(arr[0]) + len(arr))
    return arr


class _Scatter:
    """``target[rows] += contrib`` that is correct when rows repeat (``x * x``,
    or one input feeding several neurons) and that sums over the batch when
    the target is a width-1 (batch-invariant) row."""

    def __init__(self, rows: Sequence[int]) -> None:
        arr = np.asarray(rows, dtype=np.intp)
        self.duplicates = len(np.unique(arr)) != len(arr)
        self.index = _index(rows)
        if self.duplicates:
            # Sorting once lets reduceat add the repeated rows' contributions.
            self.order = np.argsort(arr, kind="stable")
            self.unique, self.starts = np.unique(arr[self.order], return_index=True)

    def add(self, target: Array, contrib: Array) -> None:
        if target.shape[1] == 1 and contrib.shape[1] != 1:
            contrib = contrib.sum(axis=1, keepdims=True)
        if self.duplicates:
            target[self.unique] += np.add.reduceat(contrib[self.order], self.starts, axis=0)
        else:
            target[self.index] += contrib


class _Operand:
    """The rows of ``k`` operand slots, gathered as a ``(k, width)`` array.
    The slots may come from both domains (then the invariant ones broadcast)."""

    def __init__(self, slots: Sequence[int], dom: Sequence[int], row: Sequence[int], needs: Sequence[bool]):
        self.k = len(slots)
        doms = [dom[s] for s in slots]
        rows = [row[s] for s in slots]
        self.needs_grad = any(needs[s] for s in slots)
        self.dom = VAR if VAR in doms else INV
        self.single = len(set(doms)) <= 1
        if self.single:
            self.index = _index(rows)
            self.scatter = _Scatter(rows)
        else:
            var = [i for i, d in enumerate(doms) if d == VAR]
            inv = [i for i, d in enumerate(doms) if d == INV]
            self.var_pos, self.inv_pos = _index(var), _index(inv)
            self.var_index = _index([rows[i] for i in var])
            self.inv_index = _index([rows[i] for i in inv])
            self.var_scatter = _Scatter([rows[i] for i in var])
            self.inv_scatter = _Scatter([rows[i] for i in inv])

    def get(self, bufs: Bufs) -> Array:
        if self.single:
            return bufs[self.dom][self.index]
        out = np.empty((self.k, bufs[VAR].shape[1]))
        out[self.var_pos] = bufs[VAR][self.var_index]
        out[self.inv_pos] = bufs[INV][self.inv_index]
        return out

    def add(self, grads: Bufs, contrib: Array) -> None:
        if not self.needs_grad:
            return
        if self.single:
            self.scatter.add(grads[self.dom], contrib)
            return
        contrib = np.broadcast_to(contrib, (self.k, grads[VAR].shape[1]))
        self.var_scatter.add(grads[VAR], contrib[self.var_pos])
        self.inv_scatter.add(grads[INV], contrib[self.inv_pos])


def _dpow(x: Array, y: Array | float) -> Array:
    """d(x**y)/dx = y * x**(y-1), exactly 0 where y == 0 (x**0 is constant),
    +-inf where x**(y-1) divides by zero, as the eager engine and PyTorch."""
    return np.where(np.equal(y, 0), 0.0, y * np.power(x, np.subtract(y, 1)))


def _sigmoid(x: Array) -> Array:
    # exp only ever sees -|x| <= 0, so it cannot overflow.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# Forward rules f(x, c) -> y and local-derivative rules (g, x, y, c) -> g * dy/dx
# for the unary ops; c is the per-node exponent of "**c" (k x 1), else unused.
_UNARY_FORWARD: dict[str, Callable[[Array, Array], Array]] = {
    "neg": lambda x, c: -x,
    "relu": lambda x, c: np.where(x <= 0, 0.0, x),
    "tanh": lambda x, c: np.tanh(x),
    "sigmoid": lambda x, c: _sigmoid(x),
    "exp": lambda x, c: np.exp(x),
    "log": lambda x, c: np.log(x),
    "abs": lambda x, c: np.abs(x),
    "**c": lambda x, c: np.power(x, c),
    "detach": lambda x, c: x,
}
_UNARY_BACKWARD: dict[str, Callable[[Array, Array, Array, Array], Array]] = {
    "neg": lambda g, x, y, c: -g,
    # "not y <= 0" rather than "y > 0", as the engine: a NaN passes its gradient.
    "relu": lambda g, x, y, c: np.where(y <= 0, 0.0, g),
    # (1-t)(1+t) rather than 1 - t*t: exact from the rounded t near saturation, as in the engine
    "tanh": lambda g, x, y, c: g * ((1.0 - y) * (1.0 + y)),
    "sigmoid": lambda g, x, y, c: g * y * (1.0 - y),
    "exp": lambda g, x, y, c: g * y,
    "log": lambda g, x, y, c: g / x,
    "abs": lambda g, x, y, c: np.where(x > 0, g, np.where(x < 0, -g, 0.0)),
    "**c": lambda g, x, y, c: g * _dpow(x, c),
}


def _pow_exponent_grad(g: Array, a: Array, b: Array, y: Array) -> Array:
    """d(a**b)/db = a**b * ln(a); PyTorch's convention where ln(a) is undefined:
    0 at a == 0 with b >= 0, NaN for a < 0 or a NaN exponent (as the engine)."""
    log_a = np.log(np.where(a > 0, a, 1.0))
    return np.where(a > 0, g * y * log_a, np.where((a == 0) & (b >= 0), 0.0, np.nan))


_BINARY_FORWARD: dict[str, Callable[[Array, Array], Array]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "**": np.power,
}
_BINARY_BACKWARD: dict[str, Callable[[Array, Array, Array, Array], tuple[Array, Array]]] = {
    "+": lambda g, a, b, y: (g, g),
    "-": lambda g, a, b, y: (g, -g),
    "*": lambda g, a, b, y: (g * b, g * a),
    "/": lambda g, a, b, y: (g / b, -(g * y / b)),
    "**": lambda g, a, b, y: (g * _dpow(a, b), _pow_exponent_grad(g, a, b, y)),
}


class _Group:
    """``k`` tape nodes of one op at one level, computed by one numpy call.
    Their results occupy the consecutive rows ``out`` of domain ``dom``."""

    op: str
    dom: int
    out: slice
    level: int

    def forward(self, bufs: Bufs) -> None:
        raise NotImplementedError

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        raise NotImplementedError


class _Unary(_Group):
    def __init__(self, op: str, a: _Operand, consts: Array) -> None:
        self.op, self.a, self.c = op, a, consts

    def forward(self, bufs: Bufs) -> None:
        bufs[self.dom][self.out] = _UNARY_FORWARD[self.op](self.a.get(bufs), self.c)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        if self.op == "detach" or not self.a.needs_grad:
            return
        g = grads[self.dom][self.out]
        y = bufs[self.dom][self.out]
        self.a.add(grads, _UNARY_BACKWARD[self.op](g, self.a.get(bufs), y, self.c))


class _Binary(_Group):
    def __init__(self, op: str, a: _Operand, b: _Operand) -> None:
        self.op, self.a, self.b = op, a, b

    def forward(self, bufs: Bufs) -> None:
        bufs[self.dom][self.out] = _BINARY_FORWARD[self.op](self.a.get(bufs), self.b.get(bufs))

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        g = grads[self.dom][self.out]
        if self.op in ("+", "-"):  # no operand values needed
            ga, gb = g, (g if self.op == "+" else -g)
        else:
            ga, gb = _BINARY_BACKWARD[self.op](
                g, self.a.get(bufs), self.b.get(bufs), bufs[self.dom][self.out]
            )
        self.a.add(grads, ga)
        self.b.add(grads, gb)


class _Sum(_Group):
    """n-ary sums (flattened ``+`` chains); terms are added in the chain's order."""

    def __init__(self, terms: _Operand, starts: IntArray, segment: IntArray) -> None:
        self.op, self.terms, self.starts, self.segment = "sum", terms, starts, segment

    def forward(self, bufs: Bufs) -> None:
        bufs[self.dom][self.out] = np.add.reduceat(self.terms.get(bufs), self.starts, axis=0)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        self.terms.add(grads, grads[self.dom][self.out][self.segment])


class _LogSumExp(_Group):
    """``k`` logsumexp nodes of fan-in ``n``: a ``(k, n, width)`` reduction."""

    def __init__(self, terms: _Operand, k: int, n: int) -> None:
        self.op, self.terms, self.k, self.n = "logsumexp", terms, k, n

    def _x(self, bufs: Bufs) -> Array:
        return self.terms.get(bufs).reshape(self.k, self.n, -1)

    def forward(self, bufs: Bufs) -> None:
        x = self._x(bufs)
        m = x.max(axis=1)
        shifted = m + np.log(np.exp(x - m[:, None, :]).sum(axis=1))
        # An infinite max (all -inf, or some +inf) would give NaN through inf - inf.
        bufs[self.dom][self.out] = np.where(np.isinf(m), m, shifted)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        if not self.terms.needs_grad:
            return
        g = grads[self.dom][self.out]
        y = bufs[self.dom][self.out]
        contrib = g[:, None, :] * np.exp(self._x(bufs) - y[:, None, :])
        self.terms.add(grads, contrib.reshape(self.k * self.n, -1))


class _MatmulLinear(_Group):
    """``linear`` nodes sharing their inputs, with batch-invariant weights:
    ``Z = W @ X + b`` where ``W`` is ``k x n`` and ``X`` is ``n x width``.

    dZ/dW = X (so dW = G @ X.T), dZ/dX = W (dX = W.T @ G), dZ/db = 1.
    """

    def __init__(self, bias: _Operand, w_rows: IntArray, w_needs: bool, x: _Operand) -> None:
        self.op, self.bias, self.x = "linear", bias, x
        self.w_rows, self.w_needs = w_rows, w_needs
        self.w_scatter = _Scatter(w_rows.ravel().tolist())

    def forward(self, bufs: Bufs) -> None:
        w = bufs[INV][self.w_rows, 0]
        bufs[self.dom][self.out] = w @ self.x.get(bufs) + self.bias.get(bufs)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        g = grads[self.dom][self.out]
        if self.w_needs:
            x = self.x.get(bufs)
            # Batch-invariant inputs with a per-sample bias: sum G over the batch first.
            gw = g.sum(axis=1, keepdims=True) if x.shape[1] != g.shape[1] else g
            dw = gw @ x.T
            self.w_scatter.add(grads[INV], dw.reshape(-1, 1))
        if self.x.needs_grad:
            self.x.add(grads, bufs[INV][self.w_rows, 0].T @ g)
        self.bias.add(grads, g)


class _GenericLinear(_Group):
    """``linear`` nodes of fan-in ``n`` whose weights depend on the sample:
    ``z = b + sum_i w_i x_i`` as a ``(k, n, width)`` product summed over ``n``."""

    def __init__(self, bias: _Operand, w: _Operand, x: _Operand, k: int, n: int) -> None:
        self.op, self.bias, self.w, self.x, self.k, self.n = "linear", bias, w, x, k, n

    def forward(self, bufs: Bufs) -> None:
        w = self.w.get(bufs).reshape(self.k, self.n, -1)
        x = self.x.get(bufs).reshape(self.k, self.n, -1)
        bufs[self.dom][self.out] = (w * x).sum(axis=1) + self.bias.get(bufs)

    def backward(self, bufs: Bufs, grads: Bufs) -> None:
        g = grads[self.dom][self.out]
        g3 = g[:, None, :]
        if self.w.needs_grad:
            x = self.x.get(bufs).reshape(self.k, self.n, -1)
            self.w.add(grads, (g3 * x).reshape(self.k * self.n, -1))
        if self.x.needs_grad:
            w = self.w.get(bufs).reshape(self.k, self.n, -1)
            self.x.add(grads, (g3 * w).reshape(self.k * self.n, -1))
        self.bias.add(grads, g)


# ---------------------------------------------------------------------------
# Planning: tape -> groups.
# ---------------------------------------------------------------------------


@dataclass
class _Node:
    slot: int
    op: str
    args: tuple[int, ...]
    const: float


def _flatten_sums(tape: Tape, dom: list[int]) -> list[_Node]:
    """Interior nodes in topological order, with ``+`` chains merged into "sum"
    nodes.  A ``+`` node is absorbed into the ``+`` that uses it when that is
    its only use, it is not a result, and both live in the same domain."""
    uses = [0] * len(tape.ops)
    for args in tape.args:
        for a in args:
            uses[a] += 1
    for s in tape.output_slots:
        uses[s] += 1
    terms: dict[int, list[int]] = {}
    absorbed: set[int] = set()
    nodes: list[_Node] = []
    for s, op in enumerate(tape.ops):
        if op in ("input", "param", "const"):
            continue
        args = tape.args[s]
        if op == "+":
            flat: list[int] = []
            for a in args:
                if tape.ops[a] == "+" and uses[a] == 1 and dom[a] == dom[s]:
                    flat.extend(terms[a])
                    absorbed.add(a)
                else:
                    flat.append(a)
            terms[s] = flat
        nodes.append(_Node(s, op, args, tape.consts[s]))
    out: list[_Node] = []
    for node in nodes:
        if node.slot in absorbed:
            continue
        if node.op == "+" and len(terms[node.slot]) > 2:
            node = _Node(node.slot, "sum", tuple(terms[node.slot]), 0.0)
        out.append(node)
    return out


def _linear_parts(node: _Node) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    n = (len(node.args) - 1) // 2
    return node.args[0], node.args[1 : n + 1], node.args[n + 1 :]


class _Plan:
    """The grouped, row-allocated program for one tape."""

    def __init__(self, tape: Tape) -> None:
        n = len(tape.ops)
        dom = [VAR if op == "input" else INV for op in tape.ops]
        for s, args in enumerate(tape.args):
            if args:
                dom[s] = VAR if any(dom[a] == VAR for a in args) else INV
        nodes = _flatten_sums(tape, dom)

        level = [0] * n
        needs = [op == "param" for op in tape.ops]
        for node in nodes:
            level[node.slot] = 1 + max((level[a] for a in node.args), default=0)
            needs[node.slot] = any(needs[a] for a in node.args)
        # Only nodes the loss depends on receive a gradient.
        ancestor = [False] * n
        node_of = {node.slot: node for node in nodes}
        if tape.output_slots:
            stack = [tape.output_slots[0]]
            while stack:
                s = stack.pop()
                if ancestor[s]:
                    continue
                ancestor[s] = True
                if s in node_of:
                    stack.extend(node_of[s].args)

        # Group by (level, op, domains ...); dicts keep first-seen order.  Nodes
        # the loss depends on never share a group with nodes it does not: the
        # latter's zero gradients times an inf or NaN of theirs (an extra
        # result's log(0)) would give NaN in the shared backward call.
        buckets: dict[_Key, list[_Node]] = {}
        for node in nodes:
            key = self._key(node, level, dom)
            key = (*key[:3], (*key[3], int(ancestor[node.slot])))
            buckets.setdefault(key, []).append(node)
        # sorted() is stable: within a level, groups keep first-seen order.
        ordered = sorted(buckets.items(), key=lambda kv: kv[0][0])

        # Rows: parameters, then constants, then group results (S); inputs,
        # then group results (V).  Each group's results are consecutive.
        row = [-1] * n
        counts = [0, 0]
        for s in tape.param_slots:
            row[s] = counts[INV]
            counts[INV] += 1
        const_slots = [s for s, op in enumerate(tape.ops) if op == "const"]
        for s in const_slots:
            row[s] = counts[INV]
            counts[INV] += 1
        for s in tape.input_slots:
            row[s] = counts[VAR]
            counts[VAR] += 1
        for key, members in ordered:
            d = key[2]
            for node in members:
                row[node.slot] = counts[d]
                counts[d] += 1

        self.groups: list[_Group] = []
        self.backward_groups: list[_Group] = []
        for key, members in ordered:
            group = self._build(key[1], members, dom, row, needs)
            group.level, group.dom = key[0], key[2]
            first = row[members[0].slot]
            group.out = slice(first, first + len(members))
            self.groups.append(group)
            if any(ancestor[m.slot] and needs[m.slot] for m in members):
                self.backward_groups.append(group)
        self.backward_groups.reverse()

        self.n_rows = (counts[INV], counts[VAR])
        self.n_params = len(tape.param_slots)
        self.n_inputs = len(tape.input_slots)
        self.const_rows = [row[s] for s in const_slots]
        self.const_values = np.array([tape.consts[s] for s in const_slots], dtype=np.float64)
        self.out_dom = [dom[s] for s in tape.output_slots]
        self.out_row = [row[s] for s in tape.output_slots]
        self.n_nodes = len(nodes)
        self.depth = max((level[node.slot] for node in nodes), default=0)

    @staticmethod
    def _key(node: _Node, level: list[int], dom: list[int]) -> _Key:
        lv, d = level[node.slot], dom[node.slot]
        if node.op == "linear":
            _, ws, xs = _linear_parts(node)
            invariant = all(dom[w] == INV for w in ws) or all(dom[x] == INV for x in xs)
            return (lv, "linear", d, (len(ws), int(invariant)))
        if node.op == "sum":
            return (lv, "sum", d, ())
        if node.op == "logsumexp":
            return (lv, "logsumexp", d, (len(node.args),))
        return (lv, node.op, d, tuple(dom[a] for a in node.args))

    @staticmethod
    def _build(kind: str, members: list[_Node], dom: list[int], row: list[int], needs: list[bool]) -> _Group:
        def operand(slots: Sequence[int]) -> _Operand:
            return _Operand(slots, dom, row, needs)

        k = len(members)
        if kind == "linear":
            # w.x = x.w: orient every node so that its batch-invariant side (if
            # any) is the weights.
            biases, ws, xs = [], [], []
            for node in members:
                b, w, x = _linear_parts(node)
                if not all(dom[s] == INV for s in w) and all(dom[s] == INV for s in x):
                    w, x = x, w
                biases.append(b)
                ws.append(w)
                xs.append(x)
            n = len(ws[0])
            if len(set(xs)) == 1 and all(dom[s] == INV for w in ws for s in w):
                # A layer: every neuron reads the same inputs -> one matrix product.
                w_rows = np.array([[row[s] for s in w] for w in ws], dtype=np.intp).reshape(k, n)
                w_needs = any(needs[s] for w in ws for s in w)
                return _MatmulLinear(operand(biases), w_rows, w_needs, operand(xs[0]))
            # Different inputs per node: one (k, n, batch) product summed over n.
            return _GenericLinear(
                operand(biases),
                operand([s for w in ws for s in w]),
                operand([s for x in xs for s in x]),
                k,
                n,
            )
        if kind == "sum":
            flat = [s for node in members for s in node.args]
            lengths = [len(node.args) for node in members]
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
            segment = np.repeat(np.arange(k, dtype=np.intp), lengths)
            return _Sum(operand(flat), starts, segment)
        if kind == "logsumexp":
            n = len(members[0].args)
            return _LogSumExp(operand([s for node in members for s in node.args]), k, n)
        if kind in _BINARY_FORWARD:
            return _Binary(kind, operand([m.args[0] for m in members]), operand([m.args[1] for m in members]))
        if kind in _UNARY_FORWARD:
            consts = np.array([[m.const] for m in members], dtype=np.float64)
            return _Unary(kind, operand([m.args[0] for m in members]), consts)
        raise TracingError(f"op {kind!r} is not supported by the compiler")


# ---------------------------------------------------------------------------
# The public API.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    """What a compiled training call returns.

    ``loss``     the reduced (mean or sum over the batch) first result of fn;
    ``outputs``  every result of fn for every sample, shaped like fn's return
                 value: a scalar result becomes an array ``(B,)``, a list of
                 ``n`` Values an array ``(B, n)``; a tuple stays a tuple.
    """

    loss: float
    outputs: object


class CompiledFunction:
    """A traced function replayed on batches.  Made by :func:`compile_fn`.

    ``f(*batch)`` runs forward and backward and returns a :class:`StepResult`;
    ``f.forward(*batch)`` runs forward only and returns the outputs.  Each
    batch argument matches one example input: an array ``(B,)`` for a scalar
    input, ``(B, n)`` for a list of ``n`` (one row per sample, as data sets
    are usually stored).
    """

    def __init__(
        self,
        tape: Tape,
        reduction: Reduction = "mean",
        check_finite: bool = False,
        compile_seconds: float = 0.0,
        single_blas_thread: bool = True,
    ) -> None:
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if not tape.input_shapes:
            raise ValueError("a compiled function needs at least one input: the batch size comes from it")
        self.tape = tape
        self.params: list[Value] = list(tape.params)
        self.reduction: Reduction = reduction
        self.check_finite = check_finite
        self.compile_seconds = compile_seconds
        self._plan = _Plan(tape)
        self._inv = np.zeros((self._plan.n_rows[INV], 1))
        self._inv[self._plan.const_rows, 0] = self._plan.const_values
        self._blas: Callable[[], contextlib.AbstractContextManager[object]] = (
            _one_blas_thread if single_blas_thread else contextlib.nullcontext
        )

    @property
    def stats(self) -> dict[str, int]:
        """Sizes: tape slots, interior nodes after sum flattening, depth (levels),
        numpy groups run forward / backward per batch (the Python-level steps)."""
        plan = self._plan
        return {
            "slots": len(self.tape),
            "nodes": plan.n_nodes,
            "depth": plan.depth,
            "params": plan.n_params,
            "forward_groups": len(plan.groups),
            "backward_groups": len(plan.backward_groups),
        }

    def _batch(self, batch: Sequence[object]) -> Array:
        """Stack the batch arguments into the ``inputs x B`` matrix."""
        shapes = self.tape.input_shapes
        if len(batch) != len(shapes):
            raise TypeError(f"compiled function takes {len(shapes)} batch arguments, got {len(batch)}")
        columns: list[Array] = []
        size: int | None = None
        for i, (arg, shape) in enumerate(zip(batch, shapes)):
            try:
                arr = np.asarray(arg, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"batch argument {i} is not numeric: {exc}") from None
            if shape is None:
                if arr.ndim != 1:
                    raise ValueError(f"batch argument {i} must have shape (B,), got {arr.shape}")
                arr = arr[:, None]
            elif arr.ndim != 2 or arr.shape[1] != shape:
                raise ValueError(f"batch argument {i} must have shape (B, {shape}), got {arr.shape}")
            if size is None:
                size = arr.shape[0]
            elif arr.shape[0] != size:
                raise ValueError(f"batch argument {i} has {arr.shape[0]} samples, argument 0 has {size}")
            columns.append(arr)
        if not size:
            raise ValueError("the batch is empty")
        stacked: Array = np.concatenate(columns, axis=1)
        return np.transpose(stacked)

    def _forward(self, batch: Sequence[object]) -> Bufs:
        x = self._batch(batch)
        plan = self._plan
        var = np.empty((plan.n_rows[VAR], x.shape[1]))
        var[: plan.n_inputs] = x
        inv = self._inv
        if plan.n_params:
            inv[: plan.n_params, 0] = np.fromiter(map(_get_data, self.params), np.float64, plan.n_params)
        bufs: Bufs = (inv, var)
        with np.errstate(all="ignore"), self._blas():
            for group in plan.groups:
                group.forward(bufs)
                if self.check_finite and not np.isfinite(bufs[group.dom][group.out]).all():
                    raise AnomalyError(f"compiled op {group.op!r} at level {group.level} produced NaN or inf")
        return bufs

    def _outputs(self, bufs: Bufs) -> object:
        size = bufs[VAR].shape[1]
        flat = [
            bufs[VAR][r].copy() if d == VAR else np.full(size, bufs[INV][r, 0])
            for d, r in zip(self._plan.out_dom, self._plan.out_row)
        ]
        shaped: list[Array] = []
        pos = 0
        for shape in self.tape.output_shapes:
            if shape is None:
                shaped.append(flat[pos])
                pos += 1
            else:
                shaped.append(np.stack(flat[pos : pos + shape], axis=1))
                pos += shape
        return tuple(shaped) if self.tape.output_is_tuple else shaped[0]

    def forward(self, *batch: object) -> object:
        """Evaluate fn on every sample; no gradients.  Returns arrays shaped like
        fn's results (see :class:`StepResult`)."""
        return self._outputs(self._forward(batch))

    def __call__(self, *batch: object) -> StepResult:
        """Forward and backward on the batch: ``p.grad += d loss / d p``."""
        if self.tape.output_shapes[0] is not None:
            raise ValueError("backward needs fn's first result to be a single Value (the per-sample loss)")
        bufs = self._forward(batch)
        plan = self._plan
        size = bufs[VAR].shape[1]
        grads: Bufs = (np.zeros_like(bufs[INV]), np.zeros_like(bufs[VAR]))
        loss_dom, loss_row = plan.out_dom[0], plan.out_row[0]
        seed = 1.0 / size if self.reduction == "mean" else 1.0
        if loss_dom == INV:  # the same loss for every sample: B copies of it
            seed *= size
        grads[loss_dom][loss_row] = seed
        with np.errstate(all="ignore"), self._blas():
            for group in plan.backward_groups:
                group.backward(bufs, grads)
                if self.check_finite and not all(np.isfinite(g).all() for g in grads):
                    # Raised before any p.grad is touched.
                    raise AnomalyError(
                        f"backward of compiled op {group.op!r} at level {group.level} "
                        "produced a NaN or inf gradient"
                    )
        for p, g in zip(self.params, grads[INV][: plan.n_params, 0].tolist()):
            p.grad += g
        losses = bufs[loss_dom][loss_row]
        total = float(losses.sum()) * (size if loss_dom == INV else 1)
        loss = total / size if self.reduction == "mean" else total
        return StepResult(loss=loss, outputs=self._outputs(bufs))

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"CompiledFunction({s['slots']} slots, depth {s['depth']}, {s['forward_groups']} forward / "
            f"{s['backward_groups']} backward groups, {s['params']} params, reduction={self.reduction!r})"
        )


def compile_fn(
    fn: Callable[..., object],
    example_inputs: Sequence[object],
    *,
    params: Sequence[Value] | None = None,
    reduction: Reduction = "mean",
    check_finite: bool = False,
) -> CompiledFunction:
    """Trace ``fn`` once on ``example_inputs`` and compile it for batches.

    ``fn(*args)`` receives, per entry of ``example_inputs``, a Value (for a
    number) or a list of Values (for a sequence), and returns the per-sample
    loss Value, or a tuple ``(loss, extra, ...)`` whose extras (Values or lists
    of Values, e.g. the model's score) are returned but not differentiated.

    Parameters are ``params`` if given, else the leaves of the graph that are
    not inputs and were not created inside ``fn`` (numbers that ``fn`` lifts
    to Values are constants, baked into the tape).

    >>> from micrograd.nn import MLP
    >>> model = MLP(2, [4, 1], seed=0)
    >>> f = compile_fn(lambda x, y: (1 - y * model(x)).relu(), ([0.0, 0.0], 1.0))
    >>> step = f(np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([1.0, -1.0]))
    >>> isinstance(step.loss, float)
    True
    """
    start = time.perf_counter()
    tape = trace(fn, example_inputs, params)
    compiled = CompiledFunction(tape, reduction, check_finite, 0.0)
    compiled.compile_seconds = time.perf_counter() - start
    return compiled


def svm_loss_fn(
    model: Callable[[list[Value]], object], params: Sequence[Value], alpha: float = 1e-4
) -> Callable[[list[Value], Value], tuple[Value, Value]]:
    """The per-sample form of the demo's max-margin loss, for :func:`compile_fn`:
    ``relu(1 - y * score(x)) + alpha * sum(p * p)`` with ``y`` in {-1, +1}.
    Its batch mean is the eager full-batch loss (the weight decay does not
    depend on the sample).  Returns ``(loss, score)``."""
    params = list(params)

    def fn(x: list[Value], y: Value) -> tuple[Value, Value]:
        score = model(x)
        if not isinstance(score, Value):
            raise TypeError("svm_loss_fn needs a model with a single output")
        reg = alpha * sum((p * p for p in params), Value(0.0))
        return (1 - y * score).relu() + reg, score

    return fn


# ---------------------------------------------------------------------------
# Training-loop integration: a drop-in ``step_fn`` for micrograd.train.fit.
# ---------------------------------------------------------------------------

COMPILED_LOSSES = ("hinge", "bce", "cross_entropy")


def _softplus(z: Value) -> Value:
    """log(1 + e**z) = (z + |z|)/2 + log(1 + e**-|z|);  d/dz = sigmoid(z).

    One branch-free formula that never exponentiates a positive number (the
    eager loss branches on z's sign, which a tape cannot replay).  ``(z+|z|)/2``
    rather than ``relu(z)`` because of z == 0, which a network with dead units
    really produces: with the engine's |z|' = 0 there, the derivative is
    1/2 + 0 = sigmoid(0), where relu'(0) = 0 would give 0."""
    magnitude = z.abs()
    return 0.5 * (z + magnitude) + (1 + (-magnitude).exp()).log()


def _as_values(out: object) -> list[Value]:
    items = out if isinstance(out, list) else [out]
    if not all(isinstance(v, Value) for v in items):
        raise TypeError(f"the model must return a Value or a list of Values, got {type(out).__name__!r}")
    return [v for v in items if isinstance(v, Value)]


def per_sample_loss(
    model: Callable[[list[Value]], object], loss: str, n_outputs: int
) -> Callable[[list[Value], object], tuple[Value, Value | list[Value]]]:
    """The per-sample, traceable form of one of ``micrograd.train``'s losses.

    ``fn(x, target)`` returns ``(loss, output)``.  ``target`` is the label as a
    number (0 or 1) for ``"hinge"`` (``relu(1 - (2t - 1) * score)``) and
    ``"bce"`` (``softplus(z) - t * z``), and a one-hot list of ``n_outputs``
    for ``"cross_entropy"`` (``logsumexp(z) - sum_k t_k z_k``).  Averaged over
    a batch, each equals the eager loss of the same name.
    """
    if loss not in COMPILED_LOSSES:
        raise ValueError(f"loss {loss!r} cannot be compiled; choose one of {COMPILED_LOSSES}")
    if loss in ("hinge", "bce") and n_outputs != 1:
        raise ValueError(f"loss {loss!r} needs a model with one output, this one has {n_outputs}")

    def fn(x: list[Value], target: object) -> tuple[Value, Value | list[Value]]:
        out = model(x)
        if loss == "cross_entropy":
            logits = _as_values(out)
            assert isinstance(target, list)
            picked = linear(target, logits, Value(0.0))  # sum_k t_k z_k, one node
            return logsumexp(logits) - picked, logits
        assert isinstance(out, Value) and isinstance(target, Value)
        if loss == "hinge":
            return (1 - (2 * target - 1) * out).relu(), out
        return _softplus(out) - target * out, out

    return fn


def compiled_step_fn(
    model: Callable[[list[Value]], object],
    loss: str,
    n_features: int,
    *,
    params: Sequence[Value] | None = None,
) -> Callable[[Sequence[Sequence[float]], Sequence[int]], tuple[float, float]]:
    """A ``step_fn`` for :func:`micrograd.train.fit` that computes a batch's
    mean loss and parameter gradients with a compiled tape instead of the
    eager graph.  Returns ``(loss, accuracy)`` like ``train.eager_step_fn``.

    ``params`` defaults to ``model.parameters()``.
    """
    if params is None:
        get = getattr(model, "parameters", None)
        if get is None:
            raise TypeError("pass params=... for a model without a parameters() method")
        params = list(get())
    with no_grad():
        probe = model(values([0.0] * n_features))
    n_outputs = len(probe) if isinstance(probe, list) else 1
    fn = per_sample_loss(model, loss, n_outputs)
    target_example: object = [0.0] * n_outputs if loss == "cross_entropy" else 0.0
    compiled = compile_fn(fn, ([0.0] * n_features, target_example), params=params)
    eye = np.eye(n_outputs)

    def step(X: Sequence[Sequence[float]], y: Sequence[int]) -> tuple[float, float]:
        raw = np.asarray(y, dtype=np.float64)
        labels = raw.astype(np.intp)
        # The eager losses' checks: numpy would truncate 0.5 to class 0, wrap
        # eye[-1] to the last class, and take a label 2 as a bce/hinge target.
        n_classes = n_outputs if loss == "cross_entropy" else 2
        bad = np.flatnonzero((raw != labels) | (labels < 0) | (labels >= n_classes))
        if len(bad):
            i = int(bad[0])
            value = float(raw[i])
            shown = int(value) if value.is_integer() else value
            if loss == "cross_entropy":
                raise ValueError(f"target[{i}] = {shown!r} is out of range for {n_outputs} classes")
            raise ValueError(
                f"the {loss!r} loss needs class labels 0 or 1, got {shown!r} "
                "(for -1/+1 labels pass (y + 1) // 2)"
            )
        targets = eye[labels] if loss == "cross_entropy" else labels.astype(np.float64)
        result = compiled(np.asarray(X, dtype=np.float64), targets)
        assert isinstance(result.outputs, tuple)
        out = result.outputs[1]
        predicted = out.argmax(axis=1) if out.ndim == 2 else (out > 0).astype(np.intp)
        return result.loss, float(np.mean(predicted == labels))

    step.compiled = compiled  # type: ignore[attr-defined]  # for inspection (stats, timing)
    return step
