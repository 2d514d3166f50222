"""Nearest-neighbour estimators of entropy and mutual information (nats), on scipy's kd-tree.

**Kozachenko–Leonenko** (KL) entropy of n samples in d dimensions, from the distance r_{i,j}
of sample i to its j-th nearest neighbour:

    Ĥ_j = ψ(n) − ψ(j) + ln V_d + (d/n) Σ_i ln r_{i,j},     V_d = π^{d/2} / Γ(d/2 + 1),

and its **weighted** form Ĥ = Σ_j w_j Ĥ_j (Berrett, Samworth & Yuan 2019), whose weights cancel
the leading bias terms in d > 4, as Butakov et al. (2024) use it: w = (1, 0, …) for d ≤ 4, else
the least-squares solution of Σ_j w_j = 1 and Σ_j w_j Γ(j + 2ℓ/d)/Γ(j) = 0 for ℓ = 1 … ⌊d/4⌋,
with w_j = 0 outside {⌊i k/d⌋ : i = 1 … d}.

The estimators are exact only for locally uniform densities, so a strongly anisotropic
distribution is first whitened: z = C^{−1/2}(x − x̄) and H(x) = H(z) + ½ ln det C.

**Mutual information**: I(X;Y) = Ĥ(X) + Ĥ(Y) − Ĥ(X, Y), each block whitened on its own (the
information is unchanged by invertible linear maps of X and of Y), and the
**Kraskov–Stögbauer–Grassberger** estimator (algorithm 1):

    Î = ψ(k) + ψ(n) − (1/n) Σ_i [ψ(n_x(i) + 1) + ψ(n_y(i) + 1)],

with ε_i the max-norm distance of sample i to its k-th neighbour in the joint space and n_x(i)
the number of other samples closer than ε_i in X alone (likewise n_y).

Standard errors are the spread of the per-sample terms over √n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma, gammaln

from ipcore.validation import (SAMPLES, Flag, Integer, Labels, Optional, as_labels, as_paired_samples, as_samples,
                               validate_params)

#: Points per leaf of the kd-trees: larger leaves than scipy's 16 search faster in 5–10
#: dimensions (a third less time in 10, `make bench`) and change no result.
LEAF_SIZE = 64


@dataclass(frozen=True)
class KNNEstimate:
    """An estimate in nats and its standard error (the spread of its per-sample terms over √n).

    Returned by the nearest-neighbour estimators of ``ipcore.estimators.knn``.

    Parameters
    ----------
    value : float
        The estimate, in nats: the mean of its per-sample terms.
    std_error : float
        Their sample standard deviation over √n. The terms of neighbouring samples
        are not independent, so this is a guide to the spread, not a guarantee.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.estimators import knn_entropy
    >>> est = knn_entropy(np.random.default_rng(0).standard_normal((200, 1)))
    >>> type(est).__name__, est.std_error > 0
    ('KNNEstimate', True)
    """

    value: float
    std_error: float


@validate_params(d=Integer(low=1), k=Integer(low=1))
def bsy_weights(d: int, k: int) -> np.ndarray:
    """The weights w_1 … w_k of the weighted Kozachenko–Leonenko estimator in ``d`` dimensions.

    Berrett, Samworth & Yuan (2019), as Butakov et al. (2024) choose them:
    w = (1, 0, …, 0) for d ≤ 4; else the least-norm solution of

        Σ_j w_j = 1,   Σ_j w_j Γ(j + 2ℓ/d) / Γ(j) = 0   for ℓ = 1 … ⌊d/4⌋,

    with w_j = 0 outside {⌊i k/d⌋ : i = 1 … d}. The constraints cancel the leading
    bias terms of the estimator in d > 4.

    Parameters
    ----------
    d : int
        The dimension, ≥ 1.
    k : int
        The number of neighbours, ≥ 1.

    Returns
    -------
    numpy.ndarray
        Shape (k,): w_j, the weight of the estimate from the j-th neighbour.

    Raises
    ------
    ValueError
        If ``d`` or ``k`` is not an integer ≥ 1.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import gamma
    >>> from ipcore.estimators import bsy_weights
    >>> bsy_weights(2, 5).tolist()
    [1.0, 0.0, 0.0, 0.0, 0.0]

    In d = 8 the weights sum to 1 and cancel the bias terms ℓ = 1, 2:

    >>> w, j = bsy_weights(8, 8), np.arange(1, 9)
    >>> bool(np.isclose(w.sum(), 1.0)), bool(np.allclose([w @ (gamma(j + 2 * l / 8) / gamma(j)) for l in (1, 2)], 0.0))
    (True, True)
    """
    w = np.zeros(k)
    if d <= 4:
        w[0] = 1.0
        return w
    support = sorted({i * k // d - 1 for i in range(1, d + 1)} - {-1})
    j = np.array(support, dtype=np.float64) + 1.0
    rows = [np.ones_like(j)] + [np.exp(gammaln(j + 2.0 * ell / d) - gammaln(j)) for ell in range(1, d // 4 + 1)]
    target = np.zeros(len(rows))
    target[0] = 1.0
    w[support] = np.linalg.lstsq(np.array(rows), target, rcond=None)[0]  # the least-norm solution
    return w


def _whitened(x: np.ndarray, cov: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """(z, ½ ln det C): the samples decorrelated to unit variance (by ``cov``, default their own
    covariance C), and the entropy they lose by it."""
    centered = x - x.mean(0)
    if cov is None:
        cov = np.atleast_2d(np.cov(centered, rowvar=False))
    values, vectors = np.linalg.eigh(cov)
    if values.min() <= 1e-12 * max(values.max(), 1e-300):
        raise ValueError(f"x: its covariance is singular (eigenvalues down to {values.min():.3g}): the samples lie in "
                         "a lower-dimensional subspace, where a d-dimensional entropy is −∞")
    return centered @ (vectors / np.sqrt(values)) @ vectors.T, 0.5 * float(np.log(values).sum())


def _entropy_terms(x: np.ndarray, k: int, weighted: bool) -> np.ndarray:
    """Per-sample terms of the (weighted) KL estimate of whitened samples x (n, d): their mean is Ĥ."""
    n, d = x.shape
    distances, _ = cKDTree(x, leafsize=LEAF_SIZE).query(x, k=k + 1, workers=-1)  # the first neighbour is the sample itself
    r = distances[:, 1:]
    if np.any(r[:, 0] == 0):
        raise ValueError("x: has repeated samples (a distance of 0 to the nearest neighbour): the entropy of a "
                         "distribution with atoms is not a differential entropy; add noise or remove duplicates")
    w = bsy_weights(d, k) if weighted else np.eye(k)[-1]
    j = np.arange(1, k + 1)
    log_volume = 0.5 * d * math.log(math.pi) - gammaln(0.5 * d + 1.0)
    per_neighbour = digamma(n) - digamma(j) + log_volume + d * np.log(r)  # (n, k): Ĥ_j's per-sample terms
    return per_neighbour @ w


def _check_k(k: int, n: int) -> None:
    if k >= n:
        raise ValueError(f"k: must be below the number of samples ({n}), got {k}")


def _entropy_per_sample(x: np.ndarray, k: int, weighted: bool | None) -> np.ndarray:
    """Per-sample terms of Ĥ of the samples x (n, d), whitened here and ½ ln det C added back;
    ``weighted`` None decides by the dimension (weighted for d > 4)."""
    z, log_scale = _whitened(x)
    return _entropy_terms(z, k, x.shape[1] > 4 if weighted is None else bool(weighted)) + log_scale


def _estimate(per_sample: np.ndarray) -> KNNEstimate:
    """The mean of per-sample terms and its standard error."""
    return KNNEstimate(float(per_sample.mean()), float(per_sample.std(ddof=1) / math.sqrt(len(per_sample))))


@validate_params(x=SAMPLES, k=Integer(low=1), weighted=Optional(Flag()))
def knn_entropy(x: Any, k: int = 5, *, weighted: bool | None = None) -> KNNEstimate:
    """Differential entropy of the distribution of the rows of ``x`` (n, d), in nats.

    The Kozachenko–Leonenko estimate from the distance r_{i,j} of sample i to its
    j-th nearest neighbour,

        Ĥ_j = ψ(n) − ψ(j) + ln V_d + (d/n) Σ_i ln r_{i,j},   V_d = π^(d/2) / Γ(d/2 + 1),

    or its weighted form Ĥ = Σ_j w_j Ĥ_j. The samples are whitened first,
    z = C^(−1/2)(x − x̄), and ½ ln det C added back: H(x) = H(z) + ½ ln det C.

    Parameters
    ----------
    x : array-like of shape (n, d) or (n,)
        Samples of the distribution, one per row (numpy or torch).
    k : int, default 5
        Neighbours, ≥ 1 and below n.
    weighted : bool, optional
        ``False``: the Kozachenko–Leonenko estimate from the k-th neighbour;
        ``True``: the Berrett–Samworth–Yuan weighted estimate over the first k
        neighbours (:func:`ipcore.estimators.bsy_weights`; for d ≤ 4 the first
        neighbour alone, as Butakov et al.). Default: weighted for d > 4.

    Returns
    -------
    KNNEstimate
        Ĥ in nats and its standard error.

    Raises
    ------
    ValueError
        If ``x`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100, if its covariance is singular (samples in a
        lower-dimensional subspace) or it has repeated samples; if ``k`` is not an
        integer in [1, n − 1]; if ``weighted`` is not None, True or False.

    Notes
    -----
    The estimators are exact only for locally uniform densities, hence the
    whitening. scipy's kd-tree: O(n log n) for small d.

    See Also
    --------
    ipcore.estimators.knn_mutual_information : I(X;Y) from three such entropies.

    Examples
    --------
    A Gaussian of standard deviations 1 and 0.5, whose entropy is
    ln(2πe) + ln 0.5:

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import knn_entropy
    >>> x = np.random.default_rng(0).standard_normal((500, 2)) * [1.0, 0.5]
    >>> est = knn_entropy(x)
    >>> abs(est.value - (math.log(2 * math.pi * math.e) + math.log(0.5))) < 4 * est.std_error
    True
    """
    samples = as_samples(x, "x").numpy()
    _check_k(k, samples.shape[0])
    return _estimate(_entropy_per_sample(samples, k, weighted))


@validate_params(x=SAMPLES, y=SAMPLES, k=Integer(low=1), weighted=Optional(Flag()))
def knn_mutual_information(x: Any, y: Any, k: int = 5, *, weighted: bool | None = None) -> KNNEstimate:
    """Nearest-neighbour estimate of I(X;Y) from paired samples, in nats.

        I(X;Y) = Ĥ(X) + Ĥ(Y) − Ĥ(X, Y),

    each entropy :func:`ipcore.estimators.knn_entropy`'s (``weighted`` as there,
    decided per dimension), each of X, Y and (X, Y) whitened on its own, with
    ½ ln det C added back (the information is unchanged by invertible linear maps
    of X and of Y).

    Parameters
    ----------
    x : array-like of shape (n, d_x) or (n,)
        Samples of X.
    y : array-like of shape (n, d_y) or (n,)
        The paired samples of Y, one row per row of ``x``.
    k : int, default 5
        Neighbours, ≥ 1 and below n.
    weighted : bool, optional
        ``False``: the Kozachenko–Leonenko estimate from the k-th neighbour;
        ``True``: the Berrett–Samworth–Yuan weighted estimate over the first k
        neighbours (:func:`ipcore.estimators.bsy_weights`; for d ≤ 4 the first
        neighbour alone, as Butakov et al.). Default: weighted for d > 4.

    Returns
    -------
    KNNEstimate
        Î in nats and its standard error (of the per-sample terms
        Ĥ(X)_i + Ĥ(Y)_i − Ĥ(X, Y)_i).

    Raises
    ------
    ValueError
        If ``x`` or ``y`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if ``y`` does not have one row per row of ``x``;
        if a covariance is singular or there are repeated samples (named ``x``); if
        ``k`` is not an integer in [1, n − 1]; if ``weighted`` is not None, True or
        False.

    See Also
    --------
    ipcore.estimators.ksg_mutual_information : the Kraskov–Stögbauer–Grassberger estimator.

    Examples
    --------
    Two standard normals of correlation ρ = 0.8, I = −½ ln(1 − ρ²):

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import jointly_gaussian_mutual_information, knn_mutual_information
    >>> z = np.random.default_rng(1).standard_normal((500, 2))
    >>> x, y = z[:, :1], 0.8 * z[:, :1] + 0.6 * z[:, 1:]
    >>> exact = jointly_gaussian_mutual_information([[1.0, 0.8], [0.8, 1.0]], 1)
    >>> est = knn_mutual_information(x, y)
    >>> abs(est.value - exact) < 4 * est.std_error
    True
    """
    a, b = as_paired_samples(x, y)
    _check_k(k, a.shape[0])
    return _estimate(_entropy_per_sample(a, k, weighted) + _entropy_per_sample(b, k, weighted)
                     - _entropy_per_sample(np.concatenate([a, b], axis=1), k, weighted))


@validate_params(x=SAMPLES, labels=Labels(), k=Integer(low=1), weighted=Optional(Flag()))
def knn_label_information(x: Any, labels: Any, k: int = 5, *, weighted: bool | None = None) -> KNNEstimate:
    """Nearest-neighbour estimate of I(X;Y) for a continuous X and discrete labels Y, in nats.

        I(X;Y) = Ĥ(X) − Σ_y p(y) Ĥ(X | Y = y),

    p(y) the labels' frequencies; each entropy is
    :func:`ipcore.estimators.knn_entropy`'s, the conditional ones on the samples of
    one class.

    Parameters
    ----------
    x : array-like of shape (n, d) or (n,)
        Samples of X.
    labels : array-like of shape (n,)
        Their integer classes; each class needs more than k samples.
    k : int, default 5
        Neighbours, ≥ 1.
    weighted : bool, optional
        ``False``: the Kozachenko–Leonenko estimate from the k-th neighbour;
        ``True``: the Berrett–Samworth–Yuan weighted estimate over the first k
        neighbours (:func:`ipcore.estimators.bsy_weights`; for d ≤ 4 the first
        neighbour alone, as Butakov et al.). Default: weighted for d > 4.

    Returns
    -------
    KNNEstimate
        Î in nats and the standard error of the per-sample terms
        Ĥ(X)_i − Ĥ(X | y_i)_i.

    Raises
    ------
    ValueError
        If ``x`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100, if its within-class covariance is singular or it
        has repeated samples; if ``labels`` are not integers, not 1-D, not one per
        sample, or a class has k samples or fewer; if ``k`` is not an integer ≥ 1;
        if ``weighted`` is not None, True or False.

    Notes
    -----
    All entropies are taken after one linear map, the whitening by the pooled
    within-class covariance (I(X;Y) is invariant to it): whitening by the total
    covariance would squash separated classes into slabs thinner than the neighbour
    distances and bias Ĥ(X).

    Examples
    --------
    Two classes N(∓1.5, 1): the exact I(X;Y) is the entropy of the mixture less that
    of one component, from quadrature:

    >>> import numpy as np
    >>> from ipcore.estimators import gaussian_entropy, knn_label_information, mixture_entropy_1d
    >>> y = np.repeat([0, 1], 200)
    >>> x = np.random.default_rng(2).standard_normal(400) + np.where(y == 1, 1.5, -1.5)
    >>> exact = mixture_entropy_1d([-1.5, 1.5], 1.0) - gaussian_entropy(1, 1.0)
    >>> est = knn_label_information(x, y)
    >>> abs(est.value - exact) < 4 * est.std_error
    True
    """
    samples = as_samples(x, "x").numpy()
    n = samples.shape[0]
    lab = as_labels(labels, n, name="labels").numpy()
    classes, inverse, counts = np.unique(lab, return_inverse=True, return_counts=True)
    if counts.min() <= k:
        raise ValueError(f"labels: class {classes[counts.argmin()]} has {counts.min()} samples; each class needs "
                         f"more than k = {k}")
    class_means = np.stack([samples[inverse == c].mean(0) for c in range(len(classes))])
    within = np.atleast_2d(np.cov(samples - class_means[inverse], rowvar=False))
    z, _ = _whitened(samples, within)
    use_weights = samples.shape[1] > 4 if weighted is None else bool(weighted)
    conditional = np.empty(n)
    for c in range(len(classes)):  # a handful of classes, each one vectorised estimate
        members = inverse == c
        conditional[members] = _entropy_terms(z[members], k, use_weights)
    return _estimate(_entropy_terms(z, k, use_weights) - conditional)


@validate_params(x=SAMPLES, y=SAMPLES, k=Integer(low=1))
def ksg_mutual_information(x: Any, y: Any, k: int = 3) -> KNNEstimate:
    """I(X;Y) by Kraskov–Stögbauer–Grassberger's first estimator, in nats.

        Î = ψ(k) + ψ(n) − (1/n) Σ_i [ψ(n_x(i) + 1) + ψ(n_y(i) + 1)],

    with ε_i the max-norm distance of sample i to its k-th neighbour in the joint
    space and n_x(i) the number of other samples closer than ε_i in X alone
    (likewise n_y). X and Y are whitened separately first (as scikit-learn scales
    them, only fully).

    Parameters
    ----------
    x : array-like of shape (n, d_x) or (n,)
        Samples of X.
    y : array-like of shape (n, d_y) or (n,)
        The paired samples of Y, one row per row of ``x``.
    k : int, default 3
        Neighbours, ≥ 1 and below n.

    Returns
    -------
    KNNEstimate
        Î in nats and the standard error of its per-sample terms.

    Raises
    ------
    ValueError
        If ``x`` or ``y`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if ``y`` does not have one row per row of ``x``;
        if a covariance is singular, or more than k samples coincide (named
        ``x``); if ``k`` is not an integer in [1, n − 1].

    See Also
    --------
    ipcore.estimators.knn_mutual_information : from three Kozachenko–Leonenko entropies.

    Examples
    --------
    Two standard normals of correlation ρ = 0.8, I = −½ ln(1 − ρ²):

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import jointly_gaussian_mutual_information, ksg_mutual_information
    >>> z = np.random.default_rng(1).standard_normal((500, 2))
    >>> x, y = z[:, :1], 0.8 * z[:, :1] + 0.6 * z[:, 1:]
    >>> exact = jointly_gaussian_mutual_information([[1.0, 0.8], [0.8, 1.0]], 1)
    >>> est = ksg_mutual_information(x, y)
    >>> abs(est.value - exact) < 4 * est.std_error
    True
    """
    a, b = as_paired_samples(x, y)
    n = a.shape[0]
    _check_k(k, n)
    za, _ = _whitened(a)
    zb, _ = _whitened(b)
    joint = np.concatenate([za, zb], axis=1)
    radius = cKDTree(joint, leafsize=LEAF_SIZE).query(joint, k=k + 1, p=np.inf, workers=-1)[0][:, -1]
    if np.any(radius == 0):
        raise ValueError(f"x: has more than k = {k} repeated samples at one point (a neighbour distance of 0)")
    strictly = np.nextafter(radius, 0)  # "closer than ε": the boundary excluded

    def counts(z: np.ndarray) -> np.ndarray:  # other samples within ε_i in this block alone
        return cKDTree(z, leafsize=LEAF_SIZE).query_ball_point(z, strictly, p=np.inf, return_length=True, workers=-1) - 1

    return _estimate(digamma(k) + digamma(n) - digamma(counts(za) + 1) - digamma(counts(zb) + 1))
