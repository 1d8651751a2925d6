"""The stepper inside a notebook (micrograd.viz.inline): its HTML output works in chromium, two of
them do not interfere, and without scripts it still shows the graph and the table of steps."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from test_stepper_browser import browser_fixture, open_page

from micrograd.examples import tiny_mlp_example, worked_example
from micrograd.viz.inline import Stepper, show_stepper
from micrograd.viz.steps import backward_steps

browser = browser_fixture()


def notebook_page(*outputs: str) -> str:
    """A page laid out like a notebook: a narrow column of cells, each output in its own div."""
    cells = "\n".join(f'<div class="cell"><p>In [{i}]:</p><div class="output">{o}</div></div>'
                      for i, o in enumerate(outputs, start=1))  # fmt: skip
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="width: 900px; margin: 10px auto; font-family: serif">{cells}</body></html>'
    )


def without(tag: str, page: str) -> str:
    """``page`` with every ``<tag>`` element and its content removed (what a sanitiser does)."""
    return re.sub(rf"<{tag}\b.*?</{tag}>", "", page, flags=re.S | re.I)


def open_html(browser: Browser, text: str, folder: Path) -> tuple[Page, list[str]]:
    path = folder / "notebook.html"
    path.write_text(text, encoding="utf-8")
    return open_page(browser, path, (1000, 800))


def test_two_inline_steppers_step_independently(browser: Browser, tmp_path: Path) -> None:
    worked, mlp = Stepper(worked_example().L), Stepper(tiny_mlp_example())
    assert worked.uid != mlp.uid
    page, errors = open_html(browser, notebook_page(worked.html, mlp.html), tmp_path)
    ids = page.evaluate("() => Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids)) > 100  # every id in the document is unique
    assert page.locator(".mg-fallback").count() == 0  # the script replaced the static fallback
    a, b = f"#{worked.uid}-", f"#{mlp.uid}-"
    assert page.inner_text(a + "step-count") == str(len(backward_steps(worked_example().L)))
    last = str(len(backward_steps(tiny_mlp_example())))
    assert page.inner_text(b + "step-count") == last
    page.click(a + "next")
    page.click(a + "next")
    page.click(a + "prev")
    assert (page.inner_text(a + "step-index"), page.inner_text(b + "step-index")) == ("1", "0")
    # Keys go to the stepper that has the focus (a click gives it), and only to it.
    page.click(b + "graph")
    for key, expected in [("ArrowRight", "1"), ("ArrowRight", "2"), ("ArrowLeft", "1"), ("End", last)]:
        page.keyboard.press(key)
        assert page.inner_text(b + "step-index") == expected, key
    page.keyboard.press("Home")
    assert (page.inner_text(a + "step-index"), page.inner_text(b + "step-index")) == ("1", "0")
    # Fitted to the output's width, as tall as it needs.
    box = page.locator(f"#{worked.uid}").bounding_box()
    svg = page.locator(a + "graph svg").bounding_box()
    assert box is not None and svg is not None and svg["width"] <= box["width"]
    assert box["height"] < 560  # a wide, flat graph does not take a screen's height
    # JupyterLab's keyboard shortcuts stay out of the stepper while it has the focus.
    assert page.get_attribute(f"#{worked.uid}", "data-lm-suppress-shortcuts") == "true"
    assert errors == []
    page.close()


def test_without_scripts_the_output_shows_the_picture_and_the_table(browser: Browser, tmp_path: Path) -> None:
    root = worked_example().L
    trace = backward_steps(root)
    stepper = Stepper(root)
    # Untrusted, JupyterLab removes scripts and style sheets (and SVG) from stored HTML.
    sanitised = without("style", without("script", notebook_page(stepper.html)))
    assert "<script" not in sanitised and "<svg" not in sanitised
    page, errors = open_html(browser, sanitised, tmp_path)
    size = page.evaluate("() => { const i = document.querySelector('.mg-fallback img'); "
                         "return [i.naturalWidth, i.getBoundingClientRect().width]; }")  # fmt: skip
    assert size[0] > 300 and 300 < size[1] <= 900  # the PNG decoded, and shown no wider than the column
    rows = page.locator(".mg-fallback table tr").all_inner_texts()
    assert len(rows) == len(trace) + 2  # the header, the seed, one row per step
    assert "m2 <- z2" in rows[8] and "12" in rows[8]  # step 7
    text = page.inner_text("body")
    assert "Run the cell (or trust the notebook) to step through them here." in text
    # Nothing of the stepper leaks as text: no controls, no data, no style sheet.
    assert "Prev" not in text and "{" not in text and "mg-" not in text
    assert errors == []
    page.close()


def test_the_same_stepper_code_as_the_page_and_a_bundle_for_every_front_end() -> None:
    stepper = Stepper(worked_example().L)
    viz = resources.files("micrograd.viz")
    assert f"<script>\n{viz.joinpath('stepper.js').read_text(encoding='utf-8')}</script>" in stepper.html
    assert f"<style>\n{viz.joinpath('stepper.css').read_text(encoding='utf-8')}</style>" in stepper.html
    bundle = stepper._repr_mimebundle_()
    assert sorted(bundle) == ["image/png", "text/html", "text/plain"]
    assert bundle["text/html"] == stepper._repr_html_() == stepper.html
    assert base64.b64decode(bundle["image/png"]) == stepper.png
    assert stepper.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert bundle["text/plain"] == f"<micrograd stepper {stepper.uid}: 10 backward steps>"
    with pytest.raises(TypeError, match="Stepper expects a Value, got 'int'"):
        Stepper(3)  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(ValueError, match="pass max_nodes=11"):
        Stepper(worked_example().L, max_nodes=5)


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_show_stepper_displays_in_ipython_and_says_what_to_do_elsewhere() -> None:
    with pytest.raises(RuntimeError, match=r"write_stepper\(root, 'backward.html'\)"):
        show_stepper(worked_example().L)
    shown = _run(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "seen = []\n"
        "shell.display_pub.publish = lambda data, metadata=None, **kw: seen.append(sorted(data))\n"
        "from micrograd.examples import worked_example\n"
        "from micrograd.viz.inline import show_stepper\n"
        "print(show_stepper(worked_example().L), seen)\n"
    )
    assert shown.strip() == "None [['image/png', 'text/html', 'text/plain']]"


def test_a_notebook_run_again_stores_the_same_output() -> None:
    # Ids come from the graph and a count, not from chance: a fresh run gives the same bytes.
    code = (
        "import hashlib\nfrom micrograd.examples import worked_example\n"
        "from micrograd.viz.inline import Stepper\n"
        "print(hashlib.sha256(Stepper(worked_example().L).html.encode()).hexdigest())\n"
    )
    assert _run(code) == _run(code)
