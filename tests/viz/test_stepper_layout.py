"""The stepper as a teacher projects it: in chromium at 1024x700 and 1280x800 the graph fits,
the root shows at step 0, text stays legible, no box overflows at any step, and 1:1 pans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from test_stepper_browser import browser_fixture, open_page

from micrograd.engine import Value, topological_order
from micrograd.examples import tiny_mlp_example, worked_example
from micrograd.nn import MLP
from micrograd.viz.stepper import write_stepper
from micrograd.viz.steps import backward_steps

VIEWPORTS = [(1024, 700), (1280, 800)]
EXAMPLES: dict[str, Callable[[], Value]] = {"worked": lambda: worked_example().L, "mlp": tiny_mlp_example}
TOLERANCE = 0.5  # px: anti-aliasing, not overflow
# How far the graph area's content reaches beyond it (0, 0: no scrolling).
OVERHANG_JS = """() => { const g = document.getElementById("mg-graph");
  return [g.scrollWidth - g.clientWidth, g.scrollHeight - g.clientHeight]; }"""

# Every text of every box with the rectangles it must stay inside: its box's outline, and on the
# right side of each field separator (a record's fields are split by polylines).
BOXES_JS = """() => {
  const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const out = [];
  for (const g of document.querySelectorAll("#mg-graph g.node")) {
    const outline = g.querySelector("polygon, ellipse");
    const seps = Array.from(g.querySelectorAll("polyline")).map(rect);
    for (const t of g.querySelectorAll("text")) {
      out.push({id: g.id, text: t.textContent, r: rect(t), box: rect(outline), seps: seps,
                font: parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a});
    }
  }
  return out;
}"""


browser = browser_fixture()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("steppers")
    return {name: write_stepper(build(), folder / f"{name}.html") for name, build in EXAMPLES.items()}


def overflows(boxes: list[dict[str, Any]]) -> list[str]:
    """The texts that leave their box or cross one of its field separators."""
    bad = []
    for b in boxes:
        left, top, right, bottom = b["r"]
        bl, bt, br, bb = b["box"]
        inside = left >= bl - TOLERANCE and right <= br + TOLERANCE and top >= bt - TOLERANCE
        inside = inside and bottom <= bb + TOLERANCE
        for sl, st, sr, sb in b["seps"]:
            if sr - sl < 1 and st < bottom - TOLERANCE and sb > top + TOLERANCE:  # a vertical separator
                inside = inside and not left + TOLERANCE < sl < right - TOLERANCE
            if sb - st < 1 and sl < right - TOLERANCE and sr > left + TOLERANCE:  # a horizontal one
                inside = inside and not top + TOLERANCE < st < bottom - TOLERANCE
        if not inside:
            bad.append(f"{b['id']}: {b['text']!r} at {b['r']} in {b['box']}")
    return bad


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_fitted_graph_shows_the_root_and_legible_text_that_never_overflows(
    browser: Browser, pages: dict[str, Path], example: str, size: tuple[int, int]
) -> None:
    root = EXAMPLES[example]()
    n = len(backward_steps(root))
    page, errors = open_page(browser, pages[example], size)
    root_id = f"mg-v{len(topological_order(root)) - 1}"
    # Step 0: the seeded root is inside the window and inside the graph area.
    r = page.locator(f"#{root_id}").bounding_box()
    area = page.locator("#mg-graph").bounding_box()
    assert r is not None and area is not None
    assert r["x"] >= 0 and r["x"] + r["width"] <= size[0] and r["y"] >= 0 and r["y"] + r["height"] <= size[1]
    assert area["x"] <= r["x"] and r["x"] + r["width"] <= area["x"] + area["width"]
    assert area["y"] <= r["y"] and r["y"] + r["height"] <= area["y"] + area["height"]
    # The whole graph fits: no scrolling needed.
    assert page.evaluate(OVERHANG_JS) == [0, 0]
    for k in range(n + 1):  # every step, the middle and the last among them
        boxes = page.evaluate(BOXES_JS)
        assert len(boxes) > 10
        assert overflows(boxes) == [], f"step {k}"
        if k == 0:
            heights = [b["r"][3] - b["r"][1] for b in boxes]
            assert min(heights) >= 10, f"text {min(heights):.1f} px high"
            assert min(b["font"] for b in boxes) >= 10  # the font size itself, on screen
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#mg-step-index") == str(n)
    assert errors == []
    page.close()


def test_layout_direction_follows_the_window(browser: Browser, pages: dict[str, Path]) -> None:
    # The worked example is a long chain: left to right on a wide window, top to bottom on a tall one.
    page, errors = open_page(browser, pages["worked"], (1280, 800))
    assert page.get_attribute("#mg-graph", "data-layout") == "LR"
    page.set_viewport_size({"width": 500, "height": 1000})
    page.wait_for_function("document.getElementById('mg-graph').getAttribute('data-layout') === 'TB'")
    boxes = page.evaluate(BOXES_JS)
    assert overflows(boxes) == [] and min(b["font"] for b in boxes) >= 10
    assert errors == []
    page.close()


def test_one_to_one_scrolls_pans_and_fits_again(browser: Browser, pages: dict[str, Path]) -> None:
    page, errors = open_page(browser, pages["mlp"], (1024, 700))
    graph = page.locator("#mg-graph")
    svg_width = "() => document.querySelector('#mg-graph svg').getBoundingClientRect().width"
    fitted = page.evaluate(svg_width)
    assert fitted <= page.evaluate("() => document.getElementById('mg-graph').clientWidth")
    assert page.inner_text("#mg-zoom") == "1:1"
    page.click("#mg-zoom")
    assert page.inner_text("#mg-zoom") == "Fit"
    layout = page.get_attribute("#mg-graph", "data-layout")
    natural = page.evaluate(svg_width)
    assert layout is not None
    sizes = page.evaluate("() => JSON.parse(document.querySelector('script.mg-data').textContent).sizes")
    assert natural == pytest.approx(sizes[layout][0] * 4 / 3, abs=0.5)  # dot's points at 96 px per inch
    scroll = "() => { const g = document.getElementById('mg-graph'); return [g.scrollLeft, g.scrollTop]; }"
    assert page.evaluate(OVERHANG_JS)[0] > 0  # wider than the window: it scrolls
    # At 1:1 the root is scrolled into view at step 0.
    root = page.locator(f"#mg-v{len(topological_order(tiny_mlp_example())) - 1}").bounding_box()
    area = graph.bounding_box()
    assert root is not None and area is not None
    assert area["x"] <= root["x"] and root["x"] + root["width"] <= area["x"] + area["width"]
    # Dragging pans the graph.
    before = page.evaluate(scroll)
    page.mouse.move(area["x"] + 300, area["y"] + 200)
    page.mouse.down()
    page.mouse.move(area["x"] + 500, area["y"] + 220, steps=5)
    page.mouse.up()
    after = page.evaluate(scroll)
    assert after[0] == before[0] - 200 or after[0] == 0  # moved left by the drag, or stopped at the edge
    assert after != before
    page.click("#mg-zoom")
    assert page.evaluate(svg_width) == pytest.approx(fitted, abs=0.5)
    assert errors == []
    page.close()


def big_mlp_loss() -> Value:
    """A 2-4-4-1 MLP's squared error on one point: 59 nodes, too many to fit a laptop window readably."""
    out = MLP(2, [4, 4, 1], seed=0)([Value(1.0, label="x0"), Value(-0.5, label="x1")])
    assert isinstance(out, Value)
    return (out - 1.0) ** 2


def test_a_graph_too_large_to_fit_readably_opens_at_one_to_one_and_follows_the_steps(
    browser: Browser, tmp_path: Path
) -> None:
    root = big_mlp_loss()
    steps = backward_steps(root)
    page, errors = open_page(browser, write_stepper(root, tmp_path / "big.html"), (1024, 700))
    # Fitted, its text would be a few px high: it opens at 1:1 and says why.
    assert page.inner_text("#mg-zoom") == "Fit"
    assert page.is_visible("#mg-zoom-note") and "too large" in page.inner_text("#mg-zoom-note")
    assert page.evaluate(OVERHANG_JS)[0] > 0 or page.evaluate(OVERHANG_JS)[1] > 0
    assert min(b["font"] for b in page.evaluate(BOXES_JS)) >= 10
    area = page.locator("#mg-graph").bounding_box()
    assert area is not None

    def in_view(node_id: str) -> bool:
        r = page.locator(f"#mg-{node_id}").bounding_box()
        assert r is not None and area is not None
        return (
            area["x"] <= r["x"]
            and r["x"] + r["width"] <= area["x"] + area["width"]
            and (area["y"] <= r["y"] and r["y"] + r["height"] <= area["y"] + area["height"])
        )

    assert in_view(f"v{len(topological_order(root)) - 1}")  # the seeded root, at step 0
    order = {node: i for i, node in enumerate(topological_order(root))}
    for k, step in enumerate(steps, start=1):  # each step scrolls its parent (the grad it adds to) into view
        page.keyboard.press("ArrowRight")
        if k % 7 == 0 or k == len(steps):
            assert in_view(f"v{order[step.parent]}"), f"step {k}"
    # Fit still shows the whole graph, small, and the note goes.
    page.click("#mg-zoom")
    assert page.inner_text("#mg-zoom") == "1:1" and not page.is_visible("#mg-zoom-note")
    assert page.evaluate(OVERHANG_JS) == [0, 0]
    assert errors == []
    page.close()


def test_keys_move_through_the_steps(browser: Browser, pages: dict[str, Path]) -> None:
    n = len(backward_steps(worked_example().L))
    page, errors = open_page(browser, pages["worked"], (1024, 700))
    for key, expected in [("ArrowRight", 1), ("ArrowRight", 2), ("ArrowLeft", 1), ("End", n), ("Home", 0)]:
        page.keyboard.press(key)
        assert page.inner_text("#mg-step-index") == str(expected), key
    page.keyboard.press("ArrowLeft")  # nothing before step 0
    assert page.inner_text("#mg-step-index") == "0"
    page.click("#mg-next")
    page.click("#mg-next")
    page.click("#mg-prev")
    assert page.inner_text("#mg-step-index") == "1"
    assert errors == []
    page.close()
