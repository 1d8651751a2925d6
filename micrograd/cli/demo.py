"""``python -m micrograd demo``: train a classifier and write what it learned.

* ``--dataset moons`` (default): ``MLP(2, [16, 16, 1])`` on 100 two-moons
  points, max-margin (hinge) loss, Adam; reaches 100% training accuracy.
* ``--dataset spiral``: ``MLP(2, [16, 16, 3])`` on a 3-class spiral, softmax
  cross-entropy.
* ``--dataset digits``: the 64-32-16-10 classifier of :mod:`micrograd.digits`
  (see :mod:`micrograd.cli.demo_digits`).

For moons and spiral, writes to ``--out`` (default ``out/demo``):
``decision_boundary.png``, ``loss.png``, ``model.json`` (a checkpoint that
:func:`micrograd.checkpoint.load` rebuilds) and ``graph.svg`` (the graph of
one sample's loss after backward, one box per neuron, drawn before training:
the gradients the first step follows).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micrograd import checkpoint
from micrograd.cli import fail
from micrograd.cli.arguments import DefaultsFormatter, int_at_least, real_at_least
from micrograd.data import make_moons, spiral
from micrograd.engine import Value, no_grad
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo command's flags."""
    parser.formatter_class = DefaultsFormatter
    parser.description = (
        f"{parser.description}. Writes decision_boundary.png, loss.png, model.json and graph.svg into "
        "--out (for digits: digits_confusion.png and digits_checkpoint.json)."
    )
    positive_int = int_at_least(1)
    parser.add_argument(
        "--dataset",
        choices=[*sorted(DEFAULTS), "digits"],
        default="moons",
        help="data set to learn (digits: a 64-32-16-10 softmax classifier on scikit-learn's bundled "
        "8x8 digits, best with --compiled; it uses its own schedule and ignores --steps, --lr, --n, "
        "--noise, --loss, --optimizer and --batch-size)",
    )
    parser.add_argument(
        "--steps", type=positive_int, default=None, help="training steps (default: 100 moons, 200 spiral)"
    )
    parser.add_argument("--lr", type=real_at_least(0, strict=True), default=0.03, help="learning rate")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="optimizer")
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
    parser.add_argument("--out", type=Path, default=Path("out/demo"), metavar="DIR", help="output folder")
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


def _make_optimizer(name: str, model: MLP, lr: float) -> Optimizer:
    if name == "sgd":
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
    # Drawn before training: once trained, every moons point's hinge loss is
    # typically 0, and so would be every gradient in the picture.
    graph = _write_graph(model, X, y, args.out / "graph.svg", loss)
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
    if graph is not None:
        result.files["graph.svg"] = graph
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


def _write_graph(model: MLP, X: np.ndarray, y: np.ndarray, path: Path, loss: str) -> Path | None:
    """The loss graph, with its gradients after backward, of the sample whose
    loss is largest.  Each neuron call is drawn as one box (``collapse``): the
    full graph of a 2-16-16-1 MLP has ~400 nodes, too many to read."""
    from micrograd.viz.graph import GraphvizNotFoundError, save_svg

    loss_fn = LOSSES[loss]
    with no_grad():
        losses = [loss_fn([model(row)], [label]).data for row, label in zip(X.tolist(), y.tolist())]
    i = int(np.argmax(losses))
    x, label = X[i].tolist(), int(y[i])
    root: Value = loss_fn([model([Value(x[0], "x0"), Value(x[1], "x1")])], [label])
    root.label = "loss"
    root.backward()
    try:
        return save_svg(root, path, collapse=model)
    except GraphvizNotFoundError as exc:
        print(f"graph.svg skipped: {exc}", file=sys.stderr)
        return None
    finally:
        model.zero_grad()  # backward filled the parameters' grads; training starts clean


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
    for path in result.files.values():
        print(f"wrote {path}")
    return 0
