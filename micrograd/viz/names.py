"""How the pictures, tables and explanations write numbers and nodes.

Every node of a graph gets ONE name, and :func:`node_names` is the only place
that makes it: ``draw_dot`` (and so every SVG), the step table, ``explain``
and the HTML stepper all show the same names.  A node's name is

* its ``label``, if it has one;
* for an unlabelled op node other than the root: the op applied to its
  parents' names, written compactly (``m1*x``, ``relu(z2)``, ``(y_hat-y)**2``,
  ``v2*v1``), if that is at most :data:`MAX_NAME_CHARS` characters (it has
  to fit in a box) and no other node has it.  The text is read off the op's
  own ``forward`` run on symbols (:func:`micrograd.viz.formula.expression`),
  so an op a user defines is named too;
* otherwise (an unlabelled leaf, the root, an expression too long or taken):
  ``v<i>``, with ``i`` the node's position in the topological order, which is
  also the node's id in the drawing.  The root gets no expression because its
  name starts every ``dL/d...`` in a table.

A drawing that hides some nodes (``draw_dot(..., collapse=model)`` draws each
neuron call as one box) passes the boxes as ``opaque``: a box is then named
by its label or ``v<i>``, never by the hidden nodes inside it, so every name
in the picture points at something drawn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection

from micrograd.engine import Value
from micrograd.viz.checks import check_precision

__all__ = ["MAX_NAME_CHARS", "derivative_text", "format_number", "grad_text", "grouped", "is_atomic"]
__all__ += ["node_names"]

#: the longest expression an unlabelled node is named by (longer ones get ``v<i>``)
MAX_NAME_CHARS = 12

# A name without any of these reads as one symbol wherever it is written.
_SPLITS = re.compile(r"[\s+\-*/%@()\[\],=<>!&|^~]")


def format_number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits and no trailing zeros
    (6.0 -> '6', 0.123456 -> '0.1235', -0.0 -> '0')."""
    digits = check_precision(precision)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def is_atomic(name: str) -> bool:
    """Whether ``name`` stays one unit inside a bigger formula without
    parentheses: a plain name or number (``y_hat``, ``v3``, ``0.5``), or one
    call or bracket around everything (``relu(v4*v3)``)."""
    if not _SPLITS.search(name):
        return True
    opening = re.match(r"[\w.]*[(\[]", name)
    if opening is None or name[-1] not in ")]":
        return False
    depth = 0
    for i in range(opening.end() - 1, len(name)):
        if name[i] in "([":
            depth += 1
        elif name[i] in ")]":
            depth -= 1
            if depth == 0:
                return i == len(name) - 1  # the first group closes only at the very end
    return False


def grouped(name: str) -> str:
    """``name`` as it is written after a ``d``: as it is if it is a plain
    name or number, else in parentheses (even a call: ``d(relu(z))``)."""
    return name if not _SPLITS.search(name) else f"({name})"


def derivative_text(upper: str, lower: str) -> str:
    """``d upper / d lower`` in names, each grouped when it is an expression:
    ``dL/dm1``, ``d(m1*x)/dm1``, ``d((y_hat-y)**2)/d(y_hat-y)``."""
    return f"d{grouped(upper)}/d{grouped(lower)}"


def grad_text(name: str) -> str:
    """The ``.grad`` of the node called ``name``: ``m1.grad``, ``(y_hat-y).grad``."""
    return f"{name if is_atomic(name) else f'({name})'}.grad"


def node_names(order: list[Value], opaque: Collection[Value] = ()) -> dict[Value, str]:
    """One readable name per node of ``order``, a topological order ending at
    the root (``topological_order(root)``): the label, else a short
    expression in the parents' names, else ``v<i>`` (see the module's
    docstring; nodes in ``opaque`` get no expression).  The same graph
    always gets the same names."""
    from micrograd.viz.formula import expression  # formula.py imports this module

    taken = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    last = len(order) - 1
    for i, node in enumerate(order):
        name = node.label
        parents = node._prev
        # Every parent's name plus an operator between each two: when that is
        # already too long, the expression (say, a whole linear) is not built.
        if (
            not name
            and parents
            and i != last
            and node not in opaque
            and sum(len(names[p]) + 1 for p in parents) <= MAX_NAME_CHARS + 1
        ):
            text = expression(node._op, [names[p] for p in parents])
            if text is not None and len(text) <= MAX_NAME_CHARS and text not in taken:
                name = text
        names[node] = name or f"v{i}"
        taken.add(names[node])
    return names
