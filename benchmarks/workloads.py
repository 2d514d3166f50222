"""Benchmark inputs shaped like a trained layer's representations.

A trained tanh layer maps inputs of a class to a few tight clusters near the
corners of [−1, 1]^d (saturation), with some clusters still spread out and a
few points in between. ``clustered_layer`` draws such sets reproducibly.
"""

from __future__ import annotations

import numpy as np


def clustered_layer(n: int, d: int, *, clusters: int = 24, seed: int = 0) -> np.ndarray:
    """``n`` points in [−1, 1]^d: tanh of Gaussian clusters with per-cluster spreads.

    Cluster centers are tanh(3 z), z ~ N(0, I) (mostly saturated
    coordinates); cluster k has pre-activation spread s_k, log-uniform in
    [0.01, 1]: tight clusters stay tight after tanh, loose ones fill space.
    """
    rng = np.random.default_rng(seed)
    center = 3.0 * rng.normal(size=(clusters, d))
    spread = np.exp(rng.uniform(np.log(0.01), np.log(1.0), size=clusters))
    label = rng.integers(0, clusters, size=n)
    pre = center[label] + spread[label, None] * rng.normal(size=(n, d))
    return np.tanh(pre)


def monte_carlo_points(centers: np.ndarray, beta: float, *, seed: int = 1) -> np.ndarray:
    """One draw μ_j + β ε_j per center: the points at which h(g) is estimated."""
    rng = np.random.default_rng(seed)
    return centers + beta * rng.normal(size=centers.shape)
