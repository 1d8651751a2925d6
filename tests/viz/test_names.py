"""Node names: one readable name per node (its label, a short expression in
its parents' names, or a stable number), and the SVG, the step table,
explain and the stepper all show the same one."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from viz_graphs import random_graph

from micrograd.engine import Op, Value, topological_order
from micrograd.examples import worked_example
from micrograd.nn import Neuron
from micrograd.viz.explain import explain
from micrograd.viz.graph import draw_dot, render_svg
from micrograd.viz.names import MAX_NAME_CHARS, derivative_text, grad_text, grouped, is_atomic, node_names
from micrograd.viz.stepper import build_stepper_html
from micrograd.viz.steps import backward_steps

SVG_NS = "{http://www.w3.org/2000/svg}"


def unlabelled_example() -> tuple[Value, Value, Value, Value, Value]:
    """The worked example as a learner types it, without a single label."""
    x, y, m1, m2 = Value(2.0), Value(1.0), Value(3.0), Value(0.5)
    L = 0.5 * ((m2 * (m1 * x)).relu() - y) ** 2
    return x, y, m1, m2, L


def box_titles(source: str) -> dict[str, str]:
    """node id -> the first field of its box, from DOT text."""
    return dict(re.findall(r'^\s*(v\d+) \[label="(?:\{ )?(.*?) \| data', source, flags=re.M))


def test_the_unlabelled_worked_example_gets_short_readable_names() -> None:
    x, y, m1, m2, L = unlabelled_example()
    order = topological_order(L)
    names = node_names(order)
    assert [names[n] for n in order] == [
        "v0", "v1", "v2", "v2*v1", "v4", "v4*(v2*v1)", "v6", "v6-v0", "(v6-v0)**2", "v9", "v10",
    ]  # fmt: skip
    # Leaves and the root are numbered by their place in the order, which is their id in the drawing.
    assert (names[x], names[y], names[m1], names[m2], names[L]) == ("v1", "v0", "v2", "v4", "v10")
    # relu(v4*(v2*v1)) would be 16 characters: too long for a box, so the relu is numbered.
    assert names[L._prev[1]._prev[0]._prev[0]] == "v6"


def test_the_same_graph_always_gets_the_same_names() -> None:
    first, second = unlabelled_example()[-1], unlabelled_example()[-1]
    a, b = topological_order(first), topological_order(second)
    assert [node_names(a)[n] for n in a] == [node_names(b)[n] for n in b]
    assert draw_dot(first).source == draw_dot(second).source


def test_labels_win_and_expressions_use_them() -> None:
    ex = worked_example()
    order = topological_order(ex.L)
    names = node_names(order)
    half, square = ex.L._prev
    assert names[square] == "(y_hat-y)**2" and names[square._prev[0]] == "y_hat-y"
    assert names[half] == f"v{order.index(half)}"  # the constant 0.5 is a leaf
    # With the inputs labelled, the learner's own expressions come back.
    x, m1 = Value(2.0, label="x"), Value(3.0, label="m1")
    z = (m1 * x).tanh() + x
    order = topological_order(z)
    names = node_names(order)
    assert [names[n] for n in order] == ["x", "m1", "m1*x", "tanh(m1*x)", "v4"]


def test_an_opaque_node_is_named_plainly_and_its_consumers_name_it() -> None:
    x, m1 = Value(2.0, label="x"), Value(3.0, label="m1")
    z = (m1 * x).tanh() + x
    order = topological_order(z)
    box = z._prev[0]  # tanh(m1*x), drawn as a box that hides m1*x
    names = node_names(order, opaque={box})
    assert [names[n] for n in order] == ["x", "m1", "m1*x", "v3", "v4"]
    y = (m1 * x).tanh() * 2.0
    order = topological_order(y**2)
    names = node_names(order, opaque={y._prev[0]})
    assert names[y] == "v4*v0"  # the constant 2.0 is v0, the tanh box v4


def test_names_are_unique_short_and_never_an_expression_for_the_root() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    twice = a * b + a * b  # two separate nodes compute a*b: only the first may take the name
    order = topological_order(twice)
    names = node_names(order)
    products = [names[n] for n in order if n._op == "*"]
    assert products[0] == "a*b" and re.fullmatch(r"v\d+", products[1])
    assert names[twice] == f"v{order.index(twice)}"
    # A label that looks like an expression keeps the expression from taking its name.
    c = a * b
    d = (a * b).exp() + c
    c.label = "a*b"
    names = node_names(topological_order(d))
    assert names[c] == "a*b" and names[d._prev[0]._prev[0]] != "a*b"
    for seed in range(10):
        root, _, _ = random_graph(seed, label_prob=0.0)
        for node in topological_order(root):
            node.label = ""
        order = topological_order(root)
        names = node_names(order)
        assert len(set(names.values())) == len(order)
        assert all(len(name) <= MAX_NAME_CHARS for name in names.values())
        assert any(not re.fullmatch(r"v\d+", name) for name in names.values())


def test_ops_a_user_defines_are_named_from_their_forward() -> None:
    cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    hypot = Op("hypot", math.hypot, lambda a, b, out: (a / out, b / out), 2)
    x, y = Value(1.5, label="x"), Value(2.0, label="y")
    c, h = cube(x), hypot(x, y)
    root = c + h
    names = node_names(topological_order(root))
    assert names[c] == "x**3"
    # math.hypot cannot run on symbols: numbered.
    assert re.fullmatch(r"v\d+", names[h])


def test_a_fused_neuron_is_numbered_and_not_spelled_out() -> None:
    out = Neuron(8, activation="tanh", seed=0)([0.1 * i for i in range(8)])
    assert out._op == "tanh" and out._prev[0]._op == "linear"
    order = topological_order(out * 2.0)
    names = node_names(order)
    assert re.fullmatch(r"v\d+", names[out._prev[0]])  # linear of 17 operands
    assert names[out] == f"tanh({names[out._prev[0]]})"


@pytest.mark.parametrize(
    ("name", "atomic", "group", "grad"),
    [
        ("x", True, "x", "x.grad"),
        ("y_hat", True, "y_hat", "y_hat.grad"),
        ("0.5", True, "0.5", "0.5.grad"),
        ("relu(v4*v3)", True, "(relu(v4*v3))", "relu(v4*v3).grad"),
        ("(a-b)", True, "((a-b))", "(a-b).grad"),
        ("y_hat-y", False, "(y_hat-y)", "(y_hat-y).grad"),
        ("(y_hat-y)**2", False, "((y_hat-y)**2)", "((y_hat-y)**2).grad"),
        ("f(a)*g(b)", False, "(f(a)*g(b))", "(f(a)*g(b)).grad"),
        ("y hat", False, "(y hat)", "(y hat).grad"),
        ("-1", False, "(-1)", "(-1).grad"),
    ],
)
def test_names_are_grouped_where_they_are_written_inside_something_bigger(
    name: str, atomic: bool, group: str, grad: str
) -> None:
    assert is_atomic(name) is atomic
    assert grouped(name) == group
    assert grad_text(name) == grad
    assert derivative_text(name, "x") == f"d{group}/dx"


def svg_titles(svg: str) -> set[str]:
    """The first text of every node box in an SVG (its name)."""
    root = ET.fromstring(svg[svg.index("<svg") :])
    titles = set()
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") == "node" and re.fullmatch(r"(?:mg-)?v\d+", g.get("id", "")):
            texts = ["".join(t.itertext()) for t in g.iter(f"{SVG_NS}text")]
            if len(texts) == 3:
                titles.add(texts[0])
    return titles


@pytest.mark.parametrize("labelled", [False, True])
def test_svg_table_explain_and_stepper_show_the_same_names(labelled: bool) -> None:
    L = worked_example().L if labelled else unlabelled_example()[-1]
    order = topological_order(L)
    names = node_names(order)
    every = set(names.values())
    # The drawing titles every box with its name, by default.
    assert set(box_titles(draw_dot(L).source).values()) == every
    assert svg_titles(render_svg(L)) == every
    # The step table and the steps use them.
    trace = backward_steps(L)
    assert trace.names == names
    edges = {row[1] for row in trace.table().rows()[1:]}
    assert edges == {f"{names[s.parent]} <- {names[s.child]}" for s in trace}
    # explain names its factors with them.
    wrt = order[2]  # m1 in both graphs
    factors = {name for path in explain(L, wrt).paths for f in path for name in (f.upper, f.lower)}
    assert factors <= every and names[L] in factors and names[wrt] in factors
    # And the stepper page shows them (its graph is draw_dot's, its steps the trace's).
    page = build_stepper_html(L)
    assert all(name in page for name in every)
