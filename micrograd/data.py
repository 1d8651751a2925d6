"""Small synthetic data sets, made locally with numpy from a seed (no downloads)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["make_moons"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _check_n(n: int, minimum: int = 2) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"n must be an int >= {minimum}, got {n!r}")


def _check_noise(noise: float) -> None:
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = 0, shuffle: bool = True
) -> tuple[FloatArray, IntArray]:
    """Two interleaving half circles (the construction scikit-learn uses).

    The outer moon is ``(cos t, sin t)`` and the inner one
    ``(1 - cos t, 0.5 - sin t)`` for ``t`` evenly spaced in ``[0, pi]``;
    Gaussian noise of standard deviation ``noise`` is added.  Returns
    ``X`` of shape ``(n, 2)`` and labels ``y`` in ``{0, 1}``.
    """
    _check_n(n)
    _check_noise(noise)
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
