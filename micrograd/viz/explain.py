"""The chain rule written out by hand: ``explain(L, w)`` gives ``dL/dw`` as
the sum over all paths from ``L`` down to ``w`` of the product of the local
derivatives along each path, the way the notes derive it::

    dL/dm2 = dL/dy_hat * dy_hat/dz2 * dz2/dm2
    dL/dm2 = 2 * 1 * 6 = 12

The local derivatives are those the ops recorded at forward time
(``node._local``), the same numbers backward() multiplies.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from micrograd.engine import Value, topological_order
from micrograd.viz.checks import check_positive, check_precision
from micrograd.viz.names import derivative_text, format_number, grouped, node_names

__all__ = ["DEFAULT_MAX_PATHS", "Explanation", "Factor", "explain"]

DEFAULT_MAX_PATHS = 64


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
    paths exceeded the limit; then ``lines`` shows the per-edge form, and
    when ``root`` does not depend on ``wrt``; then ``note`` says so).
    ``value`` is the derivative as the sum of the path products.
    """

    root_name: str
    wrt_name: str
    value: float
    paths: list[list[Factor]]
    path_count: int
    lines: list[str]
    precision: int
    note: str = ""

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_latex_(self) -> str:
        """The same equation in LaTeX, each side once:
        ``dL/dm1 = (the product of fractions) = (the numbers) = total``."""

        def d(upper: str, lower: str) -> str:
            top, bottom = _latex_name(grouped(upper)), _latex_name(grouped(lower))
            return r"\frac{\partial " + top + r"}{\partial " + bottom + "}"

        def num(x: float) -> str:
            text = format_number(x, self.precision)
            return f"({text})" if x < 0 else text

        lhs = d(self.root_name, self.wrt_name)
        total = format_number(self.value, self.precision)
        if self.path_count and not self.paths:  # too many paths: the per-edge lines as text
            body = r" \\ ".join(r"\text{" + _latex_escape(line) + "}" for line in self.lines)
            return "$$\\begin{array}{l}" + body + r"\end{array}$$"
        if self.note:
            return f"$${lhs} = {total}" + r" \quad \text{(" + _latex_escape(self.note) + ")}$$"
        if len(self.paths) == 1 and len(self.paths[0]) <= 1:  # the fraction is the whole chain
            return f"$${lhs} = {total}$$"
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


def _latex_name(name: str) -> str:
    """A node's name in upright letters, its formula typeset: ``a**2`` as
    a superscript, ``a*b`` with a centred dot, spaces kept."""
    out = []
    i = 0
    while i < len(name):
        if name.startswith("**", i):
            end = _exponent_end(name, i + 2)
            power = name[i + 2 : end]
            power = power[1:-1] if power.startswith("(") else power  # the braces group it already
            out.append("}^{" + _latex_name(power) + r"}\mathrm{")
            i = end
            continue
        ch = name[i]
        out.append(r" \cdot " if ch == "*" else "\\ " if ch == " " else _latex_escape(ch))
        i += 1
    return (r"\mathrm{" + "".join(out) + "}").replace(r"\mathrm{}", "")


def _exponent_end(text: str, start: int) -> int:
    """Where the exponent that begins at ``start`` ends: a parenthesised group
    or a name or number (the two forms formula.py writes after ``**``)."""
    if text.startswith("(", start):
        depth = 0
        for i in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                return i + 1
        return len(text)
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] in "_."):
        end += 1
    return max(end, start + 1)


def explain(
    root: Value,
    wrt: Value,
    *,
    max_paths: int = DEFAULT_MAX_PATHS,
    precision: int = 6,
    every_node: bool | None = None,
) -> Explanation:
    """``d root / d wrt`` as the sum over every path from ``root`` down to
    ``wrt`` of the product of the local derivatives along the path.

    Which nodes become factors:

    * no label on the way (the learner's own code, as typed): every node on
      the paths is one, each path has one factor per edge, in the nodes'
      generated names (:func:`~micrograd.viz.names.node_names`)::

          dv10/dv2 = dv10/d((v6-v0)**2) * ... * d(v2*v1)/dv2
          dv10/dv2 = 0.5 * 4 * 1 * 1 * 0.5 * 2 = 2

      (a label on the root alone, to call it ``L``, changes only that name;
      ``every_node=True`` asks for this however the graph is labelled);
    * labels on the way (or ``every_node=False``): only the labelled nodes,
      plus ``root`` and ``wrt``.  The labels say which steps to show: an
      unlabelled node in between is folded into the nearest labelled one above.
      For ``L = 0.5 * (y_hat - y)**2`` with only ``L`` and ``y_hat``
      labelled, the factor ``dL/dy_hat`` is the exact product
      ``0.5 * 2*(y_hat - y) * 1`` (summed over all unlabelled routes) -- the
      ``y_hat - y`` of the hand derivation::

          dL/dm2 = dL/dy_hat * dy_hat/dz2 * dz2/dm2
          dL/dm2 = 2 * 1 * 6 = 12

    With more than ``max_paths`` paths it says so and prints the per-edge
    form instead (``dL/dv = sum over v's consumers c of dL/dc * dc/dv``,
    node by node), one line per factor node however many paths there are
    (finding each node's derivatives walks the folded nodes below it, so
    shared unlabelled subgraphs are walked once per labelled node that uses
    them).  The total equals ``wrt.grad`` after ``root.backward()`` up to
    rounding (sums are taken in a different order than backward() takes them).
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError("explain(root, wrt) expects two Values")
    check_positive(max_paths, "max_paths")
    check_precision(precision)
    order = topological_order(root)
    names = node_names(order)
    r = names[root]
    w = names.get(wrt, wrt.label or "wrt")
    head = derivative_text(r, w)

    def fmt(x: float) -> str:
        return format_number(x, precision)

    def factor_text(x: float) -> str:
        return f"({fmt(x)})" if x < 0 else fmt(x)

    if wrt is root:
        return Explanation(r, w, 1.0, [[]], 1, [f"{head} = 1"], precision)
    index = {node: i for i, node in enumerate(order)}
    if wrt not in index:
        note = f"{r} does not depend on {w}"
        if not wrt.label:  # say which Value "wrt" is
            note += f" (the Value with data {fmt(wrt.data)} is not part of the graph of {r})"
        return Explanation(r, w, 0.0, [], 0, [f"{head} = 0: {note}"], precision, note)
    depends = {node: node is wrt for node in order}
    for node in order:  # parents come first, so their flags are final
        if not depends[node]:
            depends[node] = any(depends[p] for p in node._prev)

    on_paths = [n for n in order if depends[n]]
    by_labels = any(n.label for n in on_paths if n is not root) if every_node is None else not every_node
    keys = [n for n in on_paths if not by_labels or n.label or n is root or n is wrt]
    keyset = set(keys)
    # The reduced graph: for each key node u, the total derivative du/dv to
    # every key node v reached through folded nodes only (a small backward
    # pass from u that stops at key nodes).  Without folding, it is the edges.
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
                term = a * node._local[k]
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
            sym = " + ".join(" * ".join(derivative_text(f.upper, f.lower) for f in path) for path in paths)
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
    d_root = f"d{grouped(r)}"
    lines = [
        f"{head}: {total_paths} paths lead from {r} to {w}, more than max_paths={max_paths}; "
        f"showing the chain rule edge by edge instead ({d_root}/dv = the sum, over the nodes that use v, "
        f"of {d_root}/d(node) * d(node)/dv):"
    ]
    for v in reversed(keys):
        if v is root or v not in consumers:
            continue
        terms = consumers[v]
        total = 0.0
        for u, weight in terms:
            total += adjoint[u] * weight
        adjoint[v] = total
        sym = " + ".join(
            f"{derivative_text(r, names[u])} * {derivative_text(names[u], names[v])}" for u, _ in terms
        )
        nums = " + ".join(f"{factor_text(adjoint[u])} * {factor_text(wt)}" for u, wt in terms)
        lines.append(f"{derivative_text(r, names[v])} = {sym} = {nums} = {fmt(total)}")
    return Explanation(r, w, adjoint.get(wrt, 0.0), [], total_paths, lines, precision)
