"""Seeing what the engine does: graphs, backward steps, the chain rule in
words, a page that steps through backward(), and training plots.

======================  ==============================================================
``graph``               ``draw_dot(root)`` (a ``graphviz.Digraph``), ``render_svg``, ``save_svg``
``steps``, ``table``    ``backward_steps(root)``: backward()'s chain-rule steps, exact; ``.table()``
``step_pictures``       ``save_step_svgs(root, folder)``: one picture per step
``formula``             each local derivative as a formula, read off the op's definition
``explain``             ``explain(root, wrt)``: dL/dw as a sum over paths, as text or LaTeX
``stepper``             ``write_stepper(root, path)``: a self-contained HTML page
``plots``               ``plot_loss``, ``plot_decision_boundary`` (PNG, matplotlib)
``network_picture``     ``draw_network(sizes)``: a network as columns of units (matplotlib)
``jupyter``             Values and graphs display as SVG and PNG in Jupyter; ``graph_picture(...)``
``inline``              ``show_stepper(root)``: the stepper inside a notebook
``svg``                 reading and resizing the SVG text ``dot`` writes
======================  ==============================================================

Importing this package imports graphviz (not numpy or matplotlib: the plots
and pictures load them on first use) and, inside a running IPython, registers the display of
Values as SVG (:mod:`micrograd.viz.jupyter`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from micrograd.viz.explain import Explanation, Factor, explain
from micrograd.viz.graph import GraphvizNotFoundError, draw_dot, render_svg, save_svg
from micrograd.viz.inline import Stepper, show_stepper
from micrograd.viz.jupyter import graph_picture, register_ipython_display, value_svg
from micrograd.viz.names import format_number, node_names
from micrograd.viz.network_picture import draw_network
from micrograd.viz.step_pictures import save_step_svgs
from micrograd.viz.stepper import build_stepper_html, write_stepper
from micrograd.viz.steps import BackwardTrace, Step, backward_steps, local_derivatives
from micrograd.viz.table import StepTable

if TYPE_CHECKING:
    from micrograd.viz.plots import plot_decision_boundary, plot_loss

__all__ = ["BackwardTrace", "Explanation", "Factor", "GraphvizNotFoundError", "Step", "StepTable"]
__all__ += ["backward_steps", "build_stepper_html", "draw_dot", "explain", "format_number"]
__all__ += ["local_derivatives", "node_names", "plot_decision_boundary", "plot_loss", "render_svg"]
__all__ += ["save_step_svgs", "save_svg", "value_svg", "write_stepper"]
__all__ += ["Stepper", "draw_network", "graph_picture", "show_stepper"]

_PLOTS = ("plot_decision_boundary", "plot_loss")


def __getattr__(name: str) -> Any:
    # The plot functions need numpy (and matplotlib when called): loaded on first use.
    if name in _PLOTS:
        return getattr(importlib.import_module("micrograd.viz.plots"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


register_ipython_display()
