"""gradcheck: analytic gradients against central differences."""

from __future__ import annotations

import pytest

from micrograd import GradcheckError, gradcheck
from micrograd.engine import Op, Value

CUBE = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))
WRONG_CUBE = Op("cube", lambda a: a**3, lambda a, out: (2 * a**2,))  # a slip: 2 instead of 3


def test_a_correct_op_passes() -> None:
    assert gradcheck(lambda x: CUBE(x), [1.5]) is True
    assert gradcheck(lambda x, y: (CUBE(x) * y.sin()).tanh(), [0.7, -1.2]) is True


def test_a_wrong_partial_is_caught_naming_input_analytic_and_numerical() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: WRONG_CUBE(x) + y, [1.5, 2.0])
    message = str(info.value)
    assert "inputs[0]" in message
    assert "analytic 4.5" in message  # 2 * 1.5**2
    numerical = float(message.split("numerical ")[1].split(" ")[0])
    assert numerical == pytest.approx(6.75, rel=1e-6)  # 3 * 1.5**2


def test_only_the_wrong_input_is_named() -> None:
    with pytest.raises(GradcheckError, match=r"inputs\[1\]"):
        gradcheck(lambda x, y: x * 2 + WRONG_CUBE(y), [0.5, -2.0])


def test_every_builtin_op_passes() -> None:
    fns = [
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
        lambda a, b: a**b, lambda a, b: (-a).exp() + b.log(), lambda a, b: a.tanh() * b.sigmoid(),
        lambda a, b: a.sin() * b.cos(), lambda a, b: (a * b).relu() + (a - b).abs(),
        lambda a, b: a**3 / b**0.5,
    ]  # fmt: skip
    for fn in fns:
        assert gradcheck(fn, [0.8, 1.7])


def test_values_as_inputs_use_their_data() -> None:
    assert gradcheck(lambda x: x * x, [Value(3.0)])


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="callable"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(TypeError, match="non-empty list"):
        gradcheck(lambda x: x, [])
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        gradcheck(lambda x: x, ["a"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda x: 3.0, [1.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda x: x, [1.0], eps=0.0)


def test_a_non_finite_gradient_fails() -> None:
    # d sqrt(|x|)/dx at 0 is 0.5 * inf * sign(0) = nan; the central difference is 0.
    with pytest.raises(GradcheckError, match="analytic nan"):
        gradcheck(lambda x: x.abs() ** 0.5, [0.0])


def test_the_top_level_name_is_the_function_even_after_its_module_is_imported() -> None:
    import micrograd
    import micrograd.finite_differences

    assert micrograd.gradcheck is micrograd.finite_differences.gradcheck
