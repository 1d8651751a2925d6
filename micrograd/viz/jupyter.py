"""Graphs in Jupyter, as pictures that show even in an untrusted notebook.

A notebook opened straight from a clone is *untrusted*: JupyterLab refuses to
render its stored ``image/svg+xml`` outputs (SVG can carry scripts) and shows
their ``text/plain`` fallback instead, but it still renders ``image/png``.  So
every graph shown here carries both renderings of the same DOT text: SVG
(sharp, chosen when the notebook is trusted) and PNG (chosen when it is not).

* :func:`graph_picture` turns a Value (drawn with
  :func:`~micrograd.viz.draw_dot`) or a ``graphviz`` graph into a
  :class:`GraphPicture`, which Jupyter displays through its
  ``_repr_mimebundle_``.
* Importing :mod:`micrograd.viz` inside a running IPython calls
  :func:`register_ipython_display`: a cell that ends with a Value, or with a
  ``draw_dot(...)`` result, then shows the graph as SVG and PNG.  Outside
  IPython nothing happens.

Both renderings are deterministic (``dot`` writes no timestamps), so a
rebuilt notebook is byte-identical.
"""

from __future__ import annotations

import base64
import sys
import warnings
from typing import Any

import graphviz

from micrograd.engine import Value
from micrograd.viz.graph import INSTALL_HINT, GraphvizNotFoundError, draw_dot
from micrograd.viz.svg import narrowed, shrink_to_fit, size_pt

__all__ = ["GraphPicture", "graph_picture", "register_ipython_display", "value_png", "value_svg"]

DEFAULT_DPI = 96  # 96 dpi: one PNG pixel per CSS pixel of the SVG (dot's SVG unit is 1 pt = 1/72 in)
MAX_PNG_SIDE = 4096  # px; a larger graph is rendered at a lower dpi (its text is unreadable anyway)
# JupyterLab shows a trusted SVG as an <img> at its own width, never narrower (a PNG it shrinks to the
# output area). So a wider graph's SVG is given this width (its height in proportion), about the
# output area of a laptop window with the file browser open; the PNG keeps its full size.
MAX_SVG_WIDTH_PT = 600


def _pipe(graph: Any, fmt: str) -> bytes:
    try:
        data: bytes = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(INSTALL_HINT) from None
    return data


class GraphPicture:
    """One graph rendered twice by ``dot``: ``svg`` (text) and ``png`` (bytes).

    The PNG is drawn at ``dpi`` dots per inch, lowered so that neither side
    exceeds :data:`MAX_PNG_SIDE` pixels: a ``w`` x ``h`` pt graph becomes
    ``w * dpi / 72`` x ``h * dpi / 72`` pixels."""

    def __init__(self, graph: graphviz.Digraph | graphviz.Graph, *, dpi: float = DEFAULT_DPI) -> None:
        if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 1 <= dpi <= 600:
            raise ValueError(f"dpi must be a number from 1 to 600, got {dpi!r}")
        self.svg: str = narrowed(shrink_to_fit(_pipe(graph, "svg").decode("utf-8")), MAX_SVG_WIDTH_PT)
        width_pt, height_pt = size_pt(self.svg) or (0.0, 0.0)
        self.dpi: float = min(float(dpi), MAX_PNG_SIDE * 72 / max(width_pt, height_pt, 1.0))
        # A copy, so the caller's graph keeps its attributes (dpi would also rescale its SVG).
        png_graph = graph.copy()
        png_graph.graph_attr["dpi"] = f"{self.dpi:g}"
        self.png: bytes = _pipe(png_graph, "png")
        self.size_pt: tuple[float, float] = (width_pt, height_pt)

    def __repr__(self) -> str:
        # What a notebook would show if it could render neither picture; no memory address.
        width, height = self.size_pt
        return f"GraphPicture(a {width:g} x {height:g} pt graph, as SVG and as PNG at {self.dpi:g} dpi)"

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        data = {
            "image/svg+xml": self.svg,
            "image/png": base64.b64encode(self.png).decode("ascii"),
            "text/plain": repr(self),
        }
        return data, {}


def graph_picture(
    graph: Value | graphviz.Digraph | graphviz.Graph, *, dpi: float = DEFAULT_DPI, **draw_options: Any
) -> GraphPicture:
    """The picture of ``graph`` for a notebook: a Value is drawn with
    ``draw_dot(graph, **draw_options)``; a ``graphviz`` graph (such as a
    ``draw_dot`` result) is rendered as it is.  End a cell with it, or pass
    it to ``IPython.display.display``."""
    if isinstance(graph, Value):
        return GraphPicture(draw_dot(graph, **draw_options), dpi=dpi)
    if draw_options:
        raise TypeError(f"drawing options {sorted(draw_options)} apply to a Value, not to a drawn graph")
    if not isinstance(graph, graphviz.Digraph | graphviz.Graph):
        raise TypeError(f"graph_picture expects a Value or a graphviz graph, got {type(graph).__name__!r}")
    return GraphPicture(graph, dpi=dpi)


# IPython asks for the SVG, then the PNG, of the same Value: the last one drawn (or failed) is kept.
_last: tuple[Value, str, GraphPicture | None] | None = None


def _value_picture(value: Value) -> GraphPicture | None:
    """The picture of ``value`` (None and a RuntimeWarning saying why if it
    cannot be drawn: too large to lay out quickly, or no ``dot``)."""
    global _last
    try:
        graph = draw_dot(value)
        if _last is not None and _last[0] is value and _last[1] == graph.source:
            return _last[2]
        picture = GraphPicture(graph)
    except (ValueError, GraphvizNotFoundError) as exc:
        warnings.warn(str(exc), RuntimeWarning, stacklevel=3)
        _last = (value, "", None)
        return None
    _last = (value, graph.source, picture)
    return picture


def value_svg(value: Value) -> str | None:
    """The graph of ``value`` as SVG text, for display.  A graph too large to
    lay out quickly, or a missing ``dot``, gives None (so the display falls
    back to the text repr) and a RuntimeWarning that says why, instead of
    hanging or failing the cell."""
    register_ipython_display()  # the lazy hook in micrograd/__init__ knows only SVG: add the PNG twin
    picture = _value_picture(value)
    return picture.svg if picture is not None else None


def value_png(value: Value) -> bytes | None:
    """The graph of ``value`` as PNG bytes (see :func:`value_svg`): the same
    picture as the SVG, rendered once for both, and one warning, not two,
    when it cannot be drawn."""
    global _last
    if _last is not None and _last[0] is value and _last[2] is None:
        _last = None  # value_svg has just failed on this Value and said why
        return None
    picture = _value_picture(value)
    return picture.png if picture is not None else None


def _digraph_png(graph: graphviz.Digraph | graphviz.Graph) -> bytes | None:
    # graphviz's own _repr_mimebundle_ gives only SVG; this adds the PNG an untrusted notebook can show.
    try:
        return GraphPicture(graph).png
    except GraphvizNotFoundError as exc:
        warnings.warn(str(exc), RuntimeWarning, stacklevel=2)
        return None


def register_ipython_display() -> bool:
    """If IPython is running, make it display every Value as its graph (SVG
    and PNG), and every ``graphviz`` graph with a PNG next to its SVG.
    Returns whether it did.  IPython is never imported here: a running shell
    has imported it already."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    formatters["image/svg+xml"].for_type(Value, value_svg)
    # IPython runs the SVG formatter before the PNG one, so registering here from inside value_svg
    # still adds the PNG to the very display that triggered it.
    formatters["image/png"].for_type(Value, value_png)
    formatters["image/png"].for_type(graphviz.Digraph, _digraph_png)
    formatters["image/png"].for_type(graphviz.Graph, _digraph_png)
    return True
