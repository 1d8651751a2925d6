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
# * what the computation graph of the neuron looks like.
#
# Every number in this notebook is checked with `assert`, so if the library ever computes something
# different, running the notebook fails.

# %%
import math

from micrograd.engine import Value
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
    return 1.0 / (1.0 + math.exp(-t))


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

z = ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2]
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
# This central difference has an error of order $h^2$, so with $h = 10^{-5}$ we expect agreement to
# roughly 9-10 significant digits -- enough to catch any wrong formula.

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
for g_fd, g_engine in zip(grad_fd, grad_engine):
    assert abs(g_fd - g_engine) <= 1e-9 * abs(g_engine) + 1e-12

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
# nodes are the operations that produced them. Read it left to right for the forward pass and right to
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
# ## Summary
#
# * A neuron is a dot product followed by a nonlinearity; writing the bias as a weight on a constant
#   input 1 makes $z = w^\top x$.
# * For $w = [2,-3,1]$, $x = [-1,-2,1]$: $z = 5$, $a = \sigma(5) = 0.99331$,
#   $\sigma'(5) = \sigma(5)(1-\sigma(5)) = 0.0066481$ and
#   $\partial a/\partial w = \sigma'(5)\,x = [-0.00665, -0.01330, 0.00665]$.
# * The hand formula, the engine's reverse-mode pass and central finite differences agree (to $10^{-15}$
#   and $10^{-9}$ respectively). Round only at the end: rounding $a$ first inflates $\sigma'(5)$ by ~5%.
# * The gradient with respect to the *inputs* is $\sigma'(z)\,w$; it is what an earlier layer would
#   receive during backpropagation.
