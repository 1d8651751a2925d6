# %% [markdown]
# # 01 · The worked example: two weights, one ReLU, one squared error
#
# **What you will learn**
#
# * how a forward pass turns numbers into a loss, node by node;
# * how the chain rule gives $\partial L/\partial m_2 = 12$ and $\partial L/\partial m_1 = 2$, written
#   out by the library's `explain` from the actual graph;
# * what `backward()` does, one chain-rule step at a time, with the step table, a highlighted graph
#   for every step and a stepper you click through (or quiz yourself with);
# * how one step of gradient descent with learning rate 0.1 gives $m_1 = 2.8$, $m_2 = -0.7$;
# * that PyTorch computes the very same numbers;
# * what happens when training continues -- including a ReLU that "dies" after a too-large step;
# * and you try it yourself: find the learning rate at which the ReLU first dies, and change the
#   weights in a playground whose checks compare your hand formulas with the engine.
#
# The network is as small as a network can be: input $x = 2$, target $y = 1$, two weights
# $m_1 = 3$, $m_2 = 0.5$:
#
# $$a_1 = m_1 x, \qquad z_2 = m_2 a_1, \qquad \hat y = \mathrm{ReLU}(z_2), \qquad
#   L = \tfrac12 (\hat y - y)^2 .$$

# %%
%matplotlib inline
import math
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

from micrograd.engine import Value
from micrograd.examples import worked_example
from micrograd.exercises import SOLUTIONS, check_largest_live_lr
from micrograd.optim import SGD
from micrograd.viz import backward_steps, explain, save_step_svgs, save_svg, show_stepper
from micrograd.viz.jupyter import graph_picture  # SVG and PNG: shows even in an untrusted notebook

# %% [markdown]
# ## Forward pass
#
# `worked_example()` builds the expression with labelled `Value`s (a fresh graph every call, all
# gradients zero). By hand: $a_1 = 3 \cdot 2 = 6$, $z_2 = 0.5 \cdot 6 = 3$, $\hat y = \mathrm{ReLU}(3) = 3$,
# $L = \tfrac12 (3-1)^2 = 2$.

# %%
ex = worked_example()
for node in (ex.a1, ex.z2, ex.y_hat, ex.L):
    print(f"{node.label:>5} = {node.data:g}")

assert (ex.a1.data, ex.z2.data, ex.y_hat.data, ex.L.data) == (6.0, 3.0, 3.0, 2.0)

# %% [markdown]
# The graph of the forward pass. Boxes are values (name, data, grad -- all gradients are still 0);
# ovals are the operations. The boxes the code left unlabelled are the pieces of the loss
# ($\hat y - y$, its square, the constant $\tfrac12$); they get generated names, the same ones the
# step table below uses.

# %%
graph_picture(ex.L)

# %% [markdown]
# ## The chain rule, written out
#
# $L$ depends on $m_2$ through $z_2$ and $\hat y$, and on $m_1$ through $a_1$, $z_2$ and $\hat y$. The
# chain rule multiplies the local derivatives along that path:
#
# * $\partial L / \partial \hat y = \hat y - y = 2$ (the derivative of $\tfrac12 u^2$ is $u$);
# * $\partial \hat y / \partial z_2 = 1$, because $z_2 = 3 > 0$ and ReLU passes positive inputs unchanged;
# * $\partial z_2 / \partial m_2 = a_1 = 6$ and $\partial z_2 / \partial a_1 = m_2 = 0.5$ (for a product,
#   the derivative with respect to one factor is the other factor);
# * $\partial a_1 / \partial m_1 = x = 2$.
#
# `explain(root, wrt)` finds every path from the loss down to a node in the real graph and prints the
# product of local derivatives along it -- text with `print`, LaTeX when displayed in the notebook.

# %%
e2 = explain(ex.L, ex.m2)
e1 = explain(ex.L, ex.m1)
print(e2)
print(e1)
display(e2, e1)

assert [f.value for f in e2.paths[0]] == [2.0, 1.0, 6.0] and e2.value == 12.0
assert [f.value for f in e1.paths[0]] == [2.0, 1.0, 0.5, 2.0] and e1.value == 2.0

# %% [markdown]
# ## `backward()`, one step at a time
#
# `backward()` visits the nodes from the loss back to the inputs. At each node it takes the gradient
# that has arrived there (the *upstream* gradient, $\partial L/\partial\,\text{node}$), multiplies it by
# the node's *local* derivative with respect to each operand, and adds the product into that operand's
# `grad`. `backward_steps` records those additions without changing any `.grad`; its table lists them in
# the order `backward()` performs them. A node the code left unlabelled is named after the expression
# that made it (`y_hat-y`, `(y_hat-y)**2`); a constant has no such expression, so it gets `v` followed by
# its position in the graph (`v9` is the $\tfrac12$). So does an expression too long to fit in a box (more
# than 12 characters); to avoid a `v` name there, give the node a `label`.

# %%
steps = backward_steps(ex.L)
steps.table()

# %%
final = steps.final_grads
assert final[ex.m2] == 12.0 and final[ex.m1] == 2.0
assert len(steps) == 10
assert ex.m1.grad == 0.0 and ex.m2.grad == 0.0  # recording the steps did not touch the graph

# %% [markdown]
# **Reading the rows.** Rows 6-9 are the chain rule of the section above. Row 0 and rows 1-5 before
# them handle the loss $L = v_9 \cdot (\hat y - y)^2$, written with the generated names:
#
# * row 0 is the seed, $\partial L/\partial L = 1$;
# * rows 1 and 2 are the product $v_9 \cdot (\hat y-y)^2$, where `v9` is the constant $\tfrac12$: each
#   factor receives the other one (so `v9` gets 4, a gradient nobody uses, because a constant is never
#   updated, and $(\hat y - y)^2$ gets $\tfrac12$);
# * row 3 is the square: $d(u^2)/du = 2u = 4$, times the upstream $\tfrac12$ gives 2;
# * rows 4 and 5 are the subtraction $\hat y - y$: $+1$ towards $\hat y$, $-1$ towards the target $y$
#   (the target's gradient $-2$ is computed but, like `v9`'s, never used);
# * row 10 hands a gradient to the *input*: $\partial L/\partial x = m_1 \cdot \partial L/\partial a_1 = 3$.
#   Training ignores it, but in a deeper network this is exactly what the previous layer receives.

# %% [markdown]
# ### Each step on the graph
#
# Below, each step's edge and its two end points are drawn in red, and every box shows the gradients as
# they stand *right after* that step. Watch the gradient flow from `L` on the right to `m1` and `m2`.

# %%
for step in steps:
    display(Markdown(f"**Step {step.index}.** `{step.describe()}`"))
    display(graph_picture(ex.L, highlight=step, show_names=True))

# %% [markdown]
# ### Step through it yourself
#
# `show_stepper(L)` puts the same ten steps into one interactive picture: **Next** and **Prev** (or,
# after a click on it, the arrow keys and Home/End) walk through `backward()`; the colours tell which
# gradients are not reached yet, still being summed, or final, and the current edge carries its local
# derivative. Click a node for its whole chain rule; switch on the quiz to type each contribution
# before it is revealed. It is the same stepper that `write_stepper(L, "backward.html")` writes as a
# page. Until you run the cell (or trust the notebook), JupyterLab blocks its script and you see the
# graph after `backward()` and the step table instead.

# %%
show_stepper(ex.L)
assert ex.m1.grad == 0.0 and ex.m2.grad == 0.0  # stepping through does not touch the graph either

# %% [markdown]
# Finally the real thing: `L.backward()` fills in exactly the gradients the steps predicted.

# %%
ex.L.backward()
for node in (ex.m1, ex.m2, ex.a1, ex.z2, ex.y_hat):
    print(f"dL/d{node.label} = {node.grad:g}")
assert ex.m2.grad == 12.0 and ex.m1.grad == 2.0
assert all(node.grad == final[node] for node in steps.order)

# %% [markdown]
# ## One step of gradient descent
#
# Move each weight against its gradient, scaled by the learning rate $\eta = 0.1$:
#
# $$m_2 \leftarrow 0.5 - 0.1 \cdot 12 = -0.7, \qquad m_1 \leftarrow 3 - 0.1 \cdot 2 = 2.8 .$$
#
# `micrograd.optim.SGD` does exactly this update for a list of parameters.

# %%
opt = SGD([ex.m1, ex.m2], lr=0.1)
opt.step()
print(f"m1 = {ex.m1.data:g}, m2 = {ex.m2.data:g}")
assert abs(ex.m1.data - 2.8) < 1e-15 and abs(ex.m2.data - -0.7) < 1e-15

# %% [markdown]
# ## The same in PyTorch, side by side
#
# PyTorch builds the same graph from tensors and runs the same chain rule. In float64 the numbers agree
# exactly.

# %%
xt = torch.tensor(2.0, dtype=torch.float64)
yt = torch.tensor(1.0, dtype=torch.float64)
m1t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
m2t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
a1t = m1t * xt
z2t = m2t * a1t
y_hat_t = torch.relu(z2t)
Lt = 0.5 * (y_hat_t - yt) ** 2
Lt.backward()
with torch.no_grad():
    new_m1t = m1t - 0.1 * m1t.grad
    new_m2t = m2t - 0.1 * m2t.grad

ex_fresh = worked_example()  # the engine's untouched copy, for the forward values
rows = [
    ("a1", 6, ex_fresh.a1.data, a1t.item()),
    ("z2", 3, ex_fresh.z2.data, z2t.item()),
    ("y_hat", 3, ex_fresh.y_hat.data, y_hat_t.item()),
    ("L", 2, ex_fresh.L.data, Lt.item()),
    ("dL/dm2", 12, ex.m2.grad, m2t.grad.item()),
    ("dL/dm1", 2, ex.m1.grad, m1t.grad.item()),
    ("m2 after step", -0.7, ex.m2.data, new_m2t.item()),
    ("m1 after step", 2.8, ex.m1.data, new_m1t.item()),
]
print(f"{'quantity':<14} {'by hand':>8} {'micrograd':>10} {'PyTorch':>10}")
for name, hand, ours, theirs in rows:
    print(f"{name:<14} {hand:>8g} {ours:>10g} {theirs:>10g}")
    assert ours == theirs, name
    assert abs(ours - hand) < 1e-15, name

# %% [markdown]
# ## Training on: the loss goes down -- unless the ReLU dies
#
# One step took the loss from 2 to 0.5. But look at the new weights: $m_2 = -0.7$ is negative, so
# $z_2 = m_2 m_1 x = -3.92 < 0$, the ReLU outputs 0, and its derivative there is 0. No gradient reaches
# $m_1$ or $m_2$ any more: with learning rate 0.1 the loss is stuck at $\tfrac12(0 - 1)^2 = 0.5$ for good.
# This is a *dead ReLU*, and it happened because the first step was too large.
#
# With a smaller learning rate, 0.02, $z_2$ stays positive and the loss goes down step after step. We
# run both, in micrograd and in PyTorch.

# %%
def train_micrograd(lr: float, steps: int) -> list[float]:
    m1, m2 = Value(3.0, label="m1"), Value(0.5, label="m2")
    opt = SGD([m1, m2], lr=lr)
    losses = []
    for _ in range(steps):
        loss = 0.5 * ((m2 * (m1 * 2.0)).relu() - 1.0) ** 2  # a fresh graph with the current weights
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    return losses


def train_torch(lr: float, steps: int) -> list[float]:
    m1 = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    m2 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([m1, m2], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * (torch.relu(m2 * (m1 * 2.0)) - 1.0) ** 2
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


n_steps = 10
curves, torch_curves = {}, {}
for lr in (0.1, 0.02):
    ours, theirs = train_micrograd(lr, n_steps), train_torch(lr, n_steps)
    assert max(abs(a - b) for a, b in zip(ours, theirs)) < 1e-12
    curves[lr], torch_curves[lr] = ours, theirs
    print(f"lr {lr:<4}: " + " ".join(f"{v:.4f}" for v in ours))

assert curves[0.1][0] == 2.0 and all(v == 0.5 for v in curves[0.1][1:])  # stuck: dead ReLU
assert all(b < a for a, b in zip(curves[0.02], curves[0.02][1:]))  # strictly decreasing
assert curves[0.02][-1] < 1e-3

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
for lr, losses in curves.items():
    ax.plot(range(n_steps), losses, marker="o", label=f"micrograd, learning rate {lr}")
    ax.plot(range(n_steps), torch_curves[lr], "k+", markersize=10, label=f"PyTorch, learning rate {lr}")
ax.set_xlabel("step")
ax.set_ylabel("loss L (before the step)")
ax.set_yscale("log")
ax.set_title("Worked example: training continues")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Your turn 1 · The learning rate at which the ReLU first dies
#
# With $\eta = 0.1$ the ReLU died, with $\eta = 0.02$ it lived. After one step
# $z_2 = m_2' m_1' x$ with the updated weights
#
# $$m_1' = m_1 - \eta\,\frac{\partial L}{\partial m_1}, \qquad m_2' = m_2 - \eta\,\frac{\partial L}{\partial m_2}$$
#
# (the two gradients are computed above). **Predict first**: as $\eta$ grows from 0.02, which of the two
# updated weights reaches zero first, and why? Then find the learning rate, between 0.02 and 0.1, at
# which the ReLU first dies: the largest multiple of 0.0001 for which $z_2$ is still positive after one
# step. Do not round up: if the exact boundary falls between two multiples of 0.0001, the answer is the
# smaller one. Put it in place of `None`. The checker does the step with the engine at your $\eta$ and
# at $\eta + 0.0001$ and tells you which side of the boundary you are on.

# %%
my_lr = None  # your answer, e.g. 0.05
check_largest_live_lr(my_lr)

# %% [markdown]
# The checker checks itself too: it must accept the reference answer and reject wrong ones on either
# side, and also a very large rate such as 1.6, where both weights change sign and $z_2$ is positive
# again (a different regime, not the boundary asked for). If a change to the engine broke the checker,
# this cell would fail. The reference answer is a number in `SOLUTIONS["largest_live_lr"]`, from
# `micrograd.exercises`; print it only after you have tried.

# %%
assert check_largest_live_lr(SOLUTIONS["largest_live_lr"]).ok, "the checker rejects the reference answer"
assert not check_largest_live_lr(0.05).ok, "the checker accepts 0.05, where the ReLU is already dead"
assert not check_largest_live_lr(0.03).ok, "the checker accepts 0.03, well below the boundary"
assert not check_largest_live_lr(1.6).ok, "the checker accepts 1.6: z2 > 0 there, but both weights flipped"
assert not check_largest_live_lr(None).ok, "the checker accepts None"

# %% [markdown]
# ## Your turn 2 · Playground: your own weights
#
# Change the numbers in the first line and run the cell. It computes the forward values and the two
# gradients with the hand formulas of this notebook,
#
# $$\frac{\partial L}{\partial m_2} = (\hat y - y)\,[z_2 > 0]\,a_1, \qquad
#   \frac{\partial L}{\partial m_1} = (\hat y - y)\,[z_2 > 0]\,m_2\,x$$
#
# ($[z_2 > 0]$ is 1 if $z_2 > 0$ and 0 otherwise: the ReLU's derivative), and checks them against
# `worked_example(...)` and `backward()`. The four numbers in the first line are $x$, $y$, $m_1$, $m_2$,
# in that order. **Predict** before you run: with $m_2 = -1$ (change the last number), which gradients
# are zero? With $m_1 = 0$ (the third number)? Then $z_2 = 0$ exactly, the kink of the ReLU, where it
# has no derivative; the engine, like PyTorch, takes $\mathrm{ReLU}'(0) = 0$ there.

# %%
x_, y_, m1_, m2_ = 2.0, 1.0, 3.0, 0.5  # change me: x, y, m1, m2

TOO_LARGE = "overflow: the numbers are too large for floats (the largest is about 1.8e308)"
try:
    play = worked_example(x=x_, y=y_, m1=m1_, m2=m2_)
    play.L.backward()
    a1_h = m1_ * x_
    z2_h = m2_ * a1_h
    y_hat_h = max(0.0, z2_h)
    L_h = 0.5 * (y_hat_h - y_) ** 2
    relu_gate = 1.0 if z2_h > 0 else 0.0  # ReLU'(0) taken as 0, as the engine and PyTorch do
    grads_h = {"m2": (y_hat_h - y_) * relu_gate * a1_h, "m1": (y_hat_h - y_) * relu_gate * m2_ * x_}
except OverflowError as error:  # a square too large for a float raises an error instead of giving inf
    play = None
    print(f"{TOO_LARGE}: {error}. Try smaller numbers.")

if play is not None:
    print(f"{'':>7} {'by hand':>10} {'engine':>10}")
    overflowed = []
    for name, hand, engine in [
        ("a1", a1_h, play.a1.data),
        ("z2", z2_h, play.z2.data),
        ("L", L_h, play.L.data),
        ("dL/dm2", grads_h["m2"], play.m2.grad),
        ("dL/dm1", grads_h["m1"], play.m1.grad),
    ]:
        print(f"{name:>7} {hand + 0.0:>10.6g} {engine + 0.0:>10.6g}")  # + 0.0 prints -0.0 as 0
        if not (math.isfinite(hand) and math.isfinite(engine)):  # inf (or inf - inf = nan): cannot compare
            overflowed.append(name)
            continue
        assert abs(hand - engine) <= 1e-12 * max(1.0, abs(hand)), f"{name}: hand formula and engine disagree"
    if overflowed:
        print(f"{TOO_LARGE}, so {', '.join(overflowed)} became inf or nan and could not be compared.")
    print("the ReLU is", "alive" if relu_gate else "dead: no gradient reaches m1 or m2")

# %% [markdown]
# ## Appendix · The pictures as files
#
# The step pictures can be written to files, one SVG per step (here into a temporary folder, so running
# the notebook leaves nothing behind in the repository).

# %%
fresh = worked_example()  # the graph before the SGD step above changed m1 and m2
with tempfile.TemporaryDirectory() as tmp:
    paths = save_step_svgs(fresh.L, tmp, show_names=True)
    names = [p.name for p in paths]
    svg_path = save_svg(fresh.L, Path(tmp) / "forward.svg")
    assert svg_path.read_text().lstrip().startswith(("<?xml", "<svg", "<!--"))
print(f"{len(names)} files: {names[0]} (the seed) ... {names[-1]}")
assert names == [f"step_{i:03d}.svg" for i in range(len(steps) + 1)]

# %% [markdown]
# ## Summary
#
# * Forward: $a_1 = 6$, $z_2 = 3$, $\hat y = 3$, $L = 2$.
# * Chain rule: $\partial L/\partial m_2 = 2 \cdot 1 \cdot 6 = 12$ and
#   $\partial L/\partial m_1 = 2 \cdot 1 \cdot 0.5 \cdot 2 = 2$ -- the products of local derivatives along
#   the paths from $L$ to each weight, which `explain` prints from the graph itself.
# * `backward()` is ten small additions, each "upstream gradient times local derivative"; the step table
#   and the highlighted graphs show them in order.
# * One SGD step with $\eta = 0.1$ gives $m_1 = 2.8$, $m_2 = -0.7$; PyTorch agrees on every number.
# * That step pushes $z_2$ below zero and the ReLU stops passing gradient (a dead ReLU); with
#   $\eta = 0.02$ the loss falls steadily instead. Your turn 1 located the learning rate in between at
#   which the ReLU first dies: the boundary where $m_2$'s update drives $z_2$ to zero. (For very large
#   rates both weights flip sign and $z_2$ is positive again: a different regime.)
# * The step table also hands gradients to the constant $\tfrac12$, the target and the input $x$; only
#   the weights' gradients are used for training, the input's is what an earlier layer would receive.
