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
#   and resume training exactly where it stopped -- and why the optimizer state matters;
# * mini-batch SGD against full-batch training, both loss curves in one plot;
# * the gradient with respect to the *inputs*: which way to move a point to change the prediction most;
# * and, by doing it: predict before you run, and a playground for the input gradient.
#
# The network is deliberately small (2 → 8 → 8 → 1) so the whole notebook runs in a few seconds with
# the pure-Python scalar engine.

# %%
%matplotlib inline
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from micrograd.checkpoint import load, save
from micrograd.data import make_moons, train_test_split
from micrograd.engine import Value, no_grad
from micrograd.nn import MLP
from micrograd.optim import Adam
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
#   the stable form $\log(1 + e^{-s})$ / $\log(1 + e^{s})$, never as $\log\sigma(s)$, so a very
#   confident score cannot produce $\log 0$.
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
# A SHA-256 checksum over the contents catches truncated or edited files. The file goes to a temporary
# folder, so the notebook leaves nothing behind.

# %%
workdir = tempfile.TemporaryDirectory()
path = Path(workdir.name) / "moons.json"
save(model, path, optimizer=optimizer)

document = json.loads(path.read_text())
print("top-level keys:", sorted(document))
print("architecture:  ", document["payload"]["architecture"])
print("optimizer:     ", document["payload"]["optimizer"]["type"], "after",
      document["payload"]["optimizer"]["state"]["step"], "steps")
print(f"file size: {path.stat().st_size / 1024:.1f} KiB")

checkpoint = load(path)
restored = checkpoint.model
assert restored is not None
assert restored.state_dict() == model.state_dict()  # every parameter, bit for bit
with no_grad():
    assert all(restored(list(x)).data == model(list(x)).data for x in X_test)
assert np.array_equal(scores_on_grid(restored, xs, ys), scores)
print("restored model: identical parameters and identical predictions")

# %% [markdown]
# ## Resuming training
#
# To continue training later, restore the optimizer state too. Then the resumed run is *exactly* the
# run that never stopped. We continue the original model for 20 more epochs, and the restored model
# (with its restored Adam state) for the same 20 epochs with the same `fit` settings: the losses match
# to the last bit. (Each epoch is one full batch, so there is no mini-batch sampling to repeat; `fit`
# still reorders the rows inside the batch each epoch, which could change the last bits of the summed
# loss, and `seed=7` makes that order the same in all three runs.)
#
# Restoring only the parameters is not enough for Adam: a fresh Adam starts its moment estimates at zero
# and its step count at 0, so it takes different steps. **Predict before you run**: will the run with a
# brand-new Adam continue smoothly, slow down, or get worse for a while?

# %%
resumed_optimizer = Adam(restored.parameters(), lr=0.05)
checkpoint.restore_optimizer(resumed_optimizer)

fresh_start = load(path).model  # same parameters, but a brand-new optimizer
fresh_optimizer = Adam(fresh_start.parameters(), lr=0.05)

more = dict(epochs=20, progress=False, seed=7)
continued = fit(model, (X_train, y_train), "bce", optimizer, **more)
resumed = fit(restored, (X_train, y_train), "bce", resumed_optimizer, **more)
restarted = fit(fresh_start, (X_train, y_train), "bce", fresh_optimizer, **more)

continued_losses = [r["loss"] for r in continued]
print(f"{'epoch':>5} {'never stopped':>14} {'resumed':>14} {'new Adam':>14}")
for i in range(0, 20, 4):
    print(f"{80 + i:>5} {continued_losses[i]:>14.10f} {resumed[i]['loss']:>14.10f} {restarted[i]['loss']:>14.10f}")

assert [r["loss"] for r in resumed] == continued_losses
assert restored.state_dict() == model.state_dict()
assert [r["loss"] for r in restarted] != continued_losses

# %% [markdown]
# The new Adam makes the loss *jump* (about ten times higher after a few epochs) before it recovers. The
# reason is its first step. Adam moves each parameter by $\eta\,\hat m/(\sqrt{\hat v} + \epsilon)$, where
# $\hat m$ and $\hat v$ are running averages of the gradient and of its square, divided by
# $1 - \beta^t$ to undo their start at zero. At $t = 1$ both averages hold just the one gradient $g$, so
# the step is $\eta\, g/|g| = \pm\eta$: every parameter that gets any gradient moves by the full 0.05,
# however small its gradient (only a gradient as tiny as Adam's $\epsilon = 10^{-8}$ moves it less). The resumed Adam remembers that the gradients used to be larger ($\hat v$) and that they
# point in changing directions ($\hat m$ near 0), so its steps near the minimum are tiny. The cell
# measures both first steps.

# %%
def first_update(model_copy: MLP, opt: Adam) -> np.ndarray:
    before = np.array([p.data for p in model_copy.parameters()])
    fit(model_copy, (X_train, y_train), "bce", opt, epochs=1, progress=False, seed=7)
    return np.abs(np.array([p.data for p in model_copy.parameters()]) - before)


kept = load(path)
kept_opt = Adam(kept.model.parameters(), lr=0.05)
kept.restore_optimizer(kept_opt)
new_model = load(path).model
step_kept = first_update(kept.model, kept_opt)
step_new = first_update(new_model, Adam(new_model.parameters(), lr=0.05))
print(f"resumed Adam: median |change| {np.median(step_kept):.2e}, largest {step_kept.max():.2e}")
print(f"new Adam:     median |change| {np.median(step_new):.2e}, largest {step_new.max():.2e}")
moved = step_new[step_new > 0]  # the parameters of dead ReLU units get no gradient and do not move
share = np.mean(np.isclose(moved, 0.05, rtol=0.02))
print(f"{len(moved)} parameters moved; {share:.0%} of them by (almost) the full 0.05")
assert share > 0.9 and step_new.max() <= 0.05 + 1e-12  # the full learning rate, whatever the gradient
assert np.median(step_kept) < 0.1 * np.median(step_new)

# %% [markdown]
# ## Mini-batch or full batch?
#
# The loss we minimise is the *average* over the training set, $C = \frac1n \sum_i C_i$, so its gradient is
# the average of the per-example gradients. Full-batch training computes that average exactly, once per
# epoch. *Mini-batch* stochastic gradient descent estimates it from a small random batch (here 10 of
# the 100 points) and takes a step after every batch: ten cheaper, noisier steps per epoch. **Predict**:
# after 20 epochs, which run has the lower training loss, and which curve is smoother?

# %%
def train_curve(batch_size: int | None) -> tuple[list[float], list[float]]:
    net = MLP(2, [8, 8, 1], seed=1)
    records = fit(net, (X_train, y_train), "bce", Adam(net.parameters(), lr=0.01), epochs=20,
                  batch_size=batch_size, progress=False, seed=0)
    epochs = [r["step"] * (batch_size or len(X_train)) / len(X_train) for r in records]
    return epochs, [r["loss"] for r in records]


full_epochs, full_losses = train_curve(None)
mini_epochs, mini_losses = train_curve(10)
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
assert len(mini_losses) == 10 * len(full_losses) == 200
assert np.mean(mini_losses[-10:]) < full_losses[-1]  # more steps in the same number of epochs

# %% [markdown]
# With the same number of passes over the data, the mini-batch run took ten times as many steps and got
# much further; its curve is jagged because each point is the loss of a different batch of 10. That is the
# trade the notes describe: a less accurate direction per step, far more steps for the same work.
#
# ## The gradient with respect to the inputs
#
# `backward()` fills in `.grad` for every `Value` in the graph, the inputs included. For a trained
# model, $\partial s/\partial x$ (the score's gradient with respect to the two coordinates of a point) says
# in which direction to move the point to change the score fastest: it is perpendicular to the
# decision boundary. The same idea finds the pixels a prediction is most sensitive to (a *saliency
# map*) and the small changes that fool a classifier (*adversarial examples*); earlier layers of a
# network receive exactly this gradient during backpropagation.
#
# ### Your turn · Playground
#
# Pick a point and run. The cell compares the engine's input gradient with finite differences of the
# score and checks that a small step along the gradient raises the score by $\approx \varepsilon \lVert \nabla_x s \rVert$.
# **Predict**: for a point right on the boundary, which way does the arrow point?

# %%
point = [0.5, 0.25]  # change me

inputs = [Value(v) for v in point]
score = model(inputs)
score.backward()
g_x = np.array([v.grad for v in inputs])
with no_grad():
    def s_at(p: list[float]) -> float:
        return model(p).data

    h = 1e-6
    g_fd = np.array([(s_at([point[0] + h, point[1]]) - s_at([point[0] - h, point[1]])) / (2 * h),
                     (s_at([point[0], point[1] + h]) - s_at([point[0], point[1] - h])) / (2 * h)])
    eps = 1e-4
    unit = g_x / np.linalg.norm(g_x)
    gain = s_at(list(np.array(point) + eps * unit)) - score.data
print(f"score {score.data:.4f} (class {int(score.data > 0)}); ds/dx = {g_x.round(4)}, finite differences {g_fd.round(4)}")
print(f"a step of {eps} along the gradient changes the score by {gain:.3e} = eps * |grad| ({eps * np.linalg.norm(g_x):.3e})")
assert np.allclose(g_x, g_fd, rtol=1e-5, atol=1e-7)
assert abs(gain - eps * np.linalg.norm(g_x)) < 1e-2 * eps * np.linalg.norm(g_x) + 1e-9


# %% [markdown]
# ## Appendix: a damaged checkpoint is refused
#
# If the file is edited or cut short, `load` raises a `ValueError` that says what is wrong instead of
# quietly returning a different model.

# %%
text = path.read_text()
name = "layers.0.neurons.0.w.0"
value = document["payload"]["parameters"][name]
path.write_text(text.replace(f'"{name}": {value!r}', f'"{name}": {value + 1.0!r}', 1))
try:
    load(path)
except ValueError as exc:
    message = str(exc).split(": ", 1)[1]  # drop the (temporary) file path in front
    print("ValueError:", message)
else:
    raise AssertionError("a modified checkpoint must not load")
assert "checksum" in message

path.write_text(text[: len(text) // 2])  # truncated
try:
    load(path)
except ValueError as exc:
    print("ValueError:", str(exc).split(": ", 1)[1].split(":")[0])
else:
    raise AssertionError("a truncated checkpoint must not load")
workdir.cleanup()

# %% [markdown]
# ## Summary
#
# * A 2 → 8 → 8 → 1 ReLU network trained with Adam and binary cross-entropy (on the score as a logit)
#   separates the two moons: the training loss falls by well over 10×, and the test accuracy on 100
#   unseen points is at least 90%.
# * The decision boundary is the zero level of the score, found by evaluating the network on a grid
#   under `no_grad()`.
# * `save` / `load` round-trip parameters bit for bit, rebuild the model from the stored architecture,
#   and refuse edited or truncated files.
# * With the optimizer state restored, resumed training is identical to training that never stopped; a
#   fresh Adam would take different steps: its first step moves every parameter by the full learning rate,
#   which makes the loss jump.
# * Mini-batches of 10 take ten noisy steps per epoch and get much further per pass over the data than
#   one exact full-batch step.
# * The gradient with respect to the inputs points across the decision boundary: the direction that
#   changes the score fastest.
