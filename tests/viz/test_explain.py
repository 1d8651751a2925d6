"""explain(): the chain rule as a sum over paths, by hand and on random graphs."""

from __future__ import annotations

import itertools
import math
import time

import pytest
from viz_graphs import random_graph, sin_times_cos

from micrograd.engine import Value, topological_order
from micrograd.examples import worked_example
from micrograd.viz.explain import Explanation, explain
from micrograd.viz.names import node_names


def test_explain_worked_example_prints_the_hand_derivation() -> None:
    ex = worked_example()
    e2 = explain(ex.L, ex.m2)
    e1 = explain(ex.L, ex.m1)
    assert str(e2).splitlines() == [
        "dL/dm2 = dL/dy_hat * dy_hat/dz2 * dz2/dm2",
        "dL/dm2 = 2 * 1 * 6 = 12",
    ]
    assert str(e1).splitlines() == [
        "dL/dm1 = dL/dy_hat * dy_hat/dz2 * dz2/da1 * da1/dm1",
        "dL/dm1 = 2 * 1 * 0.5 * 2 = 2",
    ]
    assert (e2.value, e1.value) == (12.0, 2.0)
    assert [f.value for f in e1.paths[0]] == [2.0, 1.0, 0.5, 2.0]
    ex.L.backward()
    assert (ex.m2.grad, ex.m1.grad) == (e2.value, e1.value)
    latex = e1._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert r"\frac{\partial \mathrm{L}}{\partial \mathrm{m1}}" in latex
    assert r"\mathrm{y\_hat}" in latex and "2 \\cdot 1 \\cdot 0.5 \\cdot 2 = 2" in latex


def test_explain_follows_the_labels() -> None:
    ex = worked_example()
    # Labelling the square makes it a factor; the total is unchanged.
    ex.L._prev[1].label = "sq"
    e = explain(ex.L, ex.m2)
    assert str(e).splitlines()[0] == "dL/dm2 = dL/dsq * dsq/dy_hat * dy_hat/dz2 * dz2/dm2"
    assert e.value == 12.0
    assert str(explain(ex.L, ex.y)).splitlines() == ["dL/dy = dL/dsq * dsq/dy", "dL/dy = 0.5 * (-4) = -2"]
    ex.L._prev[1].label = ""
    assert str(explain(ex.L, ex.y)) == "dL/dy = -2"
    assert str(explain(ex.L, ex.L)) == "dL/dL = 1"
    other = Value(1.0, label="w")
    e0 = explain(ex.L, other)
    assert e0.value == 0.0 and "does not depend on w" in str(e0)


def test_explain_sums_over_paths() -> None:
    a = Value(2.0, label="a")
    b = a * a
    b.label = "b"
    c = b * a + b
    c.label = "c"
    e = explain(c, a)
    assert str(e).splitlines() == ["dc/da = dc/db * db/da + dc/da", "dc/da = 3 * 4 + 4 = 16"]
    c.backward()
    assert e.value == a.grad == 16.0
    neg = Value(-1.5, label="n")
    prod = neg * Value(-2.0, label="m")
    out = prod + neg
    out.label = "o"
    # Routes through unlabelled nodes are summed into one factor ...
    assert str(explain(out, neg)) == "do/dn = -1"
    # ... and a labelled node splits them into separate paths.
    prod.label = "p"
    assert str(explain(out, neg)).splitlines() == [
        "do/dn = do/dp * dp/dn + do/dn",
        "do/dn = 1 * (-2) + 1 = -1",
    ]


@pytest.mark.parametrize("seed", range(20))
def test_explain_total_equals_grad_on_random_graphs(seed: int) -> None:
    root, _, leaves = random_graph(seed, label_prob=0.6)
    root.backward()
    for v, _ in leaves:
        e = explain(root, v)
        assert math.isclose(e.value, v.grad, rel_tol=1e-9, abs_tol=1e-9)
        per_edge = explain(root, v, max_paths=1)
        assert math.isclose(per_edge.value, v.grad, rel_tol=1e-9, abs_tol=1e-9)
        if per_edge.path_count > 1:
            assert "more than max_paths=1" in str(per_edge)
            assert per_edge.paths == []


def test_explain_with_exponentially_many_paths_stays_fast() -> None:
    x = Value(1.0, label="x")
    a = x
    for i in range(60):
        # A labelled diamond per level doubles the number of paths: 2**60 in total.
        b, c = a * 2, a * 3
        b.label, c.label = f"b{i}", f"c{i}"
        a = b + c
        a.label = f"a{i}"
    start = time.perf_counter()
    e = explain(a, x)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    assert e.path_count == 2**60
    assert "2**60" not in str(e) and str(2**60) in str(e).splitlines()[0]
    assert math.isclose(e.value, 5.0**60, rel_tol=1e-12)
    a.backward()
    assert math.isclose(e.value, x.grad, rel_tol=1e-12)
    lines = str(e).splitlines()
    assert lines[-1].startswith("da59/dx = ")
    assert "da59/db0 * db0/dx" in lines[-1] and "da59/dc0 * dc0/dx" in lines[-1]
    assert lines[-1].endswith(" = 8.67362e+41")
    assert len(lines) == 1 + 3 * 60
    assert e._repr_latex_().startswith("$$\\begin{array}")


def test_explain_bad_arguments() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="two Values"):
        explain(x, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths"):
        explain(x, x, max_paths=0)


@pytest.mark.parametrize("precision", [0, -1, 2.5, True])
def test_bad_precision_raises_a_clear_error(precision: object) -> None:
    ex = worked_example()
    with pytest.raises(ValueError, match="precision must be an int between 1 and 17"):
        explain(ex.L, ex.m2, precision=precision)  # type: ignore[arg-type]


def test_explain_through_sin_and_cos() -> None:
    # L = sin(x) * cos(x): dL/dx = dL/ds * ds/dx + dL/dc * dc/dx = cos(x)*cos(x) + sin(x)*(-sin(x)).
    x, _, _, out = sin_times_cos(0.5)
    e = explain(out, x, precision=4)
    assert str(e).splitlines() == [
        "dL/dx = dL/ds * ds/dx + dL/dc * dc/dx",
        "dL/dx = 0.8776 * 0.8776 + 0.4794 * (-0.4794) = 0.5403",
    ]
    assert [[f.value for f in path] for path in e.paths] == [
        [math.cos(0.5), math.cos(0.5)],
        [math.sin(0.5), -math.sin(0.5)],
    ]
    out.backward()
    assert math.isclose(e.value, x.grad, rel_tol=1e-15)
    assert math.isclose(e.value, math.cos(1.0), rel_tol=1e-12)  # d(sin(2x)/2)/dx = cos(2x)


# ---------------------------------------------------------------------------
# The learner's own code, without labels
# ---------------------------------------------------------------------------


def unlabelled_example() -> tuple[Value, Value, Value, Value, Value]:
    x, y, m1, m2 = Value(2.0), Value(1.0), Value(3.0), Value(0.5)
    L = 0.5 * ((m2 * (m1 * x)).relu() - y) ** 2
    return x, y, m1, m2, L


UNLABELLED_M1 = [
    "dv10/dv2 = dv10/d((v6-v0)**2) * d((v6-v0)**2)/d(v6-v0) * d(v6-v0)/dv6 * dv6/d(v4*(v2*v1))"
    " * d(v4*(v2*v1))/d(v2*v1) * d(v2*v1)/dv2",
    "dv10/dv2 = 0.5 * 4 * 1 * 1 * 0.5 * 2 = 2",
]


def test_explain_without_labels_shows_the_whole_chain() -> None:
    _, y, m1, m2, L = unlabelled_example()
    e1, e2, ey = explain(L, m1), explain(L, m2), explain(L, y)
    # One factor per edge of the path, in the names the drawing and the step table show.
    assert str(e1).splitlines() == UNLABELLED_M1
    assert str(e2).splitlines()[1] == "dv10/dv4 = 0.5 * 4 * 1 * 1 * 6 = 12"
    assert str(ey).splitlines() == [
        "dv10/dv0 = dv10/d((v6-v0)**2) * d((v6-v0)**2)/d(v6-v0) * d(v6-v0)/dv0",
        "dv10/dv0 = 0.5 * 4 * (-1) = -2",
    ]
    assert [f.value for f in e1.paths[0]] == [0.5, 4.0, 1.0, 1.0, 0.5, 2.0]
    assert e1._repr_latex_() == (
        r"$$\frac{\partial \mathrm{v10}}{\partial \mathrm{v2}} = "
        r"\frac{\partial \mathrm{v10}}{\partial \mathrm{((v6-v0)}^{\mathrm{2}}\mathrm{)}} \cdot "
        r"\frac{\partial \mathrm{((v6-v0)}^{\mathrm{2}}\mathrm{)}}{\partial \mathrm{(v6-v0)}} \cdot "
        r"\frac{\partial \mathrm{(v6-v0)}}{\partial \mathrm{v6}} \cdot "
        r"\frac{\partial \mathrm{v6}}{\partial \mathrm{(v4 \cdot (v2 \cdot v1))}} \cdot "
        r"\frac{\partial \mathrm{(v4 \cdot (v2 \cdot v1))}}{\partial \mathrm{(v2 \cdot v1)}} \cdot "
        r"\frac{\partial \mathrm{(v2 \cdot v1)}}{\partial \mathrm{v2}} = "
        r"0.5 \cdot 4 \cdot 1 \cdot 1 \cdot 0.5 \cdot 2 = 2$$"
    )
    L.backward()
    assert (e1.value, e2.value, ey.value) == (m1.grad, m2.grad, y.grad) == (2.0, 12.0, -2.0)
    # A label on the root alone only renames it: every step is still shown.
    L.label = "L"
    assert str(explain(L, m1)).splitlines() == [line.replace("dv10/", "dL/") for line in UNLABELLED_M1]


def test_the_worked_example_with_labels_still_reads_as_the_notes() -> None:
    ex = worked_example()
    assert str(explain(ex.L, ex.m2)).splitlines()[1] == "dL/dm2 = 2 * 1 * 6 = 12"
    assert str(explain(ex.L, ex.m1)).splitlines()[1] == "dL/dm1 = 2 * 1 * 0.5 * 2 = 2"
    assert explain(ex.L, ex.m1)._repr_latex_() == (
        r"$$\frac{\partial \mathrm{L}}{\partial \mathrm{m1}} = "
        r"\frac{\partial \mathrm{L}}{\partial \mathrm{y\_hat}} \cdot "
        r"\frac{\partial \mathrm{y\_hat}}{\partial \mathrm{z2}} \cdot "
        r"\frac{\partial \mathrm{z2}}{\partial \mathrm{a1}} \cdot "
        r"\frac{\partial \mathrm{a1}}{\partial \mathrm{m1}} = 2 \cdot 1 \cdot 0.5 \cdot 2 = 2$$"
    )


def latex_sides(e: Explanation) -> list[str]:
    latex = e._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    return latex[2:-2].split(" = ")


def test_latex_writes_each_side_once() -> None:
    ex = worked_example()
    # One factor: the fraction is the whole chain, so it is not written twice.
    assert explain(ex.L, ex.y)._repr_latex_() == r"$$\frac{\partial \mathrm{L}}{\partial \mathrm{y}} = -2$$"
    assert explain(ex.L, ex.L)._repr_latex_() == r"$$\frac{\partial \mathrm{L}}{\partial \mathrm{L}} = 1$$"
    x, y, m1, m2, L = unlabelled_example()
    cases = [explain(ex.L, v) for v in (ex.x, ex.y, ex.m1, ex.m2, ex.a1, ex.z2, ex.y_hat, ex.L)]
    cases += [explain(L, v) for v in (x, y, m1, m2, L)]
    cases += [explain(sin_times_cos().L, sin_times_cos().x), explain(L, Value(1.0, label="z"))]
    for seed in range(5):
        root, _, leaves = random_graph(seed, label_prob=0.3)
        cases += [explain(root, v) for v, _ in leaves]
    for e in cases:
        sides = latex_sides(e)
        assert all(a != b for a, b in itertools.pairwise(sides)), e._repr_latex_()
        assert len(sides) in (2, 4), e._repr_latex_()  # lhs = value, or lhs = symbols = numbers = value


def test_a_root_that_does_not_depend_on_the_node_says_so_naming_both() -> None:
    ex = worked_example()
    z = Value(1.0, label="z")
    e = explain(ex.L, z)
    assert str(e) == "dL/dz = 0: L does not depend on z"
    assert e.value == 0.0 and e.paths == [] and e.note == "L does not depend on z"
    assert e._repr_latex_() == (
        r"$$\frac{\partial \mathrm{L}}{\partial \mathrm{z}} = 0 \quad \text{(L does not depend on z)}$$"
    )
    # Without labels, the message says which Value is meant.
    _, _, _, _, L = unlabelled_example()
    assert str(explain(L, Value(7.0))) == (
        "dv10/dwrt = 0: v10 does not depend on wrt (the Value with data 7 is not part of the graph of v10)"
    )
    # A node of the graph that the root does not use at all is not in it either.
    assert str(explain(ex.z2, ex.y)) == "dz2/dy = 0: z2 does not depend on y"


@pytest.mark.parametrize("seed", range(12))
def test_without_labels_every_path_is_a_chain_of_edges(seed: int) -> None:
    root, _, leaves = random_graph(seed, label_prob=0.0)
    for node in topological_order(root):
        node.label = ""
    root.backward()
    names = node_names(topological_order(root))
    by_name = {name: node for node, name in names.items()}
    for v, _ in leaves:
        e = explain(root, v, max_paths=10_000)
        if not e.path_count:
            continue
        assert math.isclose(e.value, v.grad, rel_tol=1e-9, abs_tol=1e-9)
        for path in e.paths:
            assert path[0].upper == names[root] and path[-1].lower == names[v]
            for f, g in itertools.pairwise(path):
                assert f.lower == g.upper
            for f in path:  # each factor is an edge: the sum of the locals of upper's operand slots
                upper, lower = by_name[f.upper], by_name[f.lower]
                local = sum(d for p, d in zip(upper._prev, upper._local) if p is lower)
                assert lower in upper._prev and f.value == local


def test_every_node_chooses_the_steps_whatever_the_labels() -> None:
    ex = worked_example()
    full = explain(ex.L, ex.m1, every_node=True)
    assert str(full).splitlines() == [
        "dL/dm1 = dL/d((y_hat-y)**2) * d((y_hat-y)**2)/d(y_hat-y) * d(y_hat-y)/dy_hat * dy_hat/dz2"
        " * dz2/da1 * da1/dm1",
        "dL/dm1 = 0.5 * 4 * 1 * 1 * 0.5 * 2 = 2",
    ]
    _, _, m1, _, L = unlabelled_example()
    assert str(explain(L, m1, every_node=False)) == "dv10/dv2 = 2"  # the old, folded form
    assert explain(L, m1, every_node=True).lines == UNLABELLED_M1
