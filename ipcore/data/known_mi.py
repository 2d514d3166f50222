"""Data whose mutual information is known exactly, for testing estimators.

:func:`correlated_gaussians` is Butakov et al.'s construction (2024,
``multivariate_normal_from_MI``): the information is split evenly over m = min(d_x, d_y)
coordinate pairs of unit-variance normals with correlation ρ = √(1 − e^{−2I/m}) (each pair
carries −½ ln(1 − ρ²) = I/m nats), then each block is turned by its own random rotation,
which leaves I(X;Y) unchanged.

:func:`noisy_layer` is the setting the sample-propagation estimator was built for: inputs
uniform on a finite set, pushed through a tanh layer, plus Gaussian noise of std β. The layer
is made of independent blocks of one or two units, each fed by its own input, so that the true
I(X;T) is the sum of one- or two-dimensional integrals
(:func:`ipcore.estimators.channel_information` computes it by quadrature) in any dimension.
"""

from __future__ import annotations

import math

import numpy as np

from dataclasses import dataclass

from ipcore.deprecation import renamed_attribute, renamed_keywords
from ipcore.validation import Beta, Choice, Integer, Real, Seed, validate_params


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


@dataclass(frozen=True)
class NoisyLayer:
    """T = (tanh(X_g W_g + b_g))_g + β Z: G independent blocks of ``block`` units each.

    Block g's input X_g is uniform on the m rows of ``inputs[g]``; its clean outputs are
    ``centers[g]`` (m, block). T has dimension d = G·block, and
    I(X;T) = Σ_g I(X_g; T_g) (``channel_information(centers, beta)``), up to G·ln m nats.
    """

    inputs: np.ndarray  #: (G, m, d_in) the values each block's input takes, equally likely
    centers: np.ndarray  #: (G, m, block) the block's clean output for each value
    beta: float  #: noise std

    #: Deprecated spelling (ipcore 0.1) of :attr:`centers`.
    centres = renamed_attribute("centers", "centres")

    @property
    def dim(self) -> int:
        """d, the dimension of T."""
        return self.centers.shape[0] * self.centers.shape[2]

    def sample(self, n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n independent draws (x (n, G·d_in), s (n, d) the clean layer, t = s + βz (n, d))."""
        n = int(Integer(low=1).check(n, "n"))
        rng = np.random.default_rng(Seed().check(seed, "seed"))
        g, m, _ = self.inputs.shape
        index = rng.integers(0, m, size=(n, g))
        blocks = np.arange(g)[None, :]
        x = self.inputs[blocks, index].reshape(n, -1)
        s = self.centers[blocks, index].reshape(n, -1)
        return x, s, s + self.beta * rng.standard_normal(s.shape)


@renamed_keywords(points="n_inputs")
@validate_params(dim=Integer(low=1, high=4096), beta=Beta(), n_inputs=Integer(low=1, high=4096),
                 block=Choice((1, 2)), seed=Seed())
def noisy_layer(dim: int, beta: float, *, n_inputs: int = 8, block: int = 1, seed: int = 0) -> NoisyLayer:
    """A random noisy tanh layer of ``dim`` units in blocks of ``block`` (1 or 2), each block fed
    by an input uniform on ``n_inputs`` random points of R^4 (weights N(0, 1/4), biases N(0, 0.1²)).

    As β → 0 the inputs' outputs separate and I(X;T) → (dim/block)·ln(n_inputs).
    ``points=`` (ipcore 0.1) still works, with a :class:`DeprecationWarning`.
    """
    if dim % block:
        raise ValueError(f"dim: must be a multiple of block = {block}, got {dim}")
    rng = np.random.default_rng(seed)
    g, d_in = dim // block, 4
    inputs = rng.standard_normal((g, n_inputs, d_in))
    weight = rng.standard_normal((g, d_in, block)) / math.sqrt(d_in)
    bias = 0.1 * rng.standard_normal((g, 1, block))
    return NoisyLayer(inputs, np.tanh(inputs @ weight + bias), float(beta))
