"""The demo's picture (graph.svg) and step-through page (backward.html):
readable on a 1600 x 1000 px screen, measured in chromium, and right."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd.cli.demo_graph import MIN_SCALE, SCREEN_PT, labelled_model, sample_loss, write_graph
from micrograd.data import make_moons, spiral

SVG = "{http://www.w3.org/2000/svg}"


def moons() -> tuple[list[list[float]], list[int]]:
    X, y = make_moons(100, noise=0.1, seed=1337)
    return X.tolist(), y.tolist()


def spiral_data() -> tuple[list[list[float]], list[int]]:
    X, y = spiral(150, classes=3, noise=0.2, seed=1337)
    return X.tolist(), y.tolist()


def svg_size_pt(path: Path) -> tuple[float, float]:
    match = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', path.read_text())
    assert match, path.read_text()[:400]
    return float(match[1]), float(match[2])


@pytest.mark.parametrize(
    ("loss", "outputs", "data"), [("hinge", 1, moons), ("cross_entropy", 3, spiral_data)]
)
def test_the_default_pictures_fit_the_screen_at_80_percent_or_more(
    loss: str, outputs: int, data: object, tmp_path: Path
) -> None:
    X, y = data()  # type: ignore[operator]
    path = write_graph(X, y, loss, outputs, 1337, tmp_path / "graph.svg")
    assert path is not None
    width, height = svg_size_pt(path)
    assert width <= SCREEN_PT[0] + 1 and height <= SCREEN_PT[1] + 1
    scales = re.findall(r'transform="scale\(([0-9.]+) ', path.read_text())
    assert scales and float(scales[0]) >= MIN_SCALE


def test_a_deep_loss_keeps_full_size_text_and_scrolls(tmp_path: Path) -> None:
    # bce's softplus makes the graph ~2x deeper: shrunk to the screen, 11 pt text would be ~8 px.
    X, y = moons()
    path = write_graph(X, y, "bce", 1, 1337, tmp_path / "graph.svg")
    assert path is not None
    assert svg_size_pt(path)[1] > SCREEN_PT[1]
    assert re.findall(r'transform="scale\(([0-9.]+) ', path.read_text())[0] == "1"


@pytest.mark.parametrize(
    ("loss", "outputs", "data"), [("hinge", 1, moons), ("cross_entropy", 3, spiral_data)]
)
def test_the_drawn_sample_is_the_worst_and_its_grads_are_backwards(
    loss: str, outputs: int, data: object, tmp_path: Path
) -> None:
    X, y = data()  # type: ignore[operator]
    model = labelled_model(outputs, 1337)
    losses = [sample_loss(model, x, label, loss).data for x, label in zip(X, y)]
    worst = max(range(len(X)), key=losses.__getitem__)
    root = sample_loss(model, X[worst], y[worst], loss)
    root.backward()
    path = write_graph(X, y, loss, outputs, 1337, tmp_path / "graph.svg")
    assert path is not None
    texts = ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(f"{SVG}text")]
    # every parameter is drawn as its name, data and grad: three texts in a row
    for name, p in [(p.label, p) for p in model.parameters()]:
        k = texts.index(name)
        assert texts[k + 1 : k + 3] == [f"data {p.data:.4g}", f"grad {p.grad:.4g}"], name
    k = texts.index("loss")
    assert math.isclose(float(texts[k + 1].removeprefix("data ")), losses[worst], rel_tol=1e-3)
    assert texts[k + 2] == "grad 1"


def test_the_parameters_are_named_as_the_caption_explains() -> None:
    model = labelled_model(1, 0)
    names = [p.label for p in model.parameters()]
    assert names == [
        "w1[0,0]",
        "w1[0,1]",
        "b1[0]",
        "w1[1,0]",
        "w1[1,1]",
        "b1[1]",
        "w2[0,0]",
        "w2[0,1]",
        "b2[0]",
    ]


def test_without_dot_the_picture_is_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from micrograd.cli.demo_graph import write_worked_stepper

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    X, y = moons()
    assert write_graph(X, y, "hinge", 1, 0, tmp_path / "graph.svg") is None
    assert write_worked_stepper(tmp_path / "backward.html") is None
    err = capsys.readouterr().err
    assert "graph.svg skipped" in err and "backward.html skipped" in err and "graphviz" in err.lower()
    assert not list(tmp_path.glob("*.svg")) and not list(tmp_path.glob("*.html"))


def test_the_picture_in_chromium_fits_1600x1000_with_legible_text(tmp_path: Path) -> None:
    """Opened in a browser window of 1600 x 1000 px: no scrolling, every box's
    text at least 12 px tall (11 pt is 14.7 px at full size) and the operand
    marks on the arrows (9 pt) at least 10 px."""
    from playwright.sync_api import sync_playwright

    X, y = moons()
    path = write_graph(X, y, "hinge", 1, 1337, tmp_path / "graph.svg")
    assert path is not None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(path.as_uri())
            size = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            heights = {
                kind: page.evaluate(
                    f"() => [...document.querySelectorAll('g.{kind} text')]"
                    ".map(t => t.getBoundingClientRect().height)"
                )
                for kind in ("node", "edge")
            }
        finally:
            browser.close()
    assert size[0] <= 1600 and size[1] <= 1000, size
    assert len(heights["node"]) > 40
    assert min(heights["node"]) >= 12, sorted(heights["node"])[:5]
    assert min(heights["edge"], default=10) >= 10, heights["edge"]


def test_the_stepper_page_is_the_worked_example(tmp_path: Path) -> None:
    from micrograd.cli.demo_graph import write_worked_stepper

    page = write_worked_stepper(tmp_path / "backward.html")
    assert page is not None
    # The page may hold its SVG inline or inside its JSON data, where "<" is spelled \u003c.
    html = page.read_text(encoding="utf-8").replace("\\u003c", "<")
    assert "<svg" in html and '"steps"' in html
    for name in ("m1", "m2", "a1", "z2", "y_hat"):
        assert f">{name}<" in html, name
