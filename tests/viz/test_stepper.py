"""The HTML stepper in a real headless browser: its numbers are backward_steps' to the bit."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from test_stepper_browser import browser_fixture, open_page
from viz_graphs import sin_times_cos

from micrograd.engine import Value, topological_order
from micrograd.examples import build_example, worked_example
from micrograd.viz import stepper
from micrograd.viz.names import format_number, grad_text
from micrograd.viz.stepper import build_stepper_html, write_stepper
from micrograd.viz.steps import backward_steps

SVG_NS = "{http://www.w3.org/2000/svg}"


browser = browser_fixture()


def page_data(page: str) -> dict[str, Any]:
    """The JSON the page's script reads."""
    match = re.search(r'<script type="application/json" class="mg-data">(.*?)</script>', page, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def shown(page: Page, name: str) -> float:
    value = page.get_attribute(f"#mg-{name}", "data-value")
    assert value not in (None, "")
    return float(value)


def box_grad(page: Page, node_id: str) -> str:
    texts = page.locator(f"#mg-graph g#mg-{node_id} text").all_text_contents()
    (grad,) = [t for t in texts if t.startswith("grad ")]
    return grad


SNAPSHOT_JS = """parent => {
  const el = id => document.getElementById("mg-" + id);
  const grads = Array.from(document.querySelectorAll("#mg-graph g#mg-" + parent + " text"))
    .map(t => t.textContent).filter(t => t.startsWith("grad "));
  return {
    index: el("step-index").textContent,
    edge: el("edge").textContent,
    texts: ["upstream", "local", "contribution", "sum"].map(id => el(id).textContent),
    numbers: ["upstream", "local", "contribution", "grad-before", "grad-after"].map(
      id => el(id).getAttribute("data-value")),
    hl: Array.from(document.querySelectorAll(".mg-hl")).map(e => e.id),
    grad: grads,
  };
}"""


def test_page_is_self_contained() -> None:
    page = build_stepper_html(worked_example().L)
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    # The only URLs are XML namespace names inside the SVG, which are never fetched.
    urls = set(re.findall(r"https?://[^\s\"'<>\\]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    # The graph travels as data, laid out both ways, each an inline SVG without XML prolog.
    svgs = page_data(page)["svgs"]
    assert sorted(svgs) == ["LR", "TB"]
    for svg in svgs.values():
        assert svg.startswith("<svg") and svg.count("<svg") == 1
        assert 'id="mg-v0"' in svg and 'id="v0"' not in svg  # every id carries the stepper's id
    assert "<?xml" not in page and "<svg" not in page  # no markup outside the data: the script builds it


@pytest.mark.parametrize("example", ["worked", "mlp"])
def test_next_walks_the_steps_of_backward_steps(browser: Browser, tmp_path: Path, example: str) -> None:
    root = build_example(example)
    trace = backward_steps(root)
    index = {n: i for i, n in enumerate(topological_order(root))}
    path = write_stepper(root, tmp_path / "backward.html")
    page, errors = open_page(browser, path)
    assert page.inner_text("#mg-step-count") == str(len(trace))
    assert page.inner_text("#mg-step-index") == "0"
    assert page.is_disabled("#mg-prev")
    assert shown(page, "grad-after") == 1.0  # the seed
    terms: dict[Value, list[str]] = {}  # what each grad is the sum of, so far
    for n, step in enumerate(trace, start=1):
        page.click("#mg-next")
        p, c = index[step.parent], index[step.child]
        snap = page.evaluate(SNAPSHOT_JS, f"v{p}")  # one round trip per step keeps this fast
        assert snap["index"] == str(n)
        numbers = [step.upstream, step.local, step.contribution, step.grad_before, step.grad_after]
        assert [float(x) for x in snap["numbers"]] == numbers
        assert step.parent_name in snap["edge"]
        term = format_number(step.contribution)
        earlier = terms.setdefault(step.parent, [])
        earlier.append(f"({term})" if earlier and step.contribution < 0 else term)
        after = format_number(step.grad_after)
        total = f"{' + '.join(earlier)} = {after}" if len(earlier) > 1 else after
        assert snap["texts"] == [
            step.upstream_text(4), step.local_text(4), term, f"{grad_text(step.parent_name)} = {total}"
        ]  # fmt: skip
        hl = {f"v{p}", f"v{c}", f"v{c}_op", f"e{p}_{c}_{step.parent_index}"}
        assert set(snap["hl"]) == {f"mg-{e}" for e in hl}
        assert snap["grad"] == [f"grad {format_number(step.grad_after)}"]
    assert page.is_disabled("#mg-next")
    # Every box now shows backward()'s final gradient.
    root.backward()
    for node, i in index.items():
        assert box_grad(page, f"v{i}") == f"grad {format_number(node.grad)}"
    # Prev goes back and un-does the last gradient update.
    page.click("#mg-prev")
    last = trace[len(trace) - 1]
    assert page.inner_text("#mg-step-index") == str(len(trace) - 1)
    assert box_grad(page, f"v{index[last.parent]}") == f"grad {format_number(last.grad_before)}"
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#mg-step-index") == str(len(trace))
    assert errors == []
    page.close()


def test_worked_example_page_shows_the_hand_numbers(browser: Browser, tmp_path: Path) -> None:
    ex = worked_example()
    path = write_stepper(ex.L, tmp_path / "w.html")
    page, errors = open_page(browser, path)
    for _ in range(7):
        page.click("#mg-next")
    assert page.inner_text("#mg-edge").startswith("step 7: m2")
    assert page.inner_text("#mg-upstream") == "dL/dz2 = 2"
    assert page.inner_text("#mg-local") == "dz2/dm2 = a1 = 6"
    assert page.inner_text("#mg-contribution") == "12"
    assert page.inner_text("#mg-sum") == "m2.grad = 12"
    assert shown(page, "grad-after") == 12.0
    assert errors == []
    page.close()


def test_page_escapes_labels() -> None:
    a = Value(1.0, label="</script><b>")
    page = build_stepper_html((a * 2).relu())
    assert page.count("</script>") == 2  # only the two real closing tags
    assert "<b>" not in page  # in the title escaped, in the data every "<" is \u003c


def test_label_with_html_comment_opener_does_not_break_the_page(browser: Browser, tmp_path: Path) -> None:
    # "<!--" followed by "<script" inside a <script> element switches the HTML
    # parser into its "double escaped" state, where the closing tag no longer
    # ends the element: the data and the page's own script would be swallowed.
    a = Value(2.0, label="<!--<script>")
    path = write_stepper((a * 3).relu(), tmp_path / "c.html")
    page, errors = open_page(browser, path)
    assert page.inner_text("#mg-edge").startswith("step 0")
    page.click("#mg-next")
    assert page.inner_text("#mg-step-index") == "1"
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
        page.click("#mg-next")
    texts = page.locator(f"#mg-graph g#mg-v{i} text").all_text_contents()
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
    data = page_data(build_stepper_html(root, max_nodes=7))
    assert sorted(data["svgs"]) == ["LR", "TB"] and len(data["steps"]) == 6


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
        page.click("#mg-next")
        shown_local[step.parent_name, step.child_name] = page.inner_text("#mg-local")
        assert shown(page, "local") == step.local
    assert shown_local["x", "s"] == "ds/dx = cos(x) = 0.8776"
    assert shown_local["x", "c"] == "dc/dx = -sin(x) = -0.4794"
    texts = page.locator("#mg-graph text").all_text_contents()
    assert "sin" in texts and "cos" in texts
    out.backward()
    assert box_grad(page, f"v{topological_order(out).index(x)}") == f"grad {format_number(x.grad)}"
    assert errors == []
    page.close()


def test_script_and_style_are_the_package_files_inlined() -> None:
    page = build_stepper_html(worked_example().L)
    viz = resources.files("micrograd.viz")
    script = viz.joinpath("stepper.js").read_text(encoding="utf-8")
    style = viz.joinpath("stepper.css").read_text(encoding="utf-8")
    assert f"<script>\n{script}</script>" in page
    assert f"<style>\n{style}</style>" in page
    assert 'JSON.parse(box.querySelector("script.mg-data").textContent)' in script


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


PHASES_JS = """() => Array.from(document.querySelectorAll("#mg-graph g.node"))
  .filter(g => /^mg-v[0-9]+$/.test(g.id)).map(g => [
  g.id, ["mg-wait", "mg-acc", "mg-final"].filter(c => g.classList.contains(c)),
  getComputedStyle(g.querySelector("polygon")).fill])"""


def test_a_grad_with_several_terms_reads_as_a_sum_and_each_box_shows_its_phase(
    browser: Browser, tmp_path: Path
) -> None:
    m = Value(2.0, label="m")
    a, b = m * 4.0, m * 3.0
    a.label, b.label = "a", "b"
    root = a + b
    root.label = "L"
    trace = backward_steps(root)
    order = topological_order(root)
    page, errors = open_page(browser, write_stepper(root, tmp_path / "sum.html"))
    fills: dict[str, set[str]] = {}
    for k in range(len(trace) + 1):
        # A box's phase after k steps: not reached (no term yet), being summed, or final (all terms in).
        for node_id, classes, fill in page.evaluate(PHASES_JS):
            node = order[int(node_id.removeprefix("mg-v"))]
            terms = [s.index for s in trace if s.parent is node]
            got = sum(i <= k for i in terms)
            phase = "final" if node is root or got == len(terms) else "acc" if got else "wait"
            assert classes == [f"mg-{phase}"], (k, node_id)
            fills.setdefault(phase, set()).add(fill)
        if k < len(trace) and trace[k].parent is m:
            page.keyboard.press("ArrowRight")
            first = sum(s.parent is m for s in trace[: k + 1]) == 1
            sum_text, status = page.inner_text("#mg-sum"), page.inner_text("#mg-status")
            if first:
                assert sum_text == f"m.grad = {format_number(trace[k].contribution)}"
                assert status == "1 of 2 contributions so far"
            else:
                assert sum_text in ("m.grad = 4 + 3 = 7", "m.grad = 3 + 4 = 7")
                assert status == "final: the sum of all 2"
        else:
            page.keyboard.press("ArrowRight")
    # Three phases, three colours.
    assert all(len(f) == 1 for f in fills.values()) and len(set().union(*fills.values())) == 3
    assert errors == []
    page.close()
