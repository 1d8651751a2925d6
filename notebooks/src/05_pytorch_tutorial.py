# %% [markdown]
# # 05 · The PyTorch tutorial, side by side with micrograd
#
# **What you will learn**
#
# * how the tutorial's small network ($x = [1, 2]$, a 2-unit ReLU layer, one linear output, squared
#   error) looks in PyTorch and in micrograd, and that both produce the same gradients -- which we also
#   derive by hand;
# * the *row-vector* convention $z = xW + b$ used by the tutorial, versus the column convention
#   $z = Wx + b$ of the notes and of micrograd's neurons; `torch.nn.Linear` stores $W$ as
#   (outputs $\times$ inputs) like the column convention but works on a batch of *rows*, computing
#   $z = xW^\top + b$;
# * one manual gradient-descent step, written the same way in both libraries;
# * how `Linear(2,4) → ReLU → Linear(4,1) → Sigmoid` with binary cross-entropy trains with SGD and
#   with Adam in both libraries, giving the same loss curves to ~12 digits;
# * what the gradient of binary cross-entropy after a sigmoid is (you derive it first), and why it does
#   not fade when the sigmoid saturates, unlike squared error;
# * how the starting weights are drawn (PyTorch's default and micrograd's), and why equal starting
#   weights would make every hidden unit learn the same thing;
# * and, by doing it: derive and write the BCE gradient yourself, compare it with squared error for a
#   $z$ and $y$ of your choice, and predict what equal weights do.
#
# Everything runs in float64, so "the same" means equal to rounding error, and each claim is an `assert`.

# %%
%matplotlib inline
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch

from micrograd.data import make_moons
from micrograd.engine import Value
from micrograd.exercises import SOLUTIONS, check_bce_grad, folded_answer
from micrograd.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam
from micrograd.torch_bridge import from_torch

torch.set_default_dtype(torch.float64)
# The next cell is folded away (click its "..." to open it): two helpers, `leaves` and `as_array`, that
# turn micrograd's nested lists of Values into flat lists and numpy arrays for comparing with PyTorch.

# %% jupyter={"source_hidden": true}
def leaves(param) -> list[Value]:
    """The Values of a parameter given as a list (a vector) or a list of rows (a matrix)."""
    return [v for row in param for v in (row if isinstance(row, list) else [row])]


def as_array(param, attr: str = "data") -> np.ndarray:
    """The .data (or .grad) of a parameter's Values, shaped like the parameter."""
    return np.array([[getattr(v, attr) for v in row] if isinstance(row, list) else getattr(row, attr) for row in param])


# %% [markdown]
# ## Part 1 · The tutorial's network, by hand
#
# Input $x = [1, 2]$ (a row vector), target $y = 1$, and
#
# $$W_1 = \begin{bmatrix} 0.1 & 0.2 \\ 0.3 & 0.4 \end{bmatrix}, \quad b_1 = [0, 0], \quad
#   W_2 = \begin{bmatrix} 0.5 \\ 0.6 \end{bmatrix}, \quad b_2 = 0 .$$
#
# With rows, the input multiplies the weight matrix from the left: column $j$ of $W_1$ holds the
# weights of hidden unit $j$.
#
# * $z_1 = x W_1 + b_1 = [1 \cdot 0.1 + 2 \cdot 0.3,\; 1 \cdot 0.2 + 2 \cdot 0.4] = [0.7, 1.0]$, and
#   both are positive, so $a_1 = \mathrm{ReLU}(z_1) = [0.7, 1.0]$;
# * $\hat y = a_1 W_2 + b_2 = 0.7 \cdot 0.5 + 1.0 \cdot 0.6 = 0.95$;
# * $L = \tfrac12 (\hat y - y)^2 = \tfrac12 (0.05)^2 = 0.00125$.
#
# Backward, with $\delta = \partial L/\partial \hat y = \hat y - y = -0.05$:
#
# * $\partial L/\partial W_2 = a_1^\top \delta = [-0.035, -0.05]^\top$, $\ \partial L/\partial b_2 = \delta = -0.05$;
# * $\partial L/\partial a_1 = \delta\, W_2^\top = [-0.025, -0.03]$, which the active ReLUs pass on unchanged
#   as $\partial L/\partial z_1$, so $\partial L/\partial b_1 = [-0.025, -0.03]$;
# * $\partial L/\partial W_1 = x^\top\, \partial L/\partial z_1 =
#   \begin{bmatrix} -0.025 & -0.03 \\ -0.05 & -0.06 \end{bmatrix}$ (an outer product: row $i$ is
#   $x_i$ times the hidden errors).

# %%
expected_grads = {
    "W1": np.array([[-0.025, -0.03], [-0.05, -0.06]]),
    "b1": np.array([-0.025, -0.03]),
    "W2": np.array([[-0.035], [-0.05]]),
    "b2": np.array([-0.05]),
}
lr = 0.1

# %% [markdown]
# ## Part 1 · PyTorch
#
# The tutorial's code, with `float64` so that the comparison below can be exact.

# %%
x = torch.tensor([1.0, 2.0])
y = torch.tensor([1.0])
W1 = torch.tensor([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
b1 = torch.tensor([0.0, 0.0], requires_grad=True)
W2 = torch.tensor([[0.5], [0.6]], requires_grad=True)
b2 = torch.tensor([0.0], requires_grad=True)

z1 = x @ W1 + b1
a1 = torch.relu(z1)
y_hat = a1 @ W2 + b2
loss = 0.5 * (y_hat - y) ** 2
loss = loss.sum()  # shape [1] -> shape [] (a 0-d scalar); optional: backward() needs no argument
# for any one-element tensor, so loss.backward() would work on the shape-[1] tensor just as well
loss.backward()

torch_params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
torch_grads = {name: p.grad.numpy().copy() for name, p in torch_params.items()}
print(f"y_hat = {y_hat.item():.6g}, loss = {loss.item():.6g}")
for name, g in torch_grads.items():
    print(f"d loss / d {name} = {g.round(12).tolist()}")  # rounded for display; the asserts use full precision

assert abs(y_hat.item() - 0.95) < 1e-15 and abs(loss.item() - 0.00125) < 1e-15
for name, g in torch_grads.items():
    assert np.allclose(g, expected_grads[name], rtol=0, atol=1e-15), name

# %% [markdown]
# ## Part 1 · micrograd
#
# The engine works on scalars, so the matrix products are spelled out: $z_{1,j} = \sum_i x_i W_{1,ij} + b_{1,j}$.
# Same numbers, same gradients.

# %%
xs = [1.0, 2.0]
W1_m = [[Value(0.1), Value(0.2)], [Value(0.3), Value(0.4)]]
b1_m = [Value(0.0), Value(0.0)]
W2_m = [[Value(0.5)], [Value(0.6)]]
b2_m = [Value(0.0)]

z1_m = [sum((xs[i] * W1_m[i][j] for i in range(2)), b1_m[j]) for j in range(2)]  # x @ W1 + b1
a1_m = [z.relu() for z in z1_m]
y_hat_m = sum((a1_m[j] * W2_m[j][0] for j in range(2)), b2_m[0])  # a1 @ W2 + b2
loss_m = 0.5 * (y_hat_m - 1.0) ** 2
loss_m.backward()

micro_params = {"W1": W1_m, "b1": b1_m, "W2": W2_m, "b2": b2_m}
print(f"y_hat = {y_hat_m.data:.6g}, loss = {loss_m.data:.6g}")
print(f"{'gradient':<10} {'micrograd':<36} {'PyTorch':<36}")
for name, p in micro_params.items():
    ours, theirs = as_array(p, 'grad').round(12).tolist(), torch_grads[name].round(12).tolist()
    print(f"{name:<10} {str(ours):<36} {str(theirs):<36}")
    assert np.array_equal(as_array(p, 'grad'), torch_grads[name]), name
assert y_hat_m.data == y_hat.item() and loss_m.data == loss.item()

# %% [markdown]
# ## Part 1 · One manual gradient-descent step, both sides
#
# $\theta \leftarrow \theta - \eta\, \partial L/\partial \theta$ with $\eta = 0.1$. In PyTorch the update
# must not be recorded in the graph (`torch.no_grad()`), and the gradients are zeroed afterwards because
# PyTorch accumulates them. micrograd's parameters are `Value` leaves with the same accumulate-by-default
# semantics, and updating `.data` is never recorded.

# %%
with torch.no_grad():
    for p in torch_params.values():
        p -= lr * p.grad
        p.grad.zero_()

for p in micro_params.values():
    for v in leaves(p):
        v.data -= lr * v.grad
        v.grad = 0.0

print(f"{'parameter':<10} {'after one step (micrograd)':<40} {'(PyTorch)':<40}")
for name in micro_params:
    ours = as_array(micro_params[name])
    theirs = torch_params[name].detach().numpy()
    print(f"{name:<10} {str(ours.round(6).tolist()):<40} {str(theirs.round(6).tolist()):<40}")
    assert np.array_equal(ours, theirs), name
assert np.allclose(as_array(W1_m), [[0.1025, 0.203], [0.305, 0.406]], rtol=0, atol=1e-15)
assert np.allclose(as_array(W2_m), [[0.5035], [0.605]], rtol=0, atol=1e-15)

new_loss = (0.5 * ((torch.relu(x @ W1 + b1) @ W2 + b2) - y) ** 2).item()
print(f"loss before the step {loss.item():.6g}, after {new_loss:.6g}")
assert new_loss < loss.item()

# %% [markdown]
# **Row vectors versus columns.** The tutorial's $W_1$ is (inputs × outputs) and multiplies a row
# vector from the right: $z = xW_1 + b$. `torch.nn.Linear` stores its `weight` the other way round,
# (outputs × inputs), the transpose of the tutorial's $W_1$, and on a batch of row vectors computes
# $z = xW^\top + b$, so `weight.T` plays the part of $W_1$. micrograd's neuron $j$ holds row $j$ of that
# matrix and computes $z_j = w_j \cdot x + b_j$, which is the column convention $z = Wx + b$ of the notes.
# Same numbers, different bookkeeping.

# %% [markdown]
# ## Part 2 · `Linear(2,4) → ReLU → Linear(4,1) → Sigmoid` with binary cross-entropy
#
# The tutorial's next model. We create it in PyTorch with a fixed seed and copy its weights into a
# micrograd `MLP` with `from_torch`, so both start from identical parameters.
#
# First the tutorial's single example, $x = [0.5, 1.0]$, $y = 1$: one forward and backward pass, with
# every parameter gradient compared. `named_parameters()` names differ (`0.weight` vs
# `layers.0.neurons.j.w.k`) but the numbers line up.

# %%
torch.manual_seed(0)
torch_model = torch.nn.Sequential(
    torch.nn.Linear(2, 4),
    torch.nn.ReLU(),
    torch.nn.Linear(4, 1),
    torch.nn.Sigmoid(),
)
initial_state = copy.deepcopy(torch_model.state_dict())
model = from_torch(torch_model)
print(torch_model)
print(model)

xt = torch.tensor([[0.5, 1.0]])
yt = torch.tensor([[1.0]])
bce = torch.nn.BCELoss()
loss_t = bce(torch_model(xt), yt)
loss_t.backward()

out = model([0.5, 1.0])
loss_mg = binary_cross_entropy(out, 1.0)
loss_mg.backward()
print(f"BCE: PyTorch {loss_t.item():.12f}, micrograd {loss_mg.data:.12f}")
assert abs(loss_t.item() - loss_mg.data) < 1e-15

# micrograd's parameters() lists each neuron's weights, then its bias, layer by layer. Linear.weight is
# (out, in) and its row j holds neuron j's weights, so we read PyTorch's gradients in that order.
torch_flat = []
for layer_index in (0, 2):
    lin = torch_model[layer_index]
    for j in range(lin.out_features):
        torch_flat += lin.weight.grad[j].tolist() + [lin.bias.grad[j].item()]
micro_flat = [p.grad for p in model.parameters()]
assert len(torch_flat) == len(micro_flat) == 17
assert max(abs(a - b) for a, b in zip(torch_flat, micro_flat)) < 1e-15
print(f"all {len(micro_flat)} parameter gradients agree")

# %% [markdown]
# ## Part 2 · Training with SGD and with Adam, in both libraries
#
# A single example is learnt in a handful of steps, so we use a small two-class data set instead: 40
# points of the "two moons" (made locally by `micrograd.data.make_moons`). Each optimizer starts from the
# same initial weights in both libraries and takes 80 full-batch steps on the mean BCE loss.
# `micrograd.optim.SGD` and `Adam` follow the update rules of their `torch.optim` namesakes.

# %%
X, labels = make_moons(40, noise=0.1, seed=0)
X_rows = X.tolist()
targets = [float(t) for t in labels]
X_t = torch.tensor(X)
y_t = torch.tensor(targets).unsqueeze(1)
n_steps = 80


def fresh_torch_model() -> torch.nn.Sequential:
    """A copy of the model with the initial weights (the single-example pass above left gradients behind)."""
    net = copy.deepcopy(torch_model)
    net.load_state_dict(initial_state)
    net.zero_grad()
    return net


def train_torch(make_optimizer) -> list[float]:
    net = fresh_torch_model()
    opt = make_optimizer(net.parameters())
    losses = []
    for _ in range(n_steps):
        opt.zero_grad()
        loss = bce(net(X_t), y_t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def train_micrograd(make_optimizer) -> list[float]:
    net = from_torch(fresh_torch_model())
    opt = make_optimizer(net.parameters())
    losses = []
    for _ in range(n_steps):
        opt.zero_grad()
        loss = binary_cross_entropy([net(row) for row in X_rows], targets)
        loss.backward()
        opt.step()
        losses.append(loss.data)
    return losses


runs = {
    "SGD (lr 0.5)": (
        lambda ps: torch.optim.SGD(ps, lr=0.5),
        lambda ps: SGD(ps, lr=0.5),
    ),
    "Adam (lr 0.05)": (
        lambda ps: torch.optim.Adam(ps, lr=0.05),
        lambda ps: Adam(ps, lr=0.05),
    ),
}
curves = {}
for name, (make_torch_opt, make_micro_opt) in runs.items():
    theirs = train_torch(make_torch_opt)
    ours = train_micrograd(make_micro_opt)
    worst = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
    curves[name] = (ours, theirs)
    print(f"{name:<15} loss {ours[0]:.4f} -> {ours[-1]:.4f}   largest relative gap to PyTorch {worst:.1e}")
    assert worst < 1e-12
    assert ours[-1] < 0.6 * ours[0]

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for (name, (ours, theirs)), color in zip(curves.items(), ["tab:blue", "tab:orange"]):
    ax.plot(ours, color=color, linewidth=2, label=f"micrograd, {name}")
    ax.plot(range(0, n_steps, 4), theirs[::4], "x", color="black", markersize=5, label=f"PyTorch, {name}")
ax.set_xlabel("step")
ax.set_ylabel("mean BCE loss")
ax.set_title("Same model, same start: micrograd (lines) and PyTorch (crosses)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Part 3 · The gradient of BCE after a sigmoid
#
# For one example with label $y \in \{0, 1\}$ and prediction $\hat y = \sigma(z)$, binary cross-entropy is
#
# $$L(y, \hat y) = -y \log \hat y - (1 - y) \log(1 - \hat y),$$
#
# and from notebook 02, $\sigma'(z) = \sigma(z)(1 - \sigma(z)) = \hat y(1 - \hat y)$.
#
# ### Your turn 1 · Derive it, then write it
#
# With the chain rule, $\partial L/\partial z = \partial L/\partial \hat y \cdot \partial \hat y/\partial z$.
# Work it out on paper (put the two fractions of $\partial L/\partial \hat y$ over one denominator), then fill
# in `my_bce_grad(y_hat, y)` so that it returns $\partial L/\partial z$ as one number. The checker builds
# $\sigma$ and the BCE from `Value`s for four $(z, y)$ pairs and compares with `backward()`. The derivation
# follows the check, folded; try first.

# %%
def my_bce_grad(y_hat: float, y: float) -> float | None:
    return None  # your code here


check_bce_grad(my_bce_grad)

# %% [markdown]
# The checker's own test (folded: it holds part of the derivation; click to open after you have tried)

# %% jupyter={"source_hidden": true}
# The checker's own test (open it after you have tried: it holds part of the derivation).
# The checker accepts the reference answer and rejects dL/dy_hat (the gradient before the sigmoid's factor).
assert check_bce_grad(SOLUTIONS["bce_grad"]).ok
assert not check_bce_grad(lambda y_hat, y: (y_hat - y) / (y_hat * (1 - y_hat))).ok

# %% [markdown]
# <details><summary><b>The derivation</b> (click to open after you have tried)</summary>
#
# $\partial L/\partial \hat y = -\frac{y}{\hat y} + \frac{1-y}{1-\hat y}
# = \frac{\hat y - y}{\hat y (1 - \hat y)}$, and the sigmoid contributes $\partial \hat y/\partial z = \hat y(1 - \hat y)$.
# Multiplied, the denominators cancel:
#
# $$\frac{\partial L}{\partial z} = \frac{\hat y - y}{\hat y(1-\hat y)} \cdot \hat y(1-\hat y) = \hat y - y .$$
#
# So the error at the output is just "prediction minus label", the same form as softmax with
# cross-entropy in notebook 03.
#
# </details>

# %% [markdown]
# ### Your turn 2 · Playground: BCE against squared error
#
# Squared error after the same sigmoid, $L = \tfrac12(\hat y - y)^2$, has
# $\partial L/\partial z = (\hat y - y)\,\hat y(1 - \hat y)$: the sigmoid's factor does *not* cancel.
# Choose a logit $z$ and a label $y$ and run: the cell checks both hand formulas against `backward()`
# (and BCE against PyTorch's `BCEWithLogitsLoss`, which takes the logit $z$ itself).
# **Predict first**: for $z = -8$ and $y = 1$ the model is confidently wrong. Is each gradient small or large?
# Then set `z_play, y_play = -8, 1` and run.

# %%
z_play, y_play = 2.0, 1.0  # change me (y must be 0 or 1)

z_play, y_play = float(z_play), float(y_play)  # ints are fine too
assert y_play in (0.0, 1.0), f"y must be 0 or 1, got {y_play}"
# sigma(z) computed without overflow: exp(-|z|) is at most 1, however large |z| is
e = np.exp(-abs(z_play))
y_hat_play = 1.0 / (1.0 + e) if z_play >= 0 else e / (1.0 + e)
hand_bce = y_hat_play - y_play
hand_mse = (y_hat_play - y_play) * y_hat_play * (1.0 - y_hat_play) + 0.0  # + 0.0 turns -0.0 into 0.0

z_v = Value(z_play)  # BCE on the logit: no clamping needed however large |z| is
binary_cross_entropy_with_logits([z_v], [y_play]).backward()
z_t = torch.tensor(z_play, requires_grad=True)
torch.nn.BCEWithLogitsLoss()(z_t, torch.tensor(y_play)).backward()
z_sq = Value(z_play)
(0.5 * (z_sq.sigmoid() - y_play) ** 2).backward()

print(f"y_hat = {y_hat_play:.6g}")
print(f"BCE:           hand {hand_bce:.6g}, micrograd {z_v.grad:.6g}, PyTorch {z_t.grad.item():.6g}")
print(f"squared error: hand {hand_mse:.6g}, micrograd {z_sq.grad:.6g}")
assert abs(z_v.grad - hand_bce) < 1e-9, "micrograd's BCE gradient differs from y_hat - y"
assert abs(z_t.grad.item() - hand_bce) < 1e-9, "PyTorch's BCE gradient differs from y_hat - y"
assert abs(z_sq.grad - hand_mse) < 1e-12, "micrograd's squared-error gradient differs from the hand formula"

# %% [markdown]
# <details><summary><b>The answer, explained</b> (click to open after you have predicted)</summary>
#
# For $z = -8$, $y = 1$: BCE's gradient is $\approx -1$, as large as it gets, so a confidently wrong
# prediction is corrected fast; squared error's is $\approx -0.0003$, because $\hat y(1-\hat y)$ is tiny
# where the sigmoid is flat, and learning stalls. That is why a sigmoid output is trained with BCE.
#
# </details>

# %% [markdown]
# One practical detail: `BCELoss` (and micrograd's `binary_cross_entropy`) take the probability
# $\hat y$, and once $\hat y(1-\hat y)$ drops below $10^{-12}$ (around $|z| > 27$) they cap the gradient to
# stay finite. The versions that take the logit, `BCEWithLogitsLoss` and
# `binary_cross_entropy_with_logits`, need no cap, which is why PyTorch recommends them.

# %% [markdown]
# ## Part 4 · Where the starting weights come from
#
# `torch.nn.Linear(fan_in, fan_out)` draws every weight and bias from the uniform distribution
# $U(-1/\sqrt{\text{fan\_in}},\ 1/\sqrt{\text{fan\_in}})$, so the spread shrinks as a unit gets more
# inputs and $z$ stays of order 1: a weight drawn from $U(-a, a)$ has variance $a^2/3$, so
# $\mathrm{Var}(z) = \text{fan\_in} \cdot \mathrm{Var}(w)\, E[x^2] = E[x^2]/3$ whatever the fan-in.
# micrograd's `Neuron` draws weights from $U(-1, 1)$ whatever the fan-in, so its $\mathrm{Var}(z)$ is
# $\text{fan\_in} \cdot E[x^2]/3$ (a standard deviation of about 16 for 784 inputs of size 1), and starts
# every bias at 0. The cell prints both for a layer with 3 inputs.

# %%
torch.manual_seed(1)
lin = torch.nn.Linear(3, 1)
bound = 1 / np.sqrt(3)
print(f"PyTorch nn.Linear(3, 1): weights {lin.weight.data.numpy().round(4).tolist()}, bias {lin.bias.item():.4f}, bound {bound:.3f}")
neuron_weights = MLP(3, [1], seed=1).parameters()
print(f"micrograd MLP(3, [1]):   weights {[round(p.data, 4) for p in neuron_weights[:3]]}, bias {neuron_weights[3].data}")
big = torch.nn.Linear(3, 1000)  # many draws from the same distribution
assert big.weight.abs().max() <= bound and big.weight.abs().max() > 0.99 * bound
assert all(abs(p.data) <= 1 for p in neuron_weights) and neuron_weights[3].data == 0.0

# %% [markdown]
# Some notes print the weights of a fresh `nn.Linear(3, 1)` as about 0.01 (for example
# `[0.0213, -0.0145, 0.0071]`). Under the default that is implausible: the bound is
# $1/\sqrt 3 \approx 0.577$, and the chance that all three weights land within $0.0213$ of zero is
# $(0.0213/0.577)^3 \approx 5 \cdot 10^{-5}$. Such printouts come from a different initialisation (or were
# made up); a fresh layer's weights are typically a few tenths.

# %%
chance = (0.0213 / bound) ** 3
print(f"P(all three |w| <= 0.0213) = {chance:.1e}")
assert chance < 1e-4

# %% [markdown]
# ### Your turn 3 · Predict, then run: all weights equal
#
# Why random at all? Suppose every weight and bias starts at the same value, 0.5. **Predict before running**: after
# one backward pass, how do the gradients of the four hidden units compare? And after 50 training steps?

# %% [markdown]
# Answer (folded: click to open after you have predicted)

# %% jupyter={"source_hidden": true}
# The answer (open it after you have predicted): the experiment, with its output folded below.
def equal_start_net() -> MLP:
    net = MLP(2, [4, 1], activation="relu", final_activation="sigmoid", seed=0)
    for p in net.parameters():
        p.data = 0.5  # every weight and bias the same
    return net


def hidden_unit_grads(net: MLP) -> list[list[float]]:
    return [[p.grad for p in unit.parameters()] for unit in net.layers[0].neurons]


net = equal_start_net()
binary_cross_entropy([net(row) for row in X_rows], targets).backward()
opt = SGD(net.parameters(), lr=0.5)
first_grads = hidden_unit_grads(net)
for _ in range(50):
    opt.zero_grad()
    binary_cross_entropy([net(row) for row in X_rows], targets).backward()
    opt.step()
units = [[round(p.data, 9) for p in unit.parameters()] for unit in net.layers[0].neurons]

with folded_answer():
    print("hidden-unit gradients (w0, w1, b) with equal start:")
    for g in first_grads:
        print("  ", [round(v, 6) for v in g])
    print("hidden-unit parameters (w0, w1, b) after 50 steps:")
    for u in units:
        print("  ", u)
assert all(g == first_grads[0] for g in first_grads), "with an equal start the gradients should be equal"
assert all(u == units[0] for u in units), "with an equal start the units should stay equal"

# %% [markdown]
# <details><summary><b>The answer, explained</b> (click to open after you have predicted)</summary>
#
# Every hidden unit sees the same inputs with the same weights, so it computes the same $z$; its outgoing
# weight (into the output unit) is the same too, so it receives the same error $\delta_j$ and gets the same
# update: the four units stay identical forever, and the layer is no better
# than a single unit. Random starting weights **break the symmetry**: with a seeded random start the
# units get different gradients from the first step.
#
# </details>

# %% [markdown]
# For comparison, the same network with its usual random start (seed 0): the gradients of its four hidden
# units after one backward pass.

# %%
net = MLP(2, [4, 1], activation="relu", final_activation="sigmoid", seed=0)
binary_cross_entropy([net(row) for row in X_rows], targets).backward()
grads = hidden_unit_grads(net)
for g in grads:
    print("  ", [round(v, 6) for v in g])
assert len({tuple(g) for g in grads}) > 1

# %% [markdown]
# ## Summary
#
# * The tutorial network ($x = [1,2]$, $W_1 = [[0.1,0.2],[0.3,0.4]]$, $W_2 = [[0.5],[0.6]]$, zero biases)
#   gives $z_1 = [0.7, 1.0]$, $\hat y = 0.95$, $L = 0.00125$ and the gradients
#   $\partial L/\partial W_1 = [[-0.025,-0.03],[-0.05,-0.06]]$, $\partial L/\partial W_2 = [[-0.035],[-0.05]]$,
#   $\partial L/\partial b_1 = [-0.025,-0.03]$, $\partial L/\partial b_2 = -0.05$ -- by hand, in PyTorch and
#   in micrograd, bit for bit.
# * One manual step with $\eta = 0.1$ gives identical parameters in both libraries and lowers the loss.
# * The row convention $z = xW + b$ and the column convention $z = Wx + b$ differ only by a transpose;
#   `torch.nn.Linear` keeps $W$ as (out, in) and computes $xW^\top + b$ on each row $x$ of a batch.
# * `Linear(2,4) → ReLU → Linear(4,1) → Sigmoid` with BCE, converted with `from_torch`, trains to the same
#   loss curve in both libraries with SGD and with Adam (relative gap below $10^{-12}$ over 80 steps).
# * Sigmoid + BCE: $\partial L/\partial z = \hat y - y$, because $\sigma'$ cancels the denominator of $\partial L/\partial\hat y$;
#   with squared error the factor $\hat y(1-\hat y)$ stays, and a confidently wrong output learns slowly.
# * PyTorch starts weights and biases in $U(\pm 1/\sqrt{\text{fan\_in}})$ (bound 0.577 for 3 inputs, so
#   printed weights of ~0.01 are implausible); micrograd uses $U(-1, 1)$ and zero biases. Equal starting
#   weights keep all hidden units identical; random ones break that symmetry.
