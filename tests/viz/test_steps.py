"""Backward steps: the worked example by hand, exactness against backward()
and PyTorch on random graphs and MLPs, step tables and per-step pictures."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from viz_graphs import random_graph, sin_times_cos

from micrograd.engine import Value, topological_order
from micrograd.examples import worked_example
from micrograd.nn import MLP
from micrograd.viz.step_pictures import save_step_svgs
from micrograd.viz.steps import BackwardTrace, backward_steps, local_derivatives

SVG_NS = "{http://www.w3.org/2000/svg}"


def fold_contributions(trace: BackwardTrace) -> dict[Value, float]:
    """Each node's grad rebuilt from the steps' contributions alone."""
    grads = dict(trace.initial)
    for step in trace:
        grads[step.parent] = grads[step.parent] + step.contribution
    for node, old in trace.held.items():
        grads[node] += old
    return grads


def assert_trace_reproduces_backward(root: Value, *, accumulate: bool = False) -> BackwardTrace:
    """backward_steps(root) changes no ``.grad``, and then root.backward()
    leaves exactly the trace's final grads and its folded contributions."""
    order = topological_order(root)
    snapshot = [n.grad for n in order]
    trace = backward_steps(root, accumulate=accumulate)
    assert [n.grad for n in order] == snapshot
    root.backward()
    folded = fold_contributions(trace)
    for node in order:
        assert trace.final_grads[node] == node.grad
        assert folded[node] == node.grad
    return trace


# ---------------------------------------------------------------------------
# The worked example, by hand
# ---------------------------------------------------------------------------


def test_worked_example_steps_match_the_hand_computation() -> None:
    ex = worked_example()
    trace = backward_steps(ex.L)
    half, square, diff = ex.L._prev[0], ex.L._prev[1], ex.L._prev[1]._prev[0]
    # (parent, child, upstream dL/dchild, local dchild/dparent, contribution, parent grad after)
    by_hand = [
        (half, ex.L, 1, 4, 4, 4),  # d(0.5*s)/d0.5 = s = (3-1)**2
        (square, ex.L, 1, 0.5, 0.5, 0.5),  # d(0.5*s)/ds = 0.5
        (diff, square, 0.5, 4, 2, 2),  # d(d**2)/dd = 2d = 4
        (ex.y_hat, diff, 2, 1, 2, 2),  # d(y_hat - y)/dy_hat = 1
        (ex.y, diff, 2, -1, -2, -2),  # d(y_hat - y)/dy = -1
        (ex.z2, ex.y_hat, 2, 1, 2, 2),  # relu'(3) = 1
        (ex.m2, ex.z2, 2, 6, 12, 12),  # d(m2*a1)/dm2 = a1
        (ex.a1, ex.z2, 2, 0.5, 1, 1),  # d(m2*a1)/da1 = m2
        (ex.m1, ex.a1, 1, 2, 2, 2),  # d(m1*x)/dm1 = x
        (ex.x, ex.a1, 1, 3, 3, 3),  # d(m1*x)/dx = m1
    ]
    got = [(s.parent, s.child, s.upstream, s.local, s.contribution, s.grad_after) for s in trace]
    assert got == by_hand
    assert [s.index for s in trace] == list(range(1, 11))
    assert all(s.applied for s in trace)
    assert trace[6].formula == "a1" and trace[6].op == "*"
    assert trace[6].describe() == "dL/dz2 * dz2/dm2 = 2 * (a1 = 6) = 12;  m2.grad = 0 + 12 = 12"
    # Nothing was modified.
    assert ex.m2.grad == 0.0 and ex.L.grad == 0.0
    replay = assert_trace_reproduces_backward(ex.L)
    assert [(s.parent, s.contribution) for s in replay] == [(s.parent, s.contribution) for s in trace]


def test_grads_after_each_step_and_bounds() -> None:
    ex = worked_example()
    trace = backward_steps(ex.L)
    assert trace.grads_after(0)[ex.L] == 1.0
    assert trace.grads_after(0)[ex.m2] == 0.0
    assert trace[6].grads()[ex.m2] == 12.0
    assert trace[6].grads()[ex.m1] == 0.0
    assert trace.final_grads[ex.m1] == 2.0
    with pytest.raises(ValueError, match="between 0 and 10"):
        trace.grads_after(11)
    with pytest.raises(TypeError, match="Value"):
        backward_steps(2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="grad"):
        backward_steps(ex.L, grad="1")  # type: ignore[arg-type]
    assert backward_steps(ex.L, grad=3.0).final_grads[ex.m2] == 36.0


def test_step_table_text_and_html() -> None:
    ex = worked_example()
    trace = backward_steps(ex.L)
    text = str(trace.table())
    lines = text.splitlines()
    assert len(lines) == 2 + 1 + 10  # header, rule, seed, ten steps
    assert lines[0].split() == ["#", "edge", "op", "upstream", "local", "contribution", "grad"]
    m2_row = next(line for line in lines if line.split()[1:2] == ["m2"])
    assert "dz2/dm2 = a1 = 6" in m2_row and "m2.grad: 0 -> 12" in m2_row
    a = Value(1.0, label="<b>")
    t = backward_steps((a * 2).tanh()).table()
    page = t._repr_html_()
    assert page.startswith("<table") and "&lt;b&gt;" in page and "<b>" not in page
    assert page.count("<tr>") == 1 + 1 + len(t.trace)
    # In HTML a name never breaks at its minus, nor "before -> after" at its arrow (a narrow window).
    worked = backward_steps(worked_example().L).table()._repr_html_()
    assert "y_hat\u2011y" in worked and "y_hat-y" not in worked
    assert "0\u00a0-&gt;\u00a012" in worked and "= -1" in worked  # a negative number keeps its minus


def test_dead_relu_edge_is_reported_without_adding() -> None:
    x = Value(-1.0, label="x")
    y = x.relu()
    (step,) = backward_steps(y)
    assert not step.applied
    assert (step.local, step.contribution, step.grad_after) == (0.0, 0.0, 0.0)


def test_x_times_x_gives_two_steps() -> None:
    x = Value(3.0, label="x")
    y = x * x
    trace = backward_steps(y)
    assert [(s.parent_index, s.contribution, s.grad_after) for s in trace] == [(0, 3.0, 3.0), (1, 3.0, 6.0)]
    assert local_derivatives(y) == [3.0, 3.0]


# ---------------------------------------------------------------------------
# Exactness on random graphs and MLPs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_steps_reproduce_backward_exactly_on_random_graphs(seed: int) -> None:
    root, troot, leaves = random_graph(seed)
    trace = assert_trace_reproduces_backward(root)
    ops = {str(n._op) for n in trace.order}
    assert len(ops) >= 5
    troot.backward()
    for v, t in leaves:
        assert t.grad is not None or v.grad == 0.0
        expected = 0.0 if t.grad is None else t.grad.item()
        assert math.isclose(trace.final_grads.get(v, 0.0), expected, rel_tol=1e-12, abs_tol=1e-12)


def test_random_graphs_cover_every_op() -> None:
    seen: set[str] = set()
    for seed in range(25):
        seen |= {str(n._op) for n in topological_order(random_graph(seed)[0])}  # Ops hash as themselves
    assert {"+", "-", "*", "/", "neg", "**2", "**3", "**0.5", "**", "relu", "tanh", "sigmoid"} <= seen
    assert {"exp", "log", "abs", "sin", "cos"} <= seen


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_steps_reproduce_backward_exactly_on_mlps(fused: bool, activation: str) -> None:
    model = MLP(3, [4, 4, 1], activation=activation, seed=7, fused=fused)
    rng = random.Random(1)
    loss = Value(0.0)
    for _ in range(3):
        out = model([rng.uniform(-1, 1) for _ in range(3)])
        assert isinstance(out, Value)
        loss = loss + (out - rng.uniform(-1, 1)) ** 2
    trace = assert_trace_reproduces_backward(loss)
    assert any(s.op == ("linear" if fused else "*") for s in trace)
    # A second pass accumulates into leaves: accumulate=True predicts it exactly.
    again = assert_trace_reproduces_backward(loss, accumulate=True)
    assert all(again.final_grads[p] == p.grad for p in model.parameters())


def test_mlp_steps_match_pytorch() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=3)
    x = [0.3, -0.8]
    out = model(x)
    assert isinstance(out, Value)
    loss = (out - 0.25) ** 2
    grads = backward_steps(loss).final_grads
    layers = model.layers
    w1 = torch.tensor(
        [[w.data for w in n.w] for n in layers[0].neurons], dtype=torch.float64, requires_grad=True
    )
    b1 = torch.tensor([n.b.data for n in layers[0].neurons], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([w.data for w in layers[1].neurons[0].w], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(layers[1].neurons[0].b.data, dtype=torch.float64, requires_grad=True)
    h = torch.tanh(w1 @ torch.tensor(x, dtype=torch.float64) + b1)
    tloss = (w2 @ h + b2 - 0.25) ** 2
    tloss.backward()
    assert w1.grad is not None and w2.grad is not None and b1.grad is not None and b2.grad is not None
    for i, n in enumerate(layers[0].neurons):
        for j, w in enumerate(n.w):
            assert math.isclose(grads[w], w1.grad[i, j].item(), rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(grads[n.b], b1.grad[i].item(), rel_tol=1e-12, abs_tol=1e-15)
    for j, w in enumerate(layers[1].neurons[0].w):
        assert math.isclose(grads[w], w2.grad[j].item(), rel_tol=1e-12, abs_tol=1e-15)


def test_accumulate_starts_leaves_from_their_grads() -> None:
    ex = worked_example()
    ex.L.backward()
    fresh = backward_steps(ex.L)
    acc = backward_steps(ex.L, accumulate=True)
    assert fresh.final_grads[ex.m2] == 12.0
    assert acc.final_grads[ex.m2] == 24.0
    assert acc.final_grads[ex.z2] == 2.0  # interior nodes are reset, not accumulated
    ex.L.backward()
    assert ex.m2.grad == 24.0
    assert acc.held[ex.m2] == 12.0 and ex.z2 not in acc.held
    assert acc.grads_after(len(acc))[ex.m2] == 12.0  # this pass alone
    leaf = Value(2.0)
    leaf.grad = 5.0
    assert backward_steps(leaf, accumulate=True).final_grads[leaf] == 6.0
    assert backward_steps(leaf).final_grads[leaf] == 1.0
    leaf.backward()
    assert leaf.grad == 6.0


# ---------------------------------------------------------------------------
# Per-step pictures
# ---------------------------------------------------------------------------


def test_save_step_svgs_writes_one_picture_per_step(tmp_path: Path) -> None:
    ex = worked_example()
    paths = save_step_svgs(ex.L, tmp_path / "steps")
    assert [p.name for p in paths] == [f"step_{i:03d}.svg" for i in range(11)]

    def texts(i: int) -> list[str]:
        root = ET.parse(paths[i]).getroot()
        return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]

    # m2 gets its gradient at step 7 and not before.
    assert "grad 12" not in texts(6)
    assert "grad 12" in texts(7)
    assert texts(0).count("grad 0") == 10  # only the seed dL/dL = 1 is set
    assert ex.m2.grad == 0.0


def test_grad_accepts_every_real_number_that_backward_accepts() -> None:
    # backward_steps(root, grad) mirrors root.backward(grad), which takes any
    # real number: numpy scalars and fractions too.
    for seed in (np.float32(2.0), np.int64(2), Fraction(2, 1)):
        ex = worked_example()
        trace = backward_steps(ex.L, seed)
        ex.L.backward(seed)
        assert trace.final_grads[ex.m2] == ex.m2.grad == 24.0
    with pytest.raises(TypeError, match="grad must be a real number, got 'str'"):
        backward_steps(worked_example().L, grad="1")  # type: ignore[arg-type]


def test_seed_picture_marks_only_the_root(tmp_path: Path) -> None:
    # Before the first step no operation has been processed: only the root's
    # box is red, not its op node or the edge into it.
    ex = worked_example()
    (first, *_) = save_step_svgs(ex.L, tmp_path)
    red = [
        g.get("id")
        for g in ET.parse(first).getroot().iter(f"{SVG_NS}g")
        if any(el.get("stroke") == "#d62728" for el in g)
    ]
    assert red == [f"v{topological_order(ex.L).index(ex.L)}"]


def test_save_step_svgs_removes_pictures_left_by_a_longer_trace(tmp_path: Path) -> None:
    long_root = MLP(2, [2, 1], seed=0)([0.5, -1.0])
    assert isinstance(long_root, Value)
    assert len(save_step_svgs(long_root, tmp_path)) > 11
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    paths = save_step_svgs(worked_example().L, tmp_path)
    assert sorted(tmp_path.glob("step_*.svg")) == paths
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "kept"


@pytest.mark.parametrize("precision", [0, -1, 2.5, True])
def test_bad_precision_raises_a_clear_error(precision: object) -> None:
    ex = worked_example()
    trace = backward_steps(ex.L)
    with pytest.raises(ValueError, match="precision must be an int between 1 and 17"):
        str(trace.table(precision))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precision must be an int between 1 and 17"):
        trace[0].describe(precision)  # type: ignore[arg-type]


def test_sin_and_cos_steps_show_their_rules() -> None:
    # d sin(x)/dx = cos(x) and d cos(x)/dx = -sin(x), written from the ops' definitions.
    x, s, c, out = sin_times_cos(0.5)
    trace = backward_steps(out)
    by_edge = {(step.parent_name, step.child_name): step for step in trace}
    sin_step, cos_step = by_edge["x", "s"], by_edge["x", "c"]
    assert (sin_step.op, sin_step.formula, sin_step.local) == ("sin", "cos(x)", math.cos(0.5))
    assert (cos_step.op, cos_step.formula, cos_step.local) == ("cos", "-sin(x)", -math.sin(0.5))
    assert sin_step.upstream == c.data and cos_step.upstream == s.data
    rows = {row[1]: row for row in trace.table().rows()}
    assert rows["x <- s"][2:5] == ("sin", "dL/ds = 0.8776", "ds/dx = cos(x) = 0.8776")
    assert rows["x <- c"][4] == "dc/dx = -sin(x) = -0.4794"
    assert "ds/dx = cos(x) = 0.8776" in str(trace.table())
    assert cos_step.describe(4) == (
        "dL/dc * dc/dx = 0.4794 * (-sin(x) = -0.4794) = -0.2298;  x.grad = 0.7702 + (-0.2298) = 0.5403"
    )
    assert_trace_reproduces_backward(out)
    tx = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    (torch.sin(tx) * torch.cos(tx)).backward()
    assert tx.grad is not None
    assert math.isclose(x.grad, tx.grad.item(), rel_tol=1e-15)


def test_steps_take_the_locals_that_the_ops_recorded() -> None:
    # No second copy of any rule: each step's local is the node's _local entry,
    # its formula comes from the op, and its contribution is upstream * local.
    root, _, _ = random_graph(3)
    trace = backward_steps(root, grad=-1.5)
    for step in trace:
        assert step.local == step.child._local[step.parent_index]
        assert step.contribution == step.upstream * step.local
        assert step.applied == (step.local != 0)
        assert step.formula, step.op
    assert local_derivatives(root) == list(root._local)


# ---------------------------------------------------------------------------
# Captions and the words of a step, in the generated names
# ---------------------------------------------------------------------------


def svg_caption(path: Path) -> str:
    """The graph label: the text of the graph's own group, outside every node and edge."""
    root = ET.parse(path).getroot()
    graph = next(g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "graph")
    texts = [el for el in graph if el.tag == f"{SVG_NS}text"]
    return " / ".join("".join(t.itertext()) for t in texts)


def test_each_step_picture_carries_its_step_as_a_caption(tmp_path: Path) -> None:
    ex = worked_example()
    paths = save_step_svgs(ex.L, tmp_path)
    assert svg_caption(paths[0]) == "step 0 of 10: backward() starts with dL/dL = 1"
    assert svg_caption(paths[7]) == "step 7 of 10: dL/dm2 += dL/dz2 * dz2/dm2 = 2 * 6 = 12"
    assert svg_caption(paths[3]) == (
        "step 3 of 10: dL/d(y_hat-y) += dL/d((y_hat-y)**2) * d((y_hat-y)**2)/d(y_hat-y) = 0.5 * 4 = 2"
    )
    assert svg_caption(paths[5]) == "step 5 of 10: dL/dy += dL/d(y_hat-y) * d(y_hat-y)/dy = 2 * (-1) = -2"
    # A caption given to the pictures goes above each step's.
    (titled, *_) = save_step_svgs(ex.L, tmp_path / "titled", caption="The worked example")
    assert svg_caption(titled) == "The worked example / step 0 of 10: backward() starts with dL/dL = 1"


def test_a_caption_shows_the_sum_a_gradient_builds_up() -> None:
    a = Value(3.0, label="a")
    b = a * a + a
    b.label = "b"
    trace = backward_steps(b)
    assert [s.caption(len(trace)) for s in trace] == [
        "step 1 of 4: db/d(a*a) += db/db * db/d(a*a) = 1 * 1 = 1",
        "step 2 of 4: db/da += db/db * db/da = 1 * 1 = 1",
        "step 3 of 4: db/da += db/d(a*a) * d(a*a)/da = 1 * 3 = 3  (a.grad = 1 + 3 = 4)",
        "step 4 of 4: db/da += db/d(a*a) * d(a*a)/da = 1 * 3 = 3  (a.grad = 4 + 3 = 7)",
    ]
    assert trace[3].sum_text() == "a.grad = 4 + 3 = 7"
    assert trace[0].describe() == "db/db * db/d(a*a) = 1 * 1 = 1;  (a*a).grad = 0 + 1 = 1"


def test_steps_of_unlabelled_code_read_in_the_generated_names() -> None:
    x, y, m1, m2 = Value(2.0), Value(1.0), Value(3.0), Value(0.5)
    L = 0.5 * ((m2 * (m1 * x)).relu() - y) ** 2
    trace = backward_steps(L)
    rows = trace.table().rows()
    assert rows[0][1:] == ("v10 (seed)", "", "", "", "", "dv10/dv10 = 1")
    assert rows[3][1:] == (
        "v6-v0 <- (v6-v0)**2", "**2", "dv10/d((v6-v0)**2) = 0.5",
        "d((v6-v0)**2)/d(v6-v0) = 2 * (v6-v0) = 4", "2", "(v6-v0).grad: 0 -> 2",
    )  # fmt: skip
    assert rows[9][1:] == (
        "v2 <- v2*v1",
        "*",
        "dv10/d(v2*v1) = 1",
        "d(v2*v1)/dv2 = v1 = 2",
        "2",
        "v2.grad: 0 -> 2",
    )
    assert trace[7].upstream_text() == "dv10/d(v4*(v2*v1)) = 2"
    assert (
        trace[7].describe()
        == "dv10/d(v4*(v2*v1)) * d(v4*(v2*v1))/d(v2*v1) = 2 * (v4 = 0.5) = 1;  (v2*v1).grad = 0 + 1 = 1"
    )
