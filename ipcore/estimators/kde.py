"""Pairwise-distance (KDE) bounds of a Gaussian mixture's entropy (Kolchinsky & Tracey, 2017).

For the mixture g = (1/n) Σ_j N(μ_j, β² I_d) (β the noise standard deviation, as everywhere
in ipcore):

    upper: H_KL = d/2 − (1/n) Σ_i ln g_β(μ_i),
    lower: H_BD = d/2 − (1/n) Σ_i ln g_{2β}(μ_i) − (d/2) ln 4.

Both use :func:`~ipcore.estimators.kernel.mixture_log_density`. Saxe et al. (2018) stated
their noise as a *variance* σ² (0.1 on MNIST, 1e-3 on SZT): pass ``beta=math.sqrt(σ²)``.
They estimated I(T;X) ≈ H_KL(T) − (d/2) ln(2πeβ²). All values in nats.

In ipcore 0.1 the functions took that variance as their positional argument; such
calls still work, converted, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ipcore.deprecation import variance_to_beta
from ipcore.validation import (COORDINATE_MAX, SAMPLES, Array, Beta, Flag, Labels, as_labels, as_samples, as_tensor,
                               validate_params)
from ipcore.estimators.kernel import mixture_log_density
from ipcore.estimators.quadrature import gaussian_entropy


@variance_to_beta(1)
@validate_params(t=SAMPLES, beta=Beta())
def kde_entropy_bounds(t: Any, *, beta: float) -> tuple[float, float]:
    """Lower and upper pairwise-distance bounds on the entropy of a Gaussian mixture, in nats.

    For the mixture g = (1/n) Σ_j N(t_j, β² I_d) over the rows t_j of ``t``
    (Kolchinsky & Tracey, 2017),

        upper: H_KL = d/2 − (1/n) Σ_i ln g_β(t_i),
        lower: H_BD = d/2 − (1/n) Σ_i ln g_{2β}(t_i) − (d/2) ln 4,

    with g_s the mixture of components of standard deviation s; H_BD ≤ h(g) ≤ H_KL.

    Parameters
    ----------
    t : array-like of shape (n, d) or (n,)
        The centers t_j, one row per sample (a 1-D array is n samples in one
        dimension).
    beta : float
        The noise standard deviation β > 0 (keyword-only). Saxe et al. (2018) stated
        a variance σ² (0.1 on MNIST, 1e-3 on SZT): pass ``beta=math.sqrt(σ²)``. The
        variance as positional argument, as in ipcore 0.1, still works, converted,
        with a :class:`DeprecationWarning`.

    Returns
    -------
    tuple of float
        (lower, upper) = (H_BD, H_KL), in nats.

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if ``beta`` is not a number in [1e-100, 1e100]
        (a deprecated positional variance: not a number > 0, named ``variance``).

    Notes
    -----
    Both bounds are exact, (d/2) ln(2πeβ²), for one center, and both tend to
    ln n + (d/2) ln(2πeβ²) as the centers separate. One evaluation of
    :func:`ipcore.estimators.mixture_log_density` at the centers each: O(n² d).

    See Also
    --------
    ipcore.estimators.kde_mutual_information : Saxe et al.'s I(T;X) and I(T;Y) from them.
    ipcore.estimators.gaussian_mixture_entropy : an unbiased Monte Carlo estimate.

    Examples
    --------
    The bounds hold around the exact entropy of a 1-D mixture:

    >>> import numpy as np
    >>> from ipcore.estimators import gaussian_entropy, kde_entropy_bounds, mixture_entropy_1d
    >>> centers = np.linspace(-1.0, 1.0, 8)
    >>> lower, upper = kde_entropy_bounds(centers, beta=0.2)
    >>> bool(lower <= mixture_entropy_1d(centers, 0.2) <= upper)
    True

    For a single center both are the Gaussian's entropy (d/2) ln(2πeβ²):

    >>> lower, upper = kde_entropy_bounds([[0.0, 0.0]], beta=0.5)
    >>> bool(np.isclose(lower, gaussian_entropy(2, 0.5)) and np.isclose(upper, gaussian_entropy(2, 0.5)))
    True
    """
    x = as_samples(t, "t")
    d = x.shape[1]
    upper = 0.5 * d - float(mixture_log_density(x, x, beta).mean())
    lower = 0.5 * d - float(mixture_log_density(x, x, 2.0 * beta).mean()) - 0.5 * d * math.log(4.0)
    return lower, upper


@dataclass(frozen=True)
class KDEInformation:
    """KDE estimates of I(T;X) and I(T;Y) in nats, from the upper and the lower entropy bound.

    Returned by :func:`ipcore.estimators.kde_mutual_information`.

    Parameters
    ----------
    mi_x_upper : float
        I(T;X) = H_KL(T) − (d/2) ln(2πeβ²), from the upper (KL) bound.
    mi_x_lower : float
        The same from the lower (BD) bound.
    mi_y_upper : float
        I(T;Y) = H_KL(T) − Σ_y p(y) H_KL(T | Y = y).
    mi_y_lower : float
        The same from the lower (BD) bound.

    Examples
    --------
    >>> from ipcore.estimators import kde_mutual_information
    >>> info = kde_mutual_information([[0.0], [10.0], [20.0], [30.0]], [0, 0, 1, 1], beta=0.1)
    >>> round(info.mi_y_upper, 6), round(info.mi_y_lower, 6)
    (0.693147, 0.693147)
    """

    mi_x_upper: float
    mi_x_lower: float
    mi_y_upper: float
    mi_y_lower: float


@variance_to_beta(2)
@validate_params(t=SAMPLES, labels=Labels(), beta=Beta())
def kde_mutual_information(t: Any, labels: Any, *, beta: float) -> KDEInformation:
    """I(T;X) and I(T;Y) as Saxe et al. (2018) estimated them, with Gaussian noise of standard deviation β, in nats.

        I(T;X) = H(T) − (d/2) ln(2πeβ²),
        I(T;Y) = H(T) − Σ_y p(y) H(T | Y = y),

    each with H from the upper (KL) and the lower (BD) pairwise bound of
    :func:`ipcore.estimators.kde_entropy_bounds`, T | Y = y the mixture over the rows
    of class y and p(y) the labels' frequencies.

    Parameters
    ----------
    t : array-like of shape (n, d) or (n,)
        The layer's representations of the n inputs (the mixture's centers).
    labels : array-like of shape (n,)
        The inputs' integer classes.
    beta : float
        The noise standard deviation β > 0 (keyword-only). Saxe et al. (2018) stated
        a variance σ² (0.1 on MNIST, 1e-3 on SZT): pass ``beta=math.sqrt(σ²)``. The
        variance as third positional argument, as in ipcore 0.1, still works, converted,
        with a :class:`DeprecationWarning`.

    Returns
    -------
    KDEInformation
        ``mi_x_upper``, ``mi_x_lower``, ``mi_y_upper``, ``mi_y_lower`` in nats.

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100; if ``labels`` are not integers, not 1-D or not
        one per row; if ``beta`` is not a number in [1e-100, 1e100] (a deprecated
        positional variance: not a number > 0, named ``variance``).

    Examples
    --------
    Four well-separated inputs in two classes: I(T;X) = ln 4 and I(T;Y) = ln 2,
    from either bound:

    >>> import math
    >>> from ipcore.estimators import kde_mutual_information
    >>> info = kde_mutual_information([[0.0], [10.0], [20.0], [30.0]], [0, 0, 1, 1], beta=0.1)
    >>> math.isclose(info.mi_x_upper, math.log(4)), math.isclose(info.mi_x_lower, math.log(4))
    (True, True)
    >>> math.isclose(info.mi_y_upper, math.log(2)), math.isclose(info.mi_y_lower, math.log(2))
    (True, True)

    Saxe et al.'s noise variance σ² = 0.1 is β = sqrt(0.1):

    >>> info = kde_mutual_information([[0.0], [0.2], [0.4], [0.6]], [0, 0, 1, 1], beta=math.sqrt(0.1))
    >>> 0 < info.mi_x_lower <= info.mi_x_upper < math.log(4)
    True
    """
    x = as_samples(t, "t")
    lab = as_labels(labels, x.shape[0], device=x.device)
    lower, upper = kde_entropy_bounds(x, beta=beta)
    noise = gaussian_entropy(x.shape[1], beta)
    classes, counts = torch.unique(lab, return_counts=True)
    cond_lower = cond_upper = 0.0
    for cls, count in zip(classes, counts):  # a loop over classes (a handful), not samples
        lo, up = kde_entropy_bounds(x[lab == cls], beta=beta)
        share = float(count) / x.shape[0]
        cond_lower += share * lo
        cond_upper += share * up
    return KDEInformation(
        mi_x_upper=upper - noise,
        mi_x_lower=lower - noise,
        mi_y_upper=upper - cond_upper,
        mi_y_lower=lower - cond_lower,
    )


def _entropy_bounds_batch(x: torch.Tensor, beta: float, lower: bool) -> dict[str, torch.Tensor]:
    """``upper`` (and, with ``lower``, ``lower``) of :func:`kde_entropy_bounds` for a batch x (N, m, d), each (N,)."""
    d = x.shape[-1]
    bounds = {"upper": 0.5 * d - mixture_log_density(x, x, beta).mean(-1)}
    if lower:
        bounds["lower"] = 0.5 * d - mixture_log_density(x, x, 2.0 * beta).mean(-1) - 0.5 * d * math.log(4.0)
    return bounds


@variance_to_beta(2)
@validate_params(t=Array(ndim=(3,), max_abs=COORDINATE_MAX), labels=Labels(), beta=Beta(), lower=Flag())
def kde_information_batch(t: Any, labels: Any, *, beta: float, lower: bool = True) -> dict[str, np.ndarray]:
    """:func:`ipcore.estimators.kde_mutual_information` of N representations of the same inputs at once.

    For N representations (N, m, d) of the same m labelled inputs (the N networks
    of an ensemble), each

        I(T;X) = H(T) − (d/2) ln(2πeβ²),   I(T;Y) = H(T) − Σ_y p(y) H(T | Y = y),

    with H the upper (KL) or lower (BD) pairwise bound: one batched kernel call per
    bound and class (:func:`~ipcore.estimators.mixture_log_density`: a dense batched product,
    or for layers of up to 8 dimensions one kd-tree walk per representation).

    Parameters
    ----------
    t : array-like of shape (N, m, d)
        N representations of the m inputs.
    labels : array-like of shape (m,)
        The inputs' integer classes, shared by all N.
    beta : float
        The noise standard deviation β > 0 (keyword-only). Saxe et al. (2018) stated
        a variance σ² (0.1 on MNIST, 1e-3 on SZT): pass ``beta=math.sqrt(σ²)``. The
        variance as third positional argument, as in ipcore 0.1, still works, converted,
        with a :class:`DeprecationWarning`.
    lower : bool, default True
        Also compute the lower bounds (twice the work: Saxe et al.'s planes show the
        upper bounds).

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays of shape (N,), in nats, under ``"mi_x_upper"``, ``"mi_y_upper"`` and,
        unless ``lower`` is False, ``"mi_x_lower"``, ``"mi_y_lower"``.

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric 3-D array, is empty or has a coordinate
        beyond ±1e100; if ``labels`` are not integers, not 1-D or not one per input;
        if ``lower`` is not True or False; if ``beta`` is not a number in
        [1e-100, 1e100] (a deprecated positional variance: not a number > 0, named
        ``variance``).

    Examples
    --------
    The same numbers as one call of
    :func:`ipcore.estimators.kde_mutual_information` per representation:

    >>> import numpy as np
    >>> from ipcore.estimators import kde_information_batch, kde_mutual_information
    >>> t = np.random.default_rng(0).standard_normal((2, 6, 2))
    >>> labels = [0, 0, 0, 1, 1, 1]
    >>> batch = kde_information_batch(t, labels, beta=0.5)
    >>> sorted(batch), batch["mi_x_upper"].shape
    (['mi_x_lower', 'mi_x_upper', 'mi_y_lower', 'mi_y_upper'], (2,))
    >>> each = [kde_mutual_information(t[i], labels, beta=0.5) for i in range(2)]
    >>> bool(np.allclose(batch["mi_y_upper"], [e.mi_y_upper for e in each]))
    True
    """
    x = as_tensor(t, "t", ndim=3, max_abs=COORDINATE_MAX)
    lab = as_labels(labels, x.shape[1], device=x.device)
    whole = _entropy_bounds_batch(x, beta, lower)
    noise = gaussian_entropy(x.shape[-1], beta)
    conditional = {bound: torch.zeros_like(value) for bound, value in whole.items()}
    classes, counts = torch.unique(lab, return_counts=True)
    for cls, count in zip(classes, counts):  # a loop over classes (a handful), not samples
        for bound, value in _entropy_bounds_batch(x[:, lab == cls], beta, lower).items():
            conditional[bound] += float(count) / x.shape[1] * value
    values = {}
    for bound, value in whole.items():
        values[f"mi_x_{bound}"] = value - noise
        values[f"mi_y_{bound}"] = value - conditional[bound]
    return {k: v.cpu().numpy() for k, v in values.items()}
