"""Smoke tests for the command line, run as a user would: a subprocess with
this interpreter (the virtualenv's python), in a scratch directory so that
anything the demo writes lands there."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micrograd", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_demo_command(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: python -m micrograd" in result.stdout
    assert "demo" in result.stdout


def test_demo_help(tmp_path: Path) -> None:
    result = run_cli("demo", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--steps" in result.stdout


def test_demo_runs_a_few_steps(tmp_path: Path) -> None:
    result = run_cli("demo", "--steps", "3", cwd=tmp_path)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "loss" in (result.stdout + result.stderr).lower()
    assert "Traceback" not in result.stderr


def test_missing_or_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    for args in ((), ("no-such-command",)):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert "usage:" in result.stderr
        assert "Traceback" not in result.stderr


def test_demo_rejects_zero_steps(tmp_path: Path) -> None:
    result = run_cli("demo", "--steps", "0", cwd=tmp_path)
    assert result.returncode != 0
    assert "steps" in result.stderr
    assert "Traceback" not in result.stderr


def test_top_level_help_names_the_commands_and_shows_two_examples(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "graph" in result.stdout
    examples = result.stdout.split("examples:")[1].split("\n\n")[0]
    commands = [line.split() for line in examples.splitlines() if line.strip().startswith("python -m")]
    assert [words[3] for words in commands] == ["demo", "graph"]


def test_help_texts_have_no_markup() -> None:
    # The help is built from docstrings in part: no reStructuredText may leak into it.
    from micrograd.cli import COMMANDS, build_parser

    parser = build_parser()
    texts = [parser.format_help()]
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([name, "--help"])
        assert exc.value.code == 0
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    texts += [subparsers.choices[name].format_help() for name in COMMANDS]
    for text in texts:
        for markup in ("``", ":func:", ":mod:", ":class:", "`"):
            assert markup not in text, (markup, text)


def test_console_script_entry_point_is_the_cli_main() -> None:
    # pyproject's [project.scripts]: micrograd = "micrograd.__main__:main"
    import micrograd.__main__
    import micrograd.cli

    assert micrograd.__main__.main is micrograd.cli.main
