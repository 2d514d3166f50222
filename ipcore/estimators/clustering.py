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
    """Cluster labels at each diameter r: complete-linkage clusters, in which every two points are within r.

    The clustering counterpart of a bin of width r (whose points are within
    r√d): unlike single linkage, it does not chain a dense cloud into one
    cluster. Agglomerative (greedy), cut at r; one linkage serves every r.

    Parameters
    ----------
    points : array-like of shape (n, d) or (n,)
        The representations, one row per input.
    diameters : float or array-like of shape (r,)
        The diameters r > 0.

    Returns
    -------
    numpy.ndarray
        int64 labels (1, 2, …) of shape (len(diameters), n), or (n,) for a scalar
        diameter; points with equal labels share a cluster.

    Raises
    ------
    ValueError
        If ``points`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if a diameter is not a finite number > 0 (``diameters``).

    Notes
    -----
    Cost O(n²) time and n²/2 distances of memory (67 MB for n = 4096).

    Examples
    --------
    Two pairs 0.1 apart, 5 apart from each other: 4, 2 and 1 clusters:

    >>> from ipcore.estimators import diameter_clusters
    >>> labels = diameter_clusters([0.0, 0.1, 5.0, 5.1], [0.05, 1.0, 10.0])
    >>> labels.shape, [len(set(row.tolist())) for row in labels]
    ((3, 4), [4, 2, 1])
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
    """Entropy of the cluster of a uniformly drawn point, clusters of diameter ≤ r, in nats.

        H(C_r) = −Σ_c p_c ln p_c,

    with C_r the cluster label at diameter r
    (:func:`ipcore.estimators.diameter_clusters`) and p_c the fraction of points in
    cluster c. It is ln n when no two points are within r and 0 when all are: the
    clustering counterpart of the binned entropy H(Bin(T)) at width r.

    Parameters
    ----------
    points : array-like of shape (n, d) or (n,)
        The representations, one row per input.
    diameter : float
        The diameter r > 0.

    Returns
    -------
    float
        H(C_r) in nats, between 0 and ln n.

    Raises
    ------
    ValueError
        If ``points`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if ``diameter`` is not a finite number > 0.

    Examples
    --------
    >>> import math
    >>> from ipcore.estimators import cluster_entropy
    >>> points = [0.0, 0.1, 5.0, 5.1]
    >>> [math.isclose(cluster_entropy(points, r), h, abs_tol=1e-12)
    ...  for r, h in [(0.05, math.log(4)), (1.0, math.log(2)), (10.0, 0.0)]]
    [True, True, True]
    """
    return labels_entropy(diameter_clusters(points, diameter))


@validate_params(labels=Labels())
def labels_entropy(labels) -> float:
    """Plug-in entropy of labels, H(L) = −Σ_c p_c ln p_c, in nats.

    p_c is the fraction of entries equal to label c.

    Parameters
    ----------
    labels : array-like of shape (n,)
        Integer labels.

    Returns
    -------
    float
        H(L) in nats, between 0 and ln n.

    Raises
    ------
    ValueError
        If ``labels`` are not integers (or integer-valued), not 1-D or None.

    Examples
    --------
    >>> import math
    >>> from ipcore.estimators import labels_entropy
    >>> math.isclose(labels_entropy([0, 0, 1, 1]), math.log(2)), math.isclose(labels_entropy([7, 8, 9]), math.log(3))
    (True, True)
    >>> abs(labels_entropy([3, 3, 3])) < 1e-12
    True
    """
    return _entropy_of_counts(torch.unique(as_labels(labels, len(labels)), return_counts=True)[1])


@validate_params(points=SAMPLES)
def nearest_neighbour_distances(points) -> np.ndarray:
    """For each point, the Euclidean distance to its nearest other point (kd-tree, O(n log n)).

    Points that coincide have distance 0.

    Parameters
    ----------
    points : array-like of shape (n, d) or (n,)
        At least two points, one per row.

    Returns
    -------
    numpy.ndarray
        Shape (n,): min over j ≠ i of ‖t_i − t_j‖.

    Raises
    ------
    ValueError
        If ``points`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100, or has fewer than two points.

    Examples
    --------
    >>> from ipcore.estimators import nearest_neighbour_distances
    >>> nearest_neighbour_distances([0.0, 1.0, 3.0]).tolist()
    [1.0, 1.0, 2.0]
    >>> nearest_neighbour_distances([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]]).tolist()
    [0.0, 5.0, 0.0]
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

        cos(t_i, t_j) = ⟨t_i, t_j⟩ / (‖t_i‖ ‖t_j‖),

    from one matrix product of the normalised rows (a zero row has similarity 0
    with everything). The gap within − across grows as same-class representations
    cluster.

    Parameters
    ----------
    points : array-like of shape (n, d) or (n,)
        The representations, one row per input.
    labels : array-like of shape (n,)
        Their integer classes: at least two, and a class with two points.
    bins : int, default 40
        Histogram bins on [−1, 1], ≥ 1.

    Returns
    -------
    dict
        ``"edges"`` (bins + 1 over [−1, 1]); ``"within"`` and ``"across"`` (numpy
        arrays, fractions of their pairs per bin, each summing to 1); the means
        ``"within_mean"``, ``"across_mean"`` (floats).

    Raises
    ------
    ValueError
        If ``points`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if ``labels`` are not integers, not one per point, or do
        not give two classes and a class with two points; if ``bins`` is not an
        integer ≥ 1.

    Examples
    --------
    Each class along its own axis: similarity 1 within, 0 across:

    >>> import numpy as np
    >>> from ipcore.estimators import cosine_similarity_histograms
    >>> points = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    >>> hist = cosine_similarity_histograms(points, [0, 0, 1, 1], bins=4)
    >>> hist["edges"].tolist(), hist["within"].tolist(), hist["across"].tolist()
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0])
    >>> round(hist["within_mean"], 6), round(hist["across_mean"], 6)
    (1.0, 0.0)
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
