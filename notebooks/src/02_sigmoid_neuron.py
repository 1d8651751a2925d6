# %% [markdown]
# # 02 · One sigmoid neuron, differentiated three ways
#
# **What you will learn**
#
# * how a single neuron turns inputs into an activation: a weighted sum $z = w^\top x$ followed by the
#   sigmoid $\sigma(z) = 1/(1+e^{-z})$;
# * why the bias can be treated as "one more weight" whose input is always 1;
# * the identity $\sigma'(z) = \sigma(z)\,(1-\sigma(z))$ and how the chain rule turns it into
#   $\partial a/\partial w = \sigma'(z)\,x$;
# * three independent ways to get that gradient -- by hand, with the `micrograd` engine and with finite
#   differences -- and why they must agree;
# * what the computation graph of the neuron looks like;
# * and, by doing it: predicting the gradient at $z = 0$, seeing the sigmoid saturate, writing
#   $\partial a/\partial w$ yourself, and playing with your own weights and inputs.
#
# Every number in this notebook is checked with `assert`, so if the library ever computes something
# different, running the notebook fails.

# %%
import math
import sys


from micrograd.engine import Value
from micrograd.exercises import SOLUTIONS, check_neuron_grad, show_answer
from micrograd.nn import Neuron
from micrograd.viz.jupyter import graph_picture  # SVG and PNG: shows even in an untrusted notebook


# %% [markdown]
# ## The setup
#
# Three weights and three inputs. The third input is the constant 1, so the third weight plays the role
# of the bias $b$: $w_0 x_0 + w_1 x_1 + w_2 \cdot 1 = w_0 x_0 + w_1 x_1 + b$.
#
# $$w = \begin{bmatrix} 2 \\ -3 \\ 1 \end{bmatrix}, \qquad
#   x = \begin{bmatrix} -1 \\ -2 \\ 1 \end{bmatrix}$$

# %%
w = [2.0, -3.0, 1.0]
x = [-1.0, -2.0, 1.0]  # the last entry is the constant input that multiplies the bias

# %% [markdown]
# ## 1. By hand
#
# **Forward.** $z = (2)(-1) + (-3)(-2) + (1)(1) = -2 + 6 + 1 = 5$, and
# $a = \sigma(5) = 1/(1+e^{-5}) \approx 0.993307$.
#
# **Backward.** The activation depends on $w$ only through $z$, so by the chain rule
#
# $$\frac{\partial a}{\partial w_i} = \frac{\partial a}{\partial z}\,\frac{\partial z}{\partial w_i}
#   = \sigma'(z)\, x_i .$$
#
# The sigmoid's derivative can be written with its own output:
# $\sigma'(z) = \frac{e^{-z}}{(1+e^{-z})^2} = \sigma(z)\,\bigl(1-\sigma(z)\bigr)$.
# That is why backpropagation through a sigmoid needs no extra `exp`: the forward value is enough.

# %%
def sigmoid(t: float) -> float:
    # The same formula rearranged so that exp never sees a large positive argument: for t < -709,
    # math.exp(-t) would overflow. For t < 0, 1/(1 + e^-t) = e^t/(e^t + 1).
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


z_hand = sum(wi * xi for wi, xi in zip(w, x))
a_hand = sigmoid(z_hand)
dsig_hand = a_hand * (1.0 - a_hand)  # sigma'(z) = sigma(z) (1 - sigma(z))
grad_hand = [dsig_hand * xi for xi in x]  # da/dw_i = sigma'(z) x_i

print(f"z          = {z_hand}")
print(f"a          = {a_hand:.6f}")
print(f"sigma'(z)  = {dsig_hand:.7f}")
print("da/dw      =", [round(g, 5) for g in grad_hand])

assert z_hand == 5.0
assert abs(a_hand - 0.99331) < 5e-6
assert abs(dsig_hand - 0.0066481) < 5e-8
assert [round(g, 5) for g in grad_hand] == [-0.00665, -0.0133, 0.00665]

# %% [markdown]
# A warning about rounding. If you round $a$ to $0.993$ *before* computing $a(1-a)$, you get
# $0.993 \times 0.007 = 0.00695$, which is about 5% too large: the factor $1-a = 0.0066929$ is tiny, so
# dropping digits of $a$ destroys most of its precision. Some hand-written notes carry that slip
# forward as $\sigma'(5) \approx 0.0069$. Keep full precision until the end; the true value is
# $\sigma'(5) = 0.0066481$.

# %%
rounded_early = 0.993 * (1 - 0.993)
print(f"rounded early: {rounded_early:.5f}   exact: {dsig_hand:.7f}   "
      f"relative error {abs(rounded_early - dsig_hand) / dsig_hand:.1%}")
assert abs(rounded_early - dsig_hand) / dsig_hand > 0.04  # the early rounding really is ~5% off

# %% [markdown]
# ## 2. With the engine
#
# We build exactly the same expression out of `Value` objects. Each `*` and `+` becomes a node that
# remembers its operands; `sigmoid()` adds the last node. Calling `backward()` on the output walks the
# graph from the output back to the inputs and applies each node's local derivative -- the chain rule,
# one node at a time.

# %%
ws = [Value(wi, label=f"w{i}") for i, wi in enumerate(w)]
xs = [Value(xi, label=f"x{i}") for i, xi in enumerate(x)]

partial = ws[0] * xs[0] + ws[1] * xs[1]
partial.label = "w0*x0+w1*x1"  # too long for a generated name (that would be "v9"), so we label it
z = partial + ws[2] * xs[2]
z.label = "z"
a = z.sigmoid()
a.label = "a"
a.backward()  # seeds da/da = 1 and propagates

grad_engine = [wi.grad for wi in ws]
print(f"a      = {a.data:.6f}")
print(f"da/dz  = {z.grad:.7f}")
print("da/dw  =", [f"{g:.7f}" for g in grad_engine])

assert a.data == a_hand
assert abs(z.grad - dsig_hand) < 1e-15
for g_engine, g_hand in zip(grad_engine, grad_hand):
    assert abs(g_engine - g_hand) < 1e-15

# %% [markdown]
# The engine also filled in $\partial a / \partial x_i = \sigma'(z)\,w_i$: the same chain rule, with the
# roles of weight and input swapped (for a product, the derivative with respect to one factor is the
# other factor). Backpropagation needs these input gradients to pass the error on to earlier layers.

# %%
print("da/dx  =", [f"{xi.grad:.7f}" for xi in xs])
for xi, wi in zip(xs, w):
    assert abs(xi.grad - dsig_hand * wi) < 1e-15

# %% [markdown]
# ## 3. With finite differences
#
# The third witness does not use calculus at all. Nudge one weight by a small $h$ in both directions and
# measure how much the output moves:
#
# $$\frac{\partial a}{\partial w_i} \approx \frac{a(w_i + h) - a(w_i - h)}{2h}.$$
#
# Two errors limit how well this works. The *truncation* error of the central difference is
# $\tfrac{h^2}{6}$ times the third derivative of $a$; with $h = 10^{-5}$ that is below $10^{-12}$ here,
# negligible. The *rounding* error is larger: $a(w_i + h)$ and $a(w_i - h)$ are each stored with a
# relative error of order $\epsilon \approx 2.2 \times 10^{-16}$ (the spacing of floats near 1), their
# difference is divided by $2h$, so the quotient is off by up to about $\epsilon\,|a| / h \approx
# 2 \times 10^{-11}$. Against gradients of size $10^{-2}$ that leaves about 9-10 significant digits --
# enough to catch any wrong formula. (A smaller $h$ would make the rounding worse, a larger one the
# truncation.)

# %%
def neuron_output(weights: list[float]) -> float:
    return sigmoid(sum(wi * xi for wi, xi in zip(weights, x)))


h = 1e-5
grad_fd = []
for i in range(len(w)):
    up = list(w)
    down = list(w)
    up[i] += h
    down[i] -= h
    grad_fd.append((neuron_output(up) - neuron_output(down)) / (2 * h))

print("finite differences:", [f"{g:.7f}" for g in grad_fd])
relative = max(abs(g_fd - g_engine) / abs(g_engine) for g_fd, g_engine in zip(grad_fd, grad_engine))
print(f"largest relative difference from the engine: {relative:.1e}")
assert relative <= 1e-8, "finite differences and the engine disagree"

# %% [markdown]
# ## The three answers side by side

# %%
print(f"{'':>6} {'by hand':>12} {'engine':>12} {'finite diff':>12}")
for i in range(3):
    print(f"{'w' + str(i):>6} {grad_hand[i]:>12.7f} {grad_engine[i]:>12.7f} {grad_fd[i]:>12.7f}")

# %% [markdown]
# ## The computation graph
#
# Each box is a `Value`: its label, its data and (after `backward()`) its gradient. The small round
# nodes are the operations that produced them. The products carry generated names (`w0*x0`), the
# expression that made them (notebook 01 explains these names); the partial sum `w0*x0+w1*x1` and `z`
# are the labels set in the code above. Read it left to right for the forward pass and right to
# left for the backward pass: the gradient arriving at `z` is $\sigma'(5) \approx 0.0066$, and each
# multiplication hands it to its weight scaled by the *other* factor, the input.

# %%
graph_picture(a)

# %% [markdown]
# ## The same neuron from `micrograd.nn`
#
# A `Neuron(2, activation="sigmoid")` holds two weights and a separate bias, and computes the weighted
# sum as one fused `linear` node (one node instead of five, with the same local derivatives:
# $x_i$ for $w_i$, and 1 for $b$). Loading our numbers into it gives the same activation and gradients.

# %%
neuron = Neuron(2, activation="sigmoid", seed=0)
neuron.w[0].data, neuron.w[1].data = w[0], w[1]
neuron.b.data = w[2]  # the bias is the weight of the constant input 1

out = neuron(x[:2])
out.backward()
print(f"a = {out.data:.6f}; grads of w0, w1, b: {[round(p.grad, 7) for p in neuron.parameters()]}")

assert out.data == a_hand
for p, g in zip(neuron.parameters(), grad_engine):
    assert abs(p.grad - g) < 1e-15

# %% [markdown]
# ## Your turn 1 · Predict, then check: the neuron at $z = 0$
#
# The next cell builds the neuron for $x = [-3.5, -2, 1]$ (the first input changed, the same weights)
# and calls `backward()`, without printing anything. **Predict** $z$, $a$ and all three entries of
# $\partial a/\partial w$ (work out $z$ first; what is $\sigma'$ there?), then open the answer below it.
# The cell also defines two helpers used from here on: `output_at(weights, inputs)` is the neuron's
# output, `finite_difference(weights, inputs, i)` the central difference for weight $i$.

# %%
x_new = [-3.5, -2.0, 1.0]
ws_new = [Value(wi) for wi in w]
z_new = ws_new[0] * x_new[0] + ws_new[1] * x_new[1] + ws_new[2] * x_new[2]
a_new = z_new.sigmoid()
a_new.backward()


def output_at(weights: list[float], inputs: list[float]) -> float:
    return sigmoid(sum(wi * xi for wi, xi in zip(weights, inputs)))


def finite_difference(weights: list[float], inputs: list[float], i: int, h: float = 1e-5) -> float:
    up, down = list(weights), list(weights)
    up[i] += h
    down[i] -= h
    return (output_at(up, inputs) - output_at(down, inputs)) / (2 * h)


# %% [markdown]
# **Answer** (folded: click to open after you have predicted). It compares the engine with finite
# differences and with $x_i/4$, and prints $\sigma'$ at a few points.

# %% jupyter={"source_hidden": true}
# How the answer below is computed: z, a and da/dw for x = [-3.5, -2, 1]
lines = [f"z = {z_new.data:g}, a = {a_new.data:g}"]
lines.append(f"{'':>4} {'engine':>9} {'finite diff':>12} {'x_i / 4':>9}")
for i, wi in enumerate(ws_new):
    fd = finite_difference(w, x_new, i)
    lines.append(f"{'w' + str(i):>4} {wi.grad:>9.5f} {fd:>12.5f} {x_new[i] / 4:>9.5f}")
    assert abs(wi.grad - fd) <= 1e-9 * abs(wi.grad), f"w{i}: engine and finite differences disagree"
    assert abs(wi.grad - x_new[i] / 4) < 1e-15, f"w{i}: at z = 0 the gradient should be x_{i} / 4"
assert z_new.data == 0.0 and a_new.data == 0.5, f"z = {z_new.data}, a = {a_new.data}: expected 0 and 0.5"
for z_val in (0.0, 2.0, 5.0):
    s_val = sigmoid(z_val)
    lines.append(f"sigma'({z_val:g}) = {s_val * (1 - s_val):.7f}")
ratio = 0.25 / dsig_hand
lines.append(f"sigma'(0) / sigma'(5) = {ratio:.1f}")
assert 37 < ratio < 39, f"sigma'(0) / sigma'(5) = {ratio}, expected about 38"
show_answer("\n".join(lines))

# %% [markdown]
# <details><summary><b>Why</b> (click to open after the answer)</summary>
#
# At $z = 0$ the sigmoid is at its steepest: $a = \tfrac12$ and $\sigma'(0) = \tfrac12 \cdot \tfrac12 = \tfrac14$,
# so $\partial a/\partial w = x/4$. Compared with $\sigma'(5)$, the same input now moves the output about
# 38 times more.
#
# </details>

# %% [markdown]
# Far from $z = 0$ the opposite happens, **saturation**: once $|z|$ is large the sigmoid is flat,
# $\sigma'(z)$ is tiny, and every gradient that passes through the neuron is multiplied by it. The neuron
# learns slowly, however wrong it is. Since $\sigma' \le \tfrac14$ everywhere, each sigmoid layer
# multiplies the error passing back through it by at most $\tfrac14$, so unless the weights make up for
# it, the error shrinks layer by layer; notebook 04 measures this.
#
# ## Your turn 2 · Write $\partial a / \partial w$ yourself
#
# Fill in `my_dadw(w, x)` so that it returns the list $\partial a/\partial w_i$ for
# $a = \sigma(\sum_i w_i x_i)$, using only `sigmoid` and arithmetic (no `Value`). The checker compares
# your function with `backward()` on three neurons (one of them at $z = 0$) and tells you the first
# entry that differs.

# %%
def my_dadw(w: list[float], x: list[float]) -> list[float] | None:
    return None  # your code here


check_neuron_grad(my_dadw)

# %% [markdown]
# The next cell tests the checker: it must accept the reference answer and reject a wrong one. The
# reference answer is a function, so printing it shows only `<function ...>`; to read its code (after
# you have tried), run `import inspect; print(inspect.getsource(SOLUTIONS["neuron_grad"]))` in a new
# cell, or open the source of `micrograd.exercises`.

# %%
assert check_neuron_grad(SOLUTIONS["neuron_grad"]).ok, "the checker rejects the reference answer"
assert not check_neuron_grad(lambda w, x: [0.25 * xi for xi in x]).ok, (
    "the checker accepts sigma'(0) x for every neuron"
)

# %% [markdown]
# ## Your turn 3 · Playground
#
# Put in any weights and inputs (the same length; keep a last input 1 if you want a bias) and run.
# The cell checks the hand formula $\sigma'(z)\,x$ against the engine and finite differences for your
# numbers. Try a large $z$ (say $w = [3, 3, 3]$, $x = [1, 1, 1]$, so $z = 9$): how small do the
# gradients get? And a large negative one, $w = [-3, -3, -3]$?
#
# Floating point sets a limit here. A float near 1 is resolved only to about $10^{-16}$, and for large $z$,
# $1 - \sigma(z) \approx e^{-z}$: about $2 \times 10^{-9}$ at $z = 20$, so $a(1-a)$ keeps only about 7 of
# its 16 digits there, and 3 at $z = 30$; from $z \approx 37$ on, $a$ rounds to exactly 1 and the
# computed gradient to exactly 0. Finite differences give up even earlier: their rounding error,
# $\epsilon\,|a|/h \approx 2 \times 10^{-11}$, is as large as the whole gradient by $z \approx 24$. So when
# the gradient is too small for finite differences to confirm it to three digits -- for inputs of size
# 1, from about $z = 17$ on -- the cell prints why and skips that comparison (the hand formula is still
# checked against the engine), rather than let it pass unchecked.
#
# For negative $z$ the problem is much smaller: $a$ itself is small, and small floats are stored to full
# relative precision -- down to about $10^{-308}$ ($z \approx -708$). Below that, floats thin out (the
# cell may skip finite differences again), and below about $z = -745$, $\sigma(z) \approx e^z$ is smaller
# than the smallest positive float, $5 \times 10^{-324}$: $\sigma(z)$ and $\sigma'(z)$ *underflow* to
# exactly 0, and so does every gradient. Try $w = [-300, -300, -300]$ with
# $x = [1, 1, 1]$ ($z = -900$): the cell says when that happened.

# %%
w_play = [2.0, -3.0, 1.0]  # change me
x_play = [-1.0, -2.0, 1.0]  # change me

assert len(w_play) == len(x_play), "w_play and x_play need the same length"
ws_play = [Value(wi) for wi in w_play]
z_play = ws_play[0] * x_play[0]
for wi, xi in zip(ws_play[1:], x_play[1:]):
    z_play = z_play + wi * xi
z_play.sigmoid().backward()
a_play = sigmoid(z_play.data)
hand_play = [a_play * (1 - a_play) * xi for xi in x_play]  # sigma'(z) x_i
# math.ulp(a) is the spacing of the floats next to a (about epsilon * a): the rounding error of a stored a.
fd_noise = 4 * math.ulp(a_play) / (2 * h)  # bound on the rounding error of the finite difference
print(f"z = {z_play.data:g}, sigma'(z) = {a_play * (1 - a_play):.3e}")
if a_play * (1 - a_play) == 0.0:
    why = "underflowed to 0 (z < -745)" if z_play.data < 0 else "is 0 because sigma(z) rounded to exactly 1"
    print(f"note: sigma'(z) {why}, so every gradient is exactly 0; finite differences are skipped")
for i, wi in enumerate(ws_play):
    fd = finite_difference(w_play, x_play, i)
    print(f"w{i}: hand {hand_play[i]: .6e}   engine {wi.grad: .6e}   finite diff {fd: .6e}")
    # relative, plus the smallest normal float: below it (about 2e-308) floats lose relative precision
    assert abs(hand_play[i] - wi.grad) <= 1e-12 * abs(wi.grad) + sys.float_info.min, (
        f"w{i}: hand formula and engine disagree"
    )
    if x_play[i] != 0 and abs(wi.grad) < 1000 * fd_noise:
        if wi.grad != 0:
            print(f"    w{i}: finite differences skipped: the gradient {wi.grad:.3e} is too small for them "
                  f"to confirm with h = {h:g} (their rounding error is about {fd_noise:.0e}); the sigmoid "
                  f"is too flat at z = {z_play.data:g}, or x{i} is too close to 0. Try a z closer to 0.")
        continue
    assert abs(fd - wi.grad) <= 1e-6 * abs(wi.grad) + fd_noise, f"w{i}: finite differences and engine disagree"

# %% [markdown]
# ## Summary
#
# * A neuron is a dot product followed by a nonlinearity; writing the bias as a weight on a constant
#   input 1 makes $z = w^\top x$.
# * For $w = [2,-3,1]$, $x = [-1,-2,1]$: $z = 5$, $a = \sigma(5) = 0.99331$,
#   $\sigma'(5) = \sigma(5)(1-\sigma(5)) = 0.0066481$ and
#   $\partial a/\partial w = \sigma'(5)\,x = [-0.00665, -0.01330, 0.00665]$.
# * The hand formula, the engine's reverse-mode pass and central finite differences agree (to $10^{-15}$
#   and $10^{-9}$ respectively; the finite differences are limited by rounding, about $\epsilon/h$, not by
#   their $h^2$ truncation error). Round only at the end: rounding $a$ first inflates $\sigma'(5)$ by ~5%.
# * For large $z$ the sigmoid saturates: $\sigma'(z)$ becomes tiny, $a(1-a)$ loses digits, and beyond
#   $z \approx 37$ the computed gradient is exactly 0; for $z$ below about $-745$, $\sigma'(z)$ underflows
#   to 0.
# * The gradient with respect to the *inputs* is $\sigma'(z)\,w$; it is what an earlier layer would
#   receive during backpropagation.
# * The gradient is largest at $z = 0$, where the sigmoid is steepest (Your turn 1 computes it); at
#   $z = 5$ it is dozens of times smaller: a saturated sigmoid barely learns.
