# %% [markdown]
# # 03 · A two-layer ReLU network with softmax and cross-entropy
#
# **What you will learn**
#
# * the forward pass of a small classifier: fully connected layer, ReLU, fully connected layer,
#   softmax, cross-entropy;
# * the backward pass written with matrices -- five lines, each one application of the chain rule;
# * why the softmax + cross-entropy pair has the famously simple gradient $\hat y - y$;
# * how the matrix formulas relate to what a *scalar* autograd engine does: we compute every gradient
#   both ways and compare them entry by entry;
# * and, by doing it: write the gradient at the logits (the raw class scores before the softmax)
#   yourself, and change the input in a
#   playground that checks the matrix formulas against the engine for your numbers.
#
# Biases are left out to keep the matrices small (as in the source notes); a bias would simply receive
# the same error vector as its layer's pre-activation, $\partial L/\partial b = \partial L/\partial z$.

# %%
%matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from micrograd.engine import Value
from micrograd.exercises import SOLUTIONS, check_logit_grad, engine_logit_grad, show_answer
from micrograd.losses import cross_entropy
from micrograd.viz.network_picture import draw_network

np.set_printoptions(precision=6, suppress=True)


# %% [markdown]
# ## The network and a single example
#
# | step | forward |
# | :-- | :-- |
# | 1 | $z^{(1)} = W^{(1)} x$ (4 hidden units, 3 inputs) |
# | 2 | $a^{(1)} = \max(0, z^{(1)})$ |
# | 3 | $z^{(2)} = W^{(2)} a^{(1)}$ (3 classes) |
# | 4 | $\hat y = \mathrm{softmax}(z^{(2)})$, $\ \hat y_k = e^{z_k} / \sum_j e^{z_j}$ |
# | 5 | $L = -\sum_k y_k \log \hat y_k$ with a one-hot target $y$ |
#
# Three words used from here on:
#
# * a **logit** is a raw score $z^{(2)}_k$ of class $k$, any real number, before the softmax turns the
#   scores into probabilities;
# * a **one-hot** target for class $c$ is the vector with a 1 at position $c$ and 0 elsewhere (for
#   $c = 1$ of 3 classes: $[0, 1, 0]$); with it, $-\sum_k y_k \log \hat y_k = -\log \hat y_c$;
# * $[k = c]$ (an *indicator*, or Iverson bracket) is 1 if $k = c$ and 0 otherwise; so $y_k = [k = c]$, and
#   $\mathbb{1}(z > 0)$ below is the same idea for "$z > 0$".
#
# The numbers are chosen by hand so that two of the four hidden units are switched off by the ReLU:
# that is where the $\mathbb{1}(z^{(1)} > 0)$ factor of the backward pass becomes visible.

# %%
x = np.array([1.0, -2.0, 0.5])
W1 = np.array(
    [
        [0.2, -0.5, 0.1],
        [0.5, 0.8, -0.4],
        [0.0, 0.25, 0.2],
        [0.7, -0.1, 0.6],
    ]
)
W2 = np.array(
    [
        [0.3, -0.2, 0.5, 0.1],
        [-0.4, 0.6, 0.2, 0.8],
        [0.9, 0.1, -0.3, -0.5],
    ]
)
target = 1  # the correct class
y = np.eye(3)[target]  # one-hot: [0, 1, 0]

# %% [markdown]
# ## Forward pass in numpy

# %%
def softmax(z: np.ndarray) -> np.ndarray:
    # Subtracting the maximum changes nothing mathematically (it cancels in the ratio)
    # but keeps exp() from overflowing for large logits.
    e = np.exp(z - z.max())
    return e / e.sum()


z1 = W1 @ x
a1 = np.maximum(0.0, z1)
z2 = W2 @ a1
y_hat = softmax(z2)
L = -np.sum(y * np.log(y_hat))

print("z1    =", z1)
print("a1    =", a1)
print("z2    =", z2)
print("y_hat =", y_hat)
print(f"L     = {L:.6f}")

assert np.allclose(z1, [1.25, -1.3, -0.4, 1.2])
assert np.allclose(z2, [0.495, 0.46, 0.525])
assert abs(y_hat.sum() - 1.0) < 1e-15
assert abs(L - -math.log(y_hat[target])) < 1e-15

# %% [markdown]
# The network drawn with these numbers: inputs, the four hidden units (with $z^{(1)}$), the three
# logits and their softmax probabilities. Hidden units 1 and 2 have $z^{(1)} \le 0$, so the ReLU outputs 0
# there: they are greyed out, and their edges carry nothing forward -- nor, as we will see, any
# gradient backward.

# %%
off = np.flatnonzero(z1 <= 0)  # the hidden units the ReLU switches off
assert list(off) == [1, 2]
unit_texts = [
    [f"$x_{k}$\n{x[k]:g}" for k in range(3)],
    [f"$z_{j}$\n{z1[j]:.2f}" + ("\noff" if j in off else "") for j in range(4)],
    [f"$\\hat y_{k}$\n{y_hat[k]:.3f}" + ("\ntarget" if k == target else "") for k in range(3)],
]
captions = ["input x", "hidden ReLU units", "softmax outputs"]
draw_network([3, 4, 3], labels=unit_texts, dead={1: off}, layer_names=captions, fontsize=8).figure

# %% [markdown]
# ## Backward pass in matrix form
#
# | step | gradient | why |
# | :-- | :-- | :-- |
# | (5)  | $\partial L/\partial L = 1$ | start of the chain |
# | (4)  | $\partial L/\partial z^{(2)} = \hat y - y$ | softmax and cross-entropy together (derived below) |
# | (3a) | $\partial L/\partial W^{(2)} = (\hat y - y)\, {a^{(1)}}^\top$ | $z^{(2)}_i = \sum_j W^{(2)}_{ij} a^{(1)}_j$, so $\partial z^{(2)}_i / \partial W^{(2)}_{ij} = a^{(1)}_j$: an outer product |
# | (3b) | $\partial L/\partial a^{(1)} = {W^{(2)}}^\top (\hat y - y)$ | each $a^{(1)}_j$ feeds every $z^{(2)}_i$ with weight $W^{(2)}_{ij}$: sum over $i$ |
# | (2)  | $\partial L/\partial z^{(1)} = \partial L/\partial a^{(1)} \odot \mathbb{1}(z^{(1)} > 0)$ | ReLU passes the gradient where it was active and blocks it elsewhere |
# | (1)  | $\partial L/\partial W^{(1)} = \partial L/\partial z^{(1)}\, x^\top$ | same pattern as (3a) |
#
# **Why $\hat y - y$?** With a one-hot target of class $c$, $L = -\log \hat y_c = -z_c + \log\sum_j e^{z_j}$.
# Differentiating, $\partial L/\partial z_k = -[k = c] + e^{z_k}/\sum_j e^{z_j} = \hat y_k - y_k$.
# The softmax's full Jacobian never has to be formed.
#
# From here on, $\delta^{(l)} = \partial L/\partial z^{(l)}$ is the *error* of layer $l$: the gradient of
# the loss at that layer's pre-activation $z^{(l)}$. So $\delta^{(2)} = \hat y - y$ is step (4), and
# $\delta^{(1)} = \partial L/\partial z^{(1)}$ is step (2).

# %%
dz2 = y_hat - y  # (4)
dW2 = np.outer(dz2, a1)  # (3a)
da1 = W2.T @ dz2  # (3b)
dz1 = da1 * (z1 > 0)  # (2)
dW1 = np.outer(dz1, x)  # (1)

for name, g in [("dL/dz2", dz2), ("dL/dW2", dW2), ("dL/da1", da1), ("dL/dz1", dz1), ("dL/dW1", dW1)]:
    print(f"{name} =\n{g + 0.0}\n")  # + 0.0 shows the -0.0 of (negative * 0) as a plain 0

assert abs(dz2.sum()) < 1e-15  # softmax gradients sum to zero: raising every logit equally changes nothing
assert np.all(dW1[z1 <= 0] == 0.0)  # dead hidden units get no weight gradient
assert np.all(dW2[:, z1 <= 0] == 0.0)  # ... and their outgoing weights get none either

# %% [markdown]
# ### The gradients in pictures
#
# Left: the softmax probabilities $\hat y$ next to the one-hot target $y$; their difference is
# $\partial L/\partial z^{(2)}$. The correct class gets a negative gradient (gradient descent raises its
# logit), the other two get positive ones, and the three sum to zero. Middle and right: the weight
# gradients as outer products. Hidden units 1 and 2 had $z^{(1)} \le 0$, so the ReLU blocked them: their
# columns of $\partial L/\partial W^{(2)}$ and their rows of $\partial L/\partial W^{(1)}$ are exactly 0.

# %%
fig, (ax_p, ax_w2, ax_w1) = plt.subplots(
    1, 3, figsize=(9, 3.4), layout="constrained", gridspec_kw={"width_ratios": [1.3, 1.2, 1]}
)
classes = np.arange(3)
ax_p.bar(classes - 0.27, y_hat, width=0.27, label=r"$\hat y$ (softmax)", color="#0072B2")
ax_p.bar(classes, y, width=0.27, label=r"$y$ (target)", color="#999999")
gradient_label = r"$\hat y - y = \partial L/\partial z^{(2)}$"
ax_p.bar(classes + 0.27, dz2, width=0.27, label=gradient_label, color="#D55E00")
ax_p.axhline(0.0, color="black", linewidth=0.8)
ax_p.set_xticks(classes, [f"class {k}" for k in classes])
ax_p.set_ylim(-0.9, 1.95)  # room above the bars for the legend
ax_p.set_yticks([-0.5, 0.0, 0.5, 1.0])
ax_p.set_title("probabilities, target, gradient")
ax_p.legend(loc="upper left")

limit = float(max(np.abs(dW2).max(), np.abs(dW1).max()))
for ax, grad, title, rows, cols in [
    (ax_w2, dW2, r"$\partial L/\partial W^{(2)} = (\hat y - y)\,{a^{(1)}}^\top$", "class", "hidden unit"),
    (ax_w1, dW1, r"$\partial L/\partial W^{(1)} = \delta^{(1)} x^\top$", "hidden unit", "input"),
]:
    image = ax.imshow(grad, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(grad):
        color = "white" if abs(value) > 0.6 * limit else "black"  # legible on the darkest cells
        ax.text(j, i, f"{value + 0.0:.2f}", ha="center", va="center", color=color)
    ax.set_xticks(range(grad.shape[1]))
    ax.set_yticks(range(grad.shape[0]))
    ax.set_xlabel(cols)
    ax.set_ylabel(rows)
    ax.set_title(title)
fig.colorbar(image, ax=[ax_w2, ax_w1], shrink=0.8, label="gradient")
plt.show()

assert np.argmin(dz2) == target and dz2[target] < 0 < dz2[1 - target]

# %% [markdown]
# ## The same network in the scalar engine
#
# The engine knows nothing about matrices. We write every multiply, add, `relu`, `exp`, division and
# `log` out as scalar operations on `Value`s, then call `backward()` once. Every intermediate `Value`
# keeps its gradient, so we can read off $\partial L/\partial z^{(2)}$, $\partial L/\partial a^{(1)}$ and
# $\partial L/\partial z^{(1)}$ too, not only the weight gradients.

# %%
def dot(row: list[Value], vec: list[Value]) -> Value:
    """sum_j row[j] * vec[j], built from elementary * and + nodes."""
    total = row[0] * vec[0]
    for r, v in zip(row[1:], vec[1:]):
        total = total + r * v
    return total


xv = [Value(float(v), label=f"x{j}") for j, v in enumerate(x)]
W1v = [[Value(float(W1[i, j]), label=f"W1[{i},{j}]") for j in range(3)] for i in range(4)]
W2v = [[Value(float(W2[i, j]), label=f"W2[{i},{j}]") for j in range(4)] for i in range(3)]

z1v = [dot(row, xv) for row in W1v]
a1v = [z.relu() for z in z1v]
z2v = [dot(row, a1v) for row in W2v]
shift = max(z.data for z in z2v)  # a constant: the max-shift is not differentiated, exactly as in numpy
exps = [(z - shift).exp() for z in z2v]
total = exps[0] + exps[1] + exps[2]
y_hat_v = [e / total for e in exps]
Lv = -y_hat_v[target].log()  # cross-entropy with a one-hot target keeps one term
Lv.backward()

print(f"engine L = {Lv.data:.6f}   numpy L = {L:.6f}")
assert abs(Lv.data - L) < 1e-15

# %% [markdown]
# ## Entry by entry
#
# Each row below is one number from the matrix formulas next to the gradient the engine found on the
# corresponding `Value`. The engine did not use $\hat y - y$, the transposes or the ReLU mask: it
# multiplied local derivatives of `exp`, `/`, `log`, `*`, `+` and `relu` along every path. The two must
# agree to rounding error.

# %%
pairs = []  # (name, from matrices, from the engine)
pairs += [(f"dL/dz2[{i}]", dz2[i], z2v[i].grad) for i in range(3)]
pairs += [(f"dL/dW2[{i},{j}]", dW2[i, j], W2v[i][j].grad) for i in range(3) for j in range(4)]
pairs += [(f"dL/da1[{j}]", da1[j], a1v[j].grad) for j in range(4)]
pairs += [(f"dL/dz1[{j}]", dz1[j], z1v[j].grad) for j in range(4)]
pairs += [(f"dL/dW1[{i},{j}]", dW1[i, j], W1v[i][j].grad) for i in range(4) for j in range(3)]

print(f"{'entry':<14} {'matrix form':>13} {'engine':>13} {'|difference|':>13}")
worst = 0.0
for name, from_matrix, from_engine in pairs:
    diff = abs(from_matrix - from_engine)
    worst = max(worst, diff)
    print(f"{name:<14} {from_matrix + 0.0:>13.8f} {from_engine + 0.0:>13.8f} {diff:>13.1e}")
    assert diff <= 1e-14, name
print(f"\n{len(pairs)} entries compared; largest difference {worst:.1e}")

# %% [markdown]
# ## The library's `cross_entropy`
#
# In practice you would not spell out the softmax. `micrograd.losses.cross_entropy(logits, target)`
# takes the raw logits $z^{(2)}$ and a class index and builds $\log \sum_k e^{z_k} - z_c$ for you, with
# the log-sum-exp as one numerically stable node (its local derivatives are the softmax
# probabilities). On a fresh copy of the network it gives the same loss and the same gradients.

# %%
xc = [Value(float(v)) for v in x]
W1c = [[Value(float(v)) for v in row] for row in W1]
W2c = [[Value(float(v)) for v in row] for row in W2]
hidden = [dot(row, xc).relu() for row in W1c]
logits = [dot(row, hidden) for row in W2c]
L_lib = cross_entropy(logits, target)
L_lib.backward()

print(f"cross_entropy L = {L_lib.data:.6f}")
print("dL/dz2 from the library graph:", np.array([z.grad for z in logits]) + 0.0)
assert abs(L_lib.data - L) < 1e-15
assert np.allclose([z.grad for z in logits], dz2, rtol=0, atol=1e-15)
assert np.allclose([[w.grad for w in row] for row in W1c], dW1, rtol=0, atol=1e-14)
assert np.allclose([[w.grad for w in row] for row in W2c], dW2, rtol=0, atol=1e-14)

# %% [markdown]
# ## A third opinion: PyTorch
#
# PyTorch's `cross_entropy` takes the raw logits $z^{(2)}$ and applies the softmax itself. In float64 it
# agrees with both computations above.

# %%
x_t = torch.tensor(x, dtype=torch.float64)
W1_t = torch.tensor(W1, dtype=torch.float64, requires_grad=True)
W2_t = torch.tensor(W2, dtype=torch.float64, requires_grad=True)
logits = W2_t @ torch.relu(W1_t @ x_t)
loss_t = torch.nn.functional.cross_entropy(logits.unsqueeze(0), torch.tensor([target]))
loss_t.backward()

print(f"torch L = {loss_t.item():.6f}")
assert abs(loss_t.item() - L) < 1e-14
assert np.allclose(W1_t.grad.numpy(), dW1, rtol=0, atol=1e-14)
assert np.allclose(W2_t.grad.numpy(), dW2, rtol=0, atol=1e-14)

# %% [markdown]
# ## One gradient-descent step lowers the loss
#
# A quick sanity check of the sign convention: moving each weight a little *against* its gradient must
# reduce the loss.

# %%
lr = 0.1
W1_new, W2_new = W1 - lr * dW1, W2 - lr * dW2
L_new = -np.log(softmax(W2_new @ np.maximum(0.0, W1_new @ x))[target])
print(f"loss before {L:.6f}, after one step {L_new:.6f}")
assert L_new < L

# %% [markdown]
# ## Your turn 1 · The gradient at the logits
#
# Write `my_logit_grad(logits, target)`: the list $\partial L/\partial z_k$ for
# $L = -\log \mathrm{softmax}(z)_{\text{target}}$, using only `math` (no `Value`, no numpy). **Predict**
# before you write it: for two equal logits, `logits = [3, 3]`, and `target = 0`, what are the two
# entries? The checker compares your function with `backward()` through `exp`, `/` and `log` on four
# sets of logits: that one, and `[800, 799]`, where a plain `math.exp` overflows (the softmax cell above
# shows the way round it).

# %%
def my_logit_grad(logits: list[float], target: int) -> list[float] | None:
    return None  # your code here


check_logit_grad(my_logit_grad)

# %% [markdown]
# The next cell tests the checker: it must accept the reference answer and reject the classic slip
# $y - \hat y$. The reference answer is a function; to read its code (after you have tried), run
# `import inspect; print(inspect.getsource(SOLUTIONS["logit_grad"]))` in a new cell, or open the source
# of `micrograd.exercises`.

# %%
assert check_logit_grad(SOLUTIONS["logit_grad"]).ok, "the checker rejects the reference answer"
assert not check_logit_grad(lambda z, c: [-g for g in SOLUTIONS["logit_grad"](z, c)]).ok, (
    "the checker accepts y - y_hat, the wrong sign"
)

# %% [markdown]
# **Answer** to the prediction (folded: click to open after you have predicted). It asks the engine, by
# `backward()`, not by the formula.

# %% jupyter={"source_hidden": true}
# How the answer below is computed, by the engine
equal = engine_logit_grad([3.0, 3.0], 0)  # dL/dz by backward(), not by the formula
assert equal == [-0.5, 0.5], f"the engine gives {equal}"  # softmax: 1/2 each; y = [1, 0]: y_hat - y
show_answer(
    f"logits [3, 3], target 0: dL/dz = {equal}\n"
    "Equal logits give equal probabilities, softmax = [1/2, 1/2]; the target is y = [1, 0],\n"
    "so dL/dz = y_hat - y = [1/2 - 1, 1/2 - 0] = [-1/2, 1/2]."
)

# %% [markdown]
# ## Your turn 2 · Playground: your own input
#
# Change the input `x_try` (or the target class) and run. **Predict first**: with `x_try = [1, 2, 0.5]`,
# which hidden units are switched off, and which rows of $\partial L/\partial W^{(1)}$ become zero? The
# cell runs the five matrix lines and the scalar engine on your numbers and checks that every entry
# agrees.

# %%
x_try = np.array([1.0, -2.0, 0.5])  # change me
target_try = 1  # change me: 0, 1 or 2

assert x_try.shape == (3,), f"x_try needs 3 numbers, got {x_try.size}"
assert target_try in (0, 1, 2), f"target_try must be 0, 1 or 2, got {target_try!r}"
z1_t = W1 @ x_try
a1_t = np.maximum(0.0, z1_t)
dz2_t = softmax(W2 @ a1_t) - np.eye(3)[target_try]  # (4)
dz1_t = (W2.T @ dz2_t) * (z1_t > 0)  # (3b) and (2)
dW2_t, dW1_t = np.outer(dz2_t, a1_t), np.outer(dz1_t, x_try)  # (3a) and (1)

x_v = [Value(float(v)) for v in x_try]
W1_v = [[Value(float(v)) for v in row] for row in W1]
W2_v = [[Value(float(v)) for v in row] for row in W2]
loss_v = cross_entropy([dot(row, [dot(r, x_v).relu() for r in W1_v]) for row in W2_v], target_try)
loss_v.backward()

print("hidden units switched off:", [j for j in range(4) if z1_t[j] <= 0])
print("dL/dW1 from the matrices:\n", dW1_t + 0.0)
found = [("dL/dW1", [[w.grad for w in row] for row in W1_v], dW1_t),
         ("dL/dW2", [[w.grad for w in row] for row in W2_v], dW2_t)]
if not all(np.all(np.isfinite(g)) for _, engine, matrix in found for g in (engine, matrix)):
    print("overflow: the numbers are too large for floats (inf or nan appeared); try a smaller x_try")
else:
    for name, engine, matrix in found:
        # Relative to the largest entry: the two sum in different orders, so they differ by rounding,
        # and rounding errors grow with the size of the numbers.
        size = float(np.abs(matrix).max())
        worst = float(np.abs(np.array(engine) - matrix).max())
        assert worst <= 1e-12 * size, (
            f"{name}: the engine and the matrix formulas differ by {worst:.1e} (entries up to {size:.1e})"
        )
    print("all 24 weight gradients agree with the engine")

# %% [markdown]
# ## Summary
#
# * Forward: $z^{(1)} = W^{(1)}x$, $a^{(1)} = \mathrm{ReLU}(z^{(1)})$, $z^{(2)} = W^{(2)}a^{(1)}$,
#   $\hat y = \mathrm{softmax}(z^{(2)})$, $L = -\log \hat y_{\text{target}}$.
# * Backward, in five matrix lines: $\delta^{(2)} = \hat y - y$; $\partial L/\partial W^{(2)} = \delta^{(2)} {a^{(1)}}^\top$;
#   $\partial L/\partial a^{(1)} = {W^{(2)}}^\top \delta^{(2)}$; $\delta^{(1)} = \partial L/\partial a^{(1)} \odot \mathbb{1}(z^{(1)}>0)$;
#   $\partial L/\partial W^{(1)} = \delta^{(1)} x^\top$.
# * Weight gradients are outer products of "error arriving at the layer's output" and "input to the
#   layer"; errors travel backwards through the transposed weights.
# * Units the ReLU switched off get zero gradient, and so do all weights into and out of them.
# * The scalar engine, which only knows local derivatives of `+ * relu exp / log`, reproduces all 35
#   numbers to within $10^{-14}$; so does the library's `cross_entropy`, and PyTorch agrees.
# * A logit is a raw class score; a one-hot target has $y_k = [k = c]$; and $\partial L/\partial z = \hat y - y$
#   is negative only for the correct class and sums to zero.
