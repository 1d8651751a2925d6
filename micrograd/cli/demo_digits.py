"""``python -m micrograd demo --dataset digits [--compiled]``: train the digits
classifier of :mod:`micrograd.digits`, print its held-out accuracy and both
modes' training rates, and write ``digits_confusion.png`` (the held-out
confusion matrix) and ``digits_checkpoint.json`` (model and optimizer state)
into ``--out``.

The eager rate is measured on a 64-sample slice: the full eager run takes
minutes, which the compiled run's summary estimates.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from micrograd.cli import PROG, fail
from micrograd.cli.next_steps import next_steps
from micrograd.digits import (
    HIDDEN,
    N_CLASSES,
    N_FEATURES,
    DigitsResult,
    eager_samples_per_second,
    plot_confusion,
    train_digits,
)

__all__ = ["DIGITS_EPOCHS", "ignored_flags", "run_demo", "run_digits", "write_digits_outputs"]

DIGITS_EPOCHS = 60


def write_digits_outputs(result: DigitsResult, out_dir: str | Path) -> dict[str, Path]:
    """The confusion-matrix plot and a JSON checkpoint (model + optimizer state)
    in ``out_dir``; returns their paths by kind."""
    from micrograd.checkpoint import save

    folder = Path(out_dir)
    mode = "compiled" if result.compiled else "eager"
    return {
        "confusion": plot_confusion(
            result.confusion,
            folder / "digits_confusion.png",
            title=f"digits ({mode}): test accuracy {result.test_accuracy:.1%}",
        ),
        "checkpoint": save(result.model, folder / "digits_checkpoint.json", result.optimizer),
    }


def _summary(result: DigitsResult, eager_rate: float) -> list[str]:
    mode = "compiled" if result.compiled else "eager"
    lines = [
        f"digits ({mode}): {result.epochs} epochs, {result.steps} steps in {result.train_seconds:.1f} s; "
        f"held-out accuracy {result.test_accuracy:.1%} ({int(result.confusion.sum())} images), "
        f"training accuracy {result.train_accuracy:.1%}"
    ]
    if result.interrupted:
        lines.append("(interrupted by Ctrl-C: results are for the steps completed)")
    if result.compiled:
        samples = result.samples_per_second * result.train_seconds
        lines.append(
            f"rates: compiled {result.samples_per_second:,.0f} samples/s (compiled once in "
            f"{result.compile_seconds * 1e3:.0f} ms), eager {eager_rate:,.0f} samples/s "
            f"(measured on 64 samples): this run eager would take ~{samples / eager_rate / 60:.1f} min"
        )
    else:
        lines.append(f"rate: eager {eager_rate:,.0f} samples/s (--compiled is much faster)")
    return lines


def run_demo(
    *,
    compiled: bool = True,
    epochs: int | None = None,
    seed: int = 0,
    out: str | Path = Path("out/demo"),
    progress: bool = True,
) -> int:
    """Train (``epochs`` default :data:`DIGITS_EPOCHS`), write the outputs into
    ``out`` and print the summary; returns the exit status."""
    try:
        result = train_digits(
            compiled=compiled,
            epochs=DIGITS_EPOCHS if epochs is None else epochs,
            seed=seed,
            progress=progress,
        )
        files = write_digits_outputs(result, out)
        eager_rate = eager_samples_per_second(64, seed) if compiled else result.samples_per_second
    except ImportError as exc:  # the optional scikit-learn, which ships the data
        return fail("demo", str(exc))
    except OSError as exc:  # e.g. an --out folder that cannot be written
        return fail("demo", f"cannot write the outputs: {exc}")
    print("\n".join(_summary(result, eager_rate)))
    for path in files.values():
        print(f"wrote {path}")
    print("\n".join(next_steps(None)))
    return 0


def ignored_flags(args: argparse.Namespace) -> list[str]:
    """The moons/spiral flags given on the command line (``--noise 0.3``, ...),
    which the digits run does not read.  Those flags default to None, so any
    other value was given."""
    from micrograd.cli.demo import MOONS_AND_SPIRAL_ONLY

    given = []
    for flag in MOONS_AND_SPIRAL_ONLY:
        value = getattr(args, flag.removeprefix("--").replace("-", "_"), None)
        if value is not None:
            given.append(f"{flag} {value}")
    return given


def run_digits(args: argparse.Namespace) -> int:
    """The demo command with ``--dataset digits``: :func:`run_demo` with the
    flags that apply (``--compiled``, ``--seed``, ``--out``, ``--no-progress``);
    a warning on stderr names the flags given that it ignores."""
    ignored = ignored_flags(args)
    if ignored:
        print(
            f"{PROG} demo: warning: --dataset digits ignores {', '.join(ignored)}: it has its own data, "
            f"model ({'-'.join(map(str, (N_FEATURES, *HIDDEN, N_CLASSES)))}) and schedule "
            f"({DIGITS_EPOCHS} epochs); it reads only --compiled, --seed, --out and --no-progress",
            file=sys.stderr,
        )
    return run_demo(compiled=args.compiled, seed=args.seed, out=args.out, progress=not args.no_progress)
