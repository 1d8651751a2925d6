"""The demo: 100% on moons, valid output files, exact checkpoint, CLI errors."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from micrograd.checkpoint import load
from micrograd.cli import build_parser, main
from micrograd.cli.demo import train_demo
from micrograd.engine import no_grad
from micrograd.nn import MLP

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def raw_outputs(model: MLP, rows: list[list[float]]) -> list[float]:
    with no_grad():
        outs = [model(r) for r in rows]
    flat: list[float] = []
    for o in outs:
        flat.extend(v.data for v in (o if isinstance(o, list) else [o]))
    return flat


def check_files(out: Path) -> None:
    for name in ("decision_boundary.png", "loss.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC, name
    doc = json.loads((out / "model.json").read_text())
    assert doc["format"] == "micrograd-checkpoint"
    root = ET.parse(out / "graph.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}g")) > 50  # a real graph, not an empty page


def test_moons_demo_reaches_100_percent_and_checkpoint_is_exact(tmp_path: Path) -> None:
    args = build_parser().parse_args(["demo", "--out", str(tmp_path), "--no-progress"])
    result = train_demo(args)
    assert result.accuracy == 1.0
    assert len(result.history) == 100
    assert result.model.nouts == [16, 16, 1] and len(result.X) == 100
    check_files(tmp_path)
    loaded = load(tmp_path / "model.json").model
    assert loaded is not None
    rows = result.X.tolist()
    assert raw_outputs(loaded, rows) == raw_outputs(result.model, rows)  # bit for bit


def test_spiral_via_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["demo", "--dataset", "spiral", "--steps", "40", "--n", "60", "--out", str(tmp_path), "--no-progress"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "spiral: 40 steps" in out and "final training accuracy" in out
    for name in ("decision_boundary.png", "loss.png", "model.json", "graph.svg"):
        assert f"wrote {tmp_path / name}" in out
    check_files(tmp_path)
    ck = load(tmp_path / "model.json")
    assert ck.model is not None and ck.model.nouts == [16, 16, 3]
    assert ck.optimizer_state is not None and ck.optimizer_state["type"] == "Adam"
    accuracy = float(out.split("final training accuracy ")[1].split("%")[0]) / 100
    assert accuracy > 0.6  # 3 classes: chance is 1/3


def test_minibatch_sgd_and_bce_options(tmp_path: Path) -> None:
    flags = ["--optimizer", "sgd", "--lr", "0.05", "--loss", "bce", "--batch-size", "25", "--steps", "6"]
    args = build_parser().parse_args(["demo", *flags, "--out", str(tmp_path), "--no-progress"])
    result = train_demo(args)
    # 4 batches per epoch: the run stops 2 steps into the second epoch
    assert len(result.history) == 6 and result.history[-1]["epoch"] == 1


def test_compiled_mode_trains_the_same_model(tmp_path: Path) -> None:
    flags = ["--dataset", "spiral", "--n", "60", "--steps", "30", "--no-progress"]
    eager = train_demo(build_parser().parse_args(["demo", *flags, "--out", str(tmp_path / "e")]))
    compiled = train_demo(
        build_parser().parse_args(["demo", *flags, "--compiled", "--out", str(tmp_path / "c")])
    )
    assert compiled.accuracy == eager.accuracy
    a, b = eager.model.state_dict(), compiled.model.state_dict()
    assert max(abs(a[k] - b[k]) / (abs(a[k]) + 1e-12) for k in a) < 1e-9


def test_help_documents_every_flag() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", "--help"], capture_output=True, text=True, check=True
    )
    for flag in ("--dataset", "--steps", "--lr", "--optimizer", "--loss", "--batch-size", "--n", "--noise"):
        assert flag in proc.stdout
    for flag in ("--seed", "--out", "--compiled", "--no-progress", "moons", "spiral", "out/demo"):
        assert flag in proc.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "unrecognized arguments"),
        (["--steps", "-5"], "argument --steps: must be an integer >= 1, got -5"),
        (["--steps", "ten"], "expected an integer"),
        (["--lr", "0"], "> 0"),
        (["--lr", "nan"], "argument --lr: must be finite"),
        (["--noise", "-0.1"], ">= 0"),
        (["--dataset", "mnist"], "invalid choice"),
        (["--batch-size", "0"], "argument --batch-size: must be an integer >= 1"),
        # numpy's seeding used to fail later with just "expected non-negative integer"
        (["--seed", "-1"], "argument --seed: must be an integer >= 0"),
    ],
)
def test_bad_flags_are_argparse_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_binary_loss_on_three_classes_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--dataset", "spiral", "--loss", "hinge", "--out", str(tmp_path), "--no-progress"])
    assert code == 2
    assert "two classes" in capsys.readouterr().err
    assert not (tmp_path / "model.json").exists()


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["demo", "--steps", "1", "--out", str(blocker / "sub"), "--no-progress"])
    assert code == 1
    assert "cannot write the outputs" in capsys.readouterr().err


def test_ctrl_c_before_the_first_step_still_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import micrograd.train

    def interrupted(*args: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(micrograd.train, "eager_step_fn", lambda model, loss: interrupted)
    assert main(["demo", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "0 steps" in out and "no step completed" in out and "interrupted" in out
    assert (tmp_path / "model.json").exists()


def test_graph_is_one_samples_loss(tmp_path: Path) -> None:
    # Was the trained 2-16-16-1 model with each neuron one box: 2253 x 6334 pt, 256 arrows
    # into 16 identical boxes.  Now a 2-2-1 model of the same kind, every node drawn.
    args = build_parser().parse_args(["demo", "--steps", "1", "--out", str(tmp_path), "--no-progress"])
    result = train_demo(args)
    svg = (tmp_path / "graph.svg").read_text()
    titles = {"".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")}
    parameters = [f"w1[{j},{k}]" for j in range(2) for k in range(2)] + ["b1[0]", "b1[1]"]
    parameters += ["w2[0,0]", "w2[0,1]", "b2[0]"]
    for name in ["x0", "x1", "z1[0]", "h1[1]", "score", "y", "loss", *parameters]:
        assert name in titles, name
    caption = html.unescape(svg)  # graphviz writes "-" as &#45;
    assert "One training sample" in caption and "2-2-1 MLP, hinge loss" in caption
    assert result.files["graph.svg"] == tmp_path / "graph.svg"


def test_graph_shows_gradients_flowing(tmp_path: Path) -> None:
    # After the default run every moons point has margin >= 1, so the hinge
    # loss of any sample is 0 and its graph showed "grad 0" on every node but
    # the loss: a picture of backward with nothing flowing back.
    import html
    import re

    args = build_parser().parse_args(["demo", "--out", str(tmp_path), "--no-progress"])
    assert train_demo(args).accuracy == 1.0
    svg = html.unescape((tmp_path / "graph.svg").read_text())  # graphviz writes "-" as &#45;
    texts = re.findall(r">grad (-?[0-9.e+-]+)<", svg)
    assert len([g for g in texts if float(g) != 0]) >= 10, texts


def test_digits_demo_compiled_reaches_95_percent_held_out(tmp_path: Path) -> None:
    """The issue's showcase: `demo --dataset digits --compiled` trains the
    64-32-16-10 softmax net to >= 95% held-out accuracy and writes its files."""
    import re

    out = tmp_path / "digits"
    command = ["demo", "--dataset", "digits", "--compiled", "--no-progress", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "micrograd", *command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"held-out accuracy ([0-9.]+)%", proc.stdout)
    assert match, proc.stdout
    assert float(match.group(1)) >= 95.0
    assert (out / "digits_confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "digits_checkpoint.json").read_text())


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        # -1/+1 labels: the -1 points were silently not drawn
        ([[0.0, 0.0], [1.0, 1.0]], [-1, 1], "class indices"),
        # fractional labels were truncated to 0
        ([[0.0, 0.0], [1.0, 1.0]], [0.5, 1.0], "class indices"),
        # was numpy's "zero-size array to reduction operation" error
        (np.zeros((0, 2)), np.zeros(0, dtype=np.int64), "at least one point"),
    ],
)
def test_decision_boundary_rejects_labels_it_cannot_draw(
    X: object, y: object, message: str, tmp_path: Path
) -> None:
    from micrograd.viz.plots import plot_decision_boundary

    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(MLP(2, [3, 1], seed=0), X, y, tmp_path / "b.png")  # type: ignore[arg-type]
    assert not (tmp_path / "b.png").exists()


@pytest.mark.parametrize("steps", [1, 3])
def test_loss_plot_shows_short_histories(steps: int, tmp_path: Path) -> None:
    # A one-point line draws nothing: `demo --steps 1` wrote a loss.png with empty axes.
    from matplotlib.image import imread

    from micrograd.viz.plots import plot_loss

    history = [{"step": k, "loss": 0.9 - 0.1 * k, "accuracy": 0.5} for k in range(steps)]
    pixels = imread(plot_loss(history, tmp_path / "loss.png"))[..., :3]
    for rgb in ((0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00)):  # the loss and accuracy colours
        near = np.abs(pixels - np.array(rgb) / 255).max(axis=-1) < 0.05
        assert near.sum() >= 20, rgb


def test_digits_without_scikit_learn_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was a traceback ending in the ImportError.
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    code = main(["demo", "--dataset", "digits", "--out", str(tmp_path), "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err
    assert "python -m micrograd demo: " in err and "micrograd[digits]" in err


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--noise", "0.3", "--n", "50"], ["--n 50", "--noise 0.3"]),
        (["--steps", "7", "--batch-size", "8"], ["--steps 7", "--batch-size 8"]),
        (
            ["--lr", "0.03", "--optimizer", "adam", "--loss", "hinge"],
            ["--lr 0.03", "--optimizer adam", "--loss hinge"],
        ),
    ],
)
def test_digits_warns_about_the_flags_it_ignores(
    flags: list[str],
    named: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was silent: `demo --dataset digits --noise 0.3` trained the digits net as if no flag was given.
    # Given even at its moons default (--lr 0.03), a flag digits does not read is named.
    import micrograd.cli.demo_digits as demo_digits

    calls: list[dict[str, object]] = []

    def run_demo(**kwargs: object) -> int:
        calls.append(kwargs)
        return 0

    monkeypatch.setattr(demo_digits, "run_demo", run_demo)
    argv = ["demo", "--dataset", "digits", *flags, "--seed", "3", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    warning = [line for line in err.splitlines() if "warning" in line]
    assert len(warning) == 1, err
    assert warning[0].startswith("python -m micrograd demo: warning: --dataset digits ignores ")
    for text in named:
        assert text in warning[0], text
    assert "--seed 3" not in warning[0]  # a flag digits reads is not named
    assert calls == [{"compiled": False, "seed": 3, "out": tmp_path, "progress": False}]


def test_digits_without_moons_flags_prints_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import micrograd.cli.demo_digits as demo_digits

    monkeypatch.setattr(demo_digits, "run_demo", lambda **kwargs: 0)
    assert main(["demo", "--dataset", "digits", "--compiled", "--out", str(tmp_path)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_every_flag_digits_ignores_is_detected() -> None:
    from micrograd.cli.demo import MOONS_AND_SPIRAL_ONLY
    from micrograd.cli.demo_digits import ignored_flags

    values = {"--optimizer": "sgd", "--loss": "bce", "--lr": "0.1", "--noise": "0.2"}
    for flag in MOONS_AND_SPIRAL_ONLY:
        args = build_parser().parse_args(["demo", "--dataset", "digits", flag, values.get(flag, "5")])
        assert ignored_flags(args) == [f"{flag} {values.get(flag, '5')}"]
    assert ignored_flags(build_parser().parse_args(["demo", "--dataset", "digits"])) == []


def test_out_naming_an_existing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "graph.svg"
    target.write_text("mine")
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--steps", "1", "--out", str(target), "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --out: {target} is a file, not a folder" in err
    assert f"pass a folder, e.g. --out {tmp_path}" in err
    assert target.read_text() == "mine"


def test_demo_help_shows_two_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    examples = capsys.readouterr().out.split("examples:\n")[1]
    commands = [line.strip() for line in examples.splitlines() if line.strip().startswith("python -m")]
    assert commands == ["python -m micrograd demo", "python -m micrograd demo --dataset digits --compiled"]
