"""Data sets: determinism, shapes, labels, and make_moons against scikit-learn."""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import pytest
import sklearn.datasets

from micrograd.data import load_digits, make_blobs, make_moons, spiral, train_test_split, xor


@pytest.mark.parametrize("n", [2, 7, 100, 101])
def test_moons_noiseless_geometry_equals_sklearn(n: int) -> None:
    X, y = make_moons(n, noise=0.0, shuffle=False)
    Xs, ys = sklearn.datasets.make_moons(n_samples=n, noise=0.0, shuffle=False)
    np.testing.assert_allclose(X, Xs, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(y, ys)


def test_moons_shuffled_is_same_point_set_as_sklearn() -> None:
    X, y = make_moons(100, noise=0.0, seed=3)
    Xs, ys = sklearn.datasets.make_moons(n_samples=100, noise=0.0, shuffle=False)
    ours = sorted(zip(map(tuple, X.round(12).tolist()), y.tolist()))
    theirs = sorted(zip(map(tuple, Xs.round(12).tolist()), ys.tolist()))
    assert ours == theirs


def test_moons_noise_and_seed() -> None:
    a = make_moons(50, noise=0.1, seed=1)
    b = make_moons(50, noise=0.1, seed=1)
    c = make_moons(50, noise=0.1, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    clean = make_moons(50, noise=0.0, seed=1)[0]
    spread = np.std(a[0] - clean)
    assert 0.05 < spread < 0.2  # the noise really has standard deviation ~0.1


def test_blobs() -> None:
    X, y = make_blobs(101, centers=4, std=0.5, seed=0, n_features=3)
    assert X.shape == (101, 3) and X.dtype == np.float64 and y.dtype == np.int64
    assert sorted(np.bincount(y).tolist()) == [25, 25, 25, 26]
    # Points sit near their own centre: class means are far apart relative to std.
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    for k in range(4):
        assert np.std(X[y == k] - means[k]) < 0.8
    np.testing.assert_array_equal(make_blobs(20, seed=5)[0], make_blobs(20, seed=5)[0])


def test_xor_labels_follow_quadrants() -> None:
    X, y = xor(200, seed=4)
    assert X.shape == (200, 2)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    assert np.all(np.abs(X) >= 0.1)
    assert 60 < y.sum() < 140


def test_spiral_three_classes() -> None:
    X, y = spiral(151, classes=3, seed=0)
    assert X.shape == (151, 2)
    assert np.bincount(y).tolist() == [51, 50, 50]
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() <= 1.0 + 1e-12
    assert radius.min() > 0  # the origin is on every arm, so it is left out
    np.testing.assert_array_equal(spiral(30, seed=2)[0], spiral(30, seed=2)[0])


def test_digits() -> None:
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    X3, y3 = load_digits(n_class=3)
    assert X3.shape == (len(y3), 64)
    assert set(y3.tolist()) == {0, 1, 2}


def test_digits_without_sklearn_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="scikit-learn"):
        load_digits()


def test_train_test_split_stratified() -> None:
    X, y = make_blobs(100, centers=2, seed=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_fraction=0.2, seed=1)
    assert len(Xtr) == 80 and len(Xte) == 20
    assert np.bincount(yte).tolist() == [10, 10]
    together = np.vstack([Xtr, Xte])
    assert sorted(map(tuple, together.tolist())) == sorted(map(tuple, X.tolist()))
    # labels still belong to their rows
    lookup = {tuple(row): label for row, label in zip(X.tolist(), y.tolist())}
    assert all(lookup[tuple(r)] == label for r, label in zip(Xtr.tolist(), ytr.tolist()))


def test_train_test_split_tiny_both_parts_non_empty() -> None:
    X, y = np.array([[0.0], [1.0]]), np.array([0, 1])
    Xtr, Xte, _, _ = train_test_split(X, y, test_fraction=0.1, seed=0)
    assert len(Xtr) == 1 and len(Xte) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_moons(1),
        lambda: make_moons(10, noise=-0.1),
        lambda: make_moons(10, noise=float("nan")),
        lambda: make_blobs(10, centers=0),
        lambda: make_blobs(10, box=(1.0, 1.0)),
        lambda: make_blobs(10, box=(0.0, float("inf"))),  # was numpy's OverflowError, naming no argument
        lambda: spiral(10, classes=1),
        lambda: spiral(2, classes=3),
        lambda: xor(10, margin=1.0),
        lambda: load_digits(n_class=11),
        lambda: train_test_split(np.zeros((3, 2)), np.zeros(2)),
        lambda: train_test_split(np.zeros((3, 2)), np.zeros(3), test_fraction=1.0),
    ],
)
def test_bad_arguments(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()
