"""Mutual information with closed forms, in nats: ground truth for tests and the book."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from ipcore.deprecation import variance_to_beta
from ipcore.validation import Array, Beta, Integer, Optional, Real, Unchecked, as_tensor, validate_params
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
    """Mutual information of a linear Gaussian channel, in nats.

        I(X; AX + Z) = ½ ln det(I + A Σ_x Aᵀ / σ²),   X ~ N(0, Σ_x), Z ~ N(0, σ² I).

    Parameters
    ----------
    cov_x : array-like of shape (n, n)
        Σ_x, the input's covariance: symmetric, positive definite.
    A : array-like of shape (k, n)
        The channel's matrix.
    sigma : float
        The noise standard deviation σ > 0 (a variance σ² is ``sigma=math.sqrt(σ²)``).

    Returns
    -------
    float
        I(X; AX + Z) in nats.

    Raises
    ------
    ValueError
        If ``cov_x`` is not a finite square, symmetric, positive-definite 2-D array;
        if ``A`` is not a finite 2-D array with n columns; if ``sigma`` is not a
        number in [1e-100, 1e100].

    See Also
    --------
    ipcore.estimators.jointly_gaussian_mutual_information : from the joint covariance.
    ipcore.estimators.linear_layer_information : for linear networks.

    Examples
    --------
    One dimension: ½ ln(1 + a² Var X / σ²), here ½ ln 5:

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import gaussian_channel_mutual_information, jointly_gaussian_mutual_information
    >>> math.isclose(gaussian_channel_mutual_information([[1.0]], [[2.0]], 1.0), 0.5 * math.log(5))
    True

    The same as from the joint covariance of (X, AX + Z):

    >>> cov_x, A, sigma = np.array([[1.0, 0.3], [0.3, 2.0]]), np.array([[1.0, -1.0]]), 0.5
    >>> joint = np.block([[cov_x, cov_x @ A.T], [A @ cov_x, A @ cov_x @ A.T + sigma**2]])
    >>> math.isclose(gaussian_channel_mutual_information(cov_x, A, sigma),
    ...              jointly_gaussian_mutual_information(joint, 2))
    True
    """
    cov = _covariance("cov_x", cov_x)
    a = as_tensor(A, "A", ndim=2, device=cov.device)
    if a.shape[1] != cov.shape[0]:
        raise ValueError(f"A: has {a.shape[1]} columns but cov_x is {cov.shape[0]}×{cov.shape[0]}")
    s = sigma
    eye = torch.eye(a.shape[0], dtype=cov.dtype, device=cov.device)
    return 0.5 * _logdet_spd("cov_x", eye + a @ cov @ a.T / (s * s))


@validate_params(cov=Array(ndim=(2,)), dim_x=Integer(low=1))
def jointly_gaussian_mutual_information(cov: Any, dim_x: int) -> float:
    """I(X;Y) of a jointly Gaussian (X, Y) with joint covariance ``cov``, in nats.

        I = ½ [ln det Σ_xx + ln det Σ_yy − ln det Σ] = −½ ln det(I − Σ_xx⁻¹ Σ_xy Σ_yy⁻¹ Σ_yx).

    Parameters
    ----------
    cov : array-like of shape (n, n)
        Σ, the covariance of (X, Y): symmetric, positive definite.
    dim_x : int
        X is the first ``dim_x`` coordinates, Y the rest; in [1, n − 1].

    Returns
    -------
    float
        I(X;Y) in nats.

    Raises
    ------
    ValueError
        If ``cov`` is not a finite square, symmetric, positive-definite 2-D array;
        if ``dim_x`` is not an integer in [1, n − 1].

    Examples
    --------
    Two standard normals of correlation ρ: I = −½ ln(1 − ρ²):

    >>> import math
    >>> from ipcore.estimators import jointly_gaussian_mutual_information
    >>> rho = 0.6
    >>> math.isclose(jointly_gaussian_mutual_information([[1.0, rho], [rho, 1.0]], 1), -0.5 * math.log(1 - rho**2))
    True
    """
    c = _covariance("cov", cov)
    if not (isinstance(dim_x, int) and 0 < dim_x < c.shape[0]):
        raise ValueError(f"dim_x: must be an integer in [1, {c.shape[0] - 1}], got {dim_x!r}")
    return 0.5 * (
        _logdet_spd("cov", c[:dim_x, :dim_x]) + _logdet_spd("cov", c[dim_x:, dim_x:]) - _logdet_spd("cov", c)
    )


@validate_params(distance=Real(low=0, high=1e100), beta=Beta())
def two_point_mutual_information(distance: float, beta: float) -> float:
    """I(X; X + Z) for X uniform on two points ``distance`` apart and Z ~ N(0, β² I_d), in nats.

    Only the direction joining the points carries information, so this is the
    1-D integral

        I = h(½N(0, β²) + ½N(Δ, β²)) − ½ ln(2πeβ²),   Δ = ``distance``,

    computed exactly (:func:`ipcore.estimators.mixture_entropy_1d`), whatever d.

    Parameters
    ----------
    distance : float
        The distance Δ ≥ 0 between the two points.
    beta : float
        The noise standard deviation β > 0.

    Returns
    -------
    float
        I in nats, between 0 (Δ = 0) and ln 2 (Δ ≫ β); a function of Δ/β.

    Raises
    ------
    ValueError
        If ``distance`` is not a number in [0, 1e100]; if ``beta`` is not a number
        in [1e-100, 1e100].

    Examples
    --------
    >>> import math
    >>> from ipcore.estimators import two_point_mutual_information
    >>> abs(two_point_mutual_information(0.0, 0.1)) < 1e-12
    True
    >>> round(two_point_mutual_information(2.0, 0.1), 9), round(math.log(2), 9)
    (0.693147181, 0.693147181)

    It depends on Δ/β only:

    >>> math.isclose(two_point_mutual_information(0.2, 0.1), two_point_mutual_information(2.0, 1.0))
    True
    """
    return mixture_entropy_1d([0.0, distance], beta) - gaussian_entropy(1, beta)


def _batched_logdet(name: str, a: torch.Tensor) -> torch.Tensor:
    """ln det of a batch (…, n, n) of symmetric positive-definite matrices, by Cholesky."""
    chol, info = torch.linalg.cholesky_ex(0.5 * (a + a.mT))
    if bool((info != 0).any()):
        raise ValueError(f"{name}: gives a covariance that is not positive definite")
    return 2.0 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)


@variance_to_beta(2)
@validate_params(weights=Array(ndim=(2, 3, 4)), cov_x=Array(ndim=(2,)), beta=Beta(),
                 teacher=Optional(Array(ndim=(2,))), teacher_noise=Real(low=0),
                 subsets=Optional(Unchecked("a mapping of names to lists of input indices")))
def linear_layer_information(weights: Any, cov_x: Any, *, beta: float, teacher: Any = None,
                             teacher_noise: float = 0.0,
                             subsets: Mapping[str, Sequence[int]] | None = None) -> dict[str, np.ndarray]:
    """Exact information of linear layers T = W̄X + ε, X ~ N(0, Σ_x), ε ~ N(0, β² I), in nats.

    With σ² = β² and Σ_T = W̄Σ_xW̄ᵀ + σ²I:

    - ``"i_tx"``: I(T;X) = ½ ln det Σ_T − ½ N_h ln σ²;
    - ``"i_ty"`` (with a ``teacher`` W_o (N_o, N_i) and ``teacher_noise`` σ_o², for
      Y = W_oX + ε_o): I(T;Y) = ½ ln det Σ_T − ½ ln det Σ_{T|Y}, where
      Σ_{T|Y} = Σ_T − W̄Σ_xW_oᵀ(W_oΣ_xW_oᵀ + σ_o²I)⁻¹W_oΣ_xW̄ᵀ;
    - ``"i_t_<name>"`` for each of ``subsets`` (name → input indices S):
      I(T;X_S) = ½ ln det Σ_T − ½ ln det(W̄Σ_{x|S}W̄ᵀ + σ²I), with Σ_{x|S} the
      covariance of X given X_S. For independent blocks X = [X_rel, X_irr] this is
      ½ ln det Σ_T − ½ ln det(W̄_irrΣ_irrW̄_irrᵀ + σ²I).

    The slides of Saxe et al. write I(T;X) without the ½ (and for Σ_x = I).

    Parameters
    ----------
    weights : array-like of shape (..., N_h, N_i)
        W̄, with up to 2 leading axes (epochs, layers): the product of a linear
        network's weights up to the layer.
    cov_x : array-like of shape (N_i, N_i)
        Σ_x, the input's covariance: symmetric, positive definite.
    beta : float
        The standard deviation of the noise added for measurement (keyword-only).
        Saxe et al. state its variance σ²_MI = β²: pass ``beta=math.sqrt(σ²_MI)``.
        The variance as third positional argument, as in ipcore 0.1, still works,
        converted, with a :class:`DeprecationWarning`.
    teacher : array-like of shape (N_o, N_i), optional
        W_o of the teacher Y = W_oX + ε_o; adds ``"i_ty"``.
    teacher_noise : float, default 0
        The teacher's noise variance σ_o² ≥ 0 (a variance, as Saxe et al. state it).
    subsets : dict of str to list of int, optional
        Named sets of input indices S; adds ``"i_t_<name>"`` for each.

    Returns
    -------
    dict of str to numpy.ndarray
        ``"i_tx"`` and, as requested, ``"i_ty"`` and ``"i_t_<name>"``, in nats, each
        shaped like the leading axes of ``weights``.

    Raises
    ------
    ValueError
        If ``weights`` is not a finite numeric array of 2 to 4 dimensions with N_i
        columns; if ``cov_x`` is not a finite square, symmetric, positive-definite
        array; if ``beta`` is not a number in [1e-100, 1e100] (a deprecated
        positional variance: not a number > 0, named ``variance``); if ``teacher``
        is not a finite 2-D array with N_i columns, or Y has no density (a noiseless
        teacher of dependent rows: named ``teacher_noise``); if ``teacher_noise`` is
        negative or not finite; if a subset does not list distinct indices in
        [0, N_i − 1] (``subsets``).

    See Also
    --------
    ipcore.estimators.gaussian_channel_mutual_information : one channel I(X; AX + Z).

    Examples
    --------
    I(T;X) of two layers at once, each the channel I(X; W̄X + ε):

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import gaussian_channel_mutual_information, linear_layer_information
    >>> weights = np.stack([np.eye(2), 2 * np.eye(2)])
    >>> info = linear_layer_information(weights, np.eye(2), beta=1.0)
    >>> info["i_tx"].shape, bool(np.allclose(info["i_tx"], [gaussian_channel_mutual_information(np.eye(2), w, 1.0)
    ...                                                    for w in weights]))
    ((2,), True)

    One unit T = 2X + ε, β = 1, and a teacher Y = X + ε_o of noise variance 1:
    Var T = 5, Var Y = 2, Cov(T, Y) = 2, so I(T;Y) = −½ ln(1 − 2²/(5·2)):

    >>> info = linear_layer_information([[2.0]], [[1.0]], beta=1.0, teacher=[[1.0]], teacher_noise=1.0)
    >>> math.isclose(float(info["i_ty"]), -0.5 * math.log(1 - 4 / 10))
    True
    """
    cov = _covariance("cov_x", cov_x)
    w = as_tensor(weights, "weights", ndim=(2, 3, 4), device=cov.device)
    n_in = cov.shape[0]
    if w.shape[-1] != n_in:
        raise ValueError(f"weights: have {w.shape[-1]} columns but cov_x is {n_in}×{n_in}")
    eye = torch.eye(w.shape[-2], dtype=cov.dtype, device=cov.device)
    variance = beta * beta
    cov_t = w @ cov @ w.mT + variance * eye
    logdet_t = _batched_logdet("weights", cov_t)
    out = {"i_tx": 0.5 * (logdet_t - w.shape[-2] * math.log(variance))}
    if teacher is not None:
        wo = as_tensor(teacher, "teacher", ndim=2, device=cov.device)
        if wo.shape[1] != n_in:
            raise ValueError(f"teacher: has {wo.shape[1]} columns but cov_x is {n_in}×{n_in}")
        cov_y = wo @ cov @ wo.T + teacher_noise * torch.eye(wo.shape[0], dtype=cov.dtype, device=cov.device)
        _logdet_spd("teacher_noise", cov_y)  # a noiseless teacher of dependent rows: Y has no density
        cross = w @ cov @ wo.T  # Cov(T, Y), (…, N_h, N_o)
        cov_t_given_y = cov_t - cross @ torch.linalg.solve(cov_y, cross.mT)
        out["i_ty"] = 0.5 * (logdet_t - _batched_logdet("teacher", cov_t_given_y))
    for name, indices in (subsets or {}).items():
        s = _subset(indices, n_in, name)
        given = cov - cov[:, s] @ torch.linalg.solve(cov[s][:, s], cov[s, :])
        out[f"i_t_{name}"] = 0.5 * (logdet_t - _batched_logdet("subsets", w @ given @ w.mT + variance * eye))
    return {k: v.cpu().numpy() for k, v in out.items()}


def _subset(indices: Any, n: int, name: str) -> torch.Tensor:
    s = torch.as_tensor(np.asarray(indices))
    if s.ndim != 1 or not len(s) or s.dtype not in (torch.int32, torch.int64) or int(s.min()) < 0 or int(s.max()) >= n \
            or len(torch.unique(s)) != len(s):
        raise ValueError(f"subsets: {name!r} must list distinct input indices in [0, {n - 1}], got {indices!r}")
    return s
