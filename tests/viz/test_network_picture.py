"""``draw_network``: one circle per unit, dead units greyed, bad input refused (headless, Agg)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle, FancyArrowPatch

from micrograd.viz.network_picture import draw_network

matplotlib.use("Agg")  # headless; draw_network itself never touches pyplot or a display

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _units(ax: Any) -> dict[str, Circle]:
    return {p.get_gid(): p for p in ax.patches if isinstance(p, Circle)}


def _edges(ax: Any) -> dict[str, FancyArrowPatch]:
    return {p.get_gid(): p for p in ax.patches if isinstance(p, FancyArrowPatch)}


def test_one_circle_per_unit_and_one_edge_per_pair_of_neighbouring_units(tmp_path: Path) -> None:
    ax = draw_network([3, 4, 3], layer_names=["x", "hidden", "out"])
    units = _units(ax)
    assert len(units) == 3 + 4 + 3
    assert set(units) == {f"unit {i} {j}" for i, n in enumerate([3, 4, 3]) for j in range(n)}
    assert all(u.get_radius() == 0.4 for u in units.values())
    assert len(_edges(ax)) == 3 * 4 + 4 * 3
    assert [t.get_text() for t in ax.texts] == ["x", "hidden", "out"]
    # unit 0 on top, columns centred on the same line
    assert units["unit 1 0"].center[1] > units["unit 1 3"].center[1]
    assert units["unit 0 1"].center[1] == units["unit 2 1"].center[1] == 0.0
    ax.figure.savefig(tmp_path / "net.png")
    assert (tmp_path / "net.png").read_bytes().startswith(PNG_MAGIC)


def test_dead_units_and_their_edges_are_greyed_out() -> None:
    ax = draw_network([3, 4, 3], dead={1: [1, 2]}, labels=[["a"] * 3, ["b"] * 4, ["c"] * 3])
    units = _units(ax)
    dead = {"unit 1 1", "unit 1 2"}
    white = to_rgba("white")
    assert all(units[g].get_facecolor() != white for g in dead)
    assert all(u.get_facecolor() == white for g, u in units.items() if g not in dead)
    edges = _edges(ax)
    dashed = {g for g, e in edges.items() if e.get_linestyle() == "--"}
    assert dashed == {f"edge 0 {k} {j}" for k in range(3) for j in (1, 2)} | {
        f"edge 1 {k} {j}" for k in (1, 2) for j in range(3)
    }
    grey_text = [t for t in ax.texts if t.get_color() != "black"]
    assert [t.get_text() for t in grey_text] == ["b", "b"]


def test_highlighted_edges_arrows_and_a_given_axes() -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    given = fig.add_subplot()
    ax = draw_network([2, 2], arrows="backward", highlight={(0, 1, 0): "$w$"}, radius=0.3, ax=given)
    assert ax is given and ax.figure is fig
    edges = _edges(ax)
    accent = edges["edge 0 1 0"]
    assert accent.get_linewidth() == 2.0
    assert all(e.get_linewidth() < 2.0 for g, e in edges.items() if g != "edge 0 1 0")
    assert [t.get_text() for t in ax.texts] == ["$w$"]
    # backward: the arrow's tail is on the circle of unit 0 of layer 1, forward on unit 1 of layer 0
    units = _units(ax)
    assert math.dist(accent.get_path().vertices[0], units["unit 1 0"].center) == pytest.approx(0.3)
    forward = _edges(draw_network([2, 2], arrows="forward", radius=0.3))["edge 0 1 0"]
    assert math.dist(forward.get_path().vertices[0], units["unit 0 1"].center) == pytest.approx(0.3)
    plain = _edges(draw_network([2, 2]))["edge 0 1 0"]
    assert type(plain.get_arrowstyle()).__name__ != type(forward.get_arrowstyle()).__name__  # no head


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sizes": []}, ValueError, "at least one layer"),
        ({"sizes": [3, 0]}, ValueError, r"sizes\[1\] must be an integer >= 1"),
        ({"sizes": [3, True]}, TypeError, r"sizes\[1\] must be an integer"),
        ({"sizes": "343"}, TypeError, "sequence of unit counts"),
        ({"sizes": [3, 4], "dead": {1: [4]}}, ValueError, "layer 1 has 4 units"),
        ({"sizes": [3, 4], "dead": {2: [0]}}, ValueError, "layer 2 does not exist"),
        ({"sizes": [3, 4], "dead": [1]}, TypeError, "dead must map a layer"),
        ({"sizes": [3, 4], "highlight": {(1, 0, 0): ""}}, ValueError, "the last one"),
        ({"sizes": [3, 4], "highlight": {(0, 0, 4): ""}}, ValueError, "layer 1 has 4 units"),
        ({"sizes": [3, 4], "highlight": {(0, 0): ""}}, ValueError, "triple"),
        ({"sizes": [3, 4], "labels": [["a"] * 3]}, ValueError, "labels must have one entry per layer"),
        ({"sizes": [3, 4], "labels": [["a"] * 3, ["b"] * 3]}, ValueError, r"labels\[1\] .* unit of layer 1"),
        ({"sizes": [3, 4], "layer_names": ["x"]}, ValueError, "layer_names"),
        ({"sizes": [3, 4], "arrows": "up"}, ValueError, "arrows must be one of"),
        ({"sizes": [3, 4], "radius": 0.6}, ValueError, "radius must be <= 0.5"),
        ({"sizes": [3, 4], "radius": 0}, ValueError, "radius must be > 0"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        draw_network(**kwargs)


def test_importing_the_module_does_not_load_matplotlib() -> None:
    probe = "import sys, micrograd.viz.network_picture; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
