"""The command line, ``python -m micrograd COMMAND ...`` (or ``micrograd COMMAND``).

Each command is a module of this package that provides
``add_arguments(parser)`` and ``run(args) -> exit status``; this module only
wires them together, importing a command's module when it is needed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "PROG", "build_parser", "fail", "main"]

PROG = "python -m micrograd"

# name -> (module, one-line summary shown in the top-level help)
COMMANDS = {
    "demo": (
        "micrograd.cli.demo",
        "train a classifier; write plots, a checkpoint, a graph and a step-through page",
    ),
    "graph": (
        "micrograd.cli.graph",
        "draw a worked example's graph and a page that steps through backward()",
    ),
}

EXAMPLES = f"""examples:
  train an MLP on two moons, write plots, a checkpoint and a graph to out/demo/:
    {PROG} demo
  draw one neuron's graph and a page that steps through its backward pass:
    {PROG} graph --example neuron --out out/neuron

run '{PROG} COMMAND --help' for the options of a command.
python here is the Python that has micrograd installed: .venv/bin/python after
make demo (a system python may lack micrograd's dependencies)."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (each command module adds its own flags)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="micrograd: a small scalar autograd engine and neural-network library.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for name, (module, summary) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the command; returns its exit status."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    status: int = module.run(args)
    return status


def fail(command: str, message: str, status: int = 1) -> int:
    """Print ``python -m micrograd COMMAND: MESSAGE`` on stderr and return the exit ``status``."""
    print(f"{PROG} {command}: {message}", file=sys.stderr)
    return status
