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
from ipcore.estimators.kernel import _log_density_dense, float32_log_density_error, mixture_log_density
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
    """Standard normal draws, reproducible for a seed whatever the device (drawn on the CPU).

    Drawn in float32 and returned in float64: torch's CPU generator makes float32 normals
    about 5× faster (measured 14 ms against 74 ms for 4 M), and Monte Carlo needs no more
    than their 24 bits.
    """
    gen = make_generator(seed)
    return torch.randn(shape, generator=gen, dtype=torch.float32).to(device).to(DTYPE)  # moved in float32


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

    Parameters
    ----------
    centers : array-like of shape (n, d) or (n,)
        The components' means μ_j (numpy or torch, any device); a 1-D array is n
        centers in one dimension.
    beta : float
        The noise standard deviation β > 0 of every component.
    n_mc : int, default 10
        Draws k per center, ≥ 1.
    weights : array-like of shape (n,), optional
        The mixture weights w_j: non-negative, summing to 1. Default: 1/n each.
    seed : int, optional
        Seed of the standard normal draws (reproducible whatever the device); ``None``
        draws a fresh one.
    return_std : bool, default False
        Also return the Monte Carlo standard error.
    rtol : float, default 0
        Relative error of the density allowed to
        :func:`ipcore.estimators.mixture_log_density` (in [0, 0.5); 0 is exact).
    control_variate : bool, default True
        Correct each term by a control variate of mean 0 (see Notes);
        ``False`` is the plain estimator above.

    Returns
    -------
    float or tuple of float
        h in nats, or (h, standard error) with ``return_std=True``.

    Raises
    ------
    ValueError
        If ``centers`` is not a finite numeric array of 1 or 2 dimensions, is empty
        or has a coordinate beyond ±1e100; if ``beta`` is not a number in
        [1e-100, 1e100]; if ``n_mc`` is not an integer ≥ 1; if ``weights`` does not
        have shape (n,), has a negative entry or does not sum to 1 within 1e-9; if
        ``seed`` is not an integer in [0, 2⁶³); if ``return_std`` or
        ``control_variate`` is not True or False; if ``rtol`` is not in [0, 0.5).

    Notes
    -----
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

    The cost is that of :func:`ipcore.estimators.mixture_log_density` at n k
    points: O(n² k d) on the dense path.

    See Also
    --------
    ipcore.estimators.mixture_entropy_1d : the exact entropy in one dimension.
    ipcore.estimators.mixture_entropy_2d : the exact entropy in two dimensions.
    ipcore.estimators.kde_entropy_bounds : deterministic lower and upper bounds.

    Examples
    --------
    One component: h = (d/2) ln(2πeβ²), which the control variate recovers
    without Monte Carlo error:

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import gaussian_entropy, gaussian_mixture_entropy, mixture_entropy_1d
    >>> h = gaussian_mixture_entropy(np.zeros((1, 3)), 0.5, seed=0)
    >>> math.isclose(h, gaussian_entropy(3, 0.5))
    True

    m well-separated centers: h = ln m + (d/2) ln(2πeβ²):

    >>> centers = np.array([[0.0, 0.0], [0.0, 3.0], [3.0, 0.0], [3.0, 3.0]])
    >>> h = gaussian_mixture_entropy(centers, 0.1, seed=0)
    >>> round(h - gaussian_entropy(2, 0.1), 6), round(math.log(4), 6)
    (1.386294, 1.386294)

    Overlapping components, against the exact 1-D quadrature (the plain
    estimator, whose standard error is the safe scale):

    >>> centers = np.linspace(-1.0, 1.0, 8)
    >>> h, se = gaussian_mixture_entropy(centers, 0.2, n_mc=200, seed=0, return_std=True,
    ...                                  control_variate=False)
    >>> abs(h - mixture_entropy_1d(centers, 0.2)) < 4 * se
    True
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


#: The conditional entropies of the SP estimator are computed in float32 when the estimate of
#: float32's largest error in their mean log-density
#: (:func:`ipcore.estimators.kernel.float32_log_density_error`) is below this many nats, and
#: kept only when it is also below a tenth of the estimate's standard error (else recomputed
#: in float64).
FLOAT32_ERROR_MAX = 1e-4
#: β for which float32 may be tried: 1/(2β²) and the squared coordinates stay normal float32 numbers.
FLOAT32_BETAS = (1e-15, 1e15)


def _batched_mixture_entropies(centers: torch.Tensor, beta: float, n_mc: int, seed: int | None,
                               control_variate: bool = True, float32: bool = False,
                               ) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Entropies of m equal-weight mixtures at once: centers (m, R, d) → (h, standard error), each (m,),
    and the bound on the error that float32 arithmetic allowed (``float32``) may have made (0 in float64)."""
    m, r, d = centers.shape
    eps = _draws((m, r, n_mc, d), seed, centers.device)
    error = math.inf
    if float32 and FLOAT32_BETAS[0] <= beta <= FLOAT32_BETAS[1]:
        # Each mixture shifted to its own mean in float64 before the cast (its entropy does not
        # change), so that the cast rounds coordinates of the size of the mixture, not of the layer.
        c32 = (centers - centers.mean(dim=1, keepdim=True)).float()
        p32 = (c32[:, :, None, :] + beta * eps.float()).reshape(m, r * n_mc, d)
        error = float32_log_density_error(p32, c32, beta)
    if error <= FLOAT32_ERROR_MAX:  # float32 exponentials: about twice the throughput
        log_w = torch.full((m, r), -math.log(r), dtype=torch.float32, device=centers.device)
        log_g = _log_density_dense(p32, c32, log_w, beta).double()
        neg_log = (0.5 * d * math.log(2.0 * math.pi * beta * beta) - log_g).view(m, r, n_mc)
    else:
        error = 0.0
        points = (centers[:, :, None, :] + beta * eps).reshape(m, r * n_mc, d)
        neg_log = -mixture_log_density(points, centers, beta).view(m, r, n_mc)
    if control_variate:
        neg_log = _with_control_variate(neg_log, eps, torch.full((r,), 1.0 / r, dtype=DTYPE, device=centers.device))
    h = neg_log.mean(dim=(1, 2))
    if n_mc > 1:
        var = neg_log.var(dim=2, unbiased=True).mean(1)  # within-center variance, averaged
    else:
        var = neg_log.reshape(m, r).var(dim=1, unbiased=True) if r > 1 else torch.zeros(m, dtype=DTYPE)
    return h, torch.sqrt(var / (r * n_mc)), error


@dataclass(frozen=True)
class SPEstimate:
    """Result of :func:`ipcore.estimators.sp_mutual_information`. Entropies and information in nats.

    Parameters
    ----------
    mi : float
        I(X;T) = h(T) − h(T|X), as estimated (not clipped at 0).
    mi_std : float
        Its Monte Carlo standard error, sqrt(h_t_std² + h_t_given_x_std²).
    h_t : float
        h(T), the entropy of the layer's Gaussian mixture.
    h_t_std : float
        Its Monte Carlo standard error.
    h_t_given_x : float
        h(T|X) = (1/m) Σ_i h(T | X = x_i).
    h_t_given_x_std : float
        Its Monte Carlo standard error (0 for the first layer, where it is exact).
    n_inputs : int
        m, the number of inputs; I(X;T) ≤ H(X) = ln m.
    dim : int
        The layer's dimension d.

    Examples
    --------
    >>> from ipcore.estimators import SPEstimate
    >>> est = SPEstimate(mi=-0.01, mi_std=0.02, h_t=1.0, h_t_std=0.02, h_t_given_x=1.01,
    ...                  h_t_given_x_std=0.0, n_inputs=4, dim=1)
    >>> est.negative, est.exceeds_input_entropy
    (True, False)
    """

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
        """True when the estimate is below 0 (returned as it is, not clipped).

        I(X;T) ≥ 0, so a negative estimate is Monte Carlo error; compare it with
        ``mi_std``.

        Examples
        --------
        >>> import numpy as np
        >>> from ipcore.estimators import sp_mutual_information
        >>> est = sp_mutual_information(np.linspace(0.0, 1.0, 4), 0.3, seed=0)
        >>> est.negative, est.mi > 4 * est.mi_std
        (False, True)
        """
        return self.mi < 0

    @property
    def exceeds_input_entropy(self) -> bool:
        """True when the estimate exceeds H(X) = ln m by more than 4 standard errors.

        I(X;T) ≤ H(X) = ln m for X uniform on m inputs; an estimate this far above
        it signals a problem (too few Monte Carlo draws, say).

        Examples
        --------
        >>> import math
        >>> import numpy as np
        >>> from ipcore.estimators import sp_mutual_information
        >>> est = sp_mutual_information(np.linspace(0.0, 1.0, 4), 0.3, seed=0)
        >>> est.exceeds_input_entropy, est.mi < math.log(4)
        (False, True)
        """
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

        I(X;T_ℓ) = h(T_ℓ) − (1/m) Σ_i h(T_ℓ | X = x_i),

    each entropy that of a Gaussian mixture (Goldfeld et al. (2019)), estimated by
    :func:`ipcore.estimators.gaussian_mixture_entropy`.

    Parameters
    ----------
    centers : array-like of shape (n, d) or (n,)
        Clean samples of S_ℓ from noisy passes of the data set (the centers of
        T_ℓ's Gaussian mixture).
    beta : float
        The noise standard deviation β > 0 of the layer.
    conditional_centers : array-like of shape (m, R, d), optional
        For each of the m inputs, R noisy-pass replicas of S_ℓ; each conditional
        entropy is that of the R-component mixture, and all m are computed in one
        batch; n must be a multiple of m (the centers are whole passes over the m
        inputs). ``None`` means the first hidden layer, where S_1 is a function of X
        and h(T_1 | X) = (d/2) ln(2πeβ²) exactly (then m = n).
    n_mc : int, default 10
        Monte Carlo draws per center, ≥ 1.
    seed : int, optional
        Seed of the draws (h(T) uses ``seed``, the conditional entropies ``seed + 1``).
    rtol : float, default 0
        Relative error of the density allowed to the kernel (in [0, 0.5)).
    control_variate : bool, default True
        Passed to every mixture entropy (see
        :func:`ipcore.estimators.gaussian_mixture_entropy`).

    Returns
    -------
    SPEstimate
        I(X;T_ℓ), h(T_ℓ), h(T_ℓ|X), their standard errors, m and d. A negative
        estimate (possible through Monte Carlo error) is returned as it is;
        :attr:`ipcore.estimators.SPEstimate.negative` flags it.

    Raises
    ------
    ValueError
        If ``centers`` is not a finite numeric array of 1 or 2 dimensions, is empty
        or has a coordinate beyond ±1e100; if ``conditional_centers`` is not a
        finite 3-D array, its dimension d differs from the centers', or n is not a
        multiple of its m; if ``beta`` is not a number in [1e-100, 1e100]; if
        ``n_mc`` is not an integer ≥ 1; if ``seed`` is not an integer in [0, 2⁶³);
        if ``rtol`` is not in [0, 0.5); if ``control_variate`` is not True or False.

    See Also
    --------
    ipcore.estimators.channel_information : the exact value for layers of 1 or 2 units.
    ipcore.estimators.sp_label_information : the same estimator for I(T;Y).

    Examples
    --------
    A first layer S = tanh(2x) of one unit over 16 inputs, against the exact
    quadrature; I(X;T) ≤ ln 16:

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import channel_information, gaussian_entropy, sp_mutual_information
    >>> s = np.tanh(2 * np.linspace(-2.0, 2.0, 16))
    >>> est = sp_mutual_information(s, 0.1, n_mc=100, seed=0, control_variate=False)
    >>> abs(est.mi - channel_information(s, 0.1)) < 4 * est.mi_std, est.mi < math.log(16)
    (True, True)

    With replicas per input: here all 5 replicas of an input agree (a deterministic
    layer), so h(T|X) is the noise's entropy (d/2) ln(2πeβ²):

    >>> est = sp_mutual_information(s, 0.1, conditional_centers=np.repeat(s[:, None, None], 5, axis=1),
    ...                             n_mc=100, seed=0)
    >>> math.isclose(est.h_t_given_x, gaussian_entropy(1, 0.1)), est.n_inputs
    (True, 16)
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
        h_each, std_each, error = _batched_mixture_entropies(cc - shift, b, k, seed_c, control_variate, float32=True)
        m = cc.shape[0]
        h_cond_std = math.sqrt(float(_total(std_each**2))) / m
        if error > 0.1 * h_cond_std:  # float32 might move it by a tenth of its standard error
            h_each, std_each, _ = _batched_mixture_entropies(cc - shift, b, k, seed_c, control_variate)
            h_cond_std = math.sqrt(float(_total(std_each**2))) / m
        h_cond = float(_mean(h_each, 0))
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
    """Result of :func:`ipcore.estimators.sp_label_information`. Information in nats.

    Parameters
    ----------
    mi : float
        I(T;Y) = h(T) − Σ_y p(y) h(T | Y = y), as estimated.
    mi_std : float
        Its Monte Carlo standard error.
    label_entropy : float
        H(Y) of the labels; I(T;Y) ≤ H(Y).
    n_classes : int
        The number of distinct labels.

    Examples
    --------
    >>> from ipcore.estimators import sp_label_information
    >>> est = sp_label_information([0.0, 0.1, 10.0, 10.1], [0, 0, 1, 1], 0.1, seed=0)
    >>> est.n_classes, round(est.label_entropy, 6)
    (2, 0.693147)
    """

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

    T is the mixture g = (1/m) Σ_j N(μ_j, β² I) over one clean sample μ_j = S_j of
    the layer per input, and T | Y = y the mixture g_y over the m_y centers of
    class y, p(y) = m_y / m. Since g = Σ_y p(y) g_y,

        I(T;Y) = h(T) − Σ_y p(y) h(T | Y = y) = Σ_y p(y) E_{g_y}[ln g_y(T) − ln g(T)]
               ≈ (1/m) Σ_j (1/k) Σ_r [ln g_{y_j}(μ_j + β ε_jr) − ln g(μ_j + β ε_jr)],

    with k = ``n_mc`` draws ε ~ N(0, I) per center.

    Parameters
    ----------
    centers : array-like of shape (m, d) or (m,)
        One clean sample S_j of the layer per input (one noisy pass of the data set).
    labels : array-like of shape (m,)
        The inputs' integer classes.
    beta : float
        The noise standard deviation β > 0 of the layer.
    n_mc : int, default 10
        Monte Carlo draws per center, ≥ 1.
    seed : int, optional
        Seed of the draws.
    rtol : float, default 0
        Relative error of the density allowed to the kernel (in [0, 0.5)).

    Returns
    -------
    SPLabelEstimate
        I(T;Y), its standard error, H(Y) and the number of classes.

    Raises
    ------
    ValueError
        If ``centers`` is not a finite numeric array of 1 or 2 dimensions, is empty
        or has a coordinate beyond ±1e100; if ``labels`` are not integers, not 1-D
        or not one per center; if ``beta`` is not a number in [1e-100, 1e100]; if
        ``n_mc`` is not an integer ≥ 1; if ``seed`` is not an integer in [0, 2⁶³);
        if ``rtol`` is not in [0, 0.5).

    Notes
    -----
    Both entropies are taken at the same draws, so their Monte Carlo errors
    cancel: each term lies in (−∞, −ln p(y_j)], and for well separated classes
    every term is −ln p(y_j) and the estimate H(Y) exactly. Unbiased; the standard
    error is computed as in :func:`ipcore.estimators.gaussian_mixture_entropy`.

    Examples
    --------
    Well-separated classes: the estimate is H(Y) = ln 2 exactly:

    >>> import numpy as np
    >>> from ipcore.estimators import mixture_entropy_1d, sp_label_information
    >>> est = sp_label_information([0.0, 0.1, 10.0, 10.1], [0, 0, 1, 1], 0.1, seed=0)
    >>> round(est.mi, 6), round(est.label_entropy, 6)
    (0.693147, 0.693147)

    Overlapping classes in one dimension, against the exact value from quadrature,
    h(T) − ½ h(T | Y = 0) − ½ h(T | Y = 1):

    >>> centers, labels = np.linspace(-1.0, 1.0, 20), np.repeat([0, 1], 10)
    >>> est = sp_label_information(centers, labels, 0.3, n_mc=100, seed=0)
    >>> exact = mixture_entropy_1d(centers, 0.3) - 0.5 * (mixture_entropy_1d(centers[:10], 0.3)
    ...                                                   + mixture_entropy_1d(centers[10:], 0.3))
    >>> abs(est.mi - exact) < 4 * est.mi_std, 0 < est.mi < est.label_entropy
    (True, True)
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
