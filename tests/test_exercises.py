"""The notebooks' checkers: they accept the reference answers, reject wrong ones and say why."""

from __future__ import annotations

import math

from micrograd import exercises as ex

S = ex.SOLUTIONS


def test_unanswered_exercises_are_not_errors() -> None:
    for check in (ex.check_largest_live_lr, ex.check_neuron_grad, ex.check_logit_grad, ex.check_bce_grad):
        verdict = check(None)
        assert not verdict.ok and "None" in verdict.message
    assert not ex.check_neuron_grad(lambda w, x: None).ok  # a stub that returns None


def test_relu_boundary_is_one_over_24() -> None:
    assert ex.relu_alive_after_step(0.0416)[0] and not ex.relu_alive_after_step(0.0417)[0]
    assert ex.check_largest_live_lr(S["largest_live_lr"]).ok
    assert "dies" in ex.check_largest_live_lr(0.1).message
    assert "larger" in ex.check_largest_live_lr(0.02).message


def test_gradient_checkers_accept_the_references_and_name_the_wrong_entry() -> None:
    assert ex.check_neuron_grad(S["neuron_grad"]).ok
    wrong = ex.check_neuron_grad(lambda w, x: [0.25 * xi for xi in x])
    assert not wrong.ok and "entry 0" in wrong.message
    assert ex.check_logit_grad(S["logit_grad"]).ok
    assert not ex.check_logit_grad(lambda z, c: [0.0] * len(z)).ok
    assert ex.check_bce_grad(S["bce_grad"]).ok
    assert not ex.check_bce_grad(lambda y_hat, y: y - y_hat).ok
    assert ex.check_output_error(S["output_error"]).ok
    assert not ex.check_output_error(lambda z, y: [0.0] * len(z)).ok
    assert "numbers" in ex.check_logit_grad(lambda z, c: [1.0]).message  # wrong length


def test_parameter_count_and_partials() -> None:
    assert S["parameter_count"] == 13_002 and ex.check_parameter_count(13_002).ok
    assert "small" in ex.check_parameter_count(12_960).message
    forward = lambda a: math.log1p(math.exp(a))  # noqa: E731
    assert ex.check_partials(forward, S["softplus_partials"]).ok
    assert not ex.check_partials(forward, lambda a, out: (out,)).ok
    assert not ex.check_partials(forward, lambda a, out: 1.0).ok  # type: ignore[arg-type, return-value]


def test_verdict_renders_as_text_and_markdown() -> None:
    verdict = ex.Verdict(True, "fine.")
    assert bool(verdict) and repr(verdict) == "Right. fine."
    assert verdict._repr_markdown_() == "**Right.** fine."
