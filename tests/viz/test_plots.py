"""Training plots: PNG files for a binary and a multi-class model, and the
bare-figure helpers other modules draw with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from micrograd.nn import MLP
from micrograd.viz.plots import new_figure, plot_decision_boundary, plot_loss, save_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 1.0], [0.5, -1.0]]


@pytest.mark.parametrize(("nout", "y"), [(1, [0, 1, 1, 0]), (3, [0, 1, 2, 1])])
def test_decision_boundary_writes_a_png(nout: int, y: list[int], tmp_path: Path) -> None:
    model = MLP(2, [4, nout], seed=0)
    path = plot_decision_boundary(model, np.array(X), y, tmp_path / "sub" / "b.png", resolution=8)
    assert path == tmp_path / "sub" / "b.png"
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert [p.name for p in path.parent.iterdir()] == ["b.png"]  # no temp file left
    assert all(p.grad == 0.0 for p in model.parameters())  # drawn without building graphs


def test_bad_arguments_are_refused_before_drawing(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="resolution must be an integer >= 2"):
        plot_decision_boundary(model, X, [0, 1, 1, 0], tmp_path / "b.png", resolution=1)
    with pytest.raises(TypeError, match="resolution must be an integer"):
        plot_decision_boundary(model, X, [0, 1, 1, 0], tmp_path / "b.png", resolution=True)
    with pytest.raises(ValueError, match="shape"):
        plot_decision_boundary(model, [[0.0, 1.0, 2.0]], [0], tmp_path / "b.png")
    with pytest.raises(ValueError, match="non-empty history"):
        plot_loss([], tmp_path / "l.png")
    assert not list(tmp_path.iterdir())


def test_loss_plot_and_the_bare_figure_helpers(tmp_path: Path) -> None:
    history = [{"step": k, "loss": 10.0**-k, "accuracy": k / 30} for k in range(30)]
    assert plot_loss(history, tmp_path / "loss.png").read_bytes().startswith(PNG_MAGIC)
    fig = new_figure(2.0, 1.5)
    fig.add_subplot().plot([0, 1], [1, 0])
    path = save_png(fig, tmp_path / "f.png")
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert tuple(fig.get_size_inches()) == (2.0, 1.5)
