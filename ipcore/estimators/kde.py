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
    """(lower, upper) bounds on h of the mixture of N(t_i, β² I) over the rows of ``t``, in nats."""
    x = as_samples(t, "t")
    d = x.shape[1]
    sigma = beta
    upper = 0.5 * d - float(mixture_log_density(x, x, sigma).mean())
    lower = 0.5 * d - float(mixture_log_density(x, x, 2.0 * sigma).mean()) - 0.5 * d * math.log(4.0)
    return lower, upper


@dataclass(frozen=True)
class KDEInformation:
    """KDE estimates of I(T;X) and I(T;Y) in nats, from the upper and the lower entropy bound."""

    mi_x_upper: float
    mi_x_lower: float
    mi_y_upper: float
    mi_y_lower: float


@variance_to_beta(2)
@validate_params(t=SAMPLES, labels=Labels(), beta=Beta())
def kde_mutual_information(t: Any, labels: Any, *, beta: float) -> KDEInformation:
    """I(T;X) and I(T;Y) as Saxe et al. estimated them with Gaussian noise of std β.

    I(T;X) = H(T) − (d/2) ln(2πeβ²) and I(T;Y) = H(T) − Σ_y p(y) H(T | Y = y),
    each with H from the upper (KL) and the lower (BD) pairwise bound.
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
    sigma = beta
    bounds = {"upper": 0.5 * d - mixture_log_density(x, x, sigma).mean(-1)}
    if lower:
        bounds["lower"] = 0.5 * d - mixture_log_density(x, x, 2.0 * sigma).mean(-1) - 0.5 * d * math.log(4.0)
    return bounds


@variance_to_beta(2)
@validate_params(t=Array(ndim=(3,), max_abs=COORDINATE_MAX), labels=Labels(), beta=Beta(), lower=Flag())
def kde_information_batch(t: Any, labels: Any, *, beta: float, lower: bool = True) -> dict[str, np.ndarray]:
    """:func:`kde_mutual_information` of N representations (N, m, d) of the same m labelled
    inputs at once (the N networks of an ensemble): one batched kernel call per bound and class.

    Returns arrays (N,) under ``mi_x_upper``, ``mi_y_upper`` and, unless ``lower`` is False
    (half the work: Saxe et al.'s planes show the upper bounds), ``mi_x_lower``, ``mi_y_lower`` (nats).
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
