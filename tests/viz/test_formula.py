"""Local-derivative formulas read off the op definitions: every engine op has
one, each evaluates to the local derivative the op recorded, parentheses are
where Python's precedence needs them, and a user's op gets one for free."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from viz_graphs import random_graph

from micrograd import engine
from micrograd.engine import Op, Value, power_op
from micrograd.viz.formula import Formula, derivative_formulas, expression, local_formulas, symbol
from micrograd.viz.names import is_atomic, node_names
from micrograd.viz.steps import backward_steps

# op -> (input values, the formula of each local derivative in the names a, b, ... and out)
CASES: list[tuple[Op, tuple[float, ...], tuple[str, ...]]] = [
    (engine.ADD, (1.5, -2.0), ("1", "1")),
    (engine.SUB, (1.5, -2.0), ("1", "-1")),
    (engine.MUL, (1.5, -2.0), ("b", "a")),
    (engine.DIV, (1.5, -2.0), ("1 / b", "-(out / b)")),
    (engine.NEG, (1.5,), ("-1",)),
    (engine.POW, (1.5, 2.5), ("b * a**(b - 1)", "out * ln(a)")),
    (engine.RELU, (1.5,), ("[a > 0]",)),
    (engine.RELU, (-1.5,), ("[a > 0]",)),
    (engine.ABS, (-1.5,), ("sign(a)",)),
    (engine.TANH, (0.3,), ("(1 - out) * (1 + out)",)),
    (engine.SIGMOID, (0.3,), ("out * (1 - out)",)),
    (engine.EXP, (0.3,), ("out",)),
    (engine.LOG, (1.5,), ("1 / a",)),
    (engine.SIN, (0.7,), ("cos(a)",)),
    (engine.COS, (0.7,), ("-sin(a)",)),
    # linear(bias, w1, w2, x1, x2): 1 for the bias, the other operand for each w and x
    (engine.LINEAR, (0.5, 2.0, -3.0, 0.25, 4.0), ("1", "d", "e", "b", "c")),
    (power_op(2.0), (1.5,), ("2 * a",)),
    (power_op(3.0), (1.5,), ("3 * a**2",)),
    (power_op(0.5), (1.5,), ("0.5 * a**(-0.5)",)),
]
EVERY_OP = ["ADD", "SUB", "MUL", "DIV", "NEG", "POW", "RELU", "ABS"]
EVERY_OP += ["TANH", "SIGMOID", "EXP", "LOG", "SIN", "COS", "LINEAR"]


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


# The functions a formula may call, as the formula means them.
FUNCTIONS: dict[str, Callable[[float], float]] = {
    "cos": math.cos,
    "sin": math.sin,
    "tanh": math.tanh,
    "exp": math.exp,
    "ln": math.log,
    "sign": _sign,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "relu": lambda x: max(x, 0.0),
}


def evaluate(formula: str, values: dict[str, float]) -> float:
    """A formula's value: Python, once the Iverson bracket [a > 0] is written as 1.0 or 0.0."""
    python = re.sub(r"\[([^\]]+)\]", r"(1.0 if \1 else 0.0)", formula)
    result: float = eval(python, {"__builtins__": {}}, {**FUNCTIONS, **values})
    return result


def test_the_cases_cover_every_engine_op() -> None:
    assert {id(getattr(engine, name)) for name in EVERY_OP} <= {id(op) for op, _, _ in CASES}


@pytest.mark.parametrize(
    ("op", "inputs", "expected"), CASES, ids=lambda x: str(x) if isinstance(x, Op) else ""
)
def test_every_op_has_a_formula_that_evaluates_to_its_local_derivative(
    op: Op, inputs: tuple[float, ...], expected: tuple[str, ...]
) -> None:
    names = "abcde"[: len(inputs)]
    parents = [Value(x, label=name) for x, name in zip(inputs, names)]
    node = op(*parents)
    node.label = "out"
    formulas = local_formulas(node, node_names(engine.topological_order(node)))
    assert formulas == expected
    assert all(formulas)
    values = {name: x for name, x in zip(names, inputs)} | {"out": node.data}
    # The partials on floats are what the node recorded, and each formula says the same.
    assert tuple(op.partials(*inputs, node.data)) == tuple(node._local)
    for formula, local in zip(formulas, node._local):
        assert math.isclose(evaluate(formula, values), local, rel_tol=1e-12, abs_tol=1e-15), formula


def test_a_users_op_gets_its_formula_for_free() -> None:
    cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
    hypot = Op("hypot", math.hypot, lambda a, b, out: (a / out, b / out), 2)
    softplus = Op("softplus", lambda a: math.log1p(math.exp(a)), lambda a, out: (engine.ew.sigmoid(a),))
    assert derivative_formulas(cube, ["x"], "y") == ("3 * x**2",)
    assert derivative_formulas(hypot, ["x", "y"], "h") == ("x / h", "y / h")
    assert derivative_formulas(softplus, ["x"], "y") == ("sigmoid(x)",)
    x = Value(2.0, label="x")
    y = cube(x)
    y.label = "y"
    (step,) = backward_steps(y)
    assert step.local_text() == "dy/dx = 3 * x**2 = 12"


def test_a_rule_that_branches_has_no_formula_and_the_step_says_just_the_number() -> None:
    # A rule that compares its input (or calls math directly) cannot run on symbols.
    clipped = Op("clip", lambda a: min(a, 1.0), lambda a, out: (1.0 if a < 1.0 else 0.0,))
    direct = Op("sin2", lambda a: math.sin(a) ** 2, lambda a, out: (2 * math.sin(a) * math.cos(a),))
    assert derivative_formulas(clipped, ["x"], "y") is None
    assert derivative_formulas(direct, ["x"], "y") is None
    x = Value(0.5, label="x")
    y = clipped(x)
    y.label = "y"
    assert local_formulas(y, {x: "x", y: "y"}) == ("",)
    (step,) = backward_steps(y)
    assert step.formula == ""
    assert step.local_text() == "dy/dx = 1"
    assert step.describe() == "dy/dy * dy/dx = 1 * 1 = 1;  x.grad = 0 + 1 = 1"
    with pytest.raises(TypeError, match="truth value"):
        bool(Formula("x"))


@pytest.mark.parametrize(
    ("build", "text"),
    [
        (lambda a, b, c: a - (b - c), "a - (b - c)"),
        (lambda a, b, c: (a - b) - c, "a - b - c"),
        (lambda a, b, c: a / (b * c), "a / (b * c)"),
        (lambda a, b, c: (a + b) * c, "(a + b) * c"),
        (lambda a, b, c: -(a + b), "-(a + b)"),
        (lambda a, b, c: -(a**2), "-a**2"),
        (lambda a, b, c: (-a) ** 2, "(-a)**2"),
        (lambda a, b, c: (a**b) ** c, "(a**b)**c"),
        (lambda a, b, c: a ** (b**c), "a**(b**c)"),
        (lambda a, b, c: a * -1.0, "a * (-1)"),
        (lambda a, b, c: 2.0 * a + 0.5, "2 * a + 0.5"),
        (lambda a, b, c: a**1.0, "a"),
        (lambda a, b, c: abs(a - b).exp().log(), "ln(exp(abs(a - b)))"),
        (lambda a, b, c: a.step() * b.sign() + c.relu().tanh(), "[a > 0] * sign(b) + tanh(relu(c))"),
        (lambda a, b, c: a.dpow(b) * a.dpow(0.0) + a.pow_log(b), "b * a**(b - 1) * 0 + ln(a)"),
    ],
)
def test_parentheses_follow_pythons_precedence(build: Callable[..., Formula], text: str) -> None:
    assert str(build(Formula("a"), Formula("b"), Formula("c"))) == text


# Random arithmetic on three symbols and constants with exact short decimals:
# the formula, read back by Python, computes the very same float.  (Arithmetic
# on constants alone is left out: Python works it out before a formula sees
# it, and the formula shows the result to CONSTANT_DIGITS digits.)
OPERATIONS: list[Callable[[object, object], object]] = [
    lambda x, y: x + y,
    lambda x, y: x - y,
    lambda x, y: x * y,
    lambda x, y: x / y,
    lambda x, y: x**y,
    lambda x, y: -x,
]
LEAVES = st.sampled_from(["a", "b", "c", -2.0, -1.0, 0.5, 2.0, 3.0])
TREES = st.recursive(
    LEAVES, lambda sub: st.tuples(st.integers(0, len(OPERATIONS) - 1), sub, sub), max_leaves=8
)


def _build(tree: object, leaf: Callable[[object], object]) -> object:
    if isinstance(tree, tuple):
        k, left, right = tree
        return OPERATIONS[k](_build(left, leaf), _build(right, leaf))
    return leaf(tree)


def _symbols(tree: object) -> bool:
    return any(map(_symbols, tree[1:])) if isinstance(tree, tuple) else isinstance(tree, str)


def _constant_arithmetic(tree: object) -> bool:
    if not isinstance(tree, tuple):
        return False
    return not _symbols(tree) or any(map(_constant_arithmetic, tree[1:]))


@given(TREES)
def test_formulas_of_random_arithmetic_evaluate_exactly(tree: object) -> None:
    assume(not _constant_arithmetic(tree))
    values = {"a": 1.25, "b": -0.75, "c": 3.5}
    try:
        expected = _build(tree, lambda t: values[t] if isinstance(t, str) else t)
    except (ZeroDivisionError, OverflowError):
        assume(False)
    assume(isinstance(expected, float) and math.isfinite(expected))
    formula = _build(tree, lambda t: Formula(t) if isinstance(t, str) else t)
    text = formula.text if isinstance(formula, Formula) else repr(formula)
    assert evaluate(text, values) == expected, text


@pytest.mark.parametrize("seed", range(8))
def test_formulas_in_generated_names_evaluate_to_the_local_derivative(seed: int) -> None:
    # Unlabelled nodes are named by expressions (v2*v1, (v6-v0)**2): inside a
    # formula each stays one symbol, so putting each node's value in for its
    # name gives back the local derivative the op recorded.
    root, _, _ = random_graph(seed, label_prob=0.0)
    order = engine.topological_order(root)
    for node in order:
        node.label = ""
    names = node_names(order)
    symbols = {name: f"_n{k}" for k, name in enumerate(sorted(set(names.values()), key=len, reverse=True))}
    values = {symbols[names[n]]: n.data for n in order}
    checked = 0
    for step in backward_steps(root):
        text = step.formula
        for name, sym in symbols.items():  # longest first: "v12" before "v1", "(v6-v0)**2" before "v6-v0"
            text = text.replace(name, sym)
        result: float = eval(
            re.sub(r"\[([^\]]+)\]", r"(1.0 if \1 else 0.0)", text),
            {"__builtins__": {}},
            {**FUNCTIONS, "abs": abs, **values},
        )
        assert math.isclose(result, step.local, rel_tol=1e-9, abs_tol=1e-12), (step.formula, text)
        checked += any(not is_atomic(names[p]) for p in step.child._prev)
    assert checked  # some formulas did contain expression names


def test_expression_names_a_node_by_what_its_op_computes() -> None:
    assert expression(engine.MUL, ["m1", "x"]) == "m1*x"
    assert expression(engine.MUL, ["m2", "m1*x"]) == "m2*(m1*x)"
    assert expression(engine.SUB, ["relu(z)", "y"]) == "relu(z)-y"
    assert expression(power_op(2.0), ["y_hat-y"]) == "(y_hat-y)**2"
    assert expression(engine.NEG, ["a+b"]) == "-(a+b)"
    assert expression(engine.LOG, ["x"]) == "ln(x)"
    assert expression(engine.ABS, ["x"]) == "abs(x)"
    assert expression("*", ["a", "b"]) is None  # a plain string is no op
    # The derivative formulas keep their spaces; a name that is an expression is one symbol.
    assert derivative_formulas(power_op(2.0), ["y_hat-y"], "(y_hat-y)**2") == ("2 * (y_hat-y)",)
    assert derivative_formulas(engine.MUL, ["a*b", "c"], "v3") == ("c", "a*b")
    assert str(symbol("a*b") * symbol("c")) == "(a*b) * c"
