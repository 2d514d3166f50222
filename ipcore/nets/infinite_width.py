"""Infinite ensembles of infinitely wide fully connected networks, in closed form (float64).

A network with ``depth`` hidden layers in the NTK parameterisation,

    h¹ = σ_w W¹ x / √d + σ_b b¹,   hˡ⁺¹ = σ_w Wˡ⁺¹ φ(hˡ) / √n + σ_b bˡ⁺¹,   W, b ~ N(0, 1),

has, as every width n → ∞, Gaussian outputs at initialisation with covariance the NNGP
kernel K, and trains by gradient flow as a linear model with the neural tangent kernel Θ
(Jacot et al., 2018; Lee et al., 2019). With

    K¹ = Θ¹ = σ_w² x·x'/d + σ_b²,
    Kˡ⁺¹ = σ_w² E[φ(u) φ(v)] + σ_b²,   Θˡ⁺¹ = Kˡ⁺¹ + σ_w² E[φ'(u) φ'(v)] Θˡ,   (u, v) ~ N(0, Kˡ),

the expectations are closed forms for φ = erf (Williams, 1997) and φ = ReLU (Cho & Saul,
2009). Under gradient flow on L = ‖f(X) − Y‖² / (2 n_train) for a time t, the outputs at any
points Z are f_t(Z) = f₀(Z) + A_t(Z) (Y − f₀(X)) with A_t(Z) = Θ(Z, X) Θ⁻¹ (I − e^{−Θ t / n_train}):
a Gaussian over the ensemble with mean A_t Y and covariance
K(Z, Z) − A_t K(X, Z) − K(Z, X) A_tᵀ + A_t K(X, X) A_tᵀ, the same for every output unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd
import torch

from ipcore.config import DTYPE
from ipcore.validation import (
    Array, Choice, InstanceOf, Integer, Optional, Real, Seed, Unchecked, as_tensor, validate_params,
)

#: Activations whose kernels are closed forms.
KERNEL_ACTIVATIONS = ("erf", "relu")


def _dual_activation(activation: str, k_xy: torch.Tensor, k_xx: torch.Tensor, k_yy: torch.Tensor):
    """E[φ(u)φ(v)] and E[φ'(u)φ'(v)] for (u, v) ~ N(0, [[k_xx, k_xy], [k_xy, k_yy]]), elementwise."""
    if activation == "erf":
        a, b = 1 + 2 * k_xx, 1 + 2 * k_yy
        value = (2 / math.pi) * torch.asin((2 * k_xy / torch.sqrt(a * b)).clamp(-1.0, 1.0))
        derivative = (4 / math.pi) / torch.sqrt((a * b - 4 * k_xy**2).clamp_min(1e-300))
        return value, derivative
    norm = torch.sqrt((k_xx * k_yy).clamp_min(1e-300))
    theta = torch.acos((k_xy / norm).clamp(-1.0, 1.0))
    value = norm / (2 * math.pi) * (torch.sin(theta) + (math.pi - theta) * torch.cos(theta))
    derivative = (math.pi - theta) / (2 * math.pi)
    return value, derivative


@validate_params(x=Array(ndim=(2,)), z=Optional(Array(ndim=(2,))), depth=Integer(low=1),
                 activation=Choice(KERNEL_ACTIVATIONS), weight_std=Real(low=0, open_low=True, high=1e3),
                 bias_std=Real(low=0, high=1e3))
def network_kernels(x: Any, z: Any = None, *, depth: int = 2, activation: str = "erf", weight_std: float = 1.0,
                    bias_std: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The NNGP kernel K(x, z) and the NTK Θ(x, z) of the output of the infinitely wide network.

    The network has ``depth`` hidden layers of activation φ in the NTK parameterisation, with
    weights N(0, σ_w²) and biases N(0, σ_b²); the kernels follow the recursion

        K¹ = Θ¹ = σ_w² x·x'/d + σ_b²,
        Kˡ⁺¹ = σ_w² E[φ(u) φ(v)] + σ_b²,   Θˡ⁺¹ = Kˡ⁺¹ + σ_w² E[φ'(u) φ'(v)] Θˡ,   (u, v) ~ N(0, Kˡ),

    whose expectations are closed forms for φ = erf (Williams, 1997) and φ = ReLU (Cho &
    Saul, 2009).

    Parameters
    ----------
    x : array-like of shape (n, d)
        The first points.
    z : array-like of shape (m, d) or None, default None
        The second points (``None``: ``x``).
    depth : int, default 2
        The number of hidden layers, ≥ 1.
    activation : str, default "erf"
        ``"erf"`` or ``"relu"``.
    weight_std : float, default 1.0
        σ_w, in (0, 1000].
    bias_std : float, default 0.0
        σ_b, in [0, 1000].

    Returns
    -------
    K : torch.Tensor
        The NNGP kernel, (n, m) float64.
    Θ : torch.Tensor
        The neural tangent kernel, (n, m) float64.

    Raises
    ------
    ValueError
        If ``x`` or ``z`` is not a finite 2-D numeric array (or is empty), ``z`` has not as
        many features as ``x``, ``depth`` is not an integer ≥ 1, ``activation`` is not one of
        the two, or ``weight_std`` or ``bias_std`` leaves its range.

    Examples
    --------
    For one ReLU layer without bias, K(x, x) = ‖x‖²/(2d) and Θ(x, x) = ‖x‖²/d
    (E[relu(u)²] = K¹/2 and E[relu'(u)²] = 1/2):

    >>> import torch
    >>> from ipcore.nets import network_kernels
    >>> k, ntk = network_kernels([[3.0, 4.0]], depth=1, activation="relu")
    >>> round(float(k), 6), round(float(ntk), 6)                 # 25/4 and 25/2
    (6.25, 12.5)
    >>> x = torch.randn(5, 3, dtype=torch.float64)
    >>> k, ntk = network_kernels(x, x[:2])
    >>> tuple(k.shape), torch.allclose(k[:2], network_kernels(x[:2])[0])
    ((5, 2), True)
    """
    a = as_tensor(x, "x", ndim=2)
    b = a if z is None else as_tensor(z, "z", ndim=2, device=a.device)
    if b.shape[1] != a.shape[1]:
        raise ValueError(f"z: has {b.shape[1]} features but x has {a.shape[1]}")
    d = a.shape[1]
    w2, b2 = weight_std**2, bias_std**2
    k_xz = w2 * (a @ b.T) / d + b2
    k_xx = w2 * (a * a).sum(1) / d + b2
    k_zz = w2 * (b * b).sum(1) / d + b2
    ntk = k_xz.clone()
    for _ in range(depth):
        value, derivative = _dual_activation(activation, k_xz, k_xx[:, None], k_zz[None, :])
        value_xx, _ = _dual_activation(activation, k_xx, k_xx, k_xx)
        value_zz, _ = _dual_activation(activation, k_zz, k_zz, k_zz)
        ntk = w2 * value + b2 + w2 * derivative * ntk
        k_xz, k_xx, k_zz = w2 * value + b2, w2 * value_xx + b2, w2 * value_zz + b2
    return k_xz, ntk


@dataclass
class EnsembleOutputs:
    """The Gaussian outputs of the infinite ensemble at points Z, per time: the covariance is shared over output units.

    Returned by :meth:`~ipcore.nets.InfiniteEnsemble.outputs`: at time t the ensemble's outputs at
    the points Z are Gaussian, each output unit c with mean ``mean[t, :, c]`` and covariance
    ``covariance[t]`` over the points.

    Parameters
    ----------
    times : torch.Tensor
        (T,) the training times.
    mean : torch.Tensor
        (T, n_z, n_outputs) the mean output at each time and point.
    covariance : torch.Tensor
        (T, n_z, n_z) the covariance over the points of each output unit.

    Examples
    --------
    >>> import math, torch
    >>> from ipcore.nets import InfiniteEnsemble
    >>> x = torch.linspace(-1, 1, 4, dtype=torch.float64)[:, None]
    >>> outputs = InfiniteEnsemble(x, x ** 2).outputs(torch.zeros(3, 1, dtype=torch.float64), [0.0, math.inf])
    >>> tuple(outputs.times.shape), tuple(outputs.mean.shape), tuple(outputs.covariance.shape)
    ((2,), (2, 3, 1), (2, 3, 3))
    """

    times: torch.Tensor  #: (T,)
    mean: torch.Tensor  #: (T, n_z, n_outputs)
    covariance: torch.Tensor  #: (T, n_z, n_z)

    @property
    def variance(self) -> torch.Tensor:
        """(T, n_z): the variance of each output unit at each point, the diagonal of ``covariance``.

        Examples
        --------
        At initialisation (t = 0) the variance is the NNGP kernel's diagonal K(z, z):

        >>> import torch
        >>> from ipcore.nets import InfiniteEnsemble, network_kernels
        >>> x = torch.linspace(-1, 1, 4, dtype=torch.float64)[:, None]
        >>> z = torch.tensor([[0.3], [2.0]], dtype=torch.float64)
        >>> outputs = InfiniteEnsemble(x, x ** 2).outputs(z, [0.0])
        >>> torch.allclose(outputs.variance[0], network_kernels(z)[0].diagonal())
        True
        """
        return torch.diagonal(self.covariance, dim1=1, dim2=2)


class InfiniteEnsemble:
    """An infinite ensemble of infinitely wide networks trained by gradient flow on MSE, in closed form.

    As every width n → ∞, the networks of :func:`~ipcore.nets.network_kernels` have Gaussian
    outputs at initialisation with covariance the NNGP kernel K, and train by gradient flow
    as a linear model with the neural tangent kernel Θ (Jacot et al., 2018; Lee et al., 2019).
    Under gradient flow on L = ‖f(X) − Y‖² / (2 n_train) for a time t, the outputs at any
    points Z are

        f_t(Z) = f₀(Z) + A_t(Z) (Y − f₀(X)),   A_t(Z) = Θ(Z, X) Θ⁻¹ (I − e^{−Θ t / n_train}):

    a Gaussian over the ensemble with mean A_t Y and covariance
    K(Z, Z) − A_t K(X, Z) − K(Z, X) A_tᵀ + A_t K(X, X) A_tᵀ, the same for every output unit.
    Computed in float64, through the eigendecomposition of Θ(X, X).

    Parameters
    ----------
    x_train : array-like of shape (n_train, d)
        The training inputs X.
    y_train : array-like of shape (n_train,) or (n_train, c)
        The training targets Y.
    depth : int, default 2
        The number of hidden layers, ≥ 1.
    activation : str, default "erf"
        ``"erf"`` or ``"relu"``.
    weight_std : float, default 1.0
        σ_w, in (0, 1000].
    bias_std : float, default 0.0
        σ_b, in [0, 1000].

    Raises
    ------
    ValueError
        If ``x_train`` is not a finite 2-D numeric array, ``y_train`` not a finite 1-D or
        2-D one with a row per row of ``x_train``, or ``depth``, ``activation``, ``weight_std``
        or ``bias_std`` is not valid (as for :func:`~ipcore.nets.network_kernels`).

    See Also
    --------
    ipcore.nets.ensemble_information : the information quantities of the ensemble over training time.

    Examples
    --------
    Trained to the end (t = ∞) the ensemble interpolates the training targets, with no
    variance left there; at t = 0 its mean is 0:

    >>> import math, torch
    >>> from ipcore.nets import InfiniteEnsemble
    >>> x = torch.linspace(-1, 1, 6, dtype=torch.float64)[:, None]
    >>> y = torch.sin(3 * x)
    >>> outputs = InfiniteEnsemble(x, y, depth=2).outputs(x, [0.0, math.inf])
    >>> torch.allclose(outputs.mean[1], y, atol=1e-6), bool(outputs.variance[1].abs().max() < 1e-8)
    (True, True)
    >>> float(outputs.mean[0].abs().max())
    0.0
    """

    @validate_params(x_train=Array(ndim=(2,)), y_train=Array(ndim=(1, 2)), depth=Integer(low=1),
                     activation=Choice(KERNEL_ACTIVATIONS), weight_std=Real(low=0, open_low=True, high=1e3),
                     bias_std=Real(low=0, high=1e3))
    def __init__(self, x_train: Any, y_train: Any, *, depth: int = 2, activation: str = "erf",
                 weight_std: float = 1.0, bias_std: float = 0.0):
        self.x = as_tensor(x_train, "x_train", ndim=2)
        y = as_tensor(y_train, "y_train", ndim=(1, 2), device=self.x.device)
        self.y = y[:, None] if y.ndim == 1 else y
        if self.y.shape[0] != self.x.shape[0]:
            raise ValueError(f"y_train: has {self.y.shape[0]} rows but x_train has {self.x.shape[0]}")
        self.kernel_args = dict(depth=depth, activation=activation, weight_std=weight_std, bias_std=bias_std)
        self.k_train, self.ntk_train = network_kernels(self.x, **self.kernel_args)
        eigenvalues, self.eigenvectors = torch.linalg.eigh(0.5 * (self.ntk_train + self.ntk_train.T))
        self.eigenvalues = eigenvalues.clamp_min(0.0)

    def _propagators(self, times: torch.Tensor) -> torch.Tensor:
        """Θ⁻¹ (I − e^{−Θ t / n}) for each t, (T, n, n), through the eigendecomposition
        ((1 − e^{−λt/n})/λ → t/n as λ → 0; at t = ∞ the pseudo-inverse)."""
        n = self.x.shape[0]
        lam = self.eigenvalues[None, :]
        t = times[:, None]
        safe = lam.clamp_min(1e-300)
        finite = torch.where(lam > 1e-300, -torch.expm1(-lam * torch.nan_to_num(t, posinf=0.0) / n) / safe, t / n)
        infinite = torch.where(lam > 1e-12 * self.eigenvalues.max(), 1.0 / safe, torch.zeros_like(lam))
        factor = torch.where(torch.isinf(t), infinite, finite)
        return torch.einsum("ik,tk,jk->tij", self.eigenvectors, factor, self.eigenvectors)

    @validate_params(z=Array(ndim=(2,)), times=Unchecked("a list of times >= 0, inf allowed: checked in the body"))
    def outputs(self, z: Any, times: Sequence[float]) -> EnsembleOutputs:
        """Mean and covariance of the ensemble's outputs at points ``z`` after training for each time in ``times``.

        Parameters
        ----------
        z : array-like of shape (n_z, d)
            The points Z.
        times : sequence of float
            Training times ≥ 0; ``math.inf`` for the end of training (Θ⁻¹ is then the
            pseudo-inverse).

        Returns
        -------
        EnsembleOutputs
            ``times`` (T,), ``mean`` (T, n_z, c) = A_t Y and ``covariance`` (T, n_z, n_z).

        Raises
        ------
        ValueError
            If ``z`` is not a finite 2-D numeric array with the features of ``x_train``, or
            ``times`` is empty, not numbers, or holds a negative or NaN time.

        Examples
        --------
        At t = 0 the covariance is the NNGP kernel K(Z, Z):

        >>> import torch
        >>> from ipcore.nets import InfiniteEnsemble, network_kernels
        >>> x = torch.linspace(-1, 1, 5, dtype=torch.float64)[:, None]
        >>> ensemble = InfiniteEnsemble(x, x.sin(), activation="relu", bias_std=0.1)
        >>> z = torch.tensor([[-0.5], [0.25], [3.0]], dtype=torch.float64)
        >>> k, _ = network_kernels(z, activation="relu", bias_std=0.1)
        >>> torch.allclose(ensemble.outputs(z, [0.0, 1.0]).covariance[0], k)
        True
        """
        zt = as_tensor(z, "z", ndim=2, device=self.x.device)
        if zt.shape[1] != self.x.shape[1]:
            raise ValueError(f"z: has {zt.shape[1]} features but x_train has {self.x.shape[1]}")
        try:
            ts = torch.as_tensor([float(t) for t in times], dtype=DTYPE)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"times: must be a list of training times >= 0, got {times!r}") from exc
        if ts.numel() == 0 or bool((ts < 0).any()) or bool(torch.isnan(ts).any()):
            raise ValueError(f"times: must be a non-empty list of training times >= 0, got {times!r}")
        k_zx, ntk_zx = network_kernels(zt, self.x, **self.kernel_args)
        k_zz, _ = network_kernels(zt, **self.kernel_args)
        a = ntk_zx[None] @ self._propagators(ts)  # (T, n_z, n_train)
        cov = k_zz[None] - a @ k_zx.T[None] - k_zx[None] @ a.transpose(1, 2) + a @ self.k_train[None] @ a.transpose(1, 2)
        return EnsembleOutputs(times=ts, mean=a @ self.y[None], covariance=0.5 * (cov + cov.transpose(1, 2)))


#: Variance added to every output's (so that a point the ensemble interpolates exactly keeps a density).
OUTPUT_JITTER = 1e-10


def _gaussian_scores(z: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """S[s, i, j] = ln N(z[s, i]; mean[j], var[j] I) for draws z (S, K, c): a matrix product, no loop."""
    c = mean.shape[1]
    sq = (z * z).sum(-1)[..., None] - 2 * z @ mean.T + (mean * mean).sum(-1)[None, None, :]
    return -0.5 * c * torch.log(2 * math.pi * var)[None, None, :] - sq.clamp_min(0.0) / (2 * var[None, None, :])


def infonce_bounds(mean: torch.Tensor, var: torch.Tensor, *, n_samples: int, generator: torch.Generator) -> tuple[float, float]:
    """Lower (InfoNCE) and upper (leave-one-out) bounds on I(X;Z), X uniform on K points, Z|xᵢ ~ N(μᵢ, σᵢ² I), nats.

    With draws zᵢ ~ p(z|xᵢ) and Sᵢⱼ = ln p(zᵢ|xⱼ):
    lower = ln K + meanᵢ[Sᵢᵢ − ln Σⱼ e^{Sᵢⱼ}], upper = ln(K − 1) + meanᵢ[Sᵢᵢ − ln Σ_{j≠i} e^{Sᵢⱼ}]
    (Poole et al., 2019), averaged over ``n_samples`` draws per point.
    """
    k = mean.shape[0]
    noise = torch.randn((n_samples,) + tuple(mean.shape), generator=generator, dtype=mean.dtype)
    z = mean[None] + torch.sqrt(var)[None, :, None] * noise
    scores = _gaussian_scores(z, mean, var)  # (S, K, K)
    own = torch.diagonal(scores, dim1=1, dim2=2)
    lower = math.log(k) + float((own - torch.logsumexp(scores, dim=2)).mean())
    others = scores.masked_fill(torch.eye(k, dtype=torch.bool)[None], -math.inf)
    upper = math.log(k - 1) + float((own - torch.logsumexp(others, dim=2)).mean())
    return lower, upper


@validate_params(ensemble=InstanceOf((InfiniteEnsemble,)), x_test=Array(ndim=(2,)), y_test=Array(ndim=(1, 2)),
                 times=Unchecked("a list of times >= 0: checked by InfiniteEnsemble.outputs"),
                 n_samples=Integer(low=1), seed=Seed())
def ensemble_information(ensemble: InfiniteEnsemble, x_test: Any, y_test: Any, times: Sequence[float], *,
                         n_samples: int = 200, seed: int = 0) -> pd.DataFrame:
    """The information quantities and losses of the ensemble over training time (nats, per point).

    One row per time:

    - ``i_xz_lower``/``i_xz_upper``, the InfoNCE and leave-one-out bounds on I(X;Z) for X
      uniform on the K test points and Z|x ~ N(μ_t(x), (σ_t²(x) + 10⁻¹⁰) I): with draws
      zᵢ ~ p(z|xᵢ) and Sᵢⱼ = ln p(zᵢ|xⱼ),
      lower = ln K + meanᵢ[Sᵢᵢ − ln Σⱼ e^{Sᵢⱼ}] and
      upper = ln(K − 1) + meanᵢ[Sᵢᵢ − ln Σ_{j≠i} e^{Sᵢⱼ}] (Poole et al., 2019);
    - ``i_zd_upper``, the bound on I(Z;D|X): the mean over test points of
      KL(N(μ_t, σ_t² I) ‖ N(μ₀, σ₀² I)) = ½ Σ_c [σ_t²/σ₀² + (μ_t − μ₀)²/σ₀² − 1 + ln(σ₀²/σ_t²)];
    - ``bayes_loss`` = −mean ln N(y; μ_t, (σ_t² + 1) I) and ``gibbs_loss`` =
      mean E_f[−ln N(y; f, I)] = mean[½‖y − μ_t‖² + ½ c σ_t² + (c/2) ln 2π] on the test points;
    - ``train_mse`` and ``test_mse``, the mean of ‖y − μ_t‖² over the points.

    The bounds hold in expectation over the draws of Z (``n_samples`` per test point, seeded
    with ``seed``); where I(X;Z) is close to 0 their estimates can cross by their Monte Carlo error.

    Parameters
    ----------
    ensemble : InfiniteEnsemble
        The trained ensemble.
    x_test : array-like of shape (K, d)
        The test points, K ≥ 2.
    y_test : array-like of shape (K,) or (K, c)
        Their targets, with the output units of the training targets.
    times : sequence of float
        Training times ≥ 0 (``math.inf``: the end of training); time 0 is the reference of
        ``i_zd_upper`` and is not a row unless listed.
    n_samples : int, default 200
        Draws of Z per test point for the I(X;Z) bounds, ≥ 1.
    seed : int, default 0
        Seed of those draws.

    Returns
    -------
    pandas.DataFrame
        One row per time: ``time``, ``i_xz_lower``, ``i_xz_upper``, ``i_zd_upper``,
        ``bayes_loss``, ``gibbs_loss``, ``train_mse``, ``test_mse``.

    Raises
    ------
    TypeError
        If ``ensemble`` is not an :class:`~ipcore.nets.InfiniteEnsemble`.
    ValueError
        If ``x_test`` is not a finite 2-D numeric array of at least 2 points, ``y_test``
        does not have shape (K, c), ``times`` is not a list of times ≥ 0, ``n_samples`` is not
        an integer ≥ 1 or ``seed`` is not an integer in [0, 2⁶³).

    Examples
    --------
    The InfoNCE bound never exceeds ln K; trained to the end, the ensemble fits its training set:

    >>> import math, torch
    >>> from ipcore.nets import InfiniteEnsemble, ensemble_information
    >>> x = torch.linspace(-1, 1, 6, dtype=torch.float64)[:, None]
    >>> ensemble = InfiniteEnsemble(x, torch.sin(3 * x))
    >>> x_test = torch.linspace(-0.9, 0.9, 5, dtype=torch.float64)[:, None]
    >>> table = ensemble_information(ensemble, x_test, torch.sin(3 * x_test), [1.0, math.inf], n_samples=50)
    >>> list(table.columns)
    ['time', 'i_xz_lower', 'i_xz_upper', 'i_zd_upper', 'bayes_loss', 'gibbs_loss', 'train_mse', 'test_mse']
    >>> bool((table.i_xz_lower <= math.log(5) + 1e-9).all()), round(float(table.train_mse.iloc[-1]), 6)
    (True, 0.0)
    """
    from ipcore.seeding import make_generator

    xt = as_tensor(x_test, "x_test", ndim=2)
    yt = as_tensor(y_test, "y_test", ndim=(1, 2))
    yt = yt[:, None] if yt.ndim == 1 else yt
    if yt.shape != (xt.shape[0], ensemble.y.shape[1]):
        raise ValueError(f"y_test: must have shape ({xt.shape[0]}, {ensemble.y.shape[1]}), got {tuple(yt.shape)}")
    if xt.shape[0] < 2:
        raise ValueError("x_test: the I(X;Z) bounds need at least 2 test points")
    all_times = [0.0] + [float(t) for t in times]
    test = ensemble.outputs(xt, all_times)
    train = ensemble.outputs(ensemble.x, all_times)
    generator = make_generator(seed)
    c = yt.shape[1]
    var = test.variance + OUTPUT_JITTER  # (T, K)
    mean0, var0 = test.mean[0], var[0]
    rows = []
    for i, t in enumerate(all_times[1:], start=1):
        lower, upper = infonce_bounds(test.mean[i], var[i], n_samples=n_samples, generator=generator)
        kl = 0.5 * (c * var[i] / var0 + ((test.mean[i] - mean0) ** 2).sum(1) / var0 - c + c * torch.log(var0 / var[i]))
        resid = ((yt - test.mean[i]) ** 2).sum(1)
        bayes = 0.5 * resid / (var[i] + 1) + 0.5 * c * torch.log(2 * math.pi * (var[i] + 1))
        gibbs = 0.5 * resid + 0.5 * c * test.variance[i] + 0.5 * c * math.log(2 * math.pi)
        rows.append({"time": t, "i_xz_lower": lower, "i_xz_upper": upper, "i_zd_upper": float(kl.mean()),
                     "bayes_loss": float(bayes.mean()), "gibbs_loss": float(gibbs.mean()),
                     "train_mse": float(((ensemble.y - train.mean[i]) ** 2).sum(1).mean()),
                     "test_mse": float(resid.mean())})
    return pd.DataFrame(rows)
