"""An answer a notebook shows folded, so that running every cell does not give it away.

JupyterLab reopens a folded cell's output when the cell runs (Run All runs them all), but it keeps
an HTML ``<details>`` block closed, trusted or not (its sanitizer allows ``details``/``summary``).
So an answer is shown as ``<details>``: one closed line, "Answer (click to open)".
"""

from __future__ import annotations

import html
import importlib
import sys

__all__ = ["FoldedAnswer", "show_answer"]


class FoldedAnswer:
    """``text`` behind a closed "Answer" line; a notebook cell that ends with it shows it so."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"an answer is text, got {type(text).__name__!r}")
        self.text = text

    def _repr_html_(self) -> str:
        return (
            f"<details><summary>Answer (click to open)</summary><pre>{html.escape(self.text)}</pre></details>"
        )

    def __repr__(self) -> str:
        # What a frontend without HTML shows: still not the answer itself.
        return "FoldedAnswer(print its .text to read it)"


def show_answer(text: str) -> None:
    """Display ``text`` folded (see :class:`FoldedAnswer`), from anywhere in a notebook cell.
    Outside a notebook there is nothing to fold: it says how to read the answer instead."""
    answer = FoldedAnswer(text)
    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        print("An answer is folded here in a notebook; outside one, print(FoldedAnswer(...).text) reads it.")
        return
    # Imported by module name: a running shell has loaded it, and IPython is no dependency of micrograd.
    importlib.import_module("IPython.display").display(answer)
