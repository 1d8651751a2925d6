"""What the stepper's browser tests share (no tests here): chromium, and opening a page that
must fetch nothing but itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def browser_fixture() -> Callable[[], Iterator[Browser]]:
    """A module-scoped ``browser`` fixture: ``browser = browser_fixture()`` in a test module."""

    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            yield b
            b.close()

    return browser


def open_page(browser: Browser, path: Path, size: tuple[int, int] = (1280, 720)) -> tuple[Page, list[str]]:
    """``path`` opened at viewport ``size``, and the list its script errors go to.  Asserts that
    the page requested nothing but itself (data: URIs are part of the page)."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert [r for r in requests if not r.startswith("data:")] == [path.as_uri()]  # nothing else is fetched
    return page, errors
