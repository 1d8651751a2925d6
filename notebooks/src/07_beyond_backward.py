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
#   a function with n inputs and m outputs;
# * and, by doing it: write the local derivative of an op yourself (gradcheck tells you if it is right),
#   and try Newton's method on your own polynomial.

# %%
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
    print(error)
assert caught

# %% [markdown]
# ### Your turn 1 · Write the partials of softplus
#
# $\mathrm{softplus}(a) = \log(1 + e^a)$ is a smooth ReLU (micrograd's BCE uses it). Fill in
# `my_softplus_partials(a, out)`, returning a one-element tuple with $d\,\mathrm{softplus}/da$ (you get the
# input `a` and the forward value `out`; either may be used). **Predict**: what is the derivative at
# $a = 0$, and which function you have met before is it? The checker wraps your partials in an `Op` and
# runs `gradcheck` at three points.

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
# Newton step, for your numbers. **Predict**: starting from $x_0 = 0.1$ with the default coefficients,
# does Newton find a minimum or a maximum of $g$? (Look at the sign of $g''$ where it stops.)

# %%
c4, c2, c1, x_start = 1.0, -3.0, 1.0, 0.1  # change me

x_k = x_start
for _ in range(8):
    v = Value(x_k)
    (d1,) = grad(c4 * v**4 + c2 * v**2 + c1 * v, [v], create_graph=True)
    (d2,) = grad(d1, [v])
    d1_hand, d2_hand = 4 * c4 * x_k**3 + 2 * c2 * x_k + c1, 12 * c4 * x_k**2 + 2 * c2
    assert abs(d1.data - d1_hand) <= 1e-9 * max(1.0, abs(d1_hand)), "g' by hand and by grad disagree"
    assert abs(d2.data - d2_hand) <= 1e-9 * max(1.0, abs(d2_hand)), "g'' by hand and by grad disagree"
    if d2.data == 0:
        print("g''(x) = 0: Newton's step is undefined here; try another start")
        break
    x_k = x_k - d1.data / d2.data
print(f"Newton stops at x = {x_k:.10f}, g''(x) = {12 * c4 * x_k**2 + 2 * c2:.4f}:",
      "a minimum" if 12 * c4 * x_k**2 + 2 * c2 > 0 else "a maximum (or a saddle)")

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


def jacobian_by_forward_mode(n: int, m: int) -> tuple[list[list[float]], int]:
    xs = [Value(0.1 * (i + 1)) for i in range(n)]
    outs = network(xs, m)
    columns, passes = [], 0
    for x in xs:  # one pass per input direction
        columns.append([jvp(out, {x: 1.0}) for out in outs])
        passes += 1
    return [[columns[i][j] for i in range(n)] for j in range(m)], passes


def jacobian_by_reverse_mode(n: int, m: int) -> tuple[list[list[float]], int]:
    xs = [Value(0.1 * (i + 1)) for i in range(n)]
    outs = network(xs, m)
    rows, passes = [], 0
    for out in outs:  # one pass per output
        rows.append([d.data for d in grad(out, xs)])
        passes += 1
    return rows, passes


forward_J, forward_passes = jacobian_by_forward_mode(5, 2)
reverse_J, reverse_passes = jacobian_by_reverse_mode(5, 2)
print(f"5 inputs, 2 outputs: forward mode {forward_passes} passes, reverse mode {reverse_passes} passes")
assert (forward_passes, reverse_passes) == (5, 2)
assert all(abs(a - b) < 1e-12 for ra, rb in zip(forward_J, reverse_J) for a, b in zip(ra, rb))

# %% [markdown]
# (Each `jvp` call above visits one output's graph; a forward pass that carries one tangent to
# every output at once is still one pass per input direction.) A loss is **one output** of very
# many parameters, so reverse mode needs one pass where forward mode would need one per parameter.
# The plot counts the passes and times them as the number of inputs grows, with one output:

# %%
sizes = [1, 2, 4, 8, 16, 32]
passes_forward, passes_reverse, seconds_forward, seconds_reverse = [], [], [], []
for n in sizes:
    t0 = time.perf_counter()
    _, pf = jacobian_by_forward_mode(n, 1)
    t1 = time.perf_counter()
    _, pr = jacobian_by_reverse_mode(n, 1)
    t2 = time.perf_counter()
    passes_forward.append(pf)
    passes_reverse.append(pr)
    seconds_forward.append(t1 - t0)
    seconds_reverse.append(t2 - t1)
assert passes_forward == sizes and passes_reverse == [1] * len(sizes)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(sizes, passes_forward, "o-", label="forward mode (jvp): one pass per input")
ax.plot(sizes, passes_reverse, "s-", label="reverse mode (grad): one pass per output")
ax.set_xlabel("number of inputs n (one output)")
ax.set_ylabel("passes for the full gradient")
ax.set_title("Why training uses reverse mode")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The measured times grow the same way (forward mode's time grows with n, reverse mode's stays
# nearly flat); the exact seconds depend on the machine, so they are not printed here.

# %%
assert seconds_forward[-1] > seconds_reverse[-1]

# %% [markdown]
# ## Summary
#
# * An op is its forward and its local derivatives: `Op(name, forward, partials)`. Written with
#   ordinary arithmetic, the same definition serves `backward()`, `grad` of any order, forward mode,
#   the pictures and compiled mode.
# * `gradcheck` compares the chain rule's answer with central differences and names the input that
#   disagrees.
# * `grad(..., create_graph=True)` differentiates derivatives; a second derivative gives Newton's
#   method its step.
# * Forward mode needs one pass per input, reverse mode one per output: for a loss of many
#   parameters, reverse mode wins, which is why `backward()` is reverse mode.
# * Newton's method only looks for $g'(x) = 0$: depending on the start it can land on a maximum, and
#   the sign of $g''$ tells which.
