"""A fully connected network drawn as columns of units (matplotlib).

:func:`draw_network` draws layer ``i`` as a column of circles, unit 0 on top,
and joins every unit of a layer to every unit of the next one, the way the
notebooks picture a forward or a backward pass::

    ax = draw_network([3, 4, 3], dead={1: [1, 2]}, layer_names=["x", "hidden", "out"])
    ax.figure.savefig("network.png")

matplotlib is imported only when a picture is drawn, so importing this module
does not load it.  Without ``ax`` the picture gets its own ``Figure`` on the
Agg canvas (no pyplot, no display); in a notebook with ``%matplotlib inline``,
ending a cell with ``draw_network(...).figure`` shows it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from micrograd.validate import check_choice, check_int, check_real

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Edge", "draw_network"]

#: an edge ``(i, k, j)``: from unit ``k`` of layer ``i`` to unit ``j`` of layer ``i + 1``
Edge = tuple[int, int, int]

# Layout in data units (the axes keep an equal aspect, so circles stay round).
_COLUMN_GAP = 2.2  # between layers
_ROW_GAP = 1.0  # between the units of a layer
_INCHES_PER_UNIT = 0.95  # figure size when draw_network makes its own figure
_CAPTION_GAP = 0.35  # from the lowest unit's edge to the layer names
_LABEL_OFFSET = 0.2  # an edge's label sits this far beside the edge

_EDGE = "#777777"
_EDGE_QUIET = "#cccccc"  # ordinary edges when some are highlighted
_DEAD_EDGE = "#dddddd"
_DEAD_FACE, _DEAD_LINE, _DEAD_TEXT = "#eeeeee", "#aaaaaa", "#999999"
_ACCENT = "#D55E00"  # Okabe-Ito vermilion, as in the other plots


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of unit counts such as [3, 4, 3], got {sizes!r}")
    if len(sizes) == 0:
        raise ValueError("sizes must name at least one layer, got an empty sequence")
    return [check_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]


def _check_unit(counts: list[int], layer: object, unit: object, what: str) -> tuple[int, int]:
    """``(layer, unit)`` as ints, if that unit exists."""
    i = check_int(layer, f"{what}: the layer", minimum=0)
    if i >= len(counts):
        raise ValueError(f"{what}: layer {i} does not exist (layers 0 to {len(counts) - 1})")
    j = check_int(unit, f"{what}: the unit", minimum=0)
    if j >= counts[i]:
        raise ValueError(f"{what}: layer {i} has {counts[i]} units (0 to {counts[i] - 1}), got unit {j}")
    return i, j


def _check_dead(counts: list[int], dead: Mapping[int, Collection[int]] | None) -> set[tuple[int, int]]:
    if dead is None:
        return set()
    if not isinstance(dead, Mapping):
        raise TypeError(f"dead must map a layer to its dead units, e.g. {{1: [0, 2]}}, got {dead!r}")
    return {
        _check_unit(counts, i, j, f"dead unit {j!r} of layer {i!r}")
        for i, units in dead.items()
        for j in units
    }


def _check_highlight(counts: list[int], highlight: Mapping[Edge, str] | None) -> dict[Edge, str]:
    if highlight is None:
        return {}
    if not isinstance(highlight, Mapping):
        raise TypeError(f"highlight must map an edge (i, k, j) to a label, got {highlight!r}")
    checked: dict[Edge, str] = {}
    for edge, text in highlight.items():
        if not (isinstance(edge, tuple) and len(edge) == 3):
            raise ValueError(f"a highlighted edge is a triple (i, k, j), got {edge!r}")
        what = f"highlighted edge {edge!r}"
        i, k = _check_unit(counts, edge[0], edge[1], what)
        if i == len(counts) - 1:
            raise ValueError(f"{what}: layer {i} is the last one, no edge leaves it")
        _, j = _check_unit(counts, i + 1, edge[2], what)
        checked[(i, k, j)] = str(text)
    return checked


def _check_count(texts: Sequence[object] | None, count: int, name: str, per: str) -> None:
    if texts is None:
        return
    if isinstance(texts, str) or not isinstance(texts, Sequence) or len(texts) != count:
        raise ValueError(f"{name} must have one entry per {per} ({count}), got {texts!r}")


def draw_network(
    sizes: Sequence[int],
    *,
    labels: Sequence[Sequence[str]] | None = None,
    layer_names: Sequence[str] | None = None,
    dead: Mapping[int, Collection[int]] | None = None,
    arrows: str | None = None,
    highlight: Mapping[Edge, str] | None = None,
    title: str = "",
    radius: float = 0.4,
    fontsize: float = 9.0,
    ax: Axes | None = None,
) -> Axes:
    """Draw a fully connected network with ``sizes[i]`` units in layer ``i`` (the input is layer 0).

    * ``labels[i][j]``: the text inside unit ``j`` of layer ``i`` (matplotlib
      mathtext such as ``"$z_0$"`` and line breaks work);
    * ``layer_names[i]``: a caption under layer ``i``;
    * ``dead``: ``{layer: units}`` drawn greyed out, their edges light and
      dashed (a ReLU unit that outputs 0 passes nothing forward or back);
    * ``arrows``: ``None`` for plain lines, ``"forward"`` for arrow heads at
      layer ``i + 1``, ``"backward"`` for arrow heads at layer ``i``;
    * ``highlight``: ``{(i, k, j): label}``, edges from unit ``k`` of layer
      ``i`` to unit ``j`` of layer ``i + 1``, drawn thick in colour with the
      label (``""`` for none) beside their middle; the other edges turn lighter;
    * ``radius``: of a unit, where 1 is the distance between two units of a
      layer (0.4 holds three short lines of text; 0.3 suits one symbol).

    Draws on ``ax`` if given, else on a new figure sized to the network, and
    returns the axes (``.figure`` is the figure).  Bad input raises
    ``ValueError`` (``TypeError`` for a wrong type) naming the argument:
    empty ``sizes``, a unit count below 1, a layer or unit that does not
    exist, labels or names that do not match the sizes, or a radius outside
    ``(0, 0.5)``.
    """
    counts = _check_sizes(sizes)
    dead_units = _check_dead(counts, dead)
    accents = _check_highlight(counts, highlight)
    check_choice(arrows, "arrows", (None, "forward", "backward"))
    _check_count(layer_names, len(counts), "layer_names", "layer")
    _check_count(labels, len(counts), "labels", "layer")
    for i, row in enumerate(labels or []):
        _check_count(row, counts[i], f"labels[{i}]", f"unit of layer {i}")
    r = check_real(radius, "radius", minimum=0.0, strict_minimum=True, maximum=0.5 * _ROW_GAP)

    half_height = (max(counts) - 1) / 2 * _ROW_GAP
    caption_y = -half_height - r - _CAPTION_GAP
    x_lim = (-r - 0.3, (len(counts) - 1) * _COLUMN_GAP + r + 0.3)
    y_lim = (caption_y - 0.2 if layer_names is not None else -half_height - r - 0.15, half_height + r + 0.15)
    if ax is None:
        width, height = (x_lim[1] - x_lim[0]) * _INCHES_PER_UNIT, (y_lim[1] - y_lim[0]) * _INCHES_PER_UNIT
        ax = _new_axes(width, height + (0.35 if title else 0.0))

    _draw_edges(ax, counts, r, dead_units, accents, arrows, fontsize)
    _draw_units(ax, counts, r, dead_units, labels, fontsize)
    for i, name in enumerate(layer_names or []):
        ax.text(i * _COLUMN_GAP, caption_y, name, ha="center", va="center", fontsize=fontsize + 1)
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def _position(counts: list[int], i: int, j: int) -> tuple[float, float]:
    """The centre of unit ``j`` of layer ``i``: layers left to right, unit 0 on top, each column centred."""
    return i * _COLUMN_GAP, ((counts[i] - 1) / 2 - j) * _ROW_GAP


def _draw_edges(
    ax: Axes,
    counts: list[int],
    r: float,
    dead_units: set[tuple[int, int]],
    accents: dict[Edge, str],
    arrows: str | None,
    fontsize: float,
) -> None:
    from matplotlib.patches import FancyArrowPatch

    plain = _EDGE_QUIET if accents else _EDGE
    for i in range(len(counts) - 1):
        for k in range(counts[i]):
            for j in range(counts[i + 1]):
                (x0, y0), (x1, y1) = _position(counts, i, k), _position(counts, i + 1, j)
                length = math.hypot(x1 - x0, y1 - y0)
                ux, uy = (x1 - x0) / length, (y1 - y0) / length
                start, end = (
                    (x0 + r * ux, y0 + r * uy),
                    (x1 - r * ux, y1 - r * uy),
                )  # circle edge to circle edge
                off = (i, k) in dead_units or (i + 1, j) in dead_units
                accent = (i, k, j) in accents
                edge = FancyArrowPatch(
                    end if arrows == "backward" else start,
                    start if arrows == "backward" else end,
                    arrowstyle="-" if arrows is None else "-|>",
                    mutation_scale=12 if accent else 8,
                    shrinkA=0,
                    shrinkB=0,
                    color=_ACCENT if accent else _DEAD_EDGE if off else plain,
                    linewidth=2.0 if accent else 0.8,
                    linestyle="--" if off and not accent else "-",
                    zorder=2 if accent else 1,
                )
                edge.set_gid(f"edge {i} {k} {j}")
                ax.add_patch(edge)
                if accents.get((i, k, j)):
                    # Beside the middle of the edge, on its upper side (the normal (-uy, ux) points up).
                    ax.text(
                        (start[0] + end[0]) / 2 - _LABEL_OFFSET * uy,
                        (start[1] + end[1]) / 2 + _LABEL_OFFSET * ux,
                        accents[(i, k, j)],
                        color=_ACCENT,
                        fontsize=fontsize,
                        ha="center",
                        va="center",
                        zorder=5,
                    )


def _draw_units(
    ax: Axes,
    counts: list[int],
    r: float,
    dead_units: set[tuple[int, int]],
    labels: Sequence[Sequence[str]] | None,
    fontsize: float,
) -> None:
    from matplotlib.patches import Circle

    for i, n in enumerate(counts):
        for j in range(n):
            off = (i, j) in dead_units
            centre = _position(counts, i, j)
            unit = Circle(
                centre,
                r,
                facecolor=_DEAD_FACE if off else "white",
                edgecolor=_DEAD_LINE if off else "black",
                linewidth=1.0,
                zorder=3,
            )
            unit.set_gid(f"unit {i} {j}")
            ax.add_patch(unit)
            if labels is not None and labels[i][j]:
                color = _DEAD_TEXT if off else "black"
                ax.text(
                    *centre, labels[i][j], ha="center", va="center", fontsize=fontsize, color=color, zorder=4
                )


def _new_axes(width: float, height: float) -> Axes:
    """Axes on a new ``Figure`` of ``width`` x ``height`` inches on the Agg canvas (no pyplot)."""
    from micrograd.viz.plots import new_figure  # here, not at the top: plots loads numpy

    fig = new_figure(width, height)
    fig.set_layout_engine("constrained")
    axes: Axes = fig.add_subplot()
    return axes
