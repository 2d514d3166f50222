"""Exact entropy of a Gaussian mixture in one dimension (adaptive quadrature) or two (a tensor rule).

The integrand −g log g is evaluated through :func:`mixture_log_density` (the
one kernel), on all panels of the current partition at once: a vectorised
adaptive Gauss–Kronrod (7/15) scheme with no Python loop over points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ipcore.deprecation import renamed_keywords
from ipcore.validation import Array, Beta, Flag, Integer, Optional, as_tensor, check_weights, validate_params
from ipcore.estimators.kernel import merge_identical_centers, mixture_log_density

# Gauss–Kronrod 15-point nodes on [0, 1] (symmetric about 0) and weights, and
# the embedded 7-point Gauss weights (QUADPACK qk15).
_XGK = np.array([
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0,
])
_WGK = np.array([
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
])
_WG = np.array([
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
])
# Full symmetric rules on [−1, 1].
KRONROD_NODES = np.concatenate([-_XGK[:-1], _XGK[::-1]])
KRONROD_WEIGHTS = np.concatenate([_WGK[:-1], _WGK[::-1]])
GAUSS_WEIGHTS = np.zeros(15)
GAUSS_WEIGHTS[[1, 3, 5, 7, 9, 11, 13]] = np.concatenate([_WG[:-1], _WG[::-1]])

#: Half-width of the support kept around each center, in units of β: the mass
#: of −g log g beyond 14 β is below 1e-40.
SUPPORT_HALF_WIDTH = 14.0


def adaptive_gauss_kronrod(
    f,
    edges: np.ndarray,
    *,
    abs_tol: float = 1e-11,
    rel_floor: float = 1e-10,
    max_rounds: int = 40,
    max_panels: int = 1 << 18,
) -> tuple[float, float]:
    """∫ f over the union of panels ``edges`` (shape (P, 2)), adaptively.

    ``f`` maps a 1-D float64 array to an array of the same shape. Each round
    evaluates the 15-point Kronrod rule on every open panel at once; a panel
    is accepted when abs(Kronrod − Gauss) is within its share of ``abs_tol``
    (proportional to its width) or within ``rel_floor`` of ∫|f| on the panel,
    the level at which the integrand's own round-off makes halving useless.
    The others are halved, up to ``max_panels`` open panels.
    Returns (integral, estimated absolute error).
    """
    panels = np.asarray(edges, dtype=np.float64).reshape(-1, 2)
    total_width = float((panels[:, 1] - panels[:, 0]).sum())
    if total_width <= 0:
        return 0.0, 0.0
    value, error = 0.0, 0.0
    for _ in range(max_rounds):
        half = 0.5 * (panels[:, 1] - panels[:, 0])
        mid = 0.5 * (panels[:, 1] + panels[:, 0])
        nodes = mid[:, None] + half[:, None] * KRONROD_NODES[None, :]
        fx = np.asarray(f(nodes.ravel()), dtype=np.float64).reshape(nodes.shape)
        kronrod = half * (fx @ KRONROD_WEIGHTS)
        gauss = half * (fx @ GAUSS_WEIGHTS)
        err = np.abs(kronrod - gauss)
        scale = half * (np.abs(fx) @ KRONROD_WEIGHTS)
        done = (err <= abs_tol * (2.0 * half) / total_width) | (err <= rel_floor * scale)
        value += float(kronrod[done].sum())
        error += float(err[done].sum())
        if done.all():
            return value, error
        if 2 * int((~done).sum()) > max_panels:
            break
        rest = panels[~done]
        m = 0.5 * (rest[:, 0] + rest[:, 1])
        panels = np.concatenate([np.stack([rest[:, 0], m], 1), np.stack([m, rest[:, 1]], 1)])
    # Out of rounds: accept what is left, and say so through the error estimate.
    value += float(kronrod[~done].sum())
    error += float(err[~done].sum())
    return value, error


def _initial_panels(centers: np.ndarray, beta: float) -> np.ndarray:
    """Panels of width ≈ β covering the union of [μ − 14β, μ + 14β]."""
    lo = np.sort(centers) - SUPPORT_HALF_WIDTH * beta
    hi = np.sort(centers) + SUPPORT_HALF_WIDTH * beta
    # Merge overlapping intervals (sorted by start; running max of ends).
    run_hi = np.maximum.accumulate(hi)
    starts = np.concatenate([[True], lo[1:] > run_hi[:-1]])
    seg_lo = lo[starts]
    seg_hi = run_hi[np.concatenate([starts[1:], [True]])]
    counts = np.maximum(1, np.ceil((seg_hi - seg_lo) / beta).astype(np.int64))
    seg = np.repeat(np.arange(len(seg_lo)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    width = (seg_hi - seg_lo) / counts
    left = seg_lo[seg] + offset * width[seg]
    return np.stack([left, left + width[seg]], axis=1)


@renamed_keywords(points="centers")
@validate_params(centers=Array(ndim=(1, 2), max_abs=1e100), beta=Beta(), weights=Optional(Array(ndim=(1,))),
                 return_error=Flag())
def mixture_entropy_1d(centers: Any, beta: float, weights: Any = None, *, return_error: bool = False):
    """Exact differential entropy of a 1-D Gaussian mixture, in nats.

        h(g) = −∫ g(t) ln g(t) dt,   g = Σ_j w_j N(μ_j, β²),

    computed by adaptive Gauss–Kronrod quadrature over the union of
    [μ_j − 14β, μ_j + 14β] to an absolute tolerance of 1e-11 nats (the mass of
    −g ln g beyond 14β is below 1e-40). Identical centers are merged first.

    For one component, h = ½ ln(2πeβ²); for m equal, well separated
    components, h = ln m + ½ ln(2πeβ²). The mutual information of a channel
    T = μ(X) + N(0, β²) is ``mixture_entropy_1d(μ, β) − ½ ln(2πeβ²)``.

    Parameters
    ----------
    centers : array-like of shape (n,) or (n, 1)
        The components' means μ_j. (The keyword ``points=`` of ipcore 0.1 still
        works, with a :class:`DeprecationWarning`.)
    beta : float
        The noise standard deviation β > 0 of every component.
    weights : array-like of shape (n,), optional
        The mixture weights w_j: non-negative, summing to 1. Default: 1/n each.
    return_error : bool, default False
        Also return the quadrature's error estimate.

    Returns
    -------
    float or tuple of float
        h in nats, or (h, estimated absolute error) with ``return_error=True``.

    Raises
    ------
    ValueError
        If ``centers`` is not a finite numeric array of shape (n,) or (n, 1), is
        empty or has a coordinate beyond ±1e100; if ``beta`` is not a number in
        [1e-100, 1e100]; if ``weights`` does not have shape (n,), has a negative
        entry or does not sum to 1 within 1e-9; if ``return_error`` is not True or
        False.

    Notes
    -----
    The integrand is evaluated through :func:`ipcore.estimators.mixture_log_density`
    on all open panels at once; the number of panels grows with the spread of the
    centers over β.

    See Also
    --------
    ipcore.estimators.mixture_entropy_2d : the same in two dimensions.
    ipcore.estimators.channel_information : I(X;T) of such a channel.
    ipcore.estimators.gaussian_mixture_entropy : Monte Carlo, in any dimension.

    Examples
    --------
    One component is a Gaussian, h = ½ ln(2πeβ²):

    >>> import math
    >>> from ipcore.estimators import gaussian_entropy, mixture_entropy_1d
    >>> math.isclose(mixture_entropy_1d([0.0], 0.5), gaussian_entropy(1, 0.5))
    True

    Four well-separated centers add ln 4:

    >>> h = mixture_entropy_1d([0.0, 2.0, 4.0, 6.0], 0.1)
    >>> round(h - gaussian_entropy(1, 0.1), 9), round(math.log(4), 9)
    (1.386294361, 1.386294361)

    With weights, the separated components add the entropy of the weights,
    −Σ_j w_j ln w_j:

    >>> h, err = mixture_entropy_1d([0.0, 5.0], 0.1, weights=[0.25, 0.75], return_error=True)
    >>> entropy_of_weights = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    >>> math.isclose(h - gaussian_entropy(1, 0.1), entropy_of_weights), err < 1e-9
    (True, True)
    """
    b = beta
    mu = as_tensor(centers, "centers", ndim=(1, 2), device=torch.device("cpu"))
    if mu.ndim == 2:
        if mu.shape[1] != 1:
            raise ValueError(f"centers: expected shape (n,) or (n, 1) for a 1-D mixture, got {tuple(mu.shape)}")
        mu = mu[:, 0]
    w = check_weights(weights, mu.shape[0], device=mu.device)
    # Fewer components (and so fewer panels), identical density.
    uniq, w_uniq = merge_identical_centers(mu[:, None], w)
    uniq = uniq[:, 0] - uniq[:, 0].mean()  # h is shift-invariant; near 0 the panels keep every digit of β

    def integrand(t: np.ndarray) -> np.ndarray:
        log_g = mixture_log_density(torch.from_numpy(t), uniq, b, w_uniq).numpy()
        return -np.exp(log_g) * log_g

    value, error = adaptive_gauss_kronrod(integrand, _initial_panels(uniq.numpy(), b))
    return (value, error) if return_error else value


@validate_params(dim=Integer(low=1), beta=Beta())
def gaussian_entropy(dim: int, beta: float) -> float:
    """Differential entropy of N(0, β² I_d): (d/2) ln(2πeβ²), in nats.

    The entropy of the noise of a layer of d units with noise standard deviation β,
    and so h(T | X) of a first noisy layer: I(X;T) = h(T) − (d/2) ln(2πeβ²).

    Parameters
    ----------
    dim : int
        The dimension d ≥ 1.
    beta : float
        The noise standard deviation β > 0 (a variance σ² is β = sqrt(σ²)).

    Returns
    -------
    float
        (d/2) ln(2πeβ²) in nats (negative for β below 1/sqrt(2πe) ≈ 0.242).

    Raises
    ------
    ValueError
        If ``dim`` is not an integer ≥ 1; if ``beta`` is not a number in
        [1e-100, 1e100].

    Examples
    --------
    >>> import math
    >>> from ipcore.estimators import gaussian_entropy
    >>> round(gaussian_entropy(1, 1.0), 6), round(0.5 * math.log(2 * math.pi * math.e), 6)
    (1.418939, 1.418939)

    The d coordinates are independent, so their entropies add:

    >>> math.isclose(gaussian_entropy(3, 0.5), 3 * gaussian_entropy(1, 0.5))
    True
    """
    return 0.5 * dim * math.log(2.0 * math.pi * math.e * beta**2)


#: Most quadrature nodes :func:`mixture_entropy_2d` evaluates (about 225 per panel of side β).
MAX_NODES_2D = 1 << 26


def _square_panels(centers: np.ndarray, beta: float) -> np.ndarray:
    """Lower-left corners (P, 2) of the panels of side β, on one lattice, that meet some center's
    square [μ − 14β, μ + 14β]²."""
    reach = int(math.ceil(SUPPORT_HALF_WIDTH)) + 1
    origin = centers.min(0)
    cells = np.floor((centers - origin) / beta).astype(np.int64)
    offsets = np.arange(-reach, reach + 1)
    grid = np.stack(np.meshgrid(offsets, offsets, indexing="ij"), -1).reshape(-1, 2)
    every = np.unique((cells[:, None, :] + grid[None]).reshape(-1, 2), axis=0)
    return origin + every * beta


@renamed_keywords(points="centers")
@validate_params(centers=Array(ndim=(2,), max_abs=1e100), beta=Beta(), weights=Optional(Array(ndim=(1,))),
                 return_error=Flag())
def mixture_entropy_2d(centers: Any, beta: float, weights: Any = None, *, return_error: bool = False):
    """Exact differential entropy of a 2-D Gaussian mixture, in nats.

        h(g) = −∬ g(t) ln g(t) dt,   g = Σ_j w_j N(μ_j, β² I_2),

    by the tensor product of the 15-point Kronrod rule on square panels of side β
    that cover the union of the squares [μ_j − 14β, μ_j + 14β]² (−g ln g is
    analytic, and at this panel size the rule is exact to round-off; beyond 14β
    its mass is below 1e-40).

    For m equal, well separated components, h = ln m + ln(2πeβ²). The mutual
    information of a channel T = μ(X) + N(0, β² I_2) is
    ``mixture_entropy_2d(μ, β) − ln(2πeβ²)``.

    Parameters
    ----------
    centers : array-like of shape (n, 2)
        The components' means μ_j. (The keyword ``points=`` of ipcore 0.1 still
        works, with a :class:`DeprecationWarning`.)
    beta : float
        The noise standard deviation β > 0 of every component.
    weights : array-like of shape (n,), optional
        The mixture weights w_j: non-negative, summing to 1. Default: 1/n each.
    return_error : bool, default False
        Also return abs(Kronrod − Gauss) summed over the panels, an upper estimate
        of the quadrature error.

    Returns
    -------
    float or tuple of float
        h in nats, or (h, error estimate) with ``return_error=True``.

    Raises
    ------
    ValueError
        If ``centers`` is not a finite numeric array of shape (n, 2), is empty or
        has a coordinate beyond ±1e100; if ``beta`` is not a number in
        [1e-100, 1e100], or is so small against the spread of the centers that the
        quadrature would need more than 2²⁶ nodes; if ``weights`` does not have
        shape (n,), has a negative entry or does not sum to 1 within 1e-9; if
        ``return_error`` is not True or False.

    Notes
    -----
    The cost is about 225 kernel evaluations per panel, and a separated center
    brings about 900 panels of its own: use it for a few dozen centers, and
    :func:`ipcore.estimators.gaussian_mixture_entropy` beyond.

    See Also
    --------
    ipcore.estimators.mixture_entropy_1d : the same in one dimension.

    Examples
    --------
    Two centers 10β apart: ln 2 above the entropy ln(2πeβ²) of one component:

    >>> import math
    >>> from ipcore.estimators import gaussian_entropy, mixture_entropy_2d
    >>> h = mixture_entropy_2d([[0.0, 0.0], [0.0, 1.0]], 0.1)
    >>> round(h - gaussian_entropy(2, 0.1), 5), round(math.log(2), 5)
    (0.69315, 0.69315)
    """
    b = beta
    mu = as_tensor(centers, "centers", ndim=2, device=torch.device("cpu"))
    if mu.shape[1] != 2:
        raise ValueError(f"centers: expected shape (n, 2) for a 2-D mixture, got {tuple(mu.shape)}")
    w = check_weights(weights, mu.shape[0], device=mu.device)
    uniq, w_uniq = merge_identical_centers(mu, w)
    uniq = uniq - uniq.mean(0)
    corners = _square_panels(uniq.numpy(), b)
    n_nodes = len(corners) * KRONROD_NODES.size ** 2
    if n_nodes > MAX_NODES_2D:
        raise ValueError(f"beta: {b:g} is too small for the spread of the centers: the quadrature would need "
                         f"{n_nodes:.2e} nodes (at most {MAX_NODES_2D:.1e}); use the Monte Carlo "
                         f"gaussian_mixture_entropy instead")
    half = 0.5 * b
    unit = half * (KRONROD_NODES + 1.0)  # nodes on [0, β]
    nodes_u, nodes_v = np.meshgrid(unit, unit, indexing="ij")
    kron = np.outer(KRONROD_WEIGHTS, KRONROD_WEIGHTS).ravel() * half * half
    gauss = np.outer(GAUSS_WEIGHTS, GAUSS_WEIGHTS).ravel() * half * half
    local = np.stack([nodes_u.ravel(), nodes_v.ravel()], 1)
    value, error = 0.0, 0.0
    per_chunk = max(1, (1 << 20) // local.shape[0])
    for start in range(0, len(corners), per_chunk):  # chunks of panels bound the memory
        pts = (corners[start:start + per_chunk, None, :] + local[None]).reshape(-1, 2)
        log_g = mixture_log_density(torch.from_numpy(pts), uniq, b, w_uniq).numpy()
        f = (-np.exp(log_g) * log_g).reshape(-1, local.shape[0])
        k_val, g_val = f @ kron, f @ gauss
        value += float(k_val.sum())
        error += float(np.abs(k_val - g_val).sum())
    return (value, error) if return_error else value


@validate_params(centers=Array(ndim=(1, 2, 3), max_abs=1e100), beta=Beta())
def channel_information(centers: Any, beta: float) -> float:
    """Exact I(X;T) of T = μ(X) + N(0, β² I), X uniform on m values, in nats, by quadrature.

        I(X;T) = h(g) − (d/2) ln(2πeβ²),   g = (1/m) Σ_j N(μ_j, β² I_d),

    for ``centers`` μ_j in d ≤ 2 dimensions. A (G, m, d) array is G independent
    blocks (X = (X_1, …, X_G), T_g = μ_g(X_g) + noise), whose informations add.
    Between 0 and G ln m; → G ln m as the centers separate.

    Parameters
    ----------
    centers : array-like of shape (m,), (m, d) or (G, m, d)
        The clean representations μ_j of the m inputs, d = 1 or 2 (per block).
    beta : float
        The noise standard deviation β > 0.

    Returns
    -------
    float
        I(X;T) in nats.

    Raises
    ------
    ValueError
        If ``centers`` is not a finite numeric array of 1, 2 or 3 dimensions, is
        empty, has a coordinate beyond ±1e100 or has more than 2 dimensions per
        block; if ``beta`` is not a number in [1e-100, 1e100] (or, in two
        dimensions, too small for the spread of the centers).

    See Also
    --------
    ipcore.estimators.mixture_entropy_1d, ipcore.estimators.mixture_entropy_2d
    ipcore.estimators.sp_mutual_information : its Monte Carlo estimate, in any dimension.

    Examples
    --------
    Two inputs: the closed form of two points:

    >>> import math
    >>> from ipcore.estimators import channel_information, two_point_mutual_information
    >>> math.isclose(channel_information([0.0, 0.3], 0.1), two_point_mutual_information(0.3, 0.1))
    True

    Three independent blocks of 4 well-separated inputs: 3 ln 4:

    >>> blocks = [[[0.0], [1.0], [2.0], [3.0]]] * 3
    >>> round(channel_information(blocks, 0.05), 6), round(3 * math.log(4), 6)
    (4.158883, 4.158883)
    """
    c = np.asarray(centers, dtype=np.float64)
    if c.ndim == 1:
        c = c[:, None]
    blocks = c if c.ndim == 3 else c[None]
    d = blocks.shape[2]
    if d > 2:
        raise ValueError(f"centers: quadrature is exact in 1 or 2 dimensions per block, got {d}; "
                         f"split the layer into independent blocks of 1 or 2 units, shape (G, m, d)")
    entropy = mixture_entropy_1d if d == 1 else mixture_entropy_2d
    return float(sum(entropy(block, beta) for block in blocks)
                 - len(blocks) * gaussian_entropy(d, beta))
