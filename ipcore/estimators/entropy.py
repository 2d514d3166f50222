"""Monte Carlo entropy of Gaussian mixtures and the sample-propagation estimator.

Both sit on :func:`~ipcore.estimators.kernel.mixture_log_density`. All values
are in nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ipcore.config import DTYPE
from ipcore.validation import (SAMPLES, Array, Beta, Flag, Integer, Labels, Optional, Real, Seed, as_labels, as_samples,
                               as_tensor, check_weights, validate_params)
from ipcore.estimators.kernel import mixture_log_density
from ipcore.estimators.quadrature import gaussian_entropy
from ipcore.seeding import make_generator

#: Default number of Monte Carlo draws per mixture component.
DEFAULT_N_MC = 10


def _total(x: torch.Tensor, dims: int | tuple[int, ...] | None = None, *, keepdim: bool = False) -> torch.Tensor:
    """``x.sum(dims)`` in an order that does not depend on the number of threads.

    torch splits a CPU reduction of more than 32 768 elements into one partial sum per thread,
    so the last digits of an estimate depended on how many threads ran it (a sweep's
    single-threaded worker and a two-threaded notebook then disagreed at 1e-15). numpy sums
    on one thread, always in the same order. (CUDA reductions are already reproducible.)
    """
    if x.device.type != "cpu":
        return x.sum(dims, keepdim=keepdim) if dims is not None else x.sum()
    return torch.from_numpy(np.asarray(x.detach().numpy().sum(axis=dims, keepdims=keepdim)))


def _mean(x: torch.Tensor, dim: int) -> torch.Tensor:
    """``x.mean(dim)`` in a fixed order (see :func:`_total`)."""
    return _total(x, dim) / x.shape[dim]


def _variance(x: torch.Tensor) -> float:
    """The unbiased sample variance of all of ``x``, summed in a fixed order (see :func:`_total`)."""
    n = x.numel()
    centered = x - _total(x) / n
    return float(_total(centered * centered)) / (n - 1)


def _draws(shape: tuple[int, ...], seed: int | None, device: torch.device) -> torch.Tensor:
    """Standard normal draws, reproducible for a seed whatever the device (drawn on the CPU)."""
    gen = make_generator(seed)
    return torch.randn(shape, generator=gen, dtype=DTYPE).to(device)


_RTOL = Real(low=0, high=0.5, open_high=True)


def _with_control_variate(neg_log: torch.Tensor, eps: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """−ln g at the draws less c·z, z = (‖ε‖² − d)/2, a term of exact mean 0 (``neg_log`` (B, n, k)).

    Each draw's −ln g(μ_j + βε) contains its own component's ‖ε‖²/2, whose mean d/2 is
    known; where the components are well separated that is nearly all of its variance. One
    coefficient c, shared by the B mixtures (the conditional mixtures of a layer have a few
    draws each, too few to fit one apiece), minimises Σ_j w_j² Var(−ln g − c z) by least
    squares, each mixture with its own intercept; it is fitted on the even-numbered draws and
    applied to the odd ones and the other way round (cross-fitting), so that c is independent
    of the draws it corrects and the estimate stays exactly unbiased.
    """
    b, n, k = neg_log.shape
    z = 0.5 * (eps.square().sum(-1) - eps.shape[-1]).view(b, n, k)
    w2 = (weights * weights).view(1, n, 1).expand(b, n, k)
    fold = (torch.arange(b * n * k, device=neg_log.device) % 2).view(b, n, k)
    every = (0, 1, 2)
    # Each mixture its own intercept when it has two draws or more in each fold.
    own = (1, 2) if n * k >= 4 else every
    corrected = neg_log.clone()
    for f in (0, 1):  # two folds: fit on one, correct the other
        fit = fold == f
        wf = torch.where(fit, w2, torch.zeros_like(w2))
        total = _total(wf, own, keepdim=True).clamp_min(1e-300)
        dz = z - _total(wf * z, own, keepdim=True) / total  # least squares with intercepts
        num = _total(wf * (neg_log - _total(wf * neg_log, own, keepdim=True) / total) * dz)
        den = _total(wf * dz * dz)
        c = torch.where(den > 0, num / den.clamp_min(1e-300), torch.zeros_like(den))
        corrected = torch.where(fit, corrected, neg_log - c * z)
    return corrected


@validate_params(centers=SAMPLES, beta=Beta(), n_mc=Integer(low=1), weights=Optional(Array(ndim=(1,))),
                 seed=Optional(Seed()), return_std=Flag(), rtol=_RTOL, control_variate=Flag())
def gaussian_mixture_entropy(
    centers: Any,
    beta: float,
    *,
    n_mc: int = DEFAULT_N_MC,
    weights: Any = None,
    seed: int | None = None,
    return_std: bool = False,
    rtol: float = 0.0,
    control_variate: bool = True,
):
    """Monte Carlo differential entropy of g = Σ_j w_j N(μ_j, β² I_d), in nats.

        h(g) ≈ −Σ_j w_j (1/k) Σ_r log g(μ_j + β ε_jr),   ε_jr ~ N(0, I_d),

    with k = ``n_mc`` draws per center (stratified: every center gets k). The
    estimator is unbiased; its standard error is
    sqrt(Σ_j w_j² s_j² / k) with s_j² the sample variance of −log g over the
    draws of center j (the pooled variance when k = 1). For centers in
    [−1, 1]^d its mean-squared error is at most 2d(2+β²)/(β² n k).

    With ``control_variate=True`` (the default) each term is corrected by
    −c (‖ε_jr‖² − d)/2, whose mean is exactly 0: the term −log g carries its own
    component's ‖ε‖²/2, nearly all of its spread where the components are well
    separated (there the standard error falls by orders of magnitude, and the
    estimate of m separated centers is ln m + (d/2) ln(2πeβ²) to many digits).
    c is cross-fitted on the other half of the draws, so the estimate stays
    unbiased; ``control_variate=False`` is the plain estimator above. Its
    standard error, though, comes from the corrected draws, and where the
    centers are far apart (in units of β) those are nearly constant except for
    the rare draws that land near another center: a sample without such draws
    reports too small an error (centers 0 and 1, β = 0.125, k = 400: off by
    9e-5, reported 1e-6). The plain estimator's error is the safe scale there.

    ``centers``: (n, d) or (n,) array (numpy or torch, any device).
    Returns h, or (h, standard error) with ``return_std=True``.
    """
    b, k = beta, n_mc
    c = as_samples(centers, "centers")
    c = c - _mean(c, 0)  # entropy is shift-invariant; centered coordinates keep every digit of βε
    w = check_weights(weights, c.shape[0], device=c.device)
    n, d = c.shape
    eps = _draws((n, k, d), seed, c.device)
    points = (c[:, None, :] + b * eps).reshape(n * k, d)
    neg_log = -mixture_log_density(points, c, b, w, rtol=rtol).view(n, k)
    if control_variate:
        neg_log = _with_control_variate(neg_log[None], eps, w)[0]
    h = float(_total(w * neg_log.mean(1)))
    if not return_std:
        return h
    if k > 1:
        var = neg_log.var(dim=1, unbiased=True)
    else:
        var = torch.full((n,), _variance(neg_log) if n > 1 else 0.0, dtype=DTYPE, device=c.device)
    return h, math.sqrt(float(_total(w * w * var)) / k)


def _batched_mixture_entropies(centers: torch.Tensor, beta: float, n_mc: int, seed: int | None,
                               control_variate: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Entropies of m equal-weight mixtures at once: centers (m, R, d) → (h, standard error), each (m,)."""
    m, r, d = centers.shape
    eps = _draws((m, r, n_mc, d), seed, centers.device)
    points = (centers[:, :, None, :] + beta * eps).reshape(m, r * n_mc, d)
    neg_log = -mixture_log_density(points, centers, beta).view(m, r, n_mc)
    if control_variate:
        neg_log = _with_control_variate(neg_log, eps, torch.full((r,), 1.0 / r, dtype=DTYPE, device=centers.device))
    h = neg_log.mean(dim=(1, 2))
    if n_mc > 1:
        var = neg_log.var(dim=2, unbiased=True).mean(1)  # within-center variance, averaged
    else:
        var = neg_log.reshape(m, r).var(dim=1, unbiased=True) if r > 1 else torch.zeros(m, dtype=DTYPE)
    return h, torch.sqrt(var / (r * n_mc))


@dataclass(frozen=True)
class SPEstimate:
    """Result of :func:`sp_mutual_information`. Entropies and information in nats."""

    mi: float  #: I(X;T) = h(T) − h(T|X)
    mi_std: float  #: its Monte Carlo standard error
    h_t: float  #: h(T)
    h_t_std: float
    h_t_given_x: float  #: h(T|X) = (1/m) Σ_i h(T | X = x_i)
    h_t_given_x_std: float
    n_inputs: int  #: m, the number of inputs; I(X;T) ≤ ln m
    dim: int  #: the layer's dimension d

    @property
    def negative(self) -> bool:
        """True when the estimate is below 0 (returned as it is, not clipped)."""
        return self.mi < 0

    @property
    def exceeds_input_entropy(self) -> bool:
        """True when the estimate exceeds H(X) = ln m by more than 4 standard errors."""
        return self.mi - 4 * self.mi_std > math.log(self.n_inputs)


@validate_params(centers=SAMPLES, beta=Beta(), conditional_centers=Optional(Array(ndim=(3,), max_abs=1e100)),
                 n_mc=Integer(low=1), seed=Optional(Seed()), rtol=_RTOL, control_variate=Flag())
def sp_mutual_information(
    centers: Any,
    beta: float,
    *,
    conditional_centers: Any = None,
    n_mc: int = DEFAULT_N_MC,
    seed: int | None = None,
    rtol: float = 0.0,
    control_variate: bool = True,
) -> SPEstimate:
    """Sample-propagation estimate of I(X;T_ℓ) for a noisy layer T_ℓ = S_ℓ + N(0, β² I), in nats.

        I(X;T_ℓ) = h(T_ℓ) − (1/m) Σ_i h(T_ℓ | X = x_i).

    ``centers`` (n, d): clean samples of S_ℓ from noisy passes of the data
    set (the centers of T_ℓ's Gaussian mixture). ``conditional_centers``
    (m, R, d): for each of the m inputs, R noisy-pass replicas of S_ℓ; each
    conditional entropy is that of the R-component mixture, and all m are
    computed in one batch; n must be a multiple of m (the centers are whole
    passes over the m inputs). ``None`` means the first hidden layer, where S_1
    is a function of X and h(T_1 | X) = (d/2) ln(2πeβ²) exactly (then
    m = n).

    ``control_variate`` is passed to every mixture entropy (see
    :func:`gaussian_mixture_entropy`). A negative estimate (possible through
    Monte Carlo error) is returned as it is; :attr:`SPEstimate.negative` flags it.
    """
    b, k = beta, n_mc
    c = as_samples(centers, "centers")
    shift = _mean(c, 0)
    c = c - shift  # both entropies are shift-invariant: the same shift for both keeps every digit
    d = c.shape[1]
    seed_h, seed_c = (None, None) if seed is None else (seed, seed + 1)
    h_t, h_t_std = gaussian_mixture_entropy(c, b, n_mc=k, seed=seed_h, return_std=True, rtol=rtol,
                                            control_variate=control_variate)
    if conditional_centers is None:
        h_cond, h_cond_std, m = gaussian_entropy(d, b), 0.0, c.shape[0]
    else:
        cc = as_tensor(conditional_centers, "conditional_centers", ndim=3, device=c.device)
        if c.shape[0] % cc.shape[0]:
            raise ValueError(f"conditional_centers: has {cc.shape[0]} inputs, but the {c.shape[0]} centers are not "
                             f"a whole number of passes over them; give one (R, d) set of replicas per input of "
                             f"the centers' data set")
        if cc.shape[2] != d:
            raise ValueError(
                f"conditional_centers: dimension {cc.shape[2]} differs from the centers' dimension {d}"
            )
        h_each, std_each = _batched_mixture_entropies(cc - shift, b, k, seed_c, control_variate)
        m = cc.shape[0]
        h_cond = float(_mean(h_each, 0))
        h_cond_std = math.sqrt(float(_total(std_each**2))) / m
    return SPEstimate(
        mi=h_t - h_cond,
        mi_std=math.hypot(h_t_std, h_cond_std),
        h_t=h_t,
        h_t_std=h_t_std,
        h_t_given_x=h_cond,
        h_t_given_x_std=h_cond_std,
        n_inputs=int(m),
        dim=int(d),
    )


@dataclass(frozen=True)
class SPLabelEstimate:
    """Result of :func:`sp_label_information`. Information in nats."""

    mi: float  #: I(T;Y) = h(T) − Σ_y p(y) h(T | Y = y)
    mi_std: float  #: its Monte Carlo standard error
    label_entropy: float  #: H(Y) of the labels; I(T;Y) ≤ H(Y)
    n_classes: int


@validate_params(centers=SAMPLES, labels=Labels(), beta=Beta(), n_mc=Integer(low=1), seed=Optional(Seed()), rtol=_RTOL)
def sp_label_information(
    centers: Any,
    labels: Any,
    beta: float,
    *,
    n_mc: int = DEFAULT_N_MC,
    seed: int | None = None,
    rtol: float = 0.0,
) -> SPLabelEstimate:
    """Sample-propagation estimate of I(T;Y) for a noisy layer T = S + N(0, β² I), in nats.

    ``centers`` (m, d): one clean sample S_j of the layer per input (one noisy
    pass of the data set), ``labels`` (m,) the inputs' classes. T is the
    mixture g = (1/m) Σ_j N(μ_j, β² I) and T | Y = y the mixture g_y over the
    m_y centers of class y, p(y) = m_y / m. Since g = Σ_y p(y) g_y,

        I(T;Y) = h(T) − Σ_y p(y) h(T | Y = y) = Σ_y p(y) E_{g_y}[ln g_y(T) − ln g(T)]
               ≈ (1/m) Σ_j (1/k) Σ_r [ln g_{y_j}(μ_j + β ε_jr) − ln g(μ_j + β ε_jr)],

    with k = ``n_mc`` draws ε ~ N(0, I) per center. Both entropies are taken at
    the same draws, so their Monte Carlo errors cancel: each term lies in
    (−∞, −ln p(y_j)], and for well separated classes every term is −ln p(y_j)
    and the estimate H(Y) exactly. Unbiased; the standard error is computed as
    in :func:`gaussian_mixture_entropy`.
    """
    b, k = beta, n_mc
    c = as_samples(centers, "centers")
    c = c - _mean(c, 0)
    m, d = c.shape
    lab = as_labels(labels, m, device=c.device, name="labels")
    classes, inverse, counts = torch.unique(lab, return_inverse=True, return_counts=True)
    points = (c[:, None, :] + b * _draws((m, k, d), seed, c.device)).reshape(m * k, d)
    log_g = mixture_log_density(points, c, b, rtol=rtol).view(m, k)
    log_g_class = torch.empty_like(log_g)
    for y in range(len(classes)):  # a handful of classes, each one kernel call
        members = inverse == y
        log_g_class[members] = mixture_log_density(points.view(m, k, d)[members].reshape(-1, d), c[members], b,
                                                   rtol=rtol).view(-1, k)
    terms = log_g_class - log_g
    if k > 1:
        var = terms.var(dim=1, unbiased=True)
    else:
        var = torch.full((m,), _variance(terms) if m > 1 else 0.0, dtype=DTYPE, device=c.device)
    p = counts.to(DTYPE) / m
    return SPLabelEstimate(
        mi=float(_total(terms)) / terms.numel(),
        mi_std=math.sqrt(float(_total(var)) / k) / m,
        label_entropy=float(-(p * torch.log(p)).sum()),
        n_classes=len(classes),
    )
