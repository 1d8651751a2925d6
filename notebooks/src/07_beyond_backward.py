# %% [markdown]
# # Beyond one `backward()`: your own op, second derivatives, forward mode
#
# **What you will learn**
#
# * how to define a new operation exactly the way micrograd's built-in ones are defined: a
#   forward and its local derivative, and how `gradcheck` catches a derivative you got wrong;
# * how the chain rule, run on Values instead of numbers, gives derivatives of derivatives, and how
#   a second derivative drives Newton's method;
# * why training uses *reverse* mode: counting the passes that forward mode and reverse mode need for
#   a function with n inputs and m outputs, and timing them;
# * and, by doing it: write the local derivative of an op yourself (gradcheck tells you if it is right),
#   and try Newton's method on your own polynomial (and see when it fails to converge).

# %%
import itertools
import textwrap
import time

import matplotlib.pyplot as plt

from micrograd import gradcheck
from micrograd.engine import Op, Value, grad, jvp
from micrograd.exercises import SOLUTIONS, check_partials
from micrograd.finite_differences import GradcheckError

# %% [markdown]
# ## 1. Your own op
#
# Every operation in `micrograd/engine.py` is an `Op`: a name, a `forward` that maps numbers to a
# number, and `partials(*inputs, out)`, the local derivative with respect to each input. Here is
# $\mathrm{cube}(a) = a^3$ with $\frac{d\,a^3}{da} = 3a^2$:

# %%
cube = Op("cube", lambda a: a**3, lambda a, out: (3 * a**2,))

x = Value(2.0, label="x")
y = cube(x)
y.backward()
print(f"cube(2) = {y.data},  dy/dx = {x.grad}")
assert (y.data, x.grad) == (8.0, 12.0)

# %% [markdown]
# `gradcheck(fn, inputs)` compares the derivative the chain rule computes with a *central finite
# difference*, $\frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon}$, for every input. A correct
# op passes; a slip in the partial (here `2 * a**2` instead of `3 * a**2`) is caught, and the message
# names the input, the analytic and the numerical value.

# %%
assert gradcheck(lambda a, b: cube(a) * b.sin(), [1.5, 0.3])

wrong_cube = Op("cube", lambda a: a**3, lambda a, out: (2 * a**2,))
try:
    gradcheck(lambda a: wrong_cube(a), [1.5])
    caught = False
except GradcheckError as error:
    caught = True
    print(textwrap.fill(str(error), width=90))  # the message, on lines short enough for the page
assert caught

# %% [markdown]
# ### Your turn 1 · Write the partials of softplus
#
# $\mathrm{softplus}(a) = \log(1 + e^a)$ is a smooth ReLU (micrograd's BCE uses it). Fill in
# `my_softplus_partials(a, out)`, returning a one-element tuple with $d\,\mathrm{softplus}/da$ (you get the
# input `a` and the forward value `out`; either may be used). **Predict**: what is the derivative at
# $a = 0$? Which function that you have already met is this derivative? The checker wraps your partials
# in an `Op` and runs `gradcheck` at three points.

# %%
import math


def softplus_forward(a: float) -> float:
    return math.log1p(math.exp(a))


def my_softplus_partials(a: float, out: float) -> tuple[float] | None:
    return None  # your code here


check_partials(softplus_forward, my_softplus_partials)

# %%
# The checker accepts the reference answer (micrograd.exercises.SOLUTIONS) and catches a wrong one.
assert check_partials(softplus_forward, SOLUTIONS["softplus_partials"]).ok
assert not check_partials(softplus_forward, lambda a, out: (out,)).ok

# %% [markdown]
# ## 2. Derivatives of derivatives
#
# `grad(output, inputs)` returns derivatives instead of writing `.grad`. With `create_graph=True`
# it evaluates each op's `partials` on the node's parents, which are Values, so the chain rule
# itself builds a graph, and that graph can be differentiated again. For
# $g(x) = x^4 - 3x^2 + x$: $g'(x) = 4x^3 - 6x + 1$ and $g''(x) = 12x^2 - 6$.


# %%
def g(v: Value) -> Value:
    return v**4 - 3 * v**2 + v


x = Value(1.5)
(dg,) = grad(g(x), [x], create_graph=True)
(ddg,) = grad(dg, [x])
print(f"g'(1.5) = {dg.data},  g''(1.5) = {ddg.data}")
assert abs(dg.data - (4 * 1.5**3 - 6 * 1.5 + 1)) < 1e-12
assert abs(ddg.data - (12 * 1.5**2 - 6)) < 1e-12

# %% [markdown]
# **Newton's method** finds a point where $g'(x) = 0$ by following the tangent of $g'$:
# $x_{k+1} = x_k - g'(x_k) / g''(x_k)$. Both derivatives come from `grad`, none written by hand.

# %%
x_k = 1.5
path = [x_k]
for _ in range(6):
    v = Value(x_k)
    (d1,) = grad(g(v), [v], create_graph=True)
    (d2,) = grad(d1, [v])
    print(f"x = {x_k:.12f}   g'(x) = {d1.data:+.3e}   g''(x) = {d2.data:.4f}")
    x_k = x_k - d1.data / d2.data
    path.append(x_k)
v = Value(x_k)
(slope,) = grad(g(v), [v])
assert abs(slope.data) < 1e-12, "Newton converged to a stationary point"
assert abs(path[-1] - path[-2]) < 1e-12

# %% [markdown]
# ### Your turn 2 · Playground: Newton on your own polynomial
#
# Choose the coefficients of $g(x) = c_4 x^4 + c_2 x^2 + c_1 x$ and a starting point. The cell checks the
# hand formulas $g'(x) = 4c_4x^3 + 2c_2x + c_1$ and $g''(x) = 12c_4x^2 + 2c_2$ against `grad` at every
# Newton step, for your numbers. It stops when $g'(x)$ is zero up to rounding (then it has found a
# stationary point, and the sign of $g''$ says which kind), or when Newton cannot go on. **Predict**:
# starting from $x_0 = 0.1$ with the default coefficients, does Newton find a minimum or a maximum of $g$?
# Then set `x_start = 0.1` and run (the cell starts at $x_0 = 2$).
#
# Newton does not always get there: where $g''(x) = 0$ its step is undefined, a start near such a point
# throws it far away, and some polynomials have no stationary point at all. Try
# $(c_4, c_2, c_1) = (0, 0, 1)$, or the start 0.70710678 with the default coefficients (right next to a
# point where $g'' = 0$). A start far away, such as $10^6$, takes many steps, and a start beyond about
# $10^{77}$ is too large for floats: $x^4$ would exceed the largest float, about $1.8 \cdot 10^{308}$.

# %%
c4, c2, c1, x_start = 1.0, -3.0, 1.0, 2.0  # change me
max_steps = 30


def derivatives(x: float) -> tuple[float, float, float]:
    """g'(x) and g''(x) from grad, checked against the hand formulas, and the size of g's terms."""
    v = Value(x)
    (d1,) = grad(c4 * v**4 + c2 * v**2 + c1 * v, [v], create_graph=True)
    (d2,) = grad(d1, [v])
    d1_hand, d2_hand = 4 * c4 * x**3 + 2 * c2 * x + c1, 12 * c4 * x**2 + 2 * c2
    size = abs(4 * c4 * x**3) + abs(2 * c2 * x) + abs(c1)  # how large the terms of g' are
    assert abs(d1.data - d1_hand) <= 1e-9 * max(1.0, size), "g' by hand and by grad disagree"
    assert abs(d2.data - d2_hand) <= 1e-9 * max(1.0, abs(12 * c4 * x**2) + abs(2 * c2)), \
        "g'' by hand and by grad disagree"
    return d1.data, d2.data, size


converged, steps, step_sizes = False, 0, []  # step_sizes: |x_(k+1) - x_k| of every step taken
try:
    x_k = float(x_start)  # ints are fine too
    while True:
        d1, d2, size = derivatives(x_k)
        if abs(d1) <= 1e-12 * max(1.0, size):  # zero, up to rounding in the terms of g'(x)
            converged = True
            break
        if steps == max_steps:
            last = step_sizes[-5:]  # still converging if each of these is smaller than the one before
            if len(last) == 5 and all(b < a for a, b in itertools.pairwise(last)):
                print(f"still converging after {max_steps} steps (x = {x_k:.6g}, last step {last[-1]:.3g}):",
                      "raise max_steps")
            else:
                print(f"did not converge in {max_steps} steps (x = {x_k:.6g}, g'(x) = {d1:.3g})")
            break
        if d2 == 0:
            print(f"g''(x) = 0 at x = {x_k:.6g}: Newton's step is undefined here, so it stops "
                  f"(g'(x) = {d1:.3g}); try another start")
            break
        x_next = x_k - d1 / d2
        if abs(x_next) > max(1e30, abs(x_k)):  # far out, and moving further out
            print(f"diverged: step {steps + 1} would go to x = {x_next:.3g}; try another start")
            break
        step_sizes.append(abs(x_next - x_k))
        x_k, steps = x_next, steps + 1
except OverflowError:  # a float above about 1.8e308 cannot be stored
    print("the start is too large for floats (x**4 overflows); try a smaller start")

if converged:
    kind = "a minimum" if d2 > 0 else "a maximum" if d2 < 0 else "undecided (g''(x) = 0: look further)"
    print(f"Newton converged in {steps} step{'' if steps == 1 else 's'} to x = {x_k:.10f}: "
          f"g'(x) = {d1:.1e}, g''(x) = {d2:.4g}, {kind}")

# %% [markdown]
# ## 3. Forward mode and reverse mode
#
# `jvp(output, tangents)` runs the chain rule the other way: from the inputs to the output, each node's
# tangent is $\sum_k \frac{\partial\,\mathrm{node}}{\partial\,\mathrm{parent}_k}\,\mathrm{tangent}(\mathrm{parent}_k)$.
# One pass gives the derivative along *one direction of the inputs*. Reverse mode (`backward()`,
# `grad`) gives the derivative of *one output* with respect to every input in one pass. So the full
# Jacobian of a function with $n$ inputs and $m$ outputs needs $n$ forward passes or $m$ reverse passes:

# %%
def network(xs: list[Value], m: int) -> list[Value]:
    """A small function from n inputs to m outputs."""
    hidden = sum((x * (i + 1) for i, x in enumerate(xs)), Value(0.0)).tanh()
    return [(hidden * (j + 1) + xs[j % len(xs)]).sin() for j in range(m)]


def inputs_and_outputs(n: int, m: int) -> tuple[list[Value], list[Value]]:
    xs = [Value(0.1 * (i + 1)) for i in range(n)]
    return xs, network(xs, m)


def jacobian_by_forward_mode(xs: list[Value], outs: list[Value]) -> tuple[list[list[float]], int]:
    columns, calls = [], 0
    for x in xs:  # one forward pass per input direction: tangent 1 for x, 0 for the others
        columns.append([jvp(out, {x: 1.0}) for out in outs])  # jvp gives one output per call
        calls += len(outs)
    return [[columns[i][j] for i in range(len(xs))] for j in range(len(outs))], calls


def jacobian_by_reverse_mode(xs: list[Value], outs: list[Value]) -> tuple[list[list[float]], int]:
    rows, calls = [], 0
    for out in outs:  # one reverse pass per output
        rows.append([d.data for d in grad(out, xs)])
        calls += 1
    return rows, calls


xs, outs = inputs_and_outputs(5, 2)
forward_J, jvp_calls = jacobian_by_forward_mode(xs, outs)
reverse_J, grad_calls = jacobian_by_reverse_mode(xs, outs)
forward_passes = jvp_calls // len(outs)
print("5 inputs, 2 outputs:")
print(f"  forward mode: {jvp_calls} jvp calls = {forward_passes} forward passes")
print(f"  reverse mode: {grad_calls} grad calls = {grad_calls} reverse passes")
assert (forward_passes, grad_calls) == (len(xs), len(outs)), "n forward passes, m reverse passes"
assert all(abs(a - b) < 1e-12 for ra, rb in zip(forward_J, reverse_J) for a, b in zip(ra, rb)), \
    "forward and reverse mode should give the same Jacobian"

# %% [markdown]
# Our `jvp` returns one output per call, so the 10 calls here stand for 5 forward passes, each of which
# would carry its tangent to both outputs. A loss is **one output** of very many parameters, so reverse
# mode needs one pass where forward mode needs one per parameter. The next cell builds the function for
# a growing number of inputs $n$ (one output), computes the full gradient both ways, and measures the
# time each way takes (the best of 5 repeats, with `time.perf_counter`):

# %%
def best_time(fn, *args, repeats: int = 5) -> float:
    """The shortest of a few runs: the least disturbed by whatever else the machine is doing."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times)


sizes = [2, 4, 8, 16, 32, 64]
passes_forward, passes_reverse, seconds_forward, seconds_reverse = [], [], [], []
for n in sizes:
    xs, outs = inputs_and_outputs(n, 1)
    J_forward, calls_forward = jacobian_by_forward_mode(xs, outs)
    J_reverse, calls_reverse = jacobian_by_reverse_mode(xs, outs)
    assert all(abs(a - b) < 1e-12 for a, b in zip(J_forward[0], J_reverse[0])), "the gradients differ"
    passes_forward.append(calls_forward)  # one output: one jvp call is one forward pass
    passes_reverse.append(calls_reverse)
    seconds_forward.append(best_time(jacobian_by_forward_mode, xs, outs))
    seconds_reverse.append(best_time(jacobian_by_reverse_mode, xs, outs))
assert passes_forward == sizes and passes_reverse == [1] * len(sizes), "n forward passes, 1 reverse pass"
assert seconds_forward[-1] > seconds_reverse[-1], "at the largest n, forward mode should be slower"

fig, (ax_passes, ax_time) = plt.subplots(1, 2, figsize=(10, 3.6))
ax_passes.plot(sizes, passes_forward, "o-", label="forward mode (jvp)")
ax_passes.plot(sizes, passes_reverse, "s-", label="reverse mode (grad)")
ax_passes.set_ylabel("passes for the full gradient")
ax_time.plot(sizes, [1e3 * t for t in seconds_forward], "o-", label="forward mode (jvp)")
ax_time.plot(sizes, [1e3 * t for t in seconds_reverse], "s-", label="reverse mode (grad)")
ax_time.set_ylabel("measured time (ms, best of 5)")
for ax in (ax_passes, ax_time):
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("number of inputs n (one output)")
    ax.legend()
ax_passes.set_title("passes needed")
ax_time.set_title("time, measured when the notebook ran")
fig.tight_layout()
plt.show()

# %% [markdown]
# Both axes of each plot are logarithmic. Forward mode needs $n$ passes, each over a graph that itself
# grows with $n$, so its time grows much faster than reverse mode's single pass; at the largest $n$
# it is the slower one (the cell checks that). The times are measured when the notebook runs, so the
# exact milliseconds depend on the machine (and change a little from run to run); the shape of the
# curves is what to look at.

# %% [markdown]
# ## Summary
#
# * An op is its forward and its local derivatives: `Op(name, forward, partials)`. Written with
#   ordinary arithmetic, the same definition serves `backward()`, `grad` of any order and forward
#   mode (`jvp`).
# * `gradcheck` compares the chain rule's answer with central differences and names the input that
#   disagrees.
# * `grad(..., create_graph=True)` differentiates derivatives; a second derivative gives Newton's
#   method its step.
# * Forward mode needs one pass per input, reverse mode one per output: for a loss of many
#   parameters, reverse mode wins (in passes and in measured time), which is why `backward()` is
#   reverse mode.
# * Newton's method only looks for $g'(x) = 0$: depending on the start it can land on a maximum, and
#   the sign of $g''$ tells which; it can also fail to converge (where $g'' = 0$, or with no stationary
#   point at all), so check $g'(x)$ where it stops.
