"""Pairwise-distance (KDE) bounds of a Gaussian mixture's entropy (Kolchinsky & Tracey, 2017).

For the mixture g = (1/n) Σ_j N(μ_j, σ² I_d) (σ² = ``variance``):

    upper: H_KL = d/2 − (1/n) Σ_i ln[(1/n) Σ_j exp(−‖μ_i−μ_j‖²/(2σ²))] + (d/2) ln(2πσ²)
                = d/2 − (1/n) Σ_i ln g_σ(μ_i),
    lower: H_BD = the same with 4σ², plus (d/2) ln(1/4)
                = d/2 − (1/n) Σ_i ln g_{2σ}(μ_i) − (d/2) ln 4.

Both use :func:`~ipcore.estimators.kernel.mixture_log_density`. Saxe et al.
(2018) estimated I(T;X) ≈ H_KL(T) − (d/2) ln(2πeσ²) this way (σ² = 0.1 on MNIST,
1e-3 on SZT). All values in nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ipcore.validation import (COORDINATE_MAX, SAMPLES, Array, Flag, Labels, Real, as_labels, as_samples, as_tensor,
                               validate_params)
from ipcore.estimators.kernel import mixture_log_density
from ipcore.estimators.quadrature import gaussian_entropy


#: σ², not σ: its square root must be a β the kernel takes.
VARIANCE = Real(low=1e-200, high=1e200)


@validate_params(t=SAMPLES, variance=VARIANCE)
def kde_entropy_bounds(t: Any, variance: float) -> tuple[float, float]:
    """(lower, upper) bounds on h of the mixture of N(t_i, σ² I) over the rows of ``t``, in nats."""
    v = variance
    x = as_samples(t, "t")
    d = x.shape[1]
    sigma = math.sqrt(v)
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


@validate_params(t=SAMPLES, labels=Labels(), variance=VARIANCE)
def kde_mutual_information(t: Any, labels: Any, variance: float) -> KDEInformation:
    """I(T;X) and I(T;Y) as Saxe et al. estimated them with Gaussian noise of variance σ².

    I(T;X) = H(T) − (d/2) ln(2πeσ²) and I(T;Y) = H(T) − Σ_y p(y) H(T | Y = y),
    each with H from the upper (KL) and the lower (BD) pairwise bound.
    """
    v = variance
    x = as_samples(t, "t")
    lab = as_labels(labels, x.shape[0], device=x.device)
    lower, upper = kde_entropy_bounds(x, v)
    noise = gaussian_entropy(x.shape[1], math.sqrt(v))
    classes, counts = torch.unique(lab, return_counts=True)
    cond_lower = cond_upper = 0.0
    for cls, count in zip(classes, counts):  # a loop over classes (a handful), not samples
        lo, up = kde_entropy_bounds(x[lab == cls], v)
        share = float(count) / x.shape[0]
        cond_lower += share * lo
        cond_upper += share * up
    return KDEInformation(
        mi_x_upper=upper - noise,
        mi_x_lower=lower - noise,
        mi_y_upper=upper - cond_upper,
        mi_y_lower=lower - cond_lower,
    )


def _entropy_bounds_batch(x: torch.Tensor, variance: float, lower: bool) -> dict[str, torch.Tensor]:
    """``upper`` (and, with ``lower``, ``lower``) of :func:`kde_entropy_bounds` for a batch x (N, m, d), each (N,)."""
    d = x.shape[-1]
    sigma = math.sqrt(variance)
    bounds = {"upper": 0.5 * d - mixture_log_density(x, x, sigma).mean(-1)}
    if lower:
        bounds["lower"] = 0.5 * d - mixture_log_density(x, x, 2.0 * sigma).mean(-1) - 0.5 * d * math.log(4.0)
    return bounds


@validate_params(t=Array(ndim=(3,), max_abs=COORDINATE_MAX), labels=Labels(), variance=VARIANCE, lower=Flag())
def kde_information_batch(t: Any, labels: Any, variance: float, *, lower: bool = True) -> dict[str, np.ndarray]:
    """:func:`kde_mutual_information` of N representations (N, m, d) of the same m labelled
    inputs at once (the N networks of an ensemble): one batched kernel call per bound and class.

    Returns arrays (N,) under ``mi_x_upper``, ``mi_y_upper`` and, unless ``lower`` is False
    (half the work: Saxe et al.'s planes show the upper bounds), ``mi_x_lower``, ``mi_y_lower`` (nats).
    """
    x = as_tensor(t, "t", ndim=3, max_abs=COORDINATE_MAX)
    lab = as_labels(labels, x.shape[1], device=x.device)
    whole = _entropy_bounds_batch(x, variance, lower)
    noise = gaussian_entropy(x.shape[-1], math.sqrt(variance))
    conditional = {bound: torch.zeros_like(value) for bound, value in whole.items()}
    classes, counts = torch.unique(lab, return_counts=True)
    for cls, count in zip(classes, counts):  # a loop over classes (a handful), not samples
        for bound, value in _entropy_bounds_batch(x[:, lab == cls], variance, lower).items():
            conditional[bound] += float(count) / x.shape[1] * value
    values = {}
    for bound, value in whole.items():
        values[f"mi_x_{bound}"] = value - noise
        values[f"mi_y_{bound}"] = value - conditional[bound]
    return {k: v.cpu().numpy() for k, v in values.items()}
