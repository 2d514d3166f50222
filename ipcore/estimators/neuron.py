"""Exact information of one neuron T = f(wX), X ~ N(0, 1), for a monotone activation f.

Saxe et al. (2018, Fig. 2) compute the binned I(T;X) of a single neuron without
sampling: for increasing f, P(f(wX) < b) = Φ(f⁻¹(b) / |w|), so each bin's
probability is a difference of two normal CDFs and, T being a deterministic
function of a continuous X, I(T;X) = H(Bin T) = −Σ pᵢ ln pᵢ.

With Gaussian noise instead of bins, T = f(wX) + σZ, I(X;T) = h(T) − ½ ln(2πeσ²),
and h(T) is a 1-D integral: :func:`noisy_neuron_information` writes the law of
f(wX) as a weighted mixture of point masses fine enough that the Gaussian of std
σ smooths it exactly to the quadrature's tolerance, and integrates with
:func:`ipcore.estimators.quadrature.mixture_entropy_1d`.

All values are in nats. w < 0 gives the same values as |w| (X is symmetric).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from scipy.special import ndtr, ndtri
from torch.nn import functional as F

from ipcore.estimators.binning import SZT_EDGES, _check_edges
from ipcore.estimators.quadrature import gaussian_entropy, mixture_entropy_1d
from ipcore.validation import Array, Beta, Choice, Integer, Optional, Real, as_tensor, validate_params

#: Beyond |x| = 9, Φ leaves less than 1.2e-19 of the mass: the neuron's range is f(±9|w|).
X_REACH = 9.0


def _inverse_tanh(b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # ±1 map to ±∞, as they should
        return np.arctanh(np.clip(b, -1.0, 1.0))


def _inverse_softsign(b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):  # the branch not taken at |b| ≥ 1
        return np.where(np.abs(b) >= 1.0, np.sign(b) * np.inf, b / (1.0 - np.minimum(np.abs(b), 1.0)))


def _inverse_softplus(b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        # ln(eᵇ − 1), written to keep its digits for small and for large b
        return np.where(b <= 0, -np.inf, np.where(b > 30, b + np.log1p(-np.exp(-np.maximum(b, 30))),
                                                  np.log(np.expm1(np.maximum(b, 1e-300)))))


def _inverse_relu(b: np.ndarray) -> np.ndarray:
    return np.where(b <= 0, -np.inf, b)


#: Increasing activations with their inverse on the range (values outside it map to ∓∞,
#: so that Φ gives 0 or 1 there). ReLU's inverse sends b ≤ 0 to −∞: P(ReLU(wX) < b) = 0
#: for b ≤ 0, the atom P(T = 0) = ½ falls in the bin holding 0.
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": (np.tanh, _inverse_tanh),
    "relu": (lambda z: np.maximum(z, 0.0), _inverse_relu),
    "softsign": (lambda z: z / (1.0 + np.abs(z)), _inverse_softsign),
    "softplus": (lambda z: np.logaddexp(0.0, z), _inverse_softplus),
    "linear": (lambda z: z, lambda b: b),
}


#: The same activations as torch computes them, for :func:`rounded_inverse`.
TORCH_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh, "relu": torch.relu, "softsign": F.softsign, "softplus": F.softplus, "linear": lambda z: z,
}
#: Floating-point formats :func:`binned_neuron_information` can emulate.
PRECISIONS = {"float32": torch.float32, "float64": torch.float64}


def rounded_inverse(activation: str, b: np.ndarray, dtype: torch.dtype) -> np.ndarray:
    """The smallest z with fl(f(z)) ≥ b when torch computes f in ``dtype`` (±∞ where none or all).

    In floating point tanh(z) rounds to exactly 1 beyond z ≈ 19.1 (float64) or 9.0 (float32),
    so sampled activations reach IDNNs' extra symbol t ≥ 1, which real arithmetic never does.
    Found by bisection on z, every edge at once.
    """
    f = TORCH_ACTIVATIONS[activation]
    edge = torch.as_tensor(np.asarray(b, dtype=np.float64))
    big = 1e6

    def rounded(z: torch.Tensor) -> torch.Tensor:
        return f(z.to(dtype)).to(torch.float64)

    lo, hi = torch.full_like(edge, -big), torch.full_like(edge, big)
    for _ in range(100):  # 2e6 / 2¹⁰⁰: below float64's spacing everywhere
        mid = 0.5 * (lo + hi)
        reached = rounded(mid) >= edge
        hi, lo = torch.where(reached, mid, hi), torch.where(reached, lo, mid)
    z = hi.clone()
    z[rounded(torch.full_like(edge, -big)) >= edge] = -math.inf
    z[rounded(torch.full_like(edge, big)) < edge] = math.inf
    return z.numpy()


def _weights(w: Any) -> tuple[np.ndarray, bool]:
    arr = as_tensor(w, "w", ndim=(0, 1)).numpy()
    return np.abs(np.atleast_1d(arr)), arr.ndim == 0


def below(activation: str, w: np.ndarray, b: np.ndarray, precision: str | None = None) -> np.ndarray:
    """P(f(wX) < b) for every abs(w) (rows) and edge b (columns); w = 0 gives the step at f(0).

    ``precision``: None for real arithmetic, or a name of :data:`PRECISIONS` for f as
    torch computes it in that format (:func:`rounded_inverse`)."""
    forward, inverse = ACTIVATIONS[activation]
    a = np.abs(np.asarray(w, dtype=np.float64))[:, None]
    b = np.asarray(b, dtype=np.float64)
    x = (inverse(b) if precision is None else rounded_inverse(activation, b, PRECISIONS[precision]))[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(a > 0, x / np.where(a > 0, a, 1.0), np.where(forward(np.zeros(1)) < b, np.inf, -np.inf))
    return ndtr(u)


@validate_params(w=Array(ndim=(0, 1), max_abs=1e6), activation=Choice(tuple(ACTIVATIONS)),
                 edges=Optional(Array(ndim=(1,))), width=Optional(Real(low=0, open_low=True)),
                 max_bins=Integer(low=2), precision=Optional(Choice(tuple(PRECISIONS))))
def binned_neuron_information(w: Any, activation: str = "tanh", *, edges: Any = None, width: float | None = None,
                              max_bins: int = 10_000_000, precision: str | None = None) -> Any:
    """Binned information of one neuron, I(T;X) = H(Bin f(wX)), X ~ N(0, 1), exactly (no sampling), in nats.

        I(T;X) = H(Bin f(wX)) = −Σᵢ pᵢ ln pᵢ,
        pᵢ = Φ(f⁻¹(bᵢ₊₁) / abs(w)) − Φ(f⁻¹(bᵢ) / abs(w)),

    for an increasing activation f and bin edges bᵢ (Saxe et al. (2018), Fig. 2): T
    being a deterministic function of a continuous X, the binned entropy is the
    information. w < 0 gives the same values as abs(w) (X is symmetric).

    Parameters
    ----------
    w : float or array-like of shape (n,)
        The weight, or one value per weight; abs(w) ≤ 1e6.
    activation : {"tanh", "relu", "softsign", "softplus", "linear"}, default "tanh"
        The increasing activation f.
    edges : array-like of shape (e,), optional
        Bin edges, IDNNs' rule as in :func:`ipcore.estimators.bin_codes`: values
        below the first edge clipped into the first bin, t ≥ the last edge a symbol
        of its own. Default: ``ipcore.estimators.SZT_EDGES``.
    width : float, optional
        Bin width instead of ``edges``: ⌊t / width⌋, unbounded; the bins the neuron
        reaches with more than 1e-19 of its mass are counted.
    max_bins : int, default 10_000_000
        Most bins ``width`` may span, ≥ 2.
    precision : {"float32", "float64"}, optional
        ``None`` is real arithmetic (Saxe et al.'s formula); a format gives what
        binning activations computed by torch in that format measures: there tanh(z)
        is exactly 1 for z beyond 9.0 (float32), and that mass moves to the symbol
        t ≥ 1.

    Returns
    -------
    float or numpy.ndarray
        I(T;X) in nats: a float for a scalar ``w``, else an array shaped like ``w``.

    Raises
    ------
    ValueError
        If ``w`` is not a finite number or 1-D array within ±1e6; if ``activation``
        or ``precision`` is not one of the names above; if ``edges`` is not a 1-D
        array of at least 2 strictly increasing values; if ``width`` is not a number
        > 0, is given with ``edges``, or spans more than ``max_bins`` bins; if
        ``max_bins`` is not an integer ≥ 2.

    See Also
    --------
    ipcore.estimators.noisy_neuron_information : the same neuron with Gaussian noise instead of bins.

    Examples
    --------
    No weight, one bin: 0. As w grows, tanh saturates and the two outer bins hold
    nearly all the mass: close to ln 2:

    >>> import numpy as np
    >>> from ipcore.estimators import SZT_EDGES, binned_entropy, binned_neuron_information
    >>> h = binned_neuron_information([0.0, 1.0, 1e4])
    >>> bool(abs(h[0]) < 1e-12), round(float(h[2]), 4), round(float(np.log(2)), 4)
    (True, 0.6948, 0.6931)

    The plug-in entropy of 100 000 sampled activations agrees:

    >>> x = np.random.default_rng(0).standard_normal(100_000)
    >>> bool(abs(binned_entropy(np.tanh(x), edges=SZT_EDGES) - h[1]) < 1e-3)
    True

    In float32, tanh(50x) rounds to 1 for x > 0.18: that mass gets a symbol of its
    own, and the binned information rises:

    >>> bool(binned_neuron_information(50.0, precision="float32") > binned_neuron_information(50.0))
    True
    """
    a, scalar = _weights(w)
    if edges is not None and width is not None:
        raise ValueError("width: give edges= or width=, not both")
    if width is None:
        e = _check_edges(SZT_EDGES if edges is None else edges).numpy()
        cdf = below(activation, a, e[1:], precision)  # P(T < e₁), …, P(T < e_last)
        p = np.diff(np.concatenate([np.zeros((len(a), 1)), cdf, np.ones((len(a), 1))], axis=1), axis=1)
    else:
        forward = ACTIVATIONS[activation][0]
        reach = X_REACH * float(a.max())
        first = math.floor(float(forward(np.array(-reach))) / width)
        last = math.floor(float(forward(np.array(reach))) / width)
        if last - first + 1 > max_bins:
            raise ValueError(f"width: f(wX) spans {last - first + 1} bins of width {width:g}, more than "
                             f"max_bins={max_bins}; use a larger width")
        e = np.arange(first, last + 2, dtype=np.float64) * width
        cdf = below(activation, a, e, precision)
        cdf[:, 0], cdf[:, -1] = 0.0, 1.0  # the ≤ 1.2e-19 beyond the reach, folded into the end bins
        p = np.diff(cdf, axis=1)
    p = np.clip(p, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return float(h[0]) if scalar else h


def neuron_law(w: float, activation: str, resolution: float, *, n_quantiles: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """The law of f(wX), X ~ N(0, 1), as point masses (values, probabilities): cells at most
    ``resolution`` wide in f(wX) (so neighbouring points are less than 2 × resolution apart)
    where the law has mass, each holding at most 1/n_quantiles of it.

    The cells are the union of equal-probability cells in X, of equal cells of
    X on [−9, 9] (so that the tails are cut finely as well) and of cells equal in
    f(wX); each cell's mass sits at the image of its probability midpoint.
    """
    forward, inverse = ACTIVATIONS[activation]
    a = abs(float(w))
    if a == 0.0:
        return np.array([float(forward(np.zeros(1))[0])]), np.ones(1)
    low, high = (float(forward(np.array(s * X_REACH * a))) for s in (-1.0, 1.0))
    n_values = max(2, math.ceil((high - low) / resolution))
    u_values = ndtr(inverse(np.linspace(low, high, n_values + 1)) / a)
    u_inputs = ndtr(np.linspace(-X_REACH, X_REACH, n_quantiles + 1))  # the tails' cells narrow in x too
    u = np.unique(np.concatenate([np.linspace(0.0, 1.0, n_quantiles + 1), u_inputs, np.clip(u_values, 0.0, 1.0)]))
    mass = np.diff(u)
    keep = mass > 0
    # a midpoint next to 0 or 1 can round onto it (ndtri = ∓∞); those cells hold < 1e-16
    middle = np.clip(ndtri(0.5 * (u[:-1] + u[1:])[keep]), -2 * X_REACH, 2 * X_REACH)
    return forward(a * middle), mass[keep] / mass[keep].sum()


@validate_params(w=Array(ndim=(0, 1), max_abs=1e6), activation=Choice(tuple(ACTIVATIONS)), sigma=Beta())
def noisy_neuron_information(w: Any, activation: str = "tanh", sigma: float = 0.1) -> Any:
    """Information of one noisy neuron, I(X; f(wX) + σZ), X, Z ~ N(0, 1) independent, in nats.

        I(X; f(wX) + σZ) = h(f(wX) + σZ) − ½ ln(2πeσ²),

    with h integrated by adaptive quadrature (tolerance 1e-11 nats) over the law of
    f(wX) discretised by ``ipcore.estimators.neuron.neuron_law`` to a spacing of
    σ/8, fine enough that the discretisation changes h by about 1e-6 nats (tested
    against the linear closed form ½ ln(1 + w²/σ²)). w < 0 gives the same values as
    abs(w).

    Parameters
    ----------
    w : float or array-like of shape (n,)
        The weight, or one value per weight; abs(w) ≤ 1e6.
    activation : {"tanh", "relu", "softsign", "softplus", "linear"}, default "tanh"
        The increasing activation f.
    sigma : float, default 0.1
        The noise standard deviation σ > 0 (the β of the noisy networks).

    Returns
    -------
    float or numpy.ndarray
        I in nats: a float for a scalar ``w``, else an array shaped like ``w``.

    Raises
    ------
    ValueError
        If ``w`` is not a finite number or 1-D array within ±1e6; if ``activation``
        is not one of the names above; if ``sigma`` is not a number in
        [1e-100, 1e100].

    Examples
    --------
    The linear neuron has the closed form ½ ln(1 + w²/σ²):

    >>> import math
    >>> from ipcore.estimators import noisy_neuron_information
    >>> abs(noisy_neuron_information(2.0, "linear", 0.5) - 0.5 * math.log(1 + 2.0**2 / 0.5**2)) < 1e-5
    True

    One value per weight:

    >>> noisy_neuron_information([0.5, 2.0], "tanh", 0.5).shape
    (2,)
    """
    a, scalar = _weights(w)
    noise = gaussian_entropy(1, sigma)
    values = np.array([mixture_entropy_1d(*_law_and_weights(v, activation, sigma)) - noise for v in a])
    return float(values[0]) if scalar else values


def _law_and_weights(w: float, activation: str, sigma: float) -> tuple[np.ndarray, float, np.ndarray]:
    points, mass = neuron_law(w, activation, sigma / 8)
    return points, sigma, mass
