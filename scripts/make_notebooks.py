"""Build ``notebooks/*.ipynb`` from their plain-text sources in ``notebooks/src/``.

The sources are Python files in the "percent" cell format, which diff and
review like code::

    # %% [markdown]
    # # A title
    #
    # Some prose with $\\LaTeX$.

    # %%
    x = 1 + 1
    assert x == 2

Each ``# %%`` line starts a code cell; ``# %% [markdown]`` starts a markdown
cell whose lines lose their leading ``# `` (a bare ``#`` is an empty line).

Usage::

    python scripts/make_notebooks.py            # build every notebook and execute it (stores outputs)
    python scripts/make_notebooks.py 02 05      # only notebooks whose name starts with 02 or 05
    python scripts/make_notebooks.py --no-execute
    python scripts/make_notebooks.py --check    # exit 1 if a notebook's cells differ from its source

Cell ids are derived from the notebook name and the cell's position, so
building twice gives identical files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from run_notebooks import NOTEBOOK_DIR, execute, write_atomic

SOURCE_DIR = NOTEBOOK_DIR / "src"
CODE_MARK = "# %%"
MARKDOWN_MARK = "# %% [markdown]"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def parse_cells(text: str, origin: str = "<source>") -> list[tuple[str, str]]:
    """Split percent-format ``text`` into ``(kind, source)`` pairs, kind being 'code' or 'markdown'.

    Raises ValueError when the text does not start with a cell marker or a
    markdown line lacks its ``#`` prefix (a likely editing slip).
    """
    cells: list[tuple[str, list[str]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip()
        if stripped == MARKDOWN_MARK:
            cells.append(("markdown", []))
            continue
        if stripped == CODE_MARK:
            cells.append(("code", []))
            continue
        if not cells:
            if stripped:
                raise ValueError(f"{origin}:{lineno}: text before the first cell marker")
            continue
        kind, lines = cells[-1]
        if kind == "markdown":
            if stripped == "#":
                lines.append("")
            elif line.startswith("# "):
                lines.append(line[2:].rstrip())
            elif not stripped:
                lines.append("")
            else:
                raise ValueError(f"{origin}:{lineno}: markdown line must start with '# ': {line!r}")
        else:
            lines.append(line.rstrip())
    result = []
    for kind, lines in cells:
        source = "\n".join(lines).strip("\n")
        if source:
            result.append((kind, source))
    return result


def build(source_path: Path) -> nbformat.NotebookNode:
    """A notebook (without outputs) made from the percent-format file ``source_path``."""
    stem = source_path.stem
    nb = new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    cells = parse_cells(source_path.read_text(encoding="utf-8"), str(source_path))
    for i, (kind, source) in enumerate(cells):
        cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
        cell.id = f"{stem[:3].rstrip('_')}-{i:02d}"
        nb.cells.append(cell)
    return nb


def cell_summary(nb: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """(id, kind, source) of each cell: what must agree between a source and its built notebook."""
    return [(c.get("id", ""), c.cell_type, c.source) for c in nb.cells]


def select_sources(prefixes: Sequence[str]) -> list[Path]:
    sources = sorted(SOURCE_DIR.glob("*.py"))
    if prefixes:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in prefixes)]
    return sources


def check(sources: Sequence[Path]) -> list[str]:
    """Names of notebooks that are missing or whose cells differ from their source."""
    stale = []
    for src in sources:
        target = NOTEBOOK_DIR / f"{src.stem}.ipynb"
        committed = cell_summary(nbformat.read(target, as_version=4)) if target.is_file() else None
        if committed != cell_summary(build(src)):
            stale.append(target.name)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prefixes", nargs="*", help="only notebooks whose name starts with one of these")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without outputs")
    parser.add_argument("--check", action="store_true", help="only compare committed notebooks with sources")
    args = parser.parse_args(argv)
    sources = select_sources(args.prefixes)
    if not sources:
        print(f"no sources matching {args.prefixes!r} in {SOURCE_DIR}", file=sys.stderr)
        return 1
    if args.check:
        stale = check(sources)
        for name in stale:
            print(f"stale: {name} (rebuild with scripts/make_notebooks.py)", file=sys.stderr)
        return 1 if stale else 0
    failed = 0
    for src in sources:
        nb = build(src)
        target = NOTEBOOK_DIR / f"{src.stem}.ipynb"
        if not args.no_execute:
            try:
                execute(nb, NOTEBOOK_DIR)
            except CellExecutionError as exc:
                print(f"FAILED {target.name}:\n{exc}", file=sys.stderr)
                failed += 1
                continue
        write_atomic(nb, target)
        print(f"wrote {target.relative_to(NOTEBOOK_DIR.parent)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
