"""Data whose mutual information is known exactly, for testing estimators.

:func:`correlated_gaussians` is Butakov et al.'s construction (2024,
``multivariate_normal_from_MI``): the information is split evenly over m = min(d_x, d_y)
coordinate pairs of unit-variance normals with correlation ρ = √(1 − e^{−2I/m}) (each pair
carries −½ ln(1 − ρ²) = I/m nats), then each block is turned by its own random rotation,
which leaves I(X;Y) unchanged.
"""

from __future__ import annotations

import math

import numpy as np

from ipcore.validation import Integer, Real, Seed, validate_params


def _rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    """A random orthogonal matrix (Haar: QR of a Gaussian matrix with the signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


@validate_params(n=Integer(low=1), d_x=Integer(low=1), d_y=Integer(low=1), mi=Real(low=0, high=1e3), seed=Seed())
def correlated_gaussians(n: int, d_x: int, d_y: int, mi: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n samples (x (n, d_x), y (n, d_y)) of jointly normal X, Y with I(X;Y) = ``mi`` nats exactly."""
    rng = np.random.default_rng(seed)
    m = min(d_x, d_y)
    rho = math.sqrt(-math.expm1(-2.0 * mi / m))
    x = rng.standard_normal((n, d_x))
    y = rng.standard_normal((n, d_y))
    y[:, :m] = rho * x[:, :m] + math.sqrt(1.0 - rho * rho) * y[:, :m]
    return x @ _rotation(rng, d_x).T, y @ _rotation(rng, d_y).T
