"""What ``import micrograd.viz`` gives and what it costs."""

from __future__ import annotations

import json
import subprocess
import sys

import micrograd.viz

WATCHED = ("graphviz", "numpy", "matplotlib", "micrograd.viz")


def _modules_after(code: str) -> dict[str, bool]:
    """Which of WATCHED a fresh interpreter has loaded after running ``code``."""
    probe = f"import sys, json\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {WATCHED!r}}}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, bool] = json.loads(result.stdout)
    return loaded


def test_every_public_name_is_exported() -> None:
    for name in micrograd.viz.__all__:
        assert getattr(micrograd.viz, name) is not None, name
    expected = {"draw_dot", "render_svg", "save_svg", "backward_steps", "BackwardTrace", "Step", "StepTable"}
    expected |= {"save_step_svgs", "local_derivatives", "explain", "Explanation", "build_stepper_html"}
    expected |= {"write_stepper", "plot_loss", "plot_decision_boundary"}
    assert expected <= set(micrograd.viz.__all__)


def test_importing_viz_loads_graphviz_but_not_numpy_or_matplotlib() -> None:
    assert _modules_after("import micrograd.viz") == {
        "graphviz": True,
        "numpy": False,
        "matplotlib": False,
        "micrograd.viz": True,
    }
    # The plots load on first use, and matplotlib only when a plot is drawn.
    plots = _modules_after("from micrograd.viz import plot_loss")
    assert plots["numpy"] and not plots["matplotlib"]
    # The engine knows nothing of drawing.
    assert _modules_after("import micrograd.engine, micrograd.nn") == dict.fromkeys(WATCHED, False)
