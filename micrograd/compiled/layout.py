"""Where rows go: the planner's node list, row order and the rows of ones.

* :func:`flatten_sums`: chains of ``+`` (``sum(...)`` in Python builds one)
  become single n-ary sums, so a sum over 2,000 terms is one group, not 2,000
  levels.
* :func:`order_for_consumers`: each group's results are placed in the order
  the group that uses them reads them, so that reading them is a view.
* :func:`ones_rows_wanted`: a layer whose parameters lie neuron after neuron
  (``w_j1..w_jn, b_j``, the order of :meth:`micrograd.nn.Neuron.parameters`)
  is one matrix product with the bias as an extra column,
  ``[W | b] @ [X; 1]``, if a row of ones follows its inputs' rows; this says
  after which groups and input arguments to leave one.
"""

from __future__ import annotations

from dataclasses import dataclass

from micrograd.compiled.rows import VAR
from micrograd.compiled.tape import Tape
from micrograd.engine import ADD, LINEAR, Op
from micrograd.losses import LOGSUMEXP

__all__ = ["Key", "Node", "flatten_sums", "linear_parts", "ones_rows_wanted", "order_for_consumers"]

# A group key: (level, op, result domain, what else must match).
Key = tuple[int, Op, int, tuple[object, ...]]


@dataclass
class Node:
    slot: int
    op: Op
    args: tuple[int, ...]
    n_ary_sum: bool = False  # a flattened chain of ADD: args are all its terms


def flatten_sums(tape: Tape, dom: list[int]) -> list[Node]:
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
    nodes: list[Node] = []
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
        nodes.append(Node(s, op, args))
    return [
        Node(n.slot, n.op, tuple(terms[n.slot]), True) if n.op is ADD and len(terms[n.slot]) > 2 else n
        for n in nodes
        if n.slot not in absorbed
    ]


def linear_parts(node: Node) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    n = (len(node.args) - 1) // 2
    return node.args[0], node.args[1 : n + 1], node.args[n + 1 :]


def _operand_lists(members: list[Node]) -> list[list[int]]:
    """The slot lists a group will read as operands (see ``Plan._build``)."""
    first = members[0]
    if first.op is LINEAR:
        _, w, x = linear_parts(first)
        return [[m.args[0] for m in members], list(x), list(w)]
    if first.n_ary_sum or first.op is LOGSUMEXP:
        return [[s for m in members for s in m.args]]
    return [[m.args[i] for m in members] for i in range(len(first.args))]


def order_for_consumers(ordered: list[tuple[Key, list[Node]]]) -> None:
    """Reorder each group's nodes as a later group reads them, so that the
    reader's operand is a run of consecutive rows (and the group's own
    operands, read in the same order, often are too: the terms of
    ``sum(p * p for p in params)`` come in parameter order).  Consumers are
    visited first (highest level first), so each reader's order is final when
    its producers are ordered; the first reader of a slot wins."""
    position: dict[int, tuple[int, int]] = {}  # slot -> (which operand list, where in it)
    lists = 0
    for _, members in reversed(ordered):
        places = [position.get(m.slot) for m in members]
        if all(p is not None for p in places) and len({p[0] for p in places if p is not None}) == 1:
            order = sorted(range(len(members)), key=lambda i: places[i][1])  # type: ignore[index]
            members[:] = [members[i] for i in order]
        for rows in _operand_lists(members):
            for pos, s in enumerate(rows):
                position.setdefault(s, (lists, pos))
            lists += 1


def _augmented_layer(members: list[Node], param_row: dict[int, int]) -> bool:
    """Node j reads parameters ``w_j1..w_jn`` and ``b_j`` at rows
    ``base + j (n + 1) + (0..n-1)`` and ``base + j (n + 1) + n``, and all share their inputs."""
    base: int | None = None
    for j, node in enumerate(members):
        b, w, x = linear_parts(node)
        if x != linear_parts(members[0])[2]:
            return False
        rows = [param_row.get(s, -1) for s in (*w, b)]
        if base is None:
            base = rows[0]
        n1 = len(rows)
        if rows != list(range(base + j * n1, base + (j + 1) * n1)):
            return False
    return base is not None and base >= 0


def ones_rows_wanted(
    ordered: list[tuple[Key, list[Node]]], tape: Tape, dom: list[int]
) -> tuple[set[int], set[int]]:
    """``(groups, arguments)``: the indexes in ``ordered`` of the groups, and of the
    input arguments, whose rows a layer reads whole as its inputs (see the module
    docstring): a row of ones goes right after each."""
    param_row = {s: i for i, s in enumerate(tape.param_slots)}  # params are the first INV rows
    group_of = {tuple(m.slot for m in members): g for g, (_, members) in enumerate(ordered)}
    argument_of: dict[tuple[int, ...], int] = {}
    start = 0
    for i, shape in enumerate(tape.input_shapes):
        size = 1 if shape is None else shape
        argument_of[tuple(tape.input_slots[start : start + size])] = i
        start += size
    groups: set[int] = set()
    arguments: set[int] = set()
    for key, members in ordered:
        if key[1] is not LINEAR or key[2] != VAR or not _augmented_layer(members, param_row):
            continue
        x = linear_parts(members[0])[2]
        if any(dom[s] != VAR for s in x):
            continue
        if x in group_of:
            groups.add(group_of[x])
        elif x in argument_of:
            arguments.add(argument_of[x])
    return groups, arguments
