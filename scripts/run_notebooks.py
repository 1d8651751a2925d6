"""Re-execute the notebooks in ``notebooks/`` in place, storing their outputs.

Usage::

    python scripts/run_notebooks.py                 # every notebooks/*.ipynb
    python scripts/run_notebooks.py notebooks/02_sigmoid_neuron.ipynb

Each notebook runs top to bottom in a fresh kernel of *this* interpreter (run
it with ``.venv/bin/python`` so the kernel sees the venv's packages).  A cell
that raises stops that notebook and leaves its file untouched; the others still
run, and the exit status is 1.  Results are written atomically (temporary file
in the same directory, fsync, ``os.replace``), so an interrupted run never
leaves a half-written notebook behind.

Outputs are kept reproducible: no per-cell timing metadata is recorded, and
cell ids come from the source (see ``make_notebooks.py``), so re-running an
unchanged notebook gives an unchanged file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from micrograd.fileio import atomic_write

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
KERNEL_NAME = "python3"


def execute(nb: nbformat.NotebookNode, workdir: Path, timeout: int = 600) -> None:
    """Run every cell of ``nb`` in a new kernel started in ``workdir``, in place."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        record_timing=False,
        # A print split across two kernel messages would otherwise store two outputs on some runs.
        coalesce_streams=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    for cell in nb.cells:
        # Timing and collapse state differ from run to run; they would only add diff noise.
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)


def write_atomic(nb: nbformat.NotebookNode, path: Path) -> None:
    """Validate ``nb`` and write it to ``path`` so that readers see the old or the new file, never half."""
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    atomic_write(path, text)


def run_file(path: Path) -> float:
    """Execute the notebook at ``path`` and save it with its outputs; returns the seconds taken."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    execute(nb, path.parent)
    elapsed = time.perf_counter() - start
    write_atomic(nb, path)
    return elapsed


def default_paths() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    paths: list[Path] = args.paths or default_paths()
    if not paths:
        print(f"no notebooks found in {NOTEBOOK_DIR}", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"{path}: not a notebook file", file=sys.stderr)
            failed += 1
            continue
        try:
            elapsed = run_file(path)
        except CellExecutionError as exc:
            print(f"FAILED {path.name}:\n{exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"ok  {path.name}  ({elapsed:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
