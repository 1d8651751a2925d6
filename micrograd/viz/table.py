"""The steps of a backward pass as a readable table."""

from __future__ import annotations

import html
import re

from micrograd.viz.names import derivative_text, format_number, grad_text
from micrograd.viz.steps import BackwardTrace

__all__ = ["StepTable"]

# In a narrow output area a browser breaks lines at hyphens too, splitting a name such as
# ``(y_hat-y)**2``: in HTML a minus between two operands becomes a non-breaking hyphen (U+2011),
# and ``before -> after`` stays on one line; lines still break at the other spaces.
_INNER_MINUS = re.compile(r"(?<=[\w)])-(?=[\w(])")


def _unbroken(cell: str) -> str:
    return _INNER_MINUS.sub("\u2011", cell).replace(" -> ", "\u00a0->\u00a0")


class StepTable:
    """A table of backward steps, one row per step after a row for the seed:
    ``str()`` gives aligned plain text, Jupyter shows HTML (no pandas needed)."""

    HEADERS = ("#", "edge", "op", "upstream", "local", "contribution", "grad")

    def __init__(self, trace: BackwardTrace, precision: int = 4) -> None:
        self.trace = trace
        self.precision = precision

    def rows(self) -> list[tuple[str, ...]]:
        """One tuple of cell strings per step, preceded by the seed row."""

        def f(x: float) -> str:
            return format_number(x, self.precision)

        t = self.trace
        root = t.names[t.root]
        rows: list[tuple[str, ...]] = [
            ("0", f"{root} (seed)", "", "", "", "", f"{derivative_text(root, root)} = {f(t.initial[t.root])}")
        ]
        for s in t:
            rows.append(
                (
                    str(s.index),
                    f"{s.parent_name} <- {s.child_name}",
                    str(s.op),
                    s.upstream_text(self.precision),
                    s.local_text(self.precision),
                    f(s.contribution),
                    f"{grad_text(s.parent_name)}: {f(s.grad_before)} -> {f(s.grad_after)}",
                )
            )
        return rows

    def __str__(self) -> str:
        rows = [self.HEADERS, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADERS))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_unbroken(c))}</td>" for c in row) + "</tr>"
            for row in self.rows()
        )
        return f'<table class="micrograd-steps"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        return str(self)
