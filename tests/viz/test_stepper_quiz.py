"""The stepper's quiz (type upstream * local before the step is revealed) and the chain rule that a
click on a box shows, in chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from test_stepper_browser import browser_fixture, open_page

from micrograd.engine import Value, topological_order
from micrograd.examples import tiny_mlp_example, worked_example
from micrograd.viz.explain import explain
from micrograd.viz.names import format_number, grad_text
from micrograd.viz.stepper import write_stepper
from micrograd.viz.steps import Step, backward_steps

browser = browser_fixture()


def open_stepper(browser: Browser, root: Value, folder: Path) -> tuple[Page, list[str]]:
    return open_page(browser, write_stepper(root, folder / "stepper.html"), (1024, 700))


def product(step: Step) -> str:
    """The correct product as the verdict writes it: ``2 * 0.5 = 1``, negative factors in parentheses."""

    def factor(x: float) -> str:
        return f"({format_number(x)})" if x < 0 else format_number(x)

    return f"{factor(step.upstream)} * {factor(step.local)} = {format_number(step.contribution)}"


def answer(page: Page, text: str) -> tuple[str, str]:
    page.fill("#mg-answer", text)
    page.press("#mg-answer", "Enter")
    return page.inner_text("#mg-verdict"), page.get_attribute("#mg-verdict", "class") or ""


def test_quiz_marks_answers_right_and_wrong_and_keeps_score(browser: Browser, tmp_path: Path) -> None:
    ex = worked_example()
    trace = backward_steps(ex.L)
    index = {n: i for i, n in enumerate(topological_order(ex.L))}
    page, errors = open_stepper(browser, ex.L, tmp_path)
    page.check("#mg-quiz")
    # The question for step 1: the edge, upstream and local shown, the contribution asked.
    assert page.inner_text("#mg-edge").startswith("Quiz, step 1: ")
    assert page.is_visible("#mg-answer") and not page.is_visible("#mg-contribution")
    assert page.inner_text("#mg-upstream") == trace[0].upstream_text(4)
    assert page.inner_text("#mg-local") == trace[0].local_text(4)
    assert page.inner_text("#mg-step-index") == "0"
    assert page.evaluate("() => document.activeElement.id") == "mg-answer"
    # Right: the step is revealed, its grad written into the box, the next question asked.
    verdict, cls = answer(page, format_number(trace[0].contribution))
    # The verdict names its step: it shows under the next question.
    assert verdict == f"step 1: \N{CHECK MARK} right, {product(trace[0])}" and "mg-right" in cls
    assert page.inner_text("#mg-step-index") == "1"
    grad = page.locator(f"#mg-v{index[trace[0].parent]} text").all_text_contents()[-1]
    assert grad == f"grad {format_number(trace[0].grad_after)}"
    assert page.inner_text("#mg-edge").startswith("Quiz, step 2: ")
    assert page.inner_text("#mg-score") == "score 1 / 1"
    # Wrong: told so, with the correct product, and the step is revealed anyway.
    verdict, cls = answer(page, "7")
    assert verdict == f"step 2: \N{BALLOT X} not quite (you typed 7), {product(trace[1])}"
    assert "mg-wrong" in cls
    assert page.inner_text("#mg-score") == "score 1 / 2"
    # Not a number: said so, nothing counted, nothing revealed.
    verdict, _ = answer(page, "two")
    assert verdict.startswith("Type a number") and page.inner_text("#mg-step-index") == "2"
    assert page.inner_text("#mg-score") == "score 1 / 2"
    # Back and forth over answered steps asks nothing again.
    page.click("#mg-prev")
    assert not page.is_visible("#mg-answer") and page.inner_text("#mg-step-index") == "1"
    page.click("#mg-next")
    assert page.inner_text("#mg-step-index") == "2" and page.is_visible("#mg-answer")
    # The rest right (step 7 as a sum that needs its sign: -2 * ... typed with a Unicode minus).
    for step in trace[2:]:
        typed = format_number(step.contribution).replace("-", "\N{MINUS SIGN}")
        verdict, cls = answer(page, typed)
        assert "mg-right" in cls, (step.index, verdict)
    assert page.inner_text("#mg-step-index") == str(len(trace))
    assert page.inner_text("#mg-score") == f"Quiz done: {len(trace) - 1} of {len(trace)} right"
    assert not page.is_visible("#mg-answer")
    # Leaving the quiz shows the plain stepper again.
    page.uncheck("#mg-quiz")
    assert page.inner_text("#mg-score") == "" and page.inner_text("#mg-edge").startswith(
        f"step {len(trace)}: "
    )
    assert errors == []
    page.close()


def test_quiz_accepts_rounding_to_the_shown_digits_only(browser: Browser, tmp_path: Path) -> None:
    root = tiny_mlp_example()
    trace = backward_steps(root)
    # A step whose factors both have more digits than are shown.
    k, step = next(
        (k, s) for k, s in enumerate(trace) if len(repr(s.upstream)) > 8 and len(repr(s.local)) > 8
    )
    page, errors = open_stepper(browser, root, tmp_path)
    for _ in range(k):
        page.keyboard.press("ArrowRight")
    page.check("#mg-quiz")
    assert page.inner_text("#mg-edge").startswith(f"Quiz, step {step.index}: ")
    shown = float(format_number(step.upstream)) * float(format_number(step.local))
    candidates = {
        "the exact product": repr(step.contribution),
        "the product rounded to the digits shown": format_number(step.contribution),
        "the product of the rounded factors": repr(shown),
        "that rounded": format_number(shown),
    }
    for what, typed in candidates.items():
        verdict, cls = answer(page, typed)
        assert "mg-right" in cls, (what, typed, verdict)
        page.reload()  # the same question again
        for _ in range(k):
            page.keyboard.press("ArrowRight")
        page.check("#mg-quiz")
    for typed in [format_number(step.contribution * 1.01), format_number(step.contribution, 2)]:
        verdict, cls = answer(page, typed)
        assert "mg-wrong" in cls and verdict.endswith(product(step)), typed
        page.reload()
        for _ in range(k):
            page.keyboard.press("ArrowRight")
        page.check("#mg-quiz")
    assert errors == []
    page.close()


@pytest.mark.parametrize("example", ["worked", "mlp"])
def test_clicking_a_box_shows_its_chain_rule_and_final_grad(
    browser: Browser, tmp_path: Path, example: str
) -> None:
    ex = worked_example()
    root = ex.L if example == "worked" else tiny_mlp_example()
    trace = backward_steps(root)
    order = topological_order(root)
    final = trace.grads_after(len(trace))
    page, errors = open_stepper(browser, root, tmp_path)
    assert not page.is_visible("#mg-explain")
    leaves = [n for n in order if not n._prev]
    for node in [*leaves[:3], order[len(order) // 2], root]:
        i = order.index(node)
        page.click(f"#mg-v{i} text >> nth=0")
        assert page.is_visible("#mg-explain")
        name = trace.names[node]
        assert page.inner_text("#mg-explain-title") == f"The chain rule for {name}"
        last = [s.index for s in trace if s.parent is node]
        when = f" (final at step {last[-1]})" if last else ""
        expected = f"{explain(root, node, precision=4)}\n\n{grad_text(name)} = {format_number(final[node])}"
        assert page.text_content("#mg-explain-text") == f"{expected} after backward(){when}"
        assert float(page.get_attribute("#mg-explain-text", "data-value") or "nan") == final[node]
        assert "mg-picked" in (page.get_attribute(f"#mg-v{i}", "class") or "")
    if example == "worked":  # the whole chain, with numbers
        page.click(f"#mg-v{order.index(ex.m1)} text >> nth=0")
        assert "dL/dm1 = 2 * 1 * 0.5 * 2 = 2" in page.text_content("#mg-explain-text")  # type: ignore[operator]
    page.keyboard.press("Escape")
    assert not page.is_visible("#mg-explain")
    assert errors == []
    page.close()
