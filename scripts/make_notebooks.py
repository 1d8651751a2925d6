"""Build ``notebooks/*.ipynb`` from their plain-text sources in ``notebooks/src/``.

The sources are Python files in jupytext's "percent" format, which diff and
review like code, and which jupytext (and so JupyterLab with the jupytext
extension) reads and writes::

    # %% [markdown]
    # # A title
    #
    # Some prose with $\\LaTeX$.

    # %%
    x = 1 + 1
    assert x == 2

Usage::

    python scripts/make_notebooks.py            # build every notebook and execute it (stores outputs)
    python scripts/make_notebooks.py 02 05      # only notebooks whose name starts with 02 or 05
    python scripts/make_notebooks.py --no-execute
    python scripts/make_notebooks.py --check    # exit 1 if a notebook's cells differ from its source

Cell ids are derived from the notebook name and the cell's position, so
building twice gives identical files. A cell keeps only the metadata a reader
sees, written on its ``# %%`` line: ``jupyter={"source_hidden": true}`` folds
away a cell of plumbing (JupyterLab shows it as "..."; a click opens it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import jupytext
import nbformat
from nbclient.exceptions import CellExecutionError
from run_notebooks import NOTEBOOK_DIR, execute, write_atomic

SOURCE_DIR = NOTEBOOK_DIR / "src"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# The cell metadata a source may set; anything else (jupytext's own keys) would differ between machines.
KEPT_CELL_METADATA = ("jupyter",)


def build(source_path: Path) -> nbformat.NotebookNode:
    """A notebook (without outputs) read by jupytext from the percent-format file ``source_path``."""
    stem = source_path.stem
    nb = jupytext.read(source_path, fmt="py:percent")
    # Only what the notebook needs: no jupytext version or source path that would differ between machines.
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{stem[:3].rstrip('_')}-{i:02d}"
        cell.metadata = kept_metadata(cell)
    return nb


def cell_summary(nb: nbformat.NotebookNode) -> list[tuple[str, str, str, dict[str, object]]]:
    """(id, kind, source, kept metadata) of each cell: what must agree between a source and its notebook."""
    return [(c.get("id", ""), c.cell_type, c.source, kept_metadata(c)) for c in nb.cells]


def kept_metadata(cell: nbformat.NotebookNode) -> dict[str, object]:
    return {k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata}


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
