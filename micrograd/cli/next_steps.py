"""What the demo prints at the end: what to try next, as commands that run as printed.

A command is only worth printing if pasting it works, so each is spelled for
the shell the demo runs in: the interpreter that runs the demo (as
``.venv/bin/python`` when it lives under the current folder, never a bare
``python``, which may be a system Python without micrograd), and ``make``
targets only when micrograd runs from a source checkout that has the Makefile
(``make -C CHECKOUT`` from anywhere else).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

__all__ = ["checkout", "interpreter", "make_command", "next_steps"]


def _quote(word: str) -> str:
    """``word`` as one shell word: POSIX quoting, or double quotes for Windows' shells."""
    if os.name == "nt":
        return f'"{word}"' if " " in word else word
    return shlex.quote(word)


def interpreter() -> str:
    """The command that runs this Python: relative to the current folder if it
    is inside it (``.venv/bin/python``), else its full path.  Not resolved, so a
    virtualenv's ``python`` symlink stays the virtualenv's."""
    executable = sys.executable or "python"
    path = Path(executable)
    try:
        relative = path.relative_to(Path.cwd())
    except ValueError:
        return _quote(executable)
    return _quote(str(relative))


def checkout() -> Path | None:
    """The source checkout this package runs from (the folder with its Makefile
    and pyproject.toml), or None for an installed copy."""
    root = Path(__file__).resolve().parents[2]
    if (root / "Makefile").is_file() and (root / "pyproject.toml").is_file():
        return root
    return None


def make_command(target: str) -> str | None:
    """``make TARGET``, with ``-C CHECKOUT`` unless run from the checkout; None
    without a checkout (an installed micrograd has no Makefile)."""
    root = checkout()
    if root is None:
        return None
    if Path.cwd().resolve() == root:
        return f"make {target}"
    return f"make -C {_quote(str(root))} {target}"


def next_steps(stepper_page: Path | None) -> list[str]:
    """The closing lines of the demo: the step-through page it wrote (as a
    ``file://`` address a browser opens), the notebooks, another graph, the tests."""
    python = interpreter()
    items: list[tuple[str, str]] = []
    if stepper_page is not None:
        address = Path(os.path.abspath(stepper_page)).as_uri()
        items.append(("step through backward() on the worked example, in a browser:", address))
    lab = make_command("lab")
    if lab is not None:
        items.append(("open the notebooks in JupyterLab (it prints the address to open):", lab))
    items.append(
        (
            "draw a 2-2-1 MLP and a page that steps through its backward():",
            f"{python} -m micrograd graph --example mlp",
        )
    )
    items.append(("every command and its options:", f"{python} -m micrograd --help"))
    test = make_command("test")
    if test is not None:
        items.append(("run the tests:", test))
    lines = ["", "what to try next:"]
    for what, command in items:
        lines += [f"  {what}", f"    {command}"]
    return lines
