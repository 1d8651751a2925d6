"""The ``graph`` command: the worked examples drawn, stepped through and written to a folder."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd.cli import main
from micrograd.examples import EXAMPLES

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_graph_command_writes_svg_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g"
    assert main(["graph", "--example", "worked", "--out", str(out), "--per-step"]) == 0
    svg = ET.parse(out / "graph.svg").getroot()
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG_NS}text")]
    for expected in ["data 6", "data 3", "data 2", "grad 12", "grad 2", "y_hat"]:
        assert expected in texts
    # The page may hold its SVG inline or inside its JSON data, where "<" is spelled \u003c.
    html = (out / "backward.html").read_text(encoding="utf-8").replace("\\u003c", "<")
    assert "<svg" in html and '"steps"' in html
    assert len(list((out / "steps").glob("step_*.svg"))) == 11
    assert "10 backward steps" in capsys.readouterr().out


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_every_example_can_be_drawn(example: str, tmp_path: Path) -> None:
    assert main(["graph", "--example", example, "--out", str(tmp_path)]) == 0
    assert ET.parse(tmp_path / "graph.svg").getroot().tag == f"{SVG_NS}svg"
    assert not (tmp_path / "steps").exists()  # only with --per-step


def test_graph_command_default_folder_via_python_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "micrograd", "graph", "--example", "worked"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "graph" / "graph.svg").is_file()
    assert (tmp_path / "out" / "graph" / "backward.html").is_file()


def test_graph_command_without_dot_explains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["graph", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "python -m micrograd graph: error:" in err and "apt-get install graphviz" in err
    assert not (tmp_path / "o" / "graph.svg").exists()


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["graph", "--out", str(blocker / "sub")]) == 1
    assert "cannot write the outputs" in capsys.readouterr().err


def test_unknown_example_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["graph", "--example", "nope"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_example_is_described_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    from micrograd.examples import DESCRIPTIONS

    assert set(DESCRIPTIONS) == set(EXAMPLES)
    with pytest.raises(SystemExit):
        main(["graph", "--help"])
    help_text = capsys.readouterr().out
    for name, description in DESCRIPTIONS.items():
        assert f"  {name}" in help_text and description in help_text


def test_out_naming_an_existing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Was "cannot write the outputs: [Errno 20] Not a directory: '.../graph.svg/backward.html'".
    target = tmp_path / "graph.svg"
    target.write_text("mine")
    with pytest.raises(SystemExit) as exc:
        main(["graph", "--out", str(target)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"python -m micrograd graph: error: argument --out: {target} is a file, not a folder" in err
    assert f"pass a folder, e.g. --out {tmp_path}" in err
    assert target.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]  # nothing written next to it
