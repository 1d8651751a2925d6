"""What the commands' flags accept, and how their help is laid out.

A flag's value arrives as text; these parsers turn it into a number and check
its range with :mod:`micrograd.validate`, so the command line and the library
refuse the same values with the same words.  argparse names the flag itself
(``argument --steps: must be an integer >= 1, got 0``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from micrograd.validate import check_int, check_real

__all__ = ["DefaultsFormatter", "int_at_least", "output_folder", "real_at_least"]

T = TypeVar("T", int, float)

# validate's messages start with the argument's name; argparse prints the flag instead.
_NAME = "value"


def _flag_type(
    convert: Callable[[str], T], kind: str, check: Callable[..., T], **bounds: Any
) -> Callable[[str], T]:
    """Text -> ``convert(text)``, refused with ``expected KIND`` if it does not
    convert, then ``check(value, name, **bounds)`` (a :mod:`micrograd.validate` check)."""

    def parse(text: str) -> T:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        try:
            return check(value, _NAME, **bounds)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{_NAME} ")) from None

    return parse


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A flag type: an integer ``>= minimum``."""
    return _flag_type(int, "an integer", check_int, minimum=minimum)


def real_at_least(minimum: float, *, strict: bool = False) -> Callable[[str], float]:
    """A flag type: a finite number ``>= minimum`` (``> minimum`` if ``strict``)."""
    return _flag_type(float, "a number", check_real, minimum=minimum, strict_minimum=strict)


def output_folder(text: str) -> Path:
    """A flag type: a folder to write into (created later if missing), refused
    if it names an existing file: the outputs go into the folder, never over a file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a file, not a folder. The outputs are written into the folder --out names "
            f"(created if missing): pass a folder, e.g. --out {path.parent} (the one this file is in)"
        )
    return path


class DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Append "(default: X)" only where X is a real value; flags whose default
    depends on something else (``None``) say so in their own help text.  The
    description and epilog keep their line breaks (their examples are laid out)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)
