"""One SVG picture per backward step: the step's edge in red, and every
gradient as it stands right after the step."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from micrograd.engine import Value
from micrograd.fileio import atomic_write
from micrograd.viz.graph import render_svg
from micrograd.viz.steps import BackwardTrace, backward_steps

__all__ = ["save_step_svgs"]


class _Seed:
    """A highlight (see :class:`micrograd.viz.graph.Highlight`) that marks
    only the root: the state before any step."""

    def __init__(self, trace: BackwardTrace) -> None:
        self._trace = trace

    @property
    def child(self) -> Value:
        return self._trace.root

    @property
    def parent(self) -> Value:
        return self._trace.root

    @property
    def parent_index(self) -> int:
        return -1

    def grads(self) -> dict[Value, float]:
        return self._trace.grads_after(0)


def save_step_svgs(root: Value, out_dir: str | os.PathLike[str], **draw_kwargs: Any) -> list[Path]:
    """Write ``step_000.svg`` (just the seed) and one ``step_NNN.svg`` per
    backward step into ``out_dir``: each highlights that step's edge and shows
    the gradients as they stand after it (keyword arguments go to
    :func:`~micrograd.viz.draw_dot`).  Needs ``dot``; returns the paths.
    Step pictures left in ``out_dir`` by an earlier, longer trace are removed,
    so the folder holds exactly this trace's steps."""
    trace = backward_steps(root)
    out = Path(out_dir)
    paths = [atomic_write(out / "step_000.svg", render_svg(root, highlight=_Seed(trace), **draw_kwargs))]
    for step in trace:
        svg = render_svg(root, highlight=step, **draw_kwargs)
        paths.append(atomic_write(out / f"step_{step.index:03d}.svg", svg))
    for old in out.glob("step_*.svg"):
        if old not in paths and re.fullmatch(r"step_\d{3,}\.svg", old.name):
            old.unlink(missing_ok=True)
    return paths
