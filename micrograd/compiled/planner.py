"""From a tape to a plan: which nodes run together, and where their rows live.

Nodes are grouped by *topological level* (1 + the largest level of their
operands) and op, and each group becomes one kernel
(:mod:`micrograd.compiled.kernels`), so the number of Python-level steps per
batch grows with the depth of the graph, not its size.  Before that, chains of
``+`` (``sum(...)`` in Python builds one) are flattened into single n-ary sums,
so a sum over 2,000 terms is one step rather than 2,000 levels.

Rows: parameters, then constants, then group results in the INV buffer;
inputs, then group results in the VAR buffer (see :mod:`micrograd.compiled.rows`).
Each group's results are consecutive rows, ordered the way the group that
uses them reads them (a layer's activations in the next layer's input order),
so that the next group reads them as a slice (a view, no copy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from micrograd.compiled.guard import STOP_GRADIENT
from micrograd.compiled.kernels import (
    Group,
    LogSumExpGroup,
    OpGroup,
    ReluGroup,
    SumGroup,
    check_runs_on_arrays,
)
from micrograd.compiled.layout import (
    Key,
    Node,
    flatten_sums,
    linear_parts,
    ones_rows_wanted,
    order_for_consumers,
)
from micrograd.compiled.linear_kernels import BatchedLinear, MatmulLinear
from micrograd.compiled.rows import INV, VAR, Operand
from micrograd.compiled.tape import Tape
from micrograd.engine import LINEAR, RELU, Op
from micrograd.losses import LOGSUMEXP

__all__ = ["Plan"]


class Plan:
    """The grouped, row-allocated program for one tape."""

    def __init__(self, tape: Tape) -> None:
        n = len(tape.ops)
        leaf = [None if isinstance(op, Op) else op for op in tape.ops]  # "input", "param", "const"
        dom = [VAR if kind == "input" else INV for kind in leaf]
        for s, args in enumerate(tape.args):
            if args:
                dom[s] = VAR if any(dom[a] == VAR for a in args) else INV
        nodes = flatten_sums(tape, dom)
        # How often each slot is read (a result counts as read once more): a slot read
        # by one operand only gets its gradient written there, not added.
        uses = [0] * n
        for node in nodes:
            for a in node.args:
                uses[a] += 1
        for s in tape.output_slots:
            uses[s] += 1

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
        buckets: dict[Key, list[Node]] = {}
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

        order_for_consumers(ordered)
        ones_after_groups, ones_after_arguments = ones_rows_wanted(ordered, tape, dom)
        self.ones_rows: list[int] = []  # VAR rows that hold 1.0 (see layout.ones_rows_wanted)

        def place_ones() -> None:
            self.ones_rows.append(counts[VAR])
            counts[VAR] += 1

        const_slots = [s for s, kind in enumerate(leaf) if kind == "const"]
        place(tape.param_slots, INV)
        place(const_slots, INV)
        self.input_rows: list[slice] = []  # each batch argument's VAR rows
        start = 0
        for i, shape in enumerate(tape.input_shapes):
            size = 1 if shape is None else shape
            self.input_rows.append(slice(counts[VAR], counts[VAR] + size))
            place(tape.input_slots[start : start + size], VAR)
            start += size
            if i in ones_after_arguments:
                place_ones()
        for g, (key, members) in enumerate(ordered):
            place([m.slot for m in members], key[2])
            if g in ones_after_groups:
                place_ones()

        self.groups: list[Group] = []
        self.backward_groups: list[Group] = []
        for key, members in ordered:
            group = self._build(tape, key[1], members, dom, row, needs, uses, set(self.ones_rows))
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
    def _key(node: Node, level: list[int], dom: list[int]) -> Key:
        lv, d = level[node.slot], dom[node.slot]
        if node.op is LINEAR:
            _, ws, xs = linear_parts(node)
            invariant = all(dom[w] == INV for w in ws) or all(dom[x] == INV for x in xs)
            return (lv, node.op, d, ("linear", len(ws), invariant))
        if node.n_ary_sum:
            return (lv, node.op, d, ("sum",))
        return (lv, node.op, d, tuple(dom[a] for a in node.args))

    @staticmethod
    def _build(
        tape: Tape,
        op: Op,
        members: list[Node],
        dom: list[int],
        row: list[int],
        needs: list[bool],
        uses: list[int],
        ones_rows: set[int],
    ) -> Group:
        def operand(slots: Sequence[int], reads: int = 1) -> Operand:
            # Exclusive: each slot is read here ``reads`` times and nowhere else.
            exclusive = all(uses[s] == reads for s in slots)
            return Operand(slots, dom, row, needs, exclusive)

        k = len(members)
        if op is LINEAR:
            # w.x = x.w: orient every node so that its batch-invariant side (if
            # any) is the weights.
            biases, ws, xs = [], [], []
            for node in members:
                b, w, x = linear_parts(node)
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
                w_exclusive = all(uses[s] == 1 for w in ws for s in w)
                # Every node reads the shared inputs: k reads of each, all in this group.
                inputs = operand(xs[0], reads=k)
                after_x = row[xs[0][-1]] + 1
                ones_row = after_x if dom[xs[0][-1]] == VAR and after_x in ones_rows else None
                return MatmulLinear(op, operand(biases), w_rows, w_needs, inputs, w_exclusive, ones_row)
            # Different inputs per node: one (k, n, batch) product summed over n.
            flat_w, flat_x = [s for w in ws for s in w], [s for x in xs for s in x]
            return BatchedLinear(op, operand(biases), operand(flat_w), operand(flat_x), k, n)
        if op is RELU:
            return ReluGroup(op, operand([m.args[0] for m in members]))
        if op is LOGSUMEXP and len(members[0].args) > 1:
            return LogSumExpGroup(op, operand([s for m in members for s in m.args]), k, len(members[0].args))
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
