"""Compression before estimation (Butakov et al. 2024): fit a map to k dimensions on training
samples, apply it to held-out ones, and estimate the information of the compressed pairs.

:func:`pca_compression` is principal component analysis: the k directions of largest variance
of the training samples, by a singular value decomposition. A map that is one-to-one on the
data (a linear embedding of k-dimensional latents, say) loses no information, and the
nearest-neighbour estimators, which whiten what they get, then return exactly what they return
on the latents themselves.

:func:`autoencoder_compression` trains a small autoencoder, whose code can follow a curved
manifold that PCA cannot. Butakov et al. used a convolutional one (2000 epochs, on a GPU);
this one is a multilayer perceptron (D → 256 → 64 → k, tanh code, mirror decoder) that fits
in a minute on two CPU cores, with their mean-absolute-error loss, Adam at 1e-3, and their
Gaussian noise on the input (0.1) and on the code (0.02) while training, which keeps the code
smooth and spread out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ipcore.config import progress_bar
from ipcore.seeding import derive_seed, make_generator
from ipcore.validation import Array, Flag, Integer, Real, Seed, validate_params


@dataclass(frozen=True)
class PCA:
    """A fitted projection: ``pca(x)`` = (x − mean) @ componentsᵀ, rows flattened first.

    Returned by :func:`ipcore.estimators.pca_compression`.

    Parameters
    ----------
    mean : numpy.ndarray
        Shape (D,): the training samples' mean.
    components : numpy.ndarray
        Shape (k, D): orthonormal rows, the directions of largest variance, by
        decreasing variance.
    explained_variance : numpy.ndarray
        Shape (k,): the training samples' variance along each component.

    Examples
    --------
    A fixed projection onto the first coordinate:

    >>> import numpy as np
    >>> from ipcore.estimators import PCA
    >>> pca = PCA(mean=np.zeros(2), components=np.array([[1.0, 0.0]]), explained_variance=np.ones(1))
    >>> pca(np.array([[3.0, 4.0]])).tolist()
    [[3.0]]
    """

    mean: np.ndarray  #: (D,)
    components: np.ndarray  #: (k, D), orthonormal rows, by decreasing variance
    explained_variance: np.ndarray  #: (k,) the training samples' variance along each

    def __call__(self, x: Any) -> np.ndarray:
        """The coordinates (x − mean) @ componentsᵀ of the samples ``x`` along the components.

        Parameters
        ----------
        x : array-like of shape (n, ...)
            Samples with D values each (images are flattened).

        Returns
        -------
        numpy.ndarray
            Shape (n, k), float64.

        Raises
        ------
        ValueError
            If a sample of ``x`` does not have the D values the map was fitted on.

        Examples
        --------
        >>> import numpy as np
        >>> from ipcore.estimators import pca_compression
        >>> x = np.random.default_rng(0).standard_normal((50, 3))
        >>> pca_compression(x, 2)(x).shape
        (50, 2)
        """
        return (_flat(x, self.mean.shape[0]) - self.mean) @ self.components.T


@validate_params(train=Array(ndim=(2, 3, 4), max_abs=1e100), k=Integer(low=1))
def pca_compression(train: Any, k: int) -> PCA:
    """The principal component analysis to ``k`` dimensions of the training samples ``train``.

    The k directions of largest variance of the centered samples, by a singular
    value decomposition X − x̄ = U S Vᵀ: components the first k rows of Vᵀ,
    explained variances s_i² / (n − 1). A map that is one-to-one on the data (a
    linear embedding of k-dimensional latents, say) loses no information (Butakov
    et al. 2024).

    Parameters
    ----------
    train : array-like of shape (n, D), (n, h, w) or (n, c, h, w)
        The training samples; images are flattened to D values.
    k : int
        Components kept, ≥ 1 and at most min(n, D).

    Returns
    -------
    PCA
        The fitted map; apply it to held-out samples.

    Raises
    ------
    ValueError
        If ``train`` is not a finite numeric array of 2 to 4 dimensions, is empty or
        has a value beyond ±1e100; if ``k`` is not an integer in [1, min(n, D)].

    Examples
    --------
    Samples on a plane in 5 dimensions: two components keep every distance, and a
    third has no variance left:

    >>> import numpy as np
    >>> from scipy.spatial.distance import pdist
    >>> from ipcore.estimators import pca_compression
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((100, 2)) * [3.0, 1.0]
    >>> basis, _ = np.linalg.qr(rng.standard_normal((5, 2)))
    >>> x = z @ basis.T + 1.0
    >>> pca = pca_compression(x, 2)
    >>> pca.components.shape, bool(np.allclose(pdist(pca(x)), pdist(z)))
    ((2, 5), True)
    >>> bool(pca_compression(x, 3).explained_variance[2] < 1e-20)
    True
    """
    flat = _flat(train, None, "train")
    if k > min(flat.shape):
        raise ValueError(f"k: at most min(samples, values per sample) = {min(flat.shape)} components, got {k}")
    mean = flat.mean(0)
    _, singular, vt = np.linalg.svd(flat - mean, full_matrices=False)
    return PCA(mean, vt[:k], singular[:k] ** 2 / (len(flat) - 1))


def _flat(x: Any, width: int | None, name: str = "x") -> np.ndarray:
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if width is not None and flat.shape[1] != width:
        raise ValueError(f"{name}: has {flat.shape[1]} values per sample, the map was fitted on {width}")
    return flat


@dataclass(frozen=True)
class Autoencoder:
    """A fitted autoencoder: ``autoencoder(x)`` is the code (n, k) of the samples x (n, …).

    Returned by :func:`ipcore.estimators.autoencoder_compression`. The code is
    taken without the training noise, before the encoder's final tanh and in
    float64 (the same information, since tanh is one-to-one; in float32 its
    saturation at ±1 would merge distinct samples into ties);
    :meth:`reconstruct` decodes it back to x's shape.

    Parameters
    ----------
    encoder : torch.nn.Module
        The trained encoder without its final tanh, in float64: the code map.
    decoder : torch.nn.Module
        The trained decoder, in float64.
    mean : numpy.ndarray
        Shape (D,): the training samples' mean, subtracted first.
    scale : float
        Their overall standard deviation, divided by next.
    losses : numpy.ndarray
        Shape (epochs,): the mean absolute error of each training epoch, in
        standard units.

    Examples
    --------
    Trained by :func:`ipcore.estimators.autoencoder_compression`; here, by hand, the
    identity as encoder shows the standardisation (x − mean) / scale:

    >>> import numpy as np
    >>> from torch import nn
    >>> from ipcore.estimators import Autoencoder
    >>> ae = Autoencoder(encoder=nn.Identity(), decoder=nn.Identity(), mean=np.array([1.0, 2.0]), scale=2.0,
    ...                  losses=np.zeros(0))
    >>> ae(np.array([[3.0, 2.0], [1.0, 0.0]])).tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """

    encoder: nn.Module  #: the trained encoder without its final tanh, in float64 (the code map)
    decoder: nn.Module  #: float64
    mean: np.ndarray  #: (D,) the training samples' mean, subtracted first
    scale: float  #: their overall standard deviation, divided by next
    losses: np.ndarray  #: (epochs,) the mean absolute error of each training epoch, in standard units

    def __call__(self, x: Any) -> np.ndarray:
        """The code of the samples ``x``: the encoder (without its final tanh) of the standardised samples.

        Parameters
        ----------
        x : array-like of shape (n, ...)
            Samples with D values each (images are flattened).

        Returns
        -------
        numpy.ndarray
            Shape (n, k), float64.

        Raises
        ------
        ValueError
            If a sample of ``x`` does not have the D values the map was fitted on.

        Examples
        --------
        >>> import numpy as np
        >>> from torch import nn
        >>> from ipcore.estimators import Autoencoder
        >>> encoder = nn.Linear(3, 2).double()
        >>> ae = Autoencoder(encoder=encoder, decoder=nn.Linear(2, 3).double(), mean=np.zeros(3), scale=1.0,
        ...                  losses=np.zeros(0))
        >>> code = ae(np.ones((5, 3)))
        >>> code.shape, code.dtype
        ((5, 2), dtype('float64'))
        """
        flat = (_flat(x, self.mean.shape[0]) - self.mean) / self.scale
        with torch.no_grad():
            return self.encoder(torch.as_tensor(flat, dtype=torch.float64)).numpy()

    def reconstruct(self, x: Any) -> np.ndarray:
        """The decoded code of ``x``, in x's units and shape: dec(tanh(code)) · scale + mean.

        Parameters
        ----------
        x : array-like of shape (n, ...)
            Samples with D values each.

        Returns
        -------
        numpy.ndarray
            The reconstructions, of the shape of ``x``.

        Raises
        ------
        ValueError
            If a sample of ``x`` does not have the D values the map was fitted on.

        Examples
        --------
        By hand, with the identity as encoder and decoder: the code (x − mean) / scale
        goes through the final tanh, then back to x's units:

        >>> import numpy as np
        >>> from torch import nn
        >>> from ipcore.estimators import Autoencoder
        >>> ae = Autoencoder(encoder=nn.Identity(), decoder=nn.Identity(), mean=np.array([1.0, 2.0]), scale=2.0,
        ...                  losses=np.zeros(0))
        >>> back = ae.reconstruct(np.array([[3.0, 2.0]]))
        >>> bool(np.allclose(back, [[1.0 + 2.0 * np.tanh(1.0), 2.0]]))
        True

        A trained one is in :func:`ipcore.estimators.autoencoder_compression`.
        """
        with torch.no_grad():
            flat = self.decoder(torch.tanh(torch.as_tensor(self(x)))).numpy()
        return (flat * self.scale + self.mean).reshape(np.shape(x))


@validate_params(train=Array(ndim=(2, 3, 4), max_abs=1e100), k=Integer(low=1), epochs=Integer(low=1),
                 batch_size=Integer(low=1), lr=Real(low=0, open_low=True, high=1.0), input_noise=Real(low=0),
                 code_noise=Real(low=0), seed=Seed(), progress=Flag())
def autoencoder_compression(train: Any, k: int, *, epochs: int = 200, batch_size: int = 256, lr: float = 1e-3,
                            input_noise: float = 0.1, code_noise: float = 0.02, seed: int = 0,
                            progress: bool = False) -> Autoencoder:
    """An autoencoder to ``k`` dimensions trained on the samples ``train``.

    A multilayer perceptron (D → 256 → 64 → k, tanh code, mirror decoder), trained
    on standardised samples, for ``epochs`` passes in shuffled batches, to minimise
    the mean absolute reconstruction error

        (1/(nD)) Σ_i ‖dec(enc(x_i + 0.1 ξ) + 0.02 ζ) − x_i‖₁,   ξ, ζ ~ N(0, I),

    (with the default noise levels), as Butakov et al. (2024) train theirs; its code
    can follow a curved manifold that PCA cannot.

    Parameters
    ----------
    train : array-like of shape (n, D), (n, h, w) or (n, c, h, w)
        The training samples, n ≥ 2; images are flattened to D values.
    k : int
        The code's dimension, ≥ 1.
    epochs : int, default 200
        Passes over the samples, ≥ 1.
    batch_size : int, default 256
        Samples per batch, ≥ 1.
    lr : float, default 1e-3
        Adam's learning rate, in (0, 1].
    input_noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the (standardised) input
        while training, ≥ 0.
    code_noise : float, default 0.02
        Standard deviation of the Gaussian noise added to the code while training, ≥ 0.
    seed : int, default 0
        Seed of the initialisation, the batch order and the training noise: the
        result is reproducible for a seed.
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    Autoencoder
        The fitted code map, decoder and training losses.

    Raises
    ------
    ValueError
        If ``train`` is not a finite numeric array of 2 to 4 dimensions, has a
        value beyond ±1e100, fewer than 2 samples, or all samples equal; if ``k``,
        ``epochs`` or ``batch_size`` is not an integer ≥ 1; if ``lr`` is not in
        (0, 1]; if ``input_noise`` or ``code_noise`` is negative or not finite; if
        ``seed`` is not an integer in [0, 2⁶³); if ``progress`` is not True or False.

    See Also
    --------
    ipcore.estimators.pca_compression : the linear map, by a singular value decomposition.

    Examples
    --------
    Points on a circle in 2 dimensions, coded in 1 (PCA to 1 dimension would
    fold the circle onto a diameter); the loss falls as it trains:

    >>> import numpy as np
    >>> from ipcore.estimators import autoencoder_compression
    >>> angle = np.random.default_rng(0).uniform(0.0, 2 * np.pi, 100)
    >>> x = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    >>> ae = autoencoder_compression(x, 1, epochs=10, batch_size=100, seed=0)
    >>> ae(x).shape, ae.reconstruct(x).shape, bool(ae.losses[-1] < ae.losses[0])
    ((100, 1), (100, 2), True)
    """
    flat = _flat(train, None, "train")
    n, width = flat.shape
    if n < 2:
        raise ValueError(f"train: needs 2 samples or more, got {n}")
    mean = flat.mean(0)
    scale = float((flat - mean).std())
    if scale == 0:
        raise ValueError("train: every sample is the same; there is nothing to compress")
    data = torch.as_tensor((flat - mean) / scale, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "autoencoder init"))
        encoder = nn.Sequential(nn.Linear(width, 256), nn.LeakyReLU(0.2), nn.Linear(256, 64), nn.LeakyReLU(0.2),
                                nn.Linear(64, k), nn.Tanh())
        decoder = nn.Sequential(nn.Linear(k, 64), nn.LeakyReLU(0.2), nn.Linear(64, 256), nn.LeakyReLU(0.2),
                                nn.Linear(256, width))
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
    batches, noise = make_generator(derive_seed(seed, "autoencoder batches")), make_generator(
        derive_seed(seed, "autoencoder noise"))
    losses = np.empty(epochs)
    with torch.enable_grad():  # also when called under no_grad (a recorder's reduce, say)
        _fit(encoder, decoder, optimiser, data, losses, batch_size=batch_size, input_noise=input_noise,
             code_noise=code_noise, batches=batches, noise=noise, progress=progress)
    # Evaluated in float64 from now on; the code is taken before the tanh (see Autoencoder).
    return Autoencoder(encoder[:-1].double().eval(), decoder.double().eval(), mean, scale, losses)


def _fit(encoder: nn.Module, decoder: nn.Module, optimiser: torch.optim.Optimizer, data: torch.Tensor,
         losses: np.ndarray, *, batch_size: int, input_noise: float, code_noise: float, batches: torch.Generator,
         noise: torch.Generator, progress: bool) -> None:
    """The training epochs of :func:`autoencoder_compression`, each loss written to ``losses``."""
    n = len(data)
    for epoch in progress_bar(range(len(losses)), enabled=progress, desc="autoencoder", mininterval=1.0):
        total = 0.0
        for rows in torch.randperm(n, generator=batches).split(batch_size):
            x = data[rows]
            noisy = x + input_noise * torch.randn(x.shape, generator=noise)
            code = encoder(noisy)
            code = code + code_noise * torch.randn(code.shape, generator=noise)
            loss = (decoder(code) - x).abs().mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(rows)
        losses[epoch] = total / n
