"""Checks on the committed notebooks that do not need a kernel.

``make test`` executes every notebook with nbmake (a failing ``assert`` in a
cell fails the run); these tests check what nbmake cannot see: that the
committed ``.ipynb`` files match their sources in ``notebooks/src/``, carry
their outputs from a clean top-to-bottom run, and contain nothing
machine-specific (absolute paths, memory addresses, timings).
"""

from __future__ import annotations

import importlib
import itertools
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SCRIPTS = ROOT / "scripts"

EXPECTED = [
    "01_worked_example",
    "02_sigmoid_neuron",
    "03_two_layer_softmax",
    "04_four_equations",
    "05_pytorch_tutorial",
    "06_moons_demo",
    "07_beyond_backward",
]
# Notebooks that show a graph (stored as SVG with a PNG twin, see micrograd.viz.jupyter) or a plot (PNG).
# Every notebook shows at least one picture before it is run, even untrusted (tests/test_jupyterlab.py).
WITH_SVG = {"01_worked_example", "02_sigmoid_neuron", "04_four_equations"}
WITH_PLOT = set(EXPECTED) - {"02_sigmoid_neuron"}

# Text that would differ between machines or runs.
MACHINE_SPECIFIC = [
    re.compile(r"0x[0-9a-fA-F]{6,}"),  # object repr with a memory address
    re.compile(r"/(?:tmp|home|root|work|Users|private/var)/"),  # absolute paths
    re.compile(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d"),  # timestamps
]


def _scripts(name: str) -> ModuleType:
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


def _load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)


def _output_texts(cell: nbformat.NotebookNode) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            texts.append(out.text)
        elif out.output_type in ("display_data", "execute_result"):
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if mime in out.data:
                    texts.append(out.data[mime])
    return texts


def test_every_notebook_is_present_and_built_from_its_source() -> None:
    make = _scripts("make_notebooks")
    names = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
    assert names == EXPECTED
    assert sorted(p.stem for p in make.SOURCE_DIR.glob("*.py")) == EXPECTED
    assert make.check(make.select_sources([])) == [], "run: .venv/bin/python scripts/make_notebooks.py"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_was_executed_top_to_bottom_with_clean_outputs(name: str) -> None:
    nb = _load(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code cells"
    # One clean run: counts 1, 2, 3, ... in order, no errors, no timing metadata.
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert "execution" not in cell.metadata
        # Streams are coalesced, so how the kernel happened to chunk a print cannot change the file.
        kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
        assert all(a != b or a[0] != "stream" for a, b in itertools.pairwise(kinds)), f"{name}: split stream"
        for out in cell.outputs:
            assert out.output_type != "error", f"{name}: stored error output {out.get('ename')}"
            if out.output_type == "stream":
                assert out.name == "stdout", f"{name}: stderr output stored: {out.text[:200]!r}"
        for text in _output_texts(cell):
            for pattern in MACHINE_SPECIFIC:
                match = pattern.search(text)
                assert match is None, f"{name}: machine-specific output {match.group(0)!r} in {text[:120]!r}"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_structure_learn_check_summarise(name: str) -> None:
    nb = _load(name)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "What you will learn" in first.source
    assert last.cell_type == "markdown" and last.source.startswith("## Summary")
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert len(re.findall(r"^\s*assert\b", source, flags=re.MULTILINE)) >= 5, "numbers must be checked"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_lets_the_learner_do_something(name: str) -> None:
    """At least two things to do (exercises, "predict, then run" prompts), one of them a playground.

    A playground's checks compare a hand formula with the engine for the learner's numbers, so it has
    no literal-pinned assert; an exercise's checker is tested on the reference answer in the notebook
    (``check(SOLUTIONS[...])``), so a wrong checker fails ``make test``.
    """
    nb = _load(name)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert markdown.count("Your turn") + markdown.count("**Predict") >= 2, f"{name}: too little to do"
    assert any("# change me" in c and "assert" in c for c in code), f"{name}: no playground with checks"
    for cell in code:
        for checker in set(re.findall(r"\b(check_\w+)\(my_", cell)):
            assert any(f"assert {checker}(" in c and "SOLUTIONS[" in c for c in code), (
                f"{name}: {checker} untested"
            )
    for cell in code:  # solutions are reachable, never printed next to the question
        assert not re.search(r"print\([^)]*SOLUTIONS", cell), f"{name}: a solution is printed"


@pytest.mark.parametrize("name", EXPECTED)
def test_graphs_and_plots_are_stored_inline(name: str) -> None:
    bundles = [
        set(out.data)
        for cell in _load(name).cells
        for out in cell.get("outputs", [])
        if out.output_type in ("display_data", "execute_result")
    ]
    graphs = [b for b in bundles if "image/svg+xml" in b]
    plots = [b for b in bundles if "image/png" in b and "image/svg+xml" not in b]
    assert bool(graphs) == (name in WITH_SVG)
    assert bool(plots) == (name in WITH_PLOT)
    # An untrusted notebook (a fresh clone) renders no stored SVG, only PNG: every graph carries both.
    assert all("image/png" in b for b in graphs), f"{name}: a graph stored as SVG only"
    assert graphs or plots, f"{name} shows no picture"


def test_sources_are_read_by_jupytext(tmp_path: Path) -> None:
    make = _scripts("make_notebooks")
    source = tmp_path / "07_demo.py"
    source.write_text("# %% [markdown]\n# # Title\n#\n# $a_1$ text\n\n# %%\nx = 1\n\n\n# %%\nassert x == 1\n")
    nb = make.build(source)
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        ("markdown", "# Title\n\n$a_1$ text"),
        ("code", "x = 1"),
        ("code", "assert x == 1"),
    ]
    assert [c.id for c in nb.cells] == ["07-00", "07-01", "07-02"]
    assert "jupytext" not in nb.metadata


def test_a_source_can_fold_away_a_cell_of_plumbing(tmp_path: Path) -> None:
    make = _scripts("make_notebooks")
    source = tmp_path / "05_demo.py"
    folded = '# %% jupyter={"source_hidden": true}\ndef helper():\n    pass\n\n'
    source.write_text(folded + '# %% tags=["x"]\nhelper()\n')
    nb = make.build(source)
    assert nb.cells[0].metadata == {"jupyter": {"source_hidden": True}}
    assert nb.cells[1].metadata == {}  # other keys would only make builds differ between machines
    built = tmp_path / "05_demo.ipynb"
    nbformat.write(nb, built)
    assert make.cell_summary(nbformat.read(built, as_version=4)) == make.cell_summary(nb)
    nb.cells[0].metadata = {}
    assert make.cell_summary(nb) != make.cell_summary(nbformat.read(built, as_version=4))


def test_write_atomic_keeps_the_old_file_when_the_new_notebook_is_invalid(tmp_path: Path) -> None:
    run = _scripts("run_notebooks")
    target = tmp_path / "nb.ipynb"
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hello")])
    run.write_atomic(good, target)
    assert target.stat().st_mode & 0o777 == 0o644  # readable like any checked-out file, not mkstemp's 0600
    before = target.read_bytes()
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hello")])
    bad.cells[0]["cell_type"] = "not-a-cell-type"
    with pytest.raises(nbformat.ValidationError):
        run.write_atomic(bad, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]  # no temp file left behind


def test_write_atomic_keeps_the_old_file_when_the_write_is_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _scripts("run_notebooks")
    target = tmp_path / "nb.ipynb"
    run.write_atomic(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("old")]), target)
    before = target.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)  # the shared micrograd.fileio.atomic_write renames with it
    with pytest.raises(KeyboardInterrupt):
        run.write_atomic(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("new")]), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]
