"""A one-file HTML page that steps through backward() on a graph.

The page embeds the graph as inline SVG (rendered once by ``dot``), the list
of chain-rule steps from :func:`micrograd.viz.backward_steps` as JSON, and
the script and style sheet shipped next to this module (``stepper.js``,
``stepper.css``), inlined: Prev/Next (or the arrow keys) move through the
steps, highlight the edge being processed and fill in each gradient as
backward() computes it.  The page fetches nothing: no network access, no
external scripts or styles.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from micrograd.engine import Value, topological_order
from micrograd.fileio import atomic_write
from micrograd.viz.graph import DEFAULT_MAX_NODES, check_size, edge_id, op_id, render_svg
from micrograd.viz.names import format_number
from micrograd.viz.steps import Step, backward_steps

__all__ = ["build_stepper_html", "write_stepper"]

# Where stepper.js and stepper.css are: this package's folder, or inside a wheel or zip.
_ASSETS = resources.files("micrograd.viz")


def _asset(name: str, end_tag: str) -> str:
    """A file shipped with this package, to be inlined in an element that
    ``end_tag`` closes (which the file therefore must not contain)."""
    text = _ASSETS.joinpath(name).read_text(encoding="utf-8")
    if end_tag in text.lower():
        raise ValueError(f"{name} contains {end_tag!r}, which would end its element in the page early")
    return text


def _num(x: float) -> str:
    """A float as text that both Python's float() and JavaScript's Number()
    read back exactly (repr is the shortest round-trip form)."""
    text = repr(float(x))
    return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text, text)


def _json_for_script(data: Any) -> str:
    # Inside <script>, "</script" ends the element early and "<!--" followed by
    # "<script" makes the parser skip the real closing tag.  JSON may spell
    # every "<" as "\u003c", so no "<" at all reaches the HTML parser.
    return json.dumps(data, allow_nan=False).replace("<", "\\u003c")


def _step_data(s: Step, index: dict[Value, int], precision: int) -> dict[str, str]:
    """What the page's script shows for one step."""

    def f(x: float) -> str:
        return format_number(x, precision)

    c, p = index[s.child], index[s.parent]
    return {
        "parent": f"v{p}",
        "child": f"v{c}",
        "op_node": op_id(c),
        "edge": edge_id(p, c, s.parent_index),
        "title": f"step {s.index}: {s.parent_name} \N{LEFTWARDS ARROW} {s.child_name}  "
        f"(op {s.op}, operand {s.parent_index + 1})",
        "upstream": _num(s.upstream),
        "local": _num(s.local),
        "contribution": _num(s.contribution),
        "before": _num(s.grad_before),
        "after": _num(s.grad_after),
        "upstream_text": f"d{s.root_name}/d{s.child_name} = {f(s.upstream)}",
        "local_text": s.local_text(precision),
        "contribution_text": f(s.contribution),
        "before_text": f(s.grad_before),
        "after_text": f(s.grad_after),
        "arith": s.describe(precision),
    }


def build_stepper_html(
    root: Value, *, precision: int = 4, title: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> str:
    """The self-contained HTML stepper for ``root`` (needs ``dot`` to lay the
    graph out once).  Does not change any ``.grad``: the steps are those of a
    fresh ``backward()`` (see :func:`~micrograd.viz.backward_steps`).
    ``max_nodes`` is :func:`~micrograd.viz.draw_dot`'s limit on the graph's size."""
    if not isinstance(root, Value):
        raise TypeError(f"build_stepper_html expects a Value, got {type(root).__name__!r}")
    # Refuse an oversized graph before tracing it: the trace costs far more
    # than counting the nodes.
    check_size(len(topological_order(root)), max_nodes)
    trace = backward_steps(root)
    index = {node: i for i, node in enumerate(trace.order)}

    def f(x: float) -> str:
        return format_number(x, precision)

    svg = render_svg(root, grads=trace.initial, show_names=True, precision=precision, max_nodes=max_nodes)
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: inline SVG needs neither
    root_name = trace.names[root]
    steps = [_step_data(s, index, precision) for s in trace]
    seed = trace.initial[root]
    data = {
        "root": f"v{index[root]}",
        "seed": _num(seed),
        "seed_text": f(seed),
        "seed_title": f"step 0: seed d{root_name}/d{root_name}",
        "seed_arith": f"backward() starts at the output: d{root_name}/d{root_name} = {f(seed)}. "
        "Press Next (or the right arrow key).",
        "initial": {f"v{index[node]}": f(g) for node, g in trace.initial.items()},
        "steps": steps,
    }
    heading = html.escape(title or f"backward() on {root_name}, step by step")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{heading}</title>
<style>
{_asset("stepper.css", "</style")}</style>
</head>
<body>
<h1>{heading}</h1>
<p>Each step adds <i>upstream &times; local</i> into one operand's grad, in the order
backward() does it. Red: the edge being processed.</p>
<div id="controls">
<button id="prev" type="button">&#9664; Prev</button>
<span>step <span id="step-index">0</span> of <span id="step-count">{len(steps)}</span></span>
<button id="next" type="button">Next &#9654;</button>
</div>
<div id="step">
<div id="edge"></div>
<table>
<tr><td>upstream</td><td><span id="upstream" data-value=""></span></td></tr>
<tr><td>local</td><td><span id="local" data-value=""></span></td></tr>
<tr><td>contribution</td><td><span id="contribution" data-value=""></span></td></tr>
<tr><td>grad before</td><td><span id="grad-before" data-value=""></span></td></tr>
<tr><td>grad after</td><td><span id="grad-after" data-value=""></span></td></tr>
</table>
<div id="arith"></div>
</div>
<div id="graph">
{svg}
</div>
<script type="application/json" id="trace-data">{_json_for_script(data)}</script>
<script>
{_asset("stepper.js", "</script")}</script>
</body>
</html>
"""


def write_stepper(root: Value, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`build_stepper_html` to ``path`` (atomically); keyword
    arguments go to :func:`build_stepper_html`.  Returns the path."""
    return atomic_write(path, build_stepper_html(root, **kwargs))
