"""``python -m micrograd demo``: train a classifier and write what it learned.

* ``--dataset moons`` (default): ``MLP(2, [16, 16, 1])`` on 100 two-moons
  points, max-margin (hinge) loss, Adam; reaches 100% training accuracy.
* ``--dataset spiral``: ``MLP(2, [16, 16, 3])`` on a 3-class spiral, softmax
  cross-entropy.
* ``--dataset digits``: the 64-32-16-10 classifier of :mod:`micrograd.digits`
  (see :mod:`micrograd.cli.demo_digits`).

For moons and spiral, writes to ``--out`` (default ``out/demo``):
``decision_boundary.png``, ``loss.png``, ``model.json`` (a checkpoint that
:func:`micrograd.checkpoint.load` rebuilds), ``graph.svg`` (one sample's loss
through a small model of the same kind, every node drawn, after backward) and
``backward.html`` (the worked example, one chain-rule step at a time); see
:mod:`micrograd.cli.demo_graph`.  It ends by printing what to try next.
"""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micrograd import checkpoint
from micrograd.cli import fail
from micrograd.cli.arguments import DefaultsFormatter, int_at_least, output_folder, real_at_least
from micrograd.cli.demo_graph import write_graph, write_worked_stepper
from micrograd.cli.next_steps import next_steps
from micrograd.data import make_moons, spiral
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, Optimizer
from micrograd.train import LOSSES, History, StepFn, fit, predict

__all__ = ["DEFAULTS", "DemoResult", "add_arguments", "run", "train_demo"]


@dataclass(frozen=True)
class Defaults:
    """What the flags mean when not given, per data set."""

    n: int
    noise: float
    steps: int
    loss: str
    classes: int


DEFAULTS = {
    "moons": Defaults(n=100, noise=0.1, steps=100, loss="hinge", classes=2),
    "spiral": Defaults(n=150, noise=0.2, steps=200, loss="cross_entropy", classes=3),
}
LR = 0.03
OPTIMIZER = "adam"
# Flags that only moons and spiral read.  Their defaults are None, so that a
# flag given with --dataset digits can be named in a warning (see demo_digits).
MOONS_AND_SPIRAL_ONLY = ("--steps", "--lr", "--n", "--noise", "--loss", "--optimizer", "--batch-size")

WHAT_THE_FILES_ARE = {
    "model.json": "the trained model (micrograd.checkpoint.load reads it)",
    "decision_boundary.png": "the class predicted over the plane",
    "loss.png": "loss and accuracy per step",
    "graph.svg": "one sample through a small MLP after backward(): each weight's grad",
    "backward.html": "the worked example, one chain-rule step at a time",
}

EXAMPLES = """examples:
  the default run (two moons, hinge loss, Adam):
    python -m micrograd demo
  the 64-32-16-10 digits classifier, with the fast compiled gradients:
    python -m micrograd demo --dataset digits --compiled"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo command's flags."""
    parser.formatter_class = DefaultsFormatter
    parser.description = textwrap.fill(
        f"{parser.description}. Writes decision_boundary.png, loss.png, model.json, graph.svg and "
        "backward.html into --out (for digits: digits_confusion.png and digits_checkpoint.json).",
        width=78,
    )
    parser.epilog = EXAMPLES
    positive_int = int_at_least(1)
    parser.add_argument(
        "--dataset",
        choices=[*sorted(DEFAULTS), "digits"],
        default="moons",
        help="data set to learn (digits: a 64-32-16-10 softmax classifier on scikit-learn's bundled "
        f"8x8 digits, best with --compiled; it uses its own schedule and ignores "
        f"{', '.join(MOONS_AND_SPIRAL_ONLY[:-1])} and {MOONS_AND_SPIRAL_ONLY[-1]})",
    )
    parser.add_argument(
        "--steps", type=positive_int, default=None, help="training steps (default: 100 moons, 200 spiral)"
    )
    parser.add_argument(
        "--lr", type=real_at_least(0, strict=True), default=None, help=f"learning rate (default: {LR})"
    )
    parser.add_argument(
        "--optimizer", choices=["adam", "sgd"], default=None, help=f"optimizer (default: {OPTIMIZER})"
    )
    parser.add_argument(
        "--loss",
        choices=sorted(LOSSES),
        default=None,
        help="loss (default: hinge for moons, cross_entropy for spiral; bce needs a binary data set)",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=None, help="samples per step (default: all of them)"
    )
    parser.add_argument(
        "--n", type=positive_int, default=None, help="number of points (default: 100 moons, 150 spiral)"
    )
    parser.add_argument(
        "--noise", type=real_at_least(0), default=None, help="data noise (default: 0.1 moons, 0.2 spiral)"
    )
    # numpy's generators take seeds >= 0 only.
    parser.add_argument(
        "--seed", type=int_at_least(0), default=1337, help="seed for the data and the initial weights"
    )
    parser.add_argument(
        "--out", type=output_folder, default=Path("out/demo"), metavar="DIR", help="output folder"
    )
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="compute loss and gradients with micrograd.compiled (numpy; same result, much faster)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


@dataclass
class DemoResult:
    """A moons or spiral run: the trained model, its data, the step history,
    the final training accuracy and the files written."""

    model: MLP
    X: np.ndarray
    y: np.ndarray
    history: History
    accuracy: float
    files: dict[str, Path] = field(default_factory=dict)


def _make_optimizer(name: str | None, model: MLP, lr: float | None) -> Optimizer:
    lr = LR if lr is None else lr
    if (name or OPTIMIZER) == "sgd":
        return SGD(model.parameters(), lr=lr, momentum=0.9)
    return Adam(model.parameters(), lr=lr)


def _loss_curve_summary(history: History, points: int = 6) -> list[str]:
    """A few evenly spaced steps of the loss curve, as text lines."""
    if not history:
        return ["  (no step completed)"]
    last = len(history) - 1
    picks = sorted({round(k * last / (points - 1)) for k in range(points)})
    return [
        f"  step {int(history[i]['step']):4d}  loss {history[i]['loss']:.4f}  "
        f"batch accuracy {history[i]['accuracy']:.0%}"
        for i in picks
    ]


def train_demo(args: argparse.Namespace) -> DemoResult:
    """Train on moons or spiral as the flags say and write the output files."""
    defaults = DEFAULTS[args.dataset]
    n = args.n if args.n is not None else defaults.n
    noise = args.noise if args.noise is not None else defaults.noise
    steps = args.steps if args.steps is not None else defaults.steps
    loss = args.loss if args.loss is not None else defaults.loss
    classes = defaults.classes
    if args.dataset == "moons":
        X, y = make_moons(n, noise=noise, seed=args.seed)
    else:
        X, y = spiral(n, classes=classes, noise=noise, seed=args.seed)
    # Binary losses score one output; cross-entropy needs one logit per class.
    outputs = classes if loss == "cross_entropy" else 1
    if outputs == 1 and classes != 2:
        raise ValueError(f"--loss {loss} is for two classes; {args.dataset} has {classes}")
    model = MLP(2, [16, 16, outputs], seed=args.seed)
    optimizer = _make_optimizer(args.optimizer, model, args.lr)
    # Enough epochs for `steps` steps; max_steps cuts the last one short.
    batch = args.batch_size
    steps_per_epoch = 1 if batch is None else -(-n // min(batch, n))
    step_fn: StepFn | None = None
    if args.compiled:
        from micrograd.compiled import compiled_step_fn

        step_fn = compiled_step_fn(model, loss, 2)
    history = fit(
        model,
        (X, y),
        loss,
        optimizer,
        epochs=-(-steps // steps_per_epoch),
        batch_size=batch,
        max_steps=steps,
        step_fn=step_fn,
        seed=args.seed,
        progress=not args.no_progress,
        desc=args.dataset,
    )
    accuracy = float(np.mean(np.asarray(predict(model, X)) == y))
    result = DemoResult(model, X, y, history, accuracy)
    _write_outputs(result, args.out, optimizer, f"{args.dataset}, {loss}")
    graph = write_graph(X.tolist(), y.tolist(), loss, outputs, args.seed, args.out / "graph.svg")
    if graph is not None:
        result.files["graph.svg"] = graph
    page = write_worked_stepper(args.out / "backward.html")
    if page is not None:
        result.files["backward.html"] = page
    return result


def _write_outputs(result: DemoResult, out: Path, optimizer: Optimizer, title: str) -> None:
    from micrograd.viz.plots import plot_decision_boundary, plot_loss

    files = result.files
    files["model.json"] = checkpoint.save(result.model, out / "model.json", optimizer=optimizer)
    files["decision_boundary.png"] = plot_decision_boundary(
        result.model,
        result.X,
        result.y,
        out / "decision_boundary.png",
        title=f"{title}: {result.accuracy:.0%} training accuracy",
        resolution=100,
    )
    if result.history:
        files["loss.png"] = plot_loss(result.history, out / "loss.png", title=title)


def run(args: argparse.Namespace) -> int:
    """Run the demo the flags describe and print what it did; returns the exit status."""
    if args.dataset == "digits":
        from micrograd.cli.demo_digits import run_digits

        return run_digits(args)
    try:
        result = train_demo(args)
    except ValueError as exc:
        return fail("demo", f"error: {exc}", 2)
    except OSError as exc:  # e.g. an --out folder that cannot be written
        return fail("demo", f"cannot write the outputs: {exc}")
    history = result.history
    print(f"{args.dataset}: {len(history)} steps, loss curve:")
    print("\n".join(_loss_curve_summary(history)))
    if history.interrupted:
        print("(interrupted by Ctrl-C: results are for the steps completed)")
    print(f"final training accuracy {result.accuracy:.0%} ({len(result.y)} points)")
    width = max(len(str(path)) for path in result.files.values())
    for name, path in result.files.items():
        print(f"wrote {path!s:<{width}}  {WHAT_THE_FILES_ARE.get(name, '')}".rstrip())
    print("\n".join(next_steps(result.files.get("backward.html"))))
    return 0
