"""Compression before estimation (Butakov et al. 2024): fit a map to k dimensions on training
samples, apply it to held-out ones, and estimate the information of the compressed pairs.

:func:`pca_compression` is principal component analysis: the k directions of largest variance
of the training samples, by a singular value decomposition. A map that is one-to-one on the
data (a linear embedding of k-dimensional latents, say) loses no information, and the
nearest-neighbour estimators, which whiten what they get, then return exactly what they return
on the latents themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ipcore.validation import Array, Integer, validate_params


@dataclass(frozen=True)
class PCA:
    """A fitted projection: ``pca(x)`` = (x − mean) @ componentsᵀ, rows flattened first."""

    mean: np.ndarray  #: (D,)
    components: np.ndarray  #: (k, D), orthonormal rows, by decreasing variance
    explained_variance: np.ndarray  #: (k,) the training samples' variance along each

    def __call__(self, x: Any) -> np.ndarray:
        flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        if flat.shape[1] != self.mean.shape[0]:
            raise ValueError(f"x: has {flat.shape[1]} values per sample, the PCA was fitted on {self.mean.shape[0]}")
        return (flat - self.mean) @ self.components.T


@validate_params(train=Array(ndim=(2, 3, 4), max_abs=1e100), k=Integer(low=1))
def pca_compression(train: Any, k: int) -> PCA:
    """The PCA to ``k`` dimensions of the training samples ``train`` (n, …; images are flattened)."""
    flat = np.asarray(train, dtype=np.float64).reshape(len(train), -1)
    if k > min(flat.shape):
        raise ValueError(f"k: at most min(samples, values per sample) = {min(flat.shape)} components, got {k}")
    mean = flat.mean(0)
    _, singular, vt = np.linalg.svd(flat - mean, full_matrices=False)
    return PCA(mean, vt[:k], singular[:k] ** 2 / (len(flat) - 1))
