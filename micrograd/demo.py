"""``python -m micrograd demo``: train a classifier and write what it learned.

* ``--dataset moons`` (default): ``MLP(2, [16, 16, 1])`` on 100 two-moons
  points, max-margin (hinge) loss, Adam; reaches 100% training accuracy.
* ``--dataset spiral``: ``MLP(2, [16, 16, 3])`` on a 3-class spiral, softmax
  cross-entropy.

Writes to ``--out`` (default ``out/demo``): ``decision_boundary.png``,
``loss.png``, ``model.json`` (a checkpoint that :func:`micrograd.checkpoint.load`
rebuilds) and ``graph.svg`` (the graph of one sample's loss after backward,
one box per neuron, drawn before training: the gradients the first step
follows).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micrograd import checkpoint
from micrograd.data import make_moons, spiral
from micrograd.engine import Value, no_grad
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, Optimizer
from micrograd.train import LOSSES, History, fit, predict


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


def _int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def _non_negative_int(text: str) -> int:
    # numpy's generators take seeds >= 0 only.
    return _int_at_least(text, 0)


def _finite_float(text: str, *, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < float("inf")):
        bound = ">= 0" if allow_zero else "> 0"
        raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text}")
    return value


def _positive_float(text: str) -> float:
    return _finite_float(text, allow_zero=False)


def _non_negative_float(text: str) -> float:
    return _finite_float(text, allow_zero=True)


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Append "(default: X)" only where X is a real value; flags whose default
    depends on the data set say so in their own help text."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = _DefaultsFormatter
    parser.add_argument(
        "--dataset",
        choices=[*sorted(DEFAULTS), "digits"],
        default="moons",
        help="data set to learn (digits: a 64-32-16-10 softmax classifier on scikit-learn's bundled "
        "8x8 digits, best with --compiled; it uses its own schedule and ignores --steps/--lr/--n/"
        "--noise/--loss/--optimizer/--batch-size)",
    )
    parser.add_argument(
        "--steps", type=_positive_int, default=None, help="training steps (default: 100 moons, 200 spiral)"
    )
    parser.add_argument("--lr", type=_positive_float, default=0.03, help="learning rate")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="optimizer")
    parser.add_argument(
        "--loss",
        choices=sorted(LOSSES),
        default=None,
        help="loss (default: hinge for moons, cross_entropy for spiral; bce needs a binary data set)",
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, default=None, help="samples per step (default: all of them)"
    )
    parser.add_argument(
        "--n", type=_positive_int, default=None, help="number of points (default: 100 moons, 150 spiral)"
    )
    parser.add_argument(
        "--noise", type=_non_negative_float, default=None, help="data noise (default: 0.1 moons, 0.2 spiral)"
    )
    parser.add_argument(
        "--seed", type=_non_negative_int, default=1337, help="seed for the data and the initial weights"
    )
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder")
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="compute loss and gradients with micrograd.compile (numpy; same result, much faster)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


@dataclass
class DemoResult:
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
    """Train as the flags say and write the output files."""
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
    step_fn = None
    if args.compiled:
        from micrograd.compile import compiled_step_fn

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
    from micrograd.plots import plot_decision_boundary, plot_loss

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
    from micrograd.graph import GraphvizNotFoundError, save_svg

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
    if args.dataset == "digits":
        from micrograd.digits import run_demo as run_digits

        try:
            return run_digits(
                compiled=args.compiled, seed=args.seed, out=args.out, progress=not args.no_progress
            )
        except ImportError as exc:  # the optional scikit-learn, which ships the data
            print(f"python -m micrograd demo: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"python -m micrograd demo: cannot write the outputs: {exc}", file=sys.stderr)
            return 1
    try:
        result = train_demo(args)
    except ValueError as exc:
        print(f"python -m micrograd demo: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. an --out folder that cannot be written
        print(f"python -m micrograd demo: cannot write the outputs: {exc}", file=sys.stderr)
        return 1
    history = result.history
    print(f"{args.dataset}: {len(history)} steps, loss curve:")
    print("\n".join(_loss_curve_summary(history)))
    if history.interrupted:
        print("(interrupted by Ctrl-C: results are for the steps completed)")
    print(f"final training accuracy {result.accuracy:.0%} ({len(result.y)} points)")
    for path in result.files.values():
        print(f"wrote {path}")
    return 0
