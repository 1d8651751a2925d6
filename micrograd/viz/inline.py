"""The stepper inside a notebook: ``show_stepper(L)`` steps through ``L.backward()`` in the output.

It is the very stepper of the offline page (:mod:`micrograd.viz.stepper`:
the same ``stepper.js`` and ``stepper.css``, the same data), as one HTML
output; ``Stepper(L)`` is the object to ``display`` or to end a cell with.

**Why plain HTML and not a widget.**  anywidget is how the ecosystem writes
one widget for JupyterLab, Notebook 7, VS Code and Colab, and a widget is the
right tool when the page must talk back to the kernel.  The stepper never
does: the whole backward pass, the quiz's answers and every node's chain rule
are computed once, in Python, and travel with the output.  A widget would
also add runtime dependencies (anywidget, ipywidgets) and a second front end
(an ES module) next to the offline page's script, and a widget's stored
output shows nothing but "Loading widget..." without its kernel-side model:
in an untrusted notebook, on GitHub or nbviewer, or after the kernel stops.
An HTML output runs wherever notebooks run scripts and degrades where they do not.

**Where scripts are blocked.**  JupyterLab shows an *untrusted* notebook's
stored HTML sanitised (scripts, style sheets, SVG and iframes removed), and a
notebook opened straight from a clone is untrusted.  So the output first holds
a static fallback that survives sanitising: the graph after backward() as an
``<img>`` (a PNG data URI rendered by ``dot -Tpng``) and the table of the
steps.  The script, when it runs (the cell was run, or the notebook is
trusted), replaces it with the stepper.  The mime bundle also carries the
PNG as ``image/png`` for front ends that show no HTML (nbconvert to PDF).

Every element id starts with the output's own id (``mg-<hash>-<n>``) and the
script and style sheet touch only their own ``<div class="mg-stepper">``, so
two steppers in one notebook do not interfere; the keys work while the
stepper has the focus (click it first).
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import itertools
import sys
from typing import Any

from micrograd.engine import Value, topological_order
from micrograd.viz.graph import DEFAULT_MAX_NODES
from micrograd.viz.stepper import compact_dot, stepper_data, stepper_fragment, stepper_style
from micrograd.viz.steps import backward_steps

__all__ = ["Stepper", "show_stepper"]

# The notebook's output area the fallback picture is laid out for (px): the
# layout (LR or TB) that shows the graph larger in it is the one drawn.
_OUTPUT_BOX = (900.0, 700.0)
_COUNTER = itertools.count(1)


def _uid(root: Value, precision: int) -> str:
    """An id for one output: a digest of the graph (the same cells run again
    give the same ids, so stored notebooks do not change from run to run)
    and a count (two steppers of one graph in one notebook still differ)."""
    order = topological_order(root)
    digest = hashlib.sha256(repr([(n.label, n.data) for n in order] + [precision]).encode())
    return f"mg-{digest.hexdigest()[:8]}-{next(_COUNTER)}"


def _fallback(root: Value, data: dict[str, Any], precision: int, max_nodes: int) -> tuple[str, bytes]:
    """The static picture and table shown where scripts do not run, and the PNG."""
    trace = backward_steps(root)
    w, h = _OUTPUT_BOX
    sizes = data["sizes"]
    rankdir = max(("LR", "TB"), key=lambda d: min(w / sizes[d][0], h / sizes[d][1]))
    final = trace.grads_after(len(trace))
    dot = compact_dot(root, rankdir, grads=final, precision=precision, max_nodes=max_nodes)
    png: bytes = dot.pipe(format="png")
    width = round(sizes[rankdir][0] * 4 / 3)  # points to CSS pixels, as the PNG is rendered (96 dpi)
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    heading = data["heading"]
    alt = html.escape(f"the graph with its gradients after backward(), {len(trace)} steps", quote=True)
    text = (
        f'<div class="mg-fallback">\n<p><b>{heading}</b>: the graph after backward() and the '
        f"{len(trace)} steps it took. Run the cell (or trust the notebook) to step through them here.</p>\n"
        f'<img src="{uri}" width="{width}" alt="{alt}" style="max-width: 100%; height: auto">\n'
        f"{trace.table(precision)._repr_html_()}\n</div>\n"
    )
    return text, png


class Stepper:
    """The interactive stepper for ``root`` as a notebook output (Prev/Next,
    the arrow keys and Home/End, fit or 1:1, a quiz, each node's chain rule on
    click), with a static picture and table where scripts are blocked.

    Built when created (so a graph that is too large, or a missing ``dot``,
    raises here); ``.html`` is the output's HTML, ``.png`` the fallback picture.
    Keyword arguments are those of :func:`~micrograd.viz.build_stepper_html`.
    Does not change any ``.grad``."""

    def __init__(
        self, root: Value, *, precision: int = 4, title: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Stepper expects a Value, got {type(root).__name__!r}")
        self.uid = _uid(root, precision)
        data = stepper_data(root, self.uid, precision=precision, title=title, max_nodes=max_nodes)
        fallback, self.png = _fallback(root, data, precision, max_nodes)
        self.steps = len(data["steps"])
        self.html = f"{stepper_style()}\n{stepper_fragment(data, self.uid, fallback)}"

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {
            "text/html": self.html,
            "image/png": base64.b64encode(self.png).decode("ascii"),
            "text/plain": repr(self),
        }

    def __repr__(self) -> str:
        return f"<micrograd stepper {self.uid}: {self.steps} backward steps>"


def show_stepper(
    root: Value, *, precision: int = 4, title: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> None:
    """Display the interactive stepper for ``root`` in the running notebook
    (see :class:`Stepper`).  Outside IPython it raises ``RuntimeError``:
    :func:`~micrograd.viz.write_stepper` writes the same stepper as a page."""
    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        raise RuntimeError(
            "show_stepper displays the stepper in a Jupyter notebook, and none is running; "
            "write_stepper(root, 'backward.html') writes the same stepper as a page to open in a browser"
        )
    # Imported by module name: a running shell has loaded it, and IPython is no dependency of micrograd.
    importlib.import_module("IPython.display").display(
        Stepper(root, precision=precision, title=title, max_nodes=max_nodes)
    )
