"""The package's front door: every public name loads from ``micrograd``, and
importing the core pulls in no heavy dependency."""

from __future__ import annotations

import subprocess
import sys

import pytest

import micrograd

HEAVY = ("numpy", "graphviz", "matplotlib", "torch")


@pytest.mark.parametrize("module", ["micrograd", "micrograd.engine", "micrograd.nn"])
def test_importing_the_core_imports_no_heavy_dependency(module: str) -> None:
    code = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_model_trains_without_numpy() -> None:
    code = (
        "import sys\n"
        "from micrograd import MLP, SGD\n"
        "m = MLP(2, [4, 1], seed=0)\n"
        "opt = SGD(m.parameters(), lr=0.1)\n"
        "loss = (m([1.0, -1.0]) - 1) ** 2\n"
        "opt.zero_grad(); loss.backward(); opt.step()\n"
        f"print([x for x in {HEAVY!r} if x in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", micrograd.__all__)
def test_every_public_name_loads_from_the_top_level(name: str) -> None:
    assert getattr(micrograd, name) is not None
    assert name in dir(micrograd)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        micrograd.nonsense  # noqa: B018  (the point of the test)


def test_the_reference_import_paths_still_work() -> None:
    from micrograd.engine import Value
    from micrograd.nn import MLP, Layer, Module, Neuron

    assert micrograd.Value is Value
    assert (micrograd.MLP, micrograd.Layer, micrograd.Module, micrograd.Neuron) == (
        MLP,
        Layer,
        Module,
        Neuron,
    )


def test_the_readme_api_table_names_only_what_exists() -> None:
    """Every call ``name(...)`` and class ``Name`` in the README's module table is an attribute of
    that module (or of a class it defines: methods such as ``backward()``): the docs match the code.
    Lowercase words without a call (argument names such as ``fn``, loss names such as ``bce``) are
    not checked."""
    import importlib
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- api:start -->")[1].split("<!-- api:end -->")[0]
    rows = re.findall(r"^\| `(micrograd[\w.]*)`(?:, `(micrograd[\w.]*)`)? \| (.*) \|$", table, flags=re.M)
    assert len(rows) >= 15
    missing = []
    for first, second, text in rows:
        modules = [importlib.import_module(name) for name in (first, second) if name]
        known = set()
        for module in modules:
            for attr in [*dir(module), *getattr(module, "__all__", [])]:  # __all__: lazily loaded names
                known.add(attr)
                value = getattr(module, attr)
                if isinstance(value, type):
                    known.update(dir(value))
        for code in re.findall(r"`([^`]+)`", text):
            name = re.match(r"([A-Za-z_]\w*)(\(|$)", code)
            if name and (name.group(2) or name.group(1)[0].isupper()) and name.group(1) not in known:
                missing.append(f"{first}: {code}")
    assert missing == []
