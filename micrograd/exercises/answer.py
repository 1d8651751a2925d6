"""An answer a notebook shows folded, so that running every cell does not give it away.

JupyterLab reopens a folded cell's output when the cell runs (Run All runs them all), but it keeps
an HTML ``<details>`` block closed, trusted or not (its sanitizer allows ``details``/``summary``
and ``data:`` images). So an answer is shown as ``<details>``: one closed line that a click opens.

* ``show_answer(text)``: a text answer;
* ``with folded_answer(): ...``: whatever the block prints and plots, folded.
"""

from __future__ import annotations

import html
import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["FoldedAnswer", "folded_answer", "show_answer"]

SUMMARY = "Answer (click to open after you have predicted)"


class FoldedAnswer:
    """``text`` (and PNG ``pictures``, base64) behind a closed ``summary`` line; a notebook cell that
    ends with it shows it so."""

    def __init__(self, text: str, pictures: Sequence[str] = (), summary: str = SUMMARY) -> None:
        if not isinstance(text, str):
            raise TypeError(f"an answer is text, got {type(text).__name__!r}")
        self.text, self.pictures, self.summary = text, list(pictures), summary

    def _repr_html_(self) -> str:
        parts = [f"<pre>{html.escape(self.text)}</pre>"] if self.text else []
        parts += [f'<img src="data:image/png;base64,{png}" alt="plot">' for png in self.pictures]
        return f"<details><summary>{html.escape(self.summary)}</summary>{''.join(parts)}</details>"

    def __repr__(self) -> str:
        # What a frontend without HTML shows: still not the answer itself.
        return "FoldedAnswer(print its .text to read it)"


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    return None if ipython is None else ipython.get_ipython()


def _display(answer: FoldedAnswer) -> None:
    # Imported by module name: a running shell has loaded it, and IPython is no dependency of micrograd.
    importlib.import_module("IPython.display").display(answer)


def show_answer(text: str) -> None:
    """Display ``text`` folded (see :class:`FoldedAnswer`), from anywhere in a notebook cell.
    Outside a notebook there is nothing to fold, and nothing is shown."""
    answer = FoldedAnswer(text)
    if _shell() is None:
        print("(an answer: in a notebook it shows folded)")
        return
    _display(answer)


@contextmanager
def folded_answer(summary: str = SUMMARY) -> Iterator[None]:
    """Fold what the ``with`` block prints and plots into one :class:`FoldedAnswer`. Errors and
    warnings still show (on stderr); the answer is shown even if the block fails, so nothing it
    printed is lost. Outside a notebook the block prints and plots as usual."""
    if _shell() is None:
        yield
        return
    capture = importlib.import_module("IPython.utils.capture").capture_output()
    out = capture.__enter__()
    try:
        yield
    finally:  # entered and left by hand: the answer is shown before an error from the block goes on
        capture.__exit__(None, None, None)
        pictures = [o.data["image/png"] for o in out.outputs if "image/png" in o.data]
        _display(FoldedAnswer(out.stdout, pictures, summary))
        sys.stderr.write(out.stderr)
