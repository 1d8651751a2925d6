"""Jupyter shows a :class:`~micrograd.engine.Value` as its graph.

The engine knows nothing of drawing.  Instead, importing :mod:`micrograd.viz`
inside a running IPython (a Jupyter kernel) registers :func:`value_svg` as
IPython's SVG formatter for Values, so a cell that ends with a Value shows
its graph; outside IPython nothing happens.
"""

from __future__ import annotations

import sys
import warnings

from micrograd.engine import Value
from micrograd.viz.graph import GraphvizNotFoundError, render_svg

__all__ = ["register_ipython_display", "value_svg"]


def value_svg(value: Value) -> str | None:
    """The graph of ``value`` as SVG text, for display.  A graph too large to
    lay out quickly, or a missing ``dot``, gives None (so the display falls
    back to the text repr) and a RuntimeWarning that says why, instead of
    hanging or failing the cell."""
    try:
        return render_svg(value)
    except (ValueError, GraphvizNotFoundError) as exc:
        warnings.warn(str(exc), RuntimeWarning, stacklevel=2)
        return None


def register_ipython_display() -> bool:
    """If IPython is running, make it display every Value with
    :func:`value_svg`.  Returns whether it did.  IPython is never imported
    here: a running shell has imported it already."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    shell.display_formatter.formatters["image/svg+xml"].for_type(Value, value_svg)
    return True
