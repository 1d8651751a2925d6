"""``python -m micrograd graph``: draw a worked example and step through its backward pass.

Writes into ``--out`` (default ``out/graph``):

* ``backward.html``: a self-contained page that steps through backward(),
  one chain-rule step at a time (:func:`micrograd.viz.stepper.write_stepper`);
* ``graph.svg``: the example's graph with the gradients after backward();
* with ``--per-step``, ``steps/step_NNN.svg``: one picture per step.

The examples are those of :mod:`micrograd.examples`.  Drawing needs
graphviz's ``dot`` program; without it the command says how to install it
and exits with status 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from micrograd.cli import fail
from micrograd.cli.arguments import output_folder
from micrograd.examples import DESCRIPTIONS, EXAMPLES, build_example

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The graph command's flags."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        f"{parser.description}.\n\nWrites backward.html (the step-through page) and graph.svg (the graph "
        "with its\ngradients) into the --out folder.  Needs graphviz's dot program."
    )
    width = max(map(len, EXAMPLES))
    parser.epilog = "examples (--example):\n" + "\n".join(
        f"  {name:<{width}}  {DESCRIPTIONS[name]}" for name in EXAMPLES
    )
    parser.add_argument(
        "--example", choices=sorted(EXAMPLES), default="worked", help="which graph to draw (default: worked)"
    )
    parser.add_argument(
        "--out",
        type=output_folder,
        default=Path("out/graph"),
        metavar="DIR",
        help="output folder (default: out/graph)",
    )
    parser.add_argument(
        "--per-step", action="store_true", help="also write steps/step_NNN.svg, one picture per backward step"
    )


def run(args: argparse.Namespace) -> int:
    """Write the stepper page and the graph (and the per-step pictures); returns the exit status."""
    from micrograd.viz.graph import GraphvizNotFoundError, save_svg
    from micrograd.viz.step_pictures import save_step_svgs
    from micrograd.viz.stepper import write_stepper
    from micrograd.viz.steps import backward_steps

    out = Path(args.out)
    root = build_example(args.example)
    try:
        page = write_stepper(root, out / "backward.html")
        if args.per_step:
            save_step_svgs(root, out / "steps", show_names=True)
        steps = len(backward_steps(root))  # before backward(): the trace of a fresh pass
        root.backward()
        graph = save_svg(root, out / "graph.svg")
    except GraphvizNotFoundError as exc:
        return fail("graph", f"error: {exc}")
    except OSError as exc:  # e.g. an --out folder that cannot be written
        return fail("graph", f"cannot write the outputs: {exc}")
    print(f"wrote {graph} (graph with gradients) and {page} ({steps} backward steps)")
    return 0
