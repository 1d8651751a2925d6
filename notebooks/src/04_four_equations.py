# %% [markdown]
# # 04 · The four equations of backpropagation
#
# **What you will learn**
#
# * the four equations that make backpropagation a short loop for a network of sigmoid layers trained
#   with the quadratic cost $C = \tfrac12 \lVert a^L - y \rVert^2$;
# * what the "error" $\delta^l = \partial C / \partial z^l$ of a layer is, and that a scalar autograd
#   engine computes exactly the same numbers (they are the gradients it stores on the $z$ nodes);
# * the fully connected layer as a matrix multiply $z = W a + b$, and its three gradients.
#
# Notation: layer $l$ computes $z^l = w^l a^{l-1} + b^l$ and $a^l = \sigma(z^l)$; $w^l_{jk}$ connects
# unit $k$ of layer $l-1$ to unit $j$ of layer $l$; $L$ is the last layer; $\odot$ is element-wise
# multiplication.
#
# | | equation | in words |
# | :-- | :-- | :-- |
# | BP1 | $\delta^L = \nabla_a C \odot \sigma'(z^L)$ | error at the output: how the cost reacts to the output, times how the output reacts to $z$ |
# | BP2 | $\delta^l = \bigl((w^{l+1})^\top \delta^{l+1}\bigr) \odot \sigma'(z^l)$ | errors travel backwards through the transposed weights, then through the activation |
# | BP3 | $\partial C / \partial b^l_j = \delta^l_j$ | a bias sees the error of its unit directly |
# | BP4 | $\partial C / \partial w^l_{jk} = a^{l-1}_k\, \delta^l_j$ | a weight's gradient is "input activation times output error" |
#
# For the quadratic cost, $\nabla_a C = a^L - y$.

# %%
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from micrograd.engine import Value
from micrograd.nn import MLP, Layer
from micrograd.viz import draw_dot
from micrograd.viz.jupyter import graph_picture  # SVG and PNG: shows even in an untrusted notebook

np.set_printoptions(precision=6, suppress=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1.0 - s)

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
# ## The four equations in numpy
#
# The forward pass keeps every $z^l$ and $a^l$; the backward pass is BP1 once and BP2 in a loop, and
# BP3/BP4 read the gradients off the errors.

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
print(f"C = {cost:.6f}")
for l, d in enumerate(deltas, start=1):
    print(f"delta^{l} = {d}")
print(f"dC/dw^3 =\n{grad_w[2]}")

# %% [markdown]
# ## The same network in the engine
#
# An `MLP(4, [3, 3, 2])` with sigmoid activations has exactly this shape. We copy the numpy weights into
# its neurons (neuron $j$ of layer $l$ holds row $j$ of $w^l$ and the bias $b^l_j$), run the forward pass,
# build the cost out of `Value`s and call `backward()`.
#
# Each neuron computes its weighted sum as one `linear` node and feeds it to a `sigmoid` node, so the
# parent of each output `Value` *is* that unit's $z$. After `backward()` its `.grad` is
# $\partial C/\partial z = \delta$: the engine never uses the four equations, yet stores their answers.

# %%
model = MLP(4, [3, 3, 2], activation="sigmoid", final_activation="sigmoid", seed=0)
for layer, w, b in zip(model.layers, weights, biases):
    for j, neuron in enumerate(layer.neurons):
        for k, wk in enumerate(neuron.w):
            wk.data = float(w[j, k])
        neuron.b.data = float(b[j])

h = [Value(float(v)) for v in x]
z_nodes = []  # z_nodes[l][j] is the Value holding z^l_j
for layer in model.layers:
    h = layer(h)
    z_nodes.append([a.parents[0] for a in h])  # sigmoid's only parent is its input z
C = 0.5 * sum(((a - float(t)) ** 2 for a, t in zip(h, y)), Value(0.0))
C.backward()

print(f"engine C = {C.data:.6f}   numpy C = {cost:.6f}")
assert abs(C.data - cost) < 1e-14

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
# outputs, then the cost. We label the unit outputs `a1_0`, ..., `a3_1` (box `a3_0` is $a^3_0$) and draw
# the cost without the `+ 0` that `sum` starts with.
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
C_drawn = 0.5 * ((units[0] - float(y[0])) ** 2 + (units[1] - float(y[1])) ** 2)
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
# Unless the weights are large, the error shrinks on its way back to the first layer -- the
# *vanishing gradient*. Even in this shallow network the norms of the errors show the trend:

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
ax_s.legend(fontsize=8)
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
# ## The fully connected layer is a matrix multiply
#
# A layer of $m$ neurons reading the same $n$ inputs computes $z_j = \sum_k W_{jk} a_k + b_j$ for every
# $j$ -- all at once, $z = W a + b$. If the rest of the network hands back $g = \partial C/\partial z$, the
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
# * $\sigma' \le 1/4$, so errors tend to shrink as BP2 carries them backwards through sigmoid layers.
