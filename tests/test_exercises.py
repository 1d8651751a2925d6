"""The notebooks' checkers: they accept the reference answers, reject wrong ones and say why.

Each wrong answer below is a slip a learner makes (found by trying the notebooks as one); the
checker must name it, not only say "wrong".
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from micrograd import exercises as ex
from micrograd.engine import Value

S = ex.SOLUTIONS
VECTOR_CHECKERS = (ex.check_neuron_grad, ex.check_logit_grad, ex.check_output_error)
FUNCTION_CHECKERS = (*VECTOR_CHECKERS, ex.check_bce_grad)


def test_unanswered_exercises_are_not_errors() -> None:
    for check in (*FUNCTION_CHECKERS, ex.check_largest_live_lr, ex.check_parameter_count):
        verdict = check(None)
        assert not verdict.ok and "Replace `None`" in verdict.message


@pytest.mark.parametrize("check", FUNCTION_CHECKERS)
def test_a_function_without_return_or_one_that_raises_gets_a_sentence(check: object) -> None:
    def forgot_return(*args: object) -> None:
        [0.0 for _ in args]

    verdict = check(forgot_return)
    assert not verdict.ok and "returned None" in verdict.message and "`return`" in verdict.message

    def matmul_on_lists(a: list[float], b: object) -> object:
        return a @ b

    verdict = check(matmul_on_lists)
    assert not verdict.ok and verdict.message.startswith("your function raised TypeError")
    assert "list" in verdict.message or "float" in verdict.message  # what the arguments are


def test_relu_boundary_is_one_over_24_and_the_other_regimes_are_explained() -> None:
    assert ex.relu_alive_after_step(0.0416)[0] and not ex.relu_alive_after_step(0.0417)[0]
    assert ex.check_largest_live_lr(S["largest_live_lr"]).ok
    assert ex.check_largest_live_lr(np.float64(0.0416)).ok
    assert "dies" in ex.check_largest_live_lr(0.0417).message  # 1/24 rounded up
    assert "larger" in ex.check_largest_live_lr(0.02).message
    for huge in (1.5, 1.6, 2, 10):  # both weights flip sign and z2 is positive again
        verdict = ex.check_largest_live_lr(huge)
        assert (
            not verdict.ok and "change sign" in verdict.message and "between 0.02 and 0.1" in verdict.message
        )
    assert "positive" in ex.check_largest_live_lr(-1).message
    assert "a number" in ex.check_largest_live_lr("0.0416").message
    at_the_boundary = 0.5 / 12  # z2 is exactly 0 here: printed as "0", never "-0"
    assert ex.relu_alive_after_step(at_the_boundary)[1] == 0.0
    assert "= 0 <=" in ex.check_largest_live_lr(at_the_boundary).message


def test_neuron_grad_checker_names_the_slips() -> None:
    assert ex.check_neuron_grad(S["neuron_grad"]).ok
    assert ex.check_neuron_grad(lambda w, x: np.array(S["neuron_grad"](w, x))).ok

    def sigma_prime(w: list[float], x: list[float]) -> float:
        a = 1 / (1 + math.exp(-sum(wi * xi for wi, xi in zip(w, x))))
        return a * (1 - a)

    forgot_x = ex.check_neuron_grad(lambda w, x: [sigma_prime(w, x)] * len(x))
    assert not forgot_x.ok and "without the factor x_i" in forgot_x.message
    assert "backward() gives [" in forgot_x.message  # both whole vectors are shown
    flipped = ex.check_neuron_grad(lambda w, x: [-g for g in S["neuron_grad"](w, x)])
    assert "sign is flipped" in flipped.message
    dadx = ex.check_neuron_grad(lambda w, x: [sigma_prime(w, x) * wi for wi in w])
    assert "da/dx" in dadx.message


def test_logit_and_output_error_checkers_name_the_slips() -> None:
    assert ex.check_logit_grad(S["logit_grad"]).ok
    softmax_only = ex.check_logit_grad(
        lambda z, c: [g + (k == c) for k, g in enumerate(S["logit_grad"](z, c))]
    )
    assert "one-hot" in softmax_only.message
    flipped = ex.check_logit_grad(lambda z, c: [-g for g in S["logit_grad"](z, c)])
    assert "sign is flipped" in flipped.message
    assert "returned 1 numbers, expected 3" in ex.check_logit_grad(lambda z, c: [1.0]).message

    def unshifted(z: list[float], c: int) -> list[float]:  # right maths, but exp(800) overflows
        e = [math.exp(v) for v in z]
        return [v / sum(e) - (k == c) for k, v in enumerate(e)]

    overflow = ex.check_logit_grad(unshifted)
    assert (
        not overflow.ok and "OverflowError" in overflow.message and "subtract max(logits)" in overflow.message
    )
    assert "[800, 799]" in ex.check_logit_grad(S["logit_grad"]).message
    assert ex.check_output_error(S["output_error"]).ok
    doubled = ex.check_output_error(lambda z, y: [2 * d for d in S["output_error"](z, y)])
    assert "source notes' cost has no 1/2" in doubled.message
    sig = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    no_sigma_prime = ex.check_output_error(lambda z, y: [sig(zi) - yi for zi, yi in zip(z, y)])
    assert "sigma'(z) is missing" in no_sigma_prime.message
    assert "NaN" in ex.check_output_error(lambda z, y: [math.nan] * len(z)).message


def test_bce_checker_wants_one_number_and_names_the_slips() -> None:
    assert ex.check_bce_grad(S["bce_grad"]).ok
    assert ex.check_bce_grad(lambda y_hat, y: np.float64(y_hat - y)).ok
    assert ex.check_bce_grad(lambda y_hat, y: torch.tensor(y_hat - y, dtype=torch.float64)).ok  # one number
    float32 = ex.check_bce_grad(lambda y_hat, y: torch.tensor(y_hat - y, dtype=torch.float32))
    assert not float32.ok and "float32" in float32.message  # right to 7 digits: say why it is not accepted
    for as_list in (lambda y_hat, y: [y_hat - y], lambda y_hat, y: np.array([y_hat - y])):
        verdict = ex.check_bce_grad(as_list)
        assert not verdict.ok and "one number" in verdict.message
    flipped = ex.check_bce_grad(lambda y_hat, y: y - y_hat)
    assert "sign is flipped" in flipped.message and "entry" not in flipped.message
    before_sigmoid = ex.check_bce_grad(lambda y_hat, y: (y_hat - y) / (y_hat * (1 - y_hat)))
    assert "dL/dy_hat" in before_sigmoid.message
    squared = ex.check_bce_grad(lambda y_hat, y: (y_hat - y) * y_hat * (1 - y_hat))
    assert "squared error" in squared.message
    assert not ex.check_bce_grad(lambda y_hat, y: Value(y_hat - y)).ok  # a Value is not a plain number


def test_parameter_count() -> None:
    assert S["parameter_count"] == 13_002 and ex.check_parameter_count(13_002).ok
    assert "MLP(784, [16, 16, 10])" in ex.check_parameter_count(13_002).message  # the real call
    assert "weights only" in ex.check_parameter_count(12_960).message
    small = ex.check_parameter_count(13)
    assert "small" in small.message and "12,960" not in small.message  # no number to copy
    assert "large" in ex.check_parameter_count(20_000).message
    assert "whole number" in ex.check_parameter_count("13002").message
    assert "whole number" in ex.check_parameter_count(13002.5).message


def test_partials_checker() -> None:
    forward = lambda a: math.log1p(math.exp(a))  # noqa: E731  # softplus
    assert ex.check_partials(forward, S["softplus_partials"]).ok
    assert ex.check_partials(forward, lambda a, out: (np.float64(1 - math.exp(-out)),)).ok
    wrong = ex.check_partials(forward, lambda a, out: (out,))
    assert not wrong.ok and "your partial gives" in wrong.message and "measured slope" in wrong.message
    flipped = ex.check_partials(forward, lambda a, out: (-1 / (1 + math.exp(-a)),))
    assert "sign is flipped" in flipped.message
    assert "one-element tuple" in ex.check_partials(forward, lambda a, out: 1.0).message
    for entry in (None, np.array([0.5]), torch.tensor([0.5]), Value(0.5)):
        verdict = ex.check_partials(forward, lambda a, out, e=entry: (e,))
        assert not verdict.ok and "plain number" in verdict.message, entry
    raised = ex.check_partials(forward, lambda a, out: (math.log(-a),))
    assert "raised ValueError" in raised.message


def test_solutions_can_be_read() -> None:
    source = inspect.getsource(S["neuron_grad"])
    assert "def neuron_grad" in source and "a * (1 - a) * xi" in source


def test_verdict_renders_as_text_and_markdown() -> None:
    verdict = ex.Verdict(True, "fine.")
    assert bool(verdict) and repr(verdict) == "Right. fine."
    assert verdict._repr_markdown_() == "**Right.** fine."


def test_an_answer_is_shown_folded_and_not_in_plain_text() -> None:
    answer = ex.FoldedAnswer("dL/dz = [-0.5, 0.5] <b>")
    page = answer._repr_html_()
    assert page.startswith("<details><summary>Answer (click to open after you have predicted)</summary>")
    assert "[-0.5, 0.5] &lt;b&gt;" in page  # escaped: the text shows as written
    assert "0.5" not in repr(answer)  # a frontend without HTML does not show the answer either
    with pytest.raises(TypeError, match="an answer is text"):
        ex.FoldedAnswer(0.5)


def test_show_answer_outside_a_notebook_gives_nothing_away(capsys: pytest.CaptureFixture[str]) -> None:
    ex.show_answer("the answer is 42")
    assert "42" not in capsys.readouterr().out


def test_folded_answer_folds_what_its_block_prints_even_when_the_block_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from micrograd.exercises import answer

    shown: list[ex.FoldedAnswer] = []
    monkeypatch.setattr(answer, "_shell", lambda: object())  # as inside a notebook
    monkeypatch.setattr(answer, "_display", shown.append)
    with ex.folded_answer():
        print("the loss jumps 11.7 times")
    assert [a.text for a in shown] == ["the loss jumps 11.7 times\n"]
    assert "11.7" not in capsys.readouterr().out  # folded, not printed
    with pytest.raises(ZeroDivisionError), ex.folded_answer("Why"):
        print("before the error")
        1 / 0  # noqa: B018
    assert shown[-1].text == "before the error\n" and "<summary>Why</summary>" in shown[-1]._repr_html_()
    monkeypatch.setattr(answer, "_shell", lambda: None)  # outside a notebook: printed as usual
    with ex.folded_answer():
        print("plain")
    assert capsys.readouterr().out == "plain\n" and len(shown) == 2
