"""Graphs in Jupyter carry a PNG next to their SVG (micrograd.viz.jupyter).

An untrusted notebook (a fresh clone) does not render stored SVG but does
render PNG, so every graph a notebook shows must carry both; the JupyterLab
side of this is tests/test_jupyterlab.py.
"""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphviz
import pytest

from micrograd.engine import Value
from micrograd.examples import worked_example
from micrograd.viz import GraphvizNotFoundError, draw_dot, jupyter
from micrograd.viz.jupyter import GraphPicture, graph_picture, value_png
from micrograd.viz.svg import shrink_to_fit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE) and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_value_is_pictured_as_svg_and_png_of_the_same_size() -> None:
    ex = worked_example()
    picture = graph_picture(ex.L)
    assert "data 2" in picture.svg and picture.svg.lstrip().startswith("<?xml")
    width_pt, height_pt = picture.size_pt
    # 96 dpi: one PNG pixel per CSS pixel of the SVG, whose unit is the point (1/72 in).
    width, height = png_size(picture.png)
    assert abs(width - width_pt * 96 / 72) <= 2 and abs(height - height_pt * 96 / 72) <= 2
    data, metadata = picture._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"} and metadata == {}
    assert base64.b64decode(data["image/png"]) == picture.png
    assert data["text/plain"].startswith("GraphPicture(") and " at 0x" not in data["text/plain"]


def test_a_wide_graph_svg_is_narrowed_to_an_output_area_and_a_small_one_kept() -> None:
    import re

    size = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt" style="max-width: 100%; height: auto"')
    wide = graph_picture(worked_example().L)  # 953 x 205 pt, wider than a notebook's output area
    match = size.search(wide.svg)
    assert match is not None and wide.size_pt[0] > jupyter.MAX_SVG_WIDTH_PT
    assert float(match.group(1)) == jupyter.MAX_SVG_WIDTH_PT
    assert float(match.group(2)) == pytest.approx(
        wide.size_pt[1] * jupyter.MAX_SVG_WIDTH_PT / wide.size_pt[0], abs=0.1
    )
    assert png_size(wide.png)[0] == pytest.approx(wide.size_pt[0] * 96 / 72, abs=2)  # the PNG keeps its size
    small = graph_picture(Value(2.0) * 3.0)
    match = size.search(small.svg)
    assert match is not None and float(match.group(1)) == round(small.size_pt[0]) < jupyter.MAX_SVG_WIDTH_PT


def test_pictures_are_deterministic_and_take_drawing_options() -> None:
    ex = worked_example()
    a, b = graph_picture(ex.L, show_grad=False), graph_picture(worked_example().L, show_grad=False)
    assert (a.svg, a.png) == (b.svg, b.png)  # a rebuilt notebook is byte-identical
    assert "grad" not in a.svg
    assert png_size(graph_picture(ex.L, dpi=144).png)[0] > png_size(a.png)[0]


def test_a_drawn_graph_is_pictured_as_it_is_and_left_unchanged() -> None:
    graph = draw_dot(worked_example().L, rankdir="TB")
    picture = graph_picture(graph)
    assert isinstance(picture, GraphPicture)
    assert "dpi" not in graph.graph_attr  # the PNG's dpi was set on a copy
    assert picture.svg == shrink_to_fit(graph.pipe(format="svg", encoding="utf-8"))  # narrow: only may shrink
    with pytest.raises(TypeError, match="apply to a Value"):
        graph_picture(graph, show_grad=False)
    with pytest.raises(TypeError, match="a Value or a graphviz graph"):
        graph_picture("digraph { a -> b }")
    for dpi in (0, 601, True, "96"):
        with pytest.raises(ValueError, match="dpi"):
            graph_picture(graph, dpi=dpi)  # type: ignore[arg-type]


def test_a_huge_graph_gets_a_lower_dpi_not_a_huge_png() -> None:
    chain = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for i in range(120):
        chain.edge(f"node number {i}", f"node number {i + 1}")
    picture = graph_picture(chain)
    assert picture.dpi < 96
    assert max(png_size(picture.png)) <= jupyter.MAX_PNG_SIDE


def test_without_dot_a_picture_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot`
    ex = worked_example()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        graph_picture(ex.L)
    with pytest.warns(RuntimeWarning, match="apt-get install graphviz"):
        assert value_png(ex.L) is None


@pytest.fixture
def shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    yield InteractiveShell.instance()
    InteractiveShell.clear_instance()


def test_values_and_drawn_graphs_display_with_a_png(shell: Any) -> None:
    assert jupyter.register_ipython_display()
    ex = worked_example()
    data, _ = shell.display_formatter.format(ex.L)
    assert {"image/svg+xml", "image/png", "text/plain"} <= set(data)
    assert data["text/plain"] == repr(ex.L)
    assert png_size(data["image/png"]) == png_size(graph_picture(ex.L).png)
    graph_data, _ = shell.display_formatter.format(draw_dot(ex.L))
    assert {"image/svg+xml", "image/png"} <= set(graph_data)
    picture_data, _ = shell.display_formatter.format(graph_picture(ex.L))
    assert set(picture_data) == {"image/svg+xml", "image/png", "text/plain"}
    big = Value(1.0)
    for _ in range(600):
        big = big * 1.0
    with pytest.warns(RuntimeWarning, match="max_nodes") as warned:
        big_data, _ = shell.display_formatter.format(big)
    assert set(big_data) == {"text/plain"}  # too large to draw: shown as text, quickly
    assert len(warned) == 1  # said once, not once per picture format


def test_the_lazy_hook_of_a_bare_import_micrograd_also_gives_the_png() -> None:
    # `import micrograd` in a kernel registers only an SVG formatter, by name, importing nothing; the
    # first Value shown loads micrograd.viz, which adds the PNG to that very display.
    code = textwrap.dedent(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        import micrograd
        from micrograd.engine import Value
        before = "micrograd.viz" in sys.modules
        data, _ = shell.display_formatter.format(Value(2.0, label="a") * 3)
        print(before, sorted(data))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split("\n")[0] == "False ['image/png', 'image/svg+xml', 'text/plain']", result.stderr
