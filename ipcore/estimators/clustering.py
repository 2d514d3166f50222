"""Clustering measures of a layer's representations.

Goldfeld et al. show that what the information plane calls "compression" is
the clustering of representations. These functions measure clustering
directly, so that a chapter can set it beside I(X;T) and the binned entropy.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from scipy.cluster.hierarchy import fcluster, linkage

from ipcore.validation import SAMPLES, Array, Integer, Labels, Real, as_labels, as_samples, check_number, validate_params
from ipcore.estimators.binning import _entropy_of_counts  # the one discrete-entropy kernel


@validate_params(points=SAMPLES, diameters=Array(ndim=(0, 1), positive=True))
def diameter_clusters(points, diameters: Sequence[float] | float) -> np.ndarray:
    """Cluster labels at each diameter r: complete-linkage clusters, in which every two
    points are within distance r of each other.

    The clustering counterpart of a bin of width r (whose points are within
    r√d): unlike single linkage, it does not chain a dense cloud into one
    cluster. Agglomerative (greedy), cut at r; one linkage serves every r.
    Returns int labels of shape (len(diameters), n) (or (n,) for a scalar).
    Cost O(n²) time and n²/2 distances of memory (67 MB for n = 4096).
    """
    t = as_samples(points, "points").cpu().numpy()
    scalar = np.ndim(diameters) == 0
    rs = [check_number(r, "diameters") for r in np.atleast_1d(diameters)]
    if len(t) == 1:
        labels = np.ones((len(rs), 1), dtype=np.int64)
    else:
        tree = linkage(t, method="complete")
        labels = np.stack([fcluster(tree, t=r, criterion="distance") for r in rs]).astype(np.int64)
    return labels[0] if scalar else labels


@validate_params(points=SAMPLES, diameter=Real(low=0, open_low=True))
def cluster_entropy(points, diameter: float) -> float:
    """H(C_r) in nats: entropy of the cluster of a uniformly drawn point, clusters of diameter ≤ r.

    With C_r the cluster label at diameter r (:func:`diameter_clusters`),
    H(C_r) = −Σ_c p_c ln p_c, p_c the fraction of points in cluster c. It is
    ln n when no two points are within r and 0 when all are: the clustering
    counterpart of the binned entropy H(Bin(T)) at width r.
    """
    return labels_entropy(diameter_clusters(points, diameter))


@validate_params(labels=Labels())
def labels_entropy(labels) -> float:
    """H(L) = −Σ_c p_c ln p_c in nats, p_c the fraction of entries equal to label c."""
    return _entropy_of_counts(torch.unique(as_labels(labels, len(labels)), return_counts=True)[1])


@validate_params(points=SAMPLES)
def nearest_neighbour_distances(points) -> np.ndarray:
    """For each point, the Euclidean distance to its nearest other point (kd-tree, O(n log n)).

    Points that coincide have distance 0. Needs at least two points.
    """
    t = as_samples(points, "points").cpu().numpy()
    if len(t) < 2:
        raise ValueError(f"points: need at least two points, got {len(t)}")
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(t).query(t, k=2)
    return dist[:, 1]


@validate_params(points=SAMPLES, labels=Labels(), bins=Integer(low=1))
def cosine_similarity_histograms(points, labels, *, bins: int = 40) -> dict[str, np.ndarray | float]:
    """Histograms of cos(t_i, t_j) over all pairs i < j, within a class and across classes.

    cos(t_i, t_j) = ⟨t_i, t_j⟩ / (‖t_i‖ ‖t_j‖), from one matrix product of the
    normalised rows (a zero row has similarity 0 with everything). Returns
    ``edges`` (bins + 1 over [−1, 1]), ``within`` and ``across`` (fractions of
    their pairs per bin, each summing to 1), and the means ``within_mean``,
    ``across_mean``; the gap within − across grows as same-class
    representations cluster.
    """
    t = as_samples(points, "points")
    y = as_labels(labels, t.shape[0], device=t.device)
    unit = t / t.norm(dim=1, keepdim=True).clamp_min(1e-300)
    cos = (unit @ unit.T).clamp_(-1.0, 1.0)
    i, j = torch.triu_indices(len(t), len(t), offset=1)
    values, same = cos[i, j], y[i] == y[j]
    if same.all() or not same.any():
        raise ValueError("labels: need at least two classes and a class with two points")
    edges = np.linspace(-1.0, 1.0, bins + 1)
    out: dict[str, np.ndarray | float] = {"edges": edges}
    for name, mask in (("within", same), ("across", ~same)):
        part = values[mask].cpu().numpy()
        out[name] = np.histogram(part, bins=edges)[0] / part.size
        out[f"{name}_mean"] = float(part.mean())
    return out
