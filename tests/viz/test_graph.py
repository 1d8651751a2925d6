"""Graph rendering: the worked example's nodes and values, DOT determinism,
valid SVG with the right numbers, the node limit, a missing ``dot``, the
fused-linear expansion and per-step highlighting."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from viz_graphs import sin_times_cos

from micrograd import engine
from micrograd.engine import DIV, POW, SUB, Op, Value, linear, power_op, topological_order
from micrograd.examples import build_example, worked_example
from micrograd.nn import MLP, Neuron
from micrograd.viz.graph import GraphvizNotFoundError, draw_dot, operands_are_ordered, render_svg, save_svg
from micrograd.viz.jupyter import register_ipython_display, value_svg
from micrograd.viz.names import format_number, node_names
from micrograd.viz.steps import backward_steps

SVG_NS = "{http://www.w3.org/2000/svg}"
OP_NAMES = "ADD SUB MUL DIV NEG POW RELU ABS TANH SIGMOID EXP LOG SIN COS LINEAR"
BUILTIN = [getattr(engine, name) for name in OP_NAMES.split(" ")]
POWERS = [power_op(2.0), power_op(3.0), power_op(0.5)]


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def records(source: str) -> dict[str, str]:
    """node id -> record label, parsed from DOT text."""
    return dict(re.findall(r'^\s*(v\d+) \[label="(?:\{ )?(.*?)(?: \})?" ', source, flags=re.M))


def test_worked_example_forward_and_backward_values() -> None:
    ex = worked_example()
    assert (ex.a1.data, ex.z2.data, ex.y_hat.data, ex.L.data) == (6.0, 3.0, 3.0, 2.0)
    ex.L.backward()
    assert ex.m2.grad == 12.0
    assert ex.m1.grad == 2.0
    assert ex.y_hat.grad == 2.0  # dL/dy_hat = y_hat - y


def test_worked_example_graph_has_exactly_the_expected_nodes() -> None:
    ex = worked_example()
    ex.L.backward()
    order = topological_order(ex.L)
    labelled = {n.label: n for n in order if n.label}
    assert set(labelled) == {"x", "y", "m1", "m2", "a1", "z2", "y_hat", "L"}
    # Three unlabelled nodes: y_hat - y, its square, and the lifted constant 0.5.
    unlabelled = sorted((n._op, n.data) for n in order if not n.label)
    assert unlabelled == [("", 0.5), ("**2", 4.0), ("-", 2.0)]
    ops = {n.label: n._op for n in order if n.label and n._prev}
    assert ops == {"a1": "*", "z2": "*", "y_hat": "relu", "L": "*"}

    source = draw_dot(ex.L).source
    recs = records(source)
    assert len(recs) == 11
    labelled_boxes = {
        "x | data 2 | grad 3",
        "y | data 1 | grad -2",
        "m1 | data 3 | grad 2",
        "m2 | data 0.5 | grad 12",
        "a1 | data 6 | grad 1",
        "z2 | data 3 | grad 2",
        "y_hat | data 3 | grad 2",
        "L | data 2 | grad 1",
    }
    # Unlabelled nodes show the names the step table and explain use: a short
    # expression in their parents' names, or a stable number.
    const = f"v{order.index(ex.L._prev[0])}"
    named = {"y_hat-y | data 2 | grad 2", "(y_hat-y)**2 | data 4 | grad 0.5", f"{const} | data 0.5 | grad 4"}
    assert set(recs.values()) == labelled_boxes | named
    assert set(records(draw_dot(ex.L, show_names=False).source).values()) == labelled_boxes | {
        "data 2 | grad 2",
        "data 4 | grad 0.5",
        "data 0.5 | grad 4",
    }
    op_labels = sorted(re.findall(r'^\s*v\d+_op \[label="?([^"]+?)"? id=', source, flags=re.M))
    assert op_labels == sorted(["*", "*", "relu", "a - b", "**2", "*"])
    # The subtraction's operands are marked: y_hat is a, y is b.
    order_ids = {n.label: f"v{i}" for i, n in enumerate(order) if n.label}
    assert re.search(rf"{order_ids['y_hat']} -> v\d+_op \[label=a ", source)
    assert re.search(rf"{order_ids['y']} -> v\d+_op \[label=b ", source)
    # One edge per operand plus one from each op node to its result.
    assert source.count("->") == sum(len(n._prev) for n in order) + 6


def test_node_ids_are_stable_and_dot_is_byte_identical() -> None:
    first = worked_example()
    second = worked_example()
    assert draw_dot(first.L).source == draw_dot(second.L).source
    assert draw_dot(first.L).source == draw_dot(first.L).source
    assert "v0" in draw_dot(first.L).source
    assert str(id(first.L)) not in draw_dot(first.L).source


def test_rendered_svg_is_valid_and_contains_the_numbers(tmp_path: Path) -> None:
    ex = worked_example()
    ex.L.backward()
    texts = svg_texts(render_svg(ex.L))
    for expected in ["data 6", "data 3", "data 2", "grad 12", "grad 2", "a1", "z2", "y_hat", "L"]:
        assert expected in texts, expected
    saved = save_svg(ex.L, tmp_path / "sub" / "g.svg")
    assert saved == tmp_path / "sub" / "g.svg"
    assert "grad 12" in svg_texts(saved.read_text(encoding="utf-8"))
    assert not list(saved.parent.glob("*.tmp"))
    out = draw_dot(ex.L).render(tmp_path / "rendered")
    assert Path(out).suffix == ".svg"
    assert "data 0.5" in svg_texts(Path(out).read_text(encoding="utf-8"))


def test_value_displays_inline_as_svg() -> None:
    ex = worked_example()
    svg = value_svg(ex.L)
    assert isinstance(svg, str)
    assert "data 2" in svg_texts(svg)
    bundle = draw_dot(ex.L)._repr_mimebundle_()
    assert "image/svg+xml" in bundle


@pytest.fixture
def ipython_shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_jupyter_shows_a_value_as_its_graph(ipython_shell: Any) -> None:
    # The engine knows nothing of drawing: micrograd.viz registers the display
    # with a running IPython, and a Value then displays as its SVG graph.
    ex = worked_example()
    assert "image/svg+xml" not in ipython_shell.display_formatter.format(ex.L)[0]
    assert register_ipython_display()
    data, _ = ipython_shell.display_formatter.format(ex.L)
    assert "data 2" in svg_texts(data["image/svg+xml"])
    assert data["text/plain"] == repr(ex.L)


def test_display_is_registered_only_inside_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert not register_ipython_display()
    # A new process that imports micrograd.viz outside IPython loads no IPython.
    code = "import sys, micrograd.viz; print('IPython' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_precision_and_options() -> None:
    a = Value(1 / 3, label="a")
    b = a * 3
    assert "data 0.3333" in draw_dot(b).source
    assert "data 0.33 " in draw_dot(b, precision=2).source
    assert "grad" not in draw_dot(b, show_grad=False).source
    assert "rankdir=TB" in draw_dot(b, rankdir="TB").source
    assert draw_dot(b, format="png").format == "png"
    assert format_number(12.0) == "12"
    assert format_number(-0.0) == "0"
    assert format_number(float("nan")) == "nan"
    assert format_number(123456.0) == "1.235e+05"


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="Value"):
        draw_dot(3.0)  # type: ignore[arg-type]
    v = Value(1.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(v, rankdir="XY")
    with pytest.raises(ValueError, match="precision"):
        draw_dot(v, precision=0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(v, max_nodes=0)


def test_record_special_characters_are_shown_literally() -> None:
    a = Value(1.0, label="a|b{c}<d>")
    svg = render_svg(a * 2)
    assert "a|b{c}<d>" in svg_texts(svg)
    # Graphviz reads HTML entities in labels; a label that looks like one stays as typed.
    for label in ["&amp;", "x &lt; y", "&#60;", "a & b"]:
        assert label in svg_texts(render_svg(Value(1.0, label=label) * 2)), label


def test_large_graph_raises_instead_of_hanging() -> None:
    x = Value(1.0, label="x")
    acc = x
    for _ in range(300):
        acc = acc + x  # 300 ops + 300 constants... here x is reused: 301 nodes
    with pytest.raises(ValueError, match=r"max_nodes=.*301") as info:
        draw_dot(acc, max_nodes=300)
    assert "fused" in str(info.value)
    assert draw_dot(acc, max_nodes=301).source.count("shape=record") == 301
    big = x
    for _ in range(600):
        big = big * 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(big)


def test_size_error_suggests_only_what_would_help() -> None:
    fused = MLP(2, [3, 1], seed=0, fused=True)([1.0, 2.0])
    assert isinstance(fused, Value)
    with pytest.raises(ValueError, match="collapse=model") as info:
        draw_dot(fused, max_nodes=3)
    assert "fused=True" not in str(info.value)  # it already is
    unfused = MLP(2, [3, 1], seed=0, fused=False)
    out = unfused([1.0, 2.0])
    assert isinstance(out, Value)
    with pytest.raises(ValueError, match="fused=True") as info:
        draw_dot(out, collapse=unfused, max_nodes=3)
    assert "collapse=model" not in str(info.value)  # it already is collapsed


def _hide_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_missing_dot_keeps_source_and_explains_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ex = worked_example()
    _hide_dot(monkeypatch, tmp_path)
    graph = draw_dot(ex.L)
    assert "y_hat | data 3" in graph.source
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as info:
        graph.render(tmp_path / "g")
    assert "make" in str(info.value)
    assert "`.source`" in str(info.value)
    with pytest.raises(GraphvizNotFoundError):
        graph.pipe(format="svg")
    with pytest.raises(GraphvizNotFoundError):  # Jupyter's display path
        graph._repr_mimebundle_()
    with pytest.raises(GraphvizNotFoundError):
        save_svg(ex.L, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    with pytest.warns(RuntimeWarning, match="apt-get install graphviz"):
        assert value_svg(ex.L) is None


def test_fused_linear_is_one_op_node_and_can_be_expanded() -> None:
    n = Neuron(3, activation="tanh", seed=1)
    xs = [Value(v, label=f"x{i}") for i, v in enumerate([0.5, -1.0, 2.0])]
    out = n(xs)
    out.backward()
    plain = draw_dot(out).source
    assert re.search(r"v\d+_op \[label=linear", plain)
    assert plain.count('label="*"') == 0
    expanded = draw_dot(out, expand_linear=True).source
    assert expanded.count('label="*"') == 3
    assert expanded.count('label="+"') == 1
    assert "linear" not in expanded
    # Each product box shows w_i * x_i and the linear node's gradient.
    z = out._prev[0]
    for w, x in zip(n.w, xs):
        assert f"data {format_number(w.data * x.data)} | grad {format_number(z.grad)}" in expanded
    # Same values in the rendered picture.
    assert f"data {format_number(n.w[0].data * 0.5)}" in svg_texts(render_svg(out, expand_linear=True))


def test_highlight_marks_the_step_edge_and_shows_grads_so_far() -> None:
    ex = worked_example()
    trace = backward_steps(ex.L)
    step = next(s for s in trace if s.parent is ex.m2)
    source = draw_dot(ex.L, highlight=step).source
    order = topological_order(ex.L)
    p, c = order.index(ex.m2), order.index(ex.z2)
    edge_line = next(
        line for line in source.splitlines() if f"[id=e{p}_{c}_0" in line or f"id=e{p}_{c}_0 " in line
    )
    assert "#d62728" in edge_line
    recs = records(source)
    assert recs[f"v{p}"] == "m2 | data 0.5 | grad 12"
    # m1 is processed later, so its grad is still 0 at this step.
    assert recs[f"v{order.index(ex.m1)}"] == "m1 | data 3 | grad 0"
    assert ex.m2.grad == 0.0  # drawing a step changes no real gradient
    red_nodes = re.findall(r"^\s*(v\d+(?:_op)?) \[.*#d62728", source, flags=re.M)
    assert sorted(red_nodes) == sorted([f"v{p}", f"v{c}", f"v{c}_op"])
    # Highlighting works on the expanded drawing of a fused neuron too.
    n = Neuron(2, seed=3)
    out = n([Value(1.0), Value(2.0)])
    s = backward_steps(out)[2]
    assert "#d62728" in draw_dot(out, highlight=s, expand_linear=True).source


def test_node_names_prefer_labels() -> None:
    ex = worked_example()
    order = topological_order(ex.L)
    names = node_names(order)
    assert names[ex.a1] == "a1"
    unnamed = {n: names[n] for n in order if not n.label}
    # The constant 0.5 is a leaf: its stable number is its position in the order.
    const = ex.L._prev[0]
    assert unnamed == {
        const: f"v{order.index(const)}",
        ex.L._prev[1]: "(y_hat-y)**2",
        ex.L._prev[1]._prev[0]: "y_hat-y",
    }
    assert len(set(names.values())) == len(order)


def test_examples_build_and_draw() -> None:
    for name in ["worked", "neuron", "mlp", "mlp-unfused"]:
        root = build_example(name)
        assert draw_dot(root).source.count("shape=record") == len(topological_order(root))
    with pytest.raises(ValueError, match="unknown example"):
        build_example("nope")
    # Linear with constants mixed in still draws.
    v = linear([Value(1.0)], [2.0], Value(0.5))
    assert "label=linear" in draw_dot(v).source


@pytest.mark.parametrize("fused", [True, False])
def test_collapse_draws_each_neuron_call_as_one_box(fused: bool) -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0, fused=fused)
    losses = []
    for x in ([0.5, -1.0], [1.5, 0.25]):  # two calls of every neuron
        out = model([Value(x[0], label="x0"), Value(x[1], label="x1")])
        assert isinstance(out, Value)
        losses.append((out - 1.0) ** 2)
    loss = losses[0] + losses[1]
    loss.backward()
    source = draw_dot(loss, collapse=model).source
    recs = records(source)
    boxes = [label for label in recs.values() if "b + w.x" in label]
    assert len(boxes) == 2 * 4
    assert sum("= tanh(b + w.x)" in label for label in boxes) == 2 * 3
    # The boxes carry the neurons' outputs and gradients, in both builds.
    order = topological_order(loss)
    outputs = [n for n in order if n._op == "tanh"]
    for n in outputs:
        numbers = f"data {format_number(n.data)} | grad {format_number(n.grad)}"
        assert f"v{order.index(n)} = tanh(b + w.x) | {numbers}" in boxes
    # Every generated name in the picture is the title of a node in it: none points into a box.
    titles = {label.split(" | ")[0].split(" = ")[0] for label in recs.values()}
    mentioned = {name for label in recs.values() for name in re.findall(r"\bv\d+\b", label)}
    assert mentioned and mentioned <= titles
    # Weights, biases and the inner products/sums are gone; inputs, the loss ops stay.
    names = {label.split(" | ")[0] for label in recs.values()}
    assert {"x0", "x1"} <= names
    assert "linear" not in source and 'label="*"' not in source
    assert len(recs) == 4 + 8 + 2 * 3 + 1  # inputs, boxes, (-, **2, const 1) per loss, the sum
    # Collapsing is what lets a bigger graph under the node limit.
    assert len(topological_order(loss)) > len(recs)
    draw_dot(loss, collapse=[model.layers[0], model.layers[1]], max_nodes=len(recs))
    with pytest.raises(ValueError, match="collapse=model"):
        draw_dot(loss, max_nodes=len(recs))
    with pytest.raises(TypeError, match="collapse expects"):
        draw_dot(loss, collapse=3)
    assert svg_texts(render_svg(loss, collapse=model))


def test_collapse_keeps_parameters_used_elsewhere() -> None:
    n = Neuron(2, activation="relu", seed=4)
    out = n([1.0, 2.0])
    reg = out + n.w[0] * n.w[0]  # weight decay touches w0 outside the neuron
    n.w[0].label = "w0"
    source = draw_dot(reg, collapse=n).source
    assert "w0 | data" in source
    assert "relu(b + w.x)" in source


def test_value_too_large_to_draw_displays_as_text_with_a_warning() -> None:
    big = Value(1.0)
    for _ in range(600):
        big = big * 1.0
    with pytest.warns(RuntimeWarning, match="max_nodes"):
        assert value_svg(big) is None


def test_sin_and_cos_are_drawn_with_their_values() -> None:
    x, _, _, out = sin_times_cos(0.5)
    out.backward()
    source = draw_dot(out).source
    assert re.search(r"v\d+_op \[label=sin id=", source)
    assert re.search(r"v\d+_op \[label=cos id=", source)
    recs = records(source)
    assert f"s | data {format_number(math.sin(0.5))} | grad {format_number(math.cos(0.5))}" in recs.values()
    assert f"x | data 0.5 | grad {format_number(x.grad)}" in recs.values()
    assert {"sin", "cos"} <= set(svg_texts(render_svg(out)))


def test_op_labels_come_from_the_op_itself() -> None:
    cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    hyp = Op("hypot", lambda a, b: math.hypot(a, b), lambda a, b, out: (a / out, b / out), 2)
    diff2 = Op("minus", lambda a, b: a - b, lambda a, b, out: (1.0, -1.0), 2)
    x, y = Value(3.0, label="x"), Value(4.0, label="y")
    source = draw_dot(cube(hyp(x, y)) + diff2(x, y)).source
    ops = re.findall(r'^\s*v\d+_op \[label="?([^"]+?)"? id=', source, flags=re.M)
    # hypot is symmetric: no a/b marks; a user's subtraction is found to be ordered.
    assert sorted(ops) == sorted(["cube", "hypot", "a minus b", "+"])
    assert len(re.findall(r"-> v\d+_op \[label=[ab] ", source)) == 2


def test_ordered_operands_are_derived_from_the_op_table() -> None:
    ordered = {op for op in [*BUILTIN, *POWERS] if operands_are_ordered(op)}
    assert ordered == {SUB, DIV, POW}
    assert not operands_are_ordered("-")  # a plain string is no op
    # An op that fails on a probe input is drawn with its operands named.
    picky = Op("picky", lambda a, b: math.sqrt(a) + b, lambda a, b, out: (0.5 / math.sqrt(a), 1.0), 2)
    assert operands_are_ordered(picky)


# ---------------------------------------------------------------------------
# Names in the boxes, captions, SVG that fits its window, save_svg's path
# ---------------------------------------------------------------------------


def test_boxes_show_the_generated_names_by_default() -> None:
    x, y, m1, m2 = Value(2.0), Value(1.0), Value(3.0), Value(0.5)
    L = 0.5 * ((m2 * (m1 * x)).relu() - y) ** 2
    order = topological_order(L)
    names = node_names(order)
    titles = {i: label.split(" | ")[0] for i, label in records(draw_dot(L).source).items()}
    assert titles == {f"v{i}": names[n] for i, n in enumerate(order)}
    assert "v4*(v2*v1) | data 3 | grad 0" in records(draw_dot(L).source).values()
    assert all(label.startswith("data ") for label in records(draw_dot(L, show_names=False).source).values())


@pytest.mark.parametrize(("rankdir", "stacked"), [("LR", "y | data 1"), ("TB", "{ y | data 1")])
def test_box_fields_are_stacked_in_every_direction(rankdir: str, stacked: str) -> None:
    # A record's fields run across the rank direction unless braced: left to right
    # they stack without braces, top to bottom with them, so boxes stay narrow.
    source = draw_dot(worked_example().L, rankdir=rankdir).source
    assert f'[label="{stacked} | grad 0' in source


def test_caption_is_the_graph_label() -> None:
    a = Value(1.0, label="a")
    source = draw_dot(a * 2, caption="step 1 of 2: a & b\\n <c>\nsecond line").source
    assert 'label="step 1 of 2: a &amp; b\\\\n <c>\\lsecond line\\l"' in source
    assert "labelloc=t" in source and "labeljust=l" in source
    texts = svg_texts(render_svg(a * 2, caption="step 1 of 2: a & b <c>"))
    assert "step 1 of 2: a & b <c>" in texts
    assert "labelloc" not in draw_dot(a * 2).source


def test_svg_keeps_its_size_but_may_shrink_to_its_container() -> None:
    ex = worked_example()
    svg = render_svg(ex.L)
    root = ET.fromstring(svg)
    assert root.get("style") == "max-width: 100%; height: auto"
    width, height = (
        float(root.get("width", "0").removesuffix("pt")),
        float(root.get("height", "0").removesuffix("pt")),
    )
    view_width, view_height = (float(v) for v in root.get("viewBox", "").split()[2:])
    assert abs(view_width - width) < 1 and abs(view_height - height) < 1
    native = ET.fromstring(render_svg(ex.L, fit_width=False))
    assert native.get("style") is None and native.get("width") == root.get("width")


def test_save_svg_refuses_a_path_that_is_not_svg(tmp_path: Path) -> None:
    ex = worked_example()
    for name, hint in [("graph.png", "outfile='"), ("graph", ".png'"), ("graph.txt", ".png'")]:
        with pytest.raises(ValueError, match=r"must end in '\.svg'") as info:
            save_svg(ex.L, tmp_path / name)
        message = str(info.value)
        assert repr(str(tmp_path / "graph.svg")) in message and hint in message
        assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match=r"render\(outfile='.*graph\.pdf'\)"):
        save_svg(ex.L, tmp_path / "graph.pdf")
    assert save_svg(ex.L, tmp_path / "UPPER.SVG").exists()


def wide_graph(n: int = 30) -> Value:
    """A chain of ``n`` ops, about 3000 pt wide left to right."""
    v = Value(0.5, label="x")
    for i in range(n):
        v = (v * 1.01).tanh() if i % 2 else v + 0.25
    return v


def test_svgs_open_no_wider_than_the_window_and_small_ones_at_their_size(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    big, small = tmp_path / "big.svg", tmp_path / "small.svg"
    save_svg(wide_graph(), big)
    a = Value(2.0, label="a")
    save_svg(a * Value(3.0, label="b"), small)
    (tmp_path / "page.html").write_text(
        '<html><body style="margin:0"><div style="width:800px"><img id="i" src="big.svg"'
        ' style="max-width:100%"></div><div id="d" style="width:640px">'
        + render_svg(wide_graph())[render_svg(wide_graph()).index("<svg") :]
        + "</div></body></html>",
        encoding="utf-8",
    )

    def pt(path: Path, attr: str) -> float:
        return float(ET.parse(path).getroot().get(attr, "0").removesuffix("pt"))

    assert pt(big, "width") * 4 / 3 > 3000  # points are 4/3 px
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(big.as_uri())
        box = page.evaluate(
            "() => { const r = document.documentElement.getBoundingClientRect(); "
            "return [r.width, r.height, document.documentElement.scrollWidth]; }"
        )
        assert box[0] == 1600 and box[2] == 1600  # fits the window: no sideways scrolling
        assert math.isclose(box[1] / box[0], pt(big, "height") / pt(big, "width"), rel_tol=0.02)
        page.goto(small.as_uri())
        box = page.evaluate("() => document.documentElement.getBoundingClientRect().width")
        assert math.isclose(box, pt(small, "width") * 4 / 3, rel_tol=0.01)  # not blown up
        page.goto((tmp_path / "page.html").as_uri())
        widths = page.evaluate(
            "() => [document.getElementById('i').getBoundingClientRect().width, "
            "document.querySelector('#d svg').getBoundingClientRect().width]"
        )
        assert widths == pytest.approx([800, 640], abs=0.5)
        browser.close()
