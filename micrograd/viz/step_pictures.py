"""One SVG picture per backward step: the step's edge in red, every gradient
as it stands right after the step, and the step itself as the caption
(``step 7 of 10: dL/dm2 += dL/dz2 * dz2/dm2 = 2 * 6 = 12``)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from micrograd.engine import Value
from micrograd.fileio import atomic_write
from micrograd.viz.graph import render_svg
from micrograd.viz.names import derivative_text, format_number
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
    backward step into ``out_dir``: each highlights that step's edge, shows
    the gradients as they stand after it and says what the step computes in
    its caption (keyword arguments go to :func:`~micrograd.viz.render_svg`;
    a ``caption`` given there goes above the step's).  Needs ``dot``; returns
    the paths.  Step pictures left in ``out_dir`` by an earlier, longer trace
    are removed, so the folder holds exactly this trace's steps."""
    trace = backward_steps(root)
    out = Path(out_dir)
    precision = draw_kwargs.get("precision", 4)
    heading = draw_kwargs.pop("caption", "")

    def picture(name: str, caption: str, highlight: Any) -> Path:
        caption = f"{heading}\n{caption}" if heading else caption
        return atomic_write(out / name, render_svg(root, highlight=highlight, caption=caption, **draw_kwargs))

    r = trace.names[root]
    seed = format_number(trace.seed, precision)
    count = len(trace)
    paths = [
        picture(
            "step_000.svg",
            f"step 0 of {count}: backward() starts with {derivative_text(r, r)} = {seed}",
            _Seed(trace),
        )
    ]
    for step in trace:
        paths.append(picture(f"step_{step.index:03d}.svg", step.caption(count, precision), step))
    for old in out.glob("step_*.svg"):
        if old not in paths and re.fullmatch(r"step_\d{3,}\.svg", old.name):
            old.unlink(missing_ok=True)
    return paths
