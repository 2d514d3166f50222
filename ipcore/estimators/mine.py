"""MINE (Belghazi et al. 2018): a neural lower bound on I(X;Y), in nats.

The Donsker–Varadhan bound holds for every critic T(x, y):

    I(X;Y) ≥ E_{p(x,y)}[T] − ln E_{p(x)p(y)}[e^T],

and MINE maximises it over a small network T by stochastic gradient ascent. Samples of the
product of marginals are the batch's pairs with y shuffled. The gradient of the log term is
biased on small batches; MINE divides its E[e^T] by a moving average instead (weight ``ema``
per step), as Belghazi et al. do. The critic is trained on one part of the samples and the
bound is evaluated on the held-out rest, so that a critic that memorised its pairs does not
inflate the estimate. The set-up follows the one Butakov et al.'s later benchmark uses (an
MLP critic, Adam at 1e-3, batches of 512, an EMA of 0.01, standardised inputs, half held out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ipcore.config import progress_bar
from ipcore.seeding import derive_seed, make_generator
from ipcore.validation import SAMPLES, Flag, Integer, Real, Seed, as_paired_samples, validate_params


@dataclass(frozen=True)
class MINEEstimate:
    """Result of :func:`ipcore.estimators.mine_mutual_information`, in nats.

    Parameters
    ----------
    value : float
        The Donsker–Varadhan bound E_{p(x,y)}[T] − ln E_{p(x)p(y)}[e^T] of the
        trained critic T on the held-out samples.
    std_error : float
        Its standard error, by the delta method over the held-out samples.
    training_curve : numpy.ndarray
        Shape (steps,): the bound on each training batch (not smoothed).

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.estimators import MINEEstimate
    >>> est = MINEEstimate(value=0.49, std_error=0.05, training_curve=np.array([0.0, 0.2, 0.4]))
    >>> est.value - 2 * est.std_error > 0  # dependence detected at two standard errors
    True
    """

    value: float
    std_error: float
    training_curve: np.ndarray


def _critic(d_in: int, hidden: int) -> nn.Module:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ELU(), nn.Linear(hidden, hidden), nn.ELU(), nn.Linear(hidden, 1))


def _standardised(a: np.ndarray, fit: np.ndarray, name: str) -> torch.Tensor:
    mean, std = a[fit].mean(0), a[fit].std(0)
    if np.any(std == 0):
        raise ValueError(f"{name}: a coordinate is constant on the training samples; it carries no information")
    return torch.as_tensor((a - mean) / std, dtype=torch.float32)


@validate_params(x=SAMPLES, y=SAMPLES, hidden=Integer(low=1), steps=Integer(low=1), batch_size=Integer(low=2),
                 lr=Real(low=0, open_low=True, high=1.0), ema=Real(low=0, open_low=True, high=1.0),
                 held_out=Real(low=0, high=1, open_low=True, open_high=True), seed=Seed(), progress=Flag())
def mine_mutual_information(x: Any, y: Any, *, hidden: int = 64, steps: int = 2000, batch_size: int = 512,
                            lr: float = 1e-3, ema: float = 0.01, held_out: float = 0.5, seed: int = 0,
                            progress: bool = False) -> MINEEstimate:
    """MINE (Belghazi et al. 2018): a neural lower bound on I(X;Y) from paired samples, in nats.

    The Donsker–Varadhan bound holds for every critic T(x, y),

        I(X;Y) ≥ E_{p(x,y)}[T] − ln E_{p(x)p(y)}[e^T],

    and MINE maximises it over a small network T (two hidden ELU layers of
    ``hidden`` units) by Adam. Samples of the product of marginals are the batch's
    pairs with y shuffled; the gradient of the log term divides E[e^T] by a moving
    average (weight ``ema`` per step), as Belghazi et al. do. The critic trains on
    one part of the (standardised) samples and the bound is evaluated on the
    held-out rest, so that a critic that memorised its pairs does not inflate the
    estimate.

    Parameters
    ----------
    x : array-like of shape (n, d_x) or (n,)
        Samples of X.
    y : array-like of shape (n, d_y) or (n,)
        The paired samples of Y, one row per row of ``x``.
    hidden : int, default 64
        Units per hidden layer of the critic, ≥ 1.
    steps : int, default 2000
        Training batches, ≥ 1.
    batch_size : int, default 512
        Pairs per batch, ≥ 2 (clipped to the number of training samples).
    lr : float, default 1e-3
        Adam's learning rate, in (0, 1].
    ema : float, default 0.01
        Weight of each step in the moving average of E[e^T], in (0, 1].
    held_out : float, default 0.5
        Fraction of the samples (a seeded random part) kept for the estimate, in (0, 1).
    seed : int, default 0
        Seed of the split, the critic's initialisation and the batches: the
        estimate is reproducible for a seed.
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    MINEEstimate
        The held-out bound, its standard error and the training curve.

    Raises
    ------
    ValueError
        If ``x`` or ``y`` is not a finite numeric 1-D or 2-D array, is empty or has a
        coordinate beyond ±1e100, or has a coordinate constant on the training
        samples; if ``y`` does not have one row per row of ``x``; if ``hidden`` or
        ``steps`` is not an integer ≥ 1, or ``batch_size`` an integer ≥ 2; if ``lr``
        or ``ema`` is not in (0, 1]; if ``held_out`` is not in (0, 1) or leaves fewer
        than 2 training or 2 held-out samples; if ``seed`` is not an integer in
        [0, 2⁶³); if ``progress`` is not True or False.

    Notes
    -----
    A lower bound in expectation; on few samples it may land above the truth by
    its standard error. The set-up follows the one Butakov et al.'s later benchmark
    uses (an MLP critic, Adam at 1e-3, batches of 512, an EMA of 0.01, standardised
    inputs, half held out).

    See Also
    --------
    ipcore.estimators.ksg_mutual_information : a nearest-neighbour estimate.

    Examples
    --------
    Two standard normals of correlation 0.8, I = −½ ln(1 − 0.8²), from 400 pairs (a
    short run: 60 steps at a larger learning rate):

    >>> import numpy as np
    >>> from ipcore.estimators import jointly_gaussian_mutual_information, mine_mutual_information
    >>> z = np.random.default_rng(0).standard_normal((400, 2))
    >>> x, y = z[:, :1], 0.8 * z[:, :1] + 0.6 * z[:, 1:]
    >>> est = mine_mutual_information(x, y, steps=60, batch_size=128, hidden=32, lr=1e-2, seed=0)
    >>> exact = jointly_gaussian_mutual_information([[1.0, 0.8], [0.8, 1.0]], 1)
    >>> abs(est.value - exact) < 4 * est.std_error, len(est.training_curve)
    (True, 60)
    """
    a, b = as_paired_samples(x, y)
    n = a.shape[0]
    rng = np.random.default_rng(derive_seed(seed, "mine split"))
    order = rng.permutation(n)
    n_test = int(round(held_out * n))
    if n_test < 2 or n - n_test < 2:
        raise ValueError(f"held_out: leaves {n - n_test} training and {n_test} held-out samples of {n}; need 2 of each")
    test, fit = order[:n_test], order[n_test:]
    xs, ys = _standardised(a, fit, "x"), _standardised(b, fit, "y")
    generator = make_generator(derive_seed(seed, "mine batches"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "mine critic"))
        critic = _critic(a.shape[1] + b.shape[1], hidden)
    optimiser = torch.optim.Adam(critic.parameters(), lr=lr)
    fit_t = torch.as_tensor(fit)
    size = min(batch_size, len(fit))
    moving = None
    curve = np.empty(steps)
    with torch.enable_grad():  # also when called under no_grad
        for step in progress_bar(range(steps), enabled=progress, desc="MINE", mininterval=1.0):
            rows = fit_t[torch.randperm(len(fit), generator=generator)[:size]]
            shuffled = fit_t[torch.randint(len(fit), (size,), generator=generator)]  # y from the marginal
            joint = critic(torch.cat([xs[rows], ys[rows]], 1)).squeeze(1)
            marginal = critic(torch.cat([xs[rows], ys[shuffled]], 1)).squeeze(1)
            exp_mean = marginal.exp().mean()
            moving = exp_mean.detach() if moving is None else (1 - ema) * moving + ema * exp_mean.detach()
            loss = -(joint.mean() - exp_mean / moving)  # the gradient of the DV bound, bias-corrected
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            curve[step] = float(joint.detach().mean() - torch.log(exp_mean.detach()))
    with torch.no_grad():
        t = torch.as_tensor(test)
        joint = critic(torch.cat([xs[t], ys[t]], 1)).squeeze(1).double()
        # the product of marginals: every held-out x with 8 shuffles of the held-out y
        perms = torch.stack([t[torch.randperm(len(t), generator=generator)] for _ in range(8)]).reshape(-1)
        marginal = critic(torch.cat([xs[t.repeat(8)], ys[perms]], 1)).squeeze(1).double()
    log_mean_exp = torch.logsumexp(marginal, 0) - math.log(len(marginal))
    value = float(joint.mean() - log_mean_exp)
    weights = torch.exp(marginal - torch.logsumexp(marginal, 0)) * len(marginal)  # e^T / mean e^T
    variance = float(joint.var()) / len(joint) + float(weights.var()) / len(weights)
    return MINEEstimate(value, math.sqrt(variance), curve)
