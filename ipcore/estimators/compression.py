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
    """A fitted projection: ``pca(x)`` = (x − mean) @ componentsᵀ, rows flattened first."""

    mean: np.ndarray  #: (D,)
    components: np.ndarray  #: (k, D), orthonormal rows, by decreasing variance
    explained_variance: np.ndarray  #: (k,) the training samples' variance along each

    def __call__(self, x: Any) -> np.ndarray:
        return (_flat(x, self.mean.shape[0]) - self.mean) @ self.components.T


@validate_params(train=Array(ndim=(2, 3, 4), max_abs=1e100), k=Integer(low=1))
def pca_compression(train: Any, k: int) -> PCA:
    """The PCA to ``k`` dimensions of the training samples ``train`` (n, …; images are flattened)."""
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
    """A fitted autoencoder: ``autoencoder(x)`` is the code (n, k) of the samples x (n, …),
    without the training noise, taken before the encoder's final tanh and in float64 (the same
    information, since tanh is one-to-one; in float32 its saturation at ±1 would merge distinct
    samples into ties); :meth:`reconstruct` decodes it back to x's shape."""

    encoder: nn.Module  #: the trained encoder without its final tanh, in float64: the code map
    decoder: nn.Module  #: float64
    mean: np.ndarray  #: (D,) the training samples' mean, subtracted first
    scale: float  #: their overall standard deviation, divided by next
    losses: np.ndarray  #: (epochs,) the mean absolute error of each training epoch, in standard units

    def __call__(self, x: Any) -> np.ndarray:
        flat = (_flat(x, self.mean.shape[0]) - self.mean) / self.scale
        with torch.no_grad():
            return self.encoder(torch.as_tensor(flat, dtype=torch.float64)).numpy()

    def reconstruct(self, x: Any) -> np.ndarray:
        """The decoded code of x, in x's units and shape."""
        with torch.no_grad():
            flat = self.decoder(torch.tanh(torch.as_tensor(self(x)))).numpy()
        return (flat * self.scale + self.mean).reshape(np.shape(x))


@validate_params(train=Array(ndim=(2, 3, 4), max_abs=1e100), k=Integer(low=1), epochs=Integer(low=1),
                 batch_size=Integer(low=1), lr=Real(low=0, open_low=True, high=1.0), input_noise=Real(low=0),
                 code_noise=Real(low=0), seed=Seed(), progress=Flag())
def autoencoder_compression(train: Any, k: int, *, epochs: int = 200, batch_size: int = 256, lr: float = 1e-3,
                            input_noise: float = 0.1, code_noise: float = 0.02, seed: int = 0,
                            progress: bool = False) -> Autoencoder:
    """An autoencoder to ``k`` dimensions trained on the samples ``train`` (n, …; images are
    flattened), minimising the mean absolute reconstruction error

        (1/(nD)) Σ_i ‖dec(enc(x_i + 0.1 ξ) + 0.02 ζ) − x_i‖₁,   ξ, ζ ~ N(0, I),

    on standardised samples, for ``epochs`` passes in shuffled batches. Reproducible for a
    ``seed`` (initialisation, batch order and training noise all derive from it).
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
