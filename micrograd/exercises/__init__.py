"""Checkers for the notebooks' exercises: each compares a learner's answer with the engine.

A checker never compares with a stored number when the engine can compute the truth: it builds the
expression out of :class:`~micrograd.engine.Value` objects, calls ``backward()`` and says *why* an
answer is wrong (which case, what was expected, and which common slip it looks like). The reference
answers live in :data:`SOLUTIONS` (:mod:`micrograd.exercises.solutions`), so a notebook can test its
own checker (``check(SOLUTIONS[...]).ok``) without printing the answer next to the question.

* :mod:`~micrograd.exercises.verdict`: :class:`Verdict` and how an answer is compared;
* :mod:`~micrograd.exercises.checkers`: one checker per exercise, by notebook;
* :mod:`~micrograd.exercises.solutions`: the reference answers (try the exercise first);
* :mod:`~micrograd.exercises.answer`: answers shown folded (``show_answer``, ``folded_answer``).
"""

from micrograd.exercises.answer import FoldedAnswer, folded_answer, show_answer
from micrograd.exercises.checkers import (
    check_bce_grad,
    check_largest_live_lr,
    check_logit_grad,
    check_neuron_grad,
    check_output_error,
    check_parameter_count,
    check_partials,
    engine_bce_grad,
    engine_logit_grad,
    engine_neuron_grad,
    engine_output_error,
    relu_alive_after_step,
)
from micrograd.exercises.solutions import SOLUTIONS
from micrograd.exercises.verdict import Verdict

__all__ = ["SOLUTIONS", "Verdict", "check_bce_grad", "check_largest_live_lr", "check_logit_grad"]
__all__ += ["check_neuron_grad", "check_output_error", "check_parameter_count", "check_partials"]
__all__ += ["engine_bce_grad", "engine_logit_grad", "engine_neuron_grad", "engine_output_error"]
__all__ += ["FoldedAnswer", "folded_answer", "relu_alive_after_step", "show_answer"]
