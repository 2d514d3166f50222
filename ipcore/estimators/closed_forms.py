"""Mutual information with closed forms, in nats: ground truth for tests and the book."""

from __future__ import annotations

from typing import Any

import torch

from ipcore.validation import Array, Beta, Integer, Real, as_tensor, validate_params
from ipcore.estimators.quadrature import gaussian_entropy, mixture_entropy_1d


def _covariance(name: str, x: Any) -> torch.Tensor:
    """A covariance matrix: square, symmetric (to 1e-10 of its scale) and positive definite."""
    a = as_tensor(x, name, ndim=2)
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"{name}: must be square, got shape {tuple(a.shape)}")
    scale = float(a.abs().max())
    if float((a - a.T).abs().max()) > 1e-10 * max(scale, 1e-300):
        raise ValueError(f"{name}: must be symmetric (a covariance), max |C - Cᵀ| = {float((a - a.T).abs().max()):.3g}")
    smallest = float(torch.linalg.eigvalsh(0.5 * (a + a.T)).min())
    if smallest <= 0:
        raise ValueError(f"{name}: must be positive definite, its smallest eigenvalue is {smallest:.3g}")
    return 0.5 * (a + a.T)


def _logdet_spd(name: str, a: torch.Tensor) -> float:
    sign, logdet = torch.linalg.slogdet(a)
    if float(sign) <= 0:
        raise ValueError(f"{name}: is not positive definite")
    return float(logdet)


@validate_params(cov_x=Array(ndim=(2,)), A=Array(ndim=(2,)), sigma=Beta())
def gaussian_channel_mutual_information(cov_x: Any, A: Any, sigma: float) -> float:
    """I(X; AX + Z) for X ~ N(0, Σ_x), Z ~ N(0, σ² I): ½ ln det(I + A Σ_x Aᵀ / σ²)."""
    cov = _covariance("cov_x", cov_x)
    a = as_tensor(A, "A", ndim=2, device=cov.device)
    if a.shape[1] != cov.shape[0]:
        raise ValueError(f"A: has {a.shape[1]} columns but cov_x is {cov.shape[0]}×{cov.shape[0]}")
    s = sigma
    eye = torch.eye(a.shape[0], dtype=cov.dtype, device=cov.device)
    return 0.5 * _logdet_spd("cov_x", eye + a @ cov @ a.T / (s * s))


@validate_params(cov=Array(ndim=(2,)), dim_x=Integer(low=1))
def jointly_gaussian_mutual_information(cov: Any, dim_x: int) -> float:
    """I(X;Y) of a jointly Gaussian (X, Y) with joint covariance ``cov``, X the first ``dim_x`` coordinates.

    I = ½ [ln det Σ_xx + ln det Σ_yy − ln det Σ] = −½ ln det(I − Σ_xx⁻¹ Σ_xy Σ_yy⁻¹ Σ_yx).
    """
    c = _covariance("cov", cov)
    if not (isinstance(dim_x, int) and 0 < dim_x < c.shape[0]):
        raise ValueError(f"dim_x: must be an integer in [1, {c.shape[0] - 1}], got {dim_x!r}")
    return 0.5 * (
        _logdet_spd("cov", c[:dim_x, :dim_x]) + _logdet_spd("cov", c[dim_x:, dim_x:]) - _logdet_spd("cov", c)
    )


@validate_params(distance=Real(low=0, high=1e100), beta=Beta())
def two_point_mutual_information(distance: float, beta: float) -> float:
    """I(X; X + Z) for X uniform on two points ``distance`` apart and Z ~ N(0, β² I_d).

    Only the direction joining the points carries information, so this is the
    1-D integral h(½N(0,β²) + ½N(Δ,β²)) − ½ ln(2πeβ²), computed exactly.
    """
    return mixture_entropy_1d([0.0, distance], beta) - gaussian_entropy(1, beta)
