"""A one-file HTML page that steps through backward() on a graph, and the
``python -m micrograd graph`` command that writes it.

The page embeds the graph as inline SVG (rendered once by ``dot``), the list
of chain-rule steps from :func:`micrograd.trace.backward_steps` as JSON, and
a few lines of plain JavaScript: Prev/Next (or the arrow keys) move through
the steps, highlight the edge being processed and fill in each gradient as
backward() computes it.  No network access, no external scripts or styles.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path
from typing import Any

from micrograd.engine import Value, topological_order
from micrograd.examples import EXAMPLES, build_example
from micrograd.fileio import atomic_write
from micrograd.graph import (
    DEFAULT_MAX_NODES,
    GraphvizNotFoundError,
    check_size,
    edge_id,
    format_number,
    op_id,
    render_svg,
    save_svg,
)
from micrograd.trace import backward_steps, save_step_svgs

__all__ = ["add_arguments", "build_stepper_html", "run", "write_stepper"]


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


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; }
#controls { margin: 0.8em 0; }
#controls button { font-size: 1em; padding: 0.3em 1em; }
#step { border: 1px solid #ccc; border-radius: 6px; padding: 0.6em 1em; max-width: 60em; }
#step table { border-collapse: collapse; margin-top: 0.4em; }
#step td { padding: 0.1em 0.8em 0.1em 0; }
#step td:first-child { color: #666; }
#arith { font-family: Menlo, Consolas, monospace; margin-top: 0.5em; white-space: pre-wrap; }
#graph { margin-top: 1em; overflow-x: auto; }
#graph svg { max-width: none; }
g.hl > polygon, g.hl > ellipse, g.hl > path, g.hl > polyline { stroke: #d62728; stroke-width: 3px; }
g.edge.hl > polygon { fill: #d62728; }
g.node.changed text { fill: #d62728; font-weight: bold; }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var k = 0;
  var n = data.steps.length;
  function setGrad(id, text) {
    var g = document.getElementById(id);
    if (!g) { return; }
    // The grad field is the box's last text; a label may start with "grad " too.
    var texts = g.getElementsByTagName("text");
    for (var i = texts.length - 1; i >= 0; i--) {
      if (texts[i].textContent.indexOf("grad ") === 0) { texts[i].textContent = "grad " + text; return; }
    }
  }
  function mark(id, cls) {
    var el = document.getElementById(id);
    if (el) { el.classList.add(cls); }
  }
  function setNumber(id, value, text) {
    var el = document.getElementById(id);
    el.setAttribute("data-value", value);
    el.textContent = text;
  }
  function show() {
    var grads = {};
    var id;
    for (id in data.initial) { grads[id] = data.initial[id]; }
    for (var i = 0; i < k; i++) { grads[data.steps[i].parent] = data.steps[i].after_text; }
    for (id in grads) { setGrad(id, grads[id]); }
    ["hl", "changed"].forEach(function (cls) {
      var old = document.querySelectorAll("." + cls);
      for (var j = 0; j < old.length; j++) { old[j].classList.remove(cls); }
    });
    document.getElementById("step-index").textContent = String(k);
    document.getElementById("prev").disabled = k === 0;
    document.getElementById("next").disabled = k === n;
    if (k === 0) {
      mark(data.root, "hl");
      document.getElementById("edge").textContent = data.seed_title;
      ["upstream", "local", "contribution", "grad-before", "grad-after"].forEach(function (name) {
        setNumber(name, "", "");
      });
      setNumber("grad-after", data.seed, data.seed_text);
      document.getElementById("arith").textContent = data.seed_arith;
      return;
    }
    var s = data.steps[k - 1];
    [s.parent, s.child, s.op_node, s.edge].forEach(function (el) { mark(el, "hl"); });
    mark(s.parent, "changed");
    var focus = document.getElementById(s.parent);
    if (focus && focus.scrollIntoView) { focus.scrollIntoView({block: "nearest", inline: "center"}); }
    document.getElementById("edge").textContent = s.title;
    setNumber("upstream", s.upstream, s.upstream_text);
    setNumber("local", s.local, s.local_text);
    setNumber("contribution", s.contribution, s.contribution_text);
    setNumber("grad-before", s.before, s.before_text);
    setNumber("grad-after", s.after, s.after_text);
    document.getElementById("arith").textContent = s.arith;
  }
  function go(delta) {
    var next = k + delta;
    if (next >= 0 && next <= n) { k = next; show(); }
  }
  document.getElementById("prev").addEventListener("click", function () { go(-1); });
  document.getElementById("next").addEventListener("click", function () { go(1); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { go(-1); }
    if (e.key === "ArrowRight") { go(1); }
  });
  show();
})();
"""


def build_stepper_html(
    root: Value, *, precision: int = 4, title: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> str:
    """The self-contained HTML stepper for ``root`` (needs ``dot`` to lay the
    graph out once).  Does not change any ``.grad``: the steps are those of a
    fresh ``backward()`` (see :func:`~micrograd.trace.backward_steps`).
    ``max_nodes`` is :func:`~micrograd.graph.draw_dot`'s limit on the graph's size."""
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
    steps = []
    for s in trace:
        c, p = index[s.child], index[s.parent]
        steps.append(
            {
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
                "upstream_text": f"d{root_name}/d{s.child_name} = {f(s.upstream)}",
                "local_text": s.local_text(precision),
                "contribution_text": f(s.contribution),
                "before_text": f(s.grad_before),
                "after_text": f(s.grad_after),
                "arith": s.describe(precision),
            }
        )
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
<style>{_STYLE}</style>
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
<script>{_SCRIPT}</script>
</body>
</html>
"""


def write_stepper(root: Value, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`build_stepper_html` to ``path`` (atomically)."""
    return atomic_write(path, build_stepper_html(root, **kwargs))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        default="worked",
        help="which graph: 'worked' is the x=2, y=1, m1=3, m2=0.5 net of the notes (default)",
    )
    parser.add_argument("--out", default="out/graph", help="output folder (default out/graph)")
    parser.add_argument(
        "--per-step", action="store_true", help="also write steps/step_NNN.svg, one picture per step"
    )


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    root = build_example(args.example)
    try:
        page = write_stepper(root, out / "backward.html")
        if args.per_step:
            save_step_svgs(root, out / "steps", show_names=True)
        root.backward()
        graph = save_svg(root, out / "graph.svg")
    except GraphvizNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    steps = len(backward_steps(root))
    print(f"wrote {graph} (graph with gradients) and {page} ({steps} backward steps)")
    return 0
