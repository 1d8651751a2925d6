"""The stepper: backward() one chain-rule step at a time, in a browser.

:func:`build_stepper_html` gives a self-contained page (:func:`write_stepper`
writes it); :func:`stepper_fragment` the same stepper as one ``<div>`` for a
notebook output (:mod:`micrograd.viz.inline`).  Both inline the script and
style sheet shipped next to this module (``stepper.js``, ``stepper.css``) and
fetch nothing.  The data the script reads (JSON in the ``<div>``):

* the graph laid out by ``dot`` left to right and top to bottom: the script
  shows the one that fits the graph area at the larger scale, so text stays
  legible (a long chain reads LR on a wide window, TB on a tall one);
* every box drawn with the widest grad it will show at *any* step; the script
  rewrites the text in place, so no box overflows as its grad changes;
* the steps of :func:`~micrograd.viz.backward_steps` (each adds ``upstream *
  local`` into one operand's grad) with exact numbers and the terms each grad
  sums (``m.grad = 4 + 3 = 7``); per node, its chain rule written out by
  :func:`~micrograd.viz.explain` and its final grad.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from micrograd.engine import Value, topological_order
from micrograd.fileio import atomic_write
from micrograd.viz.checks import check_precision
from micrograd.viz.explain import explain
from micrograd.viz.graph import DEFAULT_MAX_NODES, check_size, draw_dot, edge_id, op_id
from micrograd.viz.names import derivative_text, format_number, grad_text
from micrograd.viz.steps import BackwardTrace, backward_steps
from micrograd.viz.svg import size_pt

__all__ = ["PAGE_ID", "build_stepper_html", "compact_dot", "layout_svg", "stepper_data", "stepper_fragment"]
__all__ += ["stepper_style", "widest_grads", "write_stepper"]

#: The id of the stepper on its own page (its elements are ``mg-next``, ``mg-v3``, ...).
PAGE_ID = "mg"

# Where stepper.js and stepper.css are: this package's folder, or inside a wheel or zip.
_ASSETS = resources.files("micrograd.viz")

# Fitted to a window, white space costs text size: ranks and nodes closer and fields
# padded less than dot's defaults; a pad keeps the highlight's stroke inside the picture.
_COMPACT_GRAPH = {"ranksep": "0.2", "nodesep": "0.12", "margin": "0", "pad": "0.15"}
_COMPACT_NODE = {"margin": "0.05,0.03", "width": "0.3", "height": "0.3"}
# Helvetica's advance widths in em (every digit is 0.556): enough to tell which
# of a node's grads prints widest.
_NARROW = {".": 0.278, "-": 0.333, "+": 0.584, "i": 0.222, "f": 0.278}
_TITLE = re.compile(r"<title>[^<]*</title>\n?")  # dot's tooltips name internal ids (v3, v1->v2_op)
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


def _asset(name: str, end_tag: str) -> str:
    """A file shipped with this package, to be inlined in an element that
    ``end_tag`` closes (which the file therefore must not contain)."""
    text = _ASSETS.joinpath(name).read_text(encoding="utf-8")
    if end_tag in text.lower():
        raise ValueError(f"{name} contains {end_tag!r}, which would end its element in the page early")
    return text


def stepper_style() -> str:
    """The style sheet as a ``<style>`` element (every rule is scoped to ``.mg-stepper``)."""
    return f"<style>\n{_asset('stepper.css', '</style')}</style>"


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


def widest_grads(trace: BackwardTrace, precision: int) -> dict[Value, float]:
    """For every node, the grad (of those it holds at step 0, 1, ..., n) whose
    text is widest: drawn with it, the node's box fits every grad it will show."""

    def width(g: float) -> float:
        return sum(_NARROW.get(ch, 0.556) for ch in format_number(g, precision))

    held = {node: [g] for node, g in trace.initial.items()}
    for s in trace:
        held[s.parent].append(s.grad_after)
    return {node: max(grads, key=width) for node, grads in held.items()}


def compact_dot(root: Value, rankdir: str, **draw_kwargs: Any) -> Any:
    """``draw_dot(root, rankdir=rankdir, **draw_kwargs)`` spaced tightly, as the stepper draws it."""
    dot = draw_dot(root, rankdir=rankdir, show_names=True, **draw_kwargs)
    dot.graph_attr.update(_COMPACT_GRAPH)
    dot.node_attr.update(_COMPACT_NODE)  # node defaults: draw_dot sets none of these per node
    return dot


def layout_svg(root: Value, rankdir: str, uid: str, **draw_kwargs: Any) -> tuple[str, list[float]]:
    """The graph laid out by ``dot`` in direction ``rankdir``, compactly, as
    inline SVG whose ids all start with ``uid-``; and its size in points."""
    svg: str = compact_dot(root, rankdir, **draw_kwargs).pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]  # inline SVG needs no XML prolog or doctype
    svg = _TITLE.sub("", _COMMENT.sub("", svg)).replace(' id="', f' id="{uid}-')
    return svg, list(size_pt(svg) or (1.0, 1.0))


def _operand(text: str, value: float) -> str:
    return f"({text})" if value < 0 else text  # "2 * (-1)", not "2 * -1"


def _step_records(trace: BackwardTrace, index: dict[Value, int], precision: int) -> Iterator[dict[str, Any]]:
    """What the script shows for each step, in order."""

    def f(x: float) -> str:
        return format_number(x, precision)

    expected = Counter(s.parent for s in trace)
    terms: dict[Value, list[str]] = {}
    for s in trace:
        c, p = index[s.child], index[s.parent]
        earlier = terms.setdefault(s.parent, [])
        term, up, local = f(s.contribution), f(s.upstream), f(s.local)
        added = _operand(term, s.contribution) if earlier else term
        received, total = len(earlier) + 1, expected[s.parent]
        status = "final" if total == 1 else f"final: the sum of all {total}"
        yield {
            "index": s.index,
            "parent": f"v{p}",
            "child": f"v{c}",
            "op_node": op_id(c),
            "edge": edge_id(p, c, s.parent_index),
            "title": f"step {s.index}: {s.parent_name} \N{LEFTWARDS ARROW} {s.child_name}  "
            f"(op {s.op}, operand {s.parent_index + 1})",
            "grad_name": grad_text(s.parent_name),
            "upstream": _num(s.upstream),
            "local": _num(s.local),
            "contribution": _num(s.contribution),
            "before": _num(s.grad_before),
            "after": _num(s.grad_after),
            "upstream_text": f"{derivative_text(s.root_name, s.child_name)} = {up}",
            "local_text": s.local_text(precision),
            "upstream_short": up,
            "local_short": local,
            "contribution_text": term,
            "after_text": f(s.grad_after),
            # The running sum this step extends: "4 + 3" before adding "1" gives "= 8".
            "sum_before": " + ".join(earlier),
            "sum_term": added,
            "status": status if received == total else f"{received} of {total} contributions so far",
            "product_text": f"{_operand(up, s.upstream)} * {_operand(local, s.local)} = {term}",
        }
        earlier.append(added)


def _node_records(trace: BackwardTrace, precision: int) -> dict[str, dict[str, Any]]:
    """Per node: its name, the steps that add into its grad, its final grad and its chain rule."""
    final = trace.grads_after(len(trace))
    steps: dict[Value, list[int]] = {node: [] for node in trace.order}
    for s in trace:
        steps[s.parent].append(s.index)
    return {
        f"v{i}": {
            "name": trace.names[node],
            "grad_name": grad_text(trace.names[node]),
            "steps": steps[node],
            "grad": format_number(final[node], precision),
            "grad_value": _num(final[node]),
            "explain": str(explain(trace.root, node, precision=precision)),
        }
        for i, node in enumerate(trace.order)
    }


def _markup(uid: str, heading: str, count: int) -> str:
    """Controls, step panel, graph area, chain-rule card: inserted by the script (blocked, none shows)."""
    u = uid + "-"
    return f"""<div class="mg-bar"><span class="mg-title">{heading}</span>
<button id="{u}prev" title="Left arrow; Home: the first step">&#9664; Prev</button>
<span>step <span id="{u}step-index">0</span> of <span id="{u}step-count">{count}</span></span>
<button id="{u}next" title="Right arrow; End: the last step">Next &#9654;</button>
<button id="{u}zoom" title="Fit the window, or show at 1:1 (drag to pan)">1:1</button>
<span id="{u}zoom-note" class="mg-note" hidden>too large to fit readably: shown 1:1, \
each step scrolled into view</span>
<label class="mg-toggle"><input id="{u}quiz" type="checkbox"> Quiz</label>
<span class="mg-legend"><i class="mg-key mg-wait"></i>not reached <i class="mg-key mg-acc"></i>being summed
<i class="mg-key mg-final"></i>final <i class="mg-key mg-step"></i>this step</span></div>
<div class="mg-panel"><div class="mg-row"><span id="{u}edge" class="mg-edge"></span></div>
<div class="mg-row" id="{u}calc"><span id="{u}arith" class="mg-arith"></span>
<span class="mg-chip"><span class="mg-lbl">upstream</span> <span id="{u}upstream"></span></span>
<span class="mg-op">&times;</span>
<span class="mg-chip"><span class="mg-lbl">local</span> <span id="{u}local"></span></span>
<span class="mg-op">=</span>
<span class="mg-chip"><span class="mg-lbl">contribution</span> <span id="{u}contribution"></span>
<span id="{u}ask" hidden><input id="{u}answer" type="text" inputmode="decimal" size="9" placeholder="?"
autocomplete="off" aria-label="your answer: upstream times local"> <button id="{u}check">Check</button>
</span></span></div>
<div class="mg-row"><span id="{u}sum"><span id="{u}sum-lhs"></span><span id="{u}grad-before"></span>\
<span id="{u}sum-term"></span><span id="{u}grad-after"></span></span>
<span id="{u}status" class="mg-status"></span> <span id="{u}verdict" class="mg-verdict"></span>
<span id="{u}score" class="mg-score"></span></div></div>
<div id="{u}graph" class="mg-graph" title="Click a box for its chain rule"></div>
<div id="{u}explain" class="mg-explain" hidden><button id="{u}close" title="Close (Esc)">&times;</button>
<b id="{u}explain-title"></b><pre id="{u}explain-text"></pre></div>
"""


def stepper_data(
    root: Value, uid: str, *, precision: int = 4, title: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> dict[str, Any]:
    """Everything the script needs for ``root``'s stepper with element ids
    starting ``uid-``: markup, both layouts, steps, nodes (see the module docstring)."""
    if not isinstance(root, Value):
        raise TypeError(f"the stepper expects a Value, got {type(root).__name__!r}")
    check_precision(precision)
    # Refuse an oversized graph before tracing it: the trace costs far more
    # than counting the nodes.
    check_size(len(topological_order(root)), max_nodes)
    trace = backward_steps(root)
    index = {node: i for i, node in enumerate(trace.order)}
    widest = widest_grads(trace, precision)
    draw = {"grads": widest, "precision": precision, "max_nodes": max_nodes}
    svgs, sizes = {}, {}
    for rankdir in ("LR", "TB"):
        svgs[rankdir], sizes[rankdir] = layout_svg(root, rankdir, uid, **draw)
    root_name = trace.names[root]
    seed = format_number(trace.initial[root], precision)
    heading = html.escape(title or f"backward() on {root_name}, step by step")
    return {
        "heading": heading,
        "markup": _markup(uid, heading, len(trace)),
        "svgs": svgs,
        "sizes": sizes,
        "precision": precision,
        "root": f"v{index[root]}",
        "seed": _num(trace.initial[root]),
        "seed_text": seed,
        "seed_title": f"step 0: seed {derivative_text(root_name, root_name)} = {seed}",
        "seed_arith": "backward() starts here, at the output. Next (\N{RIGHTWARDS ARROW}) goes on; "
        "click a box: its chain rule.",
        "initial": {f"v{index[node]}": format_number(g, precision) for node, g in trace.initial.items()},
        "steps": list(_step_records(trace, index, precision)),
        "nodes": _node_records(trace, precision),
    }


def stepper_fragment(data: dict[str, Any], uid: str, fallback: str = "") -> str:
    """The stepper as one ``<div id=uid>`` holding ``data`` (from
    :func:`stepper_data` with the same ``uid``) and the script, not the style
    sheet (see :func:`stepper_style`).  ``fallback`` is HTML shown until the
    script runs, and instead of the stepper where scripts are blocked; the
    script removes it."""
    if not re.fullmatch(r"[A-Za-z][-\w]*", uid):
        raise ValueError(f"uid must be a letter followed by letters, digits, '-' or '_', got {uid!r}")
    return (
        f'<div class="mg-stepper" id="{uid}" tabindex="-1" data-lm-suppress-shortcuts="true">\n'
        f'{fallback}<script type="application/json" class="mg-data">{_json_for_script(data)}</script>\n'
        f"<script>\n{_asset('stepper.js', '</script')}</script>\n</div>"
    )


def build_stepper_html(
    root: Value, *, precision: int = 4, title: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> str:
    """The self-contained HTML stepper for ``root`` (needs ``dot`` to lay the
    graph out).  Does not change any ``.grad``: the steps are those of a
    fresh ``backward()`` (see :func:`~micrograd.viz.backward_steps`).
    ``max_nodes`` is :func:`~micrograd.viz.draw_dot`'s limit on the graph's size."""
    if not isinstance(root, Value):
        raise TypeError(f"build_stepper_html expects a Value, got {type(root).__name__!r}")
    data = stepper_data(root, PAGE_ID, precision=precision, title=title, max_nodes=max_nodes)
    body = stepper_fragment(data, PAGE_ID, "<noscript>The stepper needs JavaScript.</noscript>\n")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{data["heading"]}</title>
{stepper_style()}
</head>
<body class="mg-page">
{body}
</body>
</html>
"""


def write_stepper(root: Value, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`build_stepper_html` to ``path`` (atomically); keyword
    arguments go to :func:`build_stepper_html`.  Returns the path."""
    return atomic_write(path, build_stepper_html(root, **kwargs))
