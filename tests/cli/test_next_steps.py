"""The demo's closing lines: what to try next, each command runnable as printed."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import pytest

from micrograd.cli import main
from micrograd.cli.next_steps import checkout, interpreter, make_command, next_steps

ROOT = Path(__file__).resolve().parents[2]


def commands(lines: list[str]) -> list[str]:
    """The command lines of the block: the indented lines under each 'what' line."""
    start = lines.index("what to try next:")
    return [line.strip() for line in lines[start + 1 :] if line.startswith("    ")]


def test_in_the_checkout_the_commands_are_the_readme_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "executable", str(ROOT / ".venv" / "bin" / "python"))
    assert checkout() == ROOT
    assert interpreter() == ".venv/bin/python"  # never a bare python: it may be the system one
    assert make_command("lab") == "make lab"
    got = commands(next_steps(Path("out/demo/backward.html")))
    assert got == [
        (ROOT / "out" / "demo" / "backward.html").as_uri(),
        "make lab",
        ".venv/bin/python -m micrograd graph --example mlp",
        ".venv/bin/python -m micrograd --help",
        "make test",
    ]


def test_from_elsewhere_the_commands_name_the_checkout_and_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "executable", "/opt/my python/bin/python3")
    assert interpreter() == "'/opt/my python/bin/python3'"  # quoted for the shell
    assert make_command("test") == f"make -C {shlex.quote(str(ROOT))} test"


def test_an_installed_copy_prints_no_make_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    import micrograd.cli.next_steps as steps

    monkeypatch.setattr(steps, "checkout", lambda: None)
    got = commands(next_steps(None))
    assert got and not any(command.startswith("make") for command in got)


def test_every_printed_command_runs_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's own closing block, from a scratch folder: the page exists, make
    knows the targets (a dry run: -n), and the python commands succeed."""
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--steps", "2", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    got = commands(lines)
    assert lines[-1].strip() == got[-1] and len(got) == 5
    page = Path(unquote(urlparse(got[0]).path))
    assert got[0].startswith("file://") and page == tmp_path / "out" / "demo" / "backward.html"
    assert page.is_file()
    for command in got[1:]:
        argv = shlex.split(command)
        if argv[0] == "make":
            argv.insert(1, "-n")  # is the target there? (running it would install and serve)
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, (command, proc.stderr)
    assert (tmp_path / "out" / "graph" / "backward.html").is_file()  # what `graph --example mlp` writes


def test_the_digits_run_ends_with_the_block_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import micrograd.cli.demo_digits as demo_digits

    monkeypatch.setattr(demo_digits, "_summary", lambda result, rate: ["digits (stub)"])
    monkeypatch.setattr(demo_digits, "train_digits", lambda **kwargs: SimpleNamespace(samples_per_second=1.0))
    monkeypatch.setattr(demo_digits, "write_digits_outputs", lambda result, out: {})
    monkeypatch.setattr(demo_digits, "eager_samples_per_second", lambda n, seed: 1.0)
    assert main(["demo", "--dataset", "digits", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "what to try next:" in out and "-m micrograd graph --example mlp" in out
