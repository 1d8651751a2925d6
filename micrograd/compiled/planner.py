"""From a tape to a plan: which nodes run together, and where their rows live.

Nodes are grouped by *topological level* (1 + the largest level of their
operands) and op, and each group becomes one kernel
(:mod:`micrograd.compiled.kernels`), so the number of Python-level steps per
batch grows with the depth of the graph, not its size.  Before that, chains of
``+`` (``sum(...)`` in Python builds one) are flattened into single n-ary sums,
so a sum over 2,000 terms is one step rather than 2,000 levels.

Rows: parameters, then constants, then group results in the INV buffer;
inputs, then group results in the VAR buffer (see :mod:`micrograd.compiled.rows`).
Each group's results are consecutive rows, so the next group reads them as a
slice (a view, no copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from micrograd.compiled.guard import STOP_GRADIENT
from micrograd.compiled.kernels import (
    BatchedLinear,
    Group,
    MatmulLinear,
    OpGroup,
    SumGroup,
    check_runs_on_arrays,
)
from micrograd.compiled.rows import INV, VAR, Operand
from micrograd.compiled.tape import Tape
from micrograd.engine import ADD, LINEAR, Op

__all__ = ["Plan"]

# A group key: (level, op, result domain, what else must match).
_Key = tuple[int, Op, int, tuple[object, ...]]


@dataclass
class _Node:
    slot: int
    op: Op
    args: tuple[int, ...]
    n_ary_sum: bool = False  # a flattened chain of ADD: args are all its terms


def _flatten_sums(tape: Tape, dom: list[int]) -> list[_Node]:
    """Interior nodes in topological order, with ``+`` chains merged into n-ary
    sums.  A ``+`` node is absorbed into the ``+`` that uses it when that is its
    only use, it is not a result, and both live in the same domain."""
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
        if not isinstance(op, Op):
            continue
        args = tape.args[s]
        if op is ADD:
            flat: list[int] = []
            for a in args:
                if tape.ops[a] is ADD and uses[a] == 1 and dom[a] == dom[s]:
                    flat.extend(terms[a])
                    absorbed.add(a)
                else:
                    flat.append(a)
            terms[s] = flat
        nodes.append(_Node(s, op, args))
    return [
        _Node(n.slot, n.op, tuple(terms[n.slot]), True) if n.op is ADD and len(terms[n.slot]) > 2 else n
        for n in nodes
        if n.slot not in absorbed
    ]


def _linear_parts(node: _Node) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    n = (len(node.args) - 1) // 2
    return node.args[0], node.args[1 : n + 1], node.args[n + 1 :]


class Plan:
    """The grouped, row-allocated program for one tape."""

    def __init__(self, tape: Tape) -> None:
        n = len(tape.ops)
        leaf = [None if isinstance(op, Op) else op for op in tape.ops]  # "input", "param", "const"
        dom = [VAR if kind == "input" else INV for kind in leaf]
        for s, args in enumerate(tape.args):
            if args:
                dom[s] = VAR if any(dom[a] == VAR for a in args) else INV
        nodes = _flatten_sums(tape, dom)

        level = [0] * n
        needs = [kind == "param" for kind in leaf]
        for node in nodes:
            level[node.slot] = 1 + max((level[a] for a in node.args), default=0)
            # Nothing flows back through a stop-gradient.
            needs[node.slot] = node.op is not STOP_GRADIENT and any(needs[a] for a in node.args)
        # Only nodes the loss depends on receive a gradient.
        ancestor = [False] * n
        node_of = {node.slot: node for node in nodes}
        stack = list(tape.output_slots[:1])
        while stack:
            s = stack.pop()
            if not ancestor[s]:
                ancestor[s] = True
                stack.extend(node_of[s].args if s in node_of else ())

        # Group by (level, op, domains ...); dicts keep first-seen order.  Nodes
        # the loss depends on never share a group with nodes it does not: the
        # latter's zero gradients times an inf or NaN of theirs (an extra
        # result's log(0)) would give NaN in the shared backward call.
        buckets: dict[_Key, list[_Node]] = {}
        for node in nodes:
            lv, op, d, extra = self._key(node, level, dom)
            buckets.setdefault((lv, op, d, (*extra, ancestor[node.slot])), []).append(node)
        # sorted() is stable: within a level, groups keep first-seen order.
        ordered = sorted(buckets.items(), key=lambda kv: kv[0][0])

        row = [-1] * n
        counts = [0, 0]

        def place(slots: Sequence[int], d: int) -> None:
            for s in slots:
                row[s] = counts[d]
                counts[d] += 1

        const_slots = [s for s, kind in enumerate(leaf) if kind == "const"]
        place(tape.param_slots, INV)
        place(const_slots, INV)
        place(tape.input_slots, VAR)
        for key, members in ordered:
            place([m.slot for m in members], key[2])

        self.groups: list[Group] = []
        self.backward_groups: list[Group] = []
        for key, members in ordered:
            group = self._build(tape, key[1], members, dom, row, needs)
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
        self.const_values = np.array([tape.data[s] for s in const_slots], dtype=np.float64)
        self.out_dom = [dom[s] for s in tape.output_slots]
        self.out_row = [row[s] for s in tape.output_slots]
        self.n_nodes = len(nodes)
        self.depth = max((level[node.slot] for node in nodes), default=0)

    @staticmethod
    def _key(node: _Node, level: list[int], dom: list[int]) -> _Key:
        lv, d = level[node.slot], dom[node.slot]
        if node.op is LINEAR:
            _, ws, xs = _linear_parts(node)
            invariant = all(dom[w] == INV for w in ws) or all(dom[x] == INV for x in xs)
            return (lv, node.op, d, ("linear", len(ws), invariant))
        if node.n_ary_sum:
            return (lv, node.op, d, ("sum",))
        return (lv, node.op, d, tuple(dom[a] for a in node.args))

    @staticmethod
    def _build(
        tape: Tape, op: Op, members: list[_Node], dom: list[int], row: list[int], needs: list[bool]
    ) -> Group:
        def operand(slots: Sequence[int]) -> Operand:
            return Operand(slots, dom, row, needs)

        k = len(members)
        if op is LINEAR:
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
                return MatmulLinear(op, operand(biases), w_rows, w_needs, operand(xs[0]))
            # Different inputs per node: one (k, n, batch) product summed over n.
            flat_w, flat_x = [s for w in ws for s in w], [s for x in xs for s in x]
            return BatchedLinear(op, operand(biases), operand(flat_w), operand(flat_x), k, n)
        if members[0].n_ary_sum:
            lengths = [len(node.args) for node in members]
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
            segment = np.repeat(np.arange(k, dtype=np.intp), lengths)
            return SumGroup(op, operand([s for node in members for s in node.args]), starts, segment)
        arity = len(members[0].args)
        positions = [[m.args[i] for m in members] for i in range(arity)]
        check_runs_on_arrays(
            op,
            [[tape.data[s] for s in slots] for slots in positions],
            [tape.data[m.slot] for m in members],
            [tape.local[m.slot] for m in members],
        )
        return OpGroup(op, [operand(slots) for slots in positions])
