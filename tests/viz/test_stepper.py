"""The HTML stepper in a real headless browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from viz_graphs import sin_times_cos

from micrograd.engine import Value, topological_order
from micrograd.examples import build_example, worked_example
from micrograd.viz import stepper
from micrograd.viz.names import format_number
from micrograd.viz.stepper import build_stepper_html, write_stepper
from micrograd.viz.steps import backward_steps

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser: Browser, path: Path) -> tuple[Page, list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert requests == [path.as_uri()]  # nothing else is fetched
    return page, errors


def shown(page: Page, name: str) -> float:
    value = page.get_attribute(f"#{name}", "data-value")
    assert value not in (None, "")
    return float(value)


def grad_text(page: Page, node_id: str) -> str:
    texts = page.locator(f"#graph g#{node_id} text").all_text_contents()
    (grad,) = [t for t in texts if t.startswith("grad ")]
    return grad


SNAPSHOT_JS = """parent => {
  const v = id => document.getElementById(id).getAttribute("data-value");
  const grads = Array.from(document.querySelectorAll("#graph g#" + parent + " text"))
    .map(t => t.textContent).filter(t => t.startsWith("grad "));
  return {
    index: document.getElementById("step-index").textContent,
    edge: document.getElementById("edge").textContent,
    arith: document.getElementById("arith").textContent,
    numbers: ["upstream", "local", "contribution", "grad-before", "grad-after"].map(v),
    hl: Array.from(document.querySelectorAll(".hl")).map(e => e.id),
    grad: grads,
  };
}"""


def test_page_is_self_contained() -> None:
    page = build_stepper_html(worked_example().L)
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    # The only URLs are XML namespace names inside the SVG, which are never fetched.
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert page.count("<svg") == 1
    assert "<?xml" not in page


@pytest.mark.parametrize("example", ["worked", "mlp"])
def test_next_walks_the_steps_of_backward_steps(browser: Browser, tmp_path: Path, example: str) -> None:
    root = build_example(example)
    trace = backward_steps(root)
    index = {n: i for i, n in enumerate(topological_order(root))}
    path = write_stepper(root, tmp_path / "backward.html")
    page, errors = open_page(browser, path)
    assert page.inner_text("#step-count") == str(len(trace))
    assert page.inner_text("#step-index") == "0"
    assert page.is_disabled("#prev")
    assert shown(page, "grad-after") == 1.0  # the seed
    for n, step in enumerate(trace, start=1):
        page.click("#next")
        p, c = index[step.parent], index[step.child]
        snap = page.evaluate(SNAPSHOT_JS, f"v{p}")  # one round trip per step keeps this fast
        assert snap["index"] == str(n)
        numbers = [step.upstream, step.local, step.contribution, step.grad_before, step.grad_after]
        assert [float(x) for x in snap["numbers"]] == numbers
        assert step.parent_name in snap["edge"]
        assert snap["arith"] == step.describe(4)
        assert set(snap["hl"]) == {f"v{p}", f"v{c}", f"v{c}_op", f"e{p}_{c}_{step.parent_index}"}
        assert snap["grad"] == [f"grad {format_number(step.grad_after)}"]
    assert page.is_disabled("#next")
    # Every box now shows backward()'s final gradient.
    root.backward()
    for node, i in index.items():
        assert grad_text(page, f"v{i}") == f"grad {format_number(node.grad)}"
    # Prev goes back and un-does the last gradient update.
    page.click("#prev")
    last = trace[len(trace) - 1]
    assert page.inner_text("#step-index") == str(len(trace) - 1)
    assert grad_text(page, f"v{index[last.parent]}") == f"grad {format_number(last.grad_before)}"
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#step-index") == str(len(trace))
    assert errors == []
    page.close()


def test_worked_example_page_shows_the_hand_numbers(browser: Browser, tmp_path: Path) -> None:
    ex = worked_example()
    path = write_stepper(ex.L, tmp_path / "w.html")
    page, errors = open_page(browser, path)
    for _ in range(7):
        page.click("#next")
    assert page.inner_text("#edge").startswith("step 7: m2")
    assert page.inner_text("#local") == "dz2/dm2 = a1 = 6"
    assert shown(page, "grad-after") == 12.0
    assert errors == []
    page.close()


def test_page_escapes_labels() -> None:
    a = Value(1.0, label="</script><b>")
    page = build_stepper_html((a * 2).relu())
    assert page.count("</script>") == 2  # only the two real closing tags
    assert "<b>" not in page.split('id="graph"')[0]


def test_label_with_html_comment_opener_does_not_break_the_page(browser: Browser, tmp_path: Path) -> None:
    # "<!--" followed by "<script" inside a <script> element switches the HTML
    # parser into its "double escaped" state, where the closing tag no longer
    # ends the element: the data and the page's own script would be swallowed.
    a = Value(2.0, label="<!--<script>")
    path = write_stepper((a * 3).relu(), tmp_path / "c.html")
    page, errors = open_page(browser, path)
    assert page.inner_text("#edge").startswith("step 0")
    page.click("#next")
    assert page.inner_text("#step-index") == "1"
    assert errors == []
    page.close()


def test_label_starting_with_grad_is_not_overwritten(browser: Browser, tmp_path: Path) -> None:
    # Only the box's grad field changes from step to step, not a label that
    # happens to start with "grad ".
    b = Value(2.0, label="grad norm")
    root = (b * 3).relu()
    trace = backward_steps(root)
    i = topological_order(root).index(b)
    path = write_stepper(root, tmp_path / "g.html")
    page, errors = open_page(browser, path)
    for _ in trace:
        page.click("#next")
    texts = page.locator(f"#graph g#v{i} text").all_text_contents()
    assert texts == ["grad norm", "data 2", f"grad {format_number(trace.final_grads[b])}"]
    assert errors == []
    page.close()


def test_node_limit_can_be_raised_as_the_error_says() -> None:
    x = Value(1.0, label="x")
    root = x
    for _ in range(3):
        root = root * 1.5
    with pytest.raises(ValueError, match="pass max_nodes=7 to draw it anyway"):
        build_stepper_html(root, max_nodes=6)
    page = build_stepper_html(root, max_nodes=7)
    assert page.count("<svg") == 1


def test_oversized_graph_is_refused_before_it_is_traced(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tracing(root: Value) -> None:
        raise AssertionError("backward_steps ran on a graph that was going to be refused")

    monkeypatch.setattr(stepper, "backward_steps", no_tracing)
    root = Value(1.0)
    for _ in range(20):
        root = root * 1.5
    with pytest.raises(ValueError, match="more than max_nodes=10") as info:
        build_stepper_html(root, max_nodes=10)
    # 20 ops, 20 constants, the start. Only advice the stepper can take: it has no collapse=.
    assert "pass max_nodes=41" in str(info.value) and "collapse" not in str(info.value)
    with pytest.raises(TypeError, match="build_stepper_html expects a Value, got 'str'"):
        build_stepper_html("x")  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        build_stepper_html(root, max_nodes=0)


def test_sin_and_cos_page_shows_their_rules(browser: Browser, tmp_path: Path) -> None:
    x, _, _, out = sin_times_cos(0.5)
    trace = backward_steps(out)
    path = write_stepper(out, tmp_path / "trig.html")
    page, errors = open_page(browser, path)
    shown_local = {}
    for step in trace:
        page.click("#next")
        shown_local[step.parent_name, step.child_name] = page.inner_text("#local")
        assert shown(page, "local") == step.local
    assert shown_local["x", "s"] == "ds/dx = cos(x) = 0.8776"
    assert shown_local["x", "c"] == "dc/dx = -sin(x) = -0.4794"
    texts = page.locator("#graph text").all_text_contents()
    assert "sin" in texts and "cos" in texts
    out.backward()
    assert grad_text(page, f"v{topological_order(out).index(x)}") == f"grad {format_number(x.grad)}"
    assert errors == []
    page.close()


def test_script_and_style_are_the_package_files_inlined() -> None:
    page = build_stepper_html(worked_example().L)
    viz = resources.files("micrograd.viz")
    script = viz.joinpath("stepper.js").read_text(encoding="utf-8")
    style = viz.joinpath("stepper.css").read_text(encoding="utf-8")
    assert f"<script>\n{script}</script>" in page
    assert f"<style>\n{style}</style>" in page
    assert 'JSON.parse(document.getElementById("trace-data")' in script


def test_a_package_file_that_would_end_its_element_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Inlined, a "</script" in the script (or "</style" in the style sheet) would end the element early.
    for css, js, message in [
        ("p {}", "var s = '</SCRIPT>';", "stepper.js contains '</script'"),
        ("/* </Style> */", "var k = 0;", "stepper.css contains '</style'"),
    ]:
        (tmp_path / "stepper.css").write_text(css, encoding="utf-8")
        (tmp_path / "stepper.js").write_text(js, encoding="utf-8")
        monkeypatch.setattr(stepper, "_ASSETS", tmp_path)
        with pytest.raises(ValueError, match=re.escape(message)):
            build_stepper_html(worked_example().L)
