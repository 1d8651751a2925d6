# %% [markdown]
# # 04 · The four equations of backpropagation
#
# **What you will learn**
#
# * the four equations that make backpropagation a short loop for a network of sigmoid layers trained
#   with the quadratic cost $C = \tfrac12 \lVert a^L - y \rVert^2$;
# * what the "error" $\delta^l = \partial C / \partial z^l$ of a layer is, and that a scalar autograd
#   engine computes exactly the same numbers (they are the gradients it stores on the $z$ nodes);
# * the fully connected layer as a matrix multiply $z = W a + b$, and its three gradients;
# * where the four equations come from: the chain rule, summed over every path (which is why a
#   transpose appears), with a picture of the errors flowing back;
# * how many parameters the 784-16-16-10 digit network of the source notes has, counted by the library;
# * and, by doing it: write BP1 yourself, count parameters, and check BP1-BP4 on your own network,
#   including what larger weights do to the errors (saturation).
#
# Notation: layer $l$ computes $z^l = w^l a^{l-1} + b^l$ and $a^l = \sigma(z^l)$; $w^l_{jk}$ connects
# unit $k$ of layer $l-1$ to unit $j$ of layer $l$; $L$ is the last layer; $\odot$ is element-wise
# multiplication.
#
# We first look at one fully connected layer, then derive the four equations from the chain rule on a
# 4-3-3-2 network, and only then write them down and check them against the engine.

# %%
%matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from micrograd.engine import Value
from micrograd.exercises import SOLUTIONS, check_output_error, check_parameter_count, show_answer
from micrograd.nn import MLP, Layer
from micrograd.viz import draw_dot
from micrograd.viz.jupyter import graph_picture  # SVG and PNG: shows even in an untrusted notebook
from micrograd.viz.network_picture import draw_network

np.set_printoptions(precision=6, suppress=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    # exp(-|z|) never overflows. For z >= 0 this is 1/(1 + e^-z); for z < 0 the same value is written
    # e^z/(1 + e^z), because e^-z would overflow for z < -709 (as in notebook 02).
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1.0 - s)


# %% [markdown]
# ## First: the fully connected layer is a matrix multiply
#
# A layer of $m$ neurons reading the same $n$ inputs computes $z_j = \sum_k W_{jk} a_k + b_j$ for every
# $j$ -- all at once, $z = W a + b$. ($W$ is the $m \times n$ weight matrix of one layer: the $w^l$ of the
# notation above, written without the layer index while we look at a single layer.) If the rest of the network hands back $g = \partial C/\partial z$, the
# chain rule gives three gradients:
#
# $$\frac{\partial C}{\partial W} = g\, a^\top \quad (m \times n), \qquad
#   \frac{\partial C}{\partial b} = g, \qquad
#   \frac{\partial C}{\partial a} = W^\top g \quad (\text{passed on to the previous layer}).$$
#
# The first is what we need to update the weights; the last is what lets backpropagation continue.
# To check them with the engine we make a scalar whose gradient with respect to $z$ is exactly $g$:
# $s = \sum_j g_j z_j$.

# %%
layer = Layer(3, 2, activation=None, seed=7)  # 3 inputs, 2 outputs, no activation: z = W a + b
for j, neuron in enumerate(layer.neurons):
    neuron.b.data = [0.1, -0.2][j]
W = np.array([[wk.data for wk in n.w] for n in layer.neurons])
bias = np.array([n.b.data for n in layer.neurons])

a_in = np.array([1.0, -0.5, 2.0])
g = np.array([0.3, -1.2])  # pretend upstream gradient dC/dz

a_values = [Value(float(v)) for v in a_in]
z = layer(a_values)
s = sum((float(gj) * zj for gj, zj in zip(g, z)), Value(0.0))
s.backward()

print(f"W =\n{W}")
print("z = W a + b =", W @ a_in + bias, "  engine:", np.array([zj.data for zj in z]))
assert np.allclose([zj.data for zj in z], W @ a_in + bias, rtol=0, atol=1e-15)

dW_engine = np.array([[wk.grad for wk in n.w] for n in layer.neurons])
db_engine = np.array([n.b.grad for n in layer.neurons])
da_engine = np.array([v.grad for v in a_values])
print(f"dC/dW = g a^T =\n{np.outer(g, a_in)}")
print("dC/db = g     =", g)
print("dC/da = W^T g =", W.T @ g)

assert np.allclose(dW_engine, np.outer(g, a_in), rtol=0, atol=1e-15)
assert np.allclose(db_engine, g, rtol=0, atol=1e-15)
assert np.allclose(da_engine, W.T @ g, rtol=0, atol=1e-15)

# %% [markdown]
# ## A 4-3-3-2 network
#
# Four inputs, two hidden layers of three sigmoid units, two sigmoid outputs. Weights and biases are
# drawn from a seeded generator so the notebook gives the same numbers every time.

# %%
sizes = [4, 3, 3, 2]
rng = np.random.default_rng(2024)
weights = [rng.normal(0.0, 1.0, size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
biases = [rng.normal(0.0, 0.5, size=n_out) for n_out in sizes[1:]]
x = np.array([0.5, -1.0, 2.0, 0.25])
y = np.array([1.0, 0.0])

for l, (w, b) in enumerate(zip(weights, biases), start=1):
    print(f"layer {l}: w{l} has shape {w.shape}, b{l} has shape {b.shape}")

# %% [markdown]
# ## Deriving the four equations
#
# Define the *error* of unit $j$ in layer $l$ as $\delta^l_j = \partial C/\partial z^l_j$: how much the cost
# changes when that unit's weighted input changes. Everything else follows from the chain rule.
#
# **BP1 (output layer).** $z^L_j$ affects $C$ only through $a^L_j = \sigma(z^L_j)$, one path:
#
# $$\delta^L_j = \frac{\partial C}{\partial a^L_j}\,\frac{\partial a^L_j}{\partial z^L_j}
#   = \frac{\partial C}{\partial a^L_j}\,\sigma'(z^L_j), \qquad\text{for } C = \tfrac12\lVert a^L - y\rVert^2:\
#   \frac{\partial C}{\partial a^L_j} = a^L_j - y_j .$$
#
# **BP2 (one layer back).** $z^l_k$ affects $C$ through $a^l_k$, and $a^l_k$ feeds *every* unit $j$ of
# the next layer, with weight $w^{l+1}_{jk}$ (since $z^{l+1}_j = \sum_k w^{l+1}_{jk} a^l_k + b^{l+1}_j$). The
# chain rule adds up one term per path:
#
# $$\delta^l_k = \sum_j \frac{\partial C}{\partial z^{l+1}_j}\,\frac{\partial z^{l+1}_j}{\partial a^l_k}\,
#   \frac{\partial a^l_k}{\partial z^l_k} = \Bigl(\sum_j w^{l+1}_{jk}\,\delta^{l+1}_j\Bigr)\,\sigma'(z^l_k).$$
#
# The sum runs over the *first* index of $w^{l+1}_{jk}$, down column $k$ of the matrix $w^{l+1}$: that is
# row $k$ of its transpose, so all $k$ at once read $\bigl((w^{l+1})^\top \delta^{l+1}\bigr) \odot \sigma'(z^l)$.
# The forward pass multiplies by $w$ (rows: "which inputs does unit $j$ read?"); the backward pass
# multiplies by $w^\top$ (columns: "which units did input $k$ feed?").
#
# **BP3 and BP4 (parameters).** $z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$, so $\partial z^l_j/\partial b^l_j = 1$
# and $\partial z^l_j/\partial w^l_{jk} = a^{l-1}_k$, one path each: $\partial C/\partial b^l_j = \delta^l_j$
# and $\partial C/\partial w^l_{jk} = a^{l-1}_k\,\delta^l_j$ (for the layer at once, $\delta^l (a^{l-1})^\top$).
#
# The picture shows BP2 for unit $k = 0$ of layer 2: the errors of both output units (layer 3) flow back
# along the two weights that leave it (red), and are summed there; the numpy section below checks
# this sum of paths against BP2 in numbers.

# %%
unit_texts = [[f"$x_{j}$" if l == 0 else f"$\\delta^{l}_{j}$" for j in range(n)] for l, n in enumerate(sizes)]
paths = {(2, 0, j): f"$w^3_{{{j}0}}\\delta^3_{j}$" for j in range(2)}  # unit 0 of layer 2 <- output unit j
bp2 = r"BP2 for one unit: $\delta^2_0 = (w^3_{00}\delta^3_0 + w^3_{10}\delta^3_1)\,\sigma'(z^2_0)$"
captions = ["x", "layer 1", "layer 2", "layer 3 (output)"]
draw_network(sizes, labels=unit_texts, layer_names=captions, arrows="backward", highlight=paths, title=bp2,
             radius=0.28).figure

# %% [markdown]
# With the conventions fixed, the four equations are:
#
# | | equation | in words |
# | :-- | :-- | :-- |
# | BP1 | $\delta^L = \nabla_a C \odot \sigma'(z^L)$ | error at the output: how the cost reacts to the output, times how the output reacts to $z$ |
# | BP2 | $\delta^l = \bigl((w^{l+1})^\top \delta^{l+1}\bigr) \odot \sigma'(z^l)$ | errors travel backwards through the transposed weights, then through the activation |
# | BP3 | $\partial C / \partial b^l_j = \delta^l_j$ | a bias sees the error of its unit directly |
# | BP4 | $\partial C / \partial w^l_{jk} = a^{l-1}_k\, \delta^l_j$ | a weight's gradient is "input activation times output error" |
#
#
# **How this differs from the source notes.** The notes use the cost $\sum_j (a_j - y_j)^2$ without the
# $\tfrac12$, so their $\nabla_a C$ is really $2(a - y)$ where they write $(a - y)$; here the $\tfrac12$ makes
# it exactly $a - y$. The notes number the input as layer 1 and compute layers $2, \dots, L$; here the
# input is $a^0 = x$ and the layers are $1, 2, 3$. And in their derivation for a weight one layer back,
# the term $\delta^L \cdot w^l \cdot \sigma'(z^{l-1})$ is called "$\delta^l$" although it is
# $\delta^{l-1}$, and the transpose is missing: it should read $\bigl((w^l)^\top \delta^l\bigr) \odot \sigma'(z^{l-1})$.
# Their final $\partial C/\partial w^{l-1} = \delta^{l-1} a^{l-2}$ lacks a transpose too: for the whole
# matrix it is the outer product $\delta^{l-1} (a^{l-2})^\top$, as in BP4.

# %% [markdown]
# ## Your turn 1 · Write BP1
#
# Fill in `my_output_error(z, y)`: the output error $\delta^L = \partial C/\partial z^L$ for sigmoid
# outputs $a^L = \sigma(z^L)$ and the cost $C = \tfrac12 \lVert a^L - y \rVert^2$, as a list (plain Python
# and `math` are enough). The derivation above gives the formula; turning it into code is the exercise
# (the numpy section further down writes it out in code, so try this first). The checker builds the
# same cost from `Value`s, calls `backward()` and compares.
# **Predict** first: if one output is already exactly right ($a_j = y_j$), what is its $\delta_j$?

# %%
import math


def my_output_error(z: list[float], y: list[float]) -> list[float] | None:
    return None  # your code here


check_output_error(my_output_error)

# %% [markdown]
# The next cell tests the checker: it must accept the reference answer and reject the common slip of
# forgetting $\sigma'(z)$. The reference answer is a function; to read its code (after you have tried),
# run `import inspect; print(inspect.getsource(SOLUTIONS["output_error"]))` in a new cell, or open the
# source of `micrograd.exercises`.

# %%
assert check_output_error(SOLUTIONS["output_error"]).ok, "the checker rejects the reference answer"
assert not check_output_error(lambda z, y: [1 / (1 + math.exp(-zj)) - yj for zj, yj in zip(z, y)]).ok, (
    "the checker accepts a - y, which forgets sigma'(z)"
)

# %% [markdown]
# ## The same network in the engine
#
# First the engine, which knows nothing of BP1-BP4. An `MLP(4, [3, 3, 2])` -- a *multi-layer
# perceptron*: fully connected layers in a row, here reading 4 inputs, with layers of 3, 3 and 2 units --
# with sigmoid activations has exactly this shape. We copy the numpy weights into its neurons (neuron
# $j$ of layer $l$ holds row $j$ of $w^l$ and the bias $b^l_j$), run the forward pass, build the cost out
# of `Value`s and call `backward()`.
#
# Each neuron computes its weighted sum as one `linear` node and feeds it to a `sigmoid` node, so the
# parent of each output `Value` *is* that unit's $z$. After `backward()` its `.grad` is
# $\partial C/\partial z = \delta$: the engine never uses the four equations, yet stores their answers.

# %%
def mlp_with(weights: list[np.ndarray], biases: list[np.ndarray]) -> MLP:
    """A sigmoid MLP whose layer l, neuron j has the weights weights[l][j] and the bias biases[l][j]."""
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    net = MLP(sizes[0], sizes[1:], activation="sigmoid", final_activation="sigmoid", seed=0)
    for layer, w, b in zip(net.layers, weights, biases):
        for j, neuron in enumerate(layer.neurons):
            for k, wk in enumerate(neuron.w):
                wk.data = float(w[j, k])
            neuron.b.data = float(b[j])
    return net


model = mlp_with(weights, biases)  # the same numbers as the numpy version above

h = [Value(float(v)) for v in x]
z_nodes = []  # z_nodes[l][j] is the Value holding z^l_j
for layer in model.layers:
    h = layer(h)
    z_nodes.append([a.parents[0] for a in h])  # sigmoid's only parent is its input z
C = 0.5 * sum(((a - float(t)) ** 2 for a, t in zip(h, y)), Value(0.0))
C.backward()

print(f"engine C = {C.data:.6f}")

# %% [markdown]
# ## The four equations in numpy
#
# Now the four equations themselves (the code answers Your turn 1). The forward pass keeps every $z^l$
# and $a^l$; the backward pass is BP1 once and BP2 in a loop, and BP3/BP4 read the gradients off the
# errors.

# %%
def backprop(weights, biases, x, y):
    """Return (cost, deltas, bias gradients, weight gradients) for one example."""
    activations = [x]  # a^0 = x
    zs = []
    for w, b in zip(weights, biases):
        zs.append(w @ activations[-1] + b)  # z^l = w^l a^{l-1} + b^l
        activations.append(sigmoid(zs[-1]))  # a^l = sigma(z^l)
    cost = 0.5 * np.sum((activations[-1] - y) ** 2)

    deltas = [None] * len(weights)
    deltas[-1] = (activations[-1] - y) * sigmoid_prime(zs[-1])  # BP1
    for l in range(len(weights) - 2, -1, -1):
        deltas[l] = (weights[l + 1].T @ deltas[l + 1]) * sigmoid_prime(zs[l])  # BP2
    grad_b = list(deltas)  # BP3
    grad_w = [np.outer(d, a) for d, a in zip(deltas, activations[:-1])]  # BP4: delta^l (a^{l-1})^T
    return cost, deltas, grad_b, grad_w


cost, deltas, grad_b, grad_w = backprop(weights, biases, x, y)
print(f"numpy C = {cost:.6f}   engine C = {C.data:.6f}")
assert abs(C.data - cost) < 1e-14, "numpy and the engine compute different costs"
for l, d in enumerate(deltas, start=1):
    print(f"delta^{l} = {d}")
print(f"dC/dw^3 =\n{grad_w[2]}")

# BP2 for unit 0 of layer 2, written as the sum over the two paths of the picture:
zs_check = [weights[0] @ x + biases[0]]
zs_check.append(weights[1] @ sigmoid(zs_check[0]) + biases[1])
path_sum = sum(weights[2][j, 0] * deltas[2][j] for j in range(2)) * sigmoid_prime(zs_check[1][0])
print(f"sum over paths: {path_sum:.10f}   BP2: {deltas[1][0]:.10f}")
assert abs(path_sum - deltas[1][0]) < 1e-15

# %% [markdown]
# ### Checking all four equations against the engine

# %%
tol = 1e-14
rows = []
for l, layer in enumerate(model.layers):
    delta_engine = np.array([z.grad for z in z_nodes[l]])
    gb_engine = np.array([n.b.grad for n in layer.neurons])
    gw_engine = np.array([[wk.grad for wk in n.w] for n in layer.neurons])
    checks = [
        ("delta (BP1)" if l == len(model.layers) - 1 else "delta (BP2)", deltas[l], delta_engine),
        ("dC/db (BP3)", grad_b[l], gb_engine),
        ("dC/dw (BP4)", grad_w[l], gw_engine),
    ]
    for what, ours, engine in checks:
        diff = float(np.max(np.abs(ours - engine)))
        rows.append((l + 1, what, ours.size, diff))
        assert ours.shape == engine.shape
        assert diff <= tol, (l + 1, what, diff)

print(f"{'layer':>5}  {'quantity':<12} {'entries':>7}  {'max |numpy - engine|':>20}")
for layer_no, what, size, diff in rows:
    print(f"{layer_no:>5}  {what:<12} {size:>7}  {diff:>20.1e}")
n_params = len(model.parameters())
assert sum(size for _, what, size, _ in rows if not what.startswith("delta")) == n_params == 35
print(f"\nall {n_params} parameter gradients and all {sum(sizes[1:])} deltas agree")

# %% [markdown]
# ### The network as a graph
#
# `draw_dot(..., collapse=model)` draws each neuron as one box `sigmoid(b + w.x)` (its weights and bias
# are inside it), so the graph has the shape of the network: four inputs, two layers of three units, two
# outputs, then the cost. We label the unit outputs `a1_0`, ..., `a3_1` (box `a3_0` is $a^3_0$) and the
# targets `y0`, `y1`, and draw the cost without the `+ 0` that `sum` starts with. The boxes in between get
# generated names such as `(a3_0-y0)**2`; the sum of the two squares is too long a name for a box, and
# the constant $\tfrac12$ has none, so they get `v` names (as notebook 01 explains).
#
# The `grad` in a unit's box is $\partial C/\partial a$, the gradient at the unit's *output*. The
# error $\delta = \partial C/\partial z$ is one step further back, through the sigmoid:
# $\delta = \partial C/\partial a \cdot \sigma'(z) = \partial C/\partial a \cdot a(1-a)$.
# For `a3_0`: $-0.5401 \cdot 0.4599 \cdot 0.5401 = -0.1342 = \delta^3_0$ (BP1).

# %%
units = [Value(float(v), label=f"x{k}") for k, v in enumerate(x)]
for l, layer in enumerate(model.layers, start=1):
    units = layer(units)
    for j, a in enumerate(units):
        a.label = f"a{l}_{j}"
targets = [Value(float(t), label=f"y{j}") for j, t in enumerate(y)]
C_drawn = 0.5 * ((units[0] - targets[0]) ** 2 + (units[1] - targets[1]) ** 2)
C_drawn.label = "C"
model.zero_grad()  # the checks above are done; this backward() fills the same gradients again
C_drawn.backward()
assert abs(C_drawn.data - cost) < 1e-14
for a, delta in zip(units, deltas[-1]):
    assert abs(a.grad * a.data * (1.0 - a.data) - delta) < 1e-15  # delta = dC/da * sigma'(z)

network = draw_dot(C_drawn, collapse=model, rankdir="TB")
network.graph_attr["ordering"] = "in"  # inputs and units left to right in index order
graph_picture(network)

# %% [markdown]
# ### Why deep sigmoid networks learn slowly
#
# BP2 multiplies by $\sigma'(z^l)$ at every layer, and $\sigma'(z) = \sigma(z)(1-\sigma(z)) \le 1/4$.
# So the error tends to shrink on its way back to the first layer -- the *vanishing gradient*. Larger
# weights rarely help: BP2 also multiplies by $(w^{l+1})^\top$, but large weights make the $z^l$ large
# too, pushing them into the flat parts of the sigmoid, where $\sigma'$ is far below $1/4$ (the
# playground at the end measures this). Even in this shallow network the norms of the errors show the
# trend:

# %%
norms = [float(np.linalg.norm(d)) for d in deltas]
for l, n in enumerate(norms, start=1):
    print(f"|delta^{l}| = {n:.6f}")
assert norms[0] < norms[1] < norms[2]  # smaller the further back from the output
assert float(np.max(sigmoid_prime(np.linspace(-10, 10, 2001)))) == 0.25  # the bound, attained at z = 0

# %% [markdown]
# Left: the size of each layer's error. Right: the sigmoid's slope $\sigma'(z)$, with each unit's $z^l_j$
# marked on it. No unit gets a factor above $1/4$, and every step back through BP2 multiplies by one.

# %%
zs_by_layer = []
a_prev = x
for w, b in zip(weights, biases):
    zs_by_layer.append(w @ a_prev + b)
    a_prev = sigmoid(zs_by_layer[-1])

fig, (ax_n, ax_s) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
colors = ["#0072B2", "#009E73", "#D55E00"]
ax_n.bar([f"layer {l}" for l in range(1, 4)], norms, color=colors)
for l, n in enumerate(norms):
    ax_n.text(l, n, f"{n:.4f}", ha="center", va="bottom")
ax_n.set_ylabel(r"$\|\delta^l\|$")
ax_n.set_ylim(0, 1.15 * max(norms))
ax_n.set_title("from layer 3 back to layer 1 the error shrinks", fontsize=10)

grid = np.linspace(-6, 6, 241)
ax_s.plot(grid, sigmoid_prime(grid), color="black", linewidth=1)
ax_s.axhline(0.25, color="gray", linestyle=":", linewidth=1)
for l, z_l in enumerate(zs_by_layer):
    ax_s.scatter(z_l, sigmoid_prime(z_l), color=colors[l], s=40, zorder=3, label=f"layer {l + 1}")
ax_s.set_xlabel("z")
ax_s.set_ylabel(r"$\sigma'(z)$")
ax_s.set_title(r"$\sigma'(z) \leq 1/4$: each unit's factor in BP1/BP2", fontsize=10)
ax_s.legend()
plt.show()

for z_l, nodes in zip(zs_by_layer, z_nodes):  # the same z as the engine's nodes
    assert np.allclose(z_l, [z.data for z in nodes], rtol=0, atol=1e-15)

# %% [markdown]
# ## Training with the four equations and with the engine, side by side
#
# A few steps of gradient descent on this one example, once with the numpy `backprop` above and once
# with the engine's `backward()`. The two sets of parameters must stay equal (up to rounding) and the
# cost must go down.

# %%
lr = 0.5
np_w = [w.copy() for w in weights]
np_b = [b.copy() for b in biases]
xs = [Value(float(v)) for v in x]
costs = []
for step in range(15):
    c_np, _, gb, gw = backprop(np_w, np_b, x, y)
    for l in range(len(np_w)):
        np_w[l] -= lr * gw[l]
        np_b[l] -= lr * gb[l]

    out = model(xs)
    c_engine = 0.5 * sum(((a - float(t)) ** 2 for a, t in zip(out, y)), Value(0.0))
    model.zero_grad()
    c_engine.backward()
    for p in model.parameters():
        p.data -= lr * p.grad

    assert abs(c_engine.data - c_np) < 1e-12
    costs.append(c_np)

print("cost:", " ".join(f"{c:.4f}" for c in costs))
assert all(b < a for a, b in zip(costs, costs[1:]))
for layer, w, b in zip(model.layers, np_w, np_b):
    engine_w = np.array([[wk.data for wk in n.w] for n in layer.neurons])
    engine_b = np.array([n.b.data for n in layer.neurons])
    assert np.allclose(engine_w, w, rtol=0, atol=1e-12) and np.allclose(engine_b, b, rtol=0, atol=1e-12)

# %% [markdown]
# ## Your turn 2 · How big is the digit network?
#
# The source notes' network reads a $28 \times 28$ image (784 pixel values), has two hidden layers of 16
# units and 10 outputs, one per digit: 784-16-16-10. Its cost is the quadratic cost averaged over all
# $m$ training images, $C = \frac1m \sum_{i=1}^m C_i$, so its gradient is the average of the per-image
# gradients that BP1-BP4 compute; the notes call the parameter count "13k". **Count them exactly by
# hand** (each layer: a weight per input per unit, plus one bias per unit) and put your number in place of
# `None`; the checker asks the library, `len(MLP(784, [16, 16, 10]).parameters())`.

# %%
my_count = None  # your answer
check_parameter_count(my_count)

# %%
assert check_parameter_count(SOLUTIONS["parameter_count"]).ok
assert not check_parameter_count(13_000).ok  # "13k" is a rounded count
digit_net = MLP(784, [16, 16, 10], seed=0)  # the library's count, layer by layer (not printed: try first)
per_layer = [sum(len(n.parameters()) for n in layer.neurons) for layer in digit_net.layers]
assert sum(per_layer) == len(digit_net.parameters()) == SOLUTIONS["parameter_count"]

# %% [markdown]
# The gradient of $C$ is a vector with one entry per parameter, so "the direction of steepest descent"
# for this network lives in a space of that many dimensions.
#
# ## Your turn 3 · Playground: BP1-BP4 on your own network
#
# Change the sizes, the seed, the weight scale, the input or the target and run: the four equations in
# numpy and the engine's `backward()` must agree on every error and every gradient, whatever you
# choose. `x_play` and `y_play` are `None` (drawn from the seed) or a list of numbers: `sizes_play[0]`
# of them for the input, `sizes_play[-1]` for the target (values between 0 and 1, which a sigmoid can
# reach). The weights are drawn from the seed and multiplied by `scale`.
#
# **Predict**: with seed 1, is $\lVert\delta^1\rVert$, the error of the first layer, larger or smaller at
# `scale = 5` than at `scale = 1`? Try both; the answer after the playground is folded.

# %%
def play_network(sizes, seed, scale, x=None, y=None):
    """Weights, biases, input and target for the playground, drawn from ``seed`` (x, y unless given)."""
    rng = np.random.default_rng(seed)
    x_drawn, y_drawn = rng.normal(size=sizes[0]), rng.uniform(size=sizes[-1])
    w = [scale * rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=o) for o in sizes[1:]]
    x = x_drawn if x is None else np.array(x, dtype=float)
    y = y_drawn if y is None else np.array(y, dtype=float)
    assert x.shape == (sizes[0],), f"the input needs {sizes[0]} numbers (sizes[0]), got {x.size}"
    assert y.shape == (sizes[-1],), f"the target needs {sizes[-1]} numbers (sizes[-1]), got {y.size}"
    return w, b, x, y


# %%
sizes_play = [4, 3, 3, 2]  # change me
seed_play, scale = 1, 1.0  # change me
x_play = None  # change me: None (drawn from the seed) or e.g. [1.0, -0.5, 2.0, 0.0]
y_play = None  # change me: None (drawn from the seed) or e.g. [1.0, 0.0]

w_play, b_play, x_play, y_play = play_network(sizes_play, seed_play, scale, x_play, y_play)
_, deltas_play, gb_play, gw_play = backprop(w_play, b_play, x_play, y_play)

net = mlp_with(w_play, b_play)
h = [Value(float(v)) for v in x_play]
z_play = []
for layer in net.layers:
    h = layer(h)
    z_play.append([a.parents[0] for a in h])
(0.5 * sum(((a - float(t)) ** 2 for a, t in zip(h, y_play)), Value(0.0))).backward()

for l, layer in enumerate(net.layers):
    where = f"layer {l + 1}"
    assert np.allclose([z.grad for z in z_play[l]], deltas_play[l], rtol=1e-9, atol=1e-15), f"{where}: delta"
    assert np.allclose([n.b.grad for n in layer.neurons], gb_play[l], rtol=1e-9, atol=1e-15), f"{where}: BP3"
    gw_engine = [[wk.grad for wk in n.w] for n in layer.neurons]
    assert np.allclose(gw_engine, gw_play[l], rtol=1e-9, atol=1e-15), f"{where}: BP4"
    print(f"{where}: |delta| = {np.linalg.norm(deltas_play[l]):.2e}  (numpy and engine agree)")

# %% [markdown]
# **Answer** (folded: click to open after you have predicted). For seed 1 the cell runs the network at
# both scales and shows, per layer, the size of the error and the average slope $\sigma'(z^l)$ that
# BP1/BP2 multiply by.

# %% jupyter={"source_hidden": true}
# How the answer below is computed: seed 1, scale 1 against scale 5
answer = {}
for scale_ in (1.0, 5.0):
    w_, b_, x_, y_ = play_network([4, 3, 3, 2], 1, scale_)
    _, deltas_, _, _ = backprop(w_, b_, x_, y_)
    zs_, a_ = [], x_
    for w, b in zip(w_, b_):
        zs_.append(w @ a_ + b)
        a_ = sigmoid(zs_[-1])
    answer[scale_] = ([float(np.linalg.norm(d)) for d in deltas_], [float(sigmoid_prime(z).mean()) for z in zs_])
lines = ["seed 1     |delta| at scale 1   at scale 5   mean sigma'(z) at 1   at 5"]
for l in range(3):
    (n1, s1), (n5, s5) = [(answer[sc][0][l], answer[sc][1][l]) for sc in (1.0, 5.0)]
    lines.append(f"layer {l + 1}  {n1:>20.2e} {n5:>12.2e} {s1:>21.3f} {s5:>6.3f}")
shrink = answer[1.0][0][0] / answer[5.0][0][0]
lines.append(f"at scale 5, |delta^1| is {shrink:.0f} times smaller than at scale 1")
show_answer("\n".join(lines))
assert answer[5.0][0][0] < answer[1.0][0][0], "the first layer's error should be smaller at scale 5"
assert all(s5 < s1 for s1, s5 in zip(answer[1.0][1], answer[5.0][1])), "every layer's slope should be smaller"

# %% [markdown]
# <details><summary><b>Why</b> (click to open after the answer)</summary>
#
# Smaller. The weights are five times larger, and BP2 does multiply by $(w^{l+1})^\top$; but the same
# weights make the $z^l$ larger too, and a sigmoid with a large $|z|$ is nearly flat: the average
# $\sigma'(z^l)$ drops in every layer (the last two columns). Those small factors win over the larger
# weights, and $\lVert\delta^1\rVert$ ends up smaller. This is *saturation*, the effect notebook 02
# showed for one neuron. (With other seeds the numbers differ, and a larger scale sometimes helps a
# little; it cannot be relied on.)
#
# </details>

# %% [markdown]
# ## Summary
#
# * With $\delta^l = \partial C/\partial z^l$, backpropagation is: BP1 $\delta^L = (a^L - y) \odot \sigma'(z^L)$
#   for the quadratic cost, BP2 $\delta^l = ((w^{l+1})^\top \delta^{l+1}) \odot \sigma'(z^l)$ going
#   backwards, then BP3 $\partial C/\partial b^l = \delta^l$ and BP4 $\partial C/\partial w^l = \delta^l (a^{l-1})^\top$.
# * On a 4-3-3-2 sigmoid network the numpy implementation and the scalar engine agree on every error
#   and all 35 parameter gradients to $10^{-14}$; $\delta^l$ is literally the `.grad` of the engine's
#   $z$ node.
# * Fifteen gradient-descent steps computed both ways keep identical parameters while the cost falls.
# * A fully connected layer is $z = Wa + b$, with $\partial C/\partial W = g a^\top$,
#   $\partial C/\partial b = g$ and $\partial C/\partial a = W^\top g$ for an upstream gradient $g$.
# * $\sigma' \le 1/4$, so errors tend to shrink as BP2 carries them backwards through sigmoid layers;
#   larger weights rarely help, because they push $z$ into the flat parts of the sigmoid (saturation).
# * The 784-16-16-10 digit network has one weight per input per unit plus one bias per unit in each
#   layer (Your turn 2 counts them exactly; the notes' "13k" is rounded), and its cost is averaged over
#   the training images, so its gradient is too.
