# %% [markdown]
# # 06 · Training a classifier on the two moons
#
# **What you will learn**
#
# * how the pieces fit together for a real (if small) training run: a data set, an `MLP`, a loss, an
#   optimizer and the `fit` loop;
# * how to read a training history and check the model on data it has not seen;
# * how to draw the decision boundary the network has learned;
# * how to save a checkpoint (parameters, architecture and optimizer state), load it back bit for bit,
#   and resume training exactly where it stopped -- and why the optimizer state matters (what a fresh
#   Adam's first steps do, measured);
# * mini-batch SGD against full-batch training, both loss curves in one plot;
# * the gradient with respect to the *inputs*: which way to move a point to change the prediction most,
#   drawn as arrows on the decision boundary;
# * and, by doing it: predict before you run, and a playground for the input gradient.
#
# The network is deliberately small (2 → 8 → 8 → 1) so the whole notebook runs in a few seconds with
# the pure-Python scalar engine.

# %%
%matplotlib inline
import copy
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from micrograd.checkpoint import load, save
from micrograd.classify import loss_function
from micrograd.data import make_moons, train_test_split
from micrograd.engine import Value, no_grad
from micrograd.exercises import folded_answer
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam
from micrograd.train import evaluate, fit

# %% [markdown]
# ## The data
#
# Two interleaving half circles with Gaussian noise, made locally from a seed (nothing is downloaded).
# Half of the 200 points are kept aside as a test set, with the same share of each class
# (a *stratified* split). Labels are 0 and 1.

# %%
X, y = make_moons(200, noise=0.15, seed=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.5, seed=0)
print(f"train: {X_train.shape[0]} points, {int(y_train.sum())} of class 1")
print(f"test:  {X_test.shape[0]} points, {int(y_test.sum())} of class 1")
assert X_train.shape == (100, 2) and X_test.shape == (100, 2)
assert int(y_train.sum()) == 50 and int(y_test.sum()) == 50

# %% [markdown]
# ## The model, the loss and the optimizer
#
# * `MLP(2, [8, 8, 1])`: two hidden layers of 8 ReLU units and one linear output, the *score* $s$.
#   The model predicts class 1 when $s > 0$.
# * Loss `"bce"`: binary cross-entropy on the score read as a logit, $p = \sigma(s)$. It is computed in
#   the stable form $\log(1 + e^{-s})$ for class 1 and $\log(1 + e^{s})$ for class 0, never as
#   $\log\sigma(s)$, so a very confident score cannot produce $\log 0$.
# * `Adam` with learning rate 0.05, one full-batch step per epoch, 80 epochs.

# %%
model = MLP(2, [8, 8, 1], seed=1)
optimizer = Adam(model.parameters(), lr=0.05)
print(model, f"with {len(model.parameters())} parameters")

history = fit(model, (X_train, y_train), "bce", optimizer, epochs=80, progress=False)

losses = [record["loss"] for record in history]
accuracies = [record["accuracy"] for record in history]
print(f"step 0:  loss {losses[0]:.4f}, training accuracy {accuracies[0]:.0%}")
print(f"step {len(history) - 1}: loss {losses[-1]:.4f}, training accuracy {accuracies[-1]:.0%}")
assert len(history) == 80
assert losses[-1] < 0.1 * losses[0]
assert accuracies[-1] >= 0.97

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3))
ax_loss.plot(losses)
ax_loss.set_yscale("log")
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("training loss (BCE)")
ax_acc.plot(accuracies, color="tab:green")
ax_acc.set_xlabel("step")
ax_acc.set_ylabel("training accuracy")
ax_acc.set_ylim(0.5, 1.02)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## On unseen data
#
# The training loss only tells us the network fits the points it was shown. The test set shows whether
# it learned the *shape* of the moons. `evaluate` runs the model without recording a graph.

# %%
test_loss, test_accuracy = evaluate(model, X_test.tolist(), y_test.tolist(), "bce")
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.0%}")
assert test_accuracy >= 0.9

# %% [markdown]
# ## The decision boundary
#
# We evaluate the network on a grid covering the data (inside `no_grad()`, so no graph is kept) and
# colour each point by the predicted probability $\sigma(s)$. The black line is the decision boundary
# $s = 0$. Training points are circles, test points crosses.

# %%
def scores_on_grid(model: MLP, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    with no_grad():
        return np.array([[model([float(a), float(b)]).data for a in xs] for b in ys])


xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 70)
ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 60)
scores = scores_on_grid(model, xs, ys)
probability = 1.0 / (1.0 + np.exp(-scores))

fig, ax = plt.subplots(figsize=(6.5, 4.5))
filled = ax.contourf(xs, ys, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
ax.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1.5)
for label, color in ((0, "tab:blue"), (1, "tab:red")):
    train = X_train[y_train == label]
    test = X_test[y_test == label]
    ax.scatter(train[:, 0], train[:, 1], c=color, edgecolors="black", s=25, label=f"class {label} (train)")
    ax.scatter(test[:, 0], test[:, 1], c=color, marker="x", s=25, label=f"class {label} (test)")
fig.colorbar(filled, ax=ax, label="predicted probability of class 1")
ax.set_title("MLP(2, [8, 8, 1]) on the two moons")
ax.legend(fontsize=7, loc="lower left")
fig.tight_layout()
plt.show()

grid_predictions = scores > 0
assert grid_predictions.any() and not grid_predictions.all()  # the boundary crosses the plotted area

# %% [markdown]
# ## Saving a checkpoint and loading it back
#
# `micrograd.checkpoint.save` writes one JSON file: the architecture (so the model can be rebuilt
# without any code), every parameter by name, and the optimizer's state (Adam's step count and moment
# estimates). Floats are written in their shortest exact form, so loading gives back the *same bits*.
# The file goes to a temporary folder, so the notebook leaves nothing behind. (The file also carries a
# checksum; the appendix shows what `load` does with a damaged file.)

# %%
workdir = tempfile.TemporaryDirectory()
path = Path(workdir.name) / "moons.json"
save(model, path, optimizer=optimizer)

checkpoint = load(path)
restored = checkpoint.model
assert restored is not None, "the checkpoint should rebuild the model from its stored architecture"
assert restored.state_dict() == model.state_dict(), "a loaded parameter differs from the saved one"
with no_grad():
    assert all(restored(list(x)).data == model(list(x)).data for x in X_test), "a prediction changed"
assert np.array_equal(scores_on_grid(restored, xs, ys), scores_on_grid(model, xs, ys)), \
    "the decision boundary changed"
print(f"restored model: all {len(restored.parameters())} parameters identical, identical predictions")

# %% [markdown]
# ## Resuming training
#
# To continue training later, restore the optimizer state too. Then the resumed run is *exactly* the
# run that never stopped. We continue a copy of the model and its optimizer, as they are in memory, for 20
# more epochs (the run that never stopped), and the model loaded from the file (with its restored Adam
# state) for the same 20 epochs with the same `fit` settings: the losses match to the last bit. (The
# original `model` stays as it is, trained for 80 epochs, so that every cell can be run again.)
#
# One detail matters for "to the last bit". `fit` reshuffles the rows at the start of every epoch, even
# when the batch is the whole set. With one full batch the order cannot change which points are used,
# only the order in which their losses and gradients are added, and so only the last bits of the sums
# (adding floats in another order can round differently). `fit`'s `seed` (0 by default, 7 here) fixes
# the order, so it is the same in all three runs. With mini-batches the order decides which points
# share a batch, so an exact resume would also need the state of the shuffling.

# %%
# The run that never stopped: a copy of the model and its optimizer, as they are in memory.
never_stopped, never_stopped_optimizer = copy.deepcopy((model, optimizer))
start = optimizer.t  # Adam's step count: 80 full-batch epochs before the checkpoint

checkpoint = load(path)
restored = checkpoint.model
resumed_optimizer = Adam(restored.parameters(), lr=0.05)
checkpoint.restore_optimizer(resumed_optimizer)

more = dict(epochs=20, progress=False, seed=7)
continued = fit(never_stopped, (X_train, y_train), "bce", never_stopped_optimizer, **more)
resumed = fit(restored, (X_train, y_train), "bce", resumed_optimizer, **more)
continued_losses = [r["loss"] for r in continued]
final_continued, _ = evaluate(never_stopped, X_train.tolist(), y_train.tolist(), "bce")  # after the 20th step
same = [r["loss"] for r in resumed] == continued_losses
print(f"epochs {start} to {start + len(continued) - 1}: resumed and never-stopped losses identical: {same}")
assert same, "the resumed run should repeat the uninterrupted one"
assert restored.state_dict() == never_stopped.state_dict(), "resumed and uninterrupted parameters differ"

# %% [markdown]
# Restoring only the parameters is not enough for Adam: a fresh Adam starts its moment estimates at zero
# and its step count at 0, so it takes different steps. The next cell trains a third copy of the
# parameters at the checkpoint, with a brand-new Adam, for the same 20 epochs. **Predict before you
# run**: will the run with a brand-new Adam continue smoothly, slow down, or get worse for a while?

# %% [markdown]
# Answer (folded: click to open after you have predicted)

# %% jupyter={"source_hidden": true}
# The answer (open it after you have predicted): the run with a new Adam, with its output folded below.
fresh_start = copy.deepcopy(model)  # the parameters the two runs above started from
fresh_optimizer = Adam(fresh_start.parameters(), lr=0.05)
restarted = fit(fresh_start, (X_train, y_train), "bce", fresh_optimizer, **more)
restarted_losses = [r["loss"] for r in restarted]
# the loss after the last (20th) step, on all 100 training points
final_restarted, _ = evaluate(fresh_start, X_train.tolist(), y_train.tolist(), "bce")
jump = restarted_losses[1] / restarted_losses[0]

with folded_answer():
    print("training loss at the start of each epoch (before that epoch's step)")
    print(f"{'epoch':>5} {'never stopped':>14} {'resumed':>14} {'new Adam':>14}")
    for i in [*range(8), 8, 12, 16, 19]:
        row = (continued_losses[i], resumed[i]["loss"], restarted_losses[i])
        print(f"{start + i:>5}" + "".join(f" {loss:>14.10f}" for loss in row))
    print(f"\nnew Adam's first step: loss {restarted_losses[0]:.4f} -> {restarted_losses[1]:.4f}",
          f"({jump:.1f} times higher)")
    print(f"after all 20 epochs: never stopped {final_continued:.4f}, new Adam {final_restarted:.4f}")

assert restarted_losses[0] == continued_losses[0], "all three runs start from the same parameters"
assert jump > 5, "the new Adam's first step should make the loss jump"
assert final_restarted > final_continued, "the new Adam should still be behind after 20 epochs"

# %% [markdown]
# <details><summary><b>The answer, explained</b> (click to open after you have predicted)</summary>
#
# At the first row, epoch 80, all three columns agree: each row is the loss *before* that epoch's step,
# and all three runs start from the same parameters. After that, the resumed run repeats the
# uninterrupted one bit for bit, while the new Adam's very first step makes the loss jump many times
# higher (the ratio is printed under the table). It then swings up and down and, after 20 epochs, is
# still behind the run that never stopped.
#
# The reason is the size of Adam's steps. Adam moves each parameter by
# $\eta\,\hat m/(\sqrt{\hat v} + \epsilon)$, where $m$ is a running average of the parameter's gradient
# $g$ (weight $\beta_1 = 0.9$ on the old value) and $v$ a running average of $g^2$ (weight
# $\beta_2 = 0.999$, so a much longer memory). Both start at 0, so after $t$ steps they are divided by
# $1 - \beta_1^t$ and $1 - \beta_2^t$ to undo that start: $\hat m = m/(1 - \beta_1^t)$,
# $\hat v = v/(1 - \beta_2^t)$.
#
# * A **fresh** Adam restarts with $m = v = 0$ and $t = 0$. At its first step, $t = 1$, both averages
#   hold just the current gradient: $\hat m = g$ and $\hat v = g^2$, so the step is
#   $\eta\, g/|g| = \pm\eta$. Every parameter that gets any gradient moves by the full 0.05, however small
#   its gradient (only a gradient as tiny as $\epsilon = 10^{-8}$ moves it less). Near a minimum, where
#   the gradients are small, these full-size steps overshoot.
# * The **resumed** Adam has $t = 80$. Its $\hat m$ is *not* small: it is about as large as the current
#   gradient. What makes its steps small is $\hat v$: with its long memory it still remembers the much
#   larger gradients of the early epochs, so $\sqrt{\hat v}$ is many times $|g|$, and the step
#   $\eta\,\hat m/\sqrt{\hat v}$ is a small fraction of $\eta$.
#
# </details>

# %% [markdown]
# The next cell measures the size of Adam's steps at the checkpoint: for each parameter it takes the
# gradient $g$ at the saved parameters and the saved $\hat m$, $\hat v$, and prints the medians over the
# parameters that get a gradient. Then it makes the first step with each optimizer and measures how far
# the parameters move.

# %%
def gradient_at(model_copy: MLP) -> np.ndarray:
    """The gradient of the training loss at the model's current parameters."""
    for p in model_copy.parameters():
        p.grad = 0.0
    outputs = [model_copy(list(x)) for x in X_train]
    loss_function("bce")(outputs, y_train.tolist()).backward()
    return np.array([p.grad for p in model_copy.parameters()])


def first_update(model_copy: MLP, opt: Adam) -> np.ndarray:
    before = np.array([p.data for p in model_copy.parameters()])
    fit(model_copy, (X_train, y_train), "bce", opt, epochs=1, progress=False, seed=7)
    return np.abs(np.array([p.data for p in model_copy.parameters()]) - before)


kept = load(path)
kept_opt = Adam(kept.model.parameters(), lr=0.05)
kept.restore_optimizer(kept_opt)
g_saved = gradient_at(kept.model)
beta1, beta2 = kept_opt.betas
m_hat = np.array(kept_opt.m) / (1 - beta1**kept_opt.t)
v_hat = np.array(kept_opt.v) / (1 - beta2**kept_opt.t)
has_grad = g_saved != 0  # the parameters of dead ReLU units get no gradient
m_ratio = np.median(np.abs(m_hat[has_grad]) / np.abs(g_saved[has_grad]))
v_ratio = np.median(np.sqrt(v_hat[has_grad]) / np.abs(g_saved[has_grad]))
print(f"resumed Adam at t = {kept_opt.t}, {has_grad.sum()} of {len(g_saved)} parameters get a gradient:")
print(f"  median |m_hat| / |g|       = {m_ratio:.2f}   (not near 0)")
print(f"  median sqrt(v_hat) / |g|   = {v_ratio:.1f}   (the memory of larger gradients)")

new_model = load(path).model
step_kept = first_update(kept.model, kept_opt)
step_new = first_update(new_model, Adam(new_model.parameters(), lr=0.05))
print(f"first step, resumed Adam: median |change| {np.median(step_kept[has_grad]):.2e} "
      f"= {np.median(step_kept[has_grad]) / 0.05:.2f} lr")
print(f"first step, new Adam:     median |change| {np.median(step_new[has_grad]):.2e} "
      f"= {np.median(step_new[has_grad]) / 0.05:.2f} lr")
moved = step_new[step_new > 0]
share = np.mean(np.isclose(moved, 0.05, rtol=0.02))
print(f"new Adam: {len(moved)} parameters moved, {share:.0%} of them by (almost) the full 0.05")

assert 0.5 < m_ratio < 3, "the resumed Adam's m_hat should be about as large as the gradient"
assert v_ratio > 5, "the resumed Adam's sqrt(v_hat) should be many times the gradient"
assert share > 0.9 and step_new.max() <= 0.05 + 1e-12, "a new Adam's first step should be the full lr"
assert np.median(step_kept[has_grad]) < 0.2 * 0.05, "the resumed Adam's steps should be a fraction of lr"

# %% [markdown]
# ## Mini-batch or full batch?
#
# The loss we minimise is the *average* over the training set, $C = \frac1n \sum_i C_i$, so its gradient is
# the average of the per-example gradients. Full-batch training computes that average exactly, once per
# epoch. *Mini-batch* stochastic gradient descent estimates it from a small random batch (here 10 of
# the 100 points) and takes a step after every batch: ten cheaper, noisier steps per epoch. Both runs
# below start from the same weights (`seed=1`) and use plain SGD (no momentum) with the same learning
# rate, 0.5, so the batch size is the only difference. **Predict**: after 20 epochs, which run has the lower
# training loss, and which curve is smoother?

# %% [markdown]
# Answer (folded: click to open after you have predicted)

# %% jupyter={"source_hidden": true}
# The answer (open it after you have predicted): both runs, with their plot folded below.
def train_curve(batch_size: int | None) -> tuple[MLP, list[float], list[float]]:
    net = MLP(2, [8, 8, 1], seed=1)
    records = fit(net, (X_train, y_train), "bce", SGD(net.parameters(), lr=0.5), epochs=20,
                  batch_size=batch_size, progress=False, seed=0)
    epochs = [r["step"] * (batch_size or len(X_train)) / len(X_train) for r in records]
    return net, epochs, [r["loss"] for r in records]


full_net, full_epochs, full_losses = train_curve(None)
mini_net, mini_epochs, mini_losses = train_curve(10)
full_final, _ = evaluate(full_net, X_train.tolist(), y_train.tolist(), "bce")
mini_final, _ = evaluate(mini_net, X_train.tolist(), y_train.tolist(), "bce")
with folded_answer():
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.plot(mini_epochs, mini_losses, linewidth=1, label="mini-batch of 10 (loss of each batch)")
    ax.plot(full_epochs, full_losses, marker="o", markersize=3, label="full batch of 100")
    ax.set_xlabel("epoch (passes over the training data)")
    ax.set_ylabel("training loss (BCE)")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    plt.show()
    print(f"steps: mini-batch {len(mini_losses)}, full batch {len(full_losses)}")
    print(f"loss on all 100 training points after 20 epochs: mini-batch {mini_final:.4f},",
          f"full batch {full_final:.4f}")
assert len(mini_losses) == 10 * len(full_losses) == 200, "mini-batches of 10 should take 10 steps per epoch"
assert mini_final < full_final, "with ten times more steps the mini-batch run should get further"

# %% [markdown]
# <details><summary><b>The answer, explained</b> (click to open after you have predicted)</summary>
#
# With the same number of passes over the data, the mini-batch run took ten times as many steps and got
# much further (compare the losses on the whole training set printed under the plot); its curve is jagged
# because each point is the loss of a different batch of 10. That is the trade the notes describe: a
# less accurate direction per step, far more steps for the same work.
#
# </details>

# %% [markdown]
# ## The gradient with respect to the inputs
#
# `backward()` fills in `.grad` for every `Value` in the graph, the inputs included. For the trained
# model, $\nabla_x s = (\partial s/\partial x_0,\ \partial s/\partial x_1)$, the gradient of the score
# with respect to the two coordinates of a point, says in which direction to move the point to raise
# the score fastest. It is perpendicular to the *contour* of the score through that point, the curve
# along which $s$ keeps the value it has there: a small step along the contour does not change $s$, so
# the fastest change is straight across it. For a point on the decision boundary $s = 0$, and that
# contour *is* the decision boundary.
#
# The same idea finds the pixels a prediction is most sensitive to (a *saliency map*) and the small
# changes that fool a classifier (*adversarial examples*). Backpropagation uses the same kind of
# gradient between layers: each layer receives $\partial L/\partial(\text{its output})$ and hands
# $\partial L/\partial(\text{its input})$ back to the layer before it, whose output that input is (the
# source notes' "gradient wrt inputs for backpropagation"). Here we take it one step further back, to
# the data point itself, and for the score $s$ instead of a loss.
#
# Two small functions do the work: `s_at` evaluates the score, and `input_gradient` makes the point's
# coordinates `Value`s, so that `backward()` reaches them and leaves $\partial s/\partial x$ in their `.grad`.

# %%
def s_at(p: list[float]) -> float:
    """The trained model's score at the point p (no graph kept: only the number)."""
    with no_grad():
        return model([float(v) for v in p]).data


def input_gradient(p: list[float]) -> tuple[float, np.ndarray]:
    """The score at p and ds/dx: the point's coordinates are Values, so backward() reaches them."""
    inputs = [Value(float(v)) for v in p]
    out = model(inputs)
    out.backward()
    return out.data, np.array([v.grad for v in inputs])


# %% jupyter={"source_hidden": true}
# Folded away (click "..." to open): finding points on the decision boundary and drawing the arrows.
def boundary_points(count: int = 5) -> list[list[float]]:
    """Points where the score is 0: in a few grid columns, bisect in x1 where the score changes sign."""
    found = []
    for j in np.linspace(8, len(xs) - 9, count).astype(int):
        crossings = np.nonzero(np.diff(np.sign(current_scores[:, j])))[0]
        if len(crossings):
            lo, hi = ys[crossings[0]], ys[crossings[0] + 1]
            for _ in range(50):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if np.sign(s_at([xs[j], mid])) == np.sign(s_at([xs[j], lo])) else (lo, mid)
            found.append([float(xs[j]), (lo + hi) / 2])
    return found


def draw_input_gradients(yours: list[float], your_gradient: np.ndarray, points: list[list[float]] = (),
                         gradients: np.ndarray = ()) -> None:
    """The current model's boundary, the training points, and the direction of ds/dx at your point
    (and at the given points on the boundary)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.contourf(xs, ys, 1 / (1 + np.exp(-current_scores)), levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                alpha=0.5)
    ax.contour(xs, ys, current_scores, levels=[0.0], colors="black", linewidths=1.5)
    for label, color in ((0, "tab:blue"), (1, "tab:red")):
        ax.scatter(*X_train[y_train == label].T, c=color, edgecolors="black", s=18,
                   label=f"class {label} (train)")
    if len(points):
        arrows = np.array([g / np.linalg.norm(g) for g in gradients])
        pts = np.array(points)
        ax.quiver(pts[:, 0], pts[:, 1], arrows[:, 0], arrows[:, 1], color="black", angles="xy",
                  scale_units="xy", scale=2.5, width=0.006, label="direction of ds/dx on the boundary")
    ax.plot(*yours, "o", color="tab:green", markeredgecolor="black", markersize=7)
    if np.linalg.norm(your_gradient) > 0:
        unit = your_gradient / np.linalg.norm(your_gradient)
        ax.quiver(*yours, *unit, color="tab:green", angles="xy", scale_units="xy", scale=2.5, width=0.008,
                  label="direction of ds/dx at your point")
    ax.set_aspect("equal")  # so that right angles look like right angles
    ax.set_title(f"the model after {len(history)} epochs, with input gradients")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    plt.show()


# %% [markdown]
# ### Your turn · Playground
#
# Pick a point and run. The cell compares the engine's input gradient with finite differences of the
# score, checks that a small step $\varepsilon$ along the gradient raises the score by
# $\approx \varepsilon \lVert \nabla_x s \rVert$ and that a step at right angles to it (along the contour)
# changes the score by almost nothing. It then draws the direction of $\nabla_x s$ at your point (the
# green arrow) over the decision boundary of the model trained for 80 epochs (the one drawn above).
# **Predict**: at a point where the score is about 0, does $\nabla_x s$ point toward the class 0 side of
# the boundary or toward the class 1 side? Then try a point close to the black line.

# %%
point = [0.5, 0.25]  # change me

s_point, g_x = input_gradient(point)
h = 1e-6
g_fd = np.array([(s_at([point[0] + h, point[1]]) - s_at([point[0] - h, point[1]])) / (2 * h),
                 (s_at([point[0], point[1] + h]) - s_at([point[0], point[1] - h])) / (2 * h)])
print(f"score {s_point:.4f} (class {int(s_point > 0)}); ds/dx = {g_x.round(4)},",
      f"finite differences {g_fd.round(4)}")
kink = " (or move your point a little: it may sit on a kink of a ReLU)"
assert np.allclose(g_x, g_fd, rtol=1e-5, atol=1e-7), "backward and finite differences disagree" + kink
norm = float(np.linalg.norm(g_x))
if norm == 0:
    print("ds/dx = 0 here: every ReLU this point reaches is off, the score is flat; try another point")
else:
    eps = 1e-4
    unit = g_x / norm
    across = s_at(list(np.array(point) + eps * unit)) - s_point
    along = s_at(list(np.array(point) + eps * np.array([-unit[1], unit[0]]))) - s_point
    print(f"a step of {eps} along the gradient changes the score by {across:.3e}",
          f"= eps * |grad| ({eps * norm:.3e})")
    print(f"a step of {eps} at right angles to it changes the score by {along:.1e}")
    assert abs(across - eps * norm) < 1e-2 * eps * norm + 1e-9, "the step along the gradient" + kink
    assert abs(along) < 1e-2 * eps * norm + 1e-9, "the step along the contour changed the score" + kink

current_scores = scores_on_grid(model, xs, ys)  # the model as it is now (80 epochs)
draw_input_gradients(point, g_x)

# %% [markdown]
# Answer (folded: click to open after you have predicted)

# %% jupyter={"source_hidden": true}
# The answer (open it after you have predicted): ds/dx at five points on the boundary, plot folded below.
current_scores = scores_on_grid(model, xs, ys)  # the model as it is now (80 epochs)
on_boundary = boundary_points()
boundary_gradients = np.array([input_gradient(p)[1] for p in on_boundary])
for p, gb in zip(on_boundary, boundary_gradients):
    step = 1e-3 * gb / np.linalg.norm(gb)
    assert abs(s_at(p)) < 1e-6, "the bisection should end on the boundary"
    assert s_at(list(np.array(p) + step)) > 0 > s_at(list(np.array(p) - step)), \
        "a small step along ds/dx from the boundary should reach the class 1 side"
with folded_answer():
    draw_input_gradients(point, g_x, on_boundary, boundary_gradients)

# %% [markdown]
# <details><summary><b>The answer, explained</b> (click to open after you have predicted)</summary>
#
# Every black arrow points into the class 1 side (red): $\nabla_x s$ is the direction in which the score
# grows, and $s > 0$ means class 1. The arrows also stand at right angles to the black line, as they
# must on the contour $s = 0$. (The cell checks both: a small step along the arrow from a boundary point
# gives $s > 0$, a step the other way $s < 0$.)
#
# </details>


# %% [markdown]
# ## Appendix: a damaged checkpoint is refused
#
# The checkpoint file is plain JSON: its `payload` holds the architecture, the parameters and the
# optimizer state, and next to it a SHA-256 *checksum* of the payload: a 64-digit fingerprint computed
# from the payload, which comes out different if anything in it changes. If the file is edited or cut
# short, `load` raises a `ValueError` that says what is wrong instead of quietly returning a different
# model.

# %%
text = path.read_text()
document = json.loads(text)
print("top-level keys:", sorted(document))
print("architecture:")
for key, value in document["payload"]["architecture"].items():
    print(f"  {key}: {value}")
optimizer_state = document["payload"]["optimizer"]
print("optimizer:", optimizer_state["type"], "after", optimizer_state["state"]["step"], "steps")

# The damaged files go to a temporary folder of their own: the checkpoint above stays as it is.
damaged_dir = tempfile.TemporaryDirectory()
damaged = Path(damaged_dir.name) / "moons.json"

name = "layers.0.neurons.0.w.0"
value = document["payload"]["parameters"][name]
damaged.write_text(text.replace(f'"{name}": {value!r}', f'"{name}": {value + 1.0!r}', 1))
try:
    load(damaged)
except ValueError as exc:
    message = str(exc).split(": ", 1)[1]  # drop the (temporary) file path in front
    print("ValueError:", message)
else:
    raise AssertionError("a modified checkpoint must not load")
assert "checksum" in message, "the error should name the checksum"

damaged.write_text(text[: len(text) // 2])  # truncated
try:
    load(damaged)
except ValueError as exc:
    print("ValueError:", str(exc).split(": ", 1)[1].split(":")[0])
else:
    raise AssertionError("a truncated checkpoint must not load")
damaged_dir.cleanup()

# %% [markdown]
# ## Summary
#
# * A 2 → 8 → 8 → 1 ReLU network trained with Adam and binary cross-entropy (on the score as a logit)
#   separates the two moons: the training loss falls by well over 10×, and the test accuracy on 100
#   unseen points is at least 90%.
# * The decision boundary is the zero level of the score, found by evaluating the network on a grid
#   under `no_grad()`.
# * `save` / `load` round-trip parameters bit for bit and rebuild the model from the stored
#   architecture; a checksum makes `load` refuse edited or truncated files.
# * With the optimizer state restored, resumed training is identical to training that never stopped. A
#   fresh Adam restarts with $m = v = 0$, $t = 0$: its first step moves every parameter by the full
#   learning rate, which makes the loss jump, while the resumed Adam's $\hat v$ remembers the larger early
#   gradients and keeps its steps small.
# * With the same learning rate, mini-batches of 10 take ten noisy steps per epoch and get much further
#   per pass over the data than one exact full-batch step.
# * The gradient of the score with respect to the inputs is perpendicular to the score's contour through
#   the point; on the decision boundary it points across the boundary, into the class 1 side.
