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
    """n samples (x (n, d_x), y (n, d_y)) of jointly normal X, Y with I(X;Y) = ``mi`` nats exactly.

    The information is split evenly over m = min(d_x, d_y) coordinate pairs of
    unit-variance normals with correlation ρ = √(1 − e^{−2I/m}) (each pair carries
    −½ ln(1 − ρ²) = I/m nats); then x and y are each turned by a random rotation,
    which leaves I(X;Y) unchanged (Butakov et al. 2024).

    Parameters
    ----------
    n : int
        Number of samples, at least 1.
    d_x, d_y : int
        Dimensions of X and Y, at least 1.
    mi : float
        I(X;Y) in nats, in [0, 1000].
    seed : int, default 0
        Seed of the samples and of the rotations, an integer in [0, 2⁶³).

    Returns
    -------
    x : ndarray of float64, shape (n, d_x)
        Samples of X, standard normal.
    y : ndarray of float64, shape (n, d_y)
        The paired samples of Y, standard normal.

    Raises
    ------
    ValueError
        If ``n``, ``d_x``, ``d_y``, ``mi`` or ``seed`` is out of range (the message
        starts with the argument's name).

    See Also
    --------
    :func:`ipcore.data.gaussian_blobs` : Images of such latents, which carry the same information.
    :func:`ipcore.data.rectangles` : Images of such latents, which carry the same information.

    Examples
    --------
    The Gaussian formula I = ½ ln(det Σ_x det Σ_y / det Σ) on the samples'
    covariance recovers ``mi``:

    >>> import numpy as np
    >>> x, y = correlated_gaussians(100_000, 2, 3, mi=0.5, seed=0)
    >>> x.shape, y.shape
    ((100000, 2), (100000, 3))
    >>> cov = np.cov(np.hstack([x, y]).T)
    >>> mi = 0.5 * np.log(np.linalg.det(cov[:2, :2]) * np.linalg.det(cov[2:, 2:]) / np.linalg.det(cov))
    >>> round(float(mi), 2)
    0.5
    >>> correlated_gaussians(10, 2, 2, mi=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: mi: must be a finite number in [0, 1000], got -1.0
    """
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

    Parameters
    ----------
    inputs : ndarray, shape (G, m, d_in)
        The m values each block's input takes, equally likely.
    centers : ndarray, shape (G, m, block)
        Each block's clean output for each of its input values.
    beta : float
        β, the standard deviation of the Gaussian noise Z added to every unit.

    See Also
    --------
    :func:`ipcore.data.noisy_layer` : A random layer of this kind.
    :func:`ipcore.estimators.channel_information` : Its exact I(X;T), by quadrature.

    Examples
    --------
    One block of one unit whose input takes two values:

    >>> import numpy as np
    >>> inputs = np.array([[[-1.0], [1.0]]])
    >>> layer = NoisyLayer(inputs, np.tanh(2 * inputs), beta=0.5)
    >>> layer.dim
    1
    >>> x, s, t = layer.sample(4, seed=0)
    >>> x.shape, s.shape, t.shape
    ((4, 1), (4, 1), (4, 1))
    >>> bool(np.allclose(s, np.tanh(2 * x)))
    True
    """

    inputs: np.ndarray  #: (G, m, d_in) the values each block's input takes, equally likely
    centers: np.ndarray  #: (G, m, block) the block's clean output for each value
    beta: float  #: noise std

    #: Deprecated spelling (ipcore 0.1) of :attr:`centers`.
    centres = renamed_attribute("centers", "centres")

    @property
    def dim(self) -> int:
        """d = G·block, the dimension of T.

        Examples
        --------
        >>> noisy_layer(6, beta=0.1, block=2).dim
        6
        """
        return self.centers.shape[0] * self.centers.shape[2]

    def sample(self, n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n independent draws (x (n, G·d_in), s (n, d) the clean layer, t = s + βz (n, d)).

        Parameters
        ----------
        n : int
            Number of draws, at least 1.
        seed : int, default 0
            Seed of the inputs and of the noise, an integer in [0, 2⁶³).

        Returns
        -------
        x : ndarray of float64, shape (n, G·d_in)
            The inputs, block by block.
        s : ndarray of float64, shape (n, d)
            The clean layer, tanh(X_g W_g + b_g) for each block g.
        t : ndarray of float64, shape (n, d)
            The noisy layer s + βz, z standard normal.

        Raises
        ------
        ValueError
            If ``n`` is not an integer ≥ 1 or ``seed`` is not a valid seed.

        Examples
        --------
        >>> import numpy as np
        >>> layer = noisy_layer(4, beta=0.1, n_inputs=3, block=2, seed=0)
        >>> x, s, t = layer.sample(1000, seed=1)
        >>> x.shape, s.shape, t.shape
        ((1000, 8), (1000, 4), (1000, 4))
        >>> round(float(np.std(t - s)), 1)
        0.1
        >>> layer.sample(0)
        Traceback (most recent call last):
        ...
        ValueError: n: must be an integer >= 1, got 0
        """
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

    Parameters
    ----------
    dim : int
        d, the number of units, in [1, 4096]; a multiple of ``block``.
    beta : float
        β, the noise standard deviation.
    n_inputs : int, default 8
        m, the number of values each block's input takes, in [1, 4096].
    block : int, default 1
        Units per block, 1 or 2.
    seed : int, default 0
        Seed of the input values, weights and biases, an integer in [0, 2⁶³).

    Returns
    -------
    NoisyLayer
        The layer, with ``inputs`` (dim/block, n_inputs, 4) and ``centers``
        (dim/block, n_inputs, block).

    Raises
    ------
    ValueError
        If ``dim`` is not a multiple of ``block``, or an argument is out of range
        (the message starts with the argument's name).

    See Also
    --------
    :func:`ipcore.estimators.channel_information` : The exact I(X;T) of the layer.

    Examples
    --------
    >>> layer = noisy_layer(4, beta=0.1, n_inputs=3, block=2, seed=0)
    >>> layer.inputs.shape, layer.centers.shape, layer.dim, layer.beta
    ((2, 3, 4), (2, 3, 2), 4, 0.1)
    >>> noisy_layer(3, beta=0.1, block=2)
    Traceback (most recent call last):
    ...
    ValueError: dim: must be a multiple of block = 2, got 3
    """
    if dim % block:
        raise ValueError(f"dim: must be a multiple of block = {block}, got {dim}")
    rng = np.random.default_rng(seed)
    g, d_in = dim // block, 4
    inputs = rng.standard_normal((g, n_inputs, d_in))
    weight = rng.standard_normal((g, d_in, block)) / math.sqrt(d_in)
    bias = 0.1 * rng.standard_normal((g, 1, block))
    return NoisyLayer(inputs, np.tanh(inputs @ weight + bias), float(beta))
