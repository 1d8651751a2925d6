"""A learner's own op, defined like the built-in ones, works everywhere the built-ins do."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd.compiled import TracingError, compile_fn
from micrograd.engine import Op, Value, grad, jvp
from micrograd.viz import backward_steps, build_stepper_html, draw_dot, explain

CUBE = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
# Written with math.*: fine eagerly, but it cannot run on numpy arrays.
SQUASH = Op("squash", lambda a: math.atan(a), lambda a, out: (1 / (1 + a * a),))
# Written with plain arithmetic (abs is numpy's on an array): runs on arrays too.
SOFTSIGN = Op("softsign", lambda a: a / (1 + abs(a)), lambda a, out: (1 / (1 + abs(a)) ** 2,))


def _graph() -> tuple[Value, Value]:
    x = Value(1.5, label="x")
    y = CUBE(x) * 2
    y.label = "y"
    return x, y


def test_in_backward_grad_and_jvp() -> None:
    x, y = _graph()
    y.backward()
    assert x.grad == pytest.approx(13.5)
    (d2,) = grad(grad(y, [x], create_graph=True)[0], [x])
    assert d2.data == pytest.approx(18.0)
    assert jvp(y, {x: 1.0}) == pytest.approx(13.5)


def test_in_the_graph_picture() -> None:
    _, y = _graph()
    assert "cube" in draw_dot(y).source


def test_in_the_step_table_with_its_formula() -> None:
    x, y = _graph()
    steps = backward_steps(y)
    (step,) = [s for s in steps if s.parent is x]
    assert step.op == "cube"
    assert step.local == pytest.approx(6.75)
    assert "3 * x**2" in step.local_text()
    assert "3 * x**2" in str(steps.table())


def test_in_explain_and_the_stepper() -> None:
    x, y = _graph()
    text = str(explain(y, x))
    assert "13.5" in text
    html = build_stepper_html(y)
    assert "cube" in html


def test_compiled_mode_runs_an_elementwise_op_and_refuses_a_math_one() -> None:
    f = compile_fn(lambda x: SOFTSIGN(x) * 3, (0.5,))
    batch = np.array([-2.0, 0.5, 3.0])
    out = f.forward(batch)
    assert np.allclose(out, [3 * v / (1 + abs(v)) for v in batch], rtol=1e-12)
    with pytest.raises(TracingError, match="squash"):
        compile_fn(lambda x: SQUASH(x), (0.5,))
