"""``python -m micrograd``: the command line of :mod:`micrograd.cli`."""

from __future__ import annotations

import sys

from micrograd.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
