"""PNG plots for training runs (matplotlib's Agg renderer: no display needed).

Figures are built with ``matplotlib.figure.Figure`` directly instead of
``pyplot``, so nothing here touches pyplot's global state or the user's
backend choice, and each file is written atomically.  matplotlib is imported
only when a plot is drawn, so ``import micrograd.viz`` does not load it.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from micrograd.engine import Value, no_grad
from micrograd.fileio import atomic_write
from micrograd.validate import check_int

__all__ = ["new_figure", "plot_decision_boundary", "plot_loss", "save_png"]

Output = Value | list[Value]
# Class colours: colour-blind-friendly (Okabe-Ito), light versions for regions.
_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]


def new_figure(width: float, height: float) -> Any:
    """A bare matplotlib ``Figure`` of ``width`` x ``height`` inches on the Agg
    canvas (no pyplot, no display), for :func:`save_png`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as a PNG file at ``path`` (atomically); returns the path."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return atomic_write(path, buffer.getvalue())


def _grid_classes(
    model: Callable[[list[float]], Output], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64] | None]:
    """Predicted class at every grid point, and the raw score for a binary model."""
    from micrograd.classify import predicted_class  # late: the training side imports this package

    classes = np.zeros((len(ys), len(xs)), dtype=np.int64)
    scores = np.zeros((len(ys), len(xs)))
    binary = True
    with no_grad():
        for i, yv in enumerate(ys.tolist()):
            for j, xv in enumerate(xs.tolist()):
                out = model([xv, yv])
                classes[i, j] = predicted_class(out)
                if isinstance(out, Value):
                    scores[i, j] = out.data
                else:
                    binary = False
    return classes, scores if binary else None


def plot_decision_boundary(
    model: Callable[[list[float]], Output],
    X: Sequence[Sequence[float]] | NDArray[np.float64],
    y: Sequence[int] | NDArray[np.int64],
    path: str | os.PathLike[str],
    *,
    title: str = "",
    resolution: int = 60,
) -> Path:
    """Colour the plane by the model's predicted class, draw the data on top,
    and (for a one-output model) the ``score = 0`` boundary.  Writes a PNG."""
    resolution = check_int(resolution, "resolution", minimum=2)
    Xa = np.asarray(X, dtype=np.float64)
    y_raw = np.asarray(y)
    if Xa.ndim != 2 or Xa.shape[1] != 2 or y_raw.ndim != 1 or len(Xa) != len(y_raw):
        raise ValueError(f"X must have shape (n, 2) with n labels in y; got {Xa.shape} and {y_raw.shape}")
    if len(Xa) == 0:
        raise ValueError("plot_decision_boundary needs at least one point")
    # Points are drawn per class 0 .. C-1: any other label would silently vanish.
    if y_raw.dtype.kind not in "biuf" or not np.all(np.isfinite(y_raw)):
        raise ValueError(f"y must hold class indices 0 .. C-1, got {y_raw.tolist()[:5]}")
    ya = y_raw.astype(np.int64)
    if np.any(ya != y_raw) or ya.min() < 0:
        raise ValueError(f"y must hold class indices 0 .. C-1, got {sorted(set(y_raw.tolist()))[:5]}")
    pad = 0.25 * max(float(np.ptp(Xa[:, 0])), float(np.ptp(Xa[:, 1])), 1e-3)
    xs = np.linspace(Xa[:, 0].min() - pad, Xa[:, 0].max() + pad, resolution)
    ys = np.linspace(Xa[:, 1].min() - pad, Xa[:, 1].max() + pad, resolution)
    classes, scores = _grid_classes(model, xs, ys)
    n_classes = max(int(ya.max()) + 1, int(classes.max()) + 1, 2)
    colors = [_COLORS[k % len(_COLORS)] for k in range(n_classes)]

    from matplotlib.colors import ListedColormap

    fig = new_figure(5.5, 5.0)
    ax = fig.add_subplot()
    ax.contourf(
        xs,
        ys,
        classes,
        levels=np.arange(n_classes + 1) - 0.5,
        cmap=ListedColormap(colors),
        alpha=0.25,
    )
    if scores is not None and scores.min() < 0 < scores.max():
        ax.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1.0)
    for k in range(n_classes):
        pts = Xa[ya == k]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=18,
            color=colors[k],
            edgecolors="white",
            linewidths=0.5,
            label=f"class {k}",
        )
    ax.set_title(title or "decision boundary")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)


def plot_loss(
    history: Sequence[Mapping[str, float]], path: str | os.PathLike[str], *, title: str = "training"
) -> Path:
    """Loss (log scale when positive) and accuracy per step.  Writes a PNG."""
    if not history:
        raise ValueError("plot_loss needs a non-empty history")
    steps = [r["step"] for r in history]
    loss = [r["loss"] for r in history]
    acc = [r["accuracy"] for r in history]
    fig = new_figure(8.0, 3.2)
    ax_loss, ax_acc = fig.subplots(1, 2)
    # A line through one point draws nothing: mark the points of short runs.
    marker = "o" if len(history) <= 20 else None
    ax_loss.plot(steps, loss, color=_COLORS[0], marker=marker)
    positive = [v for v in loss if v > 0 and math.isfinite(v)]
    if len(positive) == len(loss) and max(positive) / min(positive) > 100:
        ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title(f"{title}: loss")
    ax_acc.plot(steps, [100 * a for a in acc], color=_COLORS[1], marker=marker)
    ax_acc.set_ylim(0, 101)
    ax_acc.set_xlabel("step")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_title(f"{title}: batch accuracy")
    fig.tight_layout()
    return save_png(fig, path)
