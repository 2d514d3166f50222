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
    """The held-out Donsker–Varadhan bound (nats), its standard error (delta method over the
    held-out samples), and the training bound per step (the batch's, smoothed by nothing)."""

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
    """I(X;Y) from paired rows of ``x`` (n, d_x) and ``y`` (n, d_y) by MINE (module docstring).

    ``held_out`` of the samples (a seeded random part) are kept for the estimate; the critic
    trains on the rest for ``steps`` batches of ``batch_size``. Reproducible for a ``seed``.
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
