"""The notebooks as a learner first sees them: opened in a real JupyterLab,
straight from a clone, before running anything (and, in one test, after Run All).

A fresh clone's notebooks are *untrusted* (no signature in the user's
Jupyter data folder), and JupyterLab then refuses to render stored SVG: it
shows the ``text/plain`` fallback (``<IPython.core.display.SVG object>``)
instead.  So each stored graph must also carry a PNG, which JupyterLab
renders in any case.  This test starts one JupyterLab server on a copy of the
committed notebooks, with fresh settings, data, config and runtime folders (so
nothing is trusted and no earlier workspace is restored), opens every notebook
in chromium and checks what is on screen:

* no output shows the repr of a display object (``<... object>``);
* every stored picture (``image/png``, with or without an SVG next to it) is
  shown as an image that has loaded (``naturalWidth > 0``);
* every notebook shows at least one picture.

JupyterLab draws only the cells in view unless its notebook setting
``windowingMode`` is ``"none"``, which the fresh settings folder sets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT = 60.0  # s; JupyterLab answers in a few seconds on a quiet machine
RENDER_TIMEOUT_MS = 30_000
# The text/plain repr of a display object: what an output shows when its picture is not rendered.
OBJECT_REPR = re.compile(r"<[A-Za-z_][\w.]* (?:object|at 0x)[^>]*>")
# Read every cell's outputs as rendered: the MIME type JupyterLab chose, the text, and each image's state.
READ_OUTPUTS = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')).map(
  cell => Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(out => ({
    mime: out.getAttribute('data-mime-type') || '',
    text: out.innerText,
    width: out.clientWidth,
    images: Array.from(out.querySelectorAll('img')).map(img => ({complete: img.complete,
      width: img.naturalWidth, shown: img.getBoundingClientRect().width, src: img.src.slice(0, 30)})),
  })))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/status", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(server: subprocess.Popen[bytes], url: str) -> None:
    """Shut the kernels JupyterLab started down, then the server (its kernels run in their own
    sessions, so they are stopped through the API rather than by a signal to the server's group)."""
    try:
        with urllib.request.urlopen(f"{url}/api/sessions", timeout=5) as response:
            sessions = json.load(response)
        for session in sessions:
            request = urllib.request.Request(f"{url}/api/sessions/{session['id']}", method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()
    except (urllib.error.URLError, OSError, ValueError):
        pass  # the server is already gone
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # Jupyter's clean shutdown (SIGINT asks for confirmation)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, notebook folder) of a JupyterLab serving a copy of the committed notebooks."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    root.mkdir()
    for name in NAMES:  # only the .ipynb files, as a clone has them (no trust signatures)
        shutil.copy2(NOTEBOOK_DIR / f"{name}.ipynb", root)
    settings = base / "settings"
    _write_json(
        settings / "@jupyterlab/notebook-extension/tracker.jupyterlab-settings", {"windowingMode": "none"}
    )
    _write_json(
        settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings",
        {"fetchNews": "false", "checkForUpdates": False},  # no network, no news toast over the page
    )
    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),  # holds the trust database: fresh, so nothing is trusted
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        IPYTHONDIR=str(base / "ipython"),
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
    command += ["--IdentityProvider.token=", f"--ServerApp.root_dir={root}", "--allow-root"]
    # Should this process die without stopping the server, it ends itself: idle kernels are culled
    # after 2 minutes, and a server without kernels or requests for 5 minutes shuts down.
    command += ["--MappingKernelManager.cull_idle_timeout=120", "--MappingKernelManager.cull_interval=30"]
    command += ["--ServerApp.shutdown_no_activity_timeout=300"]
    log_path = base / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            env=env,
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                pytest.fail(f"JupyterLab did not start (exit {server.poll()}):\n{log_tail}")
            time.sleep(0.25)
        yield url, base
    finally:
        _stop(server, url)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is needed (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 800})
        finally:
            browser.close()


# For every cell: is its source folded away (the "..." placeholder shown instead of the editor)?
READ_FOLDED = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')).map(
  cell => cell.querySelector('.jp-InputPlaceholder') !== null
    && cell.querySelector('.jp-InputArea-editor')?.offsetParent == null)"""


def _stored_outputs(name: str) -> list[list[set[str]]]:
    """For every cell, the MIME types of each of its stored outputs (a stream is 'stream')."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    return [
        [set(out.get("data", {})) if "data" in out else {out.output_type} for out in cell.get("outputs", [])]
        for cell in nb.cells
    ]


def _open(page: Page, url: str, name: str, stored: list[list[set[str]]]) -> list[list[dict[str, Any]]]:
    """Open ``name`` as a learner would and wait until every cell and output is drawn and every
    image has finished loading; returns the rendered outputs (see READ_OUTPUTS)."""
    page.goto(f"{url}/lab/tree/{name}.ipynb?reset")
    expected = [len(outputs) for outputs in stored]
    page.wait_for_function(
        f"""() => {{
          const cells = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell'));
          const counts = cells.map(c => c.querySelectorAll('.jp-OutputArea-output').length);
          const imgs = Array.from(document.querySelectorAll('.jp-OutputArea-output img'));
          return JSON.stringify(counts) === {json.dumps(json.dumps(expected, separators=(",", ":")))}
            && imgs.every(img => img.complete);
        }}""",
        timeout=RENDER_TIMEOUT_MS,
    )
    rendered: list[list[dict[str, Any]]] = page.evaluate(READ_OUTPUTS)
    return rendered


@pytest.mark.parametrize("name", NAMES)
def test_notebook_shows_its_pictures_before_running(lab: tuple[str, Path], page: Page, name: str) -> None:
    url, base = lab
    stored = _stored_outputs(name)
    rendered = _open(page, url, name, stored)
    # Kept in the test's tmp folder for a look: the notebook as opened, and at its first picture.
    page.screenshot(path=str(base / f"{name}.png"))
    first_picture = page.locator(".jp-OutputArea-output img").first
    if first_picture.count():
        first_picture.scroll_into_view_if_needed()
        page.screenshot(path=str(base / f"{name}_picture.png"))
    pictures = 0
    for cell_no, (kept, shown) in enumerate(zip(stored, rendered, strict=True)):
        for out_no, (mimes, out) in enumerate(zip(kept, shown, strict=True)):
            where = f"{name}, cell {cell_no}, output {out_no}"
            match = OBJECT_REPR.search(out["text"])
            assert match is None, f"{where} shows {match.group(0)!r} instead of its content"
            if "image/svg+xml" in mimes:
                # Untrusted (as from a clone), JupyterLab must not render the SVG: it picks the PNG twin.
                assert "image/png" in mimes, f"{where}: a stored SVG without a PNG shows only as text"
            if "image/png" in mimes:
                # A graph or plot shows as its PNG; an HTML output that carries a PNG too (the inline
                # stepper) shows its sanitised HTML, whose static fallback holds the same picture.
                shown_as = {"text/html", "image/png"} if "text/html" in mimes else {"image/png"}
                assert out["mime"] in shown_as, f"{where}: shown as {out['mime']!r}, not as the picture"
                loaded = [img for img in out["images"] if img["complete"] and img["width"] > 0]
                assert loaded, f"{where}: the picture did not load: {out['images']}"
                wider = [img["shown"] for img in loaded if img["shown"] > out["width"] + 1]
                assert not wider, f"{where}: a picture {wider} px wide in a {out['width']} px output area"
                pictures += 1
    assert pictures >= 1, f"{name} shows no picture"
    assert pictures == sum("image/png" in mimes for outputs in stored for mimes in outputs)
    # Plumbing a source folds away (jupyter.source_hidden) opens folded; every other cell shows its code.
    cells = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4).cells
    hidden = [bool(c.metadata.get("jupyter", {}).get("source_hidden")) for c in cells]
    assert page.evaluate(READ_FOLDED) == hidden


def test_a_trusted_notebook_shows_its_graphs_as_svg_within_the_output_area(
    lab: tuple[str, Path], page: Page
) -> None:
    """Once run (trusted), a graph shows as its SVG, which JupyterLab draws as an <img> at its own
    width: a wide graph's SVG must still fit the output area of a laptop-sized window."""
    url, base = lab
    name = "trusted_01"  # a copy: the notebooks the other test opens stay untrusted
    target = base / "notebooks" / f"{name}.ipynb"
    shutil.copy2(NOTEBOOK_DIR / "01_worked_example.ipynb", target)
    env = dict(os.environ, JUPYTER_DATA_DIR=str(base / "data"))  # the server's trust database
    subprocess.run(
        [sys.executable, "-m", "jupyter", "trust", str(target)],
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    stored = _stored_outputs("01_worked_example")
    rendered = _open(page, url, name, stored)
    svgs = 0
    for cell_no, (kept, shown) in enumerate(zip(stored, rendered, strict=True)):
        for mimes, out in zip(kept, shown, strict=True):
            if "image/svg+xml" in mimes and "text/html" not in mimes:
                assert out["mime"] == "image/svg+xml", f"cell {cell_no}: trusted, yet shown as {out['mime']}"
                shown_widths = [img["shown"] for img in out["images"] if img["complete"]]
                assert shown_widths and max(shown_widths) <= out["width"] + 1, (
                    f"cell {cell_no}: a graph {shown_widths} px wide in a {out['width']} px output area"
                )
                svgs += 1
    assert svgs >= 2
    page.screenshot(path=str(base / f"{name}.png"))


def test_run_all_keeps_the_answers_folded(lab: tuple[str, Path], page: Page) -> None:
    """A learner starts with Run All. JupyterLab then reopens folded outputs and folded markdown,
    so an answer lives in a closed <details> block (micrograd.exercises.show_answer and
    folded_answer, or <details> in markdown): after Run All every one is still closed, and the
    folded code cells are still folded."""
    url, base = lab
    name = "run_all_03"  # a copy, so the untrusted notebooks the other tests open are left alone
    shutil.copy2(NOTEBOOK_DIR / "03_two_layer_softmax.ipynb", base / "notebooks" / f"{name}.ipynb")
    cells = nbformat.read(NOTEBOOK_DIR / "03_two_layer_softmax.ipynb", as_version=4).cells
    hidden = [bool(c.metadata.get("jupyter", {}).get("source_hidden")) for c in cells]
    assert any(hidden), "03 has folded answer cells"
    page.goto(f"{url}/lab/tree/{name}.ipynb?reset")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function("() => document.body.innerText.includes('Idle')", timeout=RENDER_TIMEOUT_MS)
    page.click("text=Run")
    page.click("text=Run All Cells")
    # Every code cell has run: an execution count in its prompt (a folded cell shows no prompt).
    shown_code = sum(c.cell_type == "code" and not h for c, h in zip(cells, hidden, strict=True))
    page.wait_for_function(
        f"""() => {{
          const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'));
          const counted = prompts.filter(p => /\\[\\d+\\]/.test(p.textContent)).length;
          return counted === {shown_code} && document.body.innerText.includes('Idle');
        }}""",
        timeout=120_000,
    )
    details = page.evaluate(
        "() => Array.from(document.querySelectorAll('.jp-Notebook details')).map(d => d.open)"
    )
    assert details and not any(details), f"an answer opened on Run All: {details}"
    assert page.evaluate(READ_FOLDED) == hidden
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()
    page.screenshot(path=str(base / f"{name}.png"))
