"""Small data sets, made locally with numpy from a seed (no downloads).

Every generator returns ``X`` (float64, shape ``(n, features)``) and integer
class labels ``y`` (shape ``(n,)``, values ``0 .. classes-1``) and is fully
determined by its ``seed``.

* :func:`make_moons` -- two interleaving half circles (binary).
* :func:`make_blobs` -- Gaussian clusters around random centres.
* :func:`xor` -- the four quadrants, labelled by the sign of ``x0 * x1``.
* :func:`spiral` -- ``classes`` interleaved spiral arms (3 by default), the
  multi-class example for softmax cross-entropy.
* :func:`load_digits` -- scikit-learn's bundled 8x8 digits (the optional
  ``digits`` extra; the data ships inside scikit-learn, nothing is downloaded),
  and :func:`load_digits_split`, the held-out split the digits demo trains on.
* :func:`train_test_split` -- a seeded, optionally stratified split.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from micrograd.validate import check_int, check_real

__all__ = [
    "load_digits",
    "load_digits_split",
    "make_blobs",
    "make_moons",
    "spiral",
    "train_test_split",
    "xor",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = 0, shuffle: bool = True
) -> tuple[FloatArray, IntArray]:
    """Two interleaving half circles (the construction scikit-learn uses).

    The outer moon is ``(cos t, sin t)`` and the inner one
    ``(1 - cos t, 0.5 - sin t)`` for ``t`` evenly spaced in ``[0, pi]``;
    Gaussian noise of standard deviation ``noise`` is added.  Returns
    ``X`` of shape ``(n, 2)`` and labels ``y`` in ``{0, 1}``.
    """
    n = check_int(n, "n", minimum=2)
    noise = check_real(noise, "noise", minimum=0)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if shuffle:
        order = rng.permutation(n)
        X, y = X[order], y[order]
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X.astype(np.float64), y


def make_blobs(
    n: int = 100,
    centers: int = 3,
    std: float = 1.0,
    seed: int | None = 0,
    n_features: int = 2,
    box: tuple[float, float] = (-10.0, 10.0),
) -> tuple[FloatArray, IntArray]:
    """``centers`` isotropic Gaussian clusters (standard deviation ``std``).

    Centres are uniform in ``box`` along every axis; points are dealt to the
    clusters as evenly as possible (the first ``n % centers`` get one more)
    and returned in random order.  Label ``k`` means "drawn around centre k".
    """
    n = check_int(n, "n", minimum=2)
    centers = check_int(centers, "centers")
    n_features = check_int(n_features, "n_features")
    std = check_real(std, "std", minimum=0)
    if len(box) != 2:
        raise ValueError(f"box must be a pair (low, high), got {box!r}")
    low, high = check_real(box[0], "box[0]"), check_real(box[1], "box[1]")
    if not low < high:
        raise ValueError(f"box must be (low, high) with low < high, got {box!r}")
    rng = np.random.default_rng(seed)
    middle = rng.uniform(low, high, size=(centers, n_features))
    y = np.arange(n, dtype=np.int64) % centers
    rng.shuffle(y)
    X = middle[y] + rng.normal(scale=std, size=(n, n_features))
    return X.astype(np.float64), y


def xor(
    n: int = 100, noise: float = 0.0, seed: int | None = 0, margin: float = 0.1
) -> tuple[FloatArray, IntArray]:
    """Points in ``[-1, 1]^2`` with label 1 where ``x0 * x1 < 0`` (the XOR of the signs).

    Each coordinate is at least ``margin`` away from 0 before Gaussian
    ``noise`` is added, so with ``noise=0`` the classes are separable.
    Not linearly separable: the smallest MLP that fits it has one hidden layer.
    """
    n = check_int(n, "n", minimum=2)
    noise = check_real(noise, "noise", minimum=0)
    margin = check_real(margin, "margin", minimum=0)
    if margin >= 1.0:
        raise ValueError(f"margin must be < 1, got {margin!r}")
    rng = np.random.default_rng(seed)
    magnitude = rng.uniform(margin, 1.0, size=(n, 2))
    sign = rng.choice(np.array([-1.0, 1.0]), size=(n, 2))
    clean = magnitude * sign
    y = (clean[:, 0] * clean[:, 1] < 0).astype(np.int64)
    X = clean + rng.normal(scale=noise, size=clean.shape) if noise > 0 else clean
    return X.astype(np.float64), y


def spiral(
    n: int = 150, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[FloatArray, IntArray]:
    """``classes`` spiral arms (the CS231n toy problem), ``n`` points in total.

    Arm ``k`` has radius ``r`` evenly spaced in ``(0, 1]`` (the origin is left
    out: it lies on every arm, so no classifier could get it right) and angle
    ``4 k + 4 r`` radians plus Gaussian noise of ``noise`` radians; a point is
    ``(r sin angle, r cos angle)``.  Points are returned in random order.
    """
    n = check_int(n, "n", minimum=2)
    classes = check_int(classes, "classes", minimum=2)
    noise = check_real(noise, "noise", minimum=0)
    if n < classes:
        raise ValueError(f"n must be >= classes ({classes}), got {n}")
    rng = np.random.default_rng(seed)
    parts_X, parts_y = [], []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        r = np.linspace(0.0, 1.0, count + 1)[1:]
        angle = 4.0 * k + 4.0 * r + rng.normal(scale=noise, size=count)
        parts_X.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        parts_y.append(np.full(count, k, dtype=np.int64))
    X, y = np.vstack(parts_X), np.concatenate(parts_y)
    order = rng.permutation(n)
    return X[order].astype(np.float64), y[order]


DIGITS_HINT = (
    "load_digits needs scikit-learn, which ships the 8x8 digits data set; install it with "
    "`pip install 'micrograd[digits]'` (or `pip install scikit-learn`)"
)


def load_digits(n_class: int = 10) -> tuple[FloatArray, IntArray]:
    """scikit-learn's bundled 8x8 handwritten digits: ``X`` of shape
    ``(n, 64)`` scaled to ``[0, 1]`` (pixel / 16), ``y`` the digit.

    Only digits ``0 .. n_class-1`` are kept.  Raises ``ImportError`` with
    install instructions if scikit-learn is missing.
    """
    n_class = check_int(n_class, "n_class", minimum=2, maximum=10)
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as exc:
        raise ImportError(DIGITS_HINT) from exc
    bunch = sklearn_load_digits(n_class=n_class)
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y


def train_test_split(
    X: NDArray[Any],
    y: NDArray[Any],
    test_fraction: float = 0.25,
    seed: int | None = 0,
    stratify: bool = True,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)``.

    With ``stratify`` each class contributes ``round(test_fraction * count)``
    samples to the test set, so both parts keep the class proportions.
    Both parts are non-empty.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {X.shape} and {y.shape}")
    fraction = check_real(test_fraction, "test_fraction", minimum=0, strict_minimum=True)
    if fraction >= 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")
    n = len(y)
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}")
    rng = np.random.default_rng(seed)
    if stratify:
        test_parts = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test_parts.append(members[: round(fraction * len(members))])
        test = np.sort(np.concatenate(test_parts))
    else:
        test = np.sort(rng.permutation(n)[: round(fraction * n)])
    if len(test) == 0 or len(test) == n:
        k = min(max(len(test), 1), n - 1)
        test = np.sort(rng.permutation(n)[:k])
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    train_order = rng.permutation(np.flatnonzero(~mask))
    test_order = rng.permutation(test)
    return X[train_order], X[test_order], y[train_order], y[test_order]


def load_digits_split(
    seed: int = 0, test_fraction: float = 0.2
) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """``(X_train, y_train, X_test, y_test)`` of :func:`load_digits`, pixels
    scaled to [0, 1/4], with a seeded split (stratified by class) holding out
    ``test_fraction`` of the samples.

    Why 1/4: an ``MLP`` draws its weights from U(-1, 1), so a first-layer
    pre-activation is a sum of 64 terms ``w_i x_i``; with pixels in [0, 1] the
    first logits are in the tens and the loss starts near 4, while pixels in
    [0, 1/4] keep them of order one and the net trains well.
    """
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X / 4.0, y, test_fraction=test_fraction, seed=seed)
    return X_train, y_train, X_test, y_test
